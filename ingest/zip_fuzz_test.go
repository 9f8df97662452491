package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// fuzzExport is a small export as ZIP bytes: the two lists and a day file
// of an incident channel, plus extra entries.
func fuzzExport(f *testing.F, extra map[string]string) []byte {
	f.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries := []struct{ name, body string }{
		{"channels.json", `[{"id":"C1","name":"inc-1","created":1795186800}]`},
		{"users.json", `[{"id":"U1","name":"ana"}]`},
		{"inc-1/2026-11-20.json", `[{"type":"message","ts":"1795186800.000100","user":"U1","text":"Declaring an incident: checkout is down (SEV2)"},` +
			`{"type":"message","ts":"1795187000.000200","user":"U1","text":"fixed in https://github.com/acme/checkout/pull/12, all clear","files":[{"url_private":"https://files.slack.com/a?t=xoxe-1-2"}]}]`},
	}
	for name, body := range extra {
		entries = append(entries, struct{ name, body string }{name, body})
	}
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			f.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			f.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzExportZip reads whole ZIP files as exports: whatever the bytes, the
// run ends ok, partial (the bad entries named) or as not an export, never
// stores a message without a time or a token, and leaves no extracted
// files behind.
func FuzzExportZip(f *testing.F) {
	good := fuzzExport(f, nil)
	f.Add(good)
	f.Add(good[:len(good)/2])  // a truncated download: no central directory
	f.Add(good[:len(good)-10]) // the end record cut
	f.Add(fuzzExport(f, map[string]string{"../evil.json": "[]", "/abs.json": "[]", `a\b.json`: "[]"}))
	f.Add(fuzzExport(f, map[string]string{"inc-1/2026-11-21.json": `[{"ts":1}, "x", [[[[]]]]]`}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("not a zip"))
	db := warehousetest.Open(f)
	dir := f.TempDir()
	path := filepath.Join(dir, "export.zip")
	tmp := filepath.Join(dir, "tmp")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := IngestExport(t.Context(), db, ExportOptions{
			Path: path, Selection: defaultSelection(t), BatchBytes: 1 << 20, TempDir: tmp,
			Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil && !errors.Is(err, ErrPartial) && !errors.Is(err, ErrNotExport) {
			t.Fatalf("IngestExport(%q) = %v; want ok, partial or not an export", data, err)
		}
		var bad int
		if err := db.QueryRow(`SELECT count(*) FROM messages WHERE posted_at IS NULL OR regexp_matches(raw::VARCHAR || coalesce(text, ''), '(?i)xox[a-z]-')`).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		if bad > 0 {
			t.Fatalf("after %q: %d stored messages lack a time or hold a token", data, bad)
		}
		left, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Fatalf("after %q: %s left behind in the temporary folder", data, left[0].Name())
		}
	})
}
