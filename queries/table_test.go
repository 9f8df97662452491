package queries

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEscapeControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"日本語 🔥", "日本語 🔥"},
		{"two\nlines", `two\nlines`},
		{"tab\there\r", `tab\there\r`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"\x7f\u0085", `\x7f\u0085`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"keep \uFFFD", "keep \uFFFD"},
	} {
		if got := escapeControls(tc.in); got != tc.want {
			t.Errorf("escapeControls(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"abcdefgh", 5, "abcd…"},
		{"日本語テキスト", 5, "日本…"},
		{"🔥🔥🔥", 4, "🔥…"},
		{"éé́é", 3, "éé́…"},
	} {
		got := truncate(tc.in, tc.width)
		if got != tc.want {
			t.Errorf("truncate(%q, %d) = %q; want %q", tc.in, tc.width, got, tc.want)
		}
		if w := displayWidth(got); w > tc.width {
			t.Errorf("truncate(%q, %d) is %d columns wide", tc.in, tc.width, w)
		}
	}
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"abc", 3}, {"日本", 4}, {"☕", 2}, {"⚠", 1}, {"e\u0301", 1}, {"👩\u200d💻", 4}, {"", 0},
	} {
		if got := displayWidth(tc.in); got != tc.want {
			t.Errorf("displayWidth(%q) = %d; want %d", tc.in, got, tc.want)
		}
	}
}

func TestUniqueNames(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"a", "b"}, []string{"a", "b"}},
		{[]string{"a", "a", "a"}, []string{"a", "a_1", "a_2"}},
		{[]string{"a", "a", "a_1"}, []string{"a", "a_2", "a_1"}},
		{[]string{"count_star()", "count_star()"}, []string{"count_star()", "count_star()_1"}},
	} {
		if got := uniqueNames(tc.in); !cmp.Equal(got, tc.want) {
			t.Errorf("uniqueNames(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("xlsx"); err == nil || !strings.Contains(err.Error(), "table, csv, json, ndjson, parquet, arrow") {
		t.Errorf("ParseFormat(xlsx) error = %v; want one listing the formats", err)
	}
	for path, want := range map[string]Format{
		"a.csv": FormatCSV, "dir/b.JSON": FormatJSON, "c.jsonl": FormatNDJSON, "d.ndjson": FormatNDJSON,
		"e.parquet": FormatParquet, "f.arrow": FormatArrow, "g.feather": FormatArrow, "h.txt": FormatTable,
	} {
		if got, ok := FormatForPath(path); !ok || got != want {
			t.Errorf("FormatForPath(%q) = %q, %v; want %q", path, got, ok, want)
		}
	}
	if _, ok := FormatForPath("out.xlsx"); ok {
		t.Errorf("FormatForPath(out.xlsx) found a format")
	}
	if !FormatParquet.Binary() || !FormatArrow.Binary() || FormatCSV.Binary() {
		t.Errorf("Binary() is wrong for some format")
	}
}

func TestTableFit(t *testing.T) {
	for _, tc := range []struct {
		width int
		in    []int
		want  []int
	}{
		{0, []int{10, 50}, []int{10, 50}},       // no terminal: as wide as they come
		{80, []int{10, 50}, []int{10, 50}},      // fits already
		{40, []int{10, 50}, []int{10, 28}},      // the widest column gives way
		{40, []int{30, 30}, []int{19, 19}},      // evenly when both are wide
		{10, []int{10, 10, 10}, []int{6, 6, 6}}, // never below minFitWidth
	} {
		got := append([]int(nil), tc.in...)
		(&tableSink{width: tc.width}).fit(got)
		if !cmp.Equal(got, tc.want) {
			t.Errorf("fit(%v) into %d columns = %v; want %v", tc.in, tc.width, got, tc.want)
		}
	}
}
