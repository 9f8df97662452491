package transform

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

var update = flag.Bool("update", false, "rewrite golden files")

var testNow = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// ingestExport loads a Slack export into a fresh warehouse.
func ingestExport(t *testing.T, dir string, cfg *config.Config) *warehouse.DB {
	t.Helper()
	db := warehouse.OpenTest(t)
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
