package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/reports"
)

type reportOptions struct {
	week      string
	from, to  string
	out       string
	formats   string
	postSlack string
	tokenFile string
	apiURL    string
}

func newReportCmd(d *deps) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [--week YYYY-Www | --from DATE --to DATE] [--out DIR]",
		Short: "Write the weekly reliability report (HTML, Markdown, JSON, CSV)",
		Long: `Write the weekly reliability report from the derived tables: headline
figures with their n, medians and p90s with bootstrap intervals, shares
within target with Wilson intervals, the comparison with the previous weeks,
charts, breakdowns, follow-up, data quality and the rules behind every
number. See docs/report.md.

It writes OUT/<YYYY-Www>/report.html, report.md, report.json and
incidents.csv, and refreshes OUT/index.html. The week defaults to the last
complete ISO week in the configured time zone. Files are written into a
temporary folder and renamed into place: a failed or killed run leaves the
previous files as they were.

With --post-slack CHANNEL it also posts the headline to a Slack channel and
uploads report.html there (token from $SLACK_TOKEN or --token-file; scopes
chat:write and files:write).`,
		Example: `  aftermath report
  aftermath report --week 2026-W47 --out reports
  aftermath report --from 2026-11-01 --to 2026-11-30 --format html,md
  aftermath report --post-slack C0123456789`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.week, "week", "", "ISO week to report on, e.g. 2026-W47 (default: the last complete week)")
	f.StringVar(&opts.from, "from", "", "first day of a custom range (YYYY-MM-DD), with --to")
	f.StringVar(&opts.to, "to", "", "last day of a custom range (YYYY-MM-DD), with --from")
	f.StringVar(&opts.out, "out", "reports", "folder that holds one folder per week and index.html")
	f.StringVar(&opts.formats, "format", strings.Join(reports.Formats, ","), "formats to write: html,md,json,csv")
	f.StringVar(&opts.postSlack, "post-slack", "", "also post the headline and upload report.html to this Slack channel (ID or name)")
	f.StringVar(&opts.tokenFile, "token-file", "", "with --post-slack: read the bot token from this file instead of $SLACK_TOKEN")
	f.StringVar(&opts.apiURL, "api-url", "", "with --post-slack: Slack Web API base URL (default slack.api_url)")
	cmd.MarkFlagsMutuallyExclusive("week", "from")
	cmd.MarkFlagsMutuallyExclusive("week", "to")
	return cmd
}

func runReport(ctx context.Context, d *deps, opts *reportOptions) error {
	cfg, err := d.config()
	if err != nil {
		return err
	}
	ro := reports.OptionsFrom(cfg)
	ro.Week, ro.From, ro.To, ro.Out = opts.week, opts.from, opts.to, opts.out
	ro.Now, ro.Log, ro.Committed = d.now, d.log, d.committed
	for _, f := range strings.Split(opts.formats, ",") {
		if f = strings.TrimSpace(f); f != "" {
			ro.Formats = append(ro.Formats, f)
		}
	}
	var token string
	if opts.postSlack != "" {
		if token, _, err = slackToken(d, opts.tokenFile); err != nil {
			return err
		}
		if !containsFormat(ro.Formats, "html") {
			return usagef("--post-slack uploads report.html: keep html in --format")
		}
	}
	// The report writes no table, but it takes the writers' lock so it
	// never reads a warehouse halfway through a transform.
	w, err := d.openWriter(ctx, "aftermath report", false)
	if err != nil {
		return err
	}
	res, err := reports.Run(ctx, w.db.DB, ro)
	err = w.close(err)
	if errors.Is(err, reports.ErrUsage) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	for _, f := range res.Files {
		fmt.Fprintln(d.stdout, filepath.Join(res.Dir, f))
	}
	d.log.Info("report written", "week", res.Label, "dir", res.Dir, "incidents", res.Report.Headline.Incidents)
	if opts.postSlack == "" {
		return nil
	}
	api := opts.apiURL
	if api == "" {
		api = cfg.Slack.APIURL
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	err = reports.PostSlack(ctx, reports.SlackOptions{Token: token, APIURL: api, HTTPClient: d.httpClient, Channel: opts.postSlack,
		HTMLPath: filepath.Join(res.Dir, "report.html")}, res.Report)
	if err != nil {
		return err
	}
	d.log.Info("report posted to Slack", "channel", opts.postSlack)
	return nil
}

func containsFormat(fs []string, f string) bool {
	if len(fs) == 0 {
		return true
	}
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
