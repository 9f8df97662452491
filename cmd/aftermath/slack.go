package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

type ingestSlackOptions struct {
	apiURL    string
	tokenFile string
	join      bool
	since     string
	full      bool
	sel       selectionFlags
	pub       publishFlags
}

func newIngestSlackCmd(d *deps) *cobra.Command {
	opts := &ingestSlackOptions{}
	cmd := &cobra.Command{
		Use:   "slack",
		Short: "Ingest incident channels from the Slack Web API, incrementally",
		Long: `Read the selected channels from the Slack Web API into the warehouse: users
and channels in full, messages from each channel's watermark minus
slack.lookback (7 days by default), with the threads whose latest reply moved.
The first run of a channel fetches its whole history (or from --since); an
archived channel fetched completely after its archive is not fetched again.

The bot token comes from $SLACK_TOKEN or, to keep it out of the environment,
from --token-file. It needs the scopes channels:read, groups:read,
channels:history, groups:history and users:read (channels:join for --join).

Safe to interrupt and repeat: messages are stored on (channel_id, ts) and a
channel's sync state moves only with the messages it describes, so a killed
run followed by another leaves what one uninterrupted run leaves.

Exit codes: 3 when channels, threads or messages were skipped (each named in
the log and in ingest_skips), 5 when Slack refused the token or a scope.`,
		Example: `  SLACK_TOKEN=xoxb-… aftermath ingest slack
  aftermath ingest slack --token-file /run/secrets/slack-token --join
  aftermath ingest slack --since 2026-01-01
  aftermath ingest slack --api-url http://127.0.0.1:8080/   # aftermath dev slack-server`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIngestSlack(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.apiURL, "api-url", "", "Slack Web API base URL (default slack.api_url, https://slack.com/api/)")
	f.StringVar(&opts.tokenFile, "token-file", "", "read the bot token from this file instead of $SLACK_TOKEN")
	f.BoolVar(&opts.join, "join", false, "join public channels the bot is not a member of (also slack.join)")
	f.StringVar(&opts.since, "since", "", "fetch every selected channel from this date (YYYY-MM-DD, UTC) or time (RFC 3339) on")
	f.BoolVar(&opts.full, "full", false, "refetch every selected channel's whole history and every thread")
	cmd.MarkFlagsMutuallyExclusive("since", "full")
	opts.sel.register(cmd)
	opts.pub.register(cmd)
	return cmd
}

func runIngestSlack(ctx context.Context, d *deps, opts *ingestSlackOptions) error {
	cfg, err := d.config()
	if err != nil {
		return err
	}
	sel, err := opts.sel.selection(cfg)
	if err != nil {
		return err
	}
	so, err := slackOptions(d, cfg, opts)
	if err != nil {
		return err
	}
	so.Selection = sel
	w, err := d.openWriter(ctx, "aftermath ingest slack", true)
	if err != nil {
		return err
	}
	_, err = ingestSlack(ctx, d, w.db, so)
	return w.finish(ctx, err, opts.pub)
}

// slackOptions builds the Web API ingest's options from the configuration
// and flags, token included.
func slackOptions(d *deps, cfg *config.Config, opts *ingestSlackOptions) (ingest.SlackOptions, error) {
	apiURL := cfg.Slack.APIURL
	if opts.apiURL != "" {
		u, err := url.Parse(opts.apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return ingest.SlackOptions{}, usagef("--api-url %q is not an http(s) URL", opts.apiURL)
		}
		apiURL = opts.apiURL
	}
	var since time.Time
	if opts.since != "" {
		var err error
		if since, err = parseSince(opts.since); err != nil {
			return ingest.SlackOptions{}, err
		}
	}
	token, source, err := slackToken(d, opts.tokenFile)
	if err != nil {
		return ingest.SlackOptions{}, err
	}
	return ingest.SlackOptions{
		Bounds:         ingestBounds(cfg),
		APIURL:         apiURL,
		Token:          token,
		TokenSource:    source,
		Join:           opts.join || cfg.Slack.Join,
		Lookback:       cfg.Slack.Lookback.D(),
		Since:          since,
		Full:           opts.full,
		RatePerMinute:  cfg.Slack.RatePerMinute,
		PageSize:       cfg.Slack.PageSize,
		MaxRetries:     slackRetries(cfg.Slack.MaxRetries),
		MaxBackoff:     cfg.Slack.MaxBackoff.D(),
		RequestTimeout: cfg.Slack.RequestTimeout.D(),
		HTTPClient:     d.httpClient,
		Now:            d.now,
		Rand:           rand.New(rand.NewPCG(uint64(d.now().UnixNano()), 0x5eed)),
		Log:            d.log,
		Committed:      d.committed,
	}, nil
}

// ingestSlack runs the Web API ingest into db, with progress on a
// terminal, and prints its summary.
func ingestSlack(ctx context.Context, d *deps, db *warehouse.DB, so ingest.SlackOptions) (*ingest.SlackResult, error) {
	bar := newProgress(d, "slack", false)
	if bar != nil {
		so.Log = bar.logger(d)
		so.Progress = func(p ingest.SlackProgress) {
			bar.set(int64(p.ChannelsDone), int64(p.ChannelsSelected), slackProgressText(p))
		}
	}
	res, err := ingest.IngestSlack(ctx, db, so)
	bar.finish()
	if res != nil {
		printSlackSummary(d.stderr, res)
		err = checkSelected(res.Counts, err)
	}
	return res, err
}

// slackToken reads the token from --token-file, else $SLACK_TOKEN, and
// says which, for error messages. The token itself is never printed.
func slackToken(d *deps, file string) (token, source string, err error) {
	if file != "" {
		source = "--token-file " + file
		st, err := os.Stat(file)
		if err != nil {
			return "", "", usagef("--token-file: %v", err)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", "", usagef("--token-file: %v", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			d.log.Warn("the token file is readable by other users; chmod 600 it", "file", file)
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return "", "", fmt.Errorf("%w: the token file %s is empty: put the bot token (xoxb-…) in it", ingest.ErrAuth, file)
		}
		return token, source, nil
	}
	token = strings.TrimSpace(d.getenv("SLACK_TOKEN"))
	if token == "" {
		return "", "", fmt.Errorf("%w: no token: set $SLACK_TOKEN or pass --token-file FILE", ingest.ErrAuth)
	}
	return token, "$SLACK_TOKEN", nil
}

// parseSince reads --since: a UTC date or an RFC 3339 time.
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--since %q: want a date (2026-01-31) or an RFC 3339 time (2026-01-31T09:00:00Z)", s)
}

// slackProgressText describes a Web API ingest in progress: channels are
// the bar, the rest is said.
func slackProgressText(p ingest.SlackProgress) string {
	s := fmt.Sprintf("slack: %d messages, %d calls", p.Messages, p.Calls)
	if p.RateLimited > 0 {
		s += fmt.Sprintf(", %d rate-limited", p.RateLimited)
	}
	if p.WaitingOn != "" {
		s += ", waiting on " + p.WaitingOn
	}
	return s + " · channels"
}

// printSlackSummary writes the run's one-line summary and its skips.
func printSlackSummary(w io.Writer, res *ingest.SlackResult) {
	c := res.Counts
	team := "?"
	if res.TeamID != "" {
		team = res.Team + " (" + res.TeamID + ")"
	}
	total := 0
	methods := make([]string, 0, len(c.APICalls))
	for m, n := range c.APICalls {
		total += n
		methods = append(methods, m)
	}
	sort.Strings(methods)
	parts := make([]string, len(methods))
	for i, m := range methods {
		parts[i] = fmt.Sprintf("%s %d", m, c.APICalls[m])
	}
	fmt.Fprintf(w, "ingest run %d %s: workspace %s; %d of %d channels selected, %d done, %d skipped; messages: %d read, %d new, %d updated, %d skipped; %d users; %d API calls (%s); %d rate-limited, %d retries, %.1f s waiting\n",
		res.RunID, res.Status, team, c.ChannelsSelected, c.ChannelsTotal, c.ChannelsDone, c.ChannelsSkipped,
		c.MessagesRead, c.MessagesNew, c.MessagesUpdated, c.MessagesSkipped, c.Users,
		total, strings.Join(parts, ", "), c.RateLimited, c.Retries, c.WaitSeconds)
	const maxLines = 20
	for i, s := range res.Skips {
		if i == maxLines {
			fmt.Fprintf(w, "  … and %d more (aftermath query --saved ingest-skips)\n", len(res.Skips)-maxLines)
			break
		}
		fmt.Fprintf(w, "  skipped %s %s: %s\n", s.Kind, s.Item, s.Reason)
	}
}

// slackRetries maps slack.max_retries to ingest's option, where 0 means
// the default: a configured 0 means no retries.
func slackRetries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
