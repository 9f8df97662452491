package bench

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// The split puts the newest days in delta and every other day in base,
// each day file exactly once, with the top-level files in both.
func TestSplitExport(t *testing.T) {
	src := filepath.Join(t.TempDir(), "export")
	for _, rel := range []string{"users.json", "channels.json", "inc-a/2026-11-18.json", "inc-a/2026-11-20.json",
		"inc-a/2026-11-21.json", "inc-b/2026-11-19.json", "inc-b/2026-11-22.json", "inc-b/notes.json"} {
		p := filepath.Join(src, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(`["`+rel+`"]`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	base, delta := filepath.Join(dir, "base"), filepath.Join(dir, "delta")
	nb, nd, err := SplitExport(src, base, delta, 3)
	if err != nil {
		t.Fatal(err)
	}
	list := func(root string) []string {
		var out []string
		filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				rel, _ := filepath.Rel(root, p)
				b, _ := os.ReadFile(p)
				if want := `["` + rel + `"]`; string(b) != want {
					t.Errorf("%s holds %s; want the source file's bytes %s", p, b, want)
				}
				out = append(out, rel)
			}
			return nil
		})
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff([]string{"channels.json", "inc-a/2026-11-18.json", "inc-b/2026-11-19.json", "users.json"}, list(base)); diff != "" {
		t.Errorf("base (-want +got):\n%s", diff)
	}
	// The newest day is 2026-11-22, so the last three are the 20th to the 22nd.
	if diff := cmp.Diff([]string{"channels.json", "inc-a/2026-11-20.json", "inc-a/2026-11-21.json", "inc-b/2026-11-22.json", "users.json"}, list(delta)); diff != "" {
		t.Errorf("delta (-want +got):\n%s", diff)
	}
	if nb != 2 || nd != 3 {
		t.Errorf("SplitExport counted %d base and %d delta day files; want 2 and 3", nb, nd)
	}
	if _, _, err := SplitExport(src, base, filepath.Join(dir, "other"), 3); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("splitting into an existing folder: err = %v; want it refused", err)
	}
}

func TestDeriveConfig(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "aftermath.yaml")
	os.WriteFile(src, []byte("channels:\n  shared: [incidents]\nrepos:\n  - url: https://github.com/acme/x\n    path: repos/x\n"), 0o644)
	dst := filepath.Join(dir, "derived.yaml")
	if err := DeriveConfig(src, dst, map[string]any{"channels.include": []string{"big-0"}, "run.ingest": "export"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(dst)
	var got map[string]any
	if err := yaml.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"channels": map[string]any{"shared": []any{"incidents"}, "include": []any{"big-0"}},
		"repos":    []any{map[string]any{"url": "https://github.com/acme/x", "path": "repos/x"}},
		"run":      map[string]any{"ingest": "export"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("derived config (-want +got):\n%s", diff)
	}
}

func TestSplice(t *testing.T) {
	doc := []byte("# Benchmarks\n\nhand-written\n")
	once, err := Splice(doc, []byte("| a |\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmarks\n\nhand-written\n\n" + SpliceBegin + "\n\n| a |\n\n" + SpliceEnd + "\n"
	if string(once) != want {
		t.Errorf("first splice:\n%s\nwant:\n%s", once, want)
	}
	edited := append(once, []byte("\n## Notes after the block\n")...)
	twice, err := Splice(edited, []byte("| b |"))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(string(edited), "| a |", "| b |", 1); string(twice) != want {
		t.Errorf("second splice:\n%s\nwant:\n%s", twice, want)
	}
	if _, err := Splice([]byte(SpliceEnd+"\n"+SpliceBegin), nil); err == nil {
		t.Error("markers out of order were accepted")
	}
}
