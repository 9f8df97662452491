package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-dev/aftermath/internal/redact"
)

// slackAPI is the part of the Slack Web API that ingest calls. Pages keep
// every object as the bytes Slack sent.
type slackAPI interface {
	authTest(ctx context.Context) (slackTeam, error)
	conversationsList(ctx context.Context, cursor string) (slackPage, error)
	conversationsJoin(ctx context.Context, channel string) error
	conversationsHistory(ctx context.Context, q historyQuery) (slackPage, error)
	conversationsReplies(ctx context.Context, channel, ts, cursor string) (slackPage, error)
	usersList(ctx context.Context, cursor string) (slackPage, error)
}

// slackTeam is what auth.test says about the token.
type slackTeam struct {
	URL, Team, TeamID, User, UserID, BotID string
}

// slackPage is one page of a paginated method: its objects, raw.
type slackPage struct {
	Items   []json.RawMessage
	HasMore bool
	Next    string // response_metadata.next_cursor; "" at the end
}

// historyQuery is one conversations.history request. Oldest and Latest are
// exclusive bounds ("" for none).
type historyQuery struct {
	Channel, Oldest, Latest, Cursor string
}

// envelope is every method's response with the objects left raw, so that a
// malformed message fails only itself, not its page (slack-go decodes pages
// into structs: since v0.34 one bad field fails the whole page, and
// re-marshalling drops and adds fields).
type envelope struct {
	OK               bool              `json:"ok"`
	Error            string            `json:"error"`
	Needed           string            `json:"needed"`
	Provided         string            `json:"provided"`
	Messages         []json.RawMessage `json:"messages"`
	Channels         []json.RawMessage `json:"channels"`
	Members          []json.RawMessage `json:"members"`
	HasMore          bool              `json:"has_more"`
	ResponseMetadata struct {
		NextCursor string   `json:"next_cursor"`
		Messages   []string `json:"messages"`
	} `json:"response_metadata"`
	// auth.test
	URL    string `json:"url"`
	Team   string `json:"team"`
	User   string `json:"user"`
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
	BotID  string `json:"bot_id"`
}

// apiError is Slack's {"ok":false,"error":code} for one call.
type apiError struct {
	Method, Code     string
	Needed, Provided string
	Detail           []string
}

func (e *apiError) Error() string {
	msg := e.Method + ": " + e.Code
	if len(e.Detail) > 0 {
		msg += " (" + strings.Join(e.Detail, "; ") + ")"
	}
	return msg
}

// Slack error codes by what ingest does about them.
var (
	// authCodes stop the run with ErrAuth (exit code 5).
	authCodes = []string{"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
		"missing_scope", "not_allowed_token_type", "no_permission", "ekm_access_denied", "team_access_not_granted",
		"org_login_required", "team_is_restricted"}
	// transientCodes are retried like a 5xx.
	transientCodes = []string{"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

func isAPICode(err error, codes ...string) bool {
	var ae *apiError
	return errors.As(err, &ae) && slices.Contains(codes, ae.Code)
}

// transientError is a failure worth retrying: 5xx, timeout, reset, a body
// cut short.
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// rateLimitedError is an HTTP 429 (or ok:false "ratelimited").
type rateLimitedError struct {
	retryAfter time.Duration // 0 when Slack sent no usable Retry-After
}

func (e rateLimitedError) Error() string {
	if e.retryAfter > 0 {
		return fmt.Sprintf("rate limited (Retry-After %s)", e.retryAfter)
	}
	return "rate limited (no Retry-After)"
}

// apiStats counts a run's calls. Waiting is the union of the intervals in
// which at least one request was held back by a rate limit or a backoff, so
// that concurrent waiters are not counted twice.
type apiStats struct {
	mu          sync.Mutex
	now         func() time.Time
	calls       map[string]int
	rateLimited int
	retries     int
	waiters     int
	waitSince   time.Time
	waited      time.Duration
	waitMethod  string
	onChange    func()
}

func (s *apiStats) call(method string) {
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
	s.changed()
}

func (s *apiStats) startWait(method string) {
	s.mu.Lock()
	if s.waiters == 0 {
		s.waitSince = s.now()
	}
	s.waiters++
	s.waitMethod = method
	s.mu.Unlock()
	s.changed()
}

func (s *apiStats) endWait() {
	s.mu.Lock()
	s.waiters--
	if s.waiters == 0 {
		s.waited += s.now().Sub(s.waitSince)
	}
	s.mu.Unlock()
	s.changed()
}

func (s *apiStats) changed() {
	if s.onChange != nil {
		s.onChange()
	}
}

// snapshot returns the counters; waiting includes a wait still under way.
func (s *apiStats) snapshot() (calls map[string]int, total, rateLimited, retries int, waited time.Duration, waitingOn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls = make(map[string]int, len(s.calls))
	for m, n := range s.calls {
		calls[m] = n
		total += n
	}
	waited = s.waited
	if s.waiters > 0 {
		waited += s.now().Sub(s.waitSince)
		waitingOn = s.waitMethod
	}
	return calls, total, s.rateLimited, s.retries, waited, waitingOn
}

// slackClient is a small Slack Web API client over an injected http.Client:
// form-encoded POSTs with the token in the Authorization header (never in
// a URL, so no net/http error can carry it), one limiter per method,
// retries with capped jittered backoff, and raw pages.
type slackClient struct {
	base       string // ends with "/"
	token      string
	http       *http.Client
	timeout    time.Duration
	pageSize   map[string]int
	limits     map[string]*limiter
	maxRetries int
	backoff    *backoff
	now        func() time.Time
	wait       func(ctx context.Context, d time.Duration) error
	stats      *apiStats
}

// maxBody bounds one response; Slack pages are far smaller.
const maxBody = 64 << 20

func (c *slackClient) limiterFor(method string) *limiter {
	if l, ok := c.limits[method]; ok {
		return l
	}
	return newLimiter(0)
}

// call sends one method call, pacing, retrying and classifying. The error
// is an *apiError for Slack's ok:false answers, or wraps the last failure
// once the retries are spent. It never contains the token.
func (c *slackClient) call(ctx context.Context, method string, args url.Values) (*envelope, error) {
	lim := c.limiterFor(method)
	for attempt := 0; ; attempt++ {
		ticket, err := c.pace(ctx, method, lim)
		if err != nil {
			return nil, err
		}
		c.stats.call(method)
		env, err := c.do(ctx, method, args)
		lim.done(ticket, c.now())
		if err == nil {
			return env, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var rl rateLimitedError
		var delay time.Duration
		switch {
		case errors.As(err, &rl):
			c.stats.mu.Lock()
			c.stats.rateLimited++
			c.stats.mu.Unlock()
			delay = rl.retryAfter
			if delay <= 0 {
				delay = max(c.backoff.delay(attempt), lim.interval())
			}
			// Every caller of this method waits, not only this one.
			lim.block(c.now().Add(delay))
			delay = 0
		case errors.As(err, new(transientError)):
			delay = c.backoff.delay(attempt)
		default:
			return nil, err
		}
		if attempt >= c.maxRetries {
			return nil, fmt.Errorf("%s: giving up after %d attempts: %w", method, attempt+1, err)
		}
		c.stats.mu.Lock()
		c.stats.retries++
		c.stats.mu.Unlock()
		if delay > 0 {
			if err := c.sleep(ctx, method, delay); err != nil {
				return nil, err
			}
		}
	}
}

// pace waits for the method's next slot and returns its ticket.
func (c *slackClient) pace(ctx context.Context, method string, lim *limiter) (int64, error) {
	now := c.now()
	ticket, at := lim.reserve(now)
	for at.After(now) {
		if err := c.sleep(ctx, method, at.Sub(now)); err != nil {
			return ticket, err
		}
		now = c.now()
		at = lim.ready(ticket, now)
	}
	return ticket, ctx.Err()
}

func (c *slackClient) sleep(ctx context.Context, method string, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.stats.startWait(method)
	defer c.stats.endWait()
	return c.wait(ctx, d)
}

// do makes one HTTP request and classifies its outcome.
func (c *slackClient) do(ctx context.Context, method string, args url.Values) (*envelope, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+method, strings.NewReader(args.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transientError{fmt.Errorf("%s: %w", method, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, transientError{fmt.Errorf("%s: reading the response: %w", method, err)}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, rateLimitedError{retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return nil, transientError{fmt.Errorf("%s: HTTP %d %s", method, resp.StatusCode, snippet(body))}
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: HTTP %d %s (is the API URL %s right?)", method, resp.StatusCode, snippet(body), c.base)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		// A body cut short or garbled on the way: ask again.
		return nil, transientError{fmt.Errorf("%s: malformed response (%d bytes): %v", method, len(body), err)}
	}
	if !env.OK {
		switch {
		case env.Error == "ratelimited":
			return nil, rateLimitedError{retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now())}
		case slices.Contains(transientCodes, env.Error):
			return nil, transientError{fmt.Errorf("%s: %s", method, env.Error)}
		case env.Error == "":
			return nil, transientError{fmt.Errorf("%s: ok:false without an error code", method)}
		}
		return nil, &apiError{Method: method, Code: env.Error, Needed: env.Needed, Provided: env.Provided, Detail: env.ResponseMetadata.Messages}
	}
	if f := missingList(method, &env); f != "" {
		return nil, transientError{fmt.Errorf("%s: ok:true without %q: an incomplete answer, not the end of the list", method, f)}
	}
	return &env, nil
}

// parseRetryAfter reads Retry-After in seconds or as an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// snippet is the start of a non-JSON body (an HTML error page), one line.
func snippet(body []byte) string {
	s := string(bytes.TrimSpace(body))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strings.Join(strings.Fields(redact.String(s)), " ")
}

func (c *slackClient) limit(method string) string {
	if n := c.pageSize[method]; n > 0 {
		return strconv.Itoa(n)
	}
	return ""
}

func (c *slackClient) page(env *envelope, items []json.RawMessage) slackPage {
	return slackPage{Items: items, HasMore: env.HasMore, Next: env.ResponseMetadata.NextCursor}
}

func (c *slackClient) authTest(ctx context.Context) (slackTeam, error) {
	env, err := c.call(ctx, "auth.test", url.Values{})
	if err != nil {
		return slackTeam{}, err
	}
	return slackTeam{URL: env.URL, Team: env.Team, TeamID: env.TeamID, User: env.User, UserID: env.UserID, BotID: env.BotID}, nil
}

func (c *slackClient) conversationsList(ctx context.Context, cursor string) (slackPage, error) {
	args := url.Values{
		"types":            {"public_channel,private_channel"},
		"exclude_archived": {"false"},
	}
	setNonEmpty(args, "limit", c.limit("conversations.list"))
	setNonEmpty(args, "cursor", cursor)
	env, err := c.call(ctx, "conversations.list", args)
	if err != nil {
		return slackPage{}, err
	}
	return c.page(env, env.Channels), nil
}

func (c *slackClient) conversationsJoin(ctx context.Context, channel string) error {
	_, err := c.call(ctx, "conversations.join", url.Values{"channel": {channel}})
	return err
}

func (c *slackClient) conversationsHistory(ctx context.Context, q historyQuery) (slackPage, error) {
	args := url.Values{"channel": {q.Channel}, "inclusive": {"false"}}
	setNonEmpty(args, "oldest", q.Oldest)
	setNonEmpty(args, "latest", q.Latest)
	setNonEmpty(args, "limit", c.limit("conversations.history"))
	setNonEmpty(args, "cursor", q.Cursor)
	env, err := c.call(ctx, "conversations.history", args)
	if err != nil {
		return slackPage{}, err
	}
	return c.page(env, env.Messages), nil
}

func (c *slackClient) conversationsReplies(ctx context.Context, channel, ts, cursor string) (slackPage, error) {
	args := url.Values{"channel": {channel}, "ts": {ts}}
	setNonEmpty(args, "limit", c.limit("conversations.replies"))
	setNonEmpty(args, "cursor", cursor)
	env, err := c.call(ctx, "conversations.replies", args)
	if err != nil {
		return slackPage{}, err
	}
	return c.page(env, env.Messages), nil
}

func (c *slackClient) usersList(ctx context.Context, cursor string) (slackPage, error) {
	args := url.Values{}
	setNonEmpty(args, "limit", c.limit("users.list"))
	setNonEmpty(args, "cursor", cursor)
	env, err := c.call(ctx, "users.list", args)
	if err != nil {
		return slackPage{}, err
	}
	return c.page(env, env.Members), nil
}

func setNonEmpty(v url.Values, key, val string) {
	if val != "" {
		v.Set(key, val)
	}
}
