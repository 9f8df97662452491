//go:build duckdb_arrow

package queries

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// writeFile runs query into a file with WriteAtomic, as --out does.
func writeFile(t *testing.T, db *DB, query string, f Format) (string, Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out."+string(f))
	var res Result
	err := WriteAtomic(path, func(w io.Writer) error {
		var err error
		res, err = Run(context.Background(), db, query, w, Options{Format: f})
		return err
	})
	if err != nil {
		t.Fatalf("Run(%s) into %s: %v", f, path, err)
	}
	return path, res
}

// memDB is a fresh in-memory DuckDB that may read files: the reader of
// what Run wrote, so not sandboxed.
func memDB(t *testing.T) *DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{wh: db, limits: DefaultLimits().withDefaults()}
}

// typesParquetSQL leaves out what Parquet files give back differently by
// the formats' design: UHUGEINT beyond HUGEINT's range (DuckDB's Arrow
// export wraps it), BIGNUM (an opaque extension, read back as a BLOB), the
// union (Parquet has none), a negative interval (Parquet has none, see
// TestRunParquetRefuses), and JSON inside LIST or STRUCT (only top-level
// columns carry the JSON type; nested ones read back as strings).
const typesParquetSQL = `SELECT * EXCLUDE (uhuge_max, bignum, uni, iv_neg, json_list, json_struct) FROM (` + typesSQL + `)`

// TestRunParquetRoundTrip writes Parquet and reads it back with DuckDB's
// read_parquet on a fresh connection: every value must print the same.
func TestRunParquetRoundTrip(t *testing.T) {
	db := fixtureDB(t)
	mem := memDB(t)
	for _, tc := range []struct {
		name  string
		query string
		types map[string]string // column → the type DuckDB must read back
	}{
		{"messages", messagesSQL, map[string]string{"raw": "JSON", "posted_at": "TIMESTAMP WITH TIME ZONE", "reply_count": "INTEGER", "is_deleted": "BOOLEAN"}},
		{"types", typesParquetSQL, map[string]string{"js": "JSON", "dec38": "DECIMAL(38,9)", "huge_max": "DECIMAL(38,0)", "ts_naive": "TIMESTAMP", "tstz": "TIMESTAMP WITH TIME ZONE", "day": "DATE", "iv": "INTERVAL", "blob": "BLOB", "map": "MAP(VARCHAR, DECIMAL(2,1))"}},
		{"empty", `SELECT 1 AS n, 'x' AS s WHERE false`, map[string]string{"n": "INTEGER", "s": "VARCHAR"}},
		{"many batches", `SELECT i, 'row ' || i AS label, (i % 3)::VARCHAR::ENUM('0', '1', '2') AS k FROM range(300000) AS r(i) ORDER BY i`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, res := writeFile(t, db, tc.query, FormatParquet)
			want, _ := runString(t, db, tc.query, Options{Format: FormatCSV})
			back := `SELECT * FROM read_parquet('` + path + `')`
			got, _ := runString(t, mem, back, Options{Format: FormatCSV})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("read_parquet of Run(parquet) differs from the query (-want +got):\n%s", diff)
			}
			var n int64
			if err := mem.wh.QueryRowContext(context.Background(), `SELECT count(*) FROM `+`read_parquet('`+path+`')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != res.Rows {
				t.Errorf("read_parquet found %d rows; Result.Rows = %d", n, res.Rows)
			}
			for col, typ := range tc.types {
				var got string
				q := `SELECT column_type FROM (DESCRIBE ` + back + `) WHERE column_name = ?`
				if err := mem.wh.QueryRowContext(context.Background(), q, col).Scan(&got); err != nil {
					t.Fatalf("describe %s: %v", col, err)
				}
				if got != typ {
					t.Errorf("read_parquet type of %s = %s; want %s", col, got, typ)
				}
			}
		})
	}
	// Row groups: one per DuckDB batch would make a slow file.
	path, _ := writeFile(t, db, `SELECT i FROM range(300000) AS r(i)`, FormatParquet)
	var groups int
	if err := mem.wh.QueryRowContext(context.Background(), `SELECT count(DISTINCT row_group_id) FROM parquet_metadata('`+path+`')`).Scan(&groups); err != nil {
		t.Fatal(err)
	}
	if groups != 3 {
		t.Errorf("300,000 rows went into %d row groups; want 3 of at most %d rows", groups, parquetRowGroupRows)
	}
}

// TestRunArrowRoundTrip writes an Arrow IPC file, reads it with arrow-go's
// file reader, checks the schema, and hands the batches back to DuckDB to
// print them: every value must print as the query's own result does.
func TestRunArrowRoundTrip(t *testing.T) {
	db := fixtureDB(t)
	mem := memDB(t)
	for _, tc := range []struct {
		name   string
		query  string
		fields map[string]string // column → Arrow type
	}{
		{"messages", messagesSQL, map[string]string{"raw": "extension<arrow.json[storage_type=utf8]>", "posted_at": "timestamp[us, tz=UTC]", "text": "utf8", "reply_count": "int32"}},
		{"types", `SELECT * EXCLUDE (uhuge_max, bignum, json_list, json_struct) FROM (` + typesSQL + `)`, map[string]string{"js": "extension<arrow.json[storage_type=utf8]>", "huge_max": "decimal(38, 0)", "iv": "month_day_nano_interval", "sev": "dictionary<values=utf8, indices=uint8, ordered=false>"}},
		{"empty", `SELECT 1 AS n WHERE false`, map[string]string{"n": "int32"}},
		{"many batches", `SELECT i, (i % 3)::VARCHAR::ENUM('0', '1', '2') AS k FROM range(10000) AS r(i) ORDER BY i`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, res := writeFile(t, db, tc.query, FormatArrow)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := ipc.NewFileReader(f)
			if err != nil {
				t.Fatalf("ipc.NewFileReader: %v", err)
			}
			defer r.Close()
			for name, typ := range tc.fields {
				fs, ok := r.Schema().FieldsByName(name)
				if !ok {
					t.Errorf("Arrow schema has no field %s: %v", name, r.Schema())
					continue
				}
				if got := fs[0].Type.String(); got != typ {
					t.Errorf("Arrow type of %s = %s; want %s", name, got, typ)
				}
			}
			var recs []arrow.RecordBatch
			var rows int64
			for i := range r.NumRecords() {
				rec, err := r.RecordBatch(i)
				if err != nil {
					t.Fatal(err)
				}
				rec.Retain()
				defer rec.Release()
				recs = append(recs, rec)
				rows += rec.NumRows()
			}
			if rows != res.Rows {
				t.Errorf("Arrow file holds %d rows; Result.Rows = %d", rows, res.Rows)
			}
			want, _ := runString(t, db, tc.query, Options{Format: FormatCSV})
			got := printArrow(t, mem, r.Schema(), recs)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the Arrow file read back differs from the query (-want +got):\n%s", diff)
			}
		})
	}
}

// printArrow registers recs as a view in mem and prints it as CSV.
func printArrow(t *testing.T, mem *DB, schema *arrow.Schema, recs []arrow.RecordBatch) string {
	t.Helper()
	ctx := context.Background()
	conn, err := mem.wh.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rr, err := array.NewRecordReader(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	// The view lives on this connection only, so print it on the same one.
	var b strings.Builder
	release := func() {}
	err = conn.Raw(func(dc any) error {
		c := dc.(*duckdb.Conn)
		a, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		release, err = a.RegisterView(rr, "arrow_back")
		return err
	})
	if err == nil {
		_, err = runConn(ctx, conn, "SELECT * FROM arrow_back", &b, Options{Format: FormatCSV})
		release()
	}
	if err != nil {
		t.Fatalf("print the Arrow batches with DuckDB: %v", err)
	}
	return b.String()
}

// TestRunParquetRefuses checks the clear errors for what Parquet cannot
// hold.
func TestRunParquetRefuses(t *testing.T) {
	db := fixtureDB(t)
	for _, tc := range []struct{ query, want string }{
		{`SELECT -INTERVAL '36 hours' AS iv`, "column iv: Parquet files do not support negative intervals"},
		{`SELECT union_value(n := 2)::UNION(n INTEGER, s VARCHAR) AS u`, "cast such columns"},
	} {
		_, err := Run(context.Background(), db, tc.query, io.Discard, Options{Format: FormatParquet})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%q, parquet) error = %v; want one containing %q", tc.query, err, tc.want)
		}
	}
}

func TestRunBinaryNeedsNoTerminalButAStream(t *testing.T) {
	// Writing to a plain io.Writer (a pipe with --out -) works and produces
	// the format's magic bytes.
	db := fixtureDB(t)
	for f, magic := range map[Format]string{FormatParquet: "PAR1", FormatArrow: "ARROW1"} {
		out, _ := runString(t, db, messagesSQL, Options{Format: f})
		if !strings.HasPrefix(out, magic) || !strings.HasSuffix(out, magic) {
			t.Errorf("Run(%s) output starts %q and ends %q; want the %s magic at both ends", f, out[:8], out[len(out)-8:], magic)
		}
	}
}
