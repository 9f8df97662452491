package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// canary is the token every API test uses; it must never appear in any
// output. It does not look like a Slack token, so only redact.Token (the
// known secret) can hide it, not the xox… pattern.
const canary = "canary-7f3a9c2e5b1d4a60"

const fakeExport = "../internal/testkit/slackfake/testdata/export"

// slackFake is a fake Slack Web API on httptest, on a fake clock.
type slackFake struct {
	srv   *slackfake.Server
	url   string
	clock *slackfake.FakeClock

	mu       sync.Mutex
	idle     *sync.Cond // signalled when no request is in flight
	inflight int
	// settle, when set, makes virtual time a discrete-event simulation: the
	// clock moves to the earliest waiter's end only once no request has
	// started or ended for settle of real time, so that work in progress
	// (decoding, storing) issues its calls at the virtual time it would.
	// Benchmarks set it; tests leave it 0 (the clock jumps at once).
	settle   time.Duration
	activity time.Time
	waiters  map[*time.Time]bool
}

// wait is virtual time. Requests take no virtual time: the clock never
// moves while one is in flight, as it would not in the milliseconds a real
// one takes. Concurrent waiters move it to the latest of their ends, not
// the sum.
func (f *slackFake) wait(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	end := f.clock.Now().Add(d)
	if f.settle == 0 {
		for f.inflight > 0 {
			f.idle.Wait()
		}
		if left := end.Sub(f.clock.Now()); left > 0 {
			f.clock.Advance(left)
		}
		return ctx.Err()
	}
	f.waiters[&end] = true
	defer delete(f.waiters, &end)
	for f.clock.Now().Before(end) && ctx.Err() == nil {
		f.mu.Unlock()
		time.Sleep(f.settle / 4)
		f.mu.Lock()
		if f.inflight > 0 || time.Since(f.activity) < f.settle {
			continue
		}
		next := end
		for w := range f.waiters {
			if w.Before(next) {
				next = *w
			}
		}
		if left := next.Sub(f.clock.Now()); left > 0 {
			f.clock.Advance(left)
			f.activity = time.Now()
		}
	}
	return ctx.Err()
}

// RoundTrip counts requests in flight for wait.
func (f *slackFake) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.inflight++
	f.activity = time.Now()
	f.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		// The body is read after RoundTrip returns; keep the request in
		// flight until then.
		resp.Body = &flightBody{ReadCloser: resp.Body, f: f}
	} else {
		f.land()
	}
	return resp, err
}

func (f *slackFake) land() {
	f.mu.Lock()
	f.inflight--
	f.activity = time.Now()
	if f.inflight == 0 {
		f.idle.Broadcast()
	}
	f.mu.Unlock()
}

type flightBody struct {
	io.ReadCloser
	f    *slackFake
	once sync.Once
}

func (b *flightBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.f.land)
	return err
}

func startSlackFake(t testing.TB, ws *slackfake.Workspace, opts ...slackfake.Option) *slackFake {
	t.Helper()
	clock := slackfake.NewFakeClock(testNow)
	opts = append([]slackfake.Option{slackfake.WithClock(clock), slackfake.WithCanaryToken(canary)}, opts...)
	srv := slackfake.New(ws, opts...)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	f := &slackFake{srv: srv, url: hs.URL + "/", clock: clock, waiters: map[*time.Time]bool{}}
	f.idle = sync.NewCond(&f.mu)
	return f
}

func loadFakeExport(t testing.TB, dir string) *slackfake.Workspace {
	t.Helper()
	ws, err := slackfake.LoadExport(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// logBuffer collects log output safely from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// slackOptions are the options of an API run against f: the fake clock
// drives time and waits (so rate limits and backoff take no wall time),
// jitter is seeded, and the log goes to logs.
func (f *slackFake) options(t testing.TB, logs *logBuffer) SlackOptions {
	t.Helper()
	if logs == nil {
		logs = &logBuffer{}
	}
	return SlackOptions{
		APIURL:        f.url,
		Token:         canary,
		TokenSource:   "$SLACK_TOKEN",
		Selection:     testSelection(t),
		Lookback:      7 * 24 * time.Hour,
		MaxRetries:    8,
		MaxBackoff:    2 * time.Minute,
		BatchMessages: 2000,
		Now:           f.clock.Now,
		Wait:          f.wait,
		HTTPClient:    &http.Client{Transport: f},
		Rand:          rand.New(rand.NewPCG(1, 2)),
		Log:           slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func testSelection(t testing.TB) Selection {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	return NewSelection(cfg.Channels, nil, false)
}

func ingestSlack(t testing.TB, db *warehouse.DB, opts SlackOptions) (*SlackResult, error) {
	t.Helper()
	return IngestSlack(context.Background(), db, opts)
}

// messageColumns are the messages columns that say what a message is, not
// when or how it was stored.
const messageColumns = `SELECT COLUMNS(* EXCLUDE (ingested_at, updated_at, run_id, source))::VARCHAR FROM messages ORDER BY channel_id, ts`

// contentSums returns an md5 of each raw table's meaningful columns:
// messages and users whole but for bookkeeping, channels by what both
// sources say alike (the API adds members an export lacks).
func contentSums(t testing.TB, db *sql.DB) map[string]string {
	t.Helper()
	qs := map[string]string{
		"messages": `SELECT md5(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR)) FROM (SELECT COLUMNS(* EXCLUDE (ingested_at, updated_at, run_id, source)) FROM messages) x`,
		"users":    `SELECT md5(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR)) FROM (SELECT COLUMNS(* EXCLUDE (first_seen_at, updated_at, run_id, source)) FROM users) x`,
		"channels": `SELECT md5(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR)) FROM (SELECT channel_id, name, is_private, is_archived, created_at, creator_id, topic, purpose FROM channels) x`,
		"count":    `SELECT count(*)::VARCHAR || ' messages, ' || count(DISTINCT (channel_id, ts))::VARCHAR || ' distinct' FROM messages`,
	}
	out := map[string]string{}
	for name, q := range qs {
		var s sql.NullString
		if err := db.QueryRow(q).Scan(&s); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[name] = s.String
	}
	return out
}

// dumpAll renders every table of the warehouse as text, for leak checks.
func dumpAll(t *testing.T, db *sql.DB) string {
	t.Helper()
	var names []string
	rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	var b strings.Builder
	for _, n := range names {
		for _, r := range warehouse.Rows(t, db, fmt.Sprintf(`SELECT COLUMNS(*)::VARCHAR FROM %q`, n)) {
			b.WriteString(r + "\n")
		}
	}
	return b.String()
}

// workspaceSpec describes a generated workspace.
type workspaceSpec struct {
	Seed        uint64
	Channels    int // incident channels (inc-N); every third is archived, every fourth private
	Messages    int // top-level messages per channel
	ThreadEvery int // every Nth message is a thread parent (0: none)
	Replies     int // replies per thread
	Start       time.Time
	Noise       int // unselected channels (chatter-N)
}

// genWorkspace builds a deterministic workspace in code: incident channels
// with bot alerts, human messages, threads and broadcasts, a few users.
func genWorkspace(t testing.TB, spec workspaceSpec) *slackfake.Workspace {
	t.Helper()
	ws := slackfake.NewWorkspace()
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e37))
	users := []string{"U01ALICE", "U02BOB", "U03CAROL", "U04DAVE", "U05ERIN"}
	for _, u := range users {
		if err := ws.AddUser(slackfake.User{ID: u, Name: strings.ToLower(u[3:]), RealName: u[3:]}); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	start := spec.Start
	if start.IsZero() {
		start = testNow.Add(-60 * 24 * time.Hour)
	}
	add := func(id, name string, private, archived bool, n int) {
		must(ws.AddChannel(slackfake.Channel{ID: id, Name: name, Private: private, Created: start.Unix(), Creator: users[0]}))
		ts := start.UnixMicro() + int64(rng.IntN(1000))*1_000_000
		step := (testNow.Add(-24*time.Hour).UnixMicro() - ts) / int64(max(n, 1)*(spec.Replies+2))
		next := func() string {
			ts += step/2 + rng.Int64N(step/2+1)
			return tsString(ts)
		}
		for i := 0; i < n; i++ {
			pts := next()
			var raw json.RawMessage
			switch {
			case i%7 == 0:
				raw = json.RawMessage(fmt.Sprintf(`{"type":"message","text":"","bot_id":"B04PD","bot_profile":{"id":"B04PD","app_id":"A04PD","name":"PagerDuty"},"attachments":[{"color":"a30200","fallback":"Triggered #%d","fields":[{"title":"Service","value":"checkout","short":true}]}],"app_id":"A04PD","ts":"%s"}`, i, pts))
			default:
				raw = json.RawMessage(fmt.Sprintf(`{"type":"message","user":"%s","text":"update %d on <#%s> cc <@%s> \u00e9\/","client_msg_id":"m-%s-%d","user_team":"T0ACME0001","ts":"%s"}`,
					users[rng.IntN(len(users))], i, id, users[rng.IntN(len(users))], id, i, pts))
			}
			must(ws.AddMessage(id, raw))
			if spec.ThreadEvery > 0 && i%spec.ThreadEvery == 0 {
				for r := 0; r < spec.Replies; r++ {
					rts := next()
					body := fmt.Sprintf(`{"type":"message","user":"%s","text":"reply %d","ts":"%s"}`, users[rng.IntN(len(users))], r, rts)
					if r == spec.Replies-1 && i%(2*spec.ThreadEvery) == 0 {
						body = fmt.Sprintf(`{"type":"message","subtype":"thread_broadcast","user":"%s","text":"resolved","ts":"%s"}`, users[0], rts)
					}
					must(ws.AddReply(id, pts, json.RawMessage(body)))
				}
			}
		}
		if archived {
			must(ws.AddMessage(id, json.RawMessage(fmt.Sprintf(`{"type":"message","subtype":"channel_archive","user":"%s","text":"archived the channel","ts":"%s"}`, users[0], next()))))
			must(ws.ArchiveChannel(id))
		}
	}
	for c := 0; c < spec.Channels; c++ {
		add(fmt.Sprintf("C%04dINC", c), fmt.Sprintf("inc-%d-outage", 1000+c), c%4 == 3, c%3 == 2, spec.Messages)
	}
	for c := 0; c < spec.Noise; c++ {
		add(fmt.Sprintf("C%04dCHAT", c), fmt.Sprintf("chatter-%d", c), false, false, spec.Messages/4)
	}
	return ws
}

// writeExport writes ws as a Slack export folder, each message in the day
// file of its own ts (UTC days), as the API serves it.
func writeExport(t testing.TB, ws *slackfake.Workspace, dir string) {
	t.Helper()
	var chans, groups []map[string]any
	for _, c := range ws.Channels() {
		list := &chans
		if c.Private {
			list = &groups
		}
		*list = append(*list, map[string]any{"id": c.ID, "name": c.Name, "created": c.Created, "creator": c.Creator,
			"is_archived": c.Archived, "is_general": c.General, "members": []string{},
			"topic": map[string]any{"value": c.Topic, "creator": "", "last_set": 0}, "purpose": map[string]any{"value": c.Purpose, "creator": "", "last_set": 0}})
		days := map[string][]json.RawMessage{}
		for _, m := range ws.Messages(c.ID) {
			var h struct{ TS string }
			if err := json.Unmarshal(m, &h); err != nil {
				t.Fatal(err)
			}
			k, _ := tsKey(h.TS)
			day := time.UnixMicro(k).UTC().Format(time.DateOnly)
			days[day] = append(days[day], m)
		}
		for day, ms := range days {
			writeJSON(t, filepath.Join(dir, c.Name, day+".json"), ms)
		}
	}
	writeJSON(t, filepath.Join(dir, "channels.json"), chans)
	writeJSON(t, filepath.Join(dir, "groups.json"), groups)
	writeJSON(t, filepath.Join(dir, "users.json"), ws.Users())
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncRows returns slack_sync as "channel_id from through pass…" lines.
func syncRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return warehouse.Rows(t, db, `SELECT channel_id, coalesce(history_from, '-'), coalesce(history_through, '-'),
		coalesce(pass_oldest, '-'), coalesce(pass_low, '-'), coalesce(pass_high, '-'), archived_complete FROM slack_sync ORDER BY 1`)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
