package warehouse

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"953.6 MiB", 999922073, true},
		{"1.5 GiB", 3 << 29, true},
		{"512.0 KiB", 512 << 10, true},
		{"0 bytes", 0, true},
		{"lots", 0, false},
		{"3 parsecs", 0, false},
	} {
		got, ok := ParseSize(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestDisableCompressionAddsAndRestores(t *testing.T) {
	ctx := context.Background()
	// A file: DuckDB does not compress an in-memory database.
	db, err := sql.Open("duckdb", filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// DuckDB prints the list in its own order and case.
	disabled := func() string {
		t.Helper()
		var s string
		if err := conn.QueryRowContext(ctx, `SELECT current_setting('disabled_compression_methods')`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		l := strings.Split(strings.ToLower(s), ",")
		slices.Sort(l)
		return strings.Join(l, ",")
	}
	for _, prev := range []string{"", "zstd"} {
		if _, err := conn.ExecContext(ctx, "SET disabled_compression_methods = '"+prev+"'"); err != nil {
			t.Fatal(err)
		}
		restore, err := DisableCompression(ctx, conn, "dictionary")
		if err != nil {
			t.Fatal(err)
		}
		want := "dictionary"
		if prev != "" {
			want = "dictionary," + prev
		}
		if got := disabled(); got != want {
			t.Errorf("after DisableCompression(dictionary) from %q: %q; want %q", prev, got, want)
		}
		if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE t AS SELECT 'channel-' || (i % 3) AS s FROM range(200000) r(i)`); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `CHECKPOINT`); err != nil {
			t.Fatal(err)
		}
		var dict int64
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pragma_storage_info('t') WHERE compression = 'Dictionary'`).Scan(&dict); err != nil {
			t.Fatal(err)
		}
		if dict != 0 {
			t.Errorf("%d segments compressed with the disabled method", dict)
		}
		if err := restore(); err != nil {
			t.Fatal(err)
		}
		if got := disabled(); got != prev {
			t.Errorf("after restore: %q; want %q", got, prev)
		}
	}
}
