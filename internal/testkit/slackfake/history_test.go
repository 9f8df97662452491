package slackfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/slack-go/slack"
)

// slackGoHistory pages through conversations.history with slack-go until
// next_cursor is empty, never stopping on a short page.
func slackGoHistory(t *testing.T, c *slack.Client, params slack.GetConversationHistoryParameters) (ts []string, pages int) {
	t.Helper()
	for {
		resp, err := c.GetConversationHistoryContext(context.Background(), &params)
		if err != nil {
			t.Fatalf("GetConversationHistory(%+v) = %v", params, err)
		}
		pages++
		for _, m := range resp.Messages {
			ts = append(ts, m.Timestamp)
		}
		if resp.HasMore != (resp.ResponseMetaData.NextCursor != "") {
			t.Fatalf("has_more %v with next_cursor %q", resp.HasMore, resp.ResponseMetaData.NextCursor)
		}
		if resp.ResponseMetaData.NextCursor == "" {
			return ts, pages
		}
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
}

// rawHistory pages with a plain HTTP client, returning raw messages.
func rawHistory(t *testing.T, f *fake, params url.Values) (msgs []json.RawMessage, pageSizes []int) {
	t.Helper()
	params = cloneValues(params)
	for {
		p := f.mustOK(t, "conversations.history", params)
		msgs = append(msgs, p.Messages...)
		pageSizes = append(pageSizes, len(p.Messages))
		if p.ResponseMetadata.NextCursor == "" {
			if p.HasMore {
				t.Fatal("has_more without next_cursor")
			}
			return msgs, pageSizes
		}
		params.Set("cursor", p.ResponseMetadata.NextCursor)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func TestHistoryPaginationSlackGo(t *testing.T) {
	ws := loadTestExport(t)
	for _, short := range []bool{false, true} {
		opts := []Option{}
		if short {
			opts = append(opts, WithShortPages())
		}
		f := startFake(t, ws, opts...)
		for _, ch := range []string{incChan, incsChan, genChan, secChan, privChan, "C04RANDOM"} {
			want := reversed(tsOf(t, wantHistory(t, ws, ch)))
			for _, limit := range []int{1, 2, 3, 5, 0} {
				t.Run(fmt.Sprintf("%s/limit=%d/short=%v", ch, limit, short), func(t *testing.T) {
					got, pages := slackGoHistory(t, f.client, slack.GetConversationHistoryParameters{ChannelID: ch, Limit: limit})
					if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
						t.Errorf("history ts (newest first) mismatch (-want +got):\n%s", diff)
					}
					if limit > 0 && pages < (len(want)+limit-1)/limit {
						t.Errorf("%d pages for %d messages at limit %d", pages, len(want), limit)
					}
				})
			}
		}
	}
}

func TestHistoryRawBytesAndShortPages(t *testing.T) {
	ws := loadTestExport(t)
	f := startFake(t, ws, WithShortPages("conversations.history"))
	got, sizes := rawHistory(t, f, url.Values{"channel": {incsChan}, "limit": {"4"}})
	want := reversed(wantHistory(t, ws, incsChan))
	if len(got) != len(want) {
		t.Fatalf("got %d messages; want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("message %d =\n%s\nwant\n%s", i, got[i], want[i])
		}
	}
	short := false
	for _, n := range sizes[:len(sizes)-1] {
		if n < 4 {
			short = true
		}
	}
	if !short {
		t.Errorf("page sizes %v: want a short page before the last", sizes)
	}
	// The raw body holds the export's bytes, HTML characters unescaped.
	r := f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}})
	if !bytes.Contains(r.body, []byte(`<@U02BOB> & <!channel>`)) || !bytes.Contains(r.body, []byte(`https:\/\/grafana`)) {
		t.Errorf("history body re-escaped the messages: %s", r.body)
	}
}

func TestHistorySplitsThreads(t *testing.T) {
	f := startFake(t, nil)
	p := f.mustOK(t, "conversations.history", url.Values{"channel": {incChan}})
	byTS := map[string]msgInfo{}
	for _, raw := range p.Messages {
		m := info(t, raw)
		byTS[m.TS] = m
	}
	if m, ok := byTS["1795133400.000000"]; !ok || m.Subtype != "thread_broadcast" {
		t.Errorf("thread_broadcast reply missing from history")
	}
	for _, reply := range []string{"1795132500.000000", "1795133100.000000", "1795134060.000000"} {
		if _, ok := byTS[reply]; ok {
			t.Errorf("thread reply %s in history", reply)
		}
	}
	if m, ok := byTS["1795134000.000000"]; !ok || m.Subtype != "tombstone" || !m.Hidden || m.ReplyCount == nil || *m.ReplyCount != 2 {
		t.Errorf("tombstone parent = %+v; want in history, hidden, reply_count 2", m)
	}
	if p.PinCount != 1 {
		t.Errorf("pin_count = %d; want 1", p.PinCount)
	}
	if p.HasMore || bytes.Contains(f.call(t, "conversations.history", testToken, url.Values{"channel": {incChan}}).body, []byte("response_metadata")) {
		t.Errorf("last page: has_more %v; want false and no response_metadata", p.HasMore)
	}
}

func TestHistoryTimeWindow(t *testing.T) {
	ws := NewWorkspace()
	if err := ws.AddChannel(Channel{ID: "C1", Name: "c"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if err := ws.AddMessage("C1", NewMessage(fmt.Sprintf("100.00000%d", i), "U1", strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	f := startFake(t, ws)
	tests := []struct {
		oldest, latest, inclusive string
		want                      []string
	}{
		{"", "", "", []string{"100.000005", "100.000004", "100.000003", "100.000002", "100.000001"}},
		{"100.000002", "", "", []string{"100.000005", "100.000004", "100.000003"}},
		{"100.000002", "", "1", []string{"100.000005", "100.000004", "100.000003", "100.000002"}},
		{"", "100.000004", "", []string{"100.000003", "100.000002", "100.000001"}},
		{"", "100.000004", "true", []string{"100.000004", "100.000003", "100.000002", "100.000001"}},
		{"100.000002", "100.000004", "", []string{"100.000003"}},
		{"100.000002", "100.000004", "1", []string{"100.000004", "100.000003", "100.000002"}},
		{"100.000002", "100.000004", "0", []string{"100.000003"}},
		{"100", "101", "", []string{"100.000005", "100.000004", "100.000003", "100.000002", "100.000001"}},
		{"100.000005", "", "", []string{}},
		{"0", "", "1", []string{"100.000005", "100.000004", "100.000003", "100.000002", "100.000001"}},
	}
	for _, tt := range tests {
		for _, limit := range []string{"", "1", "2"} {
			params := url.Values{"channel": {"C1"}, "limit": {limit}}
			for k, v := range map[string]string{"oldest": tt.oldest, "latest": tt.latest, "inclusive": tt.inclusive} {
				if v != "" {
					params.Set(k, v)
				}
			}
			msgs, _ := rawHistory(t, f, params)
			got := tsOf(t, msgs)
			if !slices.Equal(got, tt.want) {
				t.Errorf("history(oldest=%q latest=%q inclusive=%q limit=%q) = %v; want %v",
					tt.oldest, tt.latest, tt.inclusive, limit, got, tt.want)
			}
		}
	}
	// Time-based paging as Slack documents: latest = ts of the last message.
	var got []string
	latest := ""
	for range 10 {
		params := url.Values{"channel": {"C1"}, "limit": {"2"}}
		if latest != "" {
			params.Set("latest", latest)
		}
		p := f.mustOK(t, "conversations.history", params)
		got = append(got, tsOf(t, p.Messages)...)
		if !p.HasMore {
			break
		}
		latest = info(t, p.Messages[len(p.Messages)-1]).TS
	}
	if want := []string{"100.000005", "100.000004", "100.000003", "100.000002", "100.000001"}; !slices.Equal(got, want) {
		t.Errorf("paging by latest = %v; want %v", got, want)
	}
	for _, bad := range []struct{ arg, err string }{{"oldest", "invalid_ts_oldest"}, {"latest", "invalid_ts_latest"}} {
		if p := f.call(t, "conversations.history", testToken, url.Values{"channel": {"C1"}, bad.arg: {"yesterday"}}).decode(t); p.Error != bad.err {
			t.Errorf("history(%s=yesterday) error = %q; want %s", bad.arg, p.Error, bad.err)
		}
	}
}

func TestHistoryLimits(t *testing.T) {
	f := startFake(t, nil, WithMaxPageSize("conversations.history", 3))
	p := f.mustOK(t, "conversations.history", url.Values{"channel": {incsChan}, "limit": {"100"}})
	if len(p.Messages) != 3 || !p.HasMore || p.ResponseMetadata.NextCursor == "" {
		t.Errorf("history(limit=100, max 3) = %d messages, has_more %v; want 3, true", len(p.Messages), p.HasMore)
	}
	f.srv.SetMaxPageSize("conversations.history", 999)
	p = f.mustOK(t, "conversations.history", url.Values{"channel": {incsChan}, "limit": {"5"}})
	if len(p.Messages) != 5 {
		t.Errorf("history(limit=5) = %d messages; want 5", len(p.Messages))
	}
	if p := f.call(t, "conversations.history", testToken, url.Values{"channel": {incsChan}, "limit": {"-1"}}).decode(t); p.Error != "invalid_limit" {
		t.Errorf("history(limit=-1) error = %q; want invalid_limit", p.Error)
	}
}

func TestNonMarketplaceApp(t *testing.T) {
	ws := NewWorkspace()
	_ = ws.AddChannel(Channel{ID: "C1", Name: "c"})
	for i := range 40 {
		_ = ws.AddMessage("C1", NewMessage(fmt.Sprintf("200.%06d", i+1), "U1", "m"))
	}
	clock := NewFakeClock(epoch)
	f := startFake(t, ws, WithNonMarketplaceApp(), WithClock(clock))
	p := f.mustOK(t, "conversations.history", url.Values{"channel": {"C1"}, "limit": {"200"}})
	if len(p.Messages) != 15 {
		t.Errorf("history(limit=200) = %d messages; want 15", len(p.Messages))
	}
	r := f.call(t, "conversations.history", testToken, url.Values{"channel": {"C1"}, "cursor": {p.ResponseMetadata.NextCursor}})
	if r.status != 429 || r.header.Get("Retry-After") != "60" {
		t.Errorf("second history call in a minute = %d Retry-After %q; want 429, 60", r.status, r.header.Get("Retry-After"))
	}
}

func TestInvalidCursor(t *testing.T) {
	f := startFake(t, nil)
	list := f.mustOK(t, "conversations.list", url.Values{"limit": {"1"}})
	for _, tt := range []struct {
		method string
		params url.Values
	}{
		{"conversations.history", url.Values{"channel": {incChan}, "cursor": {"not base64!"}}},
		{"conversations.history", url.Values{"channel": {incChan}, "cursor": {list.ResponseMetadata.NextCursor}}},
		{"conversations.replies", url.Values{"channel": {incChan}, "ts": {"1795132260.000000"}, "cursor": {"bm9wZQ=="}}},
		{"conversations.list", url.Values{"cursor": {"bmV4dF90czox"}}},
		{"users.list", url.Values{"cursor": {"garbage"}}},
	} {
		if p := f.call(t, tt.method, testToken, tt.params).decode(t); p.OK || p.Error != "invalid_cursor" {
			t.Errorf("%s(%v) = ok %v error %q; want invalid_cursor", tt.method, tt.params, p.OK, p.Error)
		}
	}
	_, _, _, err := f.client.GetConversationRepliesContext(context.Background(), &slack.GetConversationRepliesParameters{
		ChannelID: incChan, Timestamp: "1795132260.000000", Cursor: "xyz",
	})
	if se, ok := err.(slack.SlackErrorResponse); !ok || se.Err != "invalid_cursor" {
		t.Errorf("slack-go replies(bad cursor) = %v; want SlackErrorResponse invalid_cursor", err)
	}
}
