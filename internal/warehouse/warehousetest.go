package warehouse

import (
	"context"
	"path/filepath"
	"testing"
)

// OpenTest opens a migrated warehouse in a file under t.TempDir() and closes
// it when the test ends. A file, not memory, so tests see the same storage,
// checkpoint and locking behaviour as the real thing.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.duckdb"), Options{})
	if err != nil {
		t.Fatalf("warehouse.OpenTest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("warehouse.OpenTest close: %v", err)
		}
	})
	return db
}
