package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/transform"
)

func newTransformCmd(d *deps) *cobra.Command {
	var pub publishFlags
	cmd := &cobra.Command{
		Use:   "transform",
		Short: "Rebuild incidents, timelines and metrics from the raw tables",
		Long: `Rebuild the derived layer (incidents, incident_events, incident_signals,
incident_links, incident_participants, data_quality and the metric views)
from the raw tables, using the recognisers, vocabularies, service catalog
and repositories in the configuration.

It runs in one transaction: a kill leaves the previous derived layer as it
was, and running it twice gives the same tables.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTransform(cmd.Context(), d, pub)
		},
	}
	pub.register(cmd)
	return cmd
}

func runTransform(ctx context.Context, d *deps, pub publishFlags) error {
	w, err := d.openWriter(ctx, "aftermath transform", false)
	if err != nil {
		return err
	}
	_, err = transformDB(ctx, d, w.db, w.cfg)
	return w.finish(ctx, err, pub)
}

// transformDB rebuilds the derived layer of db and prints its summary.
func transformDB(ctx context.Context, d *deps, db *warehouse.DB, cfg *config.Config) (*transform.Summary, error) {
	bar := newProgress(d, "transform: messages", false)
	var progress func(done, total int64)
	if bar != nil {
		progress = func(done, total int64) { bar.set(done, total, "") }
	}
	sum, err := transform.Run(ctx, db, cfg, transform.Options{Now: d.now, Log: bar.logger(d), Progress: progress, Committed: d.committed})
	bar.finish()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(d.stderr, "transform run %d: %d incidents (%d resolved, %d open, %d excluded) from %d messages; %d data-quality notes\n",
		sum.RunID, sum.Incidents, sum.Resolved, sum.Open, sum.Excluded, sum.Messages, sum.Problems)
	if sum.ConfigChanged != "" {
		fmt.Fprintf(d.stderr, "transform: note: %s\n", sum.ConfigChanged)
	}
	return sum, nil
}
