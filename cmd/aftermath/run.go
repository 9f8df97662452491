package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/nightly"
)

type runOptions struct {
	tokenFile   string
	summaryFile string
	metricsFile string
	pub         publishFlags
}

func newRunCmd(d *deps) *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "The nightly job: ingest, transform, report, publish the snapshot, record the run",
		Long: `Run the nightly job. It takes the warehouse lock (a second writer exits 4 at
once, naming this one), then runs in order:

  ingest     new messages from the Slack Web API (run.ingest: slack), or the
             newest export in run.export_dir (run.ingest: export)
  transform  rebuild incidents, timelines and metrics
  report     write the weekly report into publish.reports
  publish    copy the warehouse into the analysts' snapshot

and records the run in the runs and run_steps tables. The run.* keys of the
configuration turn steps off. A step that fails stops the steps that depend
on it, and the error names the step.

Every step is safe to kill and repeat: a killed run followed by another
ends where one uninterrupted run ends, and the published snapshot is
always a complete earlier or later state.

Exit codes: 0 ok, 1 a step failed, 2 configuration, 3 some inputs were
skipped (named in the log and in ingest_skips), 4 another command holds the
lock, 5 Slack refused the token. docs/operations.md has cron, systemd and
Kubernetes set-ups.`,
		Example: `  aftermath run --config /etc/aftermath/config.yaml
  aftermath run --summary-file /var/log/aftermath/last-run.json \
    --metrics-file /var/lib/node_exporter/textfile_collector/aftermath.prom`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.tokenFile, "token-file", "", "read the Slack bot token from this file instead of $SLACK_TOKEN")
	f.StringVar(&opts.summaryFile, "summary-file", "", "write a JSON summary of the run to `FILE` (default run.summary_file)")
	f.StringVar(&opts.metricsFile, "metrics-file", "", "write Prometheus textfile-collector metrics to `FILE` (default run.metrics_file)")
	opts.pub.register(cmd)
	return cmd
}

func runRun(ctx context.Context, d *deps, opts *runOptions) error {
	cfg, err := d.config()
	if err != nil {
		return err
	}
	steps, w, err := nightlySteps(ctx, d, cfg, opts)
	if err != nil {
		return err
	}
	res := nightly.Run(ctx, steps, nightly.Options{
		Now:     d.now,
		Log:     d.log,
		Partial: func(err error) bool { return errors.Is(err, ingest.ErrPartial) },
	})
	code := exitCode(res.Err)
	rctx := context.WithoutCancel(ctx)
	runID, recErr := nightly.Record(rctx, w.db.DB, res, code)
	if recErr == nil && d.committed != nil {
		d.committed("run: recorded")
	}
	lastSuccess, lsErr := nightly.LastSuccess(rctx, w.db.DB)
	runErr := w.close(errors.Join(res.Err, recErr, lsErr))
	if runErr != nil && code == exitOK {
		code = exitCode(runErr)
	}
	fmt.Fprintf(d.stderr, "run %d %s in %s: %s\n", runID, res.Status(), res.Finished.Sub(res.Started).Round(time.Millisecond), stepLine(res))
	d.log.Info("run finished", "run_id", runID, "status", res.Status(), "exit_code", code, "elapsed", res.Finished.Sub(res.Started))
	sum := summarizeRun(res, runID, code, cfg.SnapshotPath(d.dbPath), lastSuccess)
	if err := writeRunOutputs(cfg, opts, sum); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

// stepLine is the run's steps for the human summary: ingest ok, transform
// failed, ...
func stepLine(res *nightly.Result) string {
	parts := make([]string, len(res.Steps))
	for i, s := range res.Steps {
		parts[i] = s.Name + " " + s.Status
	}
	return strings.Join(parts, ", ")
}

// nightlySteps takes the lock, opens the warehouse and lists the steps.
// Problems the configuration or flags can show are reported before the
// lock is taken.
func nightlySteps(ctx context.Context, d *deps, cfg *config.Config, opts *runOptions) ([]nightly.Step, *writer, error) {
	sel := selectionFlags{}
	selection, err := sel.selection(cfg)
	if err != nil {
		return nil, nil, err
	}
	var ingestRun func(ctx context.Context, w *writer) (nightly.Counts, error)
	switch cfg.Run.Ingest {
	case "slack":
		so, err := slackOptions(d, cfg, &ingestSlackOptions{tokenFile: opts.tokenFile})
		if err != nil {
			return nil, nil, err
		}
		so.Selection = selection
		ingestRun = func(ctx context.Context, w *writer) (nightly.Counts, error) {
			res, err := ingestSlack(ctx, d, w.db, so)
			return ingestCounts(res), err
		}
	case "export":
		dir := cfg.Path(cfg.Run.ExportDir)
		ingestRun = func(ctx context.Context, w *writer) (nightly.Counts, error) {
			path, err := newestExport(dir)
			if err != nil || path == "" {
				if path == "" && err == nil {
					d.log.Info("no export in the drop folder; nothing to ingest", "dir", dir)
				}
				return nil, err
			}
			res, err := ingestExport(ctx, d, w.db, cfg, path, selection)
			if res == nil {
				return nil, err
			}
			return ingestCounts(&ingest.SlackResult{Result: *res}), err
		}
	}
	w, err := d.openWriter(ctx, "aftermath run", cfg.Run.Ingest != "none")
	if err != nil {
		return nil, nil, err
	}
	steps := []nightly.Step{
		{Name: "ingest", Disabled: ingestRun == nil, Run: func(ctx context.Context) (nightly.Counts, error) {
			return ingestRun(ctx, w)
		}},
		{Name: "transform", Disabled: !cfg.Run.Transform, Needs: []string{"ingest"}, Run: func(ctx context.Context) (nightly.Counts, error) {
			sum, err := transformDB(ctx, d, w.db, cfg)
			if err != nil {
				return nil, err
			}
			return nightly.Counts{"incidents": int64(sum.Incidents), "incidents_open": int64(sum.Open),
				"incidents_resolved": int64(sum.Resolved), "messages": sum.Messages, "data_quality_notes": int64(sum.Problems)}, nil
		}},
		reportStep(d, w, cfg),
		{Name: "publish", Disabled: !cfg.Run.Publish || opts.pub.noPublish, Needs: []string{"ingest", "transform", "report"},
			Run: func(ctx context.Context) (nightly.Counts, error) {
				res, err := w.publish(ctx)
				return nightly.Counts{"snapshot_bytes": res.Bytes}, err
			}},
	}
	return steps, w, nil
}

func ingestCounts(res *ingest.SlackResult) nightly.Counts {
	if res == nil {
		return nil
	}
	c := res.Counts
	calls := 0
	for _, n := range c.APICalls {
		calls += n
	}
	return nightly.Counts{
		"channels_selected": int64(c.ChannelsSelected), "channels_skipped": int64(c.ChannelsSkipped),
		"files_skipped": int64(c.FilesSkipped), "messages_read": c.MessagesRead, "messages_new": c.MessagesNew,
		"messages_updated": c.MessagesUpdated, "messages_skipped": c.MessagesSkipped, "users": int64(c.Users),
		"api_calls": int64(calls), "rate_limited": int64(c.RateLimited), "retries": int64(c.Retries),
	}
}

// newestExport is the most recently modified .zip or folder in dir, or ""
// when there is none. Files being copied in should be dropped under a
// temporary name starting with "." and renamed when complete.
func newestExport(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", usagef("run.export_dir: %v", err)
	}
	type cand struct {
		path string
		mod  int64
	}
	var cands []cand
	for _, e := range entries {
		name := e.Name()
		if name[0] == '.' || !e.IsDir() && filepath.Ext(name) != ".zip" {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		cands = append(cands, cand{filepath.Join(dir, name), fi.ModTime().UnixNano()})
	}
	if len(cands) == 0 {
		return "", nil
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.mod != b.mod {
			return int(min(max(a.mod-b.mod, -1), 1))
		}
		return compareStrings(a.path, b.path)
	})
	return cands[len(cands)-1].path, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
