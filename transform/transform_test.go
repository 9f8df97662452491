package transform

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var testNow = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// ingestExport loads a Slack export into a fresh warehouse.
func ingestExport(t *testing.T, dir string, cfg *config.Config) *warehouse.DB {
	t.Helper()
	db := warehousetest.Open(t)
	_, err := ingest.IngestExport(context.Background(), db, ingest.ExportOptions{
		Path:       dir,
		Selection:  ingest.NewSelection(cfg.Channels, nil, true),
		BatchBytes: 64 << 20,
		TempDir:    t.TempDir(),
		Now:        func() time.Time { return testNow },
		Log:        quiet(),
	})
	if err != nil {
		t.Fatalf("ingest %s: %v", dir, err)
	}
	return db
}

func runTransform(t *testing.T, db *warehouse.DB, cfg *config.Config) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), db, cfg, Options{Now: func() time.Time { return testNow }, Log: quiet()})
	if err != nil {
		t.Fatalf("transform: %v", err)
	}
	return sum
}

// derivedDump renders the derived tables deterministically.
func derivedDump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []struct{ name, sql string }{
		{"incidents", `SELECT COLUMNS(*)::VARCHAR FROM incidents ORDER BY incident_id`},
		{"incident_events", `SELECT COLUMNS(*)::VARCHAR FROM incident_events ORDER BY incident_id, kind`},
		{"incident_signals", `SELECT COLUMNS(*)::VARCHAR FROM incident_signals ORDER BY incident_id, occurred_at, message_ts, rule, kind`},
		{"incident_links", `SELECT COLUMNS(*)::VARCHAR FROM incident_links ORDER BY incident_id, kind, url`},
		{"incident_participants", `SELECT COLUMNS(*)::VARCHAR FROM incident_participants ORDER BY incident_id, user_id`},
		{"data_quality", `SELECT COLUMNS(*)::VARCHAR FROM data_quality ORDER BY channel_id, incident_id, problem, detail`},
	} {
		fmt.Fprintf(&b, "== %s\n", q.name)
		for _, r := range warehouse.Rows(t, db, q.sql) {
			b.WriteString(r + "\n")
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (go test ./transform -update creates it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test ./transform -update if intended):\n%s", path, diff)
	}
}

func defaults(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// defaultClassifier returns the built-in configuration and its
// classifier.
func defaultClassifier(t *testing.T) (*config.Config, *classifier) {
	t.Helper()
	cfg := defaults(t)
	cls, err := newClassifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, cls
}

func TestTransformHandwrittenExport(t *testing.T) {
	cfg := defaults(t)
	db := ingestExport(t, "../ingest/testdata/export", cfg)
	sum := runTransform(t, db, cfg)
	// inc-security-7 says no lifecycle words: it is an incident all the
	// same (its name says so), with a no_lifecycle_evidence note.
	if sum.Incidents != 4 || sum.Resolved != 2 || sum.Open != 2 {
		t.Errorf("summary = %+v; want 4 incidents, 2 resolved, 2 open", *sum)
	}
	golden(t, "handwritten.golden", derivedDump(t, db.DB))
}

func TestTransformIsIdempotent(t *testing.T) {
	cfg := defaults(t)
	db := ingestExport(t, "../ingest/testdata/export", cfg)
	runTransform(t, db, cfg)
	first := derivedDump(t, db.DB)
	runTransform(t, db, cfg)
	if diff := cmp.Diff(first, derivedDump(t, db.DB)); diff != "" {
		t.Errorf("a second transform changed the derived tables (-first +second):\n%s", diff)
	}
	if n := warehouse.Rows(t, db.DB, `SELECT count(*) FROM transform_runs`)[0]; n != "2" {
		t.Errorf("transform_runs has %s rows; want 2", n)
	}
}

func TestEveryTimestampHasExactlyOneEvent(t *testing.T) {
	cfg := defaults(t)
	db := ingestExport(t, "../ingest/testdata/export", cfg)
	runTransform(t, db, cfg)
	for _, kind := range []string{"started", "declared", "detected", "acknowledged", "mitigated", "resolved", "closed", "postmortem"} {
		col := kind + "_at"
		q := fmt.Sprintf(`SELECT i.incident_id, i.%s::VARCHAR, count(e.kind), any_value(e.occurred_at)::VARCHAR
			FROM incidents i LEFT JOIN incident_events e ON e.incident_id = i.incident_id AND e.kind = '%s'
			GROUP BY ALL HAVING (i.%s IS NULL) <> (count(e.kind) = 0) OR count(e.kind) > 1 OR any_value(e.occurred_at) <> i.%s`, col, kind, col, col)
		if bad := warehouse.Rows(t, db.DB, q); len(bad) > 0 {
			t.Errorf("%s: incidents whose timestamp and evidence disagree: %q", col, bad)
		}
	}
}

// A transform with a configuration other than the last run's says so,
// naming both sources; the same configuration again says nothing.
func TestConfigChangeIsNamed(t *testing.T) {
	db := ingestExport(t, "../ingest/testdata/export", defaults(t))
	run := func(cfg *config.Config) (*Summary, string) {
		var logs strings.Builder
		sum, err := Run(context.Background(), db, cfg, Options{Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return sum, logs.String()
	}
	first, _ := run(defaults(t))
	if first.ConfigChanged != "" || len(first.ConfigHash) != 64 {
		t.Fatalf("first run: changed %q, hash %q; want no change and a SHA-256", first.ConfigChanged, first.ConfigHash)
	}
	if again, _ := run(defaults(t)); again.ConfigChanged != "" || again.ConfigHash != first.ConfigHash {
		t.Errorf("same configuration: changed %q, hash %s → %s", again.ConfigChanged, first.ConfigHash, again.ConfigHash)
	}
	custom, err := config.Parse("team.yaml", []byte("timezone: Europe/Berlin\n"))
	if err != nil {
		t.Fatal(err)
	}
	changed, logs := run(custom)
	for _, want := range []string{"built-in defaults", "team.yaml", first.ConfigHash[:12]} {
		if !strings.Contains(changed.ConfigChanged, want) || !strings.Contains(logs, want) {
			t.Errorf("changed configuration: note %q, log %q; want both to name %q", changed.ConfigChanged, logs, want)
		}
	}
	if got := warehouse.Rows(t, db.DB, `SELECT count(DISTINCT config_hash) FROM transform_runs`)[0]; got != "2" {
		t.Errorf("transform_runs holds %s distinct config hashes; want 2", got)
	}
}

// Issue 7 defect 12: a repos entry whose local clone is missing used to give
// not_found with no word. It warns once per repository, naming it, and the
// incidents whose fixes it could not check say so in data quality.
func TestMissingCloneIsNamed(t *testing.T) {
	cfg := defaults(t)
	db := ingestExport(t, "../ingest/testdata/export", cfg)
	missing := filepath.Join(t.TempDir(), "no-such-clone")
	cfg.Repos = []config.Repo{{URL: "https://github.com/acme/checkout", Path: missing}, {URL: "https://github.com/acme/other", Path: missing + "-2"}}
	var logs strings.Builder
	if _, err := Run(context.Background(), db, cfg, Options{Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "https://github.com/acme/checkout"); n != 1 {
		t.Errorf("the log names the missing clone of acme/checkout %d times; want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), missing) {
		t.Errorf("the log does not name the path %s:\n%s", missing, logs.String())
	}
	got := warehouse.Rows(t, db.DB, `SELECT incident_id, problem FROM data_quality WHERE problem = 'clone_missing'`)
	if len(got) != 1 || !strings.HasPrefix(got[0], "C0INC1 |") {
		t.Errorf("data_quality clone_missing rows = %q; want one for C0INC1", got)
	}
	if got := warehouse.Rows(t, db.DB, `SELECT check_result FROM incident_links WHERE kind = 'pull_request'`); len(got) != 1 || got[0] != "no_clone" {
		t.Errorf("check_result = %q; want no_clone", got)
	}
}

// TestMemoryCappedAndRestored: transform runs with DuckDB's memory capped
// (memoryLimit: long incidents and large warehouses took it past 1 GiB)
// and leaves the writer's own limit as it found it.
func TestMemoryCappedAndRestored(t *testing.T) {
	cfg := defaults(t)
	db := ingestExport(t, "../ingest/testdata/export", cfg)
	if _, err := db.ExecContext(context.Background(), "SET memory_limit = '1GB'"); err != nil {
		t.Fatal(err)
	}
	before := warehouse.Rows(t, db.DB, `SELECT current_setting('memory_limit')`)[0]
	var during string
	_, err := Run(context.Background(), db, cfg, Options{Now: func() time.Time { return testNow }, Log: quiet(),
		Committed: func(what string) {
			if what == "transform: begin" {
				if err := db.QueryRowContext(context.Background(), `SELECT current_setting('memory_limit')`).Scan(&during); err != nil {
					t.Error(err)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := warehouse.ParseSize(during); !ok || n > memoryLimit {
		t.Errorf("memory_limit during the transform %q; want at most %d bytes", during, memoryLimit)
	}
	if after := warehouse.Rows(t, db.DB, `SELECT current_setting('memory_limit')`)[0]; after != before {
		t.Errorf("memory_limit after the transform %q; before %q", after, before)
	}
}

// TestLongChannelsReadInPieces: a channel with more messages than one
// query reads (a long incident) is read in pieces of time and assembled
// once whole, and the derived tables equal those of reading it at once.
// Reading each 124k-message channel of the few-channels benchmark whole
// took DuckDB past a 256 MiB memory limit.
func TestLongChannelsReadInPieces(t *testing.T) {
	cfg := defaults(t)
	db := ingestExport(t, "../ingest/testdata/export", cfg)
	if long := warehouse.Rows(t, db.DB, `SELECT max(n) >= 4 FROM (SELECT count(*) n FROM messages GROUP BY channel_id)`)[0]; long != "true" {
		t.Fatalf("the export's channels hold at most 3 messages; the test needs one longer than a piece")
	}
	runTransform(t, db, cfg)
	whole := derivedDump(t, db.DB)
	for _, per := range []int{1, 3} {
		if _, err := Run(context.Background(), db, cfg, Options{Now: func() time.Time { return testNow }, Log: quiet(), MessagesPerQuery: per}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, derivedDump(t, db.DB)); diff != "" {
			t.Errorf("read %d messages at a time, the derived tables differ (-whole +pieces):\n%s", per, diff)
		}
	}
}

// TestSharedChannelsReadTogether: shared channels small enough are read
// several to a query (a workspace with a shared channel a team, or an
// export cut into parts, read them one by one at a full scan each), and
// their thread incidents are those of reading one thread at a time.
func TestSharedChannelsReadTogether(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "export")
	if err := os.CopyFS(dir, os.DirFS("../ingest/testdata/export")); err != nil {
		t.Fatal(err)
	}
	// A second shared channel holding the same threads.
	if err := os.CopyFS(filepath.Join(dir, "incidents-eu"), os.DirFS("../ingest/testdata/export/incidents")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "channels.json"))
	if err != nil {
		t.Fatal(err)
	}
	var chans []map[string]any
	if err := json.Unmarshal(b, &chans); err != nil {
		t.Fatal(err)
	}
	for _, c := range chans {
		if c["name"] == "incidents" {
			eu := maps.Clone(c)
			eu["id"], eu["name"] = "C0SHAREDEU", "incidents-eu"
			chans = append(chans, eu)
			break
		}
	}
	if b, err = json.Marshal(chans); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "channels.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := defaults(t)
	cfg.Channels.Shared = []string{"incidents", "incidents-eu"}
	db := ingestExport(t, dir, cfg)
	runTransform(t, db, cfg)
	together := derivedDump(t, db.DB)
	per := warehouse.Rows(t, db.DB, `SELECT channel_id, count(*) FROM incidents WHERE channel_id LIKE 'C0SHARED%' GROUP BY ALL ORDER BY ALL`)
	if len(per) != 2 || strings.TrimPrefix(per[0], "C0SHARED") != strings.TrimPrefix(per[1], "C0SHAREDEU") {
		t.Errorf("thread incidents per shared channel: %v; want the same number in C0SHARED and C0SHAREDEU", per)
	}
	if _, err := Run(context.Background(), db, cfg, Options{Now: func() time.Time { return testNow }, Log: quiet(), MessagesPerQuery: 1}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(together, derivedDump(t, db.DB)); diff != "" {
		t.Errorf("shared channels read together and one thread at a time differ (-together +apart):\n%s", diff)
	}
}
