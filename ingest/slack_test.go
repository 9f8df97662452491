package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// exportAndAPI ingests the export in dir through the export path and,
// served by the fake, through the API path, and returns both warehouses.
func exportAndAPI(t *testing.T, dir string, opts ...slackfake.Option) (fromExport, fromAPI *warehouse.DB, f *slackFake) {
	t.Helper()
	fromExport = warehousetest.Open(t)
	if _, err := ingestPath(t, fromExport, dir, testSelection(t)); err != nil {
		t.Fatalf("IngestExport(%s) = %v", dir, err)
	}
	f = startSlackFake(t, loadFakeExport(t, dir), opts...)
	fromAPI = warehousetest.Open(t)
	if _, err := ingestSlack(t, fromAPI, f.options(t, nil)); err != nil {
		t.Fatalf("IngestSlack = %v", err)
	}
	return fromExport, fromAPI, f
}

func TestIngestSlackMatchesExport(t *testing.T) {
	genDir := filepath.Join(t.TempDir(), "export")
	writeExport(t, genWorkspace(t, workspaceSpec{Seed: 3, Channels: 6, Messages: 120, ThreadEvery: 5, Replies: 4, Noise: 2}), genDir)
	for _, tc := range []struct {
		name string
		dir  string
		opts []slackfake.Option
	}{
		{"generated", genDir, nil},
		{"generated, short pages of 15", genDir, []slackfake.Option{slackfake.WithShortPages(), slackfake.WithMaxPageSize("conversations.history", 15), slackfake.WithMaxPageSize("conversations.replies", 15)}},
		{"generated, parent repeated on every replies page", genDir, []slackfake.Option{slackfake.WithRepeatThreadParent(), slackfake.WithMaxPageSize("conversations.replies", 2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fromExport, fromAPI, _ := exportAndAPI(t, tc.dir, tc.opts...)
			want, got := contentSums(t, fromExport.DB), contentSums(t, fromAPI.DB)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("content checksums differ (-export +api):\n%s", diff)
				if d := cmp.Diff(warehouse.Rows(t, fromExport.DB, messageColumns), warehouse.Rows(t, fromAPI.DB, messageColumns)); d != "" {
					t.Errorf("messages (-export +api):\n%s", d)
				}
			}
		})
	}
}

// The same on samplegen's realistic workspace: Block Kit, attachments,
// files, escaped slashes and unicode, day files cut on Los Angeles days.
func TestIngestSlackMatchesExportOnSampleWorkspace(t *testing.T) {
	dir := t.TempDir()
	if _, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
		Seed: 5, Weeks: 3, Incidents: 10, Scale: 0.5, End: testNow.Add(-24 * time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	fromExport, fromAPI, _ := exportAndAPI(t, filepath.Join(dir, "export"))
	if diff := cmp.Diff(contentSums(t, fromExport.DB), contentSums(t, fromAPI.DB)); diff != "" {
		t.Errorf("content checksums differ (-export +api):\n%s", diff)
		if d := cmp.Diff(warehouse.Rows(t, fromExport.DB, messageColumns), warehouse.Rows(t, fromAPI.DB, messageColumns)); d != "" {
			t.Errorf("messages (-export +api):\n%s", d)
		}
	}
}

// The fake's fixture has thread parents whose export entry lacks the reply
// metadata (thread_ts, reply_count, latest_reply, …) that the API always
// sends: apart from those members the two paths store the same messages.
func TestIngestSlackMatchesExportWithoutReplyMetadata(t *testing.T) {
	fromExport, fromAPI, _ := exportAndAPI(t, fakeExport)
	strip := func(rows []string) []string {
		out := make([]string, len(rows))
		for i, row := range rows {
			id, raw, _ := strings.Cut(row, " | ")
			var m map[string]any
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				t.Fatal(err)
			}
			if tt, ok := m["thread_ts"]; !ok || tt == m["ts"] {
				for _, k := range []string{"thread_ts", "reply_count", "reply_users_count", "latest_reply", "reply_users"} {
					delete(m, k)
				}
			}
			b, _ := json.Marshal(m)
			out[i] = id + " | " + string(b)
		}
		return out
	}
	q := `SELECT channel_id, raw::VARCHAR FROM messages ORDER BY channel_id, ts`
	if diff := cmp.Diff(strip(warehouse.Rows(t, fromExport.DB, q)), strip(warehouse.Rows(t, fromAPI.DB, q))); diff != "" {
		t.Errorf("messages differ beyond reply metadata (-export +api):\n%s", diff)
	}
	sums := func(db *warehouse.DB) map[string]string {
		m := contentSums(t, db.DB)
		delete(m, "messages")
		return m
	}
	if diff := cmp.Diff(sums(fromExport), sums(fromAPI)); diff != "" {
		t.Errorf("users or channels differ (-export +api):\n%s", diff)
	}
}

// smallSpec is the workspace most API tests use: 5 incident channels (C0002
// archived, C0003 private), 40 messages each, threads with a broadcast.
var smallSpec = workspaceSpec{Seed: 11, Channels: 5, Messages: 40, ThreadEvery: 4, Replies: 3, Noise: 1}

// cleanSums is what one uninterrupted run stores for spec.
func cleanSums(t *testing.T, spec workspaceSpec) map[string]string {
	t.Helper()
	f := startSlackFake(t, genWorkspace(t, spec))
	db := warehousetest.Open(t)
	if _, err := ingestSlack(t, db, f.options(t, nil)); err != nil {
		t.Fatalf("clean run: %v", err)
	}
	return contentSums(t, db.DB)
}

// lastThread returns the newest thread parent's ts in a channel.
func lastThread(t *testing.T, ws *slackfake.Workspace, channelID string) string {
	t.Helper()
	parent := ""
	for _, raw := range ws.Messages(channelID) {
		m, problem := parseSlackMessage(raw)
		if problem == "" && m.isParent() {
			parent = m.ts
		}
	}
	if parent == "" {
		t.Fatalf("no thread in %s", channelID)
	}
	return parent
}

func TestIngestSlackIncremental(t *testing.T) {
	ws := genWorkspace(t, smallSpec)
	f := startSlackFake(t, ws)
	db := warehousetest.Open(t)
	opts := f.options(t, nil)
	if _, err := ingestSlack(t, db, opts); err != nil {
		t.Fatal(err)
	}

	// A second run with nothing new: no history call for the complete
	// archived channel, exactly one for each open one, no replies.
	f.srv.Reset()
	res, err := ingestSlack(t, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	st := f.srv.Stats()
	wantHistory := map[string]int{"C0000INC": 1, "C0001INC": 1, "C0003INC": 1, "C0004INC": 1}
	if diff := cmp.Diff(wantHistory, st.HistoryCalls); diff != "" {
		t.Errorf("second run: conversations.history calls per channel (-want +got):\n%s", diff)
	}
	if n := st.Calls["conversations.replies"]; n != 0 {
		t.Errorf("second run: %d conversations.replies calls; want 0", n)
	}
	if c := res.Counts; c.MessagesNew != 0 || c.MessagesUpdated != 0 || c.ChannelsDone != 5 {
		t.Errorf("second run counts = %+v; want nothing new or updated, 5 channels done", c)
	}

	// New messages, a late reply and an edit inside the lookback, an
	// archive: all picked up, with one replies call for the one thread.
	now := testNow.Add(-time.Hour)
	parent := lastThread(t, ws, "C0001INC")
	for i, step := range []error{
		ws.AddMessage("C0000INC", slackfake.NewMessage(tsOf(now), "U02BOB", "new message")),
		ws.AddReply("C0001INC", parent, slackfake.NewMessage(tsOf(now.Add(time.Minute)), "U03CAROL", "late reply")),
		ws.EditMessage("C0001INC", parent, editedCopy(t, ws, "C0001INC", parent, now.Add(2*time.Minute))),
		ws.AddMessage("C0004INC", json.RawMessage(`{"type":"message","subtype":"channel_archive","user":"U01ALICE","text":"archived","ts":"`+tsOf(now.Add(3*time.Minute))+`"}`)),
		ws.ArchiveChannel("C0004INC"),
	} {
		if step != nil {
			t.Fatalf("mutation %d: %v", i, step)
		}
	}
	f.srv.Reset()
	if res, err = ingestSlack(t, db, opts); err != nil {
		t.Fatal(err)
	}
	if got := f.srv.Stats().RepliesCalls; !cmp.Equal(got, map[string]int{"C0001INC": 1}) {
		t.Errorf("third run: conversations.replies calls = %v; want one, in C0001INC", got)
	}
	if c := res.Counts; c.MessagesNew != 3 {
		t.Errorf("third run: %d new messages; want 3 (message, reply, archive)", c.MessagesNew)
	}
	fresh := warehousetest.Open(t)
	dir := filepath.Join(t.TempDir(), "export")
	writeExport(t, ws, dir)
	if _, err := ingestPath(t, fresh, dir, testSelection(t)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(contentSums(t, fresh.DB), contentSums(t, db.DB)); diff != "" {
		t.Errorf("after incremental runs, the warehouse differs from an export of the workspace (-export +api):\n%s", diff)
	}

	// The channel archived since is now complete too.
	f.srv.Reset()
	if _, err := ingestSlack(t, db, opts); err != nil {
		t.Fatal(err)
	}
	wantHistory = map[string]int{"C0000INC": 1, "C0001INC": 1, "C0003INC": 1}
	if diff := cmp.Diff(wantHistory, f.srv.Stats().HistoryCalls); diff != "" {
		t.Errorf("fourth run: conversations.history calls per channel (-want +got):\n%s", diff)
	}
	want := []string{"C0002INC | true | true", "C0004INC | true | true"}
	if got := warehouse.Rows(t, db.DB, `SELECT channel_id, history_complete, archived_complete FROM channel_state WHERE archived_complete ORDER BY 1`); !cmp.Equal(got, want) {
		t.Errorf("channel_state archived channels = %q; want %q", got, want)
	}
}

// editedCopy returns the stored message with new text and edited{}.
func editedCopy(t *testing.T, ws *slackfake.Workspace, channelID, ts string, at time.Time) json.RawMessage {
	t.Helper()
	raw, ok := ws.Message(channelID, ts)
	if !ok {
		t.Fatalf("no message %s in %s", ts, channelID)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["text"] = "edited: " + fmt.Sprint(m["text"])
	m["edited"] = map[string]string{"user": "U01ALICE", "ts": tsOf(at)}
	b, _ := json.Marshal(m)
	return b
}

func TestIngestSlackSeedsFromExport(t *testing.T) {
	ws := genWorkspace(t, smallSpec)
	dir := filepath.Join(t.TempDir(), "export")
	writeExport(t, ws, dir)
	db := warehousetest.Open(t)
	if _, err := ingestPath(t, db, dir, testSelection(t)); err != nil {
		t.Fatal(err)
	}
	before := contentSums(t, db.DB)
	f := startSlackFake(t, ws)
	if _, err := ingestSlack(t, db, f.options(t, nil)); err != nil {
		t.Fatal(err)
	}
	// The export's newest message per channel, less the lookback, is where
	// the API starts: one page per channel, not the whole history.
	st := f.srv.Stats()
	for _, id := range []string{"C0000INC", "C0001INC", "C0002INC", "C0003INC", "C0004INC"} {
		if n := st.HistoryCalls[id]; n != 1 {
			t.Errorf("conversations.history calls for %s = %d; want 1", id, n)
		}
	}
	if diff := cmp.Diff(before["messages"], contentSums(t, db.DB)["messages"]); diff != "" {
		t.Errorf("the API run changed messages the export stored:\n%s", diff)
	}
	if got := warehouse.Rows(t, db.DB, `SELECT DISTINCT seeded_from FROM slack_sync`); !cmp.Equal(got, []string{"export"}) {
		t.Errorf("slack_sync.seeded_from = %q; want [export]", got)
	}
	f.srv.Reset()
	if _, err := ingestSlack(t, db, f.options(t, nil)); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.Stats().HistoryCalls["C0002INC"]; n != 0 {
		t.Errorf("the archived channel was fetched again (%d calls)", n)
	}
}

func TestIngestSlackFaults(t *testing.T) {
	clean := cleanSums(t, smallSpec)
	hist := "conversations.history"
	for _, tc := range []struct {
		name   string
		server []slackfake.Option
		client func(*SlackOptions, *slackFake)
		// prepare changes the workspace or server before the faulty run.
		prepare func(*slackFake)
		wantErr error // nil, ErrPartial or ErrAuth
		// want is what the faulty run's result and log must show.
		want func(t *testing.T, res *SlackResult, err error, logs string, st slackfake.Stats)
		// heal undoes the fault before the rerun (ClearFaults by default).
		heal func(*slackFake)
	}{
		{
			name:   "5xx on history pages are retried",
			server: []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultServerError, Method: hist, Count: 3, Status: 502})},
			want:   wantRetries(3),
		},
		{
			name:   "truncated bodies are retried",
			server: []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultTruncate, Method: "conversations.replies", Count: 2})},
			want:   wantRetries(2),
		},
		{
			name:   "connection resets are retried",
			server: []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultReset, Method: "users.list", Count: 1}), slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultReset, Method: hist, Count: 2})},
			want:   wantRetries(3),
		},
		{
			name:   "timeouts are retried",
			server: []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultSlow, Method: "conversations.list", Count: 1, Delay: 5 * time.Second, RealTime: true})},
			client: func(o *SlackOptions, _ *slackFake) { o.RequestTimeout = 200 * time.Millisecond },
			want:   wantRetries(1),
		},
		{
			name:   "429 with Retry-After is honoured",
			server: []slackfake.Option{slackfake.WithTierLimits()},
			client: func(o *SlackOptions, _ *slackFake) { o.PageSize = map[string]int{hist: 5, "conversations.replies": 2} },
			want:   wantRateLimited(true),
		},
		{
			name:   "429 without Retry-After backs off",
			server: []slackfake.Option{slackfake.WithTierLimits(), slackfake.WithoutRetryAfter()},
			client: func(o *SlackOptions, _ *slackFake) { o.PageSize = map[string]int{hist: 5, "conversations.replies": 2} },
			want:   wantRateLimited(false),
		},
		{
			name:    "a channel that keeps failing is skipped, the others stored",
			server:  []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultServerError, Method: hist, Channel: "C0001INC"})},
			client:  func(o *SlackOptions, _ *slackFake) { o.MaxRetries = 2 },
			wantErr: ErrPartial,
			want:    wantSkip("channel", "#inc-1001-outage (C0001INC)", "giving up after 3 attempts"),
		},
		{
			name:    "channel_not_found mid-pass skips the channel and keeps its first pages",
			server:  []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultChannelNotFound, Method: hist, Channel: "C0000INC", After: 2})},
			client:  func(o *SlackOptions, _ *slackFake) { o.PageSize = map[string]int{hist: 8} },
			wantErr: ErrPartial,
			want:    wantSkip("channel", "#inc-1000-outage (C0000INC)", "channel_not_found"),
		},
		{
			name: "not_in_channel mid-pass (the bot was removed) skips the channel",
			client: func(o *SlackOptions, f *slackFake) {
				o.PageSize = map[string]int{hist: 8}
				o.HTTPClient = &http.Client{Transport: &removeBotAfter{next: o.HTTPClient.Transport, srv: f.srv, channel: "C0001INC", calls: 2}}
			},
			wantErr: ErrPartial,
			want:    wantSkip("channel", "#inc-1001-outage (C0001INC)", "not_in_channel"),
			heal:    func(f *slackFake) { f.srv.SetMember("C0001INC", true) },
		},
		{
			name:    "a channel the bot is not in is skipped with one warning",
			prepare: func(f *slackFake) { f.srv.SetMember("C0001INC", false) },
			wantErr: ErrPartial,
			want: func(t *testing.T, res *SlackResult, err error, logs string, st slackfake.Stats) {
				wantSkip("channel", "#inc-1001-outage (C0001INC)", "not a member")(t, res, err, logs, st)
				if n := strings.Count(logs, "not a member"); n != 1 {
					t.Errorf("the log names the channel %d times; want one warning:\n%s", n, logs)
				}
			},
			heal: func(f *slackFake) { f.srv.SetMember("C0001INC", true) },
		},
		{
			name:    "invalid_auth mid-run stops with ErrAuth",
			server:  []slackfake.Option{slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultInvalidAuth, Method: hist, After: 2})},
			wantErr: ErrAuth,
			want:    wantMessage("invalid_auth", "$SLACK_TOKEN"),
		},
		{
			name:    "a missing scope names the scope and the setting",
			server:  []slackfake.Option{slackfake.WithScopes("channels:history", "channels:read", "groups:read", "users:read")},
			wantErr: ErrAuth,
			want:    wantMessage("groups:history", "$SLACK_TOKEN", "reinstall"),
			heal:    func(f *slackFake) { f.srv.SetScopes(slackfake.DefaultScopes...) },
		},
		{
			name: "a wrong token fails at auth.test",
			client: func(o *SlackOptions, f *slackFake) {
				o.Token, o.TokenSource = "xoxb-not-the-right-one", "--token-file /run/secrets/slack"
			},
			wantErr: ErrAuth,
			want:    wantMessage("invalid_auth", "auth.test", "--token-file /run/secrets/slack"),
			heal:    func(*slackFake) {},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws := genWorkspace(t, smallSpec)
			f := startSlackFake(t, ws, tc.server...)
			if tc.prepare != nil {
				tc.prepare(f)
			}
			db := warehousetest.Open(t)
			logs := &logBuffer{}
			opts := f.options(t, logs)
			if tc.client != nil {
				tc.client(&opts, f)
			}
			res, err := ingestSlack(t, db, opts)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("IngestSlack() = %v; want %v", err, tc.wantErr)
			}
			if tc.want != nil {
				tc.want(t, res, err, logs.String(), f.srv.Stats())
			}
			if strings.Contains(logs.String()+fmt.Sprint(err)+fmt.Sprint(res.Skips)+dumpAll(t, db.DB), canary) {
				t.Errorf("the token leaked into the log, the error or the warehouse")
			}
			// A rerun without the fault completes the data.
			if tc.heal != nil {
				tc.heal(f)
			} else {
				f.srv.ClearFaults()
			}
			opts = f.options(t, logs)
			if _, err := ingestSlack(t, db, opts); err != nil {
				t.Fatalf("rerun: %v", err)
			}
			if diff := cmp.Diff(clean, contentSums(t, db.DB)); diff != "" {
				t.Errorf("after the rerun the warehouse differs from a clean run (-clean +got):\n%s", diff)
			}
			var pending int
			db.QueryRow(`SELECT count(*) FROM slack_sync WHERE pass_oldest IS NOT NULL`).Scan(&pending)
			if pending != 0 {
				t.Errorf("after the rerun %d channels still have an unfinished pass: %q", pending, syncRows(t, db.DB))
			}
		})
	}
}

func wantRetries(n int) func(*testing.T, *SlackResult, error, string, slackfake.Stats) {
	return func(t *testing.T, res *SlackResult, err error, logs string, st slackfake.Stats) {
		t.Helper()
		if res.Counts.Retries < n {
			t.Errorf("Retries = %d; want at least %d", res.Counts.Retries, n)
		}
		if res.Status != "ok" {
			t.Errorf("Status = %q; want ok", res.Status)
		}
	}
}

func wantRateLimited(retryAfter bool) func(*testing.T, *SlackResult, error, string, slackfake.Stats) {
	return func(t *testing.T, res *SlackResult, err error, logs string, st slackfake.Stats) {
		t.Helper()
		if res.Counts.RateLimited == 0 {
			t.Errorf("RateLimited = 0; the test meant to provoke 429s")
		}
		if res.Counts.WaitSeconds <= 0 {
			t.Errorf("WaitSeconds = %v; want the time spent waiting", res.Counts.WaitSeconds)
		}
		var sent int
		for _, n := range st.RateLimited {
			sent += n
		}
		if sent != res.Counts.RateLimited {
			t.Errorf("RateLimited = %d; the server sent %d 429s", res.Counts.RateLimited, sent)
		}
	}
}

func wantSkip(kind, item, reason string) func(*testing.T, *SlackResult, error, string, slackfake.Stats) {
	return func(t *testing.T, res *SlackResult, err error, logs string, st slackfake.Stats) {
		t.Helper()
		for _, s := range res.Skips {
			if s.Kind == kind && s.Item == item && strings.Contains(s.Reason, reason) {
				if res.Status != "partial" {
					t.Errorf("Status = %q; want partial", res.Status)
				}
				return
			}
		}
		t.Errorf("Skips = %+v; want %s %s: …%s…", res.Skips, kind, item, reason)
	}
}

func wantMessage(parts ...string) func(*testing.T, *SlackResult, error, string, slackfake.Stats) {
	return func(t *testing.T, res *SlackResult, err error, logs string, st slackfake.Stats) {
		t.Helper()
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not mention %q", err, p)
			}
		}
		if res.Status != "failed" {
			t.Errorf("Status = %q; want failed", res.Status)
		}
	}
}

// A pass stopped after some pages (here by a revoked token) records how far
// it got; the next run fetches what is new, skips the stretch already
// stored, and finishes the rest.
func TestIngestSlackResumesUnfinishedPass(t *testing.T) {
	spec := workspaceSpec{Seed: 21, Channels: 1, Messages: 300, ThreadEvery: 10, Replies: 2}
	clean := cleanSums(t, spec)
	ws := genWorkspace(t, spec)
	f := startSlackFake(t, ws, slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultInvalidAuth, Method: "conversations.history", After: 12}))
	db := warehousetest.Open(t)
	opts := f.options(t, nil)
	opts.PageSize = map[string]int{"conversations.history": 20}
	opts.BatchMessages = 20
	if _, err := ingestSlack(t, db, opts); !errors.Is(err, ErrAuth) {
		t.Fatalf("first run = %v; want ErrAuth", err)
	}
	rows := syncRows(t, db.DB)
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "C0000INC | - | - | 0 | ") {
		t.Fatalf("slack_sync after the stopped pass = %q; want an unfinished pass from 0, nothing complete", rows)
	}
	f.srv.ClearFaults()
	f.srv.Reset()
	// Something new arrived meanwhile.
	if err := ws.AddMessage("C0000INC", slackfake.NewMessage(tsOf(testNow.Add(-time.Hour)), "U02BOB", "meanwhile")); err != nil {
		t.Fatal(err)
	}
	if _, err := ingestSlack(t, db, opts); err != nil {
		t.Fatal(err)
	}
	// 300 top-level messages are 15 pages; 12 were stored. The rerun reads
	// the top page again (it holds the new message), then jumps below the
	// stored stretch: far fewer than 15 pages.
	if n := f.srv.Stats().HistoryCalls["C0000INC"]; n > 6 {
		t.Errorf("the rerun made %d history calls; want it to skip the stretch already stored", n)
	} else {
		t.Logf("the rerun made %d history calls", n)
	}
	if err := ws.DeleteMessage("C0000INC", tsOf(testNow.Add(-time.Hour))); err != nil {
		t.Fatal(err)
	}
	db.Exec(`DELETE FROM messages WHERE text = 'meanwhile'`)
	if diff := cmp.Diff(clean, contentSums(t, db.DB)); diff != "" {
		t.Errorf("resumed run differs from a clean run (-clean +got):\n%s", diff)
	}
	rows = syncRows(t, db.DB)
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "C0000INC | 0 | ") || !strings.HasSuffix(rows[0], "| - | - | - | false") {
		t.Errorf("slack_sync after the resumed pass = %q; want complete from 0, no unfinished pass", rows)
	}
}

// A malformed message fails only itself: the rest of its page is stored,
// it is named in ingest_skips, and the run is partial — as the export path
// treats the same message.
func TestIngestSlackMalformedMessage(t *testing.T) {
	ws := genWorkspace(t, smallSpec)
	bad := json.RawMessage(`{"type":"message","user":"U02BOB","text":["not","a","string"],"display_as_bot":"yes","ts":"` + tsOf(testNow.Add(-2*time.Hour)) + `"}`)
	if err := ws.AddMessage("C0000INC", bad); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	writeExport(t, ws, dir)
	fromExport := warehousetest.Open(t)
	if _, err := ingestPath(t, fromExport, dir, testSelection(t)); !errors.Is(err, ErrPartial) {
		t.Fatalf("export ingest = %v; want ErrPartial", err)
	}
	f := startSlackFake(t, ws)
	db := warehousetest.Open(t)
	res, err := ingestSlack(t, db, f.options(t, nil))
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("IngestSlack = %v; want ErrPartial", err)
	}
	if res.Counts.MessagesSkipped != 1 {
		t.Errorf("MessagesSkipped = %d; want 1", res.Counts.MessagesSkipped)
	}
	wantSkip("message", "#inc-1000-outage (C0000INC)", "text is not a string")(t, res, err, "", slackfake.Stats{})
	if diff := cmp.Diff(contentSums(t, fromExport.DB), contentSums(t, db.DB)); diff != "" {
		t.Errorf("API and export differ (-export +api):\n%s", diff)
	}
}

// Objects that are not messages at all are rejected before staging.
func TestParseSlackMessage(t *testing.T) {
	for _, tc := range []struct {
		raw, problem, ts string
		parent           bool
	}{
		{`{"ts":"1700000000.000100","text":"hi"}`, "", "1700000000.000100", false},
		{`{"ts":"1700000000.000100","thread_ts":"1700000000.000100","reply_count":2,"latest_reply":"1700000100.000000"}`, "", "1700000000.000100", true},
		{`{"ts":"1700000000.000100","thread_ts":"1700000000.000100","reply_count":0,"latest_reply":"0000000000.000000"}`, "", "1700000000.000100", false},
		{`{"ts":"1700000100.000000","thread_ts":"1700000000.000100"}`, "", "1700000100.000000", false},
		{`{"ts":"1700000000.000100","thread_ts":"1700000000.000100","reply_count":3}`, "", "1700000000.000100", true},
		{`{"ts":1700000000.0001}`, "ts is missing or not a Slack timestamp string", "", false},
		{`{"ts":"yesterday"}`, "ts is missing or not a Slack timestamp string", "", false},
		{`{"ts":"1700000000"}`, "ts is missing or not a Slack timestamp string", "", false},
		{`{"text":"no ts"}`, "ts is missing or not a Slack timestamp string", "", false},
		{`["ts"]`, "not a JSON object", "", false},
		{`"text"`, "not a JSON object", "", false},
		{`null`, "not a JSON object", "", false},
		{`{"ts":"1700000000.000100"`, "not valid JSON", "", false},
		{`{"ts":"1700000000.000100","thread_ts":7,"latest_reply":[]}`, "", "1700000000.000100", false},
	} {
		m, problem := parseSlackMessage(json.RawMessage(tc.raw))
		if problem != tc.problem || m.ts != tc.ts || (problem == "" && m.isParent() != tc.parent) {
			t.Errorf("parseSlackMessage(%s) = ts %q parent %v problem %q; want ts %q parent %v problem %q",
				tc.raw, m.ts, m.isParent(), problem, tc.ts, tc.parent, tc.problem)
		}
	}
}

func TestIngestSlackJoin(t *testing.T) {
	ws := genWorkspace(t, smallSpec)
	f := startSlackFake(t, ws, slackfake.WithMemberOf("C0001INC"))
	db := warehousetest.Open(t)
	logs := &logBuffer{}
	res, err := ingestSlack(t, db, f.options(t, logs))
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("without --join: %v; want ErrPartial", err)
	}
	// The private channel is invisible to a non-member; the three public
	// ones are skipped, named in one warning.
	var skipped []string
	for _, s := range res.Skips {
		skipped = append(skipped, s.Item)
	}
	want := []string{"#inc-1000-outage (C0000INC)", "#inc-1002-outage (C0002INC)", "#inc-1004-outage (C0004INC)"}
	if !cmp.Equal(skipped, want) {
		t.Errorf("skipped %q; want %q", skipped, want)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d warnings; want one listing the channels:\n%s", n, logs)
	}
	opts := f.options(t, nil)
	opts.Join = true
	f.srv.Reset()
	res, err = ingestSlack(t, db, opts)
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("with --join: %v; want ErrPartial (the archived channel cannot be joined)", err)
	}
	if n := f.srv.Stats().Calls["conversations.join"]; n != 2 {
		t.Errorf("conversations.join calls = %d; want 2 (the unarchived public channels)", n)
	}
	if len(res.Skips) != 1 || !strings.Contains(res.Skips[0].Reason, "archived channels cannot be joined") {
		t.Errorf("skips = %+v; want only the archived channel", res.Skips)
	}
	var n int
	db.QueryRow(`SELECT count(DISTINCT channel_id) FROM messages`).Scan(&n)
	if n != 3 {
		t.Errorf("messages from %d channels; want 3", n)
	}
}

// SIGTERM cancels the run's context: it stops between transactions, is
// recorded as interrupted, and the next run completes the data.
func TestIngestSlackCancelled(t *testing.T) {
	clean := cleanSums(t, smallSpec)
	f := startSlackFake(t, genWorkspace(t, smallSpec))
	db := warehousetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := f.options(t, nil)
	opts.HTTPClient = &http.Client{Transport: &cancelAfter{n: 20, cancel: cancel}}
	_, err := IngestSlack(ctx, db, opts)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("IngestSlack = %v; want an interrupted run", err)
	}
	got := warehouse.Rows(t, db.DB, `SELECT status, error FROM ingest_runs`)
	if !cmp.Equal(got, []string{"interrupted | interrupted: context canceled"}) {
		t.Errorf("ingest_runs = %q", got)
	}
	if _, err := ingestSlack(t, db, f.options(t, nil)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(clean, contentSums(t, db.DB)); diff != "" {
		t.Errorf("after the rerun (-clean +got):\n%s", diff)
	}
}

// removeBotAfter removes the bot from a channel once that many history
// calls for it have been answered, as an admin kicking it mid-run would.
type removeBotAfter struct {
	next    http.RoundTripper
	channel string
	calls   int
	srv     *slackfake.Server
}

func (r *removeBotAfter) RoundTrip(q *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(q.Body)
	q.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := r.next.RoundTrip(q)
	form, _ := url.ParseQuery(string(body))
	if strings.HasSuffix(q.URL.Path, "/conversations.history") && form.Get("channel") == r.channel {
		if r.calls--; r.calls == 0 {
			r.srv.SetMember(r.channel, false)
		}
	}
	return resp, err
}

// cancelAfter cancels a context once n requests have gone out.
type cancelAfter struct {
	mu     sync.Mutex
	n      int
	cancel func()
}

func (c *cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n--
	if c.n == 0 {
		c.cancel()
	}
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}
