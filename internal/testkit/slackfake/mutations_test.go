package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/slack-go/slack"
)

func TestMutationsVisibleOnNextCall(t *testing.T) {
	ws := loadTestExport(t)
	f := startFake(t, ws)
	ctx := context.Background()
	history := func(ch string) []string {
		t.Helper()
		ts, _ := slackGoHistory(t, f.client, slack.GetConversationHistoryParameters{ChannelID: ch, Limit: 3})
		return ts
	}
	parent := "1795165200.000000"
	thread := func() []slack.Message {
		t.Helper()
		msgs, _, _, err := f.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: incsChan, Timestamp: parent})
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}

	// A new top-level message.
	before := history(incsChan)
	if err := ws.AddMessage(incsChan, NewMessage("1795300000.000100", "U02BOB", "new")); err != nil {
		t.Fatal(err)
	}
	if got := history(incsChan); len(got) != len(before)+1 || got[0] != "1795300000.000100" {
		t.Errorf("history after AddMessage = %v", got)
	}

	// A reply: thread and parent metadata change, history does not.
	if err := ws.AddReply(incsChan, parent, json.RawMessage(`{"type":"message","user":"U03CAROL","text":"late reply","ts":"1795300000.000200"}`)); err != nil {
		t.Fatal(err)
	}
	msgs := thread()
	if p := msgs[0]; p.ReplyCount != 5 || p.LatestReply != "1795300000.000200" || !slices.Contains(p.ReplyUsers, "U03CAROL") {
		t.Errorf("parent after AddReply = count %d latest %s users %v", p.ReplyCount, p.LatestReply, p.ReplyUsers)
	}
	if last := msgs[len(msgs)-1]; last.Timestamp != "1795300000.000200" || last.ThreadTimestamp != parent || last.ParentUserId != "U01ALICE" {
		t.Errorf("new reply = %+v", last.Msg)
	}
	if got := history(incsChan); slices.Contains(got, "1795300000.000200") {
		t.Error("plain reply appeared in history")
	}
	// A broadcast reply shows in both.
	if err := ws.AddReply(incsChan, parent, json.RawMessage(`{"type":"message","subtype":"thread_broadcast","user":"U02BOB","text":"also in channel","ts":"1795300000.000300"}`)); err != nil {
		t.Fatal(err)
	}
	if got := history(incsChan); got[0] != "1795300000.000300" {
		t.Errorf("history after broadcast = %v", got)
	}

	// An edit replaces the bytes; the parent keeps its reply metadata.
	edited := json.RawMessage(`{"type":"message","user":"U01ALICE","text":"Declaring incident: search latency (SEV1)","ts":"1795165200.000000","edited":{"user":"U01ALICE","ts":"1795300001.000000"}}`)
	if err := ws.EditMessage(incsChan, parent, edited); err != nil {
		t.Fatal(err)
	}
	if p := thread()[0]; p.Text != "Declaring incident: search latency (SEV1)" || p.Edited == nil || p.ReplyCount != 6 || p.ThreadTimestamp != parent {
		t.Errorf("parent after edit = %+v", p.Msg)
	}

	// Deleting a parent with replies leaves a tombstone with its thread.
	if err := ws.DeleteMessage(incsChan, parent); err != nil {
		t.Fatal(err)
	}
	msgs = thread()
	if p := msgs[0]; p.SubType != "tombstone" || !p.Hidden || p.ReplyCount != 6 || len(msgs) != 7 {
		t.Errorf("after deleting the parent: %+v, %d messages", p.Msg, len(msgs))
	}
	if !slices.Contains(history(incsChan), parent) {
		t.Error("tombstone missing from history")
	}
	// Deleting every reply removes the tombstone too.
	for _, r := range msgs[1:] {
		if err := ws.DeleteMessage(incsChan, r.Timestamp); err != nil {
			t.Fatal(err)
		}
	}
	if slices.Contains(history(incsChan), parent) {
		t.Error("tombstone without replies still in history")
	}
	if p := f.call(t, "conversations.replies", testToken, url.Values{"channel": {incsChan}, "ts": {parent}}).decode(t); p.Error != "thread_not_found" {
		t.Errorf("replies of a gone thread = %q; want thread_not_found", p.Error)
	}

	// Deleting a plain message removes it.
	if err := ws.DeleteMessage(incsChan, "1795300000.000100"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(history(incsChan), "1795300000.000100") {
		t.Error("deleted message still in history")
	}

	// Deleting a reply of a live parent updates its metadata.
	bParent := "1795167000.000000"
	if err := ws.DeleteMessage(incsChan, "1795167060.000000"); err != nil {
		t.Fatal(err)
	}
	raw, _ := ws.Message(incsChan, bParent)
	if m := info(t, raw); m.ReplyCount == nil || *m.ReplyCount != 0 || m.LatestReply != "0000000000.000000" || m.ReplyUsers != nil {
		t.Errorf("parent after its last reply went = %s", raw)
	}

	// Channels: add, archive, delete.
	if err := ws.AddChannel(Channel{ID: "C09NEW", Name: "inc-5678-new", Created: 1795300000, Creator: "U01ALICE"}); err != nil {
		t.Fatal(err)
	}
	if err := ws.AddMessage("C09NEW", NewMessage("1795300010.000000", "U01ALICE", "declared")); err != nil {
		t.Fatal(err)
	}
	if got := history("C09NEW"); !slices.Equal(got, []string{"1795300010.000000"}) {
		t.Errorf("history of new channel = %v", got)
	}
	if err := ws.ArchiveChannel("C09NEW"); err != nil {
		t.Fatal(err)
	}
	ch, err := f.client.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C09NEW"})
	if err != nil || !ch.IsArchived {
		t.Errorf("info after ArchiveChannel = %+v, %v", ch, err)
	}
	if err := ws.DeleteChannel("C09NEW"); err != nil {
		t.Fatal(err)
	}
	if _, err := historyOnce(f, "C09NEW", "", 0); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("history after DeleteChannel = %v; want channel_not_found", err)
	}
	if err := ws.AddUser(User{ID: "U09NEW", Name: "dave", RealName: "Dave"}); err != nil {
		t.Fatal(err)
	}
	users, err := f.client.GetUsersContext(ctx)
	if err != nil || users[len(users)-1].ID != "U09NEW" || users[len(users)-1].Profile.DisplayName != "dave" {
		t.Errorf("users after AddUser = %v, %v", users, err)
	}
}

// Messages added between pages are neither repeated nor make others skip.
func TestMutationBetweenPages(t *testing.T) {
	ws := loadTestExport(t)
	f := startFake(t, ws)
	resp, err := historyOnce(f, incsChan, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range resp.Messages {
		seen[m.Timestamp]++
	}
	if err := ws.AddMessage(incsChan, NewMessage("1795400000.000000", "U01ALICE", "newest")); err != nil {
		t.Fatal(err)
	}
	if err := ws.DeleteMessage(incsChan, "1795161600.000100"); err != nil { // "morning", oldest
		t.Fatal(err)
	}
	cursor := resp.ResponseMetaData.NextCursor
	for cursor != "" {
		resp, err := historyOnce(f, incsChan, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range resp.Messages {
			seen[m.Timestamp]++
		}
		cursor = resp.ResponseMetaData.NextCursor
	}
	for ts, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", ts, n)
		}
	}
	if len(seen) != 13 {
		t.Errorf("saw %d messages; want the 14 there were, less the one deleted", len(seen))
	}
}

func TestMutationErrors(t *testing.T) {
	ws := loadTestExport(t)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"AddMessage unknown channel", ws.AddMessage("C99", NewMessage("1.000001", "U1", "x")), ErrNoChannel},
		{"AddMessage duplicate ts", ws.AddMessage(incChan, NewMessage("1795132200.000000", "U1", "x")), ErrExists},
		{"AddMessage no ts", ws.AddMessage(incChan, json.RawMessage(`{"text":"x"}`)), ErrInvalid},
		{"AddMessage not JSON", ws.AddMessage(incChan, json.RawMessage(`{`)), ErrInvalid},
		{"AddReply unknown parent", ws.AddReply(incChan, "1.000001", NewMessage("2.000001", "U1", "x")), ErrNoMessage},
		{"AddReply other thread", ws.AddReply(incChan, "1795132260.000000", json.RawMessage(`{"ts":"2.000001","thread_ts":"9.000000"}`)), ErrInvalid},
		{"EditMessage unknown", ws.EditMessage(incChan, "1.000001", NewMessage("1.000001", "U1", "x")), ErrNoMessage},
		{"EditMessage ts differs", ws.EditMessage(incChan, "1795132200.000000", NewMessage("1.000001", "U1", "x")), ErrInvalid},
		{"DeleteMessage unknown", ws.DeleteMessage(incChan, "1.000001"), ErrNoMessage},
		{"ArchiveChannel unknown", ws.ArchiveChannel("C99"), ErrNoChannel},
		{"AddChannel duplicate", ws.AddChannel(Channel{ID: incChan, Name: "x"}), ErrExists},
		{"AddUser duplicate", ws.AddUser(User{ID: "U01ALICE"}), ErrExists},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s = %v; want %v", tt.name, tt.err, tt.want)
		}
	}
}
