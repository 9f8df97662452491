package queries

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// ErrNoWarehouse reports that there is no database file to query.
var ErrNoWarehouse = errors.New("no warehouse")

// Open opens the warehouse file at path the way analysts' SQL runs on it:
// read-only and sandboxed (no other files, no extensions, configuration
// locked). A missing file is ErrNoWarehouse, never a new empty database.
// A file that another process holds for writing is warehouse.ErrLocked.
func Open(ctx context.Context, path string) (*warehouse.DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("%w: queries need a warehouse file, not %q", ErrNoWarehouse, path)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w at %s: run `aftermath ingest export PATH` first, or pass --db", ErrNoWarehouse, path)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	case fi.IsDir():
		return nil, fmt.Errorf("%w at %s: it is a directory; pass the warehouse file with --db", ErrNoWarehouse, path)
	}
	return warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true, Sandbox: true})
}
