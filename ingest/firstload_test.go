package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"os"
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
	// Messages that take every branch of Go's reading (fastload.go): odd
	// escapes, numbers Go leaves to json(), secrets, whitespace, nesting.
	if err := os.WriteFile(filepath.Join(export, "incidents", "2026-11-23.json"), []byte(oddMessages), 0o600); err != nil {
		t.Fatal(err)
	}
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
	var odd, secrets int
	if err := first.QueryRow(`SELECT count(*) FILTER (ts LIKE '1779500000.%'),
		count(*) FILTER (regexp_matches(raw::VARCHAR, 'xoxb-123|XOXP-1-2|xoxe-1-2|T=abc|B0/secret'))
		FROM messages`).Scan(&odd, &secrets); err != nil {
		t.Fatal(err)
	}
	if odd != 13 || secrets != 0 {
		t.Errorf("first load stored %d of the 13 odd messages, %d with a secret; want 13 and 0", odd, secrets)
	}
	for _, q := range []string{
		`SELECT * EXCLUDE (ingested_at, updated_at, run_id, raw), raw::VARCHAR FROM messages ORDER BY channel_id, ts`,
		`SELECT ts, raw::VARCHAR FROM messages WHERE ts LIKE '1779500000.%' ORDER BY ts`,
		`SELECT channel_id, oldest_ts, newest_ts, last_source, history_complete, archived_complete FROM channel_state WHERE channel_id <> 'CNONE' ORDER BY channel_id`,
	} {
		if diff := cmp.Diff(warehouse.Rows(t, batched.DB, q), warehouse.Rows(t, first.DB, q)); diff != "" {
			t.Errorf("%s (-batched +first load):\n%s", q, diff)
		}
	}
}

// oddMessages is a day file of messages that are all storable, each
// odd in a way Go's reading must match json() and json_extract on, or
// leave to them: \/ and \u escapes, surrogate pairs, control characters,
// raw UTF-8, floats, -0, an integer beyond 64 bits, a key written with an
// escape, a field given twice, deep nesting, pretty-printing, and
// secrets in several letter cases (the redaction runs in SQL on those).
const oddMessages = `[
  {"type":"message","ts":"1779500000.000001","user":"U1","text":"a\/b \u00e9 \ud83d\ude00 \" \\ \n\t\u0001\u001f tab\u0009 é ☃"},
  {"type":"message","ts":"1779500000.000002","user":"U1","text":"score","metrics":{"p99":1.5,"e":1e3,"neg":-0,"big":123456789012345678901234,"small":-12}},
  {"type":"message","ts":"1779500000.000003","user":"U1","text":"token xoxb-123-456-abc and XOXP-1-2 here"},
  {"type":"message","ts":"1779500000.000004","user":"U1","text":"<https://files.slack.com/x.png?t=xoxe-1-2&dl=1>","files":[{"url_private":"https:\/\/files.slack.com\/f?T=abc"}]},
  {"type":"message","ts":"1779500000.000005","user":"U1","text":"hook https:\/\/hooks.slack.com\/services\/T0\/B0\/secret ok"},
  {"type":"message","ts":"1779500000.000006","user":"U1","t\u0065xt":"escaped key","text":"plain"},
  {"type":"message","ts":"1779500000.000007","user":"U1","text":"first","text":"second"},
  {"type":"message","ts":"1779500000.000008","user":"U1","text":"deep","d":[[[[[[[[[[[[[[[[[[[[{"a":[{"b":{"c":[1,2,{"e":"f"}]}}]}]]]]]]]]]]]]]]]]]]]]},
  {
    "type" : "message" ,
    "ts" : "1779500000.000009" ,
    "user" : null ,
    "bot_id" : "B1" ,
    "bot_profile" : { "app_id" : "A1" , "name" : "bot \/ name" , "icons" : { "image_36" : "https:\/\/a.slack-edge.com\/x.png" } } ,
    "subtype" : "bot_message" ,
    "text" : "" ,
    "blocks" : [ ] ,
    "attachments" : [ { } ]
  },
  {"type":"message","ts":"1779500000.000010","user":"U2","text":"edited","edited":{"user":"U2","ts":"1779500001.000000"},"thread_ts":"1779500000.000010","reply_count":2,"latest_reply":"1779500000.000011","reply_users":["U1"]},
  {"type":"message","ts":"1779500000.000011","user":"U1","text":"reply","thread_ts":"1779500000.000010","parent_user_id":"U2","app_id":"A2","username":"u"},
  {"type":"message","ts":"1779500000.000012","user":"U1","text":"Kelvin hooKs.slacK.com\/services\/T\/B\/x and \u212a","flag":true,"none":null,"n":0,"m":18446744073709551615,"k":-9223372036854775808},
  {"type":"message","ts":"1779500000.000013","user":"U1","text":"tombstone","subtype":"tombstone","edited":{"ts":"1779500002.5"}}
]`

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
