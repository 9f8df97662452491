package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/slackfake"
)

func newDevCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "dev",
		Short:  "Developer tools: sample workspace generator and fake Slack Web API",
		Hidden: true,
	}
	cmd.AddCommand(newDevSlackServerCmd(d))
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
