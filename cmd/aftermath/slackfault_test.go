package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// Slack answering garbage from page 3 of a channel's 5 history pages on:
// an HTML error page (503), an HTML page with 200, JSON cut short, and
// {"ok":true} with no messages, no has_more and no cursor. The run ends
// partial (exit 3) naming the channel, keeps the two good pages, and the
// next run, with Slack healthy, resumes and ends equal to a clean run.
func TestSlackGarbageMidPagination(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the ingest a dozen times")
	}
	fd := newFaultData(t)
	ws, err := slackfake.LoadExport(fd.export)
	if err != nil {
		t.Fatal(err)
	}
	srv := slackfake.New(ws, slackfake.WithCanaryToken(canaryToken))
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	env := []string{"SLACK_TOKEN=" + canaryToken}

	// The channel with the most top-level messages, paged in five.
	probe := fd.baseDir(t, "probe", "")
	if got := runReporting(t, env, 0, dbArgs(probe, "ingest", "slack", "--api-url", url, "--no-publish")...); got.code != 0 {
		t.Fatalf("probe: exit %d\n%s", got.code, got.out)
	}
	var id, name string
	var top int
	db, err := warehouse.Open(context.Background(), filepath.Join(probe, "w.duckdb"), warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.QueryRow(`SELECT m.channel_id, c.name, count(*) FROM messages m JOIN channels c USING (channel_id)
		WHERE m.thread_ts IS NULL OR m.thread_ts = m.ts OR m.subtype = 'thread_broadcast'
		GROUP BY ALL ORDER BY 3 DESC, 1 LIMIT 1`).Scan(&id, &name, &top)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	page := (top + 4) / 5
	if top < 10 {
		t.Fatalf("the busiest channel has %d top-level messages; want enough for five pages", top)
	}
	cfg := fmt.Sprintf("slack:\n  page_size:\n    conversations.history: %d\n  max_retries: 1\n  max_backoff: 1s\n", page)
	base := fd.baseDir(t, "garbage", "")
	if err := os.WriteFile(filepath.Join(base, "aftermath.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(dir string) []string { return dbArgs(dir, "ingest", "slack", "--api-url", url) }
	cleanDir := filepath.Join(t.TempDir(), "clean")
	copyTree(t, base, cleanDir)
	if clean := runReporting(t, env, 0, args(cleanDir)...); clean.code != 0 {
		t.Fatalf("clean run: exit %d\n%s", clean.code, clean.out)
	}
	want := tableSums(t, filepath.Join(cleanDir, "w.duckdb"))
	t.Logf("#%s (%s): %d top-level messages in pages of %d", name, id, top, page)

	for _, kind := range []slackfake.FaultKind{slackfake.FaultServerError, slackfake.FaultHTMLPage, slackfake.FaultTruncate, slackfake.FaultOKEmpty} {
		t.Run(kind.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "w")
			copyTree(t, base, dir)
			srv.InjectFault(slackfake.Fault{Kind: kind, Method: "conversations.history", Channel: id, After: 2})
			got := runReporting(t, env, 0, args(dir)...)
			srv.ClearFaults()
			if got.code != exitPartial {
				t.Errorf("with %s from page 3 the run exited %d; want %d (partial)\n%s", kind, got.code, exitPartial, got.out)
			}
			if !strings.Contains(got.out, "#"+name) {
				t.Errorf("the output does not name #%s:\n%s", name, got.out)
			}
			var kept int
			db, err := warehouse.Open(context.Background(), filepath.Join(dir, "w.duckdb"), warehouse.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			db.QueryRow(`SELECT count(*) FROM messages WHERE channel_id = ? AND (thread_ts IS NULL OR thread_ts = ts OR subtype = 'thread_broadcast')`, id).Scan(&kept)
			db.Close()
			if kept < 2*page || kept >= top {
				t.Errorf("#%s keeps %d top-level messages; want the two good pages (%d) and not all %d", name, kept, 2*page, top)
			}

			rerun := runReporting(t, env, 0, args(dir)...)
			if rerun.code != 0 {
				t.Fatalf("the rerun with Slack healthy exited %d\n%s", rerun.code, rerun.out)
			}
			if diff := cmp.Diff(want, tableSums(t, filepath.Join(dir, "w.duckdb"))); diff != "" {
				t.Errorf("after the rerun the warehouse differs from a clean run (-clean +resumed):\n%s", diff)
			}
		})
	}
}
