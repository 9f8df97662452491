package main

import (
	"context"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/nightly"
	"github.com/aftermath-dev/aftermath/reports"
)

// reportStep writes the weekly report (the last complete week) into
// publish.reports, as `aftermath report` does.
func reportStep(d *deps, w *writer, cfg *config.Config) nightly.Step {
	return nightly.Step{Name: "report", Needs: []string{"transform"}, Disabled: !cfg.Run.Report,
		Run: func(ctx context.Context) (nightly.Counts, error) {
			ro := reports.OptionsFrom(cfg)
			ro.Out, ro.Now, ro.Log = cfg.Path(cfg.Publish.Reports), d.now, d.log
			res, err := reports.Run(ctx, w.db.DB, ro)
			if err != nil {
				return nil, err
			}
			d.log.Info("report written", "week", res.Label, "dir", res.Dir, "incidents", res.Report.Headline.Incidents)
			return nightly.Counts{"report_files": int64(len(res.Files)), "report_incidents": int64(res.Report.Headline.Incidents)}, nil
		}}
}
