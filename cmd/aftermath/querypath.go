package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/aftermath-dev/aftermath/internal/lock"
	"github.com/aftermath-dev/aftermath/queries"
)

// queryPath is the file analysts' SQL reads: the published snapshot, or
// with live the working warehouse, provided no writer holds it.
func (d *deps) queryPath(live bool) (string, error) {
	if live {
		if err := lock.Check(d.dbPath); err != nil {
			return "", fmt.Errorf("--live: %w; query the published snapshot instead (drop --live)", err)
		}
		return d.dbPath, nil
	}
	cfg, err := d.config()
	if err != nil {
		return "", err
	}
	path := cfg.SnapshotPath(d.dbPath)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(d.dbPath); errors.Is(err, fs.ErrNotExist) {
			return "", usageError{fmt.Errorf("%w at %s: run `aftermath ingest export PATH` first, or pass --db", queries.ErrNoWarehouse, d.dbPath)}
		}
		return "", usageError{fmt.Errorf("%w: no published snapshot at %s yet: run `aftermath publish`, or read the working file with --live", queries.ErrNoWarehouse, path)}
	}
	return path, nil
}
