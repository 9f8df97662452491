// Stage 2, signals: who wrote each message (class) and what the
// recognisers of the configuration read in it. A signal is one match: an
// event kind, the message, the rule, the captured value and the words.
package transform

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// class is who wrote a message, as recognisers see it.
type class uint8

const (
	human class = iota
	bot
	alertBot
	incidentBot
	system
)

func (c class) String() string {
	return [...]string{"human", "bot", "alert", "incident_bot", "system"}[c]
}

// systemSubtypes are messages Slack writes itself about the channel.
var systemSubtypes = []string{"channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
	"channel_archive", "channel_unarchive", "pinned_item", "unpinned_item", "bot_add", "bot_remove",
	"channel_canvas_updated", "reminder_add", "tombstone", "group_join", "group_leave", "group_topic",
	"group_purpose", "group_name", "group_archive", "group_unarchive", "huddle_thread"}

// rule is a compiled recogniser.
type rule struct {
	name     string
	events   []string
	from     string
	subtypes []string
	keywords []string
	pattern  *regexp.Regexp
	unless   *regexp.Regexp
	// unlessSentence rejects a match by the sentence that holds it.
	unlessSentence *regexp.Regexp
	// requires must also match the message.
	requires *regexp.Regexp
	within   time.Duration
	slash    bool // the pattern reads slash commands
	words    words
}

// classifier runs the recognisers over messages. It keeps the scratch of
// the message it classifies: one goroutine at a time.
type classifier struct {
	pre          prefilter
	rules        []rule
	alertBots    []string
	incidentBots []string
	// otherTimes are sentences about another time or incident: a person's
	// lifecycle words in one set nothing.
	otherTimes []*regexp.Regexp
	// memo holds what the rules read in texts already classified, shared
	// by the workers (see classify).
	memo *memo
}

// memoKey is what the rules' reading of a message depends on: who wrote it,
// its subtype and its text.
type memoKey struct {
	class   class
	subtype string
	content string
}

// memo remembers the signals the rules read in recent texts. It holds at
// most 2×memoSize texts: when the current generation is full it becomes
// the previous one, and a text found there moves to the current one, so
// texts that keep coming back stay. A remembered text costs its signals
// and keeps its string alive: a few tens of MiB in all.
type memo struct {
	mu        sync.Mutex
	cur, prev map[memoKey][]signal
}

const memoSize = 1 << 15

func newMemo() *memo { return &memo{cur: map[memoKey][]signal{}} }

func (mm *memo) get(k memoKey) ([]signal, bool) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if s, ok := mm.cur[k]; ok {
		return s, true
	}
	if s, ok := mm.prev[k]; ok {
		mm.putLocked(k, s)
		return s, true
	}
	return nil, false
}

func (mm *memo) put(k memoKey, s []signal) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	mm.putLocked(k, s)
}

func (mm *memo) putLocked(k memoKey, s []signal) {
	if len(mm.cur) >= memoSize {
		mm.prev, mm.cur = mm.cur, make(map[memoKey][]signal, memoSize)
	}
	mm.cur[k] = s
}

func newClassifier(cfg *config.Config) (*classifier, error) {
	c := &classifier{
		memo:         newMemo(),
		alertBots:    lower(cfg.Incidents.AlertBots),
		incidentBots: lower(cfg.Incidents.IncidentBots),
	}
	var d literalDeriver
	for _, r := range cfg.Recognisers {
		if !r.On() {
			continue
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("recogniser %s: %w", r.Name, err)
		}
		cr := rule{name: r.Name, events: r.Events, from: r.From, subtypes: r.Subtypes, keywords: r.Keywords, pattern: re, within: r.Within.D()}
		for _, x := range []struct {
			re   **regexp.Regexp
			expr string
		}{{&cr.unless, r.Unless}, {&cr.unlessSentence, r.UnlessSentence}, {&cr.requires, r.Requires}} {
			if x.expr == "" {
				continue
			}
			if *x.re, err = regexp.Compile(x.expr); err != nil {
				return nil, fmt.Errorf("recogniser %s: %w", r.Name, err)
			}
		}
		cr.slash = strings.Contains(r.Pattern, "^/")
		if cr.words, err = c.pre.words(&d, r.Keywords, r.Pattern, r.Unless); err != nil {
			return nil, fmt.Errorf("recogniser %s: %w", r.Name, err)
		}
		c.rules = append(c.rules, cr)
	}
	c.pre.build(&d)
	for i, p := range cfg.Incidents.OtherTimes {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("incidents.other_times[%d]: %w", i, err)
		}
		c.otherTimes = append(c.otherTimes, re)
	}
	return c, nil
}

// workers returns n classifiers that share c's rules, each with its own
// scratch, for n goroutines (c is the first).
func (c *classifier) workers(n int) []*classifier {
	out := []*classifier{c}
	for range max(n, 1) - 1 {
		w := *c
		w.pre.seen = make([]uint32, len(c.pre.seen))
		w.pre.stamp = 0
		out = append(out, &w)
	}
	return out
}

func lower(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(s)
	}
	return out
}

// classOf says who wrote a message.
func (c *classifier) classOf(subtype, author string, isBot bool) class {
	if slices.Contains(systemSubtypes, subtype) {
		return system
	}
	if !isBot {
		return human
	}
	a := strings.ToLower(author)
	for _, b := range c.alertBots {
		if b != "" && strings.Contains(a, b) {
			return alertBot
		}
	}
	for _, b := range c.incidentBots {
		if b != "" && (a == b || strings.Contains(a, b) && len(b) > 4) {
			return incidentBot
		}
	}
	return bot
}

func (r *rule) reads(cl class, subtype string) bool {
	if len(r.subtypes) > 0 && !slices.Contains(r.subtypes, subtype) {
		return false
	}
	switch r.from {
	case "any":
		return true
	case "human":
		return cl == human
	case "bot":
		return cl == bot || cl == alertBot || cl == incidentBot
	case "alert":
		return cl == alertBot
	case "incident_bot":
		return cl == incidentBot
	case "system":
		return cl == system
	}
	return false
}

// signal is one recogniser match: an event a message shows.
type signal struct {
	kind     string
	msg      *message
	rule     *rule
	value    string
	evidence string
	// strong signals come from systems of record (incident and alert bots,
	// Slack itself, slash commands); people's phrases are weak and count
	// only when no strong signal of the same kind exists.
	strong bool
	// when the event happened: the message's time, or for a status a bot
	// edited into its post, the time of the edit.
	when time.Time
}

func (s *signal) at() time.Time { return s.when }

// statusKinds are states a bot may edit into an existing post.
var statusKinds = []string{"acknowledged", "investigating", "mitigated", "resolved", "closed", "alert_recovered"}

// classify returns the signals in m, in rule order.
func (c *classifier) classify(m *message) []signal {
	// Texts repeat (alerts that fire again, "ack", "on it", bots' status
	// posts), and what the rules read in a text depends on nothing else
	// than the text, its author's class and its subtype: a text seen
	// before is not read again.
	key := memoKey{m.class, m.subtype, m.content}
	read, ok := c.memo.get(key)
	if !ok {
		read = c.read(m)
		c.memo.put(key, read)
	}
	var out []signal
	if len(read) > 0 {
		out = make([]signal, len(read), len(read)+1)
		copy(out, read)
		for i := range out {
			s := &out[i]
			s.msg, s.when = m, m.at
			if editedBot(m) && slices.Contains(statusKinds, s.kind) {
				s.when = m.edited
			}
		}
	}
	// An alert bot that updates its post in place (PagerDuty, Opsgenie)
	// shows only the final state: the post itself is when the alert fired.
	if m.class == alertBot && editedBot(m) {
		fired := false
		for _, s := range out {
			fired = fired || s.kind == "detected"
		}
		if !fired {
			out = append(out, signal{kind: "detected", msg: m, rule: &editedAlertRule, evidence: "alert post, since edited to: " + clip(firstLine(m.content), 160), strong: true, when: m.at})
		}
	}
	return out
}

// firstAllowed returns the first match of r's pattern in m (submatch
// indexes, as FindAllStringSubmatchIndex gives them) whose sentence is not
// vetoed, or nil. It asks the regexp for the first match alone, and for
// all of them only when that one is vetoed: a pattern such as '\S' or a
// line-by-line title matches hundreds of times in one alert, and only the
// first is wanted nearly always.
func (c *classifier) firstAllowed(r *rule, m *message) []int {
	allowed := func(l []int) bool {
		sentence := sentenceAround(m.content, l[0], l[1])
		if r.unlessSentence != nil && r.unlessSentence.MatchString(vetoScope(m.content, l[0], sentence)) {
			return false
		}
		return m.class != human || r.slash || !c.notNow(r, sentence)
	}
	first := r.pattern.FindAllStringSubmatchIndex(m.content, 1)
	if first == nil {
		return nil
	}
	if allowed(first[0]) {
		return first[0]
	}
	// FindAll's second match onwards: its search resumes from the first
	// match with the whole text as context (^, \b), which a search of
	// the rest of the text alone would not have.
	for _, l := range r.pattern.FindAllStringSubmatchIndex(m.content, -1)[1:] {
		if allowed(l) {
			return l
		}
	}
	return nil
}

// read runs the rules over m's text: the signals they read, without the
// message and its time (classify adds those).
func (c *classifier) read(m *message) []signal {
	var out []signal
	c.pre.scan(m.content, m.lower)
	for i := range c.rules {
		r := &c.rules[i]
		if !r.reads(m.class, m.subtype) {
			continue
		}
		// The keywords, then the words the pattern cannot match without
		// (prefilter.go): most messages stop here.
		if r.words.keywords != nil && !c.pre.any(r.words.keywords) || !c.pre.all(r.words.pattern) {
			continue
		}
		if r.unless != nil && c.pre.all(r.words.unless) && r.unless.MatchString(m.content) {
			continue
		}
		if r.requires != nil && !r.requires.MatchString(m.content) {
			continue
		}
		// Most texts that reach the regexp do not match: find that out
		// without tracking submatches first, alternative by alternative.
		if !c.pre.matches(&r.words, r.pattern, m.content) {
			continue
		}
		// The first match whose sentence is not vetoed: a hedge or a
		// question in one sentence does not silence the next one.
		loc := c.firstAllowed(r, m)
		if loc == nil {
			continue
		}
		value := ""
		for gi, name := range r.pattern.SubexpNames() {
			if strings.HasPrefix(name, "value") && loc[2*gi] >= 0 && loc[2*gi+1] > loc[2*gi] {
				value = strings.TrimSpace(m.content[loc[2*gi]:loc[2*gi+1]])
				break
			}
		}
		if value != "" && slices.Contains(r.events, "impact_start") {
			value = withTrailingZone(value, m.content[loc[1]:])
		}
		evidence := clip(lineAround(m.content, loc[0], loc[1]), 200)
		strong := m.class != human || r.slash
		for _, e := range r.events {
			out = append(out, signal{kind: e, rule: r, value: value, evidence: evidence, strong: strong})
		}
	}
	return out
}

// peopleLifecycle are the events a person's sentence can set only when it
// speaks of this incident, now, as a statement.
var peopleLifecycle = []string{"declared", "investigating", "mitigated", "resolved", "closed", "reopened", "impact_start", "impact_report", "resolved_watch"}

// notNow reports whether a person's sentence cannot set r's lifecycle
// events: it is a question, or it is about another time or incident.
func (c *classifier) notNow(r *rule, sentence string) bool {
	lifecycle := false
	for _, e := range r.events {
		lifecycle = lifecycle || slices.Contains(peopleLifecycle, e)
	}
	if !lifecycle {
		return false
	}
	if strings.HasSuffix(strings.TrimRight(sentence, " \t\n!.…)"), "?") { // "?", "?!", "?…"
		return true
	}
	for _, re := range c.otherTimes {
		if re.MatchString(sentence) {
			return true
		}
	}
	return false
}

// sentenceAround widens s[i:j] to the sentence that holds it: from the end
// of the previous sentence (". ", "! ", "? " or a line break) to the end of
// its own, terminator included.
func sentenceAround(s string, i, j int) string {
	start := i
	for start > 0 {
		c := s[start-1]
		if c == '\n' || (c == '.' || c == '!' || c == '?') && (s[start] == ' ' || s[start] == '\n') {
			break
		}
		start--
	}
	end := max(j, start)
	// A match that ends its sentence (a pattern may take the full stop)
	// does not run on into the next one.
	if j > start && strings.ContainsRune(".!?", rune(s[j-1])) && (j == len(s) || s[j] == ' ' || s[j] == '\n') {
		return s[start:j]
	}
	for end < len(s) {
		c := s[end]
		if c == '\n' {
			break
		}
		end++
		if (c == '.' || c == '!' || c == '?') && (end == len(s) || s[end] == ' ' || s[end] == '\n') {
			break
		}
	}
	return s[start:end]
}

// purposeClause finds where a purpose or result clause begins: "so that",
// "so errors …", "to ensure", "to make sure", "in order to", "to prevent".
var purposeClause = regexp.MustCompile(`(?i),?\s+(so\s+that|so\s+(it|they|errors?|issues?|this|the|users|customers|requests)|so\s+as\s+to|in\s+order\s+to|to\s+(ensure|make\s+sure|prevent|avoid|confirm|verify|guard\s+against))\b`)

// vetoScope is the part of sentence a rule's sentence veto reads for a
// match at content[i:]: a negation or hedge inside a purpose or result
// clause that follows the match ("a mitigation is in place so errors do not
// return", "monitoring to ensure it does not recur") qualifies that clause,
// not the verb matched, so the clause is left out. A match inside such a
// clause keeps the whole sentence.
func vetoScope(content string, i int, sentence string) string {
	// The sentence's start: its last occurrence that begins at or before i.
	off := -1
	for k := 0; k <= i; {
		n := strings.Index(content[k:], sentence)
		if n < 0 || k+n > i {
			break
		}
		off, k = k+n, k+n+1
	}
	if off < 0 {
		return sentence
	}
	at := i - off
	for _, loc := range purposeClause.FindAllStringIndex(sentence, -1) {
		if loc[0] >= at {
			return sentence[:loc[0]]
		}
	}
	return sentence
}

// editedAlertRule names the detection of an alert post edited in place.
var editedAlertRule = rule{name: "alert-posted", events: []string{"detected"}, from: "alert"}

func editedBot(m *message) bool { return !m.edited.IsZero() && m.class != human && m.class != system }

// lineAround widens s[i:j] to the whole lines it touches.
func lineAround(s string, i, j int) string {
	for i > 0 && s[i-1] != '\n' {
		i--
	}
	for j < len(s) && s[j] != '\n' {
		j++
	}
	return s[i:j]
}

// clip shortens s to at most n bytes on a rune boundary, on one line.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

var (
	entity = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "*", "", "~", "",
		// A check mark is a resolution in people's shorthand: keep it
		// when emoji codes are dropped.
		":white_check_mark:", "✅", ":heavy_check_mark:", "✅", ":ballot_box_with_check:", "✅")
	emoji = regexp.MustCompile(`:[a-z_][a-z0-9_+'-]*:\s?`)
)

// normalise prepares message content for matching: Slack's HTML entities
// decoded, mrkdwn bold and strike markers and emoji codes removed. A
// message that is only :eyes: or :ack: (after any mentions) keeps it, as 👀
// or "ack": in Slack's triage convention either alone says the writer has
// taken the request ("I'm looking at this", "acknowledged").
func normalise(s string) string {
	s = entity.Replace(s)
	if strings.Contains(s, ":") {
		if m := loneAckIndex(s); m != nil {
			glyph := "👀"
			if s[m[4]:m[5]] == ":ack:" {
				glyph = "ack"
			}
			s = s[:m[4]] + glyph + s[m[5]:]
		}
		s = emoji.ReplaceAllString(s, "")
	}
	return s
}

// loneAckIndex is loneAck's submatch indexes, asked only of the few texts
// that hold either code.
func loneAckIndex(s string) []int {
	if !strings.Contains(s, ":eyes:") && !strings.Contains(s, ":ack:") {
		return nil
	}
	return loneAck.FindStringSubmatchIndex(s)
}

var loneAck = regexp.MustCompile(`^\s*(<@[A-Za-z0-9]+(?:\|[^>]*)?>[\s,:;-]*)*(:eyes:|:ack:)\s*$`)

// trailingZoneRE finds the zone a sentence states after its first time:
// "from 11:00am to 1:43pm PST".
var trailingZoneRE = regexp.MustCompile(`(?i)^[^.!?\n]{0,60}?\d(?:\s*[ap]\.?m\.?)?\s*\b(utc|gmt|[pmce][sd]t|akst|akdt|hst|bst|cet|cest|eet|eest|wet|west|jst|kst|aest|aedt|sgt|pt|mt|ct|et|pacific|eastern|central|mountain)\b`)

// withTrailingZone gives a stated time with no zone the zone the rest of
// its sentence states, if any.
func withTrailingZone(value, rest string) string {
	f := strings.Fields(value)
	if zoneOf(f[len(f)-1]) != nil || strings.ContainsAny(f[len(f)-1], "+") {
		return value
	}
	if m := trailingZoneRE.FindStringSubmatch(rest); m != nil {
		return value + " " + m[1]
	}
	return value
}
