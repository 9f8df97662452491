package reports

// Post: the headline as Block Kit, and report.html through Slack's
// external upload flow (files.getUploadURLExternal, upload,
// files.completeUploadExternal), with slack-go.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/slack-go/slack"
)

// ErrSlackAuth reports that Slack refused the token or a scope (exit 5).
var ErrSlackAuth = errors.New("slack refused the token")

// SlackOptions say where to post.
type SlackOptions struct {
	Token      string
	APIURL     string // with a trailing slash
	HTTPClient *http.Client
	Channel    string // channel ID
	HTMLPath   string
}

// PostSlack posts the headline to the channel and uploads report.html.
// The token is never part of an error it returns.
func PostSlack(ctx context.Context, o SlackOptions, r *Report) error {
	opts := []slack.Option{slack.OptionAPIURL(o.APIURL)}
	if o.HTTPClient != nil {
		opts = append(opts, slack.OptionHTTPClient(o.HTTPClient))
	}
	api := slack.New(o.Token, opts...)
	blocks, fallback := Blocks(r)
	if _, _, err := api.PostMessageContext(ctx, o.Channel, slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(fallback, false)); err != nil {
		return slackErr("chat.postMessage", o, err)
	}
	st, err := os.Stat(o.HTMLPath)
	if err != nil {
		return fmt.Errorf("post report: %w", err)
	}
	_, err = api.UploadFileContext(ctx, slack.UploadFileParameters{
		File: o.HTMLPath, FileSize: int(st.Size()), Filename: "reliability-report-" + r.Week + ".html",
		Title: r.Title + " " + r.Week, Channel: o.Channel,
	})
	if err != nil {
		return slackErr("upload report.html", o, err)
	}
	return nil
}

func slackErr(what string, o SlackOptions, err error) error {
	msg := strings.ReplaceAll(err.Error(), o.Token, "[redacted]")
	for _, code := range []string{"invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope", "not_allowed_token_type"} {
		if strings.Contains(msg, code) {
			return fmt.Errorf("%w: %s to %s: %s", ErrSlackAuth, what, o.Channel, msg)
		}
	}
	return fmt.Errorf("post report: %s to %s: %s", what, o.Channel, msg)
}

// mrkdwnEscape escapes the three characters Slack's mrkdwn reserves.
func mrkdwnEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Blocks is the headline as Block Kit, and its plain-text fallback.
func Blocks(r *Report) ([]slack.Block, string) {
	h := r.Headline
	header := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, fmt.Sprintf("%s · %s", r.Title, r.Week), false, false))
	f := func(label, value string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, "*"+label+"*\n"+mrkdwnEscape(value), false, false)
	}
	fields := []*slack.TextBlockObject{
		f("Incidents", fmt.Sprintf("%d (%d resolved, %d open)", h.Incidents, h.Resolved, h.Open)),
		f("Median time to resolve", estText(h.MedianTTR)),
		f("p90 time to resolve", estText(h.P90TTR)),
		f("Regression-test coverage", shareText(h.Coverage)),
		f("Postmortems done", shareText(h.Postmortems)),
	}
	for _, s := range h.WithinTarget {
		if len(fields) == 10 { // Slack allows 10 fields per section
			break
		}
		fields = append(fields, f(s.Label+" within target", shareText(s.ShareStat)))
	}
	var lines []string
	for _, c := range r.Comparisons {
		lines = append(lines, fmt.Sprintf("• %s: %s", c.Metric, c.Verdict))
	}
	blocks := []slack.Block{
		header,
		slack.NewSectionBlock(nil, fields, nil),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType,
			mrkdwnEscape(fmt.Sprintf("Compared with the previous %d weeks:\n%s", r.Baseline.Weeks, strings.Join(lines, "\n"))), false, false), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
			mrkdwnEscape(fmt.Sprintf("%s to %s (%s) · data as of %s · the full report is attached", r.From, r.To, r.Timezone, r.AsOf.Format("2006-01-02 15:04 MST"))), false, false)),
	}
	fallback := fmt.Sprintf("%s %s: %d incidents, median time to resolve %s", r.Title, r.Week, h.Incidents, estText(h.MedianTTR))
	return blocks, fallback
}
