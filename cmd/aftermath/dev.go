package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
)

func newDevCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "dev",
		Short:  "Developer tools: sample workspace generator and fake Slack Web API",
		Hidden: true,
	}
	cmd.AddCommand(newDevGenSampleCmd(d), newDevSlackServerCmd(d), newDevBenchCmd(d), newDevReadJSONCmd(d), newDevBenchSpliceCmd())
	return cmd
}

type devSlackServerOptions struct {
	from       string
	addr       string
	tierLimits bool
	shortPages bool
	token      string
}

func newDevSlackServerCmd(d *deps) *cobra.Command {
	opts := &devSlackServerOptions{}
	cmd := &cobra.Command{
		Use:   "slack-server --from DIR",
		Short: "Serve a Slack export as a fake Slack Web API on loopback",
		Long: `Serve the workspace in a Slack export folder as a fake Slack Web API, for
demos and tests of 'aftermath ingest slack'. The first line on stdout is the
base URL to pass as --api-url. It serves until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDevSlackServer(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.from, "from", "", "Slack export folder to serve (required)")
	f.StringVar(&opts.addr, "addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	f.BoolVar(&opts.tierLimits, "tier-limits", false, "enforce Slack's Tier 2/3 rate limits (429 with Retry-After)")
	f.BoolVar(&opts.shortPages, "short-pages", false, "return short pages before the end, as Slack may")
	f.StringVar(&opts.token, "token", "", "accept only this token (default: any non-empty token)")
	cmd.MarkFlagRequired("from")
	return cmd
}

func runDevSlackServer(ctx context.Context, d *deps, opts *devSlackServerOptions) error {
	ws, err := slackfake.LoadExport(opts.from)
	if err != nil {
		return usagef("slack-server --from %s: %v", opts.from, err)
	}
	var options []slackfake.Option
	if opts.tierLimits {
		options = append(options, slackfake.WithTierLimits())
	}
	if opts.shortPages {
		options = append(options, slackfake.WithShortPages())
	}
	if opts.token != "" {
		options = append(options, slackfake.WithToken(opts.token))
	}
	srv := slackfake.New(ws, options...)
	url, stop, err := srv.Start(opts.addr)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(d.stdout, url)
	d.log.Info("fake Slack Web API serving", "url", url, "from", opts.from)
	<-ctx.Done()
	return nil
}

type devGenSampleOptions struct {
	out       string
	seed      int64
	weeks     int
	incidents int
	scale     float64
	end       string
	zip       bool
}

func newDevGenSampleCmd(d *deps) *cobra.Command {
	opts := &devGenSampleOptions{}
	cmd := &cobra.Command{
		Use:   "gen-sample --out DIR",
		Short: "Generate a deterministic sample Slack workspace with its ground truth",
		Long: `Generate a realistic Slack workspace export of incident channels, a shared
#incidents channel and noise channels, in the styles of Netflix Dispatch,
incident.io, Rootly, FireHydrant, PagerDuty, Monzo Response and plain
people, with its ground truth:

  DIR/export/          the Slack export (ingest it with 'aftermath ingest export')
  DIR/truth.json       every incident's true lifecycle, severity, service, recurrence
  DIR/repos/           git repositories holding the fixes the incidents link to
  DIR/workspace.json   the service catalog, repositories and bots used
  DIR/aftermath.yaml   a configuration for this workspace

The same flags always give byte-identical output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDevGenSample(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.out, "out", "", "folder to write (created; must be empty or absent) (required)")
	f.Int64Var(&opts.seed, "seed", 1, "random seed")
	f.IntVar(&opts.weeks, "weeks", 26, "weeks of history")
	f.IntVar(&opts.incidents, "incidents", 500, "real incidents (drills and tests come on top)")
	f.Float64Var(&opts.scale, "scale", 1, "chatter volume multiplier (scale 1 with 500 incidents over 26 weeks is about 100k messages; 11 about 1M)")
	f.StringVar(&opts.end, "end", "", "the workspace's last day, YYYY-MM-DD (default: today)")
	f.BoolVar(&opts.zip, "zip", false, "also write DIR/export.zip")
	cmd.MarkFlagRequired("out")
	return cmd
}

func runDevGenSample(ctx context.Context, d *deps, opts *devGenSampleOptions) error {
	end := d.now().UTC().Truncate(24 * time.Hour)
	if opts.end != "" {
		t, err := time.Parse("2006-01-02", opts.end)
		if err != nil {
			return usagef("--end %q: want YYYY-MM-DD", opts.end)
		}
		end = t
	}
	sum, err := samplegen.Generate(ctx, opts.out, samplegen.Options{
		Seed: opts.seed, Weeks: opts.weeks, Incidents: opts.incidents, Scale: opts.scale, End: end, Zip: opts.zip,
	})
	if errors.Is(err, samplegen.ErrOptions) || errors.Is(err, samplegen.ErrNotEmpty) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if err := samplegen.WriteConfig(opts.out); err != nil {
		return err
	}
	fmt.Fprintf(d.stderr, "sample workspace in %s: %d channels, %d messages, %d incidents (%d excluded, %d open), %d users, %d fix commits\n",
		opts.out, sum.Channels, sum.Messages, sum.Incidents, sum.Excluded, sum.Open, sum.Users, sum.Fixes)
	return nil
}
