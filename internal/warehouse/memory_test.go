package warehouse

import (
	"context"
	"database/sql"
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

func TestCapThreadsLowersAndRestores(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	threads := func() (n int64) {
		t.Helper()
		if err := conn.QueryRowContext(ctx, `SELECT current_setting('threads')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := conn.ExecContext(ctx, `SET threads = 3`); err != nil {
		t.Fatal(err)
	}
	restore, err := CapThreads(ctx, conn, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := threads(); got != 1 {
		t.Errorf("threads after CapThreads(1) = %d; want 1", got)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if got := threads(); got != 3 {
		t.Errorf("threads after restore = %d; want 3", got)
	}
	// Never raised.
	restore, err = CapThreads(ctx, conn, 8)
	if err != nil {
		t.Fatal(err)
	}
	if got := threads(); got != 3 {
		t.Errorf("threads after CapThreads(8) = %d; want 3 (never raised)", got)
	}
	restore()
}
