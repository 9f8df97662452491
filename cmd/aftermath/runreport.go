package main

import (
	"context"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/nightly"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// weeklyReporter writes the weekly report of db into dir. It is the seam
// for the report stage (package reports, branch report): until that package
// is merged, deps.reporter is nil and the run's report step says so and
// is recorded as disabled.
type weeklyReporter interface {
	WriteReport(ctx context.Context, db *warehouse.DB, cfg *config.Config, dir string) (nightly.Counts, error)
}

func reportStep(d *deps, w *writer, cfg *config.Config) nightly.Step {
	step := nightly.Step{Name: "report", Needs: []string{"transform"}, Disabled: !cfg.Run.Report}
	if d.reporter == nil {
		if cfg.Run.Report {
			d.log.Warn("this aftermath has no report stage yet; the run's report step is disabled")
		}
		step.Disabled = true
		return step
	}
	step.Run = func(ctx context.Context) (nightly.Counts, error) {
		return d.reporter.WriteReport(ctx, w.db, cfg, cfg.Path(cfg.Publish.Reports))
	}
	return step
}
