package queries

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

const textBufferSize = 64 << 10

// textSink writes one text format, a row of DuckDB-rendered values at a
// time; close finishes it and says how many rows the table format left out.
type textSink interface {
	row(vals []sql.NullString) error
	close() (omitted int64, err error)
}

// textExpr is the SQL that renders the n-th (1-based) result column as
// text for format f. DuckDB does every conversion: CAST to VARCHAR for
// table and csv, to_json for json and ndjson. Tables show times to the
// second, so a posted_at made from a Slack ts shows no sequence digits
// (the ts column itself is text and shows as it is). JSON has no NaN or
// Infinity, so non-finite floats become strings.
func textExpr(n int, c column, f Format) string {
	ref := "#" + strconv.Itoa(n)
	switch f {
	case FormatTable:
		switch c.typ {
		case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_TZ, duckdb.TYPE_TIMESTAMP_S, duckdb.TYPE_TIMESTAMP_MS, duckdb.TYPE_TIMESTAMP_NS:
			return "CAST(date_trunc('second', " + ref + ") AS VARCHAR)"
		}
		return "CAST(" + ref + " AS VARCHAR)"
	case FormatJSON, FormatNDJSON:
		switch c.typ {
		case duckdb.TYPE_FLOAT, duckdb.TYPE_DOUBLE:
			return "CAST(CASE WHEN isfinite(" + ref + ") THEN to_json(" + ref + ") ELSE to_json(CAST(" + ref + " AS VARCHAR)) END AS VARCHAR)"
		}
		return "CAST(to_json(" + ref + ") AS VARCHAR)"
	}
	return "CAST(" + ref + " AS VARCHAR)"
}

// runText runs query inside query() with every column rendered by textExpr
// and streams the rows into the format's sink.
func runText(ctx context.Context, conn *sql.Conn, query string, cols []column, w io.Writer, opts Options) (Result, error) {
	res := Result{Columns: make([]string, len(cols))}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		res.Columns[i] = c.name
		exprs[i] = textExpr(i+1, c, opts.Format)
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM query($1)", query)
	if err != nil {
		return res, sqlError(err)
	}
	defer rows.Close()
	var s textSink
	switch opts.Format {
	case FormatCSV:
		s = newCSVSink(w, res.Columns)
	case FormatJSON, FormatNDJSON:
		s = newJSONSink(w, res.Columns, opts.Format == FormatNDJSON)
	default:
		s = newTableSink(w, cols, opts)
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return res, fmt.Errorf("query: %w", err)
		}
		res.Rows++
		if err := s.row(vals); err != nil {
			return res, fmt.Errorf("query: write %s: %w", opts.Format, err)
		}
	}
	if err := rows.Err(); err != nil {
		return res, sqlError(err)
	}
	if res.Omitted, err = s.close(); err != nil {
		return res, fmt.Errorf("query: write %s: %w", opts.Format, err)
	}
	return res, nil
}

// csvSink writes CSV: a header row, RFC 4180 quoting, lines ending in LF.
// NULL is an empty field and the empty string is "", as DuckDB's own COPY
// writes and read_csv reads them. encoding/csv cannot quote an empty
// field, so the record is written here; the quoting rule is its rule.
type csvSink struct {
	bw *bufio.Writer
}

func newCSVSink(w io.Writer, names []string) *csvSink {
	s := &csvSink{bw: bufio.NewWriterSize(w, 64<<10)}
	for i, n := range names {
		s.field(i, n, false)
	}
	s.bw.WriteByte('\n') // buffered; errors surface at Flush
	return s
}

func (s *csvSink) row(vals []sql.NullString) error {
	for i, v := range vals {
		s.field(i, v.String, v.Valid && v.String == "")
	}
	return s.bw.WriteByte('\n')
}

// field writes one field, quoted when it holds a comma, a quote or a line
// break, starts with a space or a tab, or is an empty string that must not
// read as NULL.
func (s *csvSink) field(i int, v string, quoteEmpty bool) {
	if i > 0 {
		s.bw.WriteByte(',')
	}
	if !quoteEmpty && !csvNeedsQuotes(v) {
		s.bw.WriteString(v)
		return
	}
	s.bw.WriteByte('"')
	s.bw.WriteString(strings.ReplaceAll(v, `"`, `""`))
	s.bw.WriteByte('"')
}

func csvNeedsQuotes(v string) bool {
	if v == "" {
		return false
	}
	if v == `\.` || v[0] == ' ' || v[0] == '\t' {
		return true
	}
	return strings.ContainsAny(v, ",\"\r\n")
}

func (s *csvSink) close() (int64, error) {
	return 0, s.bw.Flush()
}

// jsonSink writes a JSON array of objects, one per line, or NDJSON: one
// object per line. Keys keep the column order; repeated column names get
// a suffix so that every key is distinct. Values are DuckDB's to_json,
// which writes JSON columns as the JSON itself.
type jsonSink struct {
	bw     *bufio.Writer
	keys   [][]byte // `"name":`
	ndjson bool
	rows   int64
	line   []byte
}

func newJSONSink(w io.Writer, names []string, ndjson bool) *jsonSink {
	s := &jsonSink{bw: bufio.NewWriterSize(w, textBufferSize), ndjson: ndjson}
	for _, n := range uniqueNames(names) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(n) // a string always encodes
		s.keys = append(s.keys, append(bytes.TrimSuffix(b.Bytes(), []byte("\n")), ':'))
	}
	return s
}

func (s *jsonSink) row(vals []sql.NullString) error {
	s.line = s.line[:0]
	switch {
	case s.ndjson:
	case s.rows == 0:
		s.line = append(s.line, "[\n"...)
	default:
		s.line = append(s.line, ",\n"...)
	}
	s.line = append(s.line, '{')
	for i, v := range vals {
		if i > 0 {
			s.line = append(s.line, ',')
		}
		s.line = append(s.line, s.keys[i]...)
		if v.Valid {
			s.line = append(s.line, v.String...)
		} else {
			s.line = append(s.line, "null"...)
		}
	}
	s.line = append(s.line, '}')
	if s.ndjson {
		s.line = append(s.line, '\n')
	}
	s.rows++
	_, err := s.bw.Write(s.line)
	return err
}

func (s *jsonSink) close() (int64, error) {
	if !s.ndjson {
		if s.rows == 0 {
			s.bw.WriteString("[]\n")
		} else {
			s.bw.WriteString("\n]\n")
		}
	}
	return 0, s.bw.Flush()
}

// uniqueNames renames repeated names: a, a, a_1 → a, a_2, a_1.
func uniqueNames(names []string) []string {
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		seen[n] = true
	}
	out := make([]string, len(names))
	used := make(map[string]bool, len(names))
	for i, n := range names {
		name := n
		for k := 1; used[name]; k++ {
			if c := n + "_" + strconv.Itoa(k); !seen[c] && !used[c] {
				name = c
			}
		}
		used[name] = true
		out[i] = name
	}
	return out
}
