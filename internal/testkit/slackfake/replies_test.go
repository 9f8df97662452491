package slackfake

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

// slackGoReplies pages through a thread with slack-go, de-duplicating by ts
// as a client must, and reports how many times the parent came back.
func slackGoReplies(t *testing.T, c *slack.Client, params slack.GetConversationRepliesParameters) (ts []string, parentSeen int) {
	t.Helper()
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		msgs, hasMore, next, err := c.GetConversationRepliesContext(context.Background(), &params)
		if err != nil {
			t.Fatalf("GetConversationReplies(%+v) = %v", params, err)
		}
		for _, m := range msgs {
			if m.Timestamp == params.Timestamp {
				parentSeen++
			}
			if !seen[m.Timestamp] {
				seen[m.Timestamp] = true
				ts = append(ts, m.Timestamp)
			}
		}
		if hasMore != (next != "") {
			t.Fatalf("has_more %v with next_cursor %q", hasMore, next)
		}
		if next == "" {
			return ts, parentSeen
		}
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		params.Cursor = next
	}
}

func TestRepliesPagination(t *testing.T) {
	ws := loadTestExport(t)
	threads := []struct{ channel, parent string }{
		{incChan, "1795132260.000000"},  // spans two day files, one broadcast
		{incChan, "1795134000.000000"},  // tombstone parent
		{incsChan, "1795165200.000000"}, // metadata computed by the fake
		{incsChan, "1795167000.000000"},
		{secChan, "1795176000.000000"}, // private channel
		{genChan, "1794992400.000000"}, // no replies: the message alone
	}
	for _, repeat := range []bool{false, true} {
		for _, short := range []bool{false, true} {
			var opts []Option
			if repeat {
				opts = append(opts, WithRepeatThreadParent())
			}
			if short {
				opts = append(opts, WithShortPages("conversations.replies"))
			}
			f := startFake(t, ws, opts...)
			for _, th := range threads {
				want := append([]string{th.parent}, tsOf(t, wantReplies(t, ws, th.channel, th.parent))...)
				for _, limit := range []int{1, 2, 3, 0} {
					name := fmt.Sprintf("%s/%s/limit=%d/repeat=%v/short=%v", th.channel, th.parent, limit, repeat, short)
					t.Run(name, func(t *testing.T) {
						got, parentSeen := slackGoReplies(t, f.client, slack.GetConversationRepliesParameters{
							ChannelID: th.channel, Timestamp: th.parent, Limit: limit,
						})
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("thread mismatch (-want +got):\n%s", diff)
						}
						if !repeat && parentSeen != 1 {
							t.Errorf("parent came back %d times; want once", parentSeen)
						}
					})
				}
			}
		}
	}
}

func TestRepliesRepeatParent(t *testing.T) {
	f := startFake(t, nil, WithRepeatThreadParent())
	parent := "1795165200.000000"
	_, parentSeen := slackGoReplies(t, f.client, slack.GetConversationRepliesParameters{ChannelID: incsChan, Timestamp: parent, Limit: 2})
	if parentSeen < 2 {
		t.Errorf("parent came back %d times with WithRepeatThreadParent; want on every page", parentSeen)
	}
	f.srv.SetRepeatThreadParent(false)
	if _, parentSeen = slackGoReplies(t, f.client, slack.GetConversationRepliesParameters{ChannelID: incsChan, Timestamp: parent, Limit: 2}); parentSeen != 1 {
		t.Errorf("parent came back %d times after SetRepeatThreadParent(false); want 1", parentSeen)
	}
}

func TestRepliesRaw(t *testing.T) {
	ws := loadTestExport(t)
	f := startFake(t, ws)
	parent := "1795132260.000000"
	p := f.mustOK(t, "conversations.replies", url.Values{"channel": {incChan}, "ts": {parent}})
	wantParent, _ := ws.Message(incChan, parent)
	want := append([]string{string(wantParent)}, func() (out []string) {
		for _, r := range wantReplies(t, ws, incChan, parent) {
			out = append(out, string(r))
		}
		return out
	}()...)
	var got []string
	for _, m := range p.Messages {
		got = append(got, string(m))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies bytes mismatch (-want +got):\n%s", diff)
	}
	if p.HasMore || bytes.Contains(f.call(t, "conversations.replies", testToken, url.Values{"channel": {incChan}, "ts": {parent}}).body, []byte("response_metadata")) {
		t.Error("single-page thread: want has_more false and no response_metadata")
	}

	// ts may name a reply: the whole thread comes back.
	p = f.mustOK(t, "conversations.replies", url.Values{"channel": {incChan}, "ts": {"1795133100.000000"}})
	if got := tsOf(t, p.Messages); len(got) != 4 || got[0] != parent {
		t.Errorf("replies(ts=reply) = %v; want the thread from its parent", got)
	}

	// A window filters the replies; the parent still leads.
	p = f.mustOK(t, "conversations.replies", url.Values{"channel": {incChan}, "ts": {parent}, "oldest": {"1795133100.000000"}})
	if got, want := tsOf(t, p.Messages), []string{parent, "1795133400.000000"}; !slices.Equal(got, want) {
		t.Errorf("replies(oldest) = %v; want %v", got, want)
	}
	p = f.mustOK(t, "conversations.replies", url.Values{"channel": {incChan}, "ts": {parent}, "oldest": {"1795133100.000000"}, "inclusive": {"1"}})
	if got, want := tsOf(t, p.Messages), []string{parent, "1795133100.000000", "1795133400.000000"}; !slices.Equal(got, want) {
		t.Errorf("replies(oldest, inclusive) = %v; want %v", got, want)
	}

	for _, tt := range []struct{ ts, want string }{
		{"1795000000.000000", "thread_not_found"},
		{"1795132200.000000", "thread_not_found"}, // channel_join
		{"", "invalid_arguments"},
	} {
		if p := f.call(t, "conversations.replies", testToken, url.Values{"channel": {incChan}, "ts": {tt.ts}}).decode(t); p.Error != tt.want {
			t.Errorf("replies(ts=%q) error = %q; want %s", tt.ts, p.Error, tt.want)
		}
	}
	_, _, _, err := f.client.GetConversationRepliesContext(context.Background(), &slack.GetConversationRepliesParameters{ChannelID: incChan, Timestamp: "1795000000.000000"})
	if se, ok := err.(slack.SlackErrorResponse); !ok || se.Err != "thread_not_found" {
		t.Errorf("slack-go replies(unknown ts) = %v; want thread_not_found", err)
	}
}
