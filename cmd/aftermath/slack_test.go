package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
)

// canaryToken must never appear in any output of any run.
const canaryToken = "xoxb-9999-canary-4b1d7e2a"

// slackServer serves the fake's fixture workspace as `aftermath dev
// slack-server` does, accepting only the canary token.
func slackServer(t *testing.T, opts ...slackfake.Option) (*slackfake.Server, string) {
	t.Helper()
	ws, err := slackfake.LoadExport("../../internal/testkit/slackfake/testdata/export")
	if err != nil {
		t.Fatal(err)
	}
	srv := slackfake.New(ws, append([]slackfake.Option{slackfake.WithCanaryToken(canaryToken)}, opts...)...)
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return srv, url
}

// aftermath runs Main with args and env, returning the exit code and what
// it wrote.
func aftermath(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	return code, out.String(), errOut.String()
}

func TestIngestSlackCommand(t *testing.T) {
	srv, url := slackServer(t)
	db := filepath.Join(t.TempDir(), "a.duckdb")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(canaryToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badFile := filepath.Join(t.TempDir(), "bad-token")
	os.WriteFile(badFile, []byte("xoxb-revoked-1111\n"), 0o600)
	emptyFile := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(emptyFile, nil, 0o600)
	withToken := map[string]string{"SLACK_TOKEN": canaryToken}

	var all strings.Builder
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		contains []string
	}{
		{"first run from $SLACK_TOKEN", withToken, []string{"ingest", "slack", "--api-url", url}, exitOK,
			[]string{"ingest run 1 ok: workspace Acme (T0TESTTEAM)", "34 new", "conversations.history 4"}},
		{"second run from --token-file, nothing new", nil, []string{"ingest", "slack", "--api-url", url, "--token-file", tokenFile}, exitOK,
			[]string{"ingest run 2 ok", "0 new", "conversations.history 3"}},
		{"--full refetches", withToken, []string{"ingest", "slack", "--api-url", url, "--full", "-v"}, exitOK,
			[]string{"ingest run 3 ok", "conversations.history 4", "conversations.replies 5"}},
		{"a revoked token exits 5 naming the setting", nil, []string{"ingest", "slack", "--api-url", url, "--token-file", badFile}, exitAuth,
			[]string{"Slack authentication failed", "invalid_auth", "--token-file " + badFile}},
		{"no token exits 5", nil, []string{"ingest", "slack", "--api-url", url}, exitAuth,
			[]string{"$SLACK_TOKEN", "--token-file"}},
		{"an empty token file exits 5", nil, []string{"ingest", "slack", "--api-url", url, "--token-file", emptyFile}, exitAuth,
			[]string{"is empty"}},
		{"a missing token file is a usage error", nil, []string{"ingest", "slack", "--token-file", "/nonexistent/token"}, exitUsage,
			[]string{"--token-file"}},
		{"a bad --since is a usage error", withToken, []string{"ingest", "slack", "--since", "last tuesday"}, exitUsage,
			[]string{"--since"}},
		{"--since and --full exclude each other", withToken, []string{"ingest", "slack", "--since", "2026-01-01", "--full"}, exitUsage,
			[]string{"since"}},
		{"a bad --api-url is a usage error", withToken, []string{"ingest", "slack", "--api-url", "slack.com/api"}, exitUsage,
			[]string{"--api-url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := aftermath(t, tc.env, append([]string{"--db", db}, tc.args...)...)
			all.WriteString(stdout + stderr)
			if code != tc.code {
				t.Errorf("exit code %d; want %d\nstderr:\n%s", code, tc.code, stderr)
			}
			for _, c := range tc.contains {
				if !strings.Contains(stderr, c) {
					t.Errorf("stderr lacks %q:\n%s", c, stderr)
				}
			}
		})
	}

	// Skipped channels: exit 3, each named in the summary.
	srv.SetMember("C02INCIDENTS", false)
	code, _, stderr := aftermath(t, withToken, "--db", db, "ingest", "slack", "--api-url", url)
	all.WriteString(stderr)
	if code != exitPartial || !strings.Contains(stderr, "skipped channel #incidents (C02INCIDENTS): the bot is not a member") {
		t.Errorf("exit code %d; want %d with the channel named:\n%s", code, exitPartial, stderr)
	}

	// A missing scope: exit 5 naming it.
	srv.SetMember("C02INCIDENTS", true)
	srv.SetScopes("channels:read", "groups:read", "channels:history", "users:read")
	code, _, stderr = aftermath(t, withToken, "--db", db, "ingest", "slack", "--api-url", url, "--full")
	all.WriteString(stderr)
	if code != exitAuth || !strings.Contains(stderr, "groups:history") {
		t.Errorf("exit code %d; want %d naming groups:history:\n%s", code, exitAuth, stderr)
	}

	// The token never appears: not in output, not in the warehouse.
	if strings.Contains(all.String(), canaryToken) {
		t.Errorf("the token appeared in the output")
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(canaryToken)) || bytes.Contains(raw, []byte("canary")) {
		t.Errorf("the token is in the database file")
	}
	if n := srv.Stats().CanaryEchoes; n != 0 {
		t.Errorf("the fake echoed the token %d times", n)
	}
}

// The progress bar (one library for the tool) shows the channels done of
// those selected with an ETA, says the rest, lets log records through
// whole, and draws nothing off a terminal.
func TestProgressBar(t *testing.T) {
	d, _, stderr := testDeps(true)
	d.logFormat = "text"
	b := newProgressEvery(d, "slack", false, 0)
	b.set(1, 4, slackProgressText(ingest.SlackProgress{ChannelsDone: 1, ChannelsSelected: 4, Messages: 120, Calls: 9}))
	b.set(3, 4, slackProgressText(ingest.SlackProgress{ChannelsDone: 3, ChannelsSelected: 4, Messages: 360, Calls: 20, RateLimited: 1,
		WaitingOn: "conversations.history"}))
	fmt.Fprintln(b, "level=WARN msg=hello")
	b.finish()
	got := stderr.String()
	for _, want := range []string{
		"slack: 360 messages, 20 calls, 1 rate-limited, waiting on conversations.history · channels",
		"3/4",
		"level=WARN msg=hello\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress output lacks %q:\n%q", want, got)
		}
	}
	if !regexp.MustCompile(`\[\d+s:(\d+s|\?)\]`).MatchString(got) {
		t.Errorf("progress output has no [elapsed:ETA]:\n%q", got)
	}
	d, _, stderr = testDeps(false)
	var off *progress = newProgress(d, "slack", false)
	off.set(1, 2, "x")
	off.finish()
	if off != nil || stderr.Len() > 0 {
		t.Errorf("off a terminal the bar drew %q", stderr)
	}
}
