package samplegen

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

var testEnd = time.Date(2026, 11, 20, 18, 30, 0, 0, time.UTC)

// testOptions is big enough to contain every style and message shape, and
// small enough to generate in about a second.
var testOptions = Options{Seed: 7, Weeks: 10, Incidents: 220, Scale: 0.4, End: testEnd, Zip: true}

var shared struct {
	once sync.Once
	dir  string
	sum  *Summary
	err  error
}

// sharedWorkspace generates testOptions once for all the tests that only
// read the result.
func sharedWorkspace(t *testing.T) (string, *Summary) {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "samplegen-test-")
		if shared.err == nil {
			shared.sum, shared.err = Generate(context.Background(), shared.dir, testOptions)
		}
	})
	if shared.err != nil {
		t.Fatalf("Generate(%+v) = %v", testOptions, shared.err)
	}
	return shared.dir, shared.sum
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func hashTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(data)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	opts := Options{Seed: 42, Weeks: 3, Incidents: 30, Scale: 0.5, End: testEnd, Zip: true}
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Generate(context.Background(), dir, opts); err != nil {
			t.Fatalf("Generate(%+v) = %v", opts, err)
		}
	}
	// Export, truth, workspace, zip and the repositories' files.
	first, second := hashTree(t, a), hashTree(t, b)
	if len(first) < 50 {
		t.Fatalf("only %d files written", len(first))
	}
	for name, h := range first {
		if second[name] != h {
			t.Errorf("%s differs between two runs with the same options", name)
		}
	}
	for name := range second {
		if _, ok := first[name]; !ok {
			t.Errorf("%s written by the second run only", name)
		}
	}

	// Another seed, into the first directory: it replaces the old
	// workspace and differs from it.
	opts.Seed = 43
	if _, err := Generate(context.Background(), a, opts); err != nil {
		t.Fatal(err)
	}
	other := hashTree(t, a)
	for _, name := range []string{"truth.json", "export/users.json", "export/channels.json", "export.zip"} {
		if other[name] == first[name] {
			t.Errorf("%s is the same for seeds 42 and 43", name)
		}
	}
	for name := range other {
		if strings.HasPrefix(name, "export/") && !strings.HasSuffix(name, ".json") {
			t.Errorf("unexpected file %s", name)
		}
	}
}

func TestGenerateEdgeCases(t *testing.T) {
	if testing.Short() {
		t.Skip("generates several workspaces")
	}
	for _, opts := range []Options{
		{Seed: 1, Weeks: 1, Incidents: 0, Scale: 1, End: testEnd},
		{Seed: 2, Weeks: 1, Incidents: 150, Scale: 0.1, End: testEnd},
		{Seed: 3, Weeks: 2, Incidents: 3, Scale: 0.05, End: time.Date(2026, 3, 8, 11, 0, 0, 0, time.UTC)}, // DST starts in LA
	} {
		t.Run(fmt.Sprintf("%d-incidents-%d-weeks", opts.Incidents, opts.Weeks), func(t *testing.T) {
			dir := t.TempDir()
			sum, err := Generate(context.Background(), dir, opts)
			if err != nil {
				t.Fatalf("Generate(%+v) = %v", opts, err)
			}
			checkExport(t, dir, sum, opts, false)
			checkTruth(t, dir, sum, opts, false)
		})
	}
}

func TestGenerateRefusesForeignExport(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "export", "general"), 0o755)
	_, err := Generate(context.Background(), dir, Options{Seed: 1, Weeks: 1, Incidents: 1, Scale: 1, End: testEnd})
	if !errors.Is(err, ErrNotEmpty) {
		t.Errorf("Generate into a directory with a foreign export = %v; want ErrNotEmpty", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	good := Options{Seed: 1, Weeks: 2, Incidents: 3, Scale: 1, End: testEnd}
	tests := []struct {
		name string
		edit func(*Options)
		ok   bool
	}{
		{"good", func(*Options) {}, true},
		{"no weeks", func(o *Options) { o.Weeks = 0 }, false},
		{"negative incidents", func(o *Options) { o.Incidents = -1 }, false},
		{"zero scale", func(o *Options) { o.Scale = 0 }, false},
		{"no end", func(o *Options) { o.End = time.Time{} }, false},
	}
	for _, tt := range tests {
		o := good
		tt.edit(&o)
		if err := o.validate(); (err == nil) != tt.ok {
			t.Errorf("validate(%s) = %v; want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// exportMessage is what the tests read back from day files.
type exportMessage struct {
	Type       string          `json:"type"`
	Subtype    string          `json:"subtype"`
	TS         json.RawMessage `json:"ts"`
	ThreadTS   string          `json:"thread_ts"`
	User       string          `json:"user"`
	BotID      string          `json:"bot_id"`
	Text       string          `json:"text"`
	ReplyCount int             `json:"reply_count"`
	ClientID   string          `json:"client_msg_id"`
	Files      []struct {
		URLPrivate         string `json:"url_private"`
		URLPrivateDownload string `json:"url_private_download"`
		Permalink          string `json:"permalink"`
	} `json:"files"`
	File *struct {
		URLPrivate string `json:"url_private"`
	} `json:"file"`
	Blocks      []map[string]any `json:"blocks"`
	Attachments []map[string]any `json:"attachments"`
	Edited      *struct {
		User string `json:"user"`
		TS   string `json:"ts"`
	} `json:"edited"`
	Reactions []any          `json:"reactions"`
	Root      map[string]any `json:"root"`
	Hidden    bool           `json:"hidden"`
}

type exportChannel struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Created    int64    `json:"created"`
	IsArchived bool     `json:"is_archived"`
	Members    []string `json:"members"`
}

var slackTS = regexp.MustCompile(`^\d{10}\.\d{6}$`)

var readOnce struct {
	sync.Mutex
	dir   string
	chans map[string]exportChannel
	msgs  map[string][]exportMessage
}

// readExport loads every channel's messages, checking each day file's
// shape on the way. The shared workspace is read once.
func readExport(t *testing.T, dir string) (map[string]exportChannel, map[string][]exportMessage) {
	t.Helper()
	readOnce.Lock()
	defer readOnce.Unlock()
	if readOnce.dir != dir {
		readOnce.chans, readOnce.msgs = readExportFiles(t, dir)
		readOnce.dir = dir
	}
	return readOnce.chans, readOnce.msgs
}

func readExportFiles(t *testing.T, dir string) (chans map[string]exportChannel, msgs map[string][]exportMessage) {
	t.Helper()
	la, _ := time.LoadLocation("America/Los_Angeles")
	chans = map[string]exportChannel{}
	for _, f := range []string{"channels.json", "groups.json"} {
		var list []exportChannel
		readJSON(t, filepath.Join(dir, "export", f), &list)
		for _, c := range list {
			if _, dup := chans[c.Name]; dup {
				t.Errorf("channel %s listed twice", c.Name)
			}
			chans[c.Name] = c
		}
	}
	msgs = map[string][]exportMessage{}
	entries, err := os.ReadDir(filepath.Join(dir, "export"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, ok := chans[e.Name()]; !ok {
			t.Errorf("folder %s has no entry in channels.json or groups.json", e.Name())
			continue
		}
		days, _ := os.ReadDir(filepath.Join(dir, "export", e.Name()))
		for _, day := range days {
			raw, err := os.ReadFile(filepath.Join(dir, "export", e.Name(), day.Name()))
			if err != nil {
				t.Fatal(err)
			}
			where := e.Name() + "/" + day.Name()
			if bytes.Count(raw, []byte("/")) != bytes.Count(raw, []byte(`\/`)) {
				t.Errorf("%s: a slash is not escaped as \\/", where)
			}
			if i := bytes.IndexFunc(raw, func(r rune) bool { return r > 0x7e }); i >= 0 {
				t.Errorf("%s: non-ASCII byte at %d; exports escape it as \\u", where, i)
			}
			var list []exportMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				t.Fatalf("%s is not a JSON array of message objects: %v", where, err)
			}
			if len(list) == 0 {
				t.Errorf("%s is empty; exports have no file for a quiet day", where)
			}
			for _, m := range list {
				var ts string
				if err := json.Unmarshal(m.TS, &ts); err != nil || !slackTS.MatchString(ts) {
					t.Fatalf("%s: ts %s is not a Slack timestamp string", where, m.TS)
				}
				if m.Type != "message" {
					t.Errorf("%s: type %q", where, m.Type)
				}
				if got := tsTime(ts).In(la).Format("2006-01-02") + ".json"; got != day.Name() {
					t.Errorf("%s: message %s falls on LA day %s", where, ts, got)
				}
				msgs[e.Name()] = append(msgs[e.Name()], m)
			}
		}
	}
	// A channel with no messages in the export has no folder, as in Slack's
	// exports; every folder has its channel (checked above).
	return chans, msgs
}

func tsOf(m exportMessage) string {
	var s string
	json.Unmarshal(m.TS, &s)
	return s
}

func tsTime(ts string) time.Time {
	var sec, us int64
	fmt.Sscanf(ts, "%d.%d", &sec, &us)
	return time.Unix(sec, us*1000)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestGenerateExportValid(t *testing.T) {
	dir, sum := sharedWorkspace(t)
	checkExport(t, dir, sum, testOptions, true)
}

// checkExport validates every file of the export in dir. full also
// requires every subtype the generator can write.
func checkExport(t *testing.T, dir string, sum *Summary, opts Options, full bool) {
	t.Helper()
	chans, msgs := readExport(t, dir)

	var users []struct {
		ID    string `json:"id"`
		IsBot bool   `json:"is_bot"`
	}
	readJSON(t, filepath.Join(dir, "export", "users.json"), &users)
	known := map[string]bool{}
	for _, u := range users {
		known[u.ID] = true
	}

	var total int64
	tokens, subtypes := 0, map[string]int{}
	for name, list := range msgs {
		total += int64(len(list))
		byTS := map[string]exportMessage{}
		replies := map[string]int{}
		prev := ""
		for _, m := range list {
			ts := tsOf(m)
			if _, dup := byTS[ts]; dup {
				t.Errorf("%s: ts %s appears twice", name, ts)
			}
			if ts <= prev {
				t.Errorf("%s: ts %s after %s; day files are in ts order", name, ts, prev)
			}
			prev = ts
			byTS[ts] = m
			if m.ThreadTS != "" && m.ThreadTS != ts {
				replies[m.ThreadTS]++
			}
			if m.User != "" && !known[m.User] {
				t.Errorf("%s: user %s of message %s is not in users.json", name, m.User, ts)
			}
			subtypes[m.Subtype]++
			for _, f := range m.Files {
				for _, u := range []string{f.URLPrivate, f.URLPrivateDownload, f.Permalink} {
					if !strings.Contains(u, "?t=xoxe-") {
						t.Errorf("%s: file URL %s has no ?t=xoxe- token", name, u)
					}
					tokens++
				}
			}
			if m.File != nil && strings.Contains(m.File.URLPrivate, "?t=xoxe-") {
				tokens++
			}
			if ts := tsTime(ts); ts.After(opts.End) {
				t.Errorf("%s: message at %v is after End", name, ts)
			}
		}
		for parent, n := range replies {
			p, ok := byTS[parent]
			switch {
			case !ok:
				t.Errorf("%s: %d replies point at missing parent %s", name, n, parent)
			case p.ReplyCount != n:
				t.Errorf("%s: parent %s has reply_count %d, %d replies found", name, parent, p.ReplyCount, n)
			}
		}
		if c := chans[name]; c.IsArchived && list[len(list)-1].Subtype != "channel_archive" {
			t.Errorf("%s is archived but its last message is %q", name, list[len(list)-1].Subtype)
		}
	}
	if total != sum.Messages {
		t.Errorf("Summary.Messages = %d; the day files hold %d", sum.Messages, total)
	}
	if !full {
		return
	}
	if tokens == 0 {
		t.Error("no file URL carries a ?t=xoxe- token")
	}
	for _, st := range []string{"", "bot_message", "channel_join", "channel_topic", "channel_purpose", "channel_archive", "channel_name",
		"thread_broadcast", "tombstone", "file_share", "pinned_item", "huddle_thread", "channel_canvas_updated", "channel_leave", "bot_add"} {
		if subtypes[st] == 0 {
			t.Errorf("no message with subtype %q", st)
		}
	}
}

// TestGenerateShapes checks the export has the message shapes a parser
// must handle, not only the subtypes.
func TestGenerateShapes(t *testing.T) {
	dir, _ := sharedWorkspace(t)
	_, msgs := readExport(t, dir)
	want := map[string]bool{}
	for _, list := range msgs {
		for _, m := range list {
			if m.ClientID != "" && len(m.Blocks) > 0 && m.Blocks[0]["type"] == "rich_text" {
				want["human rich_text"] = true
			}
			if m.BotID != "" && m.Subtype == "" {
				want["app bot without subtype"] = true
			}
			if len(m.Attachments) > 0 && m.Attachments[0]["fields"] != nil {
				want["attachment fields"] = true
			}
			if m.Text == "Incident Notification" && len(m.Blocks) > 0 {
				want["fallback text with blocks"] = true
			}
			for _, b := range m.Blocks {
				want["block "+b["type"].(string)] = true
			}
			if m.Edited != nil {
				want["edited"] = true
			}
			if len(m.Reactions) > 0 {
				want["reactions"] = true
			}
			if m.Root != nil {
				want["broadcast root"] = true
			}
			if m.Hidden {
				want["hidden"] = true
			}
			for _, s := range []string{"<@U", "<#C", "|", "&gt;", "Status changed from", "Milestone updated", "Triggered", "[FIRING:1]", "ALARM:", "This incident has been closed!", "Declaring an incident", "added a regression test", "Post-mortem:"} {
				if strings.Contains(m.Text, s) {
					want["text "+s] = true
				}
			}
		}
	}
	for _, k := range []string{"human rich_text", "app bot without subtype", "attachment fields", "fallback text with blocks",
		"block section", "block context", "block header", "block divider", "block rich_text", "edited", "reactions", "broadcast root", "hidden",
		"text <@U", "text <#C", "text &gt;", "text Status changed from", "text Declaring an incident", "text This incident has been closed!", "text added a regression test", "text Post-mortem:"} {
		if !want[k] {
			t.Errorf("no message has %s", k)
		}
	}
}

func TestGenerateTruthConsistent(t *testing.T) {
	dir, sum := sharedWorkspace(t)
	checkTruth(t, dir, sum, testOptions, true)
}

// checkTruth checks truth.json against the export and the repositories.
// full also requires every style and source.
func checkTruth(t *testing.T, dir string, sum *Summary, opts Options, full bool) {
	t.Helper()
	_, msgs := readExport(t, dir)
	truth, err := LoadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := LoadWorkspace(filepath.Join(dir, "workspace.json"))
	if err != nil {
		t.Fatal(err)
	}
	repos := map[string]*gitRepo{} // by URL
	for _, r := range ws.Repos {
		repos[r.URL] = loadRepo(t, filepath.Join(dir, r.Path), r.TestGlobs)
	}
	serviceRepo := map[string]string{}
	for _, s := range ws.Services {
		serviceRepo[s.Name] = s.Repo
	}
	fixCommits := map[string][]string{}

	real, excluded := 0, 0
	byID := map[string]TruthIncident{}
	kinds := map[string]bool{}
	for _, inc := range truth.Incidents {
		byID[inc.ID] = inc
		kinds[inc.Style+"/"+inc.Source] = true
		if inc.Excluded {
			excluded++
		} else {
			real++
		}
		// Evidence points at messages of the incident's channel or thread.
		var list []exportMessage
		for _, m := range msgs[inc.ChannelName] {
			if inc.ThreadTS == nil || tsOf(m) == *inc.ThreadTS || m.ThreadTS == *inc.ThreadTS {
				list = append(list, m)
			}
		}
		if len(list) == 0 {
			t.Errorf("%s: no messages in %s", inc.ID, inc.ChannelName)
			continue
		}
		if inc.MessageCount != len(list) {
			t.Errorf("%s: message_count %d, export has %d", inc.ID, inc.MessageCount, len(list))
		}
		has := map[string]bool{}
		var texts []string
		for _, m := range list {
			has[tsOf(m)] = true
			texts = append(texts, m.Text)
			texts = appendStrings(texts, m.Blocks)
			texts = appendStrings(texts, m.Attachments)
		}
		all := strings.Join(texts, "\n")
		if !strings.Contains(all, inc.Title) {
			t.Errorf("%s: title %q appears in no message of the incident", inc.ID, inc.Title)
		}
		if inc.AlertName != nil && !strings.Contains(all, *inc.AlertName) {
			t.Errorf("%s: alert_name %q appears in no message of the incident", inc.ID, *inc.AlertName)
		}
		if inc.PostmortemURL != nil && !strings.Contains(all, *inc.PostmortemURL) {
			t.Errorf("%s: postmortem_url %q appears in no message of the incident", inc.ID, *inc.PostmortemURL)
		}
		for field, ts := range inc.Evidence {
			if !has[ts] {
				t.Errorf("%s: evidence %s = %s is not a message of the incident", inc.ID, field, ts)
			}
		}
		// Evidence elsewhere: a top-level post of the channel, by ts (an
		// Alertmanager [RESOLVED] beside its thread), or a post rewritten
		// in place that names the incident's channel, by its edit
		// (Response's headline in #incidents).
		elsewhere := map[string]string{}
		for field, ref := range inc.EvidenceElsewhere {
			if _, dup := inc.Evidence[field]; dup {
				t.Errorf("%s: %s has evidence in the incident and elsewhere", inc.ID, field)
			}
			found := ""
			for _, m := range msgs[ref.Channel] {
				switch {
				case ref.TS != "" && tsOf(m) == ref.TS && (m.ThreadTS == "" || m.ThreadTS == ref.TS):
					found = ref.TS
				case ref.EditedTS != "" && m.Edited != nil && m.Edited.TS == ref.EditedTS && strings.Contains(m.Text+fmt.Sprint(m.Blocks), "<#"+inc.ChannelID+">"):
					found = ref.EditedTS
				}
			}
			if found == "" {
				t.Errorf("%s: evidence %s = %+v is not a message of #%s", inc.ID, field, ref, ref.Channel)
			}
			elsewhere[field] = found
			if ref.EditedTS != "" && inc.Style == "response" {
				kinds["response-button-close"] = true
			}
		}
		for field, v := range map[string]*string{"declared_at": inc.DeclaredAt, "acknowledged_at": inc.AcknowledgedAt, "mitigated_at": inc.MitigatedAt,
			"resolved_at": inc.ResolvedAt, "closed_at": inc.ClosedAt, "postmortem_at": inc.PostmortemAt, "detected_at": inc.DetectedAt} {
			ev := cmp.Or(inc.Evidence[field], elsewhere[field])
			if _, ok := inc.EvidenceElsewhere[field]; ok && ev == "" {
				continue // reported above
			}
			if (v != nil) != (ev != "") {
				t.Errorf("%s: %s is %v but its evidence is %q", inc.ID, field, v, ev)
			}
			if v != nil && field != "declared_at" && !sameInstant(*v, ev) {
				t.Errorf("%s: %s = %s, evidence ts %s", inc.ID, field, *v, ev)
			}
		}
		// The lifecycle is ordered, except where the truth says otherwise.
		chain := []struct {
			name string
			v    *string
		}{{"started", inc.StartedAt}, {"acknowledged", inc.AcknowledgedAt}, {"mitigated", inc.MitigatedAt}, {"resolved", inc.ResolvedAt}, {"closed", inc.ClosedAt}}
		last, lastName := time.Time{}, ""
		for _, c := range chain {
			if c.v == nil {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, *c.v)
			if err != nil {
				t.Fatalf("%s: %s = %q: %v", inc.ID, c.name, *c.v, err)
			}
			if at.Before(last) && !(c.name == "resolved" && lastName == "acknowledged" && slices.Contains(inc.Notes, "out_of_order_ack")) &&
				!(c.name == "closed" && lastName == "acknowledged" && slices.Contains(inc.Notes, "out_of_order_ack")) {
				t.Errorf("%s: %s %s is before %s %s", inc.ID, c.name, *c.v, lastName, last.Format(time.RFC3339Nano))
			}
			if !at.Before(last) || c.name != "resolved" {
				last, lastName = at, c.name
			}
		}
		if start, _ := time.Parse(time.RFC3339Nano, *inc.StartedAt); inc.DeclaredAt != nil {
			if decl, _ := time.Parse(time.RFC3339Nano, *inc.DeclaredAt); start.After(decl) {
				t.Errorf("%s: started_at %s after declared_at %s", inc.ID, *inc.StartedAt, *inc.DeclaredAt)
			}
		}
		if inc.Excluded != (inc.ExclusionReason != nil) || inc.Excluded && inc.RegressionTest != "not_applicable" {
			t.Errorf("%s: excluded=%v reason=%v regression_test=%s", inc.ID, inc.Excluded, inc.ExclusionReason, inc.RegressionTest)
		}
		if (inc.DetectionSource == "alert") != (inc.DetectedAt != nil) {
			t.Errorf("%s: detection_source %s with detected_at %v", inc.ID, inc.DetectionSource, inc.DetectedAt)
		}
		if inc.RecurrenceOf != nil {
			prev, ok := byID[*inc.RecurrenceOf]
			s1, _ := time.Parse(time.RFC3339Nano, *inc.StartedAt)
			s0, _ := time.Parse(time.RFC3339Nano, *prev.StartedAt)
			if !ok || prev.FailureSignature != inc.FailureSignature || s1.Sub(s0) > 30*24*time.Hour || s1.Before(s0) {
				t.Errorf("%s: recurrence_of %s does not match the definition", inc.ID, *inc.RecurrenceOf)
			}
		}
		url := serviceRepo[inc.Service]
		checkFixLinks(t, inc, url, repos[url])
		if inc.FixCommit != nil {
			fixCommits[url] = append(fixCommits[url], *inc.FixCommit)
		}
	}
	for url, shas := range fixCommits {
		checkCommitsExist(t, repos[url], shas)
	}
	if real != opts.Incidents {
		t.Errorf("%d real incidents; want %d", real, opts.Incidents)
	}
	if sum.Incidents != len(truth.Incidents) || truth.Messages != sum.Messages {
		t.Errorf("summary %+v disagrees with truth.json (%d incidents, %d messages)", sum, len(truth.Incidents), truth.Messages)
	}
	if !full {
		return
	}
	if excluded == 0 || excluded > real/10 {
		t.Errorf("%d excluded incidents for %d real ones; want about 5%%", excluded, real)
	}
	// The bots as their sources say they behave (docs/bots.md): an
	// Alertmanager [RESOLVED] is a new top-level post, not a reply in the
	// alert's thread (github.com/prometheus/alertmanager @ 68fb2d5759b3,
	// config/notifiers.go, notify/slack/slack.go); a Response incident
	// closed from its headline's button leaves only the headline, edited
	// (github.com/monzo/response @ 021f1445177c, response/slack/action_handlers.py
	// handle_close_incident; @ 23a7150feb17, response/slack/signals.py).
	for _, k := range []string{"dispatch/channel", "incidentio/channel", "rootly/channel", "firehydrant/channel", "pagerduty/thread", "response/channel", "human/channel", "human/thread",
		"response-button-close"} {
		if !kinds[k] {
			t.Errorf("no %s incident", k)
		}
	}
	resolvedPosts := 0
	for name, list := range msgs {
		for _, m := range list {
			for _, a := range m.Attachments {
				title, _ := a["title"].(string)
				link, _ := a["title_link"].(string)
				if !strings.HasPrefix(title, "[RESOLVED]") || !strings.Contains(link, "alertmanager") {
					continue
				}
				resolvedPosts++
				if m.ThreadTS != "" && m.ThreadTS != tsOf(m) {
					t.Errorf("#%s: Alertmanager's %q at %s is a thread reply; it posts every notification top-level", name, title, tsOf(m))
				}
			}
		}
	}
	if resolvedPosts == 0 {
		t.Error("no Alertmanager [RESOLVED] post")
	}
}

// appendStrings collects every string inside decoded JSON.
func appendStrings(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, x := range v {
			out = appendStrings(out, x)
		}
	case []map[string]any:
		for _, x := range v {
			out = appendStrings(out, x)
		}
	case map[string]any:
		for _, x := range v {
			out = appendStrings(out, x)
		}
	}
	return out
}

func sameInstant(rfc, ts string) bool {
	at, err := time.Parse(time.RFC3339Nano, rfc)
	return err == nil && at.Equal(tsTime(ts))
}

// gitRepo is what the tests know about one generated repository.
type gitRepo struct {
	path    string
	globs   []string
	pulls   map[string]string   // PR number -> commit
	touched map[string][]string // commit -> files it changed
}

func loadRepo(t *testing.T, path string, globs []string) *gitRepo {
	t.Helper()
	r := &gitRepo{path: path, globs: globs, pulls: map[string]string{}, touched: map[string][]string{}}
	for _, line := range strings.Split(gitOut(t, path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/pull/"), "\n") {
		ref, sha, _ := strings.Cut(line, " ")
		r.pulls[strings.TrimSuffix(strings.TrimPrefix(ref, "refs/pull/"), "/head")] = sha
	}
	sha := ""
	for _, line := range strings.Split(gitOut(t, path, "log", "--all", "--format=commit %H", "--name-only"), "\n") {
		switch {
		case strings.HasPrefix(line, "commit "):
			sha = strings.TrimPrefix(line, "commit ")
			r.touched[sha] = []string{}
		case line != "":
			r.touched[sha] = append(r.touched[sha], line)
		}
	}
	return r
}

// resolve finds the commit a link names: a PR URL, a commit URL or a short SHA.
func (r *gitRepo) resolve(link string) string {
	switch {
	case strings.Contains(link, "/pull/"):
		return r.pulls[path.Base(link)]
	case strings.Contains(link, "/commit/"):
		if _, ok := r.touched[path.Base(link)]; ok {
			return path.Base(link)
		}
		return ""
	}
	found := ""
	for sha := range r.touched {
		if strings.HasPrefix(sha, link) {
			if found != "" {
				return "" // ambiguous
			}
			found = sha
		}
	}
	return found
}

// checkFixLinks verifies every fix link against the repositories, and the
// regression_test verdict against the files the fix touched.
func checkFixLinks(t *testing.T, inc TruthIncident, url string, repo *gitRepo) {
	t.Helper()
	if len(inc.FixLinks) == 0 {
		if inc.RegressionTest == "verified" {
			t.Errorf("%s: verified without a fix link", inc.ID)
		}
		return
	}
	if inc.FixCommit == nil {
		t.Fatalf("%s: fix links without fix_commit", inc.ID)
	}
	for _, link := range inc.FixLinks {
		if strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, url+"/") {
			t.Errorf("%s: link %s is not in the service's repository %s", inc.ID, link, url)
		}
		if sha := repo.resolve(link); sha != *inc.FixCommit {
			t.Errorf("%s: link %s resolves to %q in %s; want %s", inc.ID, link, sha, repo.path, *inc.FixCommit)
		}
	}
	tests := false
	for _, f := range repo.touched[*inc.FixCommit] {
		if isTestFile(f, repo.globs) {
			tests = true
		}
	}
	switch inc.RegressionTest {
	case "verified":
		if !tests {
			t.Errorf("%s: verified, but %s touched only %v", inc.ID, *inc.FixCommit, repo.touched[*inc.FixCommit])
		}
	case "missing", "claimed":
		if tests {
			t.Errorf("%s: %s, but %s touched tests %v", inc.ID, inc.RegressionTest, *inc.FixCommit, repo.touched[*inc.FixCommit])
		}
	}
}

// checkCommitsExist runs git cat-file -e, in one batch, on every fix commit.
func checkCommitsExist(t *testing.T, repo *gitRepo, shas []string) {
	t.Helper()
	if len(shas) == 0 {
		return
	}
	cmd := exec.Command("git", "-C", repo.path, "cat-file", "--batch-check")
	cmd.Stdin = strings.NewReader(strings.Join(shas, "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git cat-file --batch-check in %s: %v", repo.path, err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasSuffix(strings.Fields(line + " x x")[1], "commit") {
			t.Errorf("fix commit %s is not a commit in %s: %s", shas[i], repo.path, line)
		}
	}
}

func isTestFile(name string, globs []string) bool {
	for _, g := range globs {
		if strings.HasSuffix(g, "/") {
			if strings.HasPrefix(name, g) || strings.Contains(name, "/"+g) {
				return true
			}
			continue
		}
		if ok, _ := path.Match(g, path.Base(name)); ok {
			return true
		}
	}
	return false
}

func gitOut(t *testing.T, repo string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func TestGenerateZip(t *testing.T) {
	dir, _ := sharedWorkspace(t)
	zr, err := zip.OpenReader(filepath.Join(dir, "export.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := hashTree(t, filepath.Join(dir, "export"))
	seen := 0
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		sum := sha256.Sum256(data)
		if want, ok := files[f.Name]; !ok || want != hex.EncodeToString(sum[:]) {
			t.Errorf("zip entry %s does not match export/%s", f.Name, f.Name)
		}
		seen++
	}
	if seen != len(files) {
		t.Errorf("zip has %d files; export/ has %d", seen, len(files))
	}
}

// TestGenerateChannelNames checks incident channels match both the
// workspace's own patterns and aftermath's default ones, and that the
// precise patterns leave the noise (and the incident-reviews trap) out.
func TestGenerateChannelNames(t *testing.T) {
	dir, _ := sharedWorkspace(t)
	truth, err := LoadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	ws, err := LoadWorkspace(filepath.Join(dir, "workspace.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	matches := func(res []*regexp.Regexp, name string) bool {
		for _, re := range res {
			if re.MatchString(name) {
				return true
			}
		}
		return false
	}
	var own []*regexp.Regexp
	for _, p := range ws.ChannelPatterns {
		own = append(own, regexp.MustCompile(p))
	}
	trapCaught := false
	for _, ch := range truth.Channels {
		names := []string{ch.Name}
		if ch.OldName != nil {
			names = append(names, *ch.OldName)
		}
		for _, name := range names {
			switch ch.Kind {
			case "incident":
				if !matches(own, name) {
					t.Errorf("incident channel %s matches no workspace pattern", name)
				}
				if !matches(cfg.Channels.Compiled(), name) {
					t.Errorf("incident channel %s matches no default pattern", name)
				}
			default:
				if matches(own, name) {
					t.Errorf("%s channel %s matches a workspace incident pattern", ch.Kind, name)
				}
				if ch.Kind == "trap" && matches(cfg.Channels.Compiled(), name) {
					trapCaught = true
				}
			}
		}
	}
	if !trapCaught {
		t.Error("no trap channel matches the default patterns; the trap tests nothing")
	}
	if !slices.Equal(ws.SharedChannels, cfg.Channels.Shared) {
		t.Errorf("shared channels %v; the default config expects %v", ws.SharedChannels, cfg.Channels.Shared)
	}
}
