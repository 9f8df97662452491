// Package warehouse opens aftermath's DuckDB file and keeps its schema current.
//
// Every connection it hands out runs in UTC, so TIMESTAMPTZ values read and
// written by any stage mean the same instant whatever the host's zone is.
// Schema changes are numbered migrations that the caller passes in
// (Options.Migrations: the command passes queries/migrations.FS, so this
// plumbing does not depend on a stage), applied in order, one transaction
// each, and recorded in schema_migrations.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
)

// ErrLocked reports that another process holds the database file.
var ErrLocked = errors.New("database is locked by another process")

// ErrWALDamaged reports that DuckDB refused to open a database because its
// write-ahead log cannot be replayed (a checksum fails: the file was
// damaged after it was written). docs/faults.md has the recovery.
var ErrWALDamaged = errors.New("the write-ahead log is damaged")

// ErrTooNew reports a database written by a newer aftermath.
var ErrTooNew = errors.New("database schema is newer than this aftermath")

// Options say how to open the database.
type Options struct {
	// ReadOnly opens the file without write access and without migrating it.
	ReadOnly bool
	// Migrations are the numbered NNNN_name.sql schema changes a writable
	// open applies (queries/migrations.FS). Required unless ReadOnly.
	Migrations fs.FS
	// Sandbox, with ReadOnly, closes every file to DuckDB once the database
	// is open: no temporary directory (work that does not fit in MemoryLimit
	// fails instead of spilling), external access off, and the local file
	// system disabled, which also covers the paths DuckDB itself still
	// allows with external access off (the database file, its .wal and its
	// .tmp folder). Then it locks the configuration so a query cannot undo
	// any of it. It is how analysts' SQL runs; package queries adds the
	// statement-type check on top.
	Sandbox bool
	// MemoryLimit, if set, caps DuckDB's memory (for example "2GB").
	MemoryLimit string
	// Threads, if positive, caps DuckDB's worker threads.
	Threads int
}

// DB is an open warehouse.
type DB struct {
	*sql.DB
	// Path is the database file, or "" for an in-memory database.
	Path string
	// ReadOnly is true when the file was opened without write access.
	ReadOnly bool
	closed   bool
}

// Open opens (creating if needed) the DuckDB file at path, or an in-memory
// database when path is "" or ":memory:", and migrates it unless opts.ReadOnly.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == ":memory:" {
		path = ""
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open %s: database path must not contain '?' or '#'", path)
	}
	q := url.Values{}
	if opts.ReadOnly && path != "" {
		q.Set("access_mode", "READ_ONLY")
	}
	if opts.Sandbox && !opts.ReadOnly {
		return nil, fmt.Errorf("open %s: a sandbox must be read-only", path)
	}
	if opts.MemoryLimit != "" {
		q.Set("memory_limit", opts.MemoryLimit)
	}
	if opts.Threads > 0 {
		q.Set("threads", fmt.Sprint(opts.Threads))
	}
	dsn := path
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	var (
		mu     sync.Mutex
		locked bool // the sandbox's global settings are in place
	)
	connector, err := duckdb.NewConnector(dsn, func(execer driver.ExecerContext) error {
		stmts := []string{"SET TimeZone = 'UTC'"}
		if opts.Sandbox {
			mu.Lock()
			defer mu.Unlock()
			if locked {
				// Later connections inherit the global settings, time
				// zone included, and may change none of them.
				return nil
			}
			// Global settings, made once: after the lock they cannot be
			// made again. The order matters: DuckDB refuses to change
			// temp_directory once external access is off.
			stmts = append([]string{"SET GLOBAL TimeZone = 'UTC'"}, sandboxSQL...)
			locked = true
		}
		for _, s := range stmts {
			if _, err := execer.ExecContext(context.Background(), s, nil); err != nil {
				return fmt.Errorf("init connection: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, openError(path, err)
	}
	db := &DB{DB: sql.OpenDB(connector), Path: path, ReadOnly: opts.ReadOnly}
	if err := db.PingContext(ctx); err != nil {
		db.DB.Close()
		return nil, openError(path, err)
	}
	if !opts.ReadOnly {
		if opts.Migrations == nil {
			db.DB.Close()
			return nil, fmt.Errorf("open %s for writing: no migrations given", path)
		}
		if err := Migrate(ctx, db.DB, opts.Migrations); err != nil {
			db.DB.Close()
			return nil, err
		}
	}
	return db, nil
}

// sandboxSQL closes the files of a read-only database once it is open.
var sandboxSQL = []string{
	"SET temp_directory = ''",
	"SET enable_external_access = false",
	"SET disabled_filesystems = 'LocalFileSystem'",
	"SET lock_configuration = true",
}

var lockPID = regexp.MustCompile(`\(PID (\d+)\)`)

// openError turns DuckDB's lock conflict into ErrLocked, naming the holder.
func openError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock on file") || strings.Contains(msg, "Conflicting lock is held") {
		holder := "another process"
		if m := lockPID.FindStringSubmatch(msg); m != nil {
			holder = "process " + m[1]
		}
		return fmt.Errorf("open %s: %w (held by %s)", path, ErrLocked, holder)
	}
	if strings.Contains(msg, "Failure while replaying WAL file") {
		wal := path + ".wal"
		return fmt.Errorf("open %s: %w: DuckDB cannot replay %s (%v). To recover, move the log aside and rerun: mv %s %s.damaged; the warehouse then opens as of its last checkpoint, and the next ingest refetches from Slack or the export what the log held (see docs/faults.md)",
			path, ErrWALDamaged, wal, err, wal, wal)
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// Close checkpoints the write-ahead log into the file and closes it, so the
// file can be copied on its own afterwards.
// Closing twice is a no-op.
func (db *DB) Close() error {
	if db.closed {
		return nil
	}
	db.closed = true
	var errs []error
	if !db.ReadOnly && db.Path != "" {
		if _, err := db.ExecContext(context.Background(), "CHECKPOINT"); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint %s: %w", db.Path, err))
		}
	}
	if err := db.DB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close %s: %w", db.Path, err))
	}
	return errors.Join(errs...)
}

// InTx runs fn inside one transaction on one connection and commits it, or
// rolls it back when fn fails. Temporary tables created by fn are visible to
// fn only.
func InTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		rbErr := tx.Rollback()
		if ctx.Err() != nil {
			// database/sql marks the transaction done when ctx is cancelled,
			// but DuckDB may still hold it open on this connection, so later
			// transactions on it would fail or not commit. Drop the
			// connection: its next use reports sql.ErrConnDone, and the
			// caller takes a fresh one.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		if rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
