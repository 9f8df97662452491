package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishFailureKeepsPreviousFiles: a run that fails while writing
// leaves the previous week's folder and index as they were, and no
// temporary folder behind.
func TestPublishFailureKeepsPreviousFiles(t *testing.T) {
	out := t.TempDir()
	r := &Report{Week: "2026-W47", Title: "T"}
	if _, err := publish(out, r, map[string][]byte{"report.html": []byte("old"), "report.md": []byte("old md")}, nil); err != nil {
		t.Fatal(err)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	// A file name that cannot be created fails the write half-way.
	_, err := publish(out, r, map[string][]byte{"report.html": []byte("new"), "no/such/dir/x": []byte("boom")}, nil)
	if err == nil {
		t.Fatal("publish with an unwritable file succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.html")); string(b) != "old" {
		t.Errorf("report.html = %q after a failed run; want the previous %q", b, "old")
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.md")); string(b) != "old md" {
		t.Errorf("report.md = %q after a failed run; want the previous one", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "index.html")); string(b) != string(index) {
		t.Errorf("index.html changed after a failed run")
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && e.Name() != ".aftermath-report.lock" {
			t.Errorf("a failed run left %s behind", e.Name())
		}
	}
	// A later run of one format replaces that file and keeps the others.
	if _, err := publish(out, r, map[string][]byte{"report.html": []byte("new")}, nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.html")); string(b) != "new" {
		t.Errorf("report.html = %q; want the new one", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.md")); string(b) != "old md" {
		t.Errorf("report.md = %q after an html-only run; want it kept", b)
	}
}

// TestPublishSweepsKilledRunLeftovers: a run killed while publishing leaves
// its temporary folder, the index's temporary file, or (killed between the
// two renames) the previous week folder moved aside. The next run removes
// the first two and puts the third back, so nothing half-written stays in
// the output folder and no week is lost. Found by TestKilledRunResumes in CI.
func TestPublishSweepsKilledRunLeftovers(t *testing.T) {
	out := t.TempDir()
	r := &Report{Week: "2026-W48", Title: "T"}
	if _, err := publish(out, &Report{Week: "2026-W47", Title: "T"}, map[string][]byte{"report.html": []byte("w47")}, nil); err != nil {
		t.Fatal(err)
	}
	// What a killed run leaves: W47 moved aside mid-swap, a half-written W48.
	if err := os.Rename(filepath.Join(out, "2026-W47"), filepath.Join(out, ".2026-W47.tmp-11449599.old")); err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(out, ".2026-W48.tmp-11449599")
	if err := os.MkdirAll(half, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(half, "report.html"), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(out, ".index.html.tmp"), []byte("<ul>"), 0o644)

	if _, err := publish(out, r, map[string][]byte{"report.html": []byte("w48")}, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && e.Name() != ".aftermath-report.lock" {
			t.Errorf("the run after a killed one left %s behind", e.Name())
		}
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.html")); string(b) != "w47" {
		t.Errorf("2026-W47/report.html = %q; want the week moved aside by the killed run put back", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "index.html")); !strings.Contains(string(b), "2026-W47") || !strings.Contains(string(b), "2026-W48") {
		t.Errorf("index.html does not list both weeks:\n%s", b)
	}
}
