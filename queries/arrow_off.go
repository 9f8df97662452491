//go:build !duckdb_arrow

package queries

import (
	"context"
	"database/sql"
	"io"
)

// arrowEnabled reports whether this build has the driver's Arrow API.
const arrowEnabled = false

// runArrow is unreachable without the tag: Run refuses parquet and arrow
// first, with ErrNoArrow.
func runArrow(ctx context.Context, conn *sql.Conn, query string, cols []column, w io.Writer, opts Options) (Result, error) {
	return Result{}, ErrNoArrow
}
