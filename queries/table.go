package queries

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// minFitWidth is the narrowest a column gets when the table is fitted to
// the terminal.
const minFitWidth = 6

// tableSink holds up to max rows of text cells, then writes them as
// aligned columns under a header and a rule. Numbers are right-aligned,
// NULL shows as NULL, control characters are escaped so that a cell stays
// on one line and cannot drive the terminal, cells are cut to maxCell
// terminal columns, and with width > 0 the widest columns are cut further
// until each line fits in width.
type tableSink struct {
	w       io.Writer
	names   []string
	right   []bool
	rows    [][]string
	max     int
	maxCell int
	width   int
	omitted int64
}

func newTableSink(w io.Writer, cols []column, opts Options) *tableSink {
	s := &tableSink{w: w, max: opts.MaxTableRows, maxCell: opts.MaxCellWidth, width: opts.Width}
	for _, c := range cols {
		s.names = append(s.names, s.cell(c.name))
		s.right = append(s.right, isNumeric(c))
	}
	return s
}

func isNumeric(c column) bool {
	switch c.typ {
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_INTEGER, duckdb.TYPE_BIGINT,
		duckdb.TYPE_UTINYINT, duckdb.TYPE_USMALLINT, duckdb.TYPE_UINTEGER, duckdb.TYPE_UBIGINT,
		duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT, duckdb.TYPE_FLOAT, duckdb.TYPE_DOUBLE,
		duckdb.TYPE_DECIMAL, duckdb.TYPE_BIGNUM:
		return true
	}
	return false
}

func (s *tableSink) row(vals []sql.NullString) error {
	if len(s.rows) >= s.max {
		s.omitted++
		return nil
	}
	row := make([]string, len(vals))
	for j, v := range vals {
		if !v.Valid {
			row[j] = "NULL"
		} else {
			row[j] = s.cell(v.String)
		}
	}
	s.rows = append(s.rows, row)
	return nil
}

// cell makes v safe and short enough for a table cell.
func (s *tableSink) cell(v string) string {
	v = escapeControls(v)
	if s.maxCell > 0 && displayWidth(v) > s.maxCell {
		v = truncate(v, s.maxCell)
	}
	return v
}

// fit narrows the widest columns, one terminal column at a time, until a
// line fits in s.width or every column is down to minFitWidth.
func (s *tableSink) fit(widths []int) {
	if s.width <= 0 {
		return
	}
	total := 2 * (len(widths) - 1)
	for _, w := range widths {
		total += w
	}
	for total > s.width {
		j := 0
		for k, w := range widths {
			if w > widths[j] {
				j = k
			}
		}
		if widths[j] <= minFitWidth {
			return
		}
		widths[j]--
		total--
	}
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
	s.fit(widths)
	bw := bufio.NewWriterSize(s.w, textBufferSize)
	line := func(cells []string) {
		var b strings.Builder
		for j, v := range cells {
			if displayWidth(v) > widths[j] {
				v = truncate(v, widths[j])
			}
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
