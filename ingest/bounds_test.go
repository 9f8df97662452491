package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// Issue 7 defect 5: a warehouse an older version froze (a channel's
// watermark at ts 999999999999.999999) recovers at the next run, on its
// own: the watermark and the Web API sync state move back to the newest
// stored message inside the window.
func TestFrozenWatermarkRecovers(t *testing.T) {
	db := warehousetest.Open(t)
	if _, err := ingestPath(t, db, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO messages SELECT * REPLACE ('999999999999.999999' AS ts, make_timestamptz(999999999999999999) AS posted_at)
			FROM messages WHERE channel_id = 'C0SHARED' LIMIT 1`,
		`UPDATE channel_state SET newest_ts = '999999999999.999999' WHERE channel_id = 'C0SHARED'`,
		`INSERT INTO slack_sync VALUES ('C0SHARED', '0', '999999999999.999999', NULL, NULL, NULL, false, 'export', 1, now())`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := ingestPath(t, db, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	got := warehouse.Rows(t, db.DB, `SELECT cs.newest_ts, s.history_through FROM channel_state cs JOIN slack_sync s USING (channel_id) WHERE channel_id = 'C0SHARED'`)
	if want := "1795100400.000300 | 1795100400.000300"; len(got) != 1 || got[0] != want {
		t.Errorf("after the repair run: newest_ts | history_through = %q; want %q", got, want)
	}
}

// The ts window follows the run's injected clock, not the wall clock.
func TestTsWindowFollowsInjectedClock(t *testing.T) {
	dir := copyFixture(t)
	soon, late := testNow.Add(time.Hour).Unix(), testNow.Add(49*time.Hour).Unix()
	writeFile(t, filepath.Join(dir, "incidents", "2026-11-25.json"), fmt.Sprintf(`[
		{"type": "message", "ts": "%d.000100", "user": "U0BOB", "text": "in an hour"},
		{"type": "message", "ts": "%d.000100", "user": "U0BOB", "text": "in two days"}]`, soon, late))
	db := warehousetest.Open(t)
	res, err := ingestPath(t, db, dir, defaultSelection(t))
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("IngestExport() = %v; want ErrPartial", err)
	}
	if got := skipsOf(res); len(got) != 1 || !strings.Contains(got[0], "is more than a day after the run") {
		t.Errorf("skips = %q; want the message two days ahead", got)
	}
	if got := warehouse.Rows(t, db.DB, `SELECT text FROM messages WHERE ts >= ?`, fmt.Sprint(soon)); len(got) != 1 || got[0] != "in an hour" {
		t.Errorf("stored = %q; want only the message an hour ahead", got)
	}
}

func TestScanElements(t *testing.T) {
	b := Bounds{Depth: 3, MessageBytes: 40}
	for _, tc := range []struct {
		in   string
		ok   bool
		want []string // each element's text, then "!" when it breaks a bound
	}{
		{`[]`, true, nil},
		{` [ {"a":1} , {"b":[1,[2]]} ] `, true, []string{`{"a":1}`, `{"b":[1,[2]]}`}},
		{`[{"b":[[[1]]]}]`, true, []string{`{"b":[[[1]]]}!`}},
		{`[{"s":"[[[[[[\"]]"}, 1, "x", null]`, true, []string{`{"s":"[[[[[[\"]]"}`, `1`, `"x"`, `null`}},
		{`[{"t":"` + strings.Repeat("a", 40) + `"}, {}]`, true, []string{`{"t":"` + strings.Repeat("a", 40) + `"}!`, `{}`}},
		{`{"not": "an array"}`, false, nil},
		{`[{"cut": `, false, nil},
		{`[] []`, false, nil},
	} {
		elems, ok, err := scanElements(strings.NewReader(tc.in), b)
		if err != nil || ok != tc.ok {
			t.Errorf("scanElements(%q) ok = %v, %v; want %v", tc.in, ok, err, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		var got []string
		for _, e := range elems {
			s := tc.in[e.start:e.end]
			if e.problem != "" {
				s += "!"
			}
			got = append(got, s)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("scanElements(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// A bounded copy holds exactly the elements within bounds, as valid JSON.
func TestBoundedCopy(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.json")
	writeFile(t, src, `[{"a":[[[[1]]]]}, {"b":1}, {"c":[[[[[2]]]]]}, {"d":2}, {"e":[[[[[3]]]]]}]`)
	bad, _, err := boundedCopy(src, dst, Bounds{Depth: 3, MessageBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(bad) != "[1 3 5]" {
		t.Errorf("bad = %v; want [1 3 5]", bad)
	}
	out, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `[{"b":1},{"d":2}]` {
		t.Errorf("copy = %s; want [{\"b\":1},{\"d\":2}]", out)
	}
}

// decodedDepth is how deep a JSON value nests, by encoding/json's decoder:
// the oracle the scanner is checked against.
func decodedDepth(t *testing.T, raw string) int {
	dec := json.NewDecoder(strings.NewReader(raw))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return deepest
		}
		if err != nil {
			t.Fatalf("decode %q: %v", raw, err)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			deepest = max(deepest, depth)
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
}

// messageProblem (Web API items) and the file scan are one scanner: they
// agree on every bound, and a message over a bound is named.
func TestMessageProblem(t *testing.T) {
	b := Bounds{Depth: 3, MessageBytes: 40}
	for _, tc := range []struct{ in, want string }{
		{`{"a":[1,[2]]}`, ""},
		{`{"a":[[[1]]]}`, "nested deeper than ingest.max_json_depth (3)"},
		{`{"s":"[[[[[[\"]]"}`, ""},
		{`{"t":"` + strings.Repeat("a", 40) + `"}`, "larger than ingest.max_message_kb (0 KiB)"},
		{`{"cut": [`, ""}, // not JSON: DuckDB names it
	} {
		if got := messageProblem([]byte(tc.in), b); got != tc.want {
			t.Errorf("messageProblem(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzScanElements: on any valid JSON array, the scan finds every element,
// each a valid JSON value, and its depth bound agrees with a decoder's.
func FuzzScanElements(f *testing.F) {
	for _, s := range []string{`[]`, `[{"a":"]\"["}, 1, [2, [3]]]`, `[{"x":[[[[[[[[[[1]]]]]]]]]]}]`, `{"a":1}`, `["\\", "\u00e9"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		b := Bounds{Depth: 4, MessageBytes: 1 << 20}
		elems, ok, err := scanElements(strings.NewReader(in), b)
		if err != nil {
			t.Fatal(err)
		}
		var arr []json.RawMessage
		if json.Unmarshal([]byte(in), &arr) != nil || arr == nil {
			return
		}
		if !ok || len(elems) != len(arr) {
			t.Fatalf("scanElements(%q) = %d elements, ok %v; a decoder finds %d", in, len(elems), ok, len(arr))
		}
		for i, e := range elems {
			raw := in[e.start:e.end]
			if !json.Valid([]byte(raw)) {
				t.Fatalf("element %d of %q = %q, not valid JSON", i, in, raw)
			}
			if deep := decodedDepth(t, raw) > b.Depth; deep != (e.problem != "") {
				t.Fatalf("element %d of %q: scan says %q, a decoder finds depth %d", i, in, e.problem, decodedDepth(t, raw))
			}
			if got := messageProblem([]byte(raw), b); got != e.problem {
				t.Fatalf("element %d of %q: messageProblem = %q; the file scan says %q", i, in, got, e.problem)
			}
		}
	})
}
