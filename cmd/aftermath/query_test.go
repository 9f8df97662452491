package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/snapshot"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// queryWarehouse makes a migrated warehouse file with one ingest run.
func queryWarehouse(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aftermath.duckdb")
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(context.Background(), `INSERT INTO ingest_runs (run_id, kind, source, started_at, finished_at, status)
		VALUES (1, 'export', 'export.zip', '2026-11-21 02:00:00+00', '2026-11-21 02:00:07+00', 'ok')`)
	if err != nil {
		t.Fatal(err)
	}
	// aftermath query reads the published snapshot.
	cfg, _ := config.Default()
	if _, err := snapshot.Publish(context.Background(), db.DB, cfg.SnapshotPath(path), snapshot.Options{Keep: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func queryDeps(dbPath, stdin string) (*deps, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &deps{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errb,
		getenv: func(string) string { return "" },
		now:    time.Now,
		dbPath: dbPath,
		log:    slog.New(slog.NewTextHandler(&errb, nil)),
	}, &out, &errb
}

func TestRunQuerySources(t *testing.T) {
	db := queryWarehouse(t)
	sqlFile := filepath.Join(t.TempDir(), "q.sql")
	if err := os.WriteFile(sqlFile, []byte("-- a comment\nSELECT 3 AS n;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		opts  queryOptions
		stdin string
		want  string
	}{
		{"argument", queryOptions{sql: "SELECT 1 AS n", hasSQL: true}, "SELECT 99", "n\n1\n"},
		{"stdin", queryOptions{}, "SELECT 2 AS n\n", "n\n2\n"},
		{"file", queryOptions{file: sqlFile}, "", "n\n3\n"},
		{"file on stdin", queryOptions{file: "-"}, "SELECT 4 AS n", "n\n4\n"},
		{"saved", queryOptions{saved: "ingest-runs", format: "csv"}, "", "run_id,kind,status,started_at,finished_at,seconds,"},
		{"format", queryOptions{sql: "SELECT 5 AS n", hasSQL: true, format: "ndjson"}, "", `{"n":5}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, out, _ := queryDeps(db, tc.stdin)
			if err := runQuery(context.Background(), d, &tc.opts); err != nil {
				t.Fatalf("runQuery() error: %v", err)
			}
			if !strings.HasPrefix(out.String(), tc.want) {
				t.Errorf("runQuery() wrote %q; want it to start with %q", out, tc.want)
			}
		})
	}
}

func TestRunQueryList(t *testing.T) {
	d, out, _ := queryDeps("does-not-matter.duckdb", "")
	if err := runQuery(context.Background(), d, &queryOptions{list: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "channels ") || !strings.Contains(out.String(), "bot-activity ") {
		t.Errorf("--list wrote %q; want the saved queries", out)
	}
}

func TestRunQueryUsageErrors(t *testing.T) {
	db := queryWarehouse(t)
	for _, tc := range []struct {
		name    string
		dbPath  string
		opts    queryOptions
		stdin   string
		tty     bool
		message string
	}{
		{"two sources", db, queryOptions{sql: "SELECT 1", hasSQL: true, saved: "channels"}, "", false, "give the SQL one way"},
		{"unknown saved", db, queryOptions{saved: "nope"}, "", false, `no saved query called "nope"`},
		{"empty stdin", db, queryOptions{}, "  \n", false, "no SQL in stdin"},
		{"missing file", db, queryOptions{file: filepath.Join(t.TempDir(), "nope.sql")}, "", false, "no such file"},
		{"list with sql", db, queryOptions{list: true, saved: "channels"}, "", false, "--list takes no SQL"},
		{"bad format", db, queryOptions{sql: "SELECT 1", hasSQL: true, format: "xlsx"}, "", false, "unknown format"},
		{"binary without --out", db, queryOptions{sql: "SELECT 1", hasSQL: true, format: "parquet"}, "", false, "give --out FILE"},
		{"binary to a terminal", db, queryOptions{sql: "SELECT 1", hasSQL: true, format: "arrow", out: "-"}, "", true, "refusing to write binary arrow to a terminal"},
		{"two statements", db, queryOptions{sql: "SELECT 1; SELECT 2", hasSQL: true}, "", false, "more than one statement"},
		// Issue 10, item 6: an unknown --out extension was written as CSV.
		{"unknown --out extension", db, queryOptions{sql: "SELECT 1", hasSQL: true, out: filepath.Join(t.TempDir(), "runs.xlsx")}, "", false, "--out"},
		{"negative timeout", db, queryOptions{sql: "SELECT 1", hasSQL: true, timeout: -time.Second, hasTimeout: true}, "", false, "--timeout must not be negative"},
		// Issue 7, defect 10: the SQL size bound, from every source.
		{"huge SQL on stdin", db, queryOptions{}, "SELECT 1 --" + strings.Repeat("x", 16<<20), false, "over 16 MiB (query.max_sql_mb)"},
		{"huge SQL argument", db, queryOptions{sql: "SELECT 1 --" + strings.Repeat("x", 16<<20), hasSQL: true}, "", false, "over 16 MiB (query.max_sql_mb)"},
		{"missing warehouse", filepath.Join(t.TempDir(), "none.duckdb"), queryOptions{sql: "SELECT 1", hasSQL: true}, "", false, "run `aftermath ingest export PATH` first, or pass --db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, out, _ := queryDeps(tc.dbPath, tc.stdin)
			d.stdoutTTY = tc.tty
			err := runQuery(context.Background(), d, &tc.opts)
			if err == nil {
				t.Fatalf("runQuery() succeeded; want a usage error")
			}
			if code := exitCode(err); code != exitUsage {
				t.Errorf("exitCode(%v) = %d; want %d", err, code, exitUsage)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("runQuery() error = %q; want it to contain %q", err, tc.message)
			}
			if out.Len() != 0 {
				t.Errorf("runQuery() wrote %q to stdout", out)
			}
		})
	}
	// The missing warehouse was not created as an empty one.
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), "none.duckdb")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a query on a missing warehouse created it")
	}
}

func TestRunQueryFailures(t *testing.T) {
	db := queryWarehouse(t)
	for _, tc := range []struct {
		sql, message string
		readOnly     bool
	}{
		{"SELEC 1", `Parser Error: syntax error at or near "SELEC"`, false},
		{"DELETE FROM ingest_runs", `read-only`, true},
		{"COPY ingest_runs TO 'x.csv'", `Permission Error`, true},
		{"CALL duckdb_tables()", `CALL statements are not allowed`, true},
	} {
		d, _, _ := queryDeps(db, "")
		err := runQuery(context.Background(), d, &queryOptions{sql: tc.sql, hasSQL: true})
		if err == nil || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("runQuery(%q) error = %v; want one containing %q", tc.sql, err, tc.message)
			continue
		}
		if got := errors.Is(err, queries.ErrReadOnly); got != tc.readOnly {
			t.Errorf("runQuery(%q): errors.Is(ErrReadOnly) = %v; want %v", tc.sql, got, tc.readOnly)
		}
		if code := exitCode(err); code != exitFailure {
			t.Errorf("exitCode(%v) = %d; want %d", err, code, exitFailure)
		}
	}
}

func TestRunQueryOut(t *testing.T) {
	db := queryWarehouse(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		out, format string
		prefix      string
	}{
		{"runs.parquet", "", "PAR1"},
		{"runs.arrow", "", "ARROW1"},
		{"runs.json", "", "[\n{\"run_id\":1,"},
		{"runs.txt", "ndjson", "{\"run_id\":1,"},
	} {
		d, out, _ := queryDeps(db, "")
		path := filepath.Join(dir, tc.out)
		err := runQuery(context.Background(), d, &queryOptions{sql: "FROM ingest_runs", hasSQL: true, format: tc.format, out: path})
		if err != nil {
			t.Fatalf("runQuery(--out %s) error: %v", tc.out, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(tc.prefix)) {
			t.Errorf("--out %s wrote %q…; want it to start with %q", tc.out, b[:min(len(b), 20)], tc.prefix)
		}
		if out.Len() != 0 {
			t.Errorf("--out %s also wrote %d bytes to stdout", tc.out, out.Len())
		}
	}
	// Binary to a pipe with --out -.
	d, out, _ := queryDeps(db, "")
	if err := runQuery(context.Background(), d, &queryOptions{sql: "FROM ingest_runs", hasSQL: true, format: "parquet", out: "-"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("PAR1")) {
		t.Errorf("--format parquet --out - wrote %q… to stdout; want a Parquet file", out.Bytes()[:min(out.Len(), 8)])
	}
	// A failed query leaves an existing --out file alone.
	path := filepath.Join(dir, "runs.json")
	before, _ := os.ReadFile(path)
	d, _, _ = queryDeps(db, "")
	if err := runQuery(context.Background(), d, &queryOptions{sql: "SELECT nope", hasSQL: true, out: path}); err == nil {
		t.Fatal("runQuery(SELECT nope) succeeded")
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("a failed query changed %s", path)
	}
}

func TestRunQueryDefaultFormat(t *testing.T) {
	db := queryWarehouse(t)
	for _, tc := range []struct {
		tty  bool
		want string
	}{
		{false, "run_id,status\n1,ok\n"},
		{true, "run_id  status\n------  ------\n     1  ok\n"},
	} {
		d, out, _ := queryDeps(db, "")
		d.stdoutTTY = tc.tty
		if err := runQuery(context.Background(), d, &queryOptions{sql: "SELECT run_id, status FROM ingest_runs", hasSQL: true}); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("runQuery() with stdoutTTY=%v wrote %q; want %q", tc.tty, out, tc.want)
		}
	}
}

func TestRunQueryTableCap(t *testing.T) {
	db := queryWarehouse(t)
	d, out, errb := queryDeps(db, "")
	err := runQuery(context.Background(), d, &queryOptions{sql: "SELECT i FROM range(10003) AS r(i)", hasSQL: true, format: "table"})
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != queries.DefaultMaxTableRows+2 {
		t.Errorf("table wrote %d lines; want %d rows plus header and rule", lines, queries.DefaultMaxTableRows)
	}
	if want := "… 3 more rows, use --format csv\n"; errb.String() != want {
		t.Errorf("stderr = %q; want %q", errb, want)
	}
}

func TestQueryCmdArgs(t *testing.T) {
	db := queryWarehouse(t)
	d, out, _ := queryDeps(db, "")
	cmd := newQueryCmd(d)
	cmd.SetArgs([]string{"SELECT", "1"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), "one argument, in quotes") {
		t.Errorf("query SELECT 1 (two arguments) error = %v; want a usage error asking for quotes", err)
	}
	cmd = newQueryCmd(d)
	cmd.SetArgs([]string{"SELECT 7 AS n", "--format", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := "[\n{\"n\":7}\n]\n"; out.String() != want {
		t.Errorf("query 'SELECT 7 AS n' --format json wrote %q; want %q", out, want)
	}
}

// Issue 7, defect 10: a runaway query is cancelled at --timeout with an
// error naming the timeout, exit code 1, and no output.
func TestRunQueryTimeout(t *testing.T) {
	db := queryWarehouse(t)
	d, out, _ := queryDeps(db, "")
	err := runQuery(context.Background(), d, &queryOptions{sql: "SELECT count(*) FROM range(1000000000000) AS a(i), range(1000) AS b(j) WHERE i + j < 0",
		hasSQL: true, timeout: 50 * time.Millisecond, hasTimeout: true})
	var te *queries.TimeoutError
	if !errors.As(err, &te) || te.Limit != 50*time.Millisecond {
		t.Fatalf("runQuery(a runaway query, --timeout 50ms) error = %v; want a TimeoutError of 50ms", err)
	}
	if !strings.Contains(err.Error(), "50ms timeout") || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("error = %q; want it to name the timeout and --timeout", err)
	}
	if code := exitCode(err); code != exitFailure {
		t.Errorf("exitCode(%v) = %d; want %d", err, code, exitFailure)
	}
	if out.Len() != 0 {
		t.Errorf("a cancelled query wrote %q", out)
	}
}

// Issue 10, item 4: on a terminal the table fits its width; --wide shows
// every cell whole.
func TestRunQueryFitsTheTerminal(t *testing.T) {
	db := queryWarehouse(t)
	q := "SELECT run_id, repeat('x', 100) AS long_text, 'ok' AS status FROM ingest_runs"
	d, out, _ := queryDeps(db, "")
	d.stdoutTTY, d.termWidth = true, 40
	if err := runQuery(context.Background(), d, &queryOptions{sql: q, hasSQL: true}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > 40 {
			t.Errorf("line %q is %d columns; want at most 40", line, n)
		}
	}
	if !strings.Contains(out.String(), "x…") {
		t.Errorf("table on a 40-column terminal = %q; want the long cell cut with …", out)
	}
	d, out, _ = queryDeps(db, "")
	d.stdoutTTY, d.termWidth = true, 40
	if err := runQuery(context.Background(), d, &queryOptions{sql: q, hasSQL: true, wide: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), strings.Repeat("x", 100)) {
		t.Errorf("--wide table = %q; want the long cell whole", out)
	}
}
