package slackfake

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// The 429 scenario every client test can copy: a FakeClock, a limit, calls
// until 429, then Advance by the Retry-After the server sent.
func TestRateLimitRetryAfter(t *testing.T) {
	clock := NewFakeClock(epoch)
	f := startFake(t, nil, WithClock(clock), WithRateLimit("conversations.history", 2))
	ctx := context.Background()
	history := func() error {
		_, err := f.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: incChan})
		return err
	}
	for i := range 2 {
		if err := history(); err != nil {
			t.Fatalf("call %d = %v", i+1, err)
		}
	}
	clock.Advance(20 * time.Second)
	err := history()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 40*time.Second {
		t.Fatalf("third call in a minute = %#v; want *slack.RateLimitedError{RetryAfter: 40s}", err)
	}
	// Other methods have their own budget.
	if _, err := f.client.AuthTestContext(ctx); err != nil {
		t.Errorf("auth.test while history is limited = %v", err)
	}
	clock.Advance(rl.RetryAfter - time.Second)
	if err := history(); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Errorf("one second early = %v; want RetryAfter 1s", err)
	}
	clock.Advance(time.Second)
	if err := history(); err != nil {
		t.Errorf("after Retry-After = %v; want ok", err)
	}

	// Raw: HTTP 429, Retry-After header, Slack's body. The window now
	// holds one call of two.
	if r := f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}}); r.status != http.StatusOK {
		t.Fatalf("second call of the new minute = %d", r.status)
	}
	r := f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" || r.decode(t).Error != "ratelimited" {
		t.Errorf("raw 429 = %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	st := f.srv.Stats()
	if st.RateLimited["conversations.history"] != 3 || st.Calls["conversations.history"] != 7 {
		t.Errorf("Stats() = %+v; want 3 429s in 7 history calls", st)
	}
}

func TestRateLimitWithoutRetryAfter(t *testing.T) {
	clock := NewFakeClock(epoch)
	f := startFake(t, nil, WithClock(clock), WithRateLimit("users.list", 1), WithoutRetryAfter())
	ctx := context.Background()
	if _, err := f.client.GetUsersContext(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.GetUsersPaginated().Next(ctx)
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusTooManyRequests {
		t.Errorf("429 without Retry-After = %#v; want slack.StatusCodeError{Code: 429}", err)
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		t.Errorf("429 without Retry-After became %v", rl)
	}
	f.srv.SetRetryAfter(true)
	if _, err := f.client.GetUsersPaginated().Next(ctx); !errors.As(err, &rl) {
		t.Errorf("after SetRetryAfter(true) = %v; want *slack.RateLimitedError", err)
	}
	clock.Advance(time.Minute)
	if _, err := f.client.GetUsersPaginated().Next(ctx); err != nil {
		t.Errorf("a minute later = %v", err)
	}
}

func TestTierLimits(t *testing.T) {
	clock := NewFakeClock(epoch)
	f := startFake(t, nil, WithClock(clock), WithTierLimits())
	ctx := context.Background()
	n := 0
	for ; n < 100; n++ {
		if _, _, err := f.client.GetConversationsContext(ctx, &slack.GetConversationsParameters{}); err != nil {
			break
		}
	}
	if n != Tier2 {
		t.Errorf("conversations.list allowed %d calls a minute; want Tier 2 (%d)", n, Tier2)
	}
	f.srv.ClearRateLimits()
	if _, _, err := f.client.GetConversationsContext(ctx, &slack.GetConversationsParameters{}); err != nil {
		t.Errorf("after ClearRateLimits = %v", err)
	}
	f.srv.SetRateLimit("conversations.info", 1)
	in := &slack.GetConversationInfoInput{ChannelID: incChan}
	if _, err := f.client.GetConversationInfoContext(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.GetConversationInfoContext(ctx, in); err == nil {
		t.Error("SetRateLimit(info, 1): second call succeeded")
	}
}

func TestFakeClock(t *testing.T) {
	c := NewFakeClock(epoch)
	ch := c.After(10 * time.Second)
	if c.Waiters() != 1 {
		t.Fatalf("Waiters() = %d; want 1", c.Waiters())
	}
	c.Advance(9 * time.Second)
	select {
	case <-ch:
		t.Fatal("After(10s) fired after 9s")
	default:
	}
	c.Advance(time.Second)
	if got := <-ch; !got.Equal(epoch.Add(10 * time.Second)) {
		t.Errorf("After(10s) delivered %v", got)
	}
	if c.Waiters() != 0 {
		t.Errorf("Waiters() = %d; want 0", c.Waiters())
	}
	sc := ScaledClock(1000)
	start := sc.Now()
	<-sc.After(time.Second) // a millisecond of wall time
	if sc.Now().Sub(start) < time.Second {
		t.Errorf("ScaledClock: After(1s) fired before a scaled second")
	}
}
