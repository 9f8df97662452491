package reports

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func runReport(t *testing.T, week string, mutate ...string) (*Result, string) {
	t.Helper()
	db, cfg := fixtureDB(t)
	for _, m := range mutate {
		if _, err := db.Exec(m); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
	opts := OptionsFrom(cfg)
	opts.Now = func() time.Time { return fixtureNow }
	opts.Week = week
	opts.Out = t.TempDir()
	res, err := Run(context.Background(), db.DB, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, opts.Out
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./reports -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (go test ./reports -update rewrites it)", name)
	}
}

// TestReportGolden: the default week of the fixture, all four formats,
// byte for byte; a second run gives the same bytes.
func TestReportGolden(t *testing.T) {
	res, out := runReport(t, "")
	if res.Label != "2026-W47" {
		t.Fatalf("default week = %s; want 2026-W47 (the last complete week before %s)", res.Label, fixtureNow)
	}
	for _, f := range []string{"report.html", "report.md", "report.json", "incidents.csv"} {
		b, err := os.ReadFile(filepath.Join(out, "2026-W47", f))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, f, b)
	}
	_, out2 := runReport(t, "")
	for _, f := range []string{"report.html", "report.md", "report.json", "incidents.csv"} {
		a, _ := os.ReadFile(filepath.Join(out, "2026-W47", f))
		b, _ := os.ReadFile(filepath.Join(out2, "2026-W47", f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s is not byte-identical across two runs", f)
		}
	}
	idx, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil || !strings.Contains(string(idx), `href="2026-W47/report.html"`) {
		t.Errorf("index.html does not list 2026-W47: %v\n%s", err, idx)
	}
}
