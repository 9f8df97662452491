package transform

import (
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
	// ChannelsPerQuery bounds how many channels' messages are read at once,
	// and so the memory a transform needs.
	ChannelsPerQuery int
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
	if opts.ChannelsPerQuery <= 0 {
		opts.ChannelsPerQuery = 256
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
	ids := make([]string, 0, len(chans))
	for _, c := range chans {
		ids = append(ids, c.id)
	}
	for start := 0; start < len(ids); start += opts.ChannelsPerQuery {
		batch := ids[start:min(start+opts.ChannelsPerQuery, len(ids))]
		if err := b.readBatch(ctx, conn, batch); err != nil {
			return nil, err
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

// readBatch streams the messages of some channels and assembles their
// incidents one channel at a time.
func (b *build) readBatch(ctx context.Context, conn *sql.Conn, ids []string) error {
	rows, err := conn.QueryContext(ctx, messagesSQL, ids)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	var cur string
	var msgs []*message
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
		if m.channelID != cur && len(msgs) > 0 {
			b.channel(b.channels[cur], msgs)
			msgs = nil
		}
		cur = m.channelID
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	if len(msgs) > 0 {
		b.channel(b.channels[cur], msgs)
	}
	return nil
}

// incidentKinds are the signals that show a channel holds an incident.
var incidentKinds = []string{"declared", "detected", "impact_start", "severity"}

// channel assembles the incidents of one channel.
func (b *build) channel(ch *channelInfo, msgs []*message) {
	if !ch.shared {
		if why := notAnIncident(msgs); why != "" {
			b.notIncidents = append(b.notIncidents, notIncident{ch, why})
			return
		}
		b.incidents = append(b.incidents, b.asm.assemble(ch, msgs, nil))
		return
	}
	// A shared channel: each top-level message that declares an incident,
	// with its thread.
	replies := map[string][]*message{}
	for _, m := range msgs {
		if m.isReply() {
			replies[m.threadTS] = append(replies[m.threadTS], m)
		}
	}
	for _, m := range msgs {
		if m.isReply() {
			continue
		}
		var declared *signal
		for i := range m.signals {
			s := &m.signals[i]
			if s.kind == "declared" || s.kind == "detected" {
				declared = s
				break
			}
		}
		if declared == nil {
			continue
		}
		unit := append([]*message{m}, replies[m.ts]...)
		b.incidents = append(b.incidents, b.asm.assemble(ch, unit, declared))
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
		if inc.kind == "thread" {
			if d := inc.events["declared"]; d != nil && d.msg != nil {
				if m := channelMention.FindStringSubmatch(d.msg.content); m != nil && channelIncidents[m[1]] {
					continue
				}
			}
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
