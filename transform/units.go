// Stage 1, units: which channels and threads can hold an incident, and
// their messages read from the warehouse a bounded slice at a time. Each
// slice's messages are classified (stage 2, signals.go) on every CPU while
// the next slice is read, and each unit is then assembled into its
// incident (stage 3, timelines.go), in order.
package transform

import (
	"cmp"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

//go:embed messages.sql
var messagesSQL string

// build accumulates incidents while messages stream by.
type build struct {
	committed    func(what string) // Options.Committed
	cls          *classifier
	asm          *assembler
	channels     map[string]*channelInfo
	order        []*channelInfo
	patterns     []*regexp.Regexp
	incidents    []*incident
	notIncidents []notIncident
	messages     int64
	asOf         time.Time
	alertGroups  map[string]*alertGroup // open alert groups of shared channels (alertgroups.go)
	// channelIncidents finds a channel incident by ID and by #name (announcements.go).
	channelIncidents map[string]*incident
	progress         func(done, total int64)
	// now and stages time readUnits' stages (Options.Now; logged at debug level).
	now    func() time.Time
	stages struct{ read, wait, classify, assemble time.Duration }
}

type notIncident struct {
	channel         *channelInfo
	problem, detail string
}

func newBuild(cls *classifier, asm *assembler, chans []*channelInfo, asOf time.Time) *build {
	b := &build{cls: cls, asm: asm, channels: map[string]*channelInfo{}, asOf: asOf}
	for _, c := range chans {
		b.channels[c.id] = c
	}
	b.order = chans
	return b
}

// readUnits reads every unit: the incident channels in batches of whole
// channels, then each shared channel in slices of whole threads, at most
// perQuery messages at a time. One goroutine reads the next slice while
// the current one is classified (on every CPU) and assembled, in order.
func (b *build) readUnits(ctx context.Context, conn *sql.Conn, perQuery int) error {
	var own, shared []*channelInfo
	for _, c := range b.order {
		if c.shared {
			shared = append(shared, c)
		} else {
			own = append(own, c)
		}
	}
	counts, err := messageCounts(ctx, conn)
	if err != nil {
		return err
	}
	// Channels are read a query's worth at a time, several to a query
	// (each query scans the table, so a workspace of many small channels
	// must not read them one by one); a longer one is cut (longSlices).
	var parts []slice
	for _, g := range [...]struct {
		chans  []*channelInfo
		shared bool
	}{{own, false}, {shared, true}} {
		for _, batch := range channelBatches(g.chans, counts, perQuery) {
			if len(batch) > 1 || counts[batch[0]] <= perQuery {
				parts = append(parts, slice{ids: batch, shared: g.shared})
				continue
			}
			long, err := longSlices(ctx, conn, batch[0], g.shared, perQuery)
			if err != nil {
				return err
			}
			parts = append(parts, long...)
		}
	}
	report, err := b.progressReporter(ctx, conn)
	if err != nil {
		return err
	}

	// The reader owns conn until it returns: wait for it before leaving.
	// Unbuffered: memory holds the slice being assembled and the one
	// being read, no more.
	ctx, cancel := context.WithCancel(ctx)
	read := make(chan readSlice)
	done := make(chan struct{})
	defer func() {
		cancel()
		<-done
	}()
	go func() {
		defer close(done)
		defer close(read)
		for _, p := range parts {
			t := b.now()
			msgs, err := b.readSlice(ctx, conn, p)
			b.stages.read += b.now().Sub(t)
			select {
			case read <- readSlice{msgs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	classifiers := b.cls.workers(runtime.GOMAXPROCS(0))
	var pending []*message // the pieces of a channel read so far
	for _, p := range parts {
		t0 := b.now()
		r, ok := <-read
		if !ok {
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		t1 := b.now()
		classifyAll(classifiers, r.msgs)
		t2 := b.now()
		b.stages.wait += t1.Sub(t0)
		b.stages.classify += t2.Sub(t1)
		msgs := r.msgs
		if pending != nil {
			msgs, pending = append(pending, msgs...), nil
		}
		if p.more {
			pending = msgs
			continue
		}
		b.assembleSlice(p.shared, msgs)
		b.stages.assemble += b.now().Sub(t2)
		report()
	}
	return nil
}

// slice is one query's worth of messages: some channels, one piece of a
// long channel's time (after to until, microseconds; more when pieces
// follow), or one shared channel's threads from one thread key to another.
type slice struct {
	ids          []string
	shared       bool
	from, to     any
	after, until any
	more         bool
}

type readSlice struct {
	msgs []*message
	err  error
}

// progressReporter counts the messages readUnits will read and returns
// the function that tells b.progress how far it got; it does nothing when
// nobody asked.
func (b *build) progressReporter(ctx context.Context, conn *sql.Conn) (func(), error) {
	if b.progress == nil {
		return func() {}, nil
	}
	ids := make([]string, len(b.order))
	for i, c := range b.order {
		ids[i] = c.id
	}
	var total int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE list_contains(?::VARCHAR[], channel_id)`, ids).Scan(&total); err != nil {
		return nil, fmt.Errorf("count messages: %w", err)
	}
	return func() { b.progress(b.messages, total) }, nil
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
			c.included = true
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

// messageCounts counts the stored messages of every channel.
func messageCounts(ctx context.Context, conn *sql.Conn) (map[string]int, error) {
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
	return counts, nil
}

// channelBatches groups the IDs of the channels with messages, in order,
// so each group holds at most max messages (a channel with more is a
// group of its own).
func channelBatches(chans []*channelInfo, counts map[string]int, max int) [][]string {
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
	return out
}

// longSlices cuts a channel with more than max messages into slices of
// at most max: a shared channel into slices of whole threads; an incident
// channel (a long incident) into pieces of time, so DuckDB sorts and
// hands over a bounded number of messages at once, assembled after the
// last piece.
func longSlices(ctx context.Context, conn *sql.Conn, channelID string, shared bool, max int) ([]slice, error) {
	ids := []string{channelID}
	var out []slice
	if shared {
		threads, err := threadSlices(ctx, conn, channelID, max)
		for _, sl := range threads {
			out = append(out, slice{ids: ids, shared: true, from: sl[0], to: sl[1]})
		}
		return out, err
	}
	pieces, err := timeSlices(ctx, conn, channelID, max)
	for i, pc := range pieces {
		out = append(out, slice{ids: ids, after: pc[0], until: pc[1], more: i < len(pieces)-1})
	}
	return out, err
}

// timeSlices cuts a channel into ranges of times posted (microseconds,
// both ends included) holding at most max messages each, never splitting
// the messages of one instant: read one after the other, they are the
// channel in the order of the messages query.
func timeSlices(ctx context.Context, conn *sql.Conn, channelID string, max int) ([][2]int64, error) {
	return keySlices[int64](ctx, conn, `SELECT epoch_us(posted_at) AS k, count(*) FROM messages
		WHERE channel_id = ? GROUP BY k ORDER BY k`, "messages", channelID, max)
}

// threadSlices cuts a shared channel into ranges of thread keys (a thread's
// parent ts) holding at most max messages each, never splitting a thread.
func threadSlices(ctx context.Context, conn *sql.Conn, channelID string, max int) ([][2]string, error) {
	return keySlices[string](ctx, conn, `SELECT coalesce(thread_ts, ts) AS k, count(*) FROM messages
		WHERE channel_id = ? GROUP BY k ORDER BY k`, "threads", channelID, max)
}

// keySlices cuts the (key, count) rows of query, in key order, into
// ranges of keys (both ends included) holding at most max messages each,
// never splitting one key's messages; what names the rows in errors.
func keySlices[K int64 | string](ctx context.Context, conn *sql.Conn, query, what, channelID string, max int) ([][2]K, error) {
	rows, err := conn.QueryContext(ctx, query, channelID)
	if err != nil {
		return nil, fmt.Errorf("count %s of %s: %w", what, channelID, err)
	}
	defer rows.Close()
	var out [][2]K
	var lo, hi K
	n := 0
	for rows.Next() {
		var k K
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			return nil, fmt.Errorf("count %s of %s: %w", what, channelID, err)
		}
		if n > 0 && n+c > max {
			out = append(out, [2]K{lo, hi})
			n = 0
		}
		if n == 0 {
			lo = k
		}
		hi = k
		n += c
	}
	if n > 0 {
		out = append(out, [2]K{lo, hi})
	}
	return out, rows.Err()
}

// Orders of the messages query: channel by channel in time order, or, for
// shared channels, thread by thread (a parent, then its replies).
const (
	byChannel = "\nORDER BY m.channel_id, m.posted_at, m.ts"
	byThread  = "\nORDER BY m.channel_id, coalesce(m.thread_ts, m.ts), m.posted_at, m.ts"
)

// readSlice reads the messages of a slice, in the order assembleSlice
// takes them, for classifyAll.
func (b *build) readSlice(ctx context.Context, conn *sql.Conn, p slice) ([]*message, error) {
	order := byChannel
	if p.shared {
		order = byThread
	}
	rows, err := conn.QueryContext(ctx, strings.TrimSpace(messagesSQL)+order, p.ids, p.from, p.to, p.after, p.until)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	var msgs []*message
	for rows.Next() {
		m := &message{}
		var thread, user sql.NullString
		var posted int64
		var edited sql.NullInt64
		var isBot bool
		var content sql.NullString
		if err := rows.Scan(&m.channelID, &m.ts, &thread, &posted, &edited, &user, &m.subtype, &m.author, &isBot, &content); err != nil {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		m.threadTS, m.userID = thread.String, user.String
		m.at = time.UnixMicro(posted).UTC()
		if edited.Valid && edited.Int64 > posted {
			m.edited = time.UnixMicro(edited.Int64).UTC()
		}
		// classifyAll normalises the text, on every CPU: this goroutine
		// is the one reading.
		m.content = content.String
		m.isBot = isBot
		m.class = b.cls.classOf(m.subtype, m.author, isBot)
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	return msgs, nil
}

// classifyAll normalises the texts of msgs as read (content) and
// classifies them, each classifier on its own goroutine taking the next
// block of messages; each message's signals are its own, so the result
// does not depend on who classified it.
func classifyAll(classifiers []*classifier, msgs []*message) {
	const block = 256
	one := func(c *classifier, m *message) {
		m.content = normalise(m.content)
		m.lower = strings.ToLower(m.content)
		m.signals = c.classify(m)
	}
	if len(classifiers) == 1 || len(msgs) <= block {
		for _, m := range msgs {
			one(classifiers[0], m)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, c := range classifiers {
		wg.Go(func() {
			for {
				i := int(next.Add(block)) - block
				if i >= len(msgs) {
					return
				}
				for _, m := range msgs[i:min(i+block, len(msgs))] {
					one(c, m)
				}
			}
		})
	}
	wg.Wait()
}

// assembleSlice assembles the incidents of a slice's messages one channel
// at a time, or for shared channels one thread at a time.
func (b *build) assembleSlice(shared bool, msgs []*message) {
	b.messages += int64(len(msgs))
	var cur string
	first := 0
	for i, m := range msgs {
		key := m.channelID
		if shared {
			key += "\x00" + cmp.Or(m.threadTS, m.ts)
		}
		if key != cur && i > first {
			b.unit(shared, msgs[first:i:i])
			first = i
		}
		cur = key
	}
	if first < len(msgs) {
		b.unit(shared, msgs[first:len(msgs):len(msgs)])
	}
}

func (b *build) unit(shared bool, msgs []*message) {
	ch := b.channels[msgs[0].channelID]
	if shared {
		b.thread(ch, msgs)
	} else {
		b.channel(ch, msgs)
	}
}

// lifecycleKinds are the signals that show a unit holds an incident: a
// declaration, an alert, a status at any stage, a report of impact, a
// severity, a stated start.
var lifecycleKinds = []string{"declared", "detected", "impact_start", "severity", "investigating", "mitigated", "resolved", "reopened", "alert_recovered", "retrospective", "impact_report"}

// channel assembles the incident of one channel named like an incident
// channel: it is one whatever its first words, unless it is a standing
// channel that only looks like one (and not named in channels.include).
// Exclusion rules still apply to it.
func (b *build) channel(ch *channelInfo, msgs []*message) {
	if why := b.standing(ch, msgs); why != "" && !ch.included {
		b.notIncidents = append(b.notIncidents, notIncident{ch, "standing_channel", fmt.Sprintf("#%s is a standing channel, not one incident: %s", ch.name, why)})
		return
	}
	inc := b.asm.assemble(ch, msgs, nil)
	if !hasLifecycle(inc.signals) {
		inc.quality = append(inc.quality, quality{"no_lifecycle_evidence", "no recogniser read a declaration, alert, status, severity or resolution in its messages"})
	}
	b.incidents = append(b.incidents, inc)
}

func hasLifecycle(sigs []signal) bool {
	for _, s := range sigs {
		if slices.Contains(lifecycleKinds, s.kind) {
			return true
		}
		if s.kind == "closed" && s.msg.subtype != "channel_archive" {
			return true
		}
	}
	return false
}

// askedAndTaken reports whether a thread asks about an outage ("is the
// mirror down?") and someone other than the asker acknowledges it: a
// question alone, or an acknowledgement alone ("I'll take a look" answering
// a review request), is ordinary talk.
func askedAndTaken(msgs []*message) bool {
	askers := map[string]bool{}
	for _, m := range msgs {
		for _, s := range m.signals {
			switch {
			case s.kind == "impact_question":
				askers[m.userID] = true
			case s.kind == "acknowledged" && len(askers) > 0 && !askers[m.userID]:
				return true
			}
		}
	}
	return false
}

// thread assembles the incident of one thread of a shared channel (msgs
// hold the parent, then its replies) when the thread as a whole, parent or
// replies, carries lifecycle evidence.
func (b *build) thread(ch *channelInfo, msgs []*message) {
	if msgs[0].isReply() {
		return // replies whose parent is not stored
	}
	if b.foldAlertGroup(ch, msgs) || b.foldAnnouncement(ch, msgs) {
		return
	}
	var sigs []signal
	for _, m := range msgs {
		sigs = append(sigs, m.signals...)
	}
	if !hasLifecycle(sigs) && !askedAndTaken(msgs) || b.announcesChannel(msgs[0]) {
		return
	}
	declared := &signal{kind: "declared", msg: msgs[0], rule: &threadParentRule, evidence: clip(firstLine(msgs[0].content), 200), strong: msgs[0].class != human, when: msgs[0].at}
	for i := range msgs[0].signals {
		s := &msgs[0].signals[i]
		if s.kind == "declared" || s.kind == "detected" {
			declared = s
			break
		}
	}
	b.incidents = append(b.incidents, b.asm.assemble(ch, msgs, declared))
}

// threadParentRule names the declaration of a thread incident whose parent
// says no declaring words: the thread's lifecycle evidence makes it one.
var threadParentRule = rule{name: "thread-parent", events: []string{"declared"}, from: "any"}

// standing says why a channel named like an incident channel is a standing
// channel (#incident-announcements, #incident-reviews), or "": it announces
// or links to several other incident channels or incidents, or carries
// several separate incidents over weeks.
func (b *build) standing(ch *channelInfo, msgs []*message) string {
	others := map[string]bool{}
	ownEvidence := false
	for _, m := range msgs {
		mentions := false
		// Both patterns need their literal ("<#", "inc-"): most messages
		// hold neither and skip the regexps.
		if !strings.Contains(m.lower, "<#") {
			if strings.Contains(m.lower, "inc-") {
				mentions = b.refsOthers(ch, m.lower, others)
			}
		} else {
			for _, mm := range channelMentions.FindAllStringSubmatch(m.content, -1) {
				if id := mm[1]; id != ch.id {
					if c := b.channels[id]; c != nil && !c.shared || mm[2] != "" && b.isIncidentName(mm[2]) {
						others["#"+id], mentions = true, true
					}
				}
			}
			mentions = b.refsOthers(ch, channelMentions.ReplaceAllString(m.lower, ""), others) || mentions
		}
		// A message about another incident is not evidence of this one.
		if !mentions && hasLifecycle(m.signals) {
			ownEvidence = true
		}
	}
	return standingWhy(msgs, others, ownEvidence)
}

// refsOthers notes in others the incidents (inc-N) text refers to other
// than ch's own, and reports whether there was one.
func (b *build) refsOthers(ch *channelInfo, text string, others map[string]bool) bool {
	mentions := false
	for _, ref := range incidentRef.FindAllStringSubmatch(text, -1) {
		id := "inc-" + ref[1]
		if !strings.Contains(strings.ToLower(ch.name), id) {
			others[id], mentions = true, true
		}
	}
	return mentions
}

// standingWhy says why a channel is a standing one, from the other
// incidents its messages refer to and whether it shows a lifecycle of its
// own, or "".
func standingWhy(msgs []*message, others map[string]bool, ownEvidence bool) string {
	switch {
	case len(others) >= 3:
		return fmt.Sprintf("it links to %d other incidents", len(others))
	case len(others) > 0 && !ownEvidence:
		return fmt.Sprintf("it links to %d other incident(s) and shows no lifecycle of its own", len(others))
	}
	// Separate incidents: declarations or alerts more than a day apart,
	// over more than two weeks.
	var episodes []time.Time
	for _, m := range msgs {
		for _, s := range m.signals {
			if s.kind != "declared" && s.kind != "detected" {
				continue
			}
			if n := len(episodes); n == 0 || m.at.Sub(episodes[n-1]) > 24*time.Hour {
				episodes = append(episodes, m.at)
			}
			break
		}
	}
	if n := len(episodes); n >= 3 && episodes[n-1].Sub(episodes[0]) > 14*24*time.Hour {
		return fmt.Sprintf("it carries %d separate declarations or alerts over %d days", n, int(episodes[n-1].Sub(episodes[0]).Hours()/24))
	}
	return ""
}

var (
	channelMentions = regexp.MustCompile(`(?i)<#(C[A-Z0-9]+)(?:\|([^>]*))?>`)
	incidentRef     = regexp.MustCompile(`\binc-(\d+)(?:[^-\d]|$)`)
)

// announcesChannel reports whether a bot's top-level post points to an
// incident channel ("INC-12 declared, join #inc-12"): the incident is that
// channel's, not a second one in this thread.
func (b *build) announcesChannel(m *message) bool {
	if m.class == human {
		return false
	}
	for _, mm := range channelMentions.FindAllStringSubmatch(m.content, -1) {
		if c := b.channels[mm[1]]; c != nil && !c.shared || mm[2] != "" && b.isIncidentName(mm[2]) {
			return true
		}
	}
	return false
}

func (b *build) isIncidentName(name string) bool {
	for _, re := range b.patterns {
		if re.MatchString(name) {
			return true
		}
	}
	return false
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
