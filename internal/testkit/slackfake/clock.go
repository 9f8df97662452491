package slackfake

import (
	"sync"
	"time"
)

// Clock is the server's notion of time: the rate limiter reads it, and a
// slow-response fault waits on it. The server never sleeps on wall time
// unless a fault asks for a real delay.
type Clock interface {
	Now() time.Time
	// After delivers the clock's time once d has passed on it.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is wall-clock time; it is the default.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FakeClock is a clock that moves only when the test says so. It is safe for
// concurrent use.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock returns a clock stopped at start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives once Advance has moved the clock d
// past now.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock forward by d and wakes the waiters that are due.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// Waiters is the number of After calls still waiting: a test can poll it to
// know a slow response is blocked before it advances the clock.
func (c *FakeClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// ScaledClock runs factor times faster than wall time from the moment it is
// made: with factor 60, a Slack minute passes in one real second. Retry-After
// values are still in the clock's seconds, so a client honouring them
// literally waits factor times too long; pair it with a client whose wait is
// scaled the same way.
func ScaledClock(factor float64) Clock {
	if factor <= 0 {
		factor = 1
	}
	return &scaledClock{start: time.Now(), factor: factor}
}

type scaledClock struct {
	start  time.Time
	factor float64
}

func (c *scaledClock) Now() time.Time {
	real := time.Since(c.start)
	return c.start.Add(time.Duration(float64(real) * c.factor))
}

func (c *scaledClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	time.AfterFunc(time.Duration(float64(d)/c.factor), func() { ch <- c.Now() })
	return ch
}
