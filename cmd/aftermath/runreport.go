package main

import (
	"context"
	"path/filepath"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/nightly"
	"github.com/aftermath-dev/aftermath/internal/remote"
	"github.com/aftermath-dev/aftermath/reports"
)

// reportStep writes the weekly report (the last complete week) into
// publish.reports, as `aftermath report` does.
func reportStep(d *deps, w *writer, cfg *config.Config) nightly.Step {
	return nightly.Step{Name: "report", Needs: []string{"transform"}, Disabled: !cfg.Run.Report,
		Run: func(ctx context.Context) (nightly.Counts, error) {
			ro := reports.OptionsFrom(cfg)
			ro.Out, ro.Now, ro.Log, ro.Committed = cfg.Path(cfg.Publish.Reports), d.now, d.log, d.committed
			dest := cfg.Publish.Reports
			if config.IsObjectURL(dest) {
				// Written locally beside the warehouse, then uploaded.
				ro.Out = filepath.Join(filepath.Dir(d.dbPath), "reports")
			}
			res, err := reports.Run(ctx, w.db.DB, ro)
			if err != nil {
				return nil, err
			}
			if config.IsObjectURL(dest) {
				week := filepath.Base(res.Dir)
				files := make([]string, 0, len(res.Files)+1)
				for _, f := range res.Files {
					files = append(files, filepath.Join(week, f))
				}
				if err := remote.UploadTree(ctx, dest, ro.Out, append(files, "index.html")); err != nil {
					return nil, err
				}
				d.log.Info("report uploaded", "week", res.Label, "to", remote.Redact(dest))
			}
			d.log.Info("report written", "week", res.Label, "dir", res.Dir, "incidents", res.Report.Headline.Incidents)
			return nightly.Counts{"report_files": int64(len(res.Files)), "report_incidents": int64(res.Report.Headline.Incidents)}, nil
		}}
}
