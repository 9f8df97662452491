//go:build duckdb_arrow

package queries

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// arrowEnabled reports whether this build has the driver's Arrow API.
const arrowEnabled = true

// queryArrow runs query on c and returns its result as Arrow batches.
// The driver's Arrow API is behind the duckdb_arrow build tag.
func queryArrow(ctx context.Context, c *duckdb.Conn, query string) (array.RecordReader, error) {
	a, err := duckdb.NewArrowFromConn(c)
	if err != nil {
		return nil, err
	}
	return a.QueryContext(ctx, query)
}
