package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
)

func fakeSlack(t *testing.T, opts ...slackfake.Option) (*slackfake.Server, string) {
	t.Helper()
	ws := slackfake.NewWorkspace()
	if err := ws.AddChannel(slackfake.Channel{ID: "C0REPORTS", Name: "reliability", Created: 1700000000}); err != nil {
		t.Fatal(err)
	}
	srv := slackfake.New(ws, opts...)
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return srv, url
}

// TestPostSlack posts the headline as Block Kit and uploads report.html
// through files.getUploadURLExternal → upload → files.completeUploadExternal
// on the fake Slack server, and checks what arrived.
func TestPostSlack(t *testing.T) {
	res, _ := runReport(t, "2026-W47")
	srv, url := fakeSlack(t, slackfake.WithToken("xoxb-report-test"))
	html := filepath.Join(res.Dir, "report.html")
	err := PostSlack(context.Background(), SlackOptions{Token: "xoxb-report-test", APIURL: url, HTTPClient: &http.Client{},
		Channel: "C0REPORTS", HTMLPath: html}, res.Report)
	if err != nil {
		t.Fatalf("PostSlack: %v", err)
	}
	posts := srv.Posts()
	if len(posts) != 1 || posts[0].Channel != "C0REPORTS" {
		t.Fatalf("posts = %+v; want one to C0REPORTS", posts)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(posts[0].Blocks, &blocks); err != nil || len(blocks) < 3 || blocks[0]["type"] != "header" {
		t.Errorf("blocks = %s (%v); want a header and sections", posts[0].Blocks, err)
	}
	if !strings.Contains(string(posts[0].Blocks), "Median time to resolve") {
		t.Errorf("blocks lack the headline: %s", posts[0].Blocks)
	}
	ups := srv.Uploads()
	want, _ := os.ReadFile(html)
	if len(ups) != 1 || !bytes.Equal(ups[0].Data, want) || ups[0].Channel != "C0REPORTS" || !strings.Contains(ups[0].Title, "2026-W47") {
		t.Fatalf("uploads = %d; want report.html shared in C0REPORTS with the week in its title", len(ups))
	}
	st := srv.Stats()
	for _, m := range []string{"chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal"} {
		if st.Calls[m] != 1 {
			t.Errorf("%s called %d times; want 1", m, st.Calls[m])
		}
	}
}

func TestPostSlackBadToken(t *testing.T) {
	res, _ := runReport(t, "2026-W47")
	_, url := fakeSlack(t, slackfake.WithToken("xoxb-good"))
	err := PostSlack(context.Background(), SlackOptions{Token: "xoxb-wrong-secret", APIURL: url, Channel: "C0REPORTS",
		HTMLPath: filepath.Join(res.Dir, "report.html")}, res.Report)
	if !errors.Is(err, ErrSlackAuth) {
		t.Fatalf("PostSlack with a bad token: %v; want ErrSlackAuth", err)
	}
	if strings.Contains(err.Error(), "xoxb-wrong-secret") {
		t.Errorf("error leaks the token: %v", err)
	}
}
