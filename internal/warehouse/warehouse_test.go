package warehouse

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenMigratesAndRecordsVersions(t *testing.T) {
	db := OpenTest(t)
	ctx := context.Background()
	all, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	v, err := Version(ctx, db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if want := all[len(all)-1].Version; v != want {
		t.Errorf("Version() = %d; want %d", v, want)
	}
	// A second migration pass is a no-op.
	if err := Migrate(ctx, db.DB); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(all) {
		t.Errorf("schema_migrations has %d rows; want %d", n, len(all))
	}
}

func TestConnectionsRunInUTC(t *testing.T) {
	t.Setenv("TZ", "America/Los_Angeles")
	db := OpenTest(t)
	ctx := context.Background()
	// Several pooled connections: each must be pinned, not just the first.
	db.SetMaxIdleConns(0)
	for range 3 {
		var tz string
		if err := db.QueryRowContext(ctx, `SELECT current_setting('TimeZone')`).Scan(&tz); err != nil {
			t.Fatal(err)
		}
		if tz != "UTC" {
			t.Fatalf("TimeZone = %q; want UTC", tz)
		}
	}
	var got time.Time
	if err := db.QueryRowContext(ctx, `SELECT '2026-11-20 10:00:00'::TIMESTAMPTZ`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("naive literal read as %v; want %v", got, want)
	}
}

func TestEveryTableAndColumnHasAComment(t *testing.T) {
	db := OpenTest(t)
	tables, err := Describe(context.Background(), db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) == 0 {
		t.Fatal("Describe() found no tables")
	}
	for _, tb := range tables {
		if tb.Comment == "" {
			t.Errorf("%s %s has no COMMENT ON", tb.Kind, tb.Name)
		}
		for _, c := range tb.Columns {
			if c.Comment == "" {
				t.Errorf("column %s.%s has no COMMENT ON", tb.Name, c.Name)
			}
		}
	}
}

func TestSecondWriterGetsErrLocked(t *testing.T) {
	// DuckDB's file lock is per process; within one process the driver shares
	// the instance. The cross-process case is covered by the CLI script tests.
	path := filepath.Join(t.TempDir(), "x.duckdb")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = openError(path, errors.New(`IO Error: Could not set lock on file "x.duckdb": Conflicting lock is held in /usr/bin/aftermath (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency`))
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("openError() = %v; want ErrLocked", err)
	}
	if want := "process 4242"; !strings.Contains(err.Error(), want) {
		t.Errorf("openError() = %q; want it to name %q", err, want)
	}
}

func TestReadOnlySandboxRefusesWritesAndFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.duckdb")
	ctx := context.Background()
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(ctx, path, Options{ReadOnly: true, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for _, q := range []string{
		`DELETE FROM messages`,
		`CREATE TABLE x(a INT)`,
		`COPY (SELECT 1) TO '` + filepath.Join(t.TempDir(), "out.csv") + `'`,
		`SELECT * FROM read_csv('/etc/passwd')`,
		`SET enable_external_access = true`,
	} {
		if _, err := ro.ExecContext(ctx, q); err == nil {
			t.Errorf("Exec(%q) on a sandboxed read-only database succeeded; want an error", q)
		}
	}
}
