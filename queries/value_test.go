package queries

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTextMatchesDuckDB uses DuckDB as the oracle for the types whose text
// aftermath prints the way DuckDB does: each value's text must equal
// DuckDB's own cast to VARCHAR.
func TestTextMatchesDuckDB(t *testing.T) {
	db := openQueryDB(t, buildWarehouse(t, ""))
	for _, tc := range []struct {
		typ    string
		values []string
	}{
		{"INTERVAL", []string{"1 year", "2 years", "-1 year", "1 month", "14 months", "-14 months", "1 day", "-3 days",
			"1 year 2 months 3 days 04:05:06.5", "00:00:00.000001", "-00:00:00.5", "36 hours", "-36 hours",
			"1 month -2 days 03:00:00", "0 seconds", "100000 hours"}},
		{"DECIMAL(10,3)", []string{"0", "0.001", "-0.001", "123.45", "-9999999.999"}},
		{"DECIMAL(38,0)", []string{"99999999999999999999999999999999999999", "-1"}},
		{"DECIMAL(4,1)", []string{"-0.5", "999.9"}},
		{"HUGEINT", []string{"0", "-170141183460469231731687303715884105727", "170141183460469231731687303715884105727"}},
		{"UHUGEINT", []string{"0", "170141183460469231731687303715884105728", "340282366920938463463374607431768211455"}},
		{"BIGNUM", []string{"0", "-1", "255", "-256", "123456789012345678901234567890123456789012345678901234567890", "-99999999999999999999999999999999999999999"}},
		{"UBIGINT", []string{"18446744073709551615"}},
		{"DATE", []string{"2026-11-20", "1970-01-01", "1000-02-28", "9999-12-31"}},
		{"TIME", []string{"00:00:00", "14:02:03.25", "23:59:59.999999", "24:00:00"}},
		{"BOOLEAN", []string{"true", "false"}},
		{"UUID", []string{"4b1c1a0e-7f6a-4a2b-9c3d-2e1f0a9b8c7d"}},
	} {
		var rows []string
		for _, v := range tc.values {
			rows = append(rows, "('"+v+"')")
		}
		q := `SELECT v::` + tc.typ + ` AS got, v::` + tc.typ + `::VARCHAR AS want FROM (VALUES ` + strings.Join(rows, ", ") + `) AS t(v)`
		out, _ := runString(t, db, q, Options{Format: FormatCSV})
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			if r[0] != r[1] {
				t.Errorf("%s text = %q; DuckDB prints %q", tc.typ, r[0], r[1])
			}
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	huge, _ := new(big.Int).SetString("-170141183460469231731687303715884105728", 10)
	for _, tc := range []struct {
		v     *big.Int
		scale int32
		want  string
	}{
		{big.NewInt(12345), 2, "123.45"},
		{big.NewInt(-5), 2, "-0.05"},
		{big.NewInt(0), 3, "0.000"},
		{big.NewInt(7), 0, "7"},
		{big.NewInt(7), -2, "700"},
		{big.NewInt(0), -2, "0"},
		{huge, 0, "-170141183460469231731687303715884105728"},
		{huge, 38, "-1.70141183460469231731687303715884105728"},
		// DuckDB prints DECIMAL(38,38) as ".1"; a leading zero reads better.
		{big.NewInt(1), 38, "0.00000000000000000000000000000000000001"},
	} {
		if got := string(appendDecimal(nil, tc.v, tc.scale)); got != tc.want {
			t.Errorf("appendDecimal(%v, %d) = %q; want %q", tc.v, tc.scale, got, tc.want)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		bits int
		want string
		kind valueKind
	}{
		{2.5, 64, "2.5", kindLiteral},
		{0.1, 64, "0.1", kindLiteral},
		{float64(float32(0.1)), 32, "0.1", kindLiteral},
		{1e21, 64, "1e+21", kindLiteral},
		{123456789, 64, "123456789", kindLiteral},
		{1e-7, 64, "1e-07", kindLiteral},
		{0, 64, "0", kindLiteral},
		{math.Copysign(0, -1), 64, "-0", kindLiteral},
		{math.NaN(), 64, "NaN", kindString},
		{math.Inf(1), 64, "Infinity", kindString},
		{math.Inf(-1), 64, "-Infinity", kindString},
	} {
		got, kind := appendFloat(nil, tc.v, tc.bits)
		if string(got) != tc.want || kind != tc.kind {
			t.Errorf("appendFloat(%v) = %q, %v; want %q, %v", tc.v, got, kind, tc.want, tc.kind)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", `"plain"`},
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"a\nb\tc\rd", `"a\nb\tc\rd"`},
		{"<@U123> & <https://x|y>", `"<@U123> & <https://x|y>"`},
		{"\x1b[31m\x00", `"\u001b[31m\u0000"`},
		{"日本語 🔥 ünï", `"日本語 🔥 ünï"`},
		{"line\u2028sep\u2029", `"line\u2028sep\u2029"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
		{"", `""`},
	} {
		got := string(appendJSONString(nil, tc.in))
		if got != tc.want {
			t.Errorf("appendJSONString(%q) = %s; want %s", tc.in, got, tc.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendJSONString(%q) = %s, not valid JSON: %v", tc.in, got, err)
		} else if want := strings.ToValidUTF8(tc.in, "\uFFFD"); back != want {
			t.Errorf("appendJSONString(%q) decodes to %q; want %q", tc.in, back, want)
		}
	}
}

func TestAppendCSVField(t *testing.T) {
	for _, tc := range []struct {
		in   string
		null bool
		want string
	}{
		{"", true, ``},
		{"", false, `""`},
		{"plain", false, `plain`},
		{"a,b", false, `"a,b"`},
		{`say "hi"`, false, `"say ""hi"""`},
		{"two\nlines", false, "\"two\nlines\""},
		{"cr\r", false, "\"cr\r\""},
		{" padded ", false, `" padded "`},
		{"日本語", false, `日本語`},
	} {
		if got := string(appendCSVField(nil, []byte(tc.in), tc.null)); got != tc.want {
			t.Errorf("appendCSVField(%q, null=%v) = %q; want %q", tc.in, tc.null, got, tc.want)
		}
	}
}

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
