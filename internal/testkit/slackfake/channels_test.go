package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func TestAuthTest(t *testing.T) {
	f := startFake(t, nil)
	got, err := f.client.AuthTestContext(context.Background())
	if err != nil {
		t.Fatalf("AuthTest() = %v", err)
	}
	want := &slack.AuthTestResponse{URL: "https://acme.slack.com/", Team: "Acme", User: "aftermath",
		TeamID: "T0TESTTEAM", UserID: "U0AFTERBOT", BotID: "B0AFTERBOT"}
	got.Header = nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AuthTest() mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthErrors(t *testing.T) {
	f := startFake(t, nil, WithToken(testToken))
	// slack-go with a wrong token.
	bad := slack.New("xoxb-wrong", slack.OptionAPIURL(f.http.URL+"/"))
	_, err := bad.AuthTestContext(context.Background())
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_auth" {
		t.Errorf("AuthTest(wrong token) = %v; want invalid_auth", err)
	}
	// Raw: no token, wrong token, token argument in a GET query.
	if r := f.call(t, "conversations.list", "", nil); r.status != 200 || r.decode(t).Error != "not_authed" {
		t.Errorf("list(no token) = %d %s; want 200 not_authed", r.status, r.body)
	}
	if r := f.call(t, "conversations.list", "xoxb-wrong", nil); r.decode(t).Error != "invalid_auth" {
		t.Errorf("list(wrong token) = %s; want invalid_auth", r.body)
	}
	if r := f.get(t, "conversations.list", url.Values{"token": {testToken}}); !r.decode(t).OK {
		t.Errorf("GET list?token= = %s; want ok", r.body)
	}
	if r := f.call(t, "chat.scheduleMessage", testToken, nil); r.decode(t).Error != "unknown_method" {
		t.Errorf("chat.scheduleMessage = %s; want unknown_method", r.body)
	}
}

func TestConversationsList(t *testing.T) {
	f := startFake(t, nil)
	ctx := context.Background()
	all := func(params slack.GetConversationsParameters) []string {
		t.Helper()
		var ids []string
		for range 100 {
			chs, next, err := f.client.GetConversationsContext(ctx, &params)
			if err != nil {
				t.Fatalf("GetConversations(%+v) = %v", params, err)
			}
			for _, c := range chs {
				ids = append(ids, c.ID)
			}
			if next == "" {
				return ids
			}
			params.Cursor = next
		}
		t.Fatal("pagination does not end")
		return nil
	}
	tests := []struct {
		params slack.GetConversationsParameters
		want   []string
	}{
		{slack.GetConversationsParameters{}, []string{"C01INC1234", "C02INCIDENTS", "C03GENERAL", "C04RANDOM"}},
		{slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}, Limit: 1},
			[]string{"C01INC1234", "C02INCIDENTS", "C03GENERAL", "C04RANDOM", "C05PRIVATE", "G01SECRET"}},
		{slack.GetConversationsParameters{Types: []string{"private_channel"}, Limit: 2}, []string{"C05PRIVATE", "G01SECRET"}},
		{slack.GetConversationsParameters{ExcludeArchived: true, Limit: 3}, []string{"C02INCIDENTS", "C03GENERAL", "C04RANDOM"}},
	}
	for _, tt := range tests {
		if got := all(tt.params); !slices.Equal(got, tt.want) {
			t.Errorf("GetConversations(%+v) = %v; want %v", tt.params, got, tt.want)
		}
	}

	chs, _, err := f.client.GetConversationsContext(ctx, &slack.GetConversationsParameters{Types: []string{"public_channel", "private_channel"}})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]slack.Channel{}
	for _, c := range chs {
		byID[c.ID] = c
	}
	inc := byID[incChan]
	if inc.Name != "inc-1234-checkout-5xx" || !inc.IsArchived || inc.IsPrivate || !inc.IsMember || !inc.IsChannel ||
		inc.NumMembers != 3 || inc.Topic.Value != "Status: Stable | Severity: SEV2" || inc.Purpose.Value != "Checkout returns 5xx" ||
		inc.Created != 1795132140 || inc.Creator != "U01ALICE" {
		t.Errorf("channel %s = %+v", incChan, inc)
	}
	if g := byID[secChan]; !g.IsPrivate || !g.IsGroup || g.IsChannel {
		t.Errorf("channel %s = %+v; want a private pre-2021 group", secChan, g)
	}
	if c := byID[privChan]; !c.IsPrivate || c.IsGroup || !c.IsChannel {
		t.Errorf("channel %s = %+v; want a private channel", privChan, c)
	}
	if !byID[genChan].IsGeneral {
		t.Errorf("general: is_general = false")
	}

	// Raw: the export-only members and pins are not served.
	p := f.mustOK(t, "conversations.list", url.Values{"limit": {"1"}})
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(p.Channels[0], &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"members", "pins"} {
		if _, ok := raw[k]; ok {
			t.Errorf("conversations.list channel has %q", k)
		}
	}
	if p.ResponseMetadata.NextCursor == "" {
		t.Error("conversations.list(limit=1): empty next_cursor")
	}
	if p := f.call(t, "conversations.list", testToken, url.Values{"types": {"public_channel,dm"}}).decode(t); p.Error != "invalid_types" {
		t.Errorf("list(types=dm) error = %q; want invalid_types", p.Error)
	}
}

func TestConversationsInfo(t *testing.T) {
	f := startFake(t, nil, WithMemberOf(incChan))
	ch, err := f.client.GetConversationInfoContext(context.Background(), &slack.GetConversationInfoInput{ChannelID: incChan, IncludeNumMembers: true})
	if err != nil || ch.ID != incChan || !ch.IsMember || ch.NumMembers != 3 {
		t.Errorf("GetConversationInfo(%s) = %+v, %v", incChan, ch, err)
	}
	// Public, not a member: visible.
	if ch, err := f.client.GetConversationInfoContext(context.Background(), &slack.GetConversationInfoInput{ChannelID: genChan}); err != nil || ch.IsMember {
		t.Errorf("GetConversationInfo(%s) = %+v, %v; want visible, not member", genChan, ch, err)
	}
	// Private, not a member, or unknown: channel_not_found.
	for _, id := range []string{secChan, "C99NOPE"} {
		_, err := f.client.GetConversationInfoContext(context.Background(), &slack.GetConversationInfoInput{ChannelID: id})
		if se, ok := err.(slack.SlackErrorResponse); !ok || se.Err != "channel_not_found" {
			t.Errorf("GetConversationInfo(%s) = %v; want channel_not_found", id, err)
		}
	}
	if p := f.call(t, "conversations.info", testToken, nil).decode(t); p.Error != "invalid_arguments" {
		t.Errorf("info() error = %q; want invalid_arguments", p.Error)
	}
}

func TestMembershipAndJoin(t *testing.T) {
	f := startFake(t, nil, WithMemberOf())
	ctx := context.Background()
	history := func(id string) error {
		_, err := f.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: id})
		return err
	}
	errCode := func(err error) string {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return se.Err
		}
		return ""
	}
	if got := errCode(history(incChan)); got != "not_in_channel" {
		t.Errorf("history(public, not member) = %q; want not_in_channel", got)
	}
	if got := errCode(history(secChan)); got != "channel_not_found" {
		t.Errorf("history(private, not member) = %q; want channel_not_found", got)
	}
	_, _, _, err := f.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: incChan, Timestamp: "1795132260.000000"})
	if got := errCode(err); got != "not_in_channel" {
		t.Errorf("replies(not member) = %q; want not_in_channel", got)
	}
	// Private channels the bot is not in are not listed.
	chs, _, _ := f.client.GetConversationsContext(ctx, &slack.GetConversationsParameters{Types: []string{"private_channel"}})
	if len(chs) != 0 {
		t.Errorf("list(private, member of none) = %d channels; want 0", len(chs))
	}

	if _, _, _, err := f.client.JoinConversationContext(ctx, secChan); errCode(err) != "method_not_supported_for_channel_type" {
		t.Errorf("join(private) = %v; want method_not_supported_for_channel_type", err)
	}
	if _, _, _, err := f.client.JoinConversationContext(ctx, incChan); errCode(err) != "is_archived" {
		t.Errorf("join(archived) = %v; want is_archived", err)
	}
	if _, _, _, err := f.client.JoinConversationContext(ctx, "C99NOPE"); errCode(err) != "channel_not_found" {
		t.Errorf("join(unknown) = %v; want channel_not_found", err)
	}
	ch, warning, _, err := f.client.JoinConversationContext(ctx, incsChan)
	if err != nil || ch == nil || !ch.IsMember || warning != "" {
		t.Fatalf("join(%s) = %+v, %q, %v; want member", incsChan, ch, warning, err)
	}
	if err := history(incsChan); err != nil {
		t.Errorf("history after join = %v", err)
	}
	if _, warning, warnings, err := f.client.JoinConversationContext(ctx, incsChan); err != nil || warning != "already_in_channel" || !slices.Equal(warnings, []string{"already_in_channel"}) {
		t.Errorf("join again = %q %v %v; want already_in_channel warning", warning, warnings, err)
	}
	f.srv.SetMember(secChan, true)
	if err := history(secChan); err != nil {
		t.Errorf("history after SetMember(private) = %v", err)
	}
}

func TestMissingScope(t *testing.T) {
	f := startFake(t, nil, WithScopes("channels:read", "channels:history"))
	_, err := f.client.GetConversationHistoryContext(context.Background(), &slack.GetConversationHistoryParameters{ChannelID: secChan})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "groups:history" || se.Provided != "channels:read,channels:history" {
		t.Errorf("history(private) without groups:history = %#v; want missing_scope needed groups:history", err)
	}
	if _, err := f.client.GetConversationHistoryContext(context.Background(), &slack.GetConversationHistoryParameters{ChannelID: incChan}); err != nil {
		t.Errorf("history(public) = %v", err)
	}
	if _, err := f.client.GetUsersContext(context.Background()); !errors.As(err, &se) || se.Needed != "users:read" {
		t.Errorf("users.list without users:read = %v; want missing_scope", err)
	}
	f.srv.SetScopes(DefaultScopes...)
	if _, err := f.client.GetUsersContext(context.Background()); err != nil {
		t.Errorf("users.list after SetScopes = %v", err)
	}
}

func TestUsersList(t *testing.T) {
	ws := loadTestExport(t)
	f := startFake(t, ws, WithShortPages("users.list"))
	users, err := f.client.GetUsersContext(context.Background(), slack.GetUsersOptionLimit(2))
	if err != nil {
		t.Fatalf("GetUsers() = %v", err)
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if want := []string{"U01ALICE", "U02BOB", "U03CAROL", "U04PDBOT"}; !slices.Equal(ids, want) {
		t.Errorf("GetUsers() IDs = %v; want %v", ids, want)
	}
	if !users[2].Deleted || !users[3].IsBot || users[0].Profile.DisplayName != "alice" {
		t.Errorf("GetUsers() fields lost: %+v", users)
	}
	// Raw: the users.json bytes, compacted.
	var got []json.RawMessage
	params := url.Values{"limit": {"3"}}
	for {
		p := f.mustOK(t, "users.list", params)
		got = append(got, p.Members...)
		if p.ResponseMetadata.NextCursor == "" {
			break
		}
		params.Set("cursor", p.ResponseMetadata.NextCursor)
	}
	want := ws.Users()
	if len(got) != len(want) {
		t.Fatalf("users.list = %d members; want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i]) != string(want[i]) {
			t.Errorf("member %d = %s; want %s", i, got[i], want[i])
		}
	}
}
