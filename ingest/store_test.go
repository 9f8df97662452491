package ingest

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// The Web API path stages raw objects instead of files; the same message
// must store the same row either way.
func TestStageRawStoresLikeExport(t *testing.T) {
	fromFiles := warehousetest.Open(t)
	if _, err := ingestPath(t, fromFiles, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	// Feed the stored raw JSON back through stage_raw into a fresh warehouse.
	var ids, raws, origins []string
	for _, row := range warehouse.Rows(t, fromFiles.DB, `SELECT channel_id, raw::VARCHAR FROM messages ORDER BY channel_id, ts`) {
		id, raw, _ := strings.Cut(row, " | ")
		ids, raws, origins = append(ids, id), append(raws, raw), append(origins, "conversations.history")
	}
	fromAPI := warehousetest.Open(t)
	ctx := context.Background()
	conn, err := fromAPI.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	args := mergeArgs{now: testNow, runID: 1, source: "export"}
	if _, err := conn.ExecContext(ctx, step("set_ts_window", ""), SlackEpoch, testNow.Add(tsFuture)); err != nil {
		t.Fatal(err)
	}
	err = warehouse.InTx(ctx, conn, func(tx *sql.Tx) error {
		if err := stageRaw(ctx, tx, ids, raws, origins); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, step("stage_messages", sourceRaw)); err != nil {
			return err
		}
		_, err := mergeMessages(ctx, tx, args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	q := `SELECT COLUMNS(* EXCLUDE (ingested_at, updated_at, run_id, source))::VARCHAR FROM messages ORDER BY channel_id, ts`
	if diff := cmp.Diff(warehouse.Rows(t, fromFiles.DB, q), warehouse.Rows(t, fromAPI.DB, q)); diff != "" {
		t.Errorf("messages staged from raw objects differ from the export's (-export +raw):\n%s", diff)
	}
}
