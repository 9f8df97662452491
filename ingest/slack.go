package ingest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-dev/aftermath/internal/redact"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// ErrAuth reports that Slack refused the token: invalid, revoked, expired,
// or missing a scope (exit code 5). The message names the scope or the
// setting to fix.
var ErrAuth = errors.New("Slack authentication failed")

//go:embed slack.sql
var slackSQL string

var slackSteps = parseSteps(slackSQL)

func slackStep(name string) string {
	s, ok := slackSteps[name]
	if !ok {
		panic(fmt.Sprintf("ingest: slack.sql has no step %q", name))
	}
	return s
}

// SlackOptions configure IngestSlack. Zero values take the defaults noted.
type SlackOptions struct {
	// Bounds limit one message (size, JSON depth); zero fields take the
	// defaults.
	Bounds Bounds
	// APIURL is the Web API base URL, ending in "/" (https://slack.com/api/).
	APIURL string
	// Token is the bot token; TokenSource names where it came from
	// ("$SLACK_TOKEN", "--token-file PATH") for error messages.
	Token       string
	TokenSource string
	Selection   Selection
	// Join joins public channels the bot is not a member of.
	Join bool
	// Lookback is how far below each channel's watermark a run re-reads.
	Lookback time.Duration
	// Since, if set, fetches every selected channel from this time on.
	Since time.Time
	// Full refetches every channel's whole history and every thread.
	Full bool
	// RatePerMinute and PageSize per method; a missing or zero rate is
	// unlimited, a missing page size leaves Slack's default.
	RatePerMinute  map[string]int
	PageSize       map[string]int
	MaxRetries     int           // per request: 0 the default 8, negative none
	MaxBackoff     time.Duration // default 2m
	RequestTimeout time.Duration // default 60s
	// Workers is how many channels are fetched at once (default 4);
	// one writer stores what they fetch, one transaction at a time.
	Workers int
	// BatchMessages bounds the messages stored in one transaction (default
	// 2000); at most 2×Workers batches are in memory at once.
	BatchMessages int

	HTTPClient *http.Client
	Now        func() time.Time
	// Wait sleeps for d or until ctx is done (default: a timer). Tests that
	// drive a slackfake.FakeClock advance it here.
	Wait func(ctx context.Context, d time.Duration) error
	// Rand draws backoff jitter (default: seeded from the clock).
	Rand     *rand.Rand
	Log      *slog.Logger
	Progress func(SlackProgress)
	// Committed, if set, is called by the writer after each transaction
	// it commits, with what it stored ("slack C123 history batch 4"): a
	// kill after it must find that batch stored. nil does nothing.
	Committed func(what string)
}

// SlackProgress is a snapshot for a progress bar.
type SlackProgress struct {
	ChannelsDone, ChannelsSelected int
	Messages                       int64
	Calls, RateLimited             int
	Waited                         time.Duration
	WaitingOn                      string // method a request is waiting for, "" when none
}

// SlackResult is what IngestSlack did.
type SlackResult struct {
	Result
	TeamID, Team, TeamURL string
}

// IngestSlack copies the selected channels' history from the Slack Web API
// into the raw layer: users and channels in full, messages incrementally
// from each channel's sync state (slack_sync). It returns ErrAuth when
// Slack refuses the token, and ErrPartial (wrapped) when it skipped
// channels, threads or messages. No error, log line or row holds the token.
func IngestSlack(ctx context.Context, db *warehouse.DB, opts SlackOptions) (*SlackResult, error) {
	opts = opts.withDefaults()
	opts.Token = strings.TrimSpace(opts.Token)
	if opts.Token == "" {
		return nil, fmt.Errorf("%w: no token: set $SLACK_TOKEN or pass --token-file FILE", ErrAuth)
	}
	// A nightly job may never ingest an export again: message text that a
	// killed export run extracted must not wait for one.
	if db.Path != "" {
		stale, err := removeStaleExtracts(db.Path)
		for _, d := range stale {
			opts.Log.Warn("removed a stale extraction folder that a killed run left", "folder", d)
		}
		if err != nil {
			return nil, fmt.Errorf("remove stale extraction folders: %w", err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	r, err := startRun(ctx, conn, "slack", opts.APIURL, opts.Now, opts.Log)
	if err != nil {
		return nil, err
	}
	s := newSlackRun(r, opts)
	runErr := s.ingest(ctx)
	if runErr != nil && ctx.Err() != nil {
		runErr = fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if runErr != nil {
		// A transaction cancelled mid-statement can leave DuckDB's side of
		// the connection in an aborted transaction, or database/sql can
		// close it: the run must still be recorded.
		fresh := recoverConn(ctx, db, conn)
		if fresh != conn {
			defer fresh.Close()
			r.conn = fresh
		}
	}
	s.tally()
	err = s.clean(r.finish(ctx, s.clean(runErr)))
	return &SlackResult{Result: r.Result, TeamID: s.team.TeamID, Team: s.team.Team, TeamURL: s.team.URL}, err
}

// slackRun is one IngestSlack run: the fetchers (slackfetch.go) and the
// writer (slackwrite.go) share it.
type slackRun struct {
	// run's connection and Skips belong to the writer while it runs.
	*run
	opts  SlackOptions
	api   slackAPI
	stats *apiStats
	mode  syncMode
	team  slackTeam
	w     *slackWriter

	// mu guards Counts, which the fetchers, the writer and the progress
	// callback all touch. It never covers a database call.
	mu sync.Mutex

	fatalOnce sync.Once
	fatal     error
	cancel    context.CancelCauseFunc

	lastEmit time.Time
}

func newSlackRun(r *run, opts SlackOptions) *slackRun {
	s := &slackRun{run: r, opts: opts}
	s.stats = &apiStats{now: opts.Now, calls: map[string]int{}, onChange: s.emit}
	limits := map[string]*limiter{}
	for _, m := range []string{"conversations.list", "users.list", "conversations.history", "conversations.replies", "conversations.info", "conversations.join"} {
		limits[m] = newLimiter(opts.RatePerMinute[m])
	}
	s.api = &slackClient{
		base:       opts.APIURL,
		token:      opts.Token,
		http:       opts.HTTPClient,
		timeout:    opts.RequestTimeout,
		pageSize:   opts.PageSize,
		limits:     limits,
		maxRetries: opts.MaxRetries,
		backoff:    &backoff{base: 500 * time.Millisecond, max: opts.MaxBackoff, rng: opts.Rand},
		now:        opts.Now,
		wait:       opts.Wait,
		stats:      s.stats,
	}
	s.mode = syncMode{Lookback: opts.Lookback, Full: opts.Full}
	if !opts.Since.IsZero() {
		s.mode.Since = tsOf(opts.Since)
	}
	s.Counts.APICalls = map[string]int{}
	return s
}

// ingest starts the writer, runs auth.test, then fetches users alongside
// channels and messages, and waits for the writer to store all they sent.
func (s *slackRun) ingest(parent context.Context) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	s.cancel = cancel
	// Room for one piece of work per channel fetcher: with one batch in
	// flight each, a fetcher seldom waits to hand one over.
	s.w = startWriter(ctx, s, s.opts.Workers)
	defer s.w.close() // before cancel: the work sent is done or failed

	team, err := s.api.authTest(ctx)
	if err != nil {
		if isAPICode(err, authCodes...) {
			return s.authError(err)
		}
		return fmt.Errorf("reach Slack at %s: %w", s.opts.APIURL, err)
	}
	s.team = team
	if err := s.w.recordTeam(team); err != nil {
		return err
	}
	s.log.Info("slack workspace", "team", team.Team, "team_id", team.TeamID, "url", team.URL, "bot_user", team.User)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.users(ctx); err != nil {
			s.stop(err)
		}
	}()
	if work, err := s.channels(ctx); err != nil {
		s.stop(err)
	} else {
		s.fetchAll(ctx, work)
	}
	wg.Wait()
	if parent.Err() != nil {
		return parent.Err()
	}
	return s.fatal
}

// fetchAll fetches channels with a few workers. A channel that fails is
// skipped and named; an auth failure or cancellation stops them all.
func (s *slackRun) fetchAll(ctx context.Context, work []*slackChannel) {
	queue := make(chan *slackChannel)
	var wg sync.WaitGroup
	for range min(s.opts.Workers, max(len(work), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range queue {
				err := s.channel(ctx, c)
				switch {
				case err == nil:
					s.mu.Lock()
					s.Counts.ChannelsDone++
					s.mu.Unlock()
				case ctx.Err() != nil:
				case errors.Is(err, ErrAuth), storageFailed(err):
					s.stop(err)
				default:
					s.w.skip("channel", c.label(), s.channelReason(err))
					s.mu.Lock()
					s.Counts.ChannelsSkipped++
					s.mu.Unlock()
				}
				s.emit()
			}
		}()
	}
	for _, c := range work {
		select {
		case queue <- c:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(queue)
	wg.Wait()
}

// stop ends the run early with err (the first one wins).
func (s *slackRun) stop(err error) {
	s.fatalOnce.Do(func() {
		s.fatal = err
		s.cancel(err)
	})
}

// tally copies the API counters into the run's counts.
func (s *slackRun) tally() {
	calls, _, rl, retries, waited, _ := s.stats.snapshot()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Counts.APICalls = calls
	s.Counts.RateLimited = rl
	s.Counts.Retries = retries
	s.Counts.WaitSeconds = waited.Seconds()
}

// emit reports progress, at most every 100 ms of the run's clock.
func (s *slackRun) emit() {
	if s.opts.Progress == nil {
		return
	}
	_, total, rl, _, waited, on := s.stats.snapshot()
	s.mu.Lock()
	now := s.opts.Now()
	if now.Sub(s.lastEmit) < 100*time.Millisecond {
		s.mu.Unlock()
		return
	}
	s.lastEmit = now
	p := SlackProgress{
		ChannelsDone: s.Counts.ChannelsDone + s.Counts.ChannelsSkipped, ChannelsSelected: s.Counts.ChannelsSelected,
		Messages: s.Counts.MessagesRead, Calls: total, RateLimited: rl, Waited: waited, WaitingOn: on,
	}
	s.mu.Unlock()
	s.opts.Progress(p)
}

// clean hides the token in an error's text, keeping errors.Is and As.
func (s *slackRun) clean(err error) error {
	if err == nil {
		return nil
	}
	msg := redact.Token(redact.String(err.Error()), s.opts.Token)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (o SlackOptions) withDefaults() SlackOptions {
	if o.APIURL == "" {
		o.APIURL = "https://slack.com/api/"
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	if o.TokenSource == "" {
		o.TokenSource = "$SLACK_TOKEN"
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = 8
	case o.MaxRetries < 0:
		o.MaxRetries = 0 // none
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	// users.list without a limit can fail on large workspaces.
	sizes := map[string]int{"conversations.list": 200, "users.list": 200}
	for m, n := range o.PageSize {
		sizes[m] = n
	}
	o.PageSize = sizes
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.BatchMessages <= 0 {
		o.BatchMessages = 2000
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wait == nil {
		o.Wait = sleepCtx
	}
	if o.Rand == nil {
		seed := uint64(time.Now().UnixNano())
		o.Rand = rand.New(rand.NewPCG(seed, seed>>7))
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.Bounds = o.Bounds.orDefault()
	return o
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
