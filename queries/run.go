package queries

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
	// terminal columns, ending them with "…". For terminals only.
	MaxCellWidth int
}

// Result says what Run wrote.
type Result struct {
	Columns []string
	Rows    int64 // rows in the result
	Omitted int64 // rows the table format left out, beyond MaxTableRows
}

var (
	// ErrReadOnly marks a statement that DuckDB refused because the query
	// runs read-only and sandboxed. The error also carries DuckDB's message.
	ErrReadOnly = errors.New("the query runs read-only: it cannot change the warehouse, read or write other files, or load extensions")
	// ErrNoSQL reports an empty query.
	ErrNoSQL = errors.New("no SQL to run")
	// ErrMultipleStatements reports input holding more than one statement.
	ErrMultipleStatements = errors.New("the SQL holds more than one statement; aftermath query runs one at a time (a WITH clause can stand in for temporary tables)")
)

// Enabled reports whether this build can run queries: Run needs the
// driver's Arrow API, which the duckdb_arrow build tag turns on.
func Enabled() bool { return arrowEnabled }

// errNoArrow is what Run returns from a build without the driver's Arrow API.
var errNoArrow = errors.New("query: this aftermath was built without the duckdb_arrow build tag, which queries need; build it with `make build` or `go build -tags=duckdb_arrow`")

// readOnlyError wraps DuckDB's refusal so that it reads as ErrReadOnly
// followed by DuckDB's own message.
type readOnlyError struct{ duck error }

func (e readOnlyError) Error() string        { return ErrReadOnly.Error() + ": " + e.duck.Error() }
func (e readOnlyError) Is(target error) bool { return target == ErrReadOnly }
func (e readOnlyError) Unwrap() error        { return e.duck }

// Run runs one SQL statement on db and writes its result to w in
// opts.Format, streaming: it holds one Arrow batch (DuckDB's 2,048 rows)
// at a time, except that the table format holds up to MaxTableRows rows to
// align them. (The DuckDB driver itself materialises the whole result
// inside DuckDB before the first batch; docs/querying.md says what that
// costs.)
//
// db should be a warehouse opened with ReadOnly and Sandbox: Run relies on
// DuckDB to refuse writes and file access, and reports a refusal as an
// error that matches ErrReadOnly and includes DuckDB's message. Other SQL
// errors carry DuckDB's message as it is.
func Run(ctx context.Context, db *sql.DB, query string, w io.Writer, opts Options) (Result, error) {
	if !arrowEnabled {
		return Result{}, errNoArrow
	}
	if strings.TrimSpace(query) == "" {
		return Result{}, ErrNoSQL
	}
	if _, err := ParseFormat(string(opts.Format)); err != nil {
		return Result{}, err
	}
	if opts.MaxTableRows <= 0 {
		opts.MaxTableRows = DefaultMaxTableRows
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	var res Result
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: %T is not a DuckDB connection", dc)
		}
		var runErr error
		res, runErr = runConn(ctx, c, query, w, opts)
		return runErr
	})
	return res, err
}

// runConn is Run on one driver connection.
func runConn(ctx context.Context, c *duckdb.Conn, query string, w io.Writer, opts Options) (Result, error) {
	types, kind, err := describe(c, query)
	if err != nil {
		return Result{}, err
	}
	if kind == duckdb.STATEMENT_TYPE_TRANSACTION {
		return Result{}, errors.New("query: transaction statements are not available: each query runs on its own, read-only")
	}
	rr, err := queryArrow(ctx, c, query)
	if err != nil {
		return Result{}, sqlError(err, kind)
	}
	defer rr.Release()
	return write(rr, types, w, opts)
}

// describe prepares query, without running anything, for what the Arrow
// schema does not say: the statement's type and its columns' DuckDB types.
// The driver's context-free Prepare refuses multi-statement input instead
// of running all but the last statement, as PrepareContext and the Arrow
// query would.
func describe(c *duckdb.Conn, query string) ([]*duckType, duckdb.StmtType, error) {
	st, err := c.Prepare(query)
	if err != nil {
		switch msg := err.Error(); {
		case strings.Contains(msg, "multi-statement"):
			if strings.Contains(strings.ToUpper(query), "PIVOT") {
				// DuckDB expands a PIVOT without IN into a CREATE TYPE and a query.
				return nil, 0, fmt.Errorf("%w; DuckDB runs a PIVOT without an IN list as several, so name the values: PIVOT … ON col IN ('a', 'b')", ErrMultipleStatements)
			}
			return nil, 0, ErrMultipleStatements
		case msg == "empty query":
			return nil, 0, ErrNoSQL
		}
		return nil, 0, sqlError(err, duckdb.STATEMENT_TYPE_SELECT)
	}
	stmt := st.(*duckdb.Stmt)
	defer stmt.Close()
	kind, err := stmt.StatementType()
	if err != nil {
		return nil, 0, fmt.Errorf("query: %w", err)
	}
	n, err := stmt.ColumnCount()
	if err != nil {
		return nil, 0, fmt.Errorf("query: %w", err)
	}
	types := make([]*duckType, n)
	for i := range types {
		if info, err := stmt.ColumnTypeInfo(i); err == nil {
			types[i] = fromTypeInfo(info)
		}
	}
	return types, kind, nil
}

func fromTypeInfo(info duckdb.TypeInfo) *duckType {
	t := &duckType{
		json:     strings.EqualFold(info.Alias(), "JSON"),
		unsigned: info.InternalType() == duckdb.TYPE_UHUGEINT,
		bignum:   info.InternalType() == duckdb.TYPE_BIGNUM,
	}
	switch d := info.Details().(type) {
	case *duckdb.ListDetails:
		t.children = []*duckType{fromTypeInfo(d.Child)}
	case *duckdb.ArrayDetails:
		t.children = []*duckType{fromTypeInfo(d.Child)}
	case *duckdb.MapDetails:
		t.children = []*duckType{fromTypeInfo(d.Key), fromTypeInfo(d.Value)}
	case *duckdb.StructDetails:
		for _, e := range d.Entries {
			t.children = append(t.children, fromTypeInfo(e.Info()))
		}
	case *duckdb.UnionDetails:
		for _, m := range d.Members {
			t.children = append(t.children, fromTypeInfo(m.Type))
		}
	}
	return t
}

// sqlError turns DuckDB's refusals into ErrReadOnly and leaves other
// errors as DuckDB worded them. A statement that does not just read
// (INSERT, CREATE, ATTACH, INSTALL, SET, …) fails only because the query
// runs read-only.
func sqlError(err error, kind duckdb.StmtType) error {
	var de *duckdb.Error
	if errors.As(err, &de) {
		msg := de.Error()
		if de.Type == duckdb.ErrorTypePermission ||
			strings.Contains(msg, "read-only mode") ||
			strings.Contains(msg, "configuration has been locked") {
			return readOnlyError{de}
		}
	}
	switch kind {
	case duckdb.STATEMENT_TYPE_SELECT, duckdb.STATEMENT_TYPE_EXPLAIN, duckdb.STATEMENT_TYPE_PRAGMA, duckdb.STATEMENT_TYPE_CALL:
		return fmt.Errorf("query: %w", err)
	}
	return readOnlyError{err}
}

// sink writes one output format.
type sink interface {
	writeBatch(rec arrow.RecordBatch) error
	// close finishes the output; omitted is what the table format left out.
	close() (omitted int64, err error)
}

func write(rr array.RecordReader, types []*duckType, w io.Writer, opts Options) (Result, error) {
	schema := rr.Schema()
	res := Result{Columns: make([]string, schema.NumFields())}
	for i, f := range schema.Fields() {
		res.Columns[i] = f.Name
	}
	// Pad or cut to the Arrow columns, should DuckDB's prepared types differ.
	types = append(types, make([]*duckType, max(0, len(res.Columns)-len(types)))...)[:len(res.Columns)]
	var (
		s   sink
		err error
	)
	switch opts.Format {
	case FormatCSV:
		s = newCSVSink(w, res.Columns, types)
	case FormatJSON, FormatNDJSON:
		s = newJSONSink(w, res.Columns, types, opts.Format == FormatNDJSON)
	case FormatTable:
		s = newTableSink(w, schema, types, opts)
	case FormatParquet:
		s, err = newParquetSink(w, schema, types)
	case FormatArrow:
		s, err = newArrowSink(w, schema, types)
	}
	if err != nil {
		return res, fmt.Errorf("query: %s output: %w", opts.Format, err)
	}
	for rr.Next() {
		rec := rr.RecordBatch()
		res.Rows += rec.NumRows()
		if err := s.writeBatch(rec); err != nil {
			return res, fmt.Errorf("query: write %s: %w", opts.Format, err)
		}
	}
	if err := rr.Err(); err != nil {
		return res, fmt.Errorf("query: %w", err)
	}
	res.Omitted, err = s.close()
	if err != nil {
		return res, fmt.Errorf("query: write %s: %w", opts.Format, err)
	}
	return res, nil
}
