package transform

import (
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

//go:embed messages.sql
var messagesSQL string

// Options configure Run.
type Options struct {
	// Now is the clock; its value at the start is the as-of instant open
	// incidents are measured to.
	Now func() time.Time
	Log *slog.Logger
	// MessagesPerQuery bounds how many messages are read at once (whole
	// channels, so a larger channel is read alone), and so the memory a
	// transform needs however large the warehouse grows.
	MessagesPerQuery int
}

// Summary is what a transform found.
type Summary struct {
	RunID     int64
	Messages  int64
	Incidents int
	Resolved  int
	Open      int
	Excluded  int
	Problems  int
}

// Run rebuilds the derived layer from the raw tables, replacing it in one
// transaction.
func Run(ctx context.Context, db *warehouse.DB, cfg *config.Config, opts Options) (*Summary, error) {
	startedAt := opts.Now()
	if opts.MessagesPerQuery <= 0 {
		opts.MessagesPerQuery = 50_000
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	chans, err := loadChannels(ctx, conn, cfg)
	if err != nil {
		return nil, err
	}
	asm := &assembler{
		cfg:        &assemblerConfig{asOf: startedAt},
		catalog:    newCatalog(cfg.Incidents.Services),
		severities: severityLabels(cfg.Incidents.Severities),
	}
	b := &build{cls: cls, asm: asm, channels: map[string]*channelInfo{}, asOf: startedAt}
	for _, c := range chans {
		b.channels[c.id] = c
	}
	var own, shared []*channelInfo
	for _, c := range chans {
		if c.shared {
			shared = append(shared, c)
		} else {
			own = append(own, c)
		}
	}
	batches, err := channelBatches(ctx, conn, own, opts.MessagesPerQuery)
	if err != nil {
		return nil, err
	}
	for _, batch := range batches {
		if err := b.readBatch(ctx, conn, batch, false, nil, nil); err != nil {
			return nil, err
		}
	}
	for _, c := range shared {
		slices, err := threadSlices(ctx, conn, c.id, opts.MessagesPerQuery)
		if err != nil {
			return nil, err
		}
		for _, sl := range slices {
			if err := b.readBatch(ctx, conn, []string{c.id}, true, sl[0], sl[1]); err != nil {
				return nil, err
			}
		}
	}
	b.dropAnnouncements()

	repos, order := repoPaths(cfg)
	checker := newGitChecker(repos, order, cfg.Incidents.TestGlobs)
	for _, inc := range b.incidents {
		for i := range inc.links {
			if len(repos) == 0 && inc.links[i].isFix() {
				inc.links[i].check = "no_clone"
				continue
			}
			if err := checker.check(ctx, &inc.links[i]); err != nil {
				return nil, err
			}
		}
	}
	finish(b.incidents, cfg, asm.catalog, startedAt)

	sum := &Summary{Messages: b.messages, Incidents: len(b.incidents)}
	for _, inc := range b.incidents {
		switch {
		case inc.excluded != "":
			sum.Excluded++
		case inc.events["resolved"] != nil:
			sum.Resolved++
		default:
			sum.Open++
		}
		sum.Problems += len(inc.quality)
	}
	sum.Problems += len(b.notIncidents)
	sum.RunID, err = write(ctx, conn, b, cfg, startedAt, opts.Now, sum)
	if err != nil {
		return nil, err
	}
	opts.Log.Info("transform done", "incidents", sum.Incidents, "resolved", sum.Resolved, "open", sum.Open,
		"excluded", sum.Excluded, "problems", sum.Problems, "messages", sum.Messages, "elapsed", opts.Now().Sub(startedAt).Round(time.Millisecond))
	return sum, nil
}

// build accumulates incidents while messages stream by.
type build struct {
	cls          *classifier
	asm          *assembler
	channels     map[string]*channelInfo
	incidents    []*incident
	notIncidents []notIncident
	messages     int64
	asOf         time.Time
}

type notIncident struct {
	channel *channelInfo
	detail  string
}

// loadChannels returns the channels transform reads: incident channels by
// name (patterns and include, not exclude) and the shared channels.
func loadChannels(ctx context.Context, conn *sql.Conn, cfg *config.Config) ([]*channelInfo, error) {
	rows, err := conn.QueryContext(ctx, `SELECT channel_id, name, coalesce(creator_id, ''), coalesce(topic, ''), created_at FROM channels ORDER BY channel_id`)
	if err != nil {
		return nil, fmt.Errorf("read channels: %w", err)
	}
	defer rows.Close()
	var out []*channelInfo
	for rows.Next() {
		c := &channelInfo{}
		var created sql.NullTime
		if err := rows.Scan(&c.id, &c.name, &c.creator, &c.topic, &created); err != nil {
			return nil, fmt.Errorf("read channels: %w", err)
		}
		if created.Valid {
			c.created = created.Time
		}
		ch := cfg.Channels
		switch {
		case slices.Contains(ch.Exclude, c.id) || slices.Contains(ch.Exclude, c.name):
			continue
		case slices.Contains(ch.Shared, c.name) || slices.Contains(ch.Shared, c.id):
			c.shared = true
		case slices.Contains(ch.Include, c.id) || slices.Contains(ch.Include, c.name):
		default:
			match := false
			for _, re := range ch.Compiled() {
				if re.MatchString(c.name) {
					match = true
					break
				}
			}
			if !match {
				continue
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// channelBatches groups the channels' IDs so each group holds at most max
// messages (a channel with more is a group of its own).
func channelBatches(ctx context.Context, conn *sql.Conn, chans []*channelInfo, max int) ([][]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT channel_id, count(*) FROM messages GROUP BY channel_id`)
	if err != nil {
		return nil, fmt.Errorf("count messages: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count messages: %w", err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count messages: %w", err)
	}
	var out [][]string
	var cur []string
	n := 0
	for _, c := range chans {
		if counts[c.id] == 0 {
			continue
		}
		if len(cur) > 0 && n+counts[c.id] > max {
			out, cur, n = append(out, cur), nil, 0
		}
		cur = append(cur, c.id)
		n += counts[c.id]
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// Orders of the messages query: channel by channel in time order, or, for
// shared channels, thread by thread (a parent, then its replies).
const (
	byChannel = "\nORDER BY m.channel_id, m.posted_at, m.ts"
	byThread  = "\nORDER BY m.channel_id, coalesce(m.thread_ts, m.ts), m.posted_at, m.ts"
)

// threadSlices cuts a shared channel into ranges of thread keys (a thread's
// parent ts) holding at most max messages each, never splitting a thread.
func threadSlices(ctx context.Context, conn *sql.Conn, channelID string, max int) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT coalesce(thread_ts, ts) AS k, count(*) FROM messages
		WHERE channel_id = ? GROUP BY k ORDER BY k`, channelID)
	if err != nil {
		return nil, fmt.Errorf("count threads of %s: %w", channelID, err)
	}
	defer rows.Close()
	var out [][2]string
	var lo, hi string
	n := 0
	for rows.Next() {
		var k string
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			return nil, fmt.Errorf("count threads of %s: %w", channelID, err)
		}
		if n > 0 && n+c > max {
			out = append(out, [2]string{lo, hi})
			n = 0
		}
		if n == 0 {
			lo = k
		}
		hi = k
		n += c
	}
	if n > 0 {
		out = append(out, [2]string{lo, hi})
	}
	return out, rows.Err()
}

// readBatch streams the messages of some channels and assembles their
// incidents one channel at a time, or for shared channels one thread at a
// time, so memory holds a channel or a thread, not a shared channel's
// whole history.
func (b *build) readBatch(ctx context.Context, conn *sql.Conn, ids []string, shared bool, from, to any) error {
	order := byChannel
	if shared {
		order = byThread
	}
	rows, err := conn.QueryContext(ctx, strings.TrimSpace(messagesSQL)+order, ids, from, to)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	var cur string
	var msgs []*message
	flush := func() {
		if len(msgs) == 0 {
			return
		}
		ch := b.channels[msgs[0].channelID]
		if shared {
			b.thread(ch, msgs)
		} else {
			b.channel(ch, msgs)
		}
		msgs = nil
	}
	for rows.Next() {
		m := &message{}
		var thread, user sql.NullString
		var posted int64
		var edited sql.NullInt64
		var isBot bool
		var content sql.NullString
		if err := rows.Scan(&m.channelID, &m.ts, &thread, &posted, &edited, &user, &m.subtype, &m.author, &isBot, &content); err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
		m.threadTS, m.userID = thread.String, user.String
		m.at = time.UnixMicro(posted).UTC()
		if edited.Valid && edited.Int64 > posted {
			m.edited = time.UnixMicro(edited.Int64).UTC()
		}
		m.content = normalise(content.String)
		m.lower = strings.ToLower(m.content)
		m.class = b.cls.classOf(m.subtype, m.author, isBot)
		m.signals = b.cls.classify(m)
		b.messages++
		key := m.channelID
		if shared {
			key += "\x00" + cmp.Or(m.threadTS, m.ts)
		}
		if key != cur {
			flush()
			cur = key
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	flush()
	return nil
}

// incidentKinds are the signals that show a channel holds an incident.
var incidentKinds = []string{"declared", "detected", "impact_start", "severity"}

// channel assembles the incident of one channel named like an incident
// channel, if it holds one.
func (b *build) channel(ch *channelInfo, msgs []*message) {
	if why := notAnIncident(msgs); why != "" {
		b.notIncidents = append(b.notIncidents, notIncident{ch, why})
		return
	}
	b.incidents = append(b.incidents, b.asm.assemble(ch, msgs, nil))
}

// thread assembles the incident of one thread of a shared channel (msgs
// hold the parent, then its replies), if its top-level message declares one.
func (b *build) thread(ch *channelInfo, msgs []*message) {
	if msgs[0].isReply() {
		return // replies whose parent is not stored
	}
	for i := range msgs[0].signals {
		s := &msgs[0].signals[i]
		if s.kind == "declared" || s.kind == "detected" {
			b.incidents = append(b.incidents, b.asm.assemble(ch, msgs, s))
			return
		}
	}
}

// notAnIncident says why a channel named like an incident channel holds no
// incident, or "" when it does: an incident channel shows a declaration,
// an alert, a stated impact or severity, or a status from an incident bot
// within a day of its first message.
func notAnIncident(msgs []*message) string {
	if len(msgs) == 0 {
		return "no messages"
	}
	until := msgs[0].at.Add(24 * time.Hour)
	for _, m := range msgs {
		if m.at.After(until) {
			break
		}
		for _, s := range m.signals {
			if slices.Contains(incidentKinds, s.kind) {
				return ""
			}
			if s.strong && s.msg.class != system && s.kind != "postmortem" && s.kind != "closed" && s.kind != "title" {
				return ""
			}
		}
	}
	return "no declaration, alert, severity or incident-bot status in its first day"
}

// dropAnnouncements removes thread incidents whose declaring message only
// announces a channel incident ("INC-12 declared, join #inc-12").
func (b *build) dropAnnouncements() {
	channelIncidents := map[string]bool{}
	for _, inc := range b.incidents {
		if inc.kind == "channel" {
			channelIncidents[inc.channel.id] = true
		}
	}
	out := b.incidents[:0]
	for _, inc := range b.incidents {
		if inc.kind == "thread" && channelIncidents[inc.announces] {
			continue
		}
		out = append(out, inc)
	}
	b.incidents = out
}

func severityLabels(sev map[string][]string) map[string]string {
	out := map[string]string{}
	for s, labels := range sev {
		out[normLabel(s)] = s
		for _, l := range labels {
			out[normLabel(l)] = s
		}
	}
	return out
}

func repoPaths(cfg *config.Config) (map[string]string, []string) {
	repos := map[string]string{}
	var order []string
	for _, r := range cfg.Repos {
		key := normaliseRepoURL(r.URL)
		p := r.Path
		if !filepath.IsAbs(p) && cfg.Dir != "" {
			p = filepath.Join(cfg.Dir, p)
		}
		if _, dup := repos[key]; !dup {
			order = append(order, key)
		}
		repos[key] = p
	}
	return repos, order
}

func normaliseRepoURL(u string) string {
	u = strings.TrimSuffix(strings.TrimSpace(u), "/")
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	host, p, _ := strings.Cut(u, "/")
	return repoKey(host, p)
}

// finish completes incidents after assembly: order checks, recurrence,
// regression-test status, statuses and data-quality notes.
func finish(incs []*incident, cfg *config.Config, cat *catalog, asOf time.Time) {
	sort.Slice(incs, func(i, j int) bool { return incs[i].id < incs[j].id })
	for _, inc := range incs {
		checkOrder(inc)
	}
	recurrences(incs, cfg.Incidents.RecurrenceWindow.D(), cat)
	byID := map[string]*incident{}
	for _, inc := range incs {
		byID[inc.id] = inc
	}
	for _, inc := range incs {
		inc.regression = regressionStatus(inc)
		inc.pmRequired = inc.excluded == "" && inc.events["resolved"] != nil && slices.Contains(cfg.Incidents.PostmortemSeverities, inc.severity)
	}
	for _, inc := range incs {
		if inc.excluded != "" {
			continue
		}
		if inc.events["resolved"] == nil && asOf.Sub(inc.events["started"].at) > 7*24*time.Hour {
			inc.quality = append(inc.quality, quality{"never_resolved", fmt.Sprintf("open for %d days with no resolution", int(asOf.Sub(inc.events["started"].at).Hours()/24))})
		}
		if inc.severity == "" {
			inc.quality = append(inc.quality, quality{"no_severity", "no severity was stated"})
		}
		if inc.service == "" {
			inc.quality = append(inc.quality, quality{"no_service", "no service from the catalog was named"})
		}
		if e := inc.events["acknowledged"]; e != nil && strings.HasPrefix(e.rule, "fallback:") {
			inc.quality = append(inc.quality, quality{"fallback", "acknowledged_at is the first human reply: no explicit acknowledgement"})
		}
		if inc.titleFrom == "channel_name" {
			inc.quality = append(inc.quality, quality{"fallback", "title is the channel name: no title was stated"})
		}
		if prev := byID[inc.recurrenceOf]; prev != nil && prev.regression == "missing" {
			inc.quality = append(inc.quality, quality{"recurred_without_test",
				fmt.Sprintf("recurrence of %s, whose fix shipped no regression test", prev.id)})
		}
		if pmDue := cfg.Incidents.PostmortemDue.D(); pmDue > 0 && inc.events["postmortem"] == nil && slices.Contains(cfg.Incidents.PostmortemSeverities, inc.severity) {
			if r := inc.events["resolved"]; r != nil && asOf.Sub(r.at) > pmDue {
				inc.quality = append(inc.quality, quality{"postmortem_overdue",
					fmt.Sprintf("%s resolved %d days ago with no postmortem link", inc.severity, int(asOf.Sub(r.at).Hours()/24))})
			}
		}
	}
}

// regressionStatus applies SPEC §4: verified when a linked fix touched test
// files in a local clone; claimed when the channel says a test was added and
// no link could be checked; missing otherwise; not_applicable for excluded
// and unresolved incidents.
func regressionStatus(inc *incident) string {
	if inc.excluded != "" || inc.events["resolved"] == nil {
		return "not_applicable"
	}
	checked := false
	for _, l := range inc.links {
		switch l.check {
		case "touches_tests":
			return "verified"
		case "no_tests":
			checked = true
		}
	}
	if inc.claimed && !checked {
		return "claimed"
	}
	return "missing"
}
