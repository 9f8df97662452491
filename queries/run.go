package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// DefaultMaxTableRows is how many rows the table format shows: it has to
// hold them to align the columns.
const DefaultMaxTableRows = 10_000

// Options say how Run writes a result.
type Options struct {
	Format Format
	// MaxTableRows caps the rows the table format holds and shows; the rest
	// are counted in Result.Omitted. 0 means DefaultMaxTableRows.
	MaxTableRows int
	// MaxCellWidth, if positive, cuts table cells wider than this many
	// terminal columns, ending them with "…".
	MaxCellWidth int
	// Width, if positive, fits the table format into this many terminal
	// columns: the widest columns are cut, with "…", until the rows fit.
	Width int
}

// Result says what Run wrote.
type Result struct {
	Columns []string
	Rows    int64 // rows in the result
	Omitted int64 // rows the table format left out, beyond MaxTableRows
}

var (
	// ErrReadOnly marks a statement refused because the query runs
	// read-only: it is not a SELECT, or DuckDB refused what it tried. The
	// error names the statement type or carries DuckDB's message.
	ErrReadOnly = errors.New("the query runs read-only: it cannot change the warehouse, read or write other files, change settings or load extensions")
	// ErrNoSQL reports an empty query.
	ErrNoSQL = errors.New("no SQL to run")
	// ErrMultipleStatements reports input holding more than one statement.
	ErrMultipleStatements = errors.New("the SQL holds more than one statement; aftermath query runs one at a time (a WITH clause can stand in for temporary tables)")
	// ErrSQLTooLarge reports SQL text longer than Limits.MaxSQLBytes.
	ErrSQLTooLarge = errors.New("the SQL is too large")
)

// TimeoutError reports a statement cancelled at Limits.Timeout.
type TimeoutError struct{ Limit time.Duration }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the query ran longer than its %s timeout and was cancelled (raise it with --timeout or query.timeout in the configuration)", e.Limit)
}

// Enabled reports whether this build can write every format: parquet and
// arrow need the driver's Arrow API, which the duckdb_arrow build tag turns
// on. The text formats work in every build.
func Enabled() bool { return arrowEnabled }

// ErrNoArrow is what Run returns for parquet and arrow from a build
// without the driver's Arrow API.
var ErrNoArrow = errors.New("this aftermath was built without the duckdb_arrow build tag, which the parquet and arrow formats need (table, csv, json and ndjson work without it); build it with `make build` or `go build -tags=duckdb_arrow`")

// readOnlyError says why a statement was refused: its type, or DuckDB's
// refusal.
type readOnlyError struct {
	kind string // the statement type, when that is why
	duck error  // DuckDB's refusal, when that is why
}

func (e readOnlyError) Error() string {
	if e.kind != "" {
		return fmt.Sprintf("%v: %s statements are not allowed, only SELECT (DESCRIBE, SHOW, SUMMARIZE and table functions such as FROM duckdb_tables() read too)", ErrReadOnly, e.kind)
	}
	return ErrReadOnly.Error() + ": " + e.duck.Error()
}
func (e readOnlyError) Is(target error) bool { return target == ErrReadOnly }
func (e readOnlyError) Unwrap() error        { return e.duck }

// errOnlySelect is the refusal of a statement DuckDB prepares as a SELECT
// but query() will not run: a PRAGMA that DuckDB rewrote.
var errOnlySelect = errors.New("query: only SELECT statements run here (a PRAGMA has a table function instead, for example FROM pragma_table_info('messages'))")

// column is what Run knows of a result column before running the query.
type column struct {
	name string
	typ  duckdb.Type
	json bool // a JSON column: its text is JSON
}

// Run runs one SQL statement on db and writes its result to w in
// opts.Format.
//
// Only a single statement that DuckDB prepares as a SELECT runs; anything
// else is refused with an error matching ErrReadOnly, before it runs (the
// sandbox of Open stops file access even inside a SELECT). The statement
// runs inside DuckDB's query() table function, which itself accepts only a
// SELECT, and is cancelled at db's timeout with a *TimeoutError.
//
// The text formats are rendered by DuckDB: each value cast to VARCHAR
// (table, csv) or converted with to_json (json, ndjson), streamed row by
// row; the table format holds up to MaxTableRows rows to align them.
// parquet and arrow stream Arrow batches and need the duckdb_arrow tag.
// Other SQL errors carry DuckDB's message as it is.
func Run(ctx context.Context, db *DB, query string, w io.Writer, opts Options) (Result, error) {
	if _, err := ParseFormat(string(opts.Format)); err != nil {
		return Result{}, err
	}
	if len(query) > db.limits.MaxSQLBytes {
		return Result{}, fmt.Errorf("%w: %d bytes, over the limit of %d (query.max_sql_mb)", ErrSQLTooLarge, len(query), db.limits.MaxSQLBytes)
	}
	if strings.TrimSpace(query) == "" {
		return Result{}, ErrNoSQL
	}
	if opts.Format.Binary() && !arrowEnabled {
		return Result{}, fmt.Errorf("--format %s: %w", opts.Format, ErrNoArrow)
	}
	if opts.MaxTableRows <= 0 {
		opts.MaxTableRows = DefaultMaxTableRows
	}
	if d := db.limits.Timeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, &TimeoutError{Limit: d})
		defer cancel()
	}
	res, err := run(ctx, db.wh.DB, query, w, opts)
	if err != nil {
		var te *TimeoutError
		if errors.As(context.Cause(ctx), &te) {
			return res, te
		}
	}
	return res, err
}

func run(ctx context.Context, db *sql.DB, query string, w io.Writer, opts Options) (Result, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	return runConn(ctx, conn, query, w, opts)
}

// runConn is Run on one connection.
func runConn(ctx context.Context, conn *sql.Conn, query string, w io.Writer, opts Options) (Result, error) {
	var cols []column
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: %T is not a DuckDB connection", dc)
		}
		var err error
		cols, err = describe(c, query)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if opts.Format.Binary() {
		return runArrow(ctx, conn, query, cols, w, opts)
	}
	return runText(ctx, conn, query, cols, w, opts)
}

// describe prepares query without running it, refuses every statement
// type but SELECT, and returns the result's columns. The driver's
// context-free Prepare refuses multi-statement input instead of running
// all but the last statement, as PrepareContext would.
func describe(c *duckdb.Conn, query string) ([]column, error) {
	st, err := c.Prepare(query)
	if err != nil {
		switch msg := err.Error(); {
		case strings.Contains(msg, "multi-statement"):
			if strings.Contains(strings.ToUpper(query), "PIVOT") {
				// DuckDB expands a PIVOT without IN into a CREATE TYPE and a query.
				return nil, fmt.Errorf("%w; DuckDB runs a PIVOT without an IN list as several, so name the values: PIVOT … ON col IN ('a', 'b')", ErrMultipleStatements)
			}
			return nil, ErrMultipleStatements
		case msg == "empty query":
			return nil, ErrNoSQL
		}
		return nil, sqlError(err)
	}
	stmt := st.(*duckdb.Stmt)
	defer stmt.Close()
	kind, err := stmt.StatementType()
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	if kind != duckdb.STATEMENT_TYPE_SELECT {
		return nil, readOnlyError{kind: stmtTypeName(kind)}
	}
	n, err := stmt.ColumnCount()
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	cols := make([]column, n)
	for i := range cols {
		if cols[i].name, err = stmt.ColumnName(i); err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		if info, err := stmt.ColumnTypeInfo(i); err == nil {
			cols[i].typ = info.InternalType()
			cols[i].json = strings.EqualFold(info.Alias(), "JSON")
		}
	}
	return cols, nil
}

// stmtTypeNames are the statement types as SQL spells them.
var stmtTypeNames = map[duckdb.StmtType]string{
	duckdb.STATEMENT_TYPE_INSERT: "INSERT", duckdb.STATEMENT_TYPE_UPDATE: "UPDATE",
	duckdb.STATEMENT_TYPE_EXPLAIN: "EXPLAIN", duckdb.STATEMENT_TYPE_DELETE: "DELETE",
	duckdb.STATEMENT_TYPE_PREPARE: "PREPARE", duckdb.STATEMENT_TYPE_CREATE: "CREATE",
	duckdb.STATEMENT_TYPE_EXECUTE: "EXECUTE", duckdb.STATEMENT_TYPE_ALTER: "ALTER",
	duckdb.STATEMENT_TYPE_TRANSACTION: "transaction", duckdb.STATEMENT_TYPE_COPY: "COPY",
	duckdb.STATEMENT_TYPE_ANALYZE: "ANALYZE", duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE",
	duckdb.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION", duckdb.STATEMENT_TYPE_DROP: "DROP",
	duckdb.STATEMENT_TYPE_EXPORT: "EXPORT", duckdb.STATEMENT_TYPE_PRAGMA: "PRAGMA",
	duckdb.STATEMENT_TYPE_VACUUM: "VACUUM", duckdb.STATEMENT_TYPE_CALL: "CALL",
	duckdb.STATEMENT_TYPE_SET: "SET", duckdb.STATEMENT_TYPE_LOAD: "LOAD/INSTALL",
	duckdb.STATEMENT_TYPE_EXTENSION: "extension", duckdb.STATEMENT_TYPE_ATTACH: "ATTACH",
	duckdb.STATEMENT_TYPE_DETACH: "DETACH", duckdb.STATEMENT_TYPE_MULTI: "multi-statement",
}

// stmtTypeName names a statement type as SQL spells it.
func stmtTypeName(k duckdb.StmtType) string {
	if n, ok := stmtTypeNames[k]; ok {
		return n
	}
	return fmt.Sprintf("type-%d", k)
}

// sqlError turns DuckDB's refusals (permission, read-only, locked
// configuration) into ErrReadOnly and leaves other errors as DuckDB worded
// them. A SELECT-typed statement that the query() wrapper will not take is
// a PRAGMA that DuckDB rewrote: say which form works.
func sqlError(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) {
		msg := de.Error()
		switch {
		case de.Type == duckdb.ErrorTypePermission,
			strings.Contains(msg, "read-only mode"),
			strings.Contains(msg, "configuration has been locked"):
			return readOnlyError{duck: de}
		case strings.Contains(msg, "Expected a single SELECT statement"):
			// DuckDB's caret would point into the wrapper, not the user's SQL.
			return errOnlySelect
		}
	}
	return fmt.Errorf("query: %w", err)
}
