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
	if _, err := publish(out, r, map[string][]byte{"report.html": []byte("old"), "report.md": []byte("old md")}); err != nil {
		t.Fatal(err)
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	// A file name that cannot be created fails the write half-way.
	_, err := publish(out, r, map[string][]byte{"report.html": []byte("new"), "no/such/dir/x": []byte("boom")})
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
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("a failed run left %s behind", e.Name())
		}
	}
	// A later run of one format replaces that file and keeps the others.
	if _, err := publish(out, r, map[string][]byte{"report.html": []byte("new")}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.html")); string(b) != "new" {
		t.Errorf("report.html = %q; want the new one", b)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "2026-W47", "report.md")); string(b) != "old md" {
		t.Errorf("report.md = %q after an html-only run; want it kept", b)
	}
}
