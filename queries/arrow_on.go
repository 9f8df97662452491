//go:build duckdb_arrow

package queries

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/duckdb/duckdb-go/v2"
)

// arrowEnabled reports whether this build has the driver's Arrow API.
const arrowEnabled = true

// runArrow runs query inside query() and writes its Arrow batches as
// Parquet or an Arrow IPC file. The driver's Arrow API is behind the
// duckdb_arrow build tag.
func runArrow(ctx context.Context, conn *sql.Conn, query string, cols []column, w io.Writer, opts Options) (Result, error) {
	var res Result
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("query: %T is not a DuckDB connection", dc)
		}
		a, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		rr, err := a.QueryContext(ctx, "SELECT * FROM query($1)", query)
		if err != nil {
			return sqlError(err)
		}
		defer rr.Release()
		res, err = writeBinary(rr, cols, w, opts)
		return err
	})
	return res, err
}
