package slackfake

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Slack's published per-method rate tiers, in requests per minute (the
// floor of each tier: Tier 2 is "20+", Tier 3 "50+").
const (
	Tier1 = 1
	Tier2 = 20
	Tier3 = 50
	Tier4 = 100
)

// methodTiers maps the served methods to their tier's rate. auth.test is
// "special" in Slack (hundreds a minute) and is not limited here.
var methodTiers = map[string]int{
	"conversations.list":    Tier2,
	"users.list":            Tier2,
	"conversations.history": Tier3,
	"conversations.replies": Tier3,
	"conversations.info":    Tier3,
	"conversations.join":    Tier3,
}

// window is a sliding one-minute log of a method's accepted calls.
type window struct {
	perMinute int
	calls     []time.Time
}

// WithRateLimit limits a method to perMinute calls in any sliding minute of
// the server's clock; 0 turns its limit off.
func WithRateLimit(method string, perMinute int) Option {
	return func(s *Server) { s.setRateLimit(method, perMinute) }
}

// SetRateLimit is WithRateLimit at run time. It keeps the method's record of
// recent calls.
func (s *Server) SetRateLimit(method string, perMinute int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setRateLimit(method, perMinute)
}

func (s *Server) setRateLimit(method string, perMinute int) {
	w, ok := s.limits[method]
	if !ok {
		w = &window{}
		s.limits[method] = w
	}
	w.perMinute = perMinute
}

// MethodTier is the rate of a method's Slack tier in requests per minute
// (Tier2 for conversations.list and users.list, Tier3 for
// conversations.history, .replies, .info and .join), or 0 for a method the
// fake does not limit by tier (auth.test).
func MethodTier(method string) int { return methodTiers[method] }

// WithTierLimits limits every method to its tier's rate (see MethodTier).
func WithTierLimits() Option {
	return func(s *Server) {
		for m, rpm := range methodTiers {
			s.setRateLimit(m, rpm)
		}
	}
}

// SetTierLimits is WithTierLimits at run time.
func (s *Server) SetTierLimits() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for m, rpm := range methodTiers {
		s.setRateLimit(m, rpm)
	}
}

// ClearRateLimits turns every limit off and forgets recent calls.
func (s *Server) ClearRateLimits() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = map[string]*window{}
}

// WithoutRetryAfter sends 429s without a Retry-After header (slack-go then
// returns slack.StatusCodeError{Code: 429} instead of *slack.RateLimitedError).
func WithoutRetryAfter() Option { return func(s *Server) { s.retryAfter = false } }

// SetRetryAfter switches the Retry-After header of 429s at run time.
func (s *Server) SetRetryAfter(send bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = send
}

// rateLimit admits the call or answers HTTP 429 {"ok":false,"error":
// "ratelimited"} with Retry-After: the whole seconds until the oldest call
// in the window leaves it (at least 1).
func (s *Server) rateLimit(q *request) *reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.limits[q.method]
	if !ok || w.perMinute <= 0 {
		return nil
	}
	now := s.clock.Now()
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(w.calls) && !w.calls[i].After(cut) {
		i++
	}
	w.calls = w.calls[i:]
	if len(w.calls) < w.perMinute {
		w.calls = append(w.calls, now)
		return nil
	}
	s.stats.RateLimited[q.method]++
	rep := errReply("ratelimited")
	rep.status = http.StatusTooManyRequests
	if s.retryAfter {
		wait := w.calls[0].Add(time.Minute).Sub(now)
		secs := max(1, int(math.Ceil(wait.Seconds())))
		rep.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	}
	return &rep
}
