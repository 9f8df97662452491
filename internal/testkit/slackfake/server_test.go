package slackfake

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

func TestStart(t *testing.T) {
	srv := New(loadTestExport(t))
	base, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/") {
		t.Errorf("Start() base URL = %q; want http://127.0.0.1:PORT/", base)
	}
	c := slack.New(testToken, slack.OptionAPIURL(base))
	if _, err := c.AuthTestContext(context.Background()); err != nil {
		t.Errorf("AuthTest against Start() = %v", err)
	}
	stop()
	stop() // idempotent
	if _, err := c.AuthTestContext(context.Background()); err == nil {
		t.Error("AuthTest after stop() succeeded")
	}
}

func TestCounters(t *testing.T) {
	f := startFake(t, nil)
	ctx := context.Background()
	_, _ = f.client.AuthTestContext(ctx)
	_, _ = historyOnce(f, incChan, "", 0)
	_, _ = historyOnce(f, incChan, "", 0)
	_, _ = historyOnce(f, incsChan, "", 0)
	_, _, _, _ = f.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: incChan, Timestamp: "1795132260.000000"})
	f.call(t, "conversations.list", "", nil) // rejected calls count too

	calls := f.srv.Calls()
	want := map[string]int{"auth.test": 1, "conversations.history": 3, "conversations.replies": 1, "conversations.list": 1}
	for m, n := range want {
		if calls[m] != n {
			t.Errorf("Calls()[%s] = %d; want %d", m, calls[m], n)
		}
	}
	st := f.srv.Stats()
	if st.HistoryCalls[incChan] != 2 || st.HistoryCalls[incsChan] != 1 || st.RepliesCalls[incChan] != 1 {
		t.Errorf("Stats() per channel = %v %v", st.HistoryCalls, st.RepliesCalls)
	}
	calls["auth.test"] = 99 // a copy
	if f.srv.Calls()["auth.test"] != 1 {
		t.Error("Calls() returned the live map")
	}
	f.srv.Reset()
	if st := f.srv.Stats(); len(st.Calls) != 0 || len(st.HistoryCalls) != 0 {
		t.Errorf("Stats() after Reset = %+v", st)
	}
}

func TestCanaryToken(t *testing.T) {
	const canary = "xoxb-CANARY-7f3e9d2a"
	var logs bytes.Buffer
	ws := loadTestExport(t)
	srv := New(ws, WithCanaryToken(canary), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		WithRateLimit("users.list", 1), WithFault(Fault{Kind: FaultMissingScope, Method: "conversations.info"}))
	f := &fake{srv: srv}
	f.http = newHTTPTest(t, srv)
	f.client = slack.New(canary, slack.OptionAPIURL(f.http.URL+"/"))
	var bodies [][]byte
	for _, c := range []struct {
		method string
		params url.Values
	}{
		{"auth.test", nil},
		{"conversations.list", url.Values{"limit": {"1"}}},
		{"conversations.history", url.Values{"channel": {incChan}}},
		{"conversations.history", url.Values{"channel": {"C99"}}},
		{"conversations.replies", url.Values{"channel": {incChan}, "ts": {"1"}}},
		{"conversations.info", url.Values{"channel": {incChan}}},
		{"users.list", nil},
		{"users.list", nil}, // 429
		{"nope.method", nil},
	} {
		bodies = append(bodies, f.call(t, c.method, canary, c.params).body)
		p := cloneValues(c.params)
		p.Set("token", canary)
		bodies = append(bodies, f.get(t, c.method, p).body)
	}
	bodies = append(bodies, f.call(t, "auth.test", "xoxb-wrong", nil).body)
	for _, b := range bodies {
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("response echoes the token: %s", b)
		}
	}
	if strings.Contains(logs.String(), canary) {
		t.Errorf("log echoes the token: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "method=conversations.history") {
		t.Errorf("log lacks request lines: %s", logs.String())
	}
	if r := f.call(t, "auth.test", "xoxb-other", nil); r.decode(t).Error != "invalid_auth" {
		t.Errorf("other token with a canary set = %s; want invalid_auth", r.body)
	}
	// A message that contains the canary is counted, as a test's tripwire.
	if err := ws.AddMessage(genChan, NewMessage("1795500000.000000", "U1", "oops "+canary)); err != nil {
		t.Fatal(err)
	}
	f.call(t, "conversations.history", canary, url.Values{"channel": {genChan}})
	if got := srv.Stats().CanaryEchoes; got != 1 {
		t.Errorf("Stats().CanaryEchoes = %d; want 1", got)
	}
}

// Concurrent calls and mutations are safe (run with -race).
func TestConcurrentUse(t *testing.T) {
	ws := loadTestExport(t)
	f := startFake(t, ws, WithShortPages(), WithRateLimit("conversations.list", 1000))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				_, _ = historyOnce(f, incsChan, "", 2)
				_, _, _ = f.client.GetConversationsContext(context.Background(), &slack.GetConversationsParameters{Limit: 1})
				f.srv.SetMember(genChan, j%2 == 0)
				_ = f.srv.Stats()
				if i == 0 {
					_ = ws.AddMessage(incsChan, NewMessage("1795600000."+strings.Repeat("0", 5)+string(rune('0'+j)), "U1", "x"))
				}
			}
		}()
	}
	wg.Wait()
	if got := f.srv.Calls()["conversations.history"]; got != 80 {
		t.Errorf("Calls()[history] = %d; want 80", got)
	}
}

func TestArgumentsInQueryAndForm(t *testing.T) {
	f := startFake(t, nil)
	post := f.mustOK(t, "conversations.history", url.Values{"channel": {incChan}, "limit": {"2"}})
	get := f.get(t, "conversations.history", url.Values{"channel": {incChan}, "limit": {"2"}, "token": {testToken}})
	if !bytes.Equal(get.body, f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}, "limit": {"2"}}).body) {
		t.Errorf("GET and POST differ:\n%s", get.body)
	}
	if len(post.Messages) != 2 || get.status != http.StatusOK {
		t.Errorf("history(limit=2) = %d messages", len(post.Messages))
	}
	if ct := get.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
}
