//go:build duckdb_arrow

package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

// fastRow is one row fastWorker.file made: the doc and whether Go read it.
type fastRow struct {
	Doc   string
	Canon bool
}

// fastFile runs fastWorker.file over text and returns its rows.
func fastFile(t *testing.T, text string) ([]fastRow, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "2026-11-20.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &fastReader{batches: make(chan arrow.RecordBatch, 64), stop: make(chan struct{})}
	w := fastWorker{r: r, rb: array.NewRecordBuilder(memory.DefaultAllocator, fastSchema)}
	defer w.rb.Release()
	err := w.file(path, "C1", DefaultBounds())
	w.flush()
	close(r.batches)
	var rows []fastRow
	for rec := range r.batches {
		docs := rec.Column(1).(*extensions.JSONArray).Storage().(*array.String)
		canon := rec.Column(2).(*array.Boolean)
		for i := range int(rec.NumRows()) {
			rows = append(rows, fastRow{docs.Value(i), canon.Value(i)})
		}
		rec.Release()
	}
	if err == nil && r.objects.Load() != int64(len(rows)) {
		t.Errorf("counted %d objects for %d rows", r.objects.Load(), len(rows))
	}
	return rows, err
}

// fastWorker.file reads every message of a day file once: Go's canonical
// text where it is sure of a message, the message as written where it is
// not (from the first such message on, element by element), and it
// refuses, for the batched path to name, any file that is not a strict
// JSON array of messages within the bounds.
func TestFastWorkerFile(t *testing.T) {
	deep := `{"ts":"1","d":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`
	big := `{"ts":"1","text":"` + strings.Repeat("x", 1<<20) + `"}`
	for _, tc := range []struct {
		name, text string
		want       []fastRow
		wantErr    bool
	}{
		{name: "empty array", text: " [ ] \n"},
		{name: "all read by Go", text: " [ {\"ts\":\"1\"} ,{\"ts\" : \"2\\/3\"} ] \n",
			want: []fastRow{{`{"ts":"1"}`, true}, {`{"ts":"2/3"}`, true}}},
		{name: "first left to SQL", text: `[{"a":1.5},{"ts":"2"}]`,
			want: []fastRow{{`{"a":1.5}`, false}, {`{"ts":"2"}`, true}}},
		{name: "middle left to SQL", text: "[{\"ts\":\"1\"}, {\"a\" : 1e3} ,\n{\"ts\":\"3\"}]",
			want: []fastRow{{`{"ts":"1"}`, true}, {`{"a" : 1e3}`, false}, {`{"ts":"3"}`, true}}},
		{name: "only one, left to SQL", text: `[{"a":-0}]`, want: []fastRow{{`{"a":-0}`, false}}},
		{name: "not objects", text: `[1, "x"]`, want: []fastRow{{`1`, false}, {`"x"`, false}}},
		{name: "trailing comma", text: `[{"ts":"1"},]`, wantErr: true},
		{name: "trailing comma after SQL's", text: `[{"a":1.5},]`, wantErr: true},
		{name: "two commas", text: `[{"ts":"1"},,{"b":2}]`, wantErr: true},
		{name: "data after", text: `[{"ts":"1"}] x`, wantErr: true},
		{name: "data after empty", text: `[] x`, wantErr: true},
		{name: "not an array", text: `{"ts":"1"}`, wantErr: true},
		{name: "unterminated", text: `[{"ts":"1"}`, wantErr: true},
		{name: "empty file", text: ``, wantErr: true},
		{name: "not UTF-8", text: "[{\"ts\":\"1\",\"a\":\"\xff\"}]", wantErr: true},
		{name: "too deep", text: `[` + deep + `]`, wantErr: true},
		{name: "too big", text: `[{"ts":"0"},` + big + `]`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fastFile(t, tc.text)
			if tc.wantErr {
				if !errors.Is(err, errFastUnclean) {
					t.Fatalf("file() error = %v; want errFastUnclean", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}
