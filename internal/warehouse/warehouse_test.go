package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// openTest opens a warehouse migrated with the product's migrations in a
// file under t.TempDir() (warehousetest.Open, which this package's own
// tests cannot import).
func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.duckdb"), Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenMigratesAndRecordsVersions(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	all, err := Migrations(migrations.FS)
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
	if err := Migrate(ctx, db.DB, migrations.FS); err != nil {
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
	db := openTest(t)
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
	db := openTest(t)
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
	db, err := Open(context.Background(), path, Options{Migrations: migrations.FS})
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
	db, err := Open(ctx, path, Options{Migrations: migrations.FS})
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
		// Issue 7, defect 1: external access off still allows the
		// database's own files; the sandbox closes the file system.
		`COPY (SELECT 42 AS x) TO '` + path + `' (FORMAT csv, USE_TMP_FILE false)`,
		`COPY (SELECT 42 AS x) TO '` + path + `.wal' (FORMAT csv, USE_TMP_FILE false)`,
		`SELECT * FROM enable_logging(storage = 'file', storage_path = '` + path + `.tmp')`,
		`SET temp_directory = '` + path + `.tmp'`,
	} {
		if _, err := ro.ExecContext(ctx, q); err == nil {
			t.Errorf("Exec(%q) on a sandboxed read-only database succeeded; want an error", q)
		}
	}
	// Every pooled connection is sandboxed, not just the first.
	c1, err := ro.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := ro.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for i, c := range []*sql.Conn{c1, c2} {
		var tmp, tz string
		err := c.QueryRowContext(ctx, `SELECT current_setting('temp_directory'), current_setting('TimeZone')`).Scan(&tmp, &tz)
		if err != nil || tmp != "" || tz != "UTC" {
			t.Errorf("connection %d: temp_directory %q, TimeZone %q (%v); want '' and UTC", i, tmp, tz, err)
		}
		// current_setting('disabled_filesystems') reads '' even when set
		// (DuckDB 1.5.6), so check what it does instead.
		_, err = c.ExecContext(ctx, `SELECT * FROM read_text('`+path+`')`)
		if err == nil || !strings.Contains(err.Error(), "LocalFileSystem has been disabled") {
			t.Errorf("connection %d: read_text of the database = %v; want the local file system disabled", i, err)
		}
	}
	if _, err := Open(ctx, path, Options{Sandbox: true}); err == nil {
		t.Errorf("Open(Sandbox without ReadOnly) succeeded; want an error")
	}
}

// Regression: cancelling the context during a transaction left DuckDB's
// transaction open on the connection, so the next transaction on that
// connection (recording how an interrupted run ended) did not commit. After
// a cancel, the connection either works or says it is closed (database/sql
// drops it); nothing from the cancelled transaction is kept.
func TestInTxCancelledLeavesConnectionUsable(t *testing.T) {
	db := openTest(t)
	if _, err := db.Exec(`CREATE TABLE marks (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		err := InTx(ctx, conn, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO marks VALUES (-1)`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `SELECT count(*) FROM range(100000000000)`)
			return err
		})
		if err == nil {
			t.Fatal("the long query finished before the cancel")
		}
		mark := func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO marks VALUES (?)`, i)
			return err
		}
		if err := InTx(context.Background(), conn, mark); err != nil {
			if !errors.Is(err, sql.ErrConnDone) {
				t.Fatalf("transaction after a cancelled one: %v", err)
			}
			conn.Close()
			if conn, err = db.Conn(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := InTx(context.Background(), conn, mark); err != nil {
				t.Fatalf("transaction on a fresh connection: %v", err)
			}
		}
	}
	var n, bad int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE n >= 0), count(*) FILTER (WHERE n < 0) FROM marks`).Scan(&n, &bad); err != nil {
		t.Fatal(err)
	}
	if n != 5 || bad != 0 {
		t.Errorf("marks: %d committed after cancels (want 5), %d from cancelled transactions (want 0)", n, bad)
	}
}
