package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
)

// TestReportPostSlack runs `aftermath report --post-slack` against the fake
// Slack server: the headline is posted, report.html uploaded, and the token
// (from $SLACK_TOKEN) appears in no output.
func TestReportPostSlack(t *testing.T) {
	const token = "xoxb-report-cli-secret"
	ws, err := slackfake.LoadExport("../../ingest/testdata/export")
	if err != nil {
		t.Fatal(err)
	}
	srv := slackfake.New(ws, slackfake.WithToken(token))
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	env := map[string]string{"SLACK_TOKEN": token}
	getenv := func(k string) string { return env[k] }
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(args, strings.NewReader(""), &out, &errb, getenv); code != want {
			t.Fatalf("aftermath %s = %d; want %d\n%s", strings.Join(args, " "), code, want, errb.String())
		}
		if strings.Contains(out.String()+errb.String(), token) {
			t.Fatalf("aftermath %s printed the token", strings.Join(args, " "))
		}
		return out.String()
	}
	run(0, "--db", db, "ingest", "export", "../../ingest/testdata/export")
	run(0, "--db", db, "ingest", "slack", "--api-url", url)
	var out bytes.Buffer
	Main([]string{"--db", db, "query", "--format", "csv", "SELECT workspace_url FROM slack_workspace"}, strings.NewReader(""), &out, &bytes.Buffer{}, getenv)
	if want := "https://" + ws.Team().Domain + ".slack.com/"; !strings.Contains(out.String(), want) {
		t.Errorf("slack_workspace after ingest slack = %q; want auth.test's %s", out.String(), want)
	}
	run(0, "--db", db, "transform")
	run(0, "--db", db, "report", "--week", "2026-W47", "--out", filepath.Join(dir, "out"), "--post-slack", "C0INC1", "--api-url", url)
	if p := srv.Posts(); len(p) != 1 || p[0].Channel != "C0INC1" {
		t.Errorf("posts = %+v; want one to C0INC1", p)
	}
	if u := srv.Uploads(); len(u) != 1 || !bytes.Contains(u[0].Data, []byte("<section id=\"headline\">")) {
		t.Errorf("uploads = %d; want report.html", len(u))
	}
	env["SLACK_TOKEN"] = "xoxb-wrong"
	run(5, "--db", db, "report", "--week", "2026-W47", "--out", filepath.Join(dir, "out"), "--post-slack", "C0INC1", "--api-url", url)
	env["SLACK_TOKEN"] = ""
	run(5, "--db", db, "report", "--week", "2026-W47", "--out", filepath.Join(dir, "out"), "--post-slack", "C0INC1", "--api-url", url)
	env["SLACK_TOKEN"] = token
	run(2, "--db", db, "report", "--week", "2026-W47", "--out", filepath.Join(dir, "out"), "--post-slack", "C0INC1", "--format", "md", "--api-url", url)
}
