package transform

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// appendRows puts each value in the column it names, whatever the table's
// column order, and refuses a row that names other columns than the first.
func TestAppendRowsByColumnName(t *testing.T) {
	db := warehousetest.Open(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE durations (a BIGINT, b BIGINT, c VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(rows func(emitFunc) error) error {
		return conn.Raw(func(dc any) error { return appendRows(dc.(driver.Conn), "durations", rows) })
	}
	err = run(func(emit emitFunc) error {
		return emit(col{"c", "x"}, col{"b", int64(2)}, col{"a", int64(1)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(warehouse.Rows(t, db.DB, `SELECT a || ' ' || b || ' ' || c FROM durations`), ","); got != "1 2 x" {
		t.Errorf("appended row = %q; want %q", got, "1 2 x")
	}
	err = run(func(emit emitFunc) error {
		if err := emit(col{"a", int64(1)}, col{"b", int64(2)}); err != nil {
			return err
		}
		return emit(col{"b", int64(2)}, col{"a", int64(1)})
	})
	if want := "a row names column b where the first row named a"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("appendRows with swapped names: err = %v; want %q", err, want)
	}
	err = run(func(emit emitFunc) error {
		if err := emit(col{"a", int64(1)}); err != nil {
			return err
		}
		return emit(col{"a", int64(1)}, col{"b", int64(2)})
	})
	if want := fmt.Sprintf("a row names %d columns, not the %d of the first row", 2, 1); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("appendRows with an extra column: err = %v; want %q", err, want)
	}
}
