package ingest

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
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
	MaxRetries     int           // per request (default 8)
	MaxBackoff     time.Duration // default 2m
	RequestTimeout time.Duration // default 60s
	// Workers is how many channels are fetched at once (default 4);
	// storing is always one transaction at a time.
	Workers int
	// BatchMessages bounds the messages stored in one transaction (default 2000).
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
	// Committed, if set, is told after each transaction commits (a test
	// hook: see docs/faults.md).
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
	if o.MaxRetries == 0 {
		o.MaxRetries = 8
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

// slackRun is one IngestSlack run.
type slackRun struct {
	*run
	opts  SlackOptions
	api   slackAPI
	stats *apiStats
	mode  syncMode
	team  slackTeam

	// dbMu serializes every use of run.conn: stores, lookups, skips.
	dbMu sync.Mutex
	// mu guards Counts while workers run.
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

// authError turns Slack's refusal into ErrAuth with what to fix.
func (s *slackRun) authError(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	src := s.opts.TokenSource
	if ae.Code == "missing_scope" {
		needed, provided := ae.Needed, ae.Provided
		if needed == "" {
			needed = "a scope Slack did not name"
		}
		if provided == "" {
			provided = "none listed"
		}
		return fmt.Errorf("%w: %s needs the %s scope, which the token lacks (it has: %s); add %s to the Slack app's Bot Token Scopes, reinstall the app and put the new bot token in %s",
			ErrAuth, ae.Method, needed, provided, needed, src)
	}
	return fmt.Errorf("%w: Slack answered %s to %s: the token in %s is invalid, revoked or expired; put a valid bot token (xoxb-…) in %s",
		ErrAuth, ae.Code, ae.Method, src, src)
}

// ingest runs auth.test, then users alongside channels and messages.
func (s *slackRun) ingest(parent context.Context) error {
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	s.cancel = cancel

	team, err := s.api.authTest(ctx)
	if err != nil {
		if isAPICode(err, authCodes...) {
			return s.authError(err)
		}
		return fmt.Errorf("reach Slack at %s: %w", s.opts.APIURL, err)
	}
	s.team = team
	s.dbMu.Lock()
	_, err = s.conn.ExecContext(ctx, slackStep("record_team"), s.RunID, team.TeamID, team.Team, team.URL)
	s.dbMu.Unlock()
	if err != nil {
		return fmt.Errorf("record run %d: %w", s.RunID, err)
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
	if err := s.channelsAndMessages(ctx); err != nil {
		s.stop(err)
	}
	wg.Wait()
	if parent.Err() != nil {
		return parent.Err()
	}
	return s.fatal
}

// users stores users.list, page by page (each page its own transaction;
// users are replaced whole, so a kill between pages loses nothing).
func (s *slackRun) users(ctx context.Context) error {
	cursor := ""
	for {
		page, err := s.api.usersList(ctx, cursor)
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil // the run is stopping; its cause is reported
			case isAPICode(err, authCodes...):
				return s.authError(err)
			}
			s.skipLocked(ctx, "users", "users.list", s.clean(err).Error()+"; stored users keep their last known names")
			return nil
		}
		var ids, raws, origins []string
		for _, it := range page.Items {
			if isObject(it) {
				ids, raws, origins = append(ids, ""), append(raws, string(it)), append(origins, "users.list")
			}
		}
		if len(raws) > 0 {
			s.dbMu.Lock()
			n, err := 0, stageRaw(ctx, s.conn, ids, raws, origins)
			if err == nil {
				n, err = mergeUsers(ctx, s.conn, s.mergeArgs(), sourceRaw)
			}
			s.dbMu.Unlock()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("store users: %w", err)
			}
			committed(s.opts.Committed, "slack: users")
			s.mu.Lock()
			s.Counts.Users += n
			s.mu.Unlock()
		}
		if page.Next == "" {
			return nil
		}
		if page.Next == cursor {
			s.skipLocked(ctx, "users", "users.list", "Slack returned the same cursor twice; stored users keep their last known names")
			return nil
		}
		cursor = page.Next
	}
}

// slackChannel is a selected channel and how this run treats it.
type slackChannel struct {
	ID, Name                  string
	Private, Archived, Member bool
	plan                      syncPlan
	join                      bool
}

func (c *slackChannel) label() string { return "#" + c.Name + " (" + c.ID + ")" }

// channelsAndMessages lists, selects and stores the channels, then fetches
// the selected ones' messages.
func (s *slackRun) channelsAndMessages(ctx context.Context) error {
	var raws []string
	cursor := ""
	for {
		page, err := s.api.conversationsList(ctx, cursor)
		if err != nil {
			if isAPICode(err, authCodes...) {
				return s.authError(err)
			}
			return fmt.Errorf("list channels: %w", err)
		}
		for _, it := range page.Items {
			if isObject(it) {
				raws = append(raws, string(it))
			}
		}
		if page.Next == "" {
			break
		}
		if page.Next == cursor {
			return errors.New("list channels: Slack returned the same cursor twice")
		}
		cursor = page.Next
	}
	chans, err := s.storeChannels(ctx, raws)
	if err != nil {
		return err
	}
	work, err := s.plan(ctx, chans)
	if err != nil {
		return err
	}
	return s.fetchAll(ctx, work)
}

// storeChannels stages the listed channels, applies the selection and
// stores the selected ones, in one transaction.
func (s *slackRun) storeChannels(ctx context.Context, raws []string) ([]*slackChannel, error) {
	ids, origins := make([]string, len(raws)), make([]string, len(raws))
	for i := range raws {
		origins[i] = "conversations.list"
	}
	var selected []*slackChannel
	total := 0
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	err := warehouse.InTx(ctx, s.conn, func(tx *sql.Tx) error {
		selected, total = nil, 0
		if err := stageRaw(ctx, tx, ids, raws, origins); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, step("stage_channels", sourceRaw)); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, slackStep("staged_channels"))
		if err != nil {
			return err
		}
		var keep []string
		for rows.Next() {
			c := &slackChannel{}
			if err := rows.Scan(&c.ID, &c.Name, &c.Private, &c.Archived, &c.Member); err != nil {
				rows.Close()
				return err
			}
			total++
			if s.opts.Selection.Selected(c.ID, c.Name) {
				keep = append(keep, c.ID)
				selected = append(selected, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, slackStep("keep_channels"), keep); err != nil {
			return err
		}
		return mergeChannels(ctx, tx, s.mergeArgs())
	})
	if err != nil {
		return nil, fmt.Errorf("store channels: %w", err)
	}
	committed(s.opts.Committed, "slack: channels")
	s.mu.Lock()
	s.Counts.ChannelsTotal, s.Counts.ChannelsSelected = total, len(selected)
	s.mu.Unlock()
	return selected, nil
}

// plan loads each selected channel's sync state and decides what to do:
// nothing (archived and complete), join, skip (not a member), or fetch.
func (s *slackRun) plan(ctx context.Context, chans []*slackChannel) ([]*slackChannel, error) {
	byID := map[string]*slackChannel{}
	ids := make([]string, 0, len(chans))
	for _, c := range chans {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	s.dbMu.Lock()
	rows, err := s.conn.QueryContext(ctx, slackStep("load_sync"), ids)
	if err != nil {
		s.dbMu.Unlock()
		return nil, fmt.Errorf("load sync state: %w", err)
	}
	for rows.Next() {
		var id string
		var st syncState
		var seed channelSeed
		if err := rows.Scan(&id, &st.Exists, &st.From, &st.Through, &st.PassOldest, &st.PassLow, &st.PassHigh,
			&st.ArchivedComplete, &st.SeededFrom, &seed.Oldest, &seed.Newest, &seed.Source); err != nil {
			rows.Close()
			s.dbMu.Unlock()
			return nil, fmt.Errorf("load sync state: %w", err)
		}
		c := byID[id]
		c.plan = planSync(st, seed, s.mode)
		if skipArchived(st, c.Archived, s.mode) {
			c.plan.Oldest = "" // nothing to fetch
		}
	}
	rows.Close()
	s.dbMu.Unlock()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load sync state: %w", err)
	}

	var work []*slackChannel
	var outside []string
	complete := 0
	for _, c := range chans {
		switch {
		case c.plan.Oldest == "":
			complete++
			s.log.Debug("archived channel already complete", "channel_id", c.ID, "channel", c.Name)
		case c.Member:
			work = append(work, c)
		case s.opts.Join && !c.Private && !c.Archived:
			c.join = true
			work = append(work, c)
		default:
			reason := "the bot is not a member; invite it to the channel, or run with --join"
			switch {
			case c.Archived:
				reason = "the bot is not a member, and archived channels cannot be joined; invite the bot or unarchive the channel"
			case c.Private:
				reason = "the bot is not a member of this private channel; invite it to the channel"
			}
			s.skipQuiet(ctx, "channel", c.label(), reason)
			outside = append(outside, c.label())
		}
	}
	s.mu.Lock()
	s.Counts.ChannelsDone += complete
	s.Counts.ChannelsSkipped += len(outside)
	s.mu.Unlock()
	if len(outside) > 0 {
		s.log.Warn("skipped channels the bot is not a member of", "count", len(outside), "channels", strings.Join(outside, ", "),
			"hint", "invite the bot, or run with --join (public channels only)")
	}
	return work, nil
}

// fetchAll fetches channels with a few workers. A channel that fails is
// skipped and named; an auth failure or cancellation stops them all.
func (s *slackRun) fetchAll(ctx context.Context, work []*slackChannel) error {
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
					s.skipLocked(ctx, "channel", c.label(), s.channelReason(err))
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
	return nil
}

// channelReason says why a channel was skipped, for the operator.
func (s *slackRun) channelReason(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		switch ae.Code {
		case "channel_not_found":
			return ae.Method + ": channel_not_found: the channel was deleted, or the bot lost access to it, during the run"
		case "not_in_channel":
			return ae.Method + ": not_in_channel: the bot is not (or no longer) a member; invite it, or run with --join"
		case "is_archived":
			return ae.Method + ": is_archived: archived channels cannot be joined; invite the bot before archiving"
		}
	}
	return s.clean(err).Error()
}

// channel fetches one channel: join if asked, then one history pass.
func (s *slackRun) channel(ctx context.Context, c *slackChannel) error {
	if c.join {
		if err := s.api.conversationsJoin(ctx, c.ID); err != nil {
			if isAPICode(err, authCodes...) {
				return s.authError(err)
			}
			return err
		}
		s.log.Info("joined channel", "channel_id", c.ID, "channel", c.Name)
	}
	err := s.history(ctx, c)
	if isAPICode(err, authCodes...) {
		return s.authError(err)
	}
	return err
}

// msgBatch is messages waiting to be stored, with the sync state that
// storing them makes true.
type msgBatch struct {
	ids, raws, origins []string
	seen               map[string]bool
}

func (b *msgBatch) add(channelID string, m slackMessage, origin string) {
	if b.seen[m.ts] {
		return // a thread parent or broadcast seen twice
	}
	b.seen[m.ts] = true
	b.ids = append(b.ids, channelID)
	b.raws = append(b.raws, string(m.raw))
	b.origins = append(b.origins, origin)
}

func (b *msgBatch) reset() {
	b.ids, b.raws, b.origins = b.ids[:0], b.raws[:0], b.origins[:0]
	b.seen = map[string]bool{}
}

// history runs one conversations.history pass over the channel's window,
// newest first, with the threads whose latest_reply moved. Pages are stored
// in batches; each batch's transaction also records how far the pass got,
// and the last one moves history_through. A pass resumed after a kill skips
// the stretch the killed pass stored.
func (s *slackRun) history(ctx context.Context, c *slackChannel) error {
	p := c.plan
	q := historyQuery{Channel: c.ID}
	if p.Oldest != "0" {
		q.Oldest = p.Oldest
	}
	var high, low string // this pass has fetched [low, high]
	jumped := p.ResumeHigh == ""
	b := &msgBatch{seen: map[string]bool{}}
	state := p.State
	flush := func(done bool) error {
		next := passProgress(state, p.Oldest, low, high)
		if done {
			next = passDone(state, p.Oldest, high, c.Archived)
		} else if low == "" {
			return nil // nothing fetched yet: nothing to record
		}
		if err := s.store(ctx, c, b, next); err != nil {
			return err
		}
		state = next
		b.reset()
		return nil
	}
	for {
		page, err := s.api.conversationsHistory(ctx, q)
		if err != nil {
			return s.keepWhatWeHave(ctx, err, flush)
		}
		msgs := s.validate(ctx, c, page.Items, "conversations.history")
		var pageLow, pageHigh string
		for _, m := range msgs {
			pageHigh = tsMax(pageHigh, m.ts)
			pageLow = tsMin(pageLow, m.ts)
		}
		if err := s.threads(ctx, c, msgs, b); err != nil {
			return s.keepWhatWeHave(ctx, err, flush)
		}
		for _, m := range msgs {
			b.add(c.ID, m, "conversations.history")
		}
		high = tsMax(high, pageHigh)
		if pageLow != "" {
			low = tsMin(low, pageLow)
		}

		more := true
		switch {
		case page.Next != "" && page.Next == q.Cursor:
			return s.keepWhatWeHave(ctx, fmt.Errorf("conversations.history: Slack returned the same cursor twice"), flush)
		case page.Next != "":
			q.Cursor = page.Next
		case page.HasMore && pageLow != "":
			// No cursor but more to come: page the classic way, below
			// the oldest message seen.
			q.Latest, q.Cursor = pageLow, ""
		default:
			more = false
		}
		// Reaching the stretch an interrupted pass stored: continue below it.
		if !jumped && low != "" && !tsLess(p.ResumeHigh, low) {
			jumped = true
			if tsLess(p.ResumeLow, low) {
				low = p.ResumeLow
				more = p.Oldest == "0" || tsLess(p.Oldest, p.ResumeLow)
				q.Latest, q.Cursor = p.ResumeLow, ""
			}
		}
		if !more {
			return flush(true)
		}
		if len(b.raws) >= s.opts.BatchMessages {
			if err := flush(false); err != nil {
				return err
			}
		}
	}
}

// keepWhatWeHave stores the complete pages fetched before a channel-level
// failure, so the rerun resumes below them, then returns err.
func (s *slackRun) keepWhatWeHave(ctx context.Context, err error, flush func(bool) error) error {
	if ctx.Err() == nil && !isAPICode(err, authCodes...) {
		if ferr := flush(false); ferr != nil {
			s.log.Debug("could not store pages fetched before a failure", "err", s.clean(ferr))
		}
	}
	return err
}

// threads adds the replies of every thread on the page whose latest_reply
// is newer than what is stored (every thread with replies under --full).
func (s *slackRun) threads(ctx context.Context, c *slackChannel, msgs []slackMessage, b *msgBatch) error {
	var parents []slackMessage
	var tss []string
	for _, m := range msgs {
		if m.isParent() {
			parents = append(parents, m)
			tss = append(tss, m.ts)
		}
	}
	if len(parents) == 0 {
		return nil
	}
	stored := map[string]string{}
	if !s.mode.Full {
		var err error
		if stored, err = s.storedThreads(ctx, c.ID, tss); err != nil {
			return err
		}
	}
	for _, m := range parents {
		if st, ok := stored[m.ts]; ok && (m.latestReply == "" || !tsLess(st, m.latestReply)) {
			continue
		}
		if err := s.replies(ctx, c, m.ts, b); err != nil {
			return err
		}
	}
	return nil
}

// replies adds one thread's messages, every page, to b.
func (s *slackRun) replies(ctx context.Context, c *slackChannel, ts string, b *msgBatch) error {
	cursor := ""
	origin := "conversations.replies ts=" + ts
	for {
		page, err := s.api.conversationsReplies(ctx, c.ID, ts, cursor)
		if isAPICode(err, "thread_not_found") {
			s.log.Debug("thread gone before its replies were read", "channel_id", c.ID, "ts", ts)
			return nil
		}
		if err != nil {
			return err
		}
		for _, m := range s.validate(ctx, c, page.Items, origin) {
			if m.ts != ts {
				b.add(c.ID, m, origin)
			}
		}
		if page.Next == "" {
			return nil
		}
		if page.Next == cursor {
			return fmt.Errorf("conversations.replies: Slack returned the same cursor twice")
		}
		cursor = page.Next
	}
}

func (s *slackRun) storedThreads(ctx context.Context, channelID string, tss []string) (map[string]string, error) {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	rows, err := s.conn.QueryContext(ctx, slackStep("stored_threads"), channelID, tss)
	if err != nil {
		return nil, fmt.Errorf("read stored threads: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ts, latest string
		if err := rows.Scan(&ts, &latest); err != nil {
			return nil, err
		}
		out[ts] = latest
	}
	return out, rows.Err()
}

// store writes a batch and the channel's new sync state in one transaction.
func (s *slackRun) store(ctx context.Context, c *slackChannel, b *msgBatch, st syncState) error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	var res mergeResult
	err := warehouse.InTx(ctx, s.conn, func(tx *sql.Tx) error {
		res = mergeResult{}
		if len(b.raws) > 0 {
			if err := stageRaw(ctx, tx, b.ids, b.raws, b.origins); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, step("stage_messages", sourceRaw)); err != nil {
				return fmt.Errorf("stage messages: %w", err)
			}
			var err error
			if res, err = mergeMessages(ctx, tx, s.mergeArgs()); err != nil {
				return err
			}
		}
		return s.saveSync(ctx, tx, c.ID, st)
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", c.label(), err)
	}
	committed(s.opts.Committed, "slack: stored "+c.label())
	s.mu.Lock()
	s.Counts.MessagesRead += res.read
	s.Counts.MessagesNew += res.inserted
	s.Counts.MessagesUpdated += res.updated
	// Reply pages repeat their parent: duplicates are normal here.
	s.Counts.MessagesDuplicate += res.duplicate
	for _, p := range res.problems {
		s.Counts.MessagesSkipped += p.n
	}
	s.mu.Unlock()
	for _, p := range res.problems {
		s.skip(ctx, "message", c.label(), fmt.Sprintf("%d %s skipped: %s (%s)", p.n, plural(p.n, "message"), p.problem, p.origin))
	}
	s.log.Debug("stored batch", "channel_id", c.ID, "rows", len(b.raws), "new", res.inserted, "updated", res.updated,
		"through", st.Through, "pass_low", st.PassLow)
	return nil
}

func (s *slackRun) saveSync(ctx context.Context, tx *sql.Tx, channelID string, st syncState) error {
	if _, err := tx.ExecContext(ctx, slackStep("delete_sync"), channelID); err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	if _, err := tx.ExecContext(ctx, slackStep("insert_sync"), channelID, st.From, st.Through, st.PassOldest,
		st.PassLow, st.PassHigh, st.ArchivedComplete, st.SeededFrom, s.RunID, s.opts.Now()); err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	if _, err := tx.ExecContext(ctx, slackStep("mirror_channel_state"), channelID, st.From == "0" && st.PassOldest == "", st.ArchivedComplete); err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	return nil
}

func (s *slackRun) mergeArgs() mergeArgs {
	return mergeArgs{now: s.opts.Now(), runID: s.RunID, source: "api"}
}

// skipLocked records a skip, taking the connection.
func (s *slackRun) skipLocked(ctx context.Context, kind, item, reason string) {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	s.skip(ctx, kind, item, redact.Token(reason, s.opts.Token))
}

// skipQuiet records a skip as run.skip does, but without a log line of
// its own: the caller logs one line for many.
func (s *slackRun) skipQuiet(ctx context.Context, kind, item, reason string) {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	item, reason = redact.String(item), redact.Token(redact.String(reason), s.opts.Token)
	s.Skips = append(s.Skips, Skip{Kind: kind, Item: item, Reason: reason})
	if _, err := s.conn.ExecContext(ctx, slackStep("record_skip"), s.RunID, kind, item, reason); err != nil {
		s.log.Error("could not record skip", "item", item, "err", s.clean(err))
	}
}

// slackMessage is a message object with the fields ingest routes on.
type slackMessage struct {
	raw          json.RawMessage
	ts, threadTS string
	latestReply  string
	replyCount   int64
}

// isParent reports a thread parent with replies to fetch.
func (m slackMessage) isParent() bool {
	if m.threadTS != m.ts {
		return false
	}
	if m.latestReply != "" {
		return m.latestReply != "0000000000.000000"
	}
	return m.replyCount > 0
}

// validate keeps the objects with a Slack ts string and records the others
// as skipped messages: one malformed message fails only itself.
func (s *slackRun) validate(ctx context.Context, c *slackChannel, items []json.RawMessage, origin string) []slackMessage {
	out := make([]slackMessage, 0, len(items))
	problems := map[string]int64{}
	for _, it := range items {
		// The JSON bounds first: a message nested 100,000 deep is not
		// even parsed.
		var m slackMessage
		problem := messageProblem(it, s.opts.Bounds)
		if problem == "" {
			m, problem = parseSlackMessage(it)
		}
		if problem == "" {
			problem = tsProblem(m.ts, s.start)
		}
		if problem != "" {
			problems[problem]++
			continue
		}
		out = append(out, m)
	}
	if len(problems) == 0 {
		return out
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := problems[k]
		s.mu.Lock()
		s.Counts.MessagesSkipped += n
		s.mu.Unlock()
		s.skipLocked(ctx, "message", c.label(), fmt.Sprintf("%d %s skipped: %s (%s)", n, plural(n, "message"), k, origin))
	}
	return out
}

// parseSlackMessage reads the routing fields of one message object, or
// says what is wrong with it.
func parseSlackMessage(raw json.RawMessage) (slackMessage, string) {
	if !json.Valid(raw) {
		return slackMessage{}, "not valid JSON"
	}
	if !isObject(raw) {
		return slackMessage{}, "not a JSON object"
	}
	var h struct {
		TS          json.RawMessage `json:"ts"`
		ThreadTS    json.RawMessage `json:"thread_ts"`
		LatestReply json.RawMessage `json:"latest_reply"`
		ReplyCount  json.RawMessage `json:"reply_count"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return slackMessage{}, "not a JSON object"
	}
	m := slackMessage{raw: raw}
	if json.Unmarshal(h.TS, &m.ts) != nil || !strings.Contains(m.ts, ".") {
		return slackMessage{}, "ts is missing or not a Slack timestamp string"
	}
	if _, ok := tsKey(m.ts); !ok {
		return slackMessage{}, "ts is missing or not a Slack timestamp string"
	}
	// The merge checks the other fields' types; here they only route.
	if json.Unmarshal(h.ThreadTS, &m.threadTS) != nil {
		m.threadTS = ""
	}
	if json.Unmarshal(h.LatestReply, &m.latestReply) != nil {
		m.latestReply = ""
	}
	if _, ok := tsKey(m.latestReply); !ok {
		m.latestReply = ""
	}
	_ = json.Unmarshal(h.ReplyCount, &m.replyCount)
	return m, ""
}

// isObject reports a JSON value that is an object.
func isObject(raw json.RawMessage) bool {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}

// plural is noun for one, else its English plural (entry → entries).
func plural(n int64, noun string) string {
	switch {
	case n == 1:
		return noun
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}
