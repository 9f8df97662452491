package reports

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
	"github.com/aftermath-dev/aftermath/transform"
)

// The fixture: a small generated workspace (samplegen seed 7, 14 weeks,
// 120 incidents), ingested and transformed once per test binary, copied for
// each test that writes to it.
var fixture struct {
	once sync.Once
	dir  string
	path string
	cfg  *config.Config
	err  error
}

// fixtureNow is the transform's clock and the report's: a Wednesday, so
// the last complete week is 2026-W47 (16–22 November 2026).
var fixtureNow = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

func buildFixture() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "aftermath-report-fixture-")
	if err != nil {
		fixture.err = err
		return
	}
	fixture.dir = dir
	sample := filepath.Join(dir, "sample")
	if _, err := samplegen.Generate(ctx, sample, samplegen.Options{Seed: 7, Weeks: 14, Incidents: 120, Scale: 0.2,
		End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}); err != nil {
		fixture.err = err
		return
	}
	if err := samplegen.WriteConfig(sample); err != nil {
		fixture.err = err
		return
	}
	cfg, err := config.Load(filepath.Join(sample, "aftermath.yaml"))
	if err != nil {
		fixture.err = err
		return
	}
	fixture.cfg = cfg
	fixture.path = filepath.Join(dir, "fixture.duckdb")
	db, err := warehouse.Open(ctx, fixture.path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		fixture.err = err
		return
	}
	defer db.Close()
	now := func() time.Time { return fixtureNow }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := ingest.IngestExport(ctx, db, ingest.ExportOptions{Path: filepath.Join(sample, "export"),
		Selection: ingest.NewSelection(cfg.Channels, nil, false), BatchBytes: 1 << 20, TempDir: dir, Now: now, Log: log}); err != nil {
		fixture.err = err
		return
	}
	if _, err := transform.Run(ctx, db, cfg, transform.Options{Now: now, Log: log}); err != nil {
		fixture.err = err
	}
}

// fixtureDB opens a private copy of the fixture warehouse.
func fixtureDB(t testing.TB) (*warehouse.DB, *config.Config) {
	t.Helper()
	fixture.once.Do(buildFixture)
	if fixture.err != nil {
		t.Fatalf("build fixture: %v", fixture.err)
	}
	b, err := os.ReadFile(fixture.path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "w.duckdb")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := *fixture.cfg
	return db, &cfg
}
