package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/hive"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

type exportParquetOptions struct {
	dir  string
	live bool
}

func newExportCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the warehouse out for other engines",
	}
	opts := &exportParquetOptions{}
	parquet := &cobra.Command{
		Use:   "parquet DIR",
		Short: "Write the raw and derived tables as Hive-partitioned Parquet, by month",
		Long: `Write every raw and derived table and the metric views into DIR as
Parquet, one folder per table. Tables with a time column (messages,
incidents, incident_events, incident_signals, incident_links,
incident_participants, ingest_runs, runs) are partitioned by its UTC month,
Hive style (DIR/messages/month=2026-11/data_0.parquet); the others are one
file each. Spark, Trino, BigQuery external tables, DuckDB and DuckLake read
it as it is.

It reads the published snapshot (so it never waits for the nightly job;
privacy settings apply), or the working file with --live. DIR is replaced
whole, atomically: a reader sees the previous export or the new one.
docs/scaling.md shows how to query it elsewhere.`,
		Example: `  aftermath export parquet /srv/lake/aftermath
  duckdb -c "SELECT count(*) FROM read_parquet('/srv/lake/aftermath/messages/**/*.parquet', hive_partitioning=true)"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.dir = args[0]
			return runExportParquet(cmd.Context(), d, opts)
		},
	}
	parquet.Flags().BoolVar(&opts.live, "live", false, "read the working warehouse instead of the published snapshot (only while no writer holds it)")
	cmd.AddCommand(parquet)
	return cmd
}

func runExportParquet(ctx context.Context, d *deps, opts *exportParquetOptions) error {
	path, err := d.queryPath(opts.live)
	if err != nil {
		return err
	}
	db, err := warehouse.Open(ctx, path, warehouse.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := hive.Export(ctx, db.DB, opts.dir)
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range tables {
		rows += t.Rows
	}
	fmt.Fprintf(d.stderr, "exported %d tables (%d rows) from %s to %s\n", len(tables), rows, path, opts.dir)
	return nil
}
