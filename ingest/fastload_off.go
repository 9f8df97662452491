//go:build !duckdb_arrow

package ingest

import (
	"context"
	"database/sql"
	"errors"
)

// fastLoadAvailable: without the duckdb_arrow tag there is no Arrow API,
// so the first load lets DuckDB read the day files (first_load_messages).
const fastLoadAvailable = false

// fastFileLimit is unused without the Arrow API.
const fastFileLimit = 0

// fastFirstLoad is unreachable without the Arrow API.
func fastFirstLoad(context.Context, *sql.Conn, *sql.Tx, []string, []string, Bounds, mergeArgs) (int64, int64, error) {
	return 0, 0, errors.New("ingest: built without the duckdb_arrow tag")
}
