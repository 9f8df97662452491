package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// count counts t's rows in the file at path in a new process, as an
// analyst would: DuckDB caches open databases by path within a process.
func count(t *testing.T, path string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCountHelper$")
	cmd.Env = append(os.Environ(), "SNAPSHOT_COUNT="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("count %s: %v %s", path, err, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("count %s: %q", path, out)
	}
	return n
}

func TestCountHelper(t *testing.T) {
	path := os.Getenv("SNAPSHOT_COUNT")
	if path == "" {
		t.Skip("helper process for count")
	}
	fmt.Println(countHere(t, path))
	os.Exit(0)
}

func countHere(t *testing.T, path string) int {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func clock() func() time.Time {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	return func() time.Time { now = now.Add(time.Minute); return now }
}

// Readers of the old snapshot keep their view, new readers see the new one,
// and rollback brings the previous one back.
func TestPublishReadersAndRollback(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.Open(t)
	dest := filepath.Join(t.TempDir(), "pub", "aftermath.snapshot.duckdb")
	opts := Options{Keep: 3, Now: clock()}
	if _, err := db.Exec(`CREATE TABLE t(x INT); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(ctx, db.DB, dest, opts); err != nil {
		t.Fatal(err)
	}
	reader, err := warehouse.Open(ctx, dest, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var before int
	reader.QueryRow(`SELECT count(*) FROM t`).Scan(&before)

	if _, err := db.Exec(`INSERT INTO t VALUES (2)`); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(ctx, db.DB, dest, opts); err != nil {
		t.Fatalf("Publish while a reader holds the old snapshot: %v", err)
	}
	var after int
	if err := reader.QueryRow(`SELECT count(*) FROM t`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if before != 1 || after != 1 {
		t.Errorf("open reader saw %d then %d rows; want 1 and 1 (its own view)", before, after)
	}
	if n := count(t, dest); n != 2 {
		t.Errorf("new reader sees %d rows; want 2", n)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	restored, err := Rollback(dest)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, dest); n != 1 {
		t.Errorf("after Rollback (to %s) a reader sees %d rows; want 1", restored, n)
	}
	if _, err := Rollback(dest); !errors.Is(err, ErrNoSnapshot) {
		t.Errorf("second Rollback = %v; want ErrNoSnapshot", err)
	}
}

func TestPublishKeepsLastN(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.Open(t)
	dest := filepath.Join(t.TempDir(), "s.duckdb")
	db.Exec(`CREATE TABLE t(x INT)`)
	opts := Options{Keep: 2, Now: clock()}
	for i := range 4 {
		db.Exec(`INSERT INTO t VALUES (?)`, i)
		if _, err := Publish(ctx, db.DB, dest, opts); err != nil {
			t.Fatal(err)
		}
	}
	h, err := History(dest)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 {
		t.Fatalf("History = %v; want 2 entries", h)
	}
	if n := count(t, h[1]); n != 4 {
		t.Errorf("newest history entry has %d rows; want 4", n)
	}
	if n := count(t, h[0]); n != 3 {
		t.Errorf("older history entry has %d rows; want 3", n)
	}
}

// Replaced columns never reach the snapshot file, not even in freed blocks.
func TestPublishReplaceKeepsValuesOut(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.Open(t)
	dest := filepath.Join(t.TempDir(), "s.duckdb")
	const canary = "CANARY-7f3a-secret-outage-words"
	if _, err := db.Exec(`CREATE TABLE t(x INT, body VARCHAR);
		INSERT INTO t SELECT i, ? || i FROM range(1000) r(i)`, canary); err != nil {
		t.Fatal(err)
	}
	_, err := Publish(ctx, db.DB, dest, Options{Replace: map[string]string{"t.body": "sha256(body)"}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "CANARY") {
		t.Errorf("snapshot file holds the canary bytes")
	}
	if n := count(t, dest); n != 1000 {
		t.Errorf("snapshot has %d rows; want 1000", n)
	}
}

// Publishing caps DuckDB's memory to publishMemoryLimit for the copy (a
// 1M-message warehouse went over 1 GiB without it) and puts the writer's
// own limit back afterwards; a limit already lower is left alone.
func TestPublishCapsMemoryAndRestoresIt(t *testing.T) {
	ctx := context.Background()
	for _, limit := range []string{"2GB", "128MB"} {
		db := warehousetest.Open(t)
		if _, err := db.Exec(`SET memory_limit = '` + limit + `'; CREATE TABLE t(x INT); INSERT INTO t VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		var before, after string
		db.QueryRow(`SELECT current_setting('memory_limit')`).Scan(&before)
		opts := Options{Keep: 1, Now: clock(), MemoryLimit: limit}
		if _, err := Publish(ctx, db.DB, filepath.Join(t.TempDir(), "s.duckdb"), opts); err != nil {
			t.Fatal(err)
		}
		db.QueryRow(`SELECT current_setting('memory_limit')`).Scan(&after)
		if after != before {
			t.Errorf("memory_limit %s: %q before Publish, %q after; want it restored", limit, before, after)
		}
	}
}
