package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/snapshot"
)

type publishOptions struct {
	rollback bool
}

func newPublishCmd(d *deps) *cobra.Command {
	opts := &publishOptions{}
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Publish the analysts' snapshot of the warehouse now, or roll it back",
		Long: `Copy the warehouse into the read-only snapshot analysts query (COPY FROM
DATABASE into a temporary file beside it, then an atomic rename). Every
writing command already does this when it succeeds; publish is for after
--no-publish, or to republish with new privacy settings.

Readers of the old snapshot keep their view until they close it; new
readers see the new one. The last publish.keep snapshots are kept in
SNAPSHOT.history/, and --rollback puts the previous one back (again to go
further back).

The snapshot is publish.snapshot, by default NAME.snapshot.duckdb beside the
warehouse. Any DuckDB client can open it read-only:
  duckdb -readonly aftermath.snapshot.duckdb`,
		Example: `  aftermath publish
  aftermath publish --rollback`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPublish(cmd.Context(), d, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.rollback, "rollback", false, "restore the previously published snapshot")
	return cmd
}

func runPublish(ctx context.Context, d *deps, opts *publishOptions) error {
	w, err := d.openWriter(ctx, "aftermath publish", false)
	if err != nil {
		return err
	}
	if opts.rollback {
		dest := w.cfg.SnapshotPath(d.dbPath)
		restored, err := snapshot.Rollback(dest)
		if err == nil {
			fmt.Fprintf(d.stderr, "snapshot %s rolled back to %s\n", dest, restored)
		}
		return w.close(err)
	}
	_, err = w.publish(ctx)
	return w.close(err)
}
