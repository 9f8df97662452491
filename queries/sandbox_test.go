package queries

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// writeForms is every way DuckDB 1.5 offers to write a file, change the
// database or change the session's limits, each aimed at the places that
// enable_external_access=false alone still allows: the database file, its
// .wal and its .tmp folder. <db> and <dir> are replaced by the warehouse
// path and its folder.
var writeForms = []string{
	// Issue 7, defect 1, as reported.
	`COPY (SELECT 42 AS x) TO '<db>' (FORMAT csv, USE_TMP_FILE false)`,
	`COPY (SELECT 42 AS x) TO '<db>.wal' (FORMAT csv, USE_TMP_FILE false)`,
	`EXPORT DATABASE '<db>.tmp'`,
	`COPY (SELECT 42 AS x) TO '<db>.tmp/evil.sh' (FORMAT csv)`,
	// COPY in every direction and form.
	`COPY (SELECT 42 AS x) TO '<db>'`,
	`COPY messages TO '<dir>/out.csv'`,
	`COPY (SELECT 1 AS x) TO '<db>.tmp/x.parquet' (FORMAT parquet)`,
	`COPY messages FROM '<db>.wal'`,
	`COPY FROM DATABASE w TO memory`,
	`EXPORT DATABASE '<dir>/export'`,
	`IMPORT DATABASE '<db>.tmp'`,
	// Other databases and extensions.
	`ATTACH '<dir>/new.duckdb' AS other`,
	`ATTACH ':memory:' AS other`,
	`DETACH DATABASE w`,
	`USE memory`,
	`INSTALL json`,
	`FORCE INSTALL json`,
	`LOAD json`,
	`UPDATE EXTENSIONS`,
	// DDL and DML.
	`CREATE TABLE notes (a INTEGER)`,
	`CREATE TEMP TABLE notes AS SELECT 1 AS a`,
	`CREATE OR REPLACE TABLE messages AS SELECT 1 AS a`,
	`CREATE VIEW v AS SELECT 1`,
	`CREATE MACRO m(a) AS a`,
	`CREATE SEQUENCE s`,
	`CREATE TYPE mood AS ENUM ('ok')`,
	`INSERT INTO ingest_skips VALUES (9, 'file', 'x', 'y')`,
	`INSERT OR REPLACE INTO ingest_skips VALUES (9, 'file', 'x', 'y')`,
	`UPDATE channels SET name = 'x'`,
	`DELETE FROM messages`,
	`TRUNCATE messages`,
	`DROP TABLE messages`,
	`ALTER TABLE messages ADD COLUMN x INTEGER`,
	`ALTER TABLE messages RENAME TO m2`,
	`COMMENT ON TABLE messages IS 'x'`,
	`MERGE INTO ingest_skips USING (SELECT 9 AS run_id) AS s ON false WHEN NOT MATCHED THEN INSERT VALUES (9, 'file', 'x', 'y')`,
	// CTE-wrapped writes.
	`WITH x AS (SELECT 1) INSERT INTO ingest_skips SELECT 9, 'file', 'x', 'y'`,
	`WITH x AS (SELECT 1) DELETE FROM messages`,
	`WITH x AS (SELECT 1) UPDATE channels SET name = 'x'`,
	// Checkpoints and maintenance.
	`CHECKPOINT`,
	`FORCE CHECKPOINT`,
	`VACUUM`,
	`ANALYZE`,
	// Settings.
	`SET memory_limit = '64GB'`,
	`SET threads = 64`,
	`SET GLOBAL enable_external_access = true`,
	`SET access_mode = 'READ_WRITE'`,
	`SET temp_directory = '<db>.tmp'`,
	`SET allowed_directories = ['<dir>']`,
	`SET disabled_filesystems = ''`,
	`SET lock_configuration = false`,
	`RESET memory_limit`,
	`RESET ALL`,
	`SET VARIABLE x = 1`,
	`SET profiling_output = '<db>.tmp/profile.json'`,
	`PRAGMA memory_limit = '64GB'`,
	`PRAGMA threads = 64`,
	`PRAGMA enable_profiling`,
	`PRAGMA profiling_output = '<db>.tmp/profile.json'`,
	`PRAGMA enable_checkpoint_on_shutdown`,
	// CALL of functions that write or change state.
	`CALL enable_logging(storage = 'file', storage_path = '<db>.tmp')`,
	`CALL checkpoint()`,
	`CALL force_checkpoint()`,
	`CALL truncate_duckdb_logs()`,
	`CALL disable_logging()`,
	// The same, as a SELECT: only the closed file system stops these.
	`SELECT * FROM enable_logging(storage = 'file', storage_path = '<db>.tmp')`,
	`SELECT * FROM enable_logging(storage = 'file', storage_path = '<dir>')`,
	// EXPLAIN ANALYZE runs the statement it explains.
	`EXPLAIN ANALYZE COPY (SELECT 42 AS x) TO '<db>' (FORMAT csv, USE_TMP_FILE false)`,
	`EXPLAIN ANALYZE CREATE TABLE notes AS SELECT 1`,
	`EXPLAIN COPY (SELECT 42 AS x) TO '<db>'`,
	// Prepared statements and transactions.
	`PREPARE p AS DELETE FROM messages`,
	`EXECUTE p`,
	`BEGIN TRANSACTION`,
	`COMMIT`,
	// Several statements where a later one writes.
	`SELECT 1; COPY (SELECT 42 AS x) TO '<db>' (FORMAT csv, USE_TMP_FILE false)`,
	`SELECT 1; DROP TABLE messages`,
	`SELECT 1; SET threads = 64`,
	`PIVOT messages ON source USING count(*)`,
	// query() runs a string as SQL.
	`FROM query('COPY (SELECT 42 AS x) TO ''<db>'' (FORMAT csv, USE_TMP_FILE false)')`,
	// Reading files is refused too: the path must not matter.
	`SELECT * FROM read_text('<db>.wal')`,
	`SELECT * FROM read_blob('<db>')`,
	`SELECT * FROM read_csv('/etc/passwd')`,
	`SELECT * FROM glob('<dir>/*')`,
}

// snapshot records every file under dir with its digest.
func snapshot(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var sum [32]byte
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = sha256.Sum256(b)
		}
		files[p] = sum
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSandboxBlocksWrites is the regression test for issue 7, defect 1:
// every write form fails, and the warehouse folder is byte-identical
// afterwards and still a valid DuckDB database. Each statement gets a fresh
// connection, so that one statement's success cannot hide another's.
func TestSandboxBlocksWrites(t *testing.T) {
	path := buildWarehouse(t, fixtureSQL)
	dir := filepath.Dir(path)
	// DuckDB allows its temporary folder even with external access off;
	// make it exist, as it does after a query that spilled.
	if err := os.Mkdir(path+".tmp", 0o755); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	for _, form := range writeForms {
		q := strings.NewReplacer("<db>", path, "<dir>", dir).Replace(form)
		t.Run(form, func(t *testing.T) {
			db, err := Open(context.Background(), path, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_, err = Run(context.Background(), db, q, &out, Options{Format: FormatCSV})
			if cerr := db.Close(); cerr != nil {
				t.Errorf("Close: %v", cerr)
			}
			if err == nil {
				t.Errorf("Run(%q) succeeded, writing %q; want it refused", q, out.String())
			}
			after := snapshot(t, dir)
			for p, sum := range after {
				if b, ok := before[p]; !ok {
					t.Errorf("Run(%q) created %s", q, p)
				} else if b != sum {
					t.Errorf("Run(%q) changed %s", q, p)
				}
			}
			for p := range before {
				if _, ok := after[p]; !ok {
					t.Errorf("Run(%q) removed %s", q, p)
				}
			}
		})
	}
	// Still a DuckDB file with every row.
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the warehouse no longer opens: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM messages`).Scan(&n); err != nil || n != 6 {
		t.Errorf("after the write forms, messages = %d (%v); want 6", n, err)
	}
}

// TestSandboxStatementTypes checks that the refusal comes from the prepared
// statement's type where DuckDB has one, with a message that names it.
func TestSandboxStatementTypes(t *testing.T) {
	db := fixtureDB(t)
	for _, tc := range []struct{ query, kind string }{
		{`DELETE FROM messages`, "DELETE"},
		{`BEGIN`, "transaction"},
		{`CHECKPOINT`, "statements are not allowed"},
		{`INSERT INTO ingest_skips VALUES (9, 'file', 'x', 'y')`, "INSERT"},
		{`CALL duckdb_tables()`, "CALL"},
		{`EXPLAIN SELECT 1`, "EXPLAIN"},
		{`SET threads = 1`, "SET"},
		{`PRAGMA enable_profiling`, "PRAGMA"},
		{`ATTACH ':memory:' AS m`, "ATTACH"},
	} {
		_, err := Run(context.Background(), db, tc.query, &bytes.Buffer{}, Options{Format: FormatCSV})
		if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), tc.kind) {
			t.Errorf("Run(%q) error = %v; want ErrReadOnly naming %s", tc.query, err, tc.kind)
		}
	}
	// A statement list is refused whole, even when every part reads.
	if _, err := Run(context.Background(), db, `SELECT 1; SELECT 2`, &bytes.Buffer{}, Options{Format: FormatCSV}); !errors.Is(err, ErrMultipleStatements) {
		t.Errorf("Run(two SELECTs) error = %v; want ErrMultipleStatements", err)
	}
}

// Issue 7, defect 10: the memory and thread limits hold for the query's
// connection and cannot be changed from SQL; a query needing more memory
// fails with DuckDB's out-of-memory error (there is no disk to spill to).
func TestOpenAppliesLimits(t *testing.T) {
	path := buildWarehouse(t, "")
	db, err := Open(context.Background(), path, Limits{MemoryLimit: "64MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out, _ := runString(t, db, `SELECT current_setting('memory_limit') AS m, current_setting('threads') AS n, current_setting('temp_directory') AS tmp`, Options{Format: FormatCSV})
	if want := "m,n,tmp\n61.0 MiB,1,\"\"\n"; out != want { // temp_directory is the empty string: no spilling
		t.Errorf("settings = %q; want %q", out, want)
	}
	_, err = Run(context.Background(), db, `SELECT count(DISTINCT i::VARCHAR || 'padding-padding') FROM range(20000000) AS r(i)`, &bytes.Buffer{}, Options{Format: FormatCSV})
	if err == nil || !strings.Contains(err.Error(), "Out of Memory") {
		t.Errorf("a query over the memory limit: error = %v; want DuckDB's out-of-memory error", err)
	}
	if _, err := Run(context.Background(), db, strings.Repeat(" ", DefaultMaxSQLBytes+1), &bytes.Buffer{}, Options{Format: FormatCSV}); !errors.Is(err, ErrSQLTooLarge) {
		t.Errorf("Run(SQL over the limit) error = %v; want ErrSQLTooLarge", err)
	}
}

// Issue 7, defect 10: a statement past Limits.Timeout is interrupted and
// reported as a *TimeoutError; the database answers the next query.
// A cancelled parent context (SIGINT) is not a timeout.
func TestRunTimeout(t *testing.T) {
	path := buildWarehouse(t, "")
	db, err := Open(context.Background(), path, Limits{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const runaway = `SELECT count(*) FROM range(1000000000000) AS a(i), range(1000) AS b(j) WHERE i + j < 0`
	for _, f := range []Format{FormatCSV, FormatTable, FormatJSON} {
		var out bytes.Buffer
		_, err := Run(context.Background(), db, runaway, &out, Options{Format: f})
		var te *TimeoutError
		if !errors.As(err, &te) || te.Limit != 50*time.Millisecond {
			t.Errorf("Run(runaway, %s) error = %v; want a TimeoutError of 50ms", f, err)
		}
		if out.Len() != 0 {
			t.Errorf("Run(runaway, %s) wrote %q", f, out.String())
		}
	}
	if out, _ := runString(t, db, `SELECT 1 AS n`, Options{Format: FormatCSV}); out != "n\n1\n" {
		t.Errorf("after a timeout, SELECT 1 = %q", out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Run(ctx, db, runaway, &bytes.Buffer{}, Options{Format: FormatCSV})
	var te *TimeoutError
	if err == nil || errors.As(err, &te) {
		t.Errorf("Run(cancelled context) error = %v; want the cancellation, not a timeout", err)
	}
}
