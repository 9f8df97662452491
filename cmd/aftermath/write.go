package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/lock"
	"github.com/aftermath-dev/aftermath/internal/remote"
	"github.com/aftermath-dev/aftermath/internal/snapshot"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// publishFlags are the flags every writing command shares.
type publishFlags struct {
	noPublish bool
}

func (f *publishFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.noPublish, "no-publish", false, "do not republish the analysts' snapshot afterwards")
}

// writer is a writing command's hold on the warehouse: the lock, then the
// database opened for writing.
type writer struct {
	d       *deps
	cfg     *config.Config
	lock    *lock.Lock
	db      *warehouse.DB
	created bool // the command created the database file
}

// errNoWarehouse is a command other than ingest pointed at a missing file.
var errNoWarehouse = errors.New("no warehouse")

// openWriter takes the warehouse lock as command, then opens the database
// for writing. Only ingest may create the file (create); every other
// command refuses a missing one rather than work on an empty warehouse.
func (d *deps) openWriter(ctx context.Context, command string, create bool) (*writer, error) {
	cfg, err := d.config()
	if err != nil {
		return nil, err
	}
	_, statErr := os.Stat(d.dbPath)
	exists := statErr == nil
	if !exists && !errors.Is(statErr, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", d.dbPath, statErr)
	}
	if !exists && !create {
		return nil, usageError{fmt.Errorf("%w at %s: create one with `aftermath ingest export PATH` or `aftermath ingest slack`, or pass --db FILE", errNoWarehouse, d.dbPath)}
	}
	l, err := lock.Acquire(d.dbPath, lock.Current(command, d.now()))
	if err != nil {
		return nil, err
	}
	if h := l.Abandoned; h != nil {
		d.log.Warn("taking over the lock of a run that did not finish (killed or crashed); its committed work is kept",
			"pid", h.PID, "host", h.Host, "command", h.Command, "since", h.Since)
	}
	db, err := warehouse.Open(ctx, d.dbPath, warehouse.Options{Migrations: migrations.FS, MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		l.Release()
		if !exists {
			removeDB(d.dbPath)
		}
		return nil, err
	}
	return &writer{d: d, cfg: cfg, lock: l, db: db, created: !exists}, nil
}

// publish copies the warehouse into the analysts' snapshot.
func (w *writer) publish(ctx context.Context) (snapshot.Result, error) {
	dest := w.cfg.SnapshotPath(w.d.dbPath)
	res, err := snapshot.Publish(ctx, w.db.DB, dest, snapshot.Options{
		Keep:        w.cfg.Publish.Keep,
		Now:         w.d.now,
		MemoryLimit: w.cfg.MemoryLimit,
		Committed:   w.d.committed,
		Privacy: snapshot.Privacy{
			RedactText:        w.cfg.Privacy.RedactText,
			Drop:              w.cfg.Privacy.RedactMode == "drop",
			PseudonymizeUsers: w.cfg.Privacy.PseudonymizeUsers,
		},
	})
	if err != nil {
		return res, err
	}
	if u := w.cfg.Publish.Snapshot; config.IsObjectURL(u) {
		if err := remote.UploadFile(ctx, u, res.Path); err != nil {
			return res, fmt.Errorf("publish snapshot: %w", err)
		}
		res.Path = remote.Redact(u)
	}
	fmt.Fprintf(w.d.stderr, "snapshot published: %s (%d bytes)\n", res.Path, res.Bytes)
	w.d.log.Info("snapshot published", "path", res.Path, "bytes", res.Bytes, "elapsed", res.Elapsed)
	return res, nil
}

// finish publishes after a command that succeeded (or finished with skips)
// unless told not to, then closes.
func (w *writer) finish(ctx context.Context, cmdErr error, pf publishFlags) error {
	if (cmdErr == nil || errors.Is(cmdErr, ingest.ErrPartial)) && !pf.noPublish {
		if _, err := w.publish(ctx); err != nil {
			cmdErr = errors.Join(cmdErr, err)
		}
	}
	return w.close(cmdErr)
}

// close closes the database and releases the lock. A database this command
// created and left empty because it failed is removed, so a failed first
// ingest leaves no file behind.
func (w *writer) close(cmdErr error) error {
	empty := false
	if w.created && cmdErr != nil && !errors.Is(cmdErr, ingest.ErrPartial) {
		empty = isEmpty(w.db.DB)
	}
	err := w.db.Close()
	if empty {
		removeDB(w.d.dbPath)
		os.Remove(lock.PathFor(w.d.dbPath))
	}
	return errors.Join(cmdErr, err, w.lock.Release())
}

// isEmpty reports whether ingest stored nothing in db.
func isEmpty(db *sql.DB) bool {
	var n int64
	err := db.QueryRow(`SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM channels) + (SELECT count(*) FROM users)`).Scan(&n)
	return err == nil && n == 0
}

func removeDB(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}
