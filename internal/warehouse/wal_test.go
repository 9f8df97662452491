package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// walOf writes a database at path whose last transactions are only in its
// write-ahead log (no checkpoint on close), as a killed writer leaves it.
func walOf(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"CREATE TABLE t(x INT, s VARCHAR)",
		"CHECKPOINT",
		"PRAGMA disable_checkpoint_on_shutdown",
		"SET checkpoint_threshold = '1GB'",
		"INSERT INTO t SELECT i, repeat('x', 100) FROM range(20000) r(i)",
		"INSERT INTO t SELECT i, repeat('y', 100) FROM range(20000) r(i)",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path + ".wal"); err != nil || st.Size() < 1000 {
		t.Fatalf("no write-ahead log left: %v", err)
	}
}

// A write-ahead log whose checksums fail (bytes flipped inside an entry)
// makes DuckDB refuse the database. The error names the log and says how
// to recover (docs/faults.md), and following it opens the warehouse as of
// its last checkpoint.
func TestDamagedWALErrorSaysWhatToDo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	walOf(t, path)
	wal := path + ".wal"
	f, err := os.OpenFile(wal, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	if _, err := f.WriteAt([]byte{0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef}, st.Size()/2); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, readOnly := range []bool{true, false} {
		_, err := Open(context.Background(), path, Options{ReadOnly: readOnly, Migrations: os.DirFS(t.TempDir())})
		if !errors.Is(err, ErrWALDamaged) {
			t.Fatalf("Open(read-only %v) of a database with a damaged log = %v; want ErrWALDamaged", readOnly, err)
		}
		for _, want := range []string{wal, "mv " + wal + " " + wal + ".damaged", "docs/faults.md"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the error does not say %q:\n%v", want, err)
			}
		}
	}
	if err := os.Rename(wal, wal+".damaged"); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("after moving the log aside: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("after moving the log aside the table holds %d rows (%v); want the checkpointed 0", n, err)
	}
}
