package ingest

import (
	"errors"
	"strings"
	"syscall"

	"github.com/duckdb/duckdb-go/v2"
)

// storageFailed reports whether err is the warehouse failing to write
// (its disk is full, a file too large, DuckDB's storage invalidated), not
// a problem of the input being stored. Such an error ends the run with
// exit 1: skipping the file or channel being stored would name good input
// as bad, and every later write would fail the same way.
func storageFailed(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeFatal {
		return true
	}
	// DuckDB reports the system error as text, typed as the statement's
	// failure ("TransactionContext Error: Failed to commit: Could not
	// write file …: No space left on device").
	msg := err.Error()
	for _, s := range []string{"No space left on device", "File too large", "Disk quota exceeded", "Could not write file", "database has been invalidated"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
