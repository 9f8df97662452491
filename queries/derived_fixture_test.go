package queries

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
	"github.com/aftermath-dev/aftermath/transform"
)

var derivedTable = regexp.MustCompile(`\b(incidents|incident_\w+|data_quality|\w+_metrics|km_time_to_resolve)\b`)

// readsDerived says whether a saved query reads the derived layer.
func readsDerived(sql string) bool { return derivedTable.MatchString(sql) }

// derivedDB is a warehouse holding a small generated workspace, ingested
// and transformed, opened read-only like aftermath query does.
func derivedDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "derived.duckdb")
	db, err := warehouse.Open(ctx, path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	sample := t.TempDir()
	if _, err := samplegen.Generate(ctx, sample, samplegen.Options{Seed: 11, Weeks: 6, Incidents: 60, Scale: 0.3,
		End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := samplegen.WriteConfig(sample); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(sample, "aftermath.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, err = ingest.IngestExport(ctx, db, ingest.ExportOptions{Path: filepath.Join(sample, "export"),
		Selection: ingest.NewSelection(cfg.Channels, nil, false), BatchBytes: 1 << 20, TempDir: t.TempDir(), Now: now, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := transform.Run(ctx, db, cfg, transform.Options{Now: now, Log: log}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return openQueryDB(t, path)
}
