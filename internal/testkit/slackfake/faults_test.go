package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func historyOnce(f *fake, channel, cursor string, limit int) (*slack.GetConversationHistoryResponse, error) {
	return f.client.GetConversationHistoryContext(context.Background(), &slack.GetConversationHistoryParameters{
		ChannelID: channel, Cursor: cursor, Limit: limit,
	})
}

func TestFaultServerErrorBurst(t *testing.T) {
	f := startFake(t, nil)
	f.srv.InjectFault(Fault{Kind: FaultServerError, Method: "conversations.history", Count: 2, Status: 502})
	for i := range 2 {
		_, err := historyOnce(f, incChan, "", 0)
		var sc slack.StatusCodeError
		if !errors.As(err, &sc) || sc.Code != http.StatusBadGateway || !sc.Retryable() {
			t.Errorf("call %d = %#v; want StatusCodeError 502", i+1, err)
		}
	}
	if _, err := historyOnce(f, incChan, "", 0); err != nil {
		t.Errorf("after the burst = %v; want ok", err)
	}
	if _, err := f.client.AuthTestContext(context.Background()); err != nil {
		t.Errorf("other method during burst = %v", err)
	}
	r := f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}})
	if r.status != 200 {
		t.Errorf("raw call after burst = %d", r.status)
	}
	f.srv.InjectFault(Fault{Kind: FaultServerError})
	if r := f.call(t, "users.list", testToken, nil); r.status != http.StatusServiceUnavailable || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("default 5xx = %d %q; want 503 text/html", r.status, r.header.Get("Content-Type"))
	}
	if got := f.srv.Stats().Faults["server_error"]; got != 3 {
		t.Errorf("Stats().Faults[server_error] = %d; want 3", got)
	}
}

func TestFaultSlow(t *testing.T) {
	t.Run("real delay", func(t *testing.T) {
		f := startFake(t, nil)
		f.srv.InjectFault(Fault{Kind: FaultSlow, Method: "auth.test", Count: 1, Delay: 5 * time.Millisecond, RealTime: true})
		if _, err := f.client.AuthTestContext(context.Background()); err != nil {
			t.Errorf("slow auth.test = %v; want ok after the delay", err)
		}
	})
	t.Run("fake clock", func(t *testing.T) {
		clock := NewFakeClock(epoch)
		f := startFake(t, nil, WithClock(clock))
		f.srv.InjectFault(Fault{Kind: FaultSlow, Method: "auth.test", Count: 1, Delay: 30 * time.Second})
		done := make(chan error, 1)
		go func() {
			_, err := f.client.AuthTestContext(context.Background())
			done <- err
		}()
		for clock.Waiters() == 0 { // the server is now blocked on the clock
			time.Sleep(time.Millisecond)
		}
		select {
		case err := <-done:
			t.Fatalf("slow response came back before the clock moved: %v", err)
		default:
		}
		clock.Advance(30 * time.Second)
		if err := <-done; err != nil {
			t.Errorf("slow auth.test = %v", err)
		}
	})
	t.Run("client gives up", func(t *testing.T) {
		clock := NewFakeClock(epoch)
		f := startFake(t, nil, WithClock(clock))
		f.srv.InjectFault(Fault{Kind: FaultSlow, Delay: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for clock.Waiters() == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		if _, err := f.client.AuthTestContext(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled slow call = %v; want context.Canceled", err)
		}
	})
}

func TestFaultTruncate(t *testing.T) {
	f := startFake(t, nil)
	f.srv.InjectFault(Fault{Kind: FaultTruncate, Method: "conversations.history", Count: 2})
	if _, err := historyOnce(f, incChan, "", 0); err == nil {
		t.Error("slack-go on a truncated body: nil error")
	}
	r := f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}})
	if r.status != 200 || json.Valid(r.body) || len(r.body) == 0 {
		t.Errorf("truncated body = %d %q; want 200 and invalid JSON", r.status, r.body)
	}
	if _, err := historyOnce(f, incChan, "", 0); err != nil {
		t.Errorf("after the fault = %v", err)
	}
}

func TestFaultReset(t *testing.T) {
	f := startFake(t, nil)
	f.srv.InjectFault(Fault{Kind: FaultReset, Method: "conversations.list", Count: 1})
	_, _, err := f.client.GetConversationsContext(context.Background(), &slack.GetConversationsParameters{})
	if err == nil {
		t.Fatal("GetConversations on a reset connection: nil error")
	}
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	if errors.As(err, &se) || errors.As(err, &sc) {
		t.Errorf("reset became a Slack error: %v", err)
	}
	if _, _, err := f.client.GetConversationsContext(context.Background(), &slack.GetConversationsParameters{}); err != nil {
		t.Errorf("after the reset = %v", err)
	}
	if got := f.srv.Stats().Faults["reset"]; got != 1 {
		t.Errorf("Stats().Faults[reset] = %d; want 1", got)
	}
}

func TestFaultInvalidAuthMidRun(t *testing.T) {
	f := startFake(t, nil)
	// The token is revoked after two calls, for good.
	f.srv.InjectFault(Fault{Kind: FaultInvalidAuth, After: 2})
	for i := range 2 {
		if _, err := f.client.AuthTestContext(context.Background()); err != nil {
			t.Fatalf("call %d = %v", i+1, err)
		}
	}
	for range 3 {
		_, err := historyOnce(f, incChan, "", 0)
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "invalid_auth" {
			t.Errorf("after revocation = %v; want invalid_auth", err)
		}
	}
	f.srv.ClearFaults()
	if _, err := historyOnce(f, incChan, "", 0); err != nil {
		t.Errorf("after ClearFaults = %v", err)
	}
}

func TestFaultChannelNotFoundMidPagination(t *testing.T) {
	f := startFake(t, nil)
	id := f.srv.InjectFault(Fault{Kind: FaultChannelNotFound, Method: "conversations.history", Channel: incsChan, After: 2})
	cursor := ""
	for page := 1; page <= 3; page++ {
		resp, err := historyOnce(f, incsChan, cursor, 2)
		if page <= 2 {
			if err != nil {
				t.Fatalf("page %d = %v", page, err)
			}
			cursor = resp.ResponseMetaData.NextCursor
			continue
		}
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "channel_not_found" {
			t.Errorf("page 3 = %v; want channel_not_found", err)
		}
	}
	if _, err := historyOnce(f, incChan, "", 0); err != nil {
		t.Errorf("other channel = %v", err)
	}
	f.srv.RemoveFault(id)
	if _, err := historyOnce(f, incsChan, cursor, 2); err != nil {
		t.Errorf("after RemoveFault = %v", err)
	}
}

func TestFaultMissingScope(t *testing.T) {
	f := startFake(t, nil)
	f.srv.InjectFault(Fault{Kind: FaultMissingScope, Method: "conversations.replies"})
	_, _, _, err := f.client.GetConversationRepliesContext(context.Background(), &slack.GetConversationRepliesParameters{ChannelID: incChan, Timestamp: "1795132260.000000"})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "channels:history" || se.Provided == "" {
		t.Errorf("replies with missing_scope fault = %#v", err)
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	run := func() []int {
		f := startFake(t, nil, WithSeed(42))
		f.srv.InjectFault(Fault{Kind: FaultServerError, Method: "auth.test", Probability: 0.5})
		var statuses []int
		for range 40 {
			statuses = append(statuses, f.call(t, "auth.test", testToken, nil).status)
		}
		return statuses
	}
	a, b := run(), run()
	failed := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different faults: %v vs %v", a, b)
		}
		if a[i] != 200 {
			failed++
		}
	}
	if failed == 0 || failed == len(a) {
		t.Errorf("probability 0.5 struck %d of %d calls", failed, len(a))
	}
}

func TestFaultAfterRateLimitAndAuth(t *testing.T) {
	f := startFake(t, nil, WithToken(testToken))
	f.srv.InjectFault(Fault{Kind: FaultServerError, Count: 1})
	// A call rejected for its token does not use up the fault.
	if r := f.call(t, "auth.test", "xoxb-wrong", nil); r.decode(t).Error != "invalid_auth" {
		t.Fatalf("wrong token = %s", r.body)
	}
	if r := f.call(t, "auth.test", testToken, nil); r.status != 503 {
		t.Errorf("first authenticated call = %d; want the 503", r.status)
	}
}
