package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// A publish killed after its copy was written (found by the fault harness,
// kill after "snapshot: copied") leaves .NAME.tmp-PID-N, as large as the
// warehouse, and its .wal. The next publish removes them; files of other
// snapshots in the folder stay.
func TestPublishRemovesAKilledPublishsTemporaryFiles(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.Open(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "w.snapshot.duckdb")
	if _, err := db.Exec(`CREATE TABLE t(x INT); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	dead := []string{".w.snapshot.duckdb.tmp-4242-1796595051035490564", ".w.snapshot.duckdb.tmp-4242-1796595051035490564.wal"}
	other := ".other.snapshot.duckdb.tmp-4242-1"
	for _, n := range append(dead, other) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("half a copy"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Publish(ctx, db.DB, dest, Options{Keep: 2, Now: clock()}); err != nil {
		t.Fatal(err)
	}
	for _, n := range dead {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s, left by a killed publish, is still there after the next publish", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, other)); err != nil {
		t.Errorf("the temporary file of another snapshot was touched: %v", err)
	}
	if n := count(t, dest); n != 1 {
		t.Errorf("the snapshot holds %d rows; want 1", n)
	}
}
