// Package hive writes the warehouse out as Hive-partitioned Parquet, the
// scale-out path: Spark, Trino, BigQuery external tables, DuckDB and
// DuckLake all read it.
//
// Each table goes to DIR/TABLE/. Tables with a natural time column are
// partitioned by its UTC month (DIR/messages/month=2026-11/data_0.parquet);
// small tables and the metric views are one file each. The whole export is
// written into a temporary folder beside DIR and renamed into place, so a
// reader never sees half of it.
package hive

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// partitionBy names each partitioned table's time column, in order of
// preference (a column renamed by a later migration is listed under both
// names).
var partitionBy = map[string][]string{
	"messages":              {"posted_at"},
	"incidents":             {"started_at"},
	"incident_events":       {"occurred_at", "at"},
	"incident_signals":      {"occurred_at", "at"},
	"incident_links":        {"posted_at"},
	"incident_participants": {"first_at"},
	"ingest_runs":           {"started_at"},
	"runs":                  {"started_at"},
}

// skipped are bookkeeping tables that mean nothing outside the warehouse.
var skipped = []string{"schema_migrations", "snapshot_key", "slack_sync", "channel_state"}

// Table is one exported table or view.
type Table struct {
	Name        string
	PartitionBy string // "" when not partitioned
	Rows        int64
}

// Export writes every table and metric view of db into dir.
func Export(ctx context.Context, db *sql.DB, dir string) ([]Table, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tables, err := list(ctx, conn)
	if err != nil {
		return nil, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	for i, t := range tables {
		target := filepath.Join(tmp, t.Name)
		// COPY takes no parameters for its target: quoted literals, and
		// identifiers from the catalog.
		var q string
		if t.PartitionBy != "" {
			q = fmt.Sprintf(`COPY (SELECT *, coalesce(strftime(%s AT TIME ZONE 'UTC', '%%Y-%%m'), 'none') AS month FROM %s) TO %s (FORMAT parquet, PARTITION_BY (month), COMPRESSION zstd)`,
				ident(t.PartitionBy), ident(t.Name), literal(target))
		} else {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return nil, err
			}
			q = fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd)`, ident(t.Name), literal(filepath.Join(target, "data_0.parquet")))
		}
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Name, err)
		}
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM `+ident(t.Name)).Scan(&tables[i].Rows); err != nil {
			return nil, fmt.Errorf("export %s: %w", t.Name, err)
		}
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = fmt.Sprintf("%s.old-%d", dir, time.Now().UnixNano())
		if err := os.Rename(dir, old); err != nil {
			return nil, fmt.Errorf("export %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return nil, fmt.Errorf("export %s: %w", dir, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return tables, nil
}

// list names the tables and views to export, with their partition columns.
func list(ctx context.Context, conn *sql.Conn) ([]Table, error) {
	rows, err := conn.QueryContext(ctx, `
		SELECT t.name, list(c.column_name) FROM (
			SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database() AND NOT temporary
			UNION ALL
			SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND database_name = current_database() AND NOT internal AND NOT temporary
		) t JOIN duckdb_columns() c ON c.table_name = t.name AND c.schema_name = 'main' AND c.database_name = current_database()
		GROUP BY t.name ORDER BY t.name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []Table
	for rows.Next() {
		var name string
		var cols []any
		if err := rows.Scan(&name, &cols); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		if slices.Contains(skipped, name) {
			continue
		}
		t := Table{Name: name}
		for _, want := range partitionBy[name] {
			if slices.ContainsFunc(cols, func(c any) bool { return fmt.Sprint(c) == want }) {
				t.PartitionBy = want
				break
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func ident(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
