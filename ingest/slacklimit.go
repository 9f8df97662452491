package ingest

import (
	"math/rand/v2"
	"sync"
	"time"
)

// limiter paces one Web API method: at most perMinute calls in any sliding
// minute, and none before a 429's Retry-After has passed.
//
// Slack states its limits per minute with bursts "welcome" (Tier 3) or
// "occasional" (Tier 2), and the fake enforces exactly that: a one-minute
// sliding window. A token bucket (golang.org/x/time/rate) cannot express
// it: with burst 1 it spaces every call 60/perMinute seconds apart, so a
// nightly run of 40 history calls waits 47 s where Slack would take them at
// once; with burst perMinute it lets 2·perMinute−1 calls into one minute and
// earns a 429 each minute. The log below is the window itself: a burst of
// up to perMinute calls, then the (k)th call no sooner than a minute after
// the (k−perMinute)th has finished. Counting from the finish, not the
// planned start, keeps a call that left late (or took long to arrive) from
// letting a later one into its minute.
type limiter struct {
	mu        sync.Mutex
	perMinute int           // 0: unlimited
	margin    time.Duration // added to the minute, for clock skew between client and server
	base      int64         // ticket of log[0]
	log       []time.Time   // per ticket: its planned start, then its finish once done
	blocked   time.Time     // no call before this (a 429's Retry-After)
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perMinute: perMinute, margin: 250 * time.Millisecond}
}

// reserve books the next call and returns its ticket and the earliest time
// it may start. Before starting, the caller asks ready again: a call the
// slot depended on may have finished later than planned.
func (l *limiter) reserve(now time.Time) (ticket int64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ticket = l.base + int64(len(l.log))
	at = l.earliest(ticket, now)
	if l.perMinute > 0 {
		l.log = append(l.log, at)
		if keep := l.perMinute + 32; len(l.log) > 2*keep {
			drop := len(l.log) - keep
			l.log = append(l.log[:0], l.log[drop:]...)
			l.base += int64(drop)
		}
	}
	return ticket, at
}

// ready returns when the ticket's call may start, as known now.
func (l *limiter) ready(ticket int64, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.earliest(ticket, now)
}

func (l *limiter) earliest(ticket int64, now time.Time) time.Time {
	at := now
	if l.blocked.After(at) {
		at = l.blocked
	}
	if l.perMinute <= 0 {
		return at
	}
	if i := ticket - int64(l.perMinute) - l.base; i >= 0 && i < int64(len(l.log)) {
		if t := l.log[i].Add(time.Minute + l.margin); t.After(at) {
			at = t
		}
	}
	return at
}

// done records when the ticket's call finished.
func (l *limiter) done(ticket int64, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := ticket - l.base; l.perMinute > 0 && i >= 0 && i < int64(len(l.log)) && now.After(l.log[i]) {
		l.log[i] = now
	}
}

// block holds every later call back until t (a 429's Retry-After).
func (l *limiter) block(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.blocked) {
		l.blocked = t
	}
}

// interval is the steady spacing of calls: a minute over perMinute.
func (l *limiter) interval() time.Duration {
	if l.perMinute <= 0 {
		return 0
	}
	return time.Minute / time.Duration(l.perMinute)
}

// backoff is capped exponential backoff with jitter: attempt 0 waits about
// base, each later attempt twice as long, never more than max; the wait is
// drawn uniformly from its upper half so that clients that failed together
// do not retry together.
type backoff struct {
	base, max time.Duration
	mu        sync.Mutex
	rng       *rand.Rand
}

func (b *backoff) delay(attempt int) time.Duration {
	d := b.base
	for i := 0; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	if d <= 1 {
		return d
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return d/2 + time.Duration(b.rng.Int64N(int64(d/2)+1))
}
