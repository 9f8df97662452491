package hive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// The export reads back equal to the tables it came from, partitioned by
// month where a table has a time column.
func TestExportRoundTrips(t *testing.T) {
	ctx := context.Background()
	db := warehousetest.Open(t)
	_, err := db.Exec(`
		INSERT INTO messages (channel_id, ts, user_id, text, posted_at, is_deleted, raw, source, ingested_at, updated_at, run_id)
		SELECT 'C' || (i % 3), (1790000000 + i * 86400)::VARCHAR || '.000100', 'U' || (i % 5), 'text ' || i || ' é ''quoted''',
			make_timestamptz((1790000000 + i * 86400)::BIGINT * 1000000), false, '{"a":' || i || '}', 'export', now(), now(), 1
		FROM range(100) r(i);
		INSERT INTO users (user_id, name, is_bot, is_app_user, deleted, raw, source, first_seen_at, updated_at, run_id)
		SELECT 'U' || i, 'user' || i, false, false, false, '{}', 'export', now(), now(), 1 FROM range(5) r(i);`)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "lake")
	tables, err := Export(ctx, db.DB, dir)
	if err != nil {
		t.Fatal(err)
	}
	// A second export replaces the first whole.
	if tables, err = Export(ctx, db.DB, dir); err != nil {
		t.Fatal(err)
	}
	months, _ := filepath.Glob(filepath.Join(dir, "messages", "month=*"))
	if len(months) < 3 {
		t.Errorf("messages split into %d month partitions; want one per month of 100 days (%v)", len(months), months)
	}
	if _, err := os.Stat(filepath.Join(dir, "users", "data_0.parquet")); err != nil {
		t.Errorf("users is not one file: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".lake*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary folders left: %v", leftovers)
	}
	checked := 0
	for _, tb := range tables {
		if tb.Rows == 0 {
			continue
		}
		exclude := ""
		if tb.PartitionBy != "" {
			exclude = " EXCLUDE (month)"
		}
		q := fmt.Sprintf(`SELECT
			(SELECT count(*) || md5(string_agg(x::VARCHAR, '|' ORDER BY x::VARCHAR)) FROM %s x),
			(SELECT count(*) || md5(string_agg(y::VARCHAR, '|' ORDER BY y::VARCHAR)) FROM (SELECT *%s FROM read_parquet(%s, hive_partitioning = true)) y)`,
			ident(tb.Name), exclude, literal(filepath.Join(dir, tb.Name, "**", "*.parquet")))
		var want, got string
		if err := db.QueryRow(q).Scan(&want, &got); err != nil {
			t.Fatalf("%s: %v", tb.Name, err)
		}
		if want != got {
			t.Errorf("%s: read back %s; want %s", tb.Name, got, want)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("checked %d tables with rows; want messages and users at least", checked)
	}
}
