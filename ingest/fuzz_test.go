package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// Whatever a day file holds, ingest stores what it can, names what it
// cannot, and never fails the run or stores a message without a time.
func FuzzExportDayFile(f *testing.F) {
	for _, s := range []string{
		`[{"type":"message","ts":"1795186800.000100","text":"hi"}]`,
		`[{"ts":1795186800.0001}]`,
		`{"ts":"1"}`,
		`[{"ts":"1795186800.000100","thread_ts":17,"reply_count":"x","edited":[]}]`,
		`[{"ts":"1795186800.000100","files":[{"url_private":"https://files.slack.com/a?t=xoxe-1-2"}]}]`,
		`[`, ``, `[null, 1, "x", [], {}]`,
	} {
		f.Add([]byte(s))
	}
	db := warehousetest.Open(f)
	dir := filepath.Join(f.TempDir(), "export")
	if err := os.MkdirAll(filepath.Join(dir, "inc-1"), 0o755); err != nil {
		f.Fatal(err)
	}
	writeFile(&testing.T{}, filepath.Join(dir, "channels.json"), `[{"id":"C1","name":"inc-1","created":1795186800}]`)
	writeFile(&testing.T{}, filepath.Join(dir, "users.json"), `[{"id":"U1","name":"a"}]`)
	f.Fuzz(func(t *testing.T, day []byte) {
		if err := os.WriteFile(filepath.Join(dir, "inc-1", "2026-11-20.json"), day, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ingestPath(t, db, dir, defaultSelection(t))
		if err != nil && !errors.Is(err, ErrPartial) {
			t.Fatalf("IngestExport(%q) = %v; want success or a partial run", day, err)
		}
		var bad int
		if err := db.QueryRow(`SELECT count(*) FROM messages WHERE posted_at IS NULL OR raw::VARCHAR LIKE '%xoxe-%'`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad > 0 {
			t.Fatalf("after %q: %d stored messages lack a time or hold a token", day, bad)
		}
	})
}
