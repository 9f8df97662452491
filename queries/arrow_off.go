//go:build !duckdb_arrow

package queries

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowEnabled reports whether this build has the driver's Arrow API.
const arrowEnabled = false

func queryArrow(ctx context.Context, c *duckdb.Conn, query string) (array.RecordReader, error) {
	return nil, errNoArrow
}
