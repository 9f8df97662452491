package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// The first load of an empty warehouse (one INSERT … SELECT over every
// file) stores exactly what the batched merge stores: the same rows, the
// same watermarks, the same counts.
func TestFirstLoadEqualsBatchedMerge(t *testing.T) {
	dir := t.TempDir()
	if _, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
		Seed: 3, Weeks: 3, Incidents: 8, Scale: 1, End: testNow.Add(-24 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "export")
	load := func(db *warehouse.DB) (*Result, string) {
		var log bytes.Buffer
		res, err := IngestExport(context.Background(), db, ExportOptions{
			Path:       export,
			Selection:  NewSelection(config.Channels{}, nil, true),
			BatchBytes: 256 << 10, // several batches
			TempDir:    t.TempDir(),
			Now:        func() time.Time { return testNow },
			Log:        slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
		if err != nil {
			t.Fatal(err)
		}
		return res, log.String()
	}
	first := warehousetest.Open(t)
	firstRes, firstLog := load(first)
	if !strings.Contains(firstLog, `msg="first load"`) || (fastLoadAvailable && !strings.Contains(firstLog, "go_reads=true")) {
		t.Fatalf("an empty warehouse was not loaded by the first-load path; log:\n%s", firstLog)
	}
	// A watermark of another channel makes the warehouse not empty.
	batched := warehousetest.Open(t)
	if _, err := batched.Exec(`INSERT INTO channel_state (channel_id, oldest_ts, newest_ts, last_source, last_run_id, last_ingested_at, history_complete, archived_complete)
		VALUES ('CNONE', '1.0', '1.0', 'export', 0, now(), false, false)`); err != nil {
		t.Fatal(err)
	}
	batchedRes, batchedLog := load(batched)
	if strings.Contains(batchedLog, `msg="first load"`) || !strings.Contains(batchedLog, `msg="stored batch"`) {
		t.Fatalf("a warehouse with a watermark was not loaded in batches; log:\n%s", batchedLog)
	}
	if diff := cmp.Diff(batchedRes.Counts, firstRes.Counts); diff != "" {
		t.Errorf("counts (-batched +first load):\n%s", diff)
	}
	if firstRes.Counts.MessagesNew < 1000 {
		t.Fatalf("stored %d messages; the test needs a real workspace", firstRes.Counts.MessagesNew)
	}
	for _, q := range []string{
		`SELECT * EXCLUDE (ingested_at, updated_at, run_id, raw), raw::VARCHAR FROM messages ORDER BY channel_id, ts`,
		`SELECT channel_id, oldest_ts, newest_ts, last_source, history_complete, archived_complete FROM channel_state WHERE channel_id <> 'CNONE' ORDER BY channel_id`,
	} {
		if diff := cmp.Diff(warehouse.Rows(t, batched.DB, q), warehouse.Rows(t, first.DB, q)); diff != "" {
			t.Errorf("%s (-batched +first load):\n%s", q, diff)
		}
	}
}

// The first-load path tells Progress how far it got, as the batched path
// does: the terminal's progress bar of `ingest export` depends on it (it
// vanished when the first load arrived).
func TestFirstLoadReportsProgress(t *testing.T) {
	var calls [][2]int64
	_, err := IngestExport(context.Background(), warehousetest.Open(t), ExportOptions{
		Path:      "testdata/export",
		Selection: NewSelection(config.Channels{}, nil, true),
		TempDir:   t.TempDir(),
		Now:       func() time.Time { return testNow },
		Log:       slog.New(slog.DiscardHandler),
		Progress:  func(done, total int64) { calls = append(calls, [2]int64{done, total}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 {
		t.Fatal("Progress was never called")
	}
	if last := calls[len(calls)-1]; last[0] != last[1] || last[1] <= 0 {
		t.Errorf("last Progress(%d, %d); want done = total > 0", last[0], last[1])
	}
}
