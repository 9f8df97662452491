package slackfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const (
	testToken = "xoxb-test-token"
	incChan   = "C01INC1234"   // inc-1234-checkout-5xx: archived, threads across days
	incsChan  = "C02INCIDENTS" // incidents: parents without reply metadata
	genChan   = "C03GENERAL"
	secChan   = "G01SECRET" // private, pre-2021 group
	privChan  = "C05PRIVATE"
)

var epoch = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// loadTestExport loads testdata/export.
func loadTestExport(t *testing.T) *Workspace {
	t.Helper()
	ws, err := LoadExport("testdata/export")
	if err != nil {
		t.Fatalf("LoadExport(testdata/export) = %v", err)
	}
	return ws
}

// fake is a running fake with a slack-go client pointed at it.
type fake struct {
	srv    *Server
	http   *httptest.Server
	client *slack.Client
}

// startFake serves the test export (or ws) over httptest.
func startFake(t *testing.T, ws *Workspace, opts ...Option) *fake {
	t.Helper()
	if ws == nil {
		ws = loadTestExport(t)
	}
	srv := New(ws, opts...)
	hs := newHTTPTest(t, srv)
	return &fake{srv: srv, http: hs, client: slack.New(testToken, slack.OptionAPIURL(hs.URL+"/"))}
}

// rawResponse is one raw call's outcome.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// page is the generic decoding of a Slack response, messages kept raw.
type page struct {
	OK               bool              `json:"ok"`
	Error            string            `json:"error"`
	Needed           string            `json:"needed"`
	Provided         string            `json:"provided"`
	Messages         []json.RawMessage `json:"messages"`
	Channels         []json.RawMessage `json:"channels"`
	Members          []json.RawMessage `json:"members"`
	Channel          json.RawMessage   `json:"channel"`
	HasMore          bool              `json:"has_more"`
	PinCount         int               `json:"pin_count"`
	Warning          string            `json:"warning"`
	ResponseMetadata struct {
		NextCursor string `json:"next_cursor"`
	} `json:"response_metadata"`
}

// call makes a form-encoded POST with a bearer token ("" for none).
func (f *fake) call(t *testing.T, method, token string, params url.Values) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.http.URL+"/"+method, strings.NewReader(params.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, f.http.Client(), req)
}

// get makes a GET with every argument, token included, in the query.
func (f *fake) get(t *testing.T, method string, params url.Values) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.http.URL+"/api/"+method+"?"+params.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, f.http.Client(), req)
}

func do(t *testing.T, c *http.Client, req *http.Request) rawResponse {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", req.URL.Path, err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// decode decodes a raw response as a Slack page.
func (r rawResponse) decode(t *testing.T) page {
	t.Helper()
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return p
}

// mustOK calls and requires ok:true.
func (f *fake) mustOK(t *testing.T, method string, params url.Values) page {
	t.Helper()
	r := f.call(t, method, testToken, params)
	p := r.decode(t)
	if r.status != http.StatusOK || !p.OK {
		t.Fatalf("%s(%v) = %d %s; want ok", method, params, r.status, r.body)
	}
	return p
}

// msgInfo reads the fields tests look at.
type msgInfo struct {
	TS          string   `json:"ts"`
	ThreadTS    string   `json:"thread_ts"`
	Subtype     string   `json:"subtype"`
	Text        string   `json:"text"`
	ReplyCount  *int     `json:"reply_count"`
	ReplyUsers  []string `json:"reply_users"`
	LatestReply string   `json:"latest_reply"`
	Hidden      bool     `json:"hidden"`
}

func info(t *testing.T, raw json.RawMessage) msgInfo {
	t.Helper()
	var m msgInfo
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode message %s: %v", raw, err)
	}
	return m
}

func tsOf(t *testing.T, raws []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(raws))
	for i, r := range raws {
		out[i] = info(t, r).TS
	}
	return out
}

// wantHistory derives, from every message of the channel, what
// conversations.history must return, oldest first: top-level messages and
// broadcasts.
func wantHistory(t *testing.T, ws *Workspace, channelID string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, raw := range ws.Messages(channelID) {
		m := info(t, raw)
		if m.ThreadTS == "" || m.ThreadTS == m.TS || m.Subtype == "thread_broadcast" {
			out = append(out, raw)
		}
	}
	return out
}

// wantReplies is every reply of a thread, oldest first.
func wantReplies(t *testing.T, ws *Workspace, channelID, threadTS string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, raw := range ws.Messages(channelID) {
		m := info(t, raw)
		if m.ThreadTS == threadTS && m.TS != threadTS {
			out = append(out, raw)
		}
	}
	return out
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func newHTTPTest(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}
