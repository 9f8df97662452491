package queries

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSavedQueryColumnsDocumented: docs/saved-queries.md has a section per
// saved query ("### `name`") that lists every column the query returns,
// and every incident-level query shows channel_name and slack_url.
func TestSavedQueryColumnsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/saved-queries.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	parts := regexp.MustCompile("(?m)^### `([a-z0-9-]+)`").Split(string(doc), -1)
	names := regexp.MustCompile("(?m)^### `([a-z0-9-]+)`").FindAllStringSubmatch(string(doc), -1)
	for i, n := range names {
		sections[n[1]] = parts[i+1]
	}
	all, err := SavedQueries()
	if err != nil {
		t.Fatal(err)
	}
	db := openQueryDB(t, buildWarehouse(t, ""))
	for _, s := range all {
		sec, ok := sections[s.Name]
		if !ok {
			t.Errorf("docs/saved-queries.md has no section ### `%s`", s.Name)
			continue
		}
		rows, err := db.wh.Query(s.SQL)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		cols, _ := rows.Columns()
		rows.Close()
		for _, c := range cols {
			if !strings.Contains(sec, "| `"+c+"` |") {
				t.Errorf("docs/saved-queries.md: %s does not document its column `%s`", s.Name, c)
			}
		}
		if readsDerived(s.SQL) && strings.Contains(s.SQL, "incident_id") {
			for _, want := range []string{"channel_name", "slack_url"} {
				if !contains(cols, want) {
					t.Errorf("saved query %s lists incidents without %s", s.Name, want)
				}
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
