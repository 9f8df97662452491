package queries

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsExamplesRun runs every complete SQL example in
// docs/querying.md on the fixture warehouse.
func TestDocsExamplesRun(t *testing.T) {
	doc, err := os.ReadFile("../docs/querying.md")
	if err != nil {
		t.Fatal(err)
	}
	db := fixtureDB(t)
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	ran := 0
	for _, b := range blocks {
		sql := b[1]
		if strings.Contains(sql, "…") {
			continue // a template, not an example
		}
		ran++
		if _, err := Run(context.Background(), db, sql, &bytes.Buffer{}, Options{Format: FormatCSV}); err != nil {
			t.Errorf("docs/querying.md example fails: %v\n%s", err, sql)
		}
	}
	if ran < 5 {
		t.Errorf("found %d SQL examples in docs/querying.md; want at least 5", ran)
	}
}
