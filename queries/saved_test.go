package queries

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestSavedQueries checks every file in queries/*.sql: a valid header, a
// unique name, and SQL that runs both on an empty migrated warehouse and
// on one with data.
func TestSavedQueries(t *testing.T) {
	all, err := SavedQueries()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 5 {
		t.Fatalf("SavedQueries() = %d queries; want at least the 5 raw-layer ones", len(all))
	}
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.Name] {
			t.Errorf("saved query name %q is used twice", s.Name)
		}
		seen[s.Name] = true
		if s.Description == "" || strings.Contains(s.Description, "\n") {
			t.Errorf("saved query %s: description %q; want one line", s.Name, s.Description)
		}
	}
	for _, want := range []string{"channels", "ingest-runs", "ingest-skips", "messages-by-day", "bot-activity"} {
		if !seen[want] {
			t.Errorf("no saved query %q", want)
		}
	}
	empty := openQueryDB(t, buildWarehouse(t, ""))
	full := fixtureDB(t)
	derived := derivedDB(t)
	for _, s := range all {
		fixture := full
		if readsDerived(s.SQL) {
			fixture = derived
		}
		for name, db := range map[string]*DB{"empty": empty, "fixture": fixture} {
			var out bytes.Buffer
			res, err := Run(context.Background(), db, s.SQL, &out, Options{Format: FormatCSV})
			if err != nil {
				t.Errorf("saved query %s on the %s warehouse: %v", s.Name, name, err)
				continue
			}
			if name == "fixture" && res.Rows == 0 {
				t.Errorf("saved query %s found no rows in the fixture", s.Name)
			}
		}
	}
}

func TestSavedQueriesOnFixture(t *testing.T) {
	db := fixtureDB(t)
	for _, name := range []string{"channels", "ingest-runs", "ingest-skips", "messages-by-day", "bot-activity"} {
		s, err := LookupSaved(name)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := runString(t, db, s.SQL, Options{Format: FormatTable})
		checkGolden(t, "saved-"+name+".table", got)
	}
}

func TestParseSaved(t *testing.T) {
	for _, tc := range []struct {
		file, body string
		want       Saved
		err        string
	}{
		{"ok.sql", "-- name: ok\n-- description: Does things\n--\n-- More words: here.\nSELECT 1;\n",
			Saved{Name: "ok", Description: "Does things"}, ""},
		{"ok.sql", "\n--name:ok\n--   description:   Spaces   \nSELECT 1", Saved{Name: "ok", Description: "Spaces"}, ""},
		{"late.sql", "SELECT 1;\n-- name: late\n-- description: x\n", Saved{}, `no "-- name: late" header`},
		{"a.sql", "-- name: b\n-- description: x\nSELECT 1", Saved{}, `must equal the file name, "a"`},
		{"Bad_Name.sql", "-- name: Bad_Name\n-- description: x\nSELECT 1", Saved{}, "lowercase words"},
		{"nodesc.sql", "-- name: nodesc\nSELECT 1", Saved{}, `no "-- description:" header`},
	} {
		got, err := parseSaved(tc.file, tc.body)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseSaved(%s) error = %v; want %q", tc.file, err, tc.err)
			}
		case err != nil:
			t.Errorf("parseSaved(%s) error: %v", tc.file, err)
		case got.Name != tc.want.Name || got.Description != tc.want.Description || got.SQL != tc.body:
			t.Errorf("parseSaved(%s) = %+v; want %+v", tc.file, got, tc.want)
		}
	}
}

func TestLookupSaved(t *testing.T) {
	s, err := LookupSaved("channels")
	if err != nil || s.Name != "channels" {
		t.Errorf("LookupSaved(channels) = %v, %v", s.Name, err)
	}
	_, err = LookupSaved("incidents-by-week")
	if !errors.Is(err, ErrUnknownSaved) || !strings.Contains(err.Error(), "bot-activity, channels") {
		t.Errorf("LookupSaved(unknown) error = %v; want ErrUnknownSaved listing the names", err)
	}
}

func TestWriteSavedList(t *testing.T) {
	var b bytes.Buffer
	err := WriteSavedList(&b, []Saved{{Name: "channels", Description: "Channels"}, {Name: "bot-activity", Description: "Bots"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "channels      Channels\nbot-activity  Bots\n"; b.String() != want {
		t.Errorf("WriteSavedList() = %q; want %q", b.String(), want)
	}
}
