// Package warehousetest opens real, migrated warehouses for tests.
package warehousetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// Open opens a warehouse migrated with the product's migrations, in a file
// under t.TempDir(), and closes it when the test ends. A file, not memory,
// so tests see the same storage, checkpoint and locking behaviour as the
// real thing.
func Open(t testing.TB) *warehouse.DB {
	t.Helper()
	db, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "test.duckdb"), warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatalf("warehousetest.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("warehousetest.Open close: %v", err)
		}
	})
	return db
}
