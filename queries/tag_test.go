package queries

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// TestBuiltWithArrowTag makes a test run without the duckdb_arrow build
// tag fail instead of silently skipping the parquet and arrow tests, which
// need it (make test and .ci/run set it). It also checks what a build
// without the tag says, so that message is tested in such a run.
func TestBuiltWithArrowTag(t *testing.T) {
	if arrowEnabled {
		return
	}
	db := openQueryDB(t, buildWarehouse(t, ""))
	for _, f := range []Format{FormatParquet, FormatArrow} {
		_, err := Run(context.Background(), db, `SELECT 1`, &bytes.Buffer{}, Options{Format: f})
		if !errors.Is(err, ErrNoArrow) || !strings.Contains(err.Error(), "duckdb_arrow") {
			t.Errorf("Run(%s) without the tag: error = %v; want one naming the duckdb_arrow tag", f, err)
		}
	}
	if out, _ := runString(t, db, `SELECT 1 AS n`, Options{Format: FormatCSV}); out != "n\n1\n" {
		t.Errorf("Run(csv) without the tag = %q; want it to work", out)
	}
	t.Fatal("built without the duckdb_arrow tag: the parquet and arrow tests did not run; use `make test` or go test -tags=duckdb_arrow")
}
