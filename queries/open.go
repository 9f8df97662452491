package queries

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// ErrNoWarehouse reports that there is no database file to query.
var ErrNoWarehouse = errors.New("no warehouse")

// The limits a query runs under unless the configuration says otherwise.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultMemoryLimit = "2GB"
	DefaultThreads     = 2
	DefaultMaxSQLBytes = 16 << 20
)

// Limits bound what one analyst's query may take.
type Limits struct {
	// Timeout cancels a statement that runs longer (DuckDB is interrupted);
	// Run then returns a *TimeoutError. 0 means no timeout.
	Timeout time.Duration
	// MemoryLimit is DuckDB's memory_limit ("2GB"). The sandbox has no
	// temporary directory, so a query that needs more fails instead of
	// spilling to disk. "" means DefaultMemoryLimit.
	MemoryLimit string
	// Threads caps DuckDB's worker threads; 0 means DefaultThreads.
	Threads int
	// MaxSQLBytes refuses longer SQL text with ErrSQLTooLarge; 0 means
	// DefaultMaxSQLBytes.
	MaxSQLBytes int
}

// DefaultLimits returns the limits used when the configuration sets none.
func DefaultLimits() Limits {
	return Limits{Timeout: DefaultTimeout, MemoryLimit: DefaultMemoryLimit, Threads: DefaultThreads, MaxSQLBytes: DefaultMaxSQLBytes}
}

func (l Limits) withDefaults() Limits {
	if l.MemoryLimit == "" {
		l.MemoryLimit = DefaultMemoryLimit
	}
	if l.Threads <= 0 {
		l.Threads = DefaultThreads
	}
	if l.MaxSQLBytes <= 0 {
		l.MaxSQLBytes = DefaultMaxSQLBytes
	}
	return l
}

// DB is a database opened for analysts' SQL. Run is the only way to query
// it, so every statement gets the sandbox's checks and the limits.
type DB struct {
	wh     *warehouse.DB
	limits Limits
}

// Open is how every command that runs user SQL opens a database: the
// working warehouse (`aftermath query --live`), a published snapshot, or any
// other DuckDB file aftermath wrote. It takes only the file's path and the
// limits, and gives back a database that Run queries:
//
//   - read-only (DuckDB's access_mode READ_ONLY; the file is never migrated);
//   - sandboxed: once the file is open, DuckDB's local file system is
//     disabled, external access is off and there is no temporary directory,
//     so no statement can read or write any file, the database's own .wal
//     and .tmp included; then the configuration is locked so no statement
//     can undo that or the limits;
//   - bounded: lim.MemoryLimit and lim.Threads are DuckDB settings fixed for
//     the database's life, lim.Timeout and lim.MaxSQLBytes apply to each Run.
//
// Run adds the statement check: only statements DuckDB prepares as SELECT
// run (DESCRIBE, SHOW, SUMMARIZE, PIVOT … IN and table functions such as
// pragma_table_info() included), one statement per call.
//
// A missing file or a directory is ErrNoWarehouse, never a new empty
// database. A file that another process holds for writing is
// warehouse.ErrLocked. Close the DB when done.
func Open(ctx context.Context, path string, lim Limits) (*DB, error) {
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
	lim = lim.withDefaults()
	wh, err := warehouse.Open(ctx, path, warehouse.Options{
		ReadOnly:    true,
		Sandbox:     true,
		MemoryLimit: lim.MemoryLimit,
		Threads:     lim.Threads,
	})
	if err != nil {
		return nil, err
	}
	return &DB{wh: wh, limits: lim}, nil
}

// Limits returns the limits db was opened with, defaults filled in.
func (db *DB) Limits() Limits { return db.limits }

// Path is the database file.
func (db *DB) Path() string { return db.wh.Path }

// Close closes the database.
func (db *DB) Close() error { return db.wh.Close() }
