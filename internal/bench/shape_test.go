package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Reshaping keeps every message (ts unique within each channel) and only
// changes where messages live and what they carry.
func TestReshape(t *testing.T) {
	src := filepath.Join(t.TempDir(), "export")
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("users.json", `[{"id":"U1"}]`)
	write("channels.json", `[]`)
	write("groups.json", `[]`)
	// Folders 0 and 8 land in the same merged channel, with a ts clash.
	for i := range 9 {
		write(filepath.Join(string(rune('a'+i))+"-chan", "2026-11-20.json"),
			`[{"type":"message","ts":"1795186800.000100","text":"hi"},{"type":"message","ts":"1795186801.000000","text":"x","blocks":[]}]`)
	}
	for _, shape := range []string{"few-channels", "blocks"} {
		dst := filepath.Join(t.TempDir(), shape)
		if err := Reshape(src, dst, shape); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dst, "groups.json")); (err == nil) != (shape == "blocks") {
			t.Errorf("%s: groups.json copied = %v; want it copied only when channels are kept", shape, err == nil)
		}
		files, _ := filepath.Glob(filepath.Join(dst, "*", "*.json"))
		n, blocks := 0, 0
		for _, f := range files {
			b, _ := os.ReadFile(f)
			var msgs []map[string]any
			if err := json.Unmarshal(b, &msgs); err != nil {
				t.Fatal(err)
			}
			seen := map[any]bool{}
			for _, m := range msgs {
				if seen[m["ts"]] {
					t.Errorf("%s %s: ts %v twice", shape, f, m["ts"])
				}
				seen[m["ts"]] = true
				if bl, ok := m["blocks"].([]any); ok && len(bl) > 0 {
					blocks++
				}
			}
			n += len(msgs)
		}
		if n != 18 {
			t.Errorf("%s: %d messages; want 18", shape, n)
		}
		wantFiles, wantBlocks := 9, 9
		if shape == "few-channels" {
			wantFiles, wantBlocks = 8, 0
		}
		if len(files) != wantFiles || blocks != wantBlocks {
			t.Errorf("%s: %d day files, %d messages with blocks; want %d, %d", shape, len(files), blocks, wantFiles, wantBlocks)
		}
	}
	if err := Reshape(src, filepath.Join(t.TempDir(), "x"), "round"); err == nil {
		t.Error("Reshape with an unknown shape succeeded")
	}
}
