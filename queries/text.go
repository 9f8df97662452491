package queries

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

const textBufferSize = 64 << 10

// csvSink writes RFC 4180 CSV: a header row, fields quoted when they hold a
// comma, a quote, a line break or leading or trailing space, quotes
// doubled. NULL is an empty field and the empty string a quoted "", so the
// two stay apart. Lines end in LF, as DuckDB's COPY writes them.
type csvSink struct {
	bw    *bufio.Writer
	types []*duckType
	f     formatter
	line  []byte
	field []byte
}

func newCSVSink(w io.Writer, names []string, types []*duckType) *csvSink {
	s := &csvSink{bw: bufio.NewWriterSize(w, textBufferSize), types: types}
	for i, n := range names {
		if i > 0 {
			s.line = append(s.line, ',')
		}
		s.line = appendCSVField(s.line, []byte(n), false)
	}
	s.line = append(s.line, '\n')
	s.bw.Write(s.line) // errors surface at Flush
	return s
}

func (s *csvSink) writeBatch(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for i := range int(rec.NumRows()) {
		s.line = s.line[:0]
		for j, c := range cols {
			if j > 0 {
				s.line = append(s.line, ',')
			}
			var null bool
			s.field, null = s.f.appendText(s.field[:0], c, i, s.types[j])
			s.line = appendCSVField(s.line, s.field, null)
		}
		s.line = append(s.line, '\n')
		if _, err := s.bw.Write(s.line); err != nil {
			return err
		}
	}
	return nil
}

func (s *csvSink) close() (int64, error) { return 0, s.bw.Flush() }

func appendCSVField(dst, field []byte, null bool) []byte {
	if null {
		return dst
	}
	if !csvNeedsQuotes(field) {
		return append(dst, field...)
	}
	dst = append(dst, '"')
	for _, c := range field {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func csvNeedsQuotes(field []byte) bool {
	if len(field) == 0 {
		return true // "" is the empty string; nothing at all is NULL
	}
	if field[0] == ' ' || field[0] == '\t' || field[len(field)-1] == ' ' || field[len(field)-1] == '\t' {
		return true
	}
	for _, c := range field {
		switch c {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}

// jsonSink writes one JSON array of objects, one object per line, or with
// ndjson one object per line and no array. Keys keep the column order;
// repeated column names get _1, _2, … so that every key is unique.
type jsonSink struct {
	bw     *bufio.Writer
	types  []*duckType
	keys   [][]byte // `"name":`
	ndjson bool
	rows   int64
	f      formatter
	line   []byte
}

func newJSONSink(w io.Writer, names []string, types []*duckType, ndjson bool) *jsonSink {
	s := &jsonSink{bw: bufio.NewWriterSize(w, textBufferSize), types: types, ndjson: ndjson}
	for _, n := range uniqueNames(names) {
		s.keys = append(s.keys, append(appendJSONString(nil, n), ':'))
	}
	return s
}

func (s *jsonSink) writeBatch(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for i := range int(rec.NumRows()) {
		s.line = s.line[:0]
		if !s.ndjson {
			if s.rows == 0 {
				s.line = append(s.line, "[\n"...)
			} else {
				s.line = append(s.line, ",\n"...)
			}
		}
		s.line = append(s.line, '{')
		for j, c := range cols {
			if j > 0 {
				s.line = append(s.line, ',')
			}
			s.line = append(s.line, s.keys[j]...)
			s.line = s.f.appendJSON(s.line, c, i, s.types[j])
		}
		s.line = append(s.line, '}')
		if s.ndjson {
			s.line = append(s.line, '\n')
		}
		s.rows++
		if _, err := s.bw.Write(s.line); err != nil {
			return err
		}
	}
	return nil
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

// tableSink holds up to max rows, then writes them as aligned columns
// under a header and a rule. Numbers are right-aligned, NULL shows as
// NULL, control characters are escaped so that a cell stays on one line
// and cannot drive the terminal, and with width > 0 cells are cut to that
// many terminal columns with "…".
type tableSink struct {
	w       io.Writer
	names   []string
	types   []*duckType
	right   []bool
	rows    [][]string
	max     int
	width   int
	omitted int64
	f       formatter
	buf     []byte
}

func newTableSink(w io.Writer, schema *arrow.Schema, types []*duckType, opts Options) *tableSink {
	s := &tableSink{w: w, types: types, max: opts.MaxTableRows, width: opts.MaxCellWidth}
	for i, f := range schema.Fields() {
		s.names = append(s.names, s.cell(f.Name))
		s.right = append(s.right, isNumeric(f.Type, types[i]))
	}
	return s
}

func isNumeric(dt arrow.DataType, t *duckType) bool {
	if t.isBignum() {
		return true
	}
	if d, ok := dt.(*arrow.DictionaryType); ok {
		dt = d.ValueType
	}
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	}
	return false
}

func (s *tableSink) writeBatch(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	room := min(n, s.max-len(s.rows))
	if room < n {
		s.omitted += int64(n - max(room, 0))
	}
	cols := rec.Columns()
	for i := range room {
		row := make([]string, len(cols))
		for j, c := range cols {
			var null bool
			s.buf, null = s.f.appendText(s.buf[:0], c, i, s.types[j])
			if null {
				row[j] = "NULL"
			} else {
				row[j] = s.cell(string(s.buf))
			}
		}
		s.rows = append(s.rows, row)
	}
	return nil
}

// cell makes v safe and short enough for a table cell.
func (s *tableSink) cell(v string) string {
	v = escapeControls(v)
	if s.width > 0 && displayWidth(v) > s.width {
		v = truncate(v, s.width)
	}
	return v
}

func (s *tableSink) close() (int64, error) {
	widths := make([]int, len(s.names))
	for j, n := range s.names {
		widths[j] = displayWidth(n)
	}
	for _, row := range s.rows {
		for j, v := range row {
			widths[j] = max(widths[j], displayWidth(v))
		}
	}
	bw := bufio.NewWriterSize(s.w, textBufferSize)
	line := func(cells []string) {
		var b strings.Builder
		for j, v := range cells {
			pad := widths[j] - displayWidth(v)
			if j > 0 {
				b.WriteString("  ")
			}
			if s.right[j] {
				b.WriteString(strings.Repeat(" ", pad))
				b.WriteString(v)
			} else {
				b.WriteString(v)
				if j < len(cells)-1 {
					b.WriteString(strings.Repeat(" ", pad))
				}
			}
		}
		b.WriteByte('\n')
		bw.WriteString(b.String())
	}
	line(s.names)
	rule := make([]string, len(widths))
	for j, w := range widths {
		rule[j] = strings.Repeat("-", w)
	}
	line(rule)
	for _, row := range s.rows {
		line(row)
	}
	return s.omitted, bw.Flush()
}

// escapeControls writes line breaks, tabs, other control characters,
// invalid UTF-8 and bidirectional overrides as Go-style escapes, so that
// Slack text cannot break the table's lines or steer the terminal.
func escapeControls(v string) string {
	if utf8.ValidString(v) && strings.IndexFunc(v, needsEscape) < 0 {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, v[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r):
			q := strconv.QuoteRuneToASCII(r) // '\x1b' or '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// truncate cuts v to width terminal columns, the last of them "…".
func truncate(v string, width int) string {
	var b strings.Builder
	w := 0
	for _, r := range v {
		rw := runeWidth(r)
		if w+rw > width-1 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	b.WriteString("…")
	return b.String()
}

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

// runeWidth is the number of terminal columns r takes: 0 for combining
// marks and zero-width characters, 2 for East Asian wide characters and
// emoji, else 1. An approximation of wcwidth, good enough to align names,
// CJK text and emoji without a dependency.
func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case r == 0x200d || (r >= 0x200b && r <= 0x200f) || (r >= 0xfe00 && r <= 0xfe0f):
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r >= 0x1100 && r <= 0x115f,
		r >= 0x2e80 && r <= 0xa4cf && r != 0x303f,
		r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f,
		r >= 0x1f680 && r <= 0x1f6ff,
		r >= 0x1f900 && r <= 0x1f9ff,
		r >= 0x1fa70 && r <= 0x1faff,
		r >= 0x20000 && r <= 0x3fffd:
		return 2
	case r >= 0x231a && r <= 0x2b55 && wideSymbols[r]:
		return 2
	}
	return 1
}

// wideSymbols are the emoji among U+231A–U+2B55 that Unicode gives East
// Asian Width W (☕, ⚡, ✅, ❌, ⭐, …); the rest of that block is narrow.
var wideSymbols = func() map[rune]bool {
	m := map[rune]bool{}
	for _, rg := range [][2]rune{
		{0x231a, 0x231b}, {0x23e9, 0x23ec}, {0x23f0, 0x23f0}, {0x23f3, 0x23f3},
		{0x25fd, 0x25fe}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267f, 0x267f},
		{0x2693, 0x2693}, {0x26a1, 0x26a1}, {0x26aa, 0x26ab}, {0x26bd, 0x26be},
		{0x26c4, 0x26c5}, {0x26ce, 0x26ce}, {0x26d4, 0x26d4}, {0x26ea, 0x26ea},
		{0x26f2, 0x26f3}, {0x26f5, 0x26f5}, {0x26fa, 0x26fa}, {0x26fd, 0x26fd},
		{0x2705, 0x2705}, {0x270a, 0x270b}, {0x2728, 0x2728}, {0x274c, 0x274c},
		{0x274e, 0x274e}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
		{0x27b0, 0x27b0}, {0x27bf, 0x27bf}, {0x2b1b, 0x2b1c}, {0x2b50, 0x2b50},
		{0x2b55, 0x2b55},
	} {
		for r := rg[0]; r <= rg[1]; r++ {
			m[r] = true
		}
	}
	return m
}()
