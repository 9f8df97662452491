// Stage 3, timelines: one incident from one unit's signals. For every
// lifecycle timestamp one signal (or a named fallback) is chosen and kept as
// its evidence; title, severity, service, exclusion and detection source
// are read the same way.
package transform

import (
	"fmt"

	"github.com/aftermath-dev/aftermath/internal/config"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// message is one Slack message as transform reads it.
type message struct {
	channelID string
	ts        string
	threadTS  string
	at        time.Time
	edited    time.Time // zero unless edited
	userID    string
	subtype   string
	author    string
	isBot     bool // the author is a bot user, whatever the subtype
	class     class
	content   string // normalised
	lower     string
	signals   []signal
}

func (m *message) isReply() bool { return m.threadTS != "" && m.threadTS != m.ts }

// channelInfo is what transform needs of a channel.
type channelInfo struct {
	id, name, creator, topic string
	created                  time.Time
	shared                   bool
	included                 bool // named in channels.include: always an incident
}

// event is a chosen timestamp and its evidence (an incident_events row).
type event struct {
	kind     string
	at       time.Time
	msg      *message // nil for fallbacks not tied to a message
	rule     string
	evidence string
}

// participant is a person who posted in an incident.
type participant struct {
	userID      string
	messages    int
	first, last time.Time
}

// incident is one assembled incident before it is written.
type incident struct {
	id, kind  string
	channel   *channelInfo
	threadTS  string
	title     string
	titleFrom string
	sevLabel  string
	severity  string
	service   string
	alertName string
	events    map[string]*event
	signals   []signal
	links     []link
	people    []*participant
	messages  int
	detection string
	excluded  string // reason, "" when included
	claimed   bool   // the channel says a regression test was added
	reopened  bool
	// closedUnresolved: archived with no recognised resolution.
	closedUnresolved bool
	announces        string // for a thread: the channel its declaring message links to
	quality          []quality
	// Filled after assembly.
	recurrenceKey string
	recurrenceOf  string
	regression    string
	pmRequired    bool
}

// quality is a data_quality row.
type quality struct{ problem, detail string }

func (inc *incident) at(kind string) *time.Time {
	if e := inc.events[kind]; e != nil {
		return &e.at
	}
	return nil
}

func (inc *incident) set(kind string, at time.Time, m *message, rule, evidence string) {
	inc.events[kind] = &event{kind: kind, at: at, msg: m, rule: rule, evidence: evidence}
}

func (inc *incident) setSignal(kind string, s *signal) {
	evidence := s.evidence
	if !s.when.Equal(s.msg.at) {
		evidence = "(edited in place; the time of the edit) " + evidence
	}
	inc.set(kind, s.at(), s.msg, s.rule.name, evidence)
}

// byKind returns the unit's signals of one kind in time order, the strong
// ones (systems of record) first when any exist.
func byKind(sigs []signal, kind string) []*signal {
	var strong, weak []*signal
	for i := range sigs {
		s := &sigs[i]
		if s.kind != kind {
			continue
		}
		if s.strong {
			strong = append(strong, s)
		} else {
			weak = append(weak, s)
		}
	}
	if len(strong) > 0 {
		return strong
	}
	return weak
}

func first(sigs []signal, kind string) *signal {
	if l := byKind(sigs, kind); len(l) > 0 {
		return l[0]
	}
	return nil
}

func newAssembler(cfg *config.Config, asOf time.Time) *assembler {
	return &assembler{
		cfg:        newAssemblerConfig(cfg, asOf),
		catalog:    newCatalog(cfg.Incidents.Services),
		severities: severityLabels(cfg.Incidents.Severities),
	}
}

func newAssemblerConfig(cfg *config.Config, asOf time.Time) *assemblerConfig {
	ac := &assemblerConfig{asOf: asOf, loc: cfg.Location, archiveResolves: lower(cfg.Incidents.ArchiveResolves), botSeverities: map[string]map[string]string{}}
	if ac.loc == nil {
		ac.loc = time.UTC
	}
	for _, p := range cfg.Incidents.Bystanders {
		if re, err := regexp.Compile(p); err == nil {
			ac.bystanders = append(ac.bystanders, re)
		}
	}
	for bot, table := range cfg.Incidents.BotSeverities {
		m := map[string]string{}
		for label, sev := range table {
			m[normLabel(label)] = sev
		}
		ac.botSeverities[strings.ToLower(bot)] = m
	}
	return ac
}

// assembler turns a unit's messages into an incident.
type assembler struct {
	cfg        *assemblerConfig
	catalog    *catalog
	severities map[string]string
}

type assemblerConfig struct {
	asOf time.Time
	loc  *time.Location // the configured timezone, for bare stated times
	// archiveResolves and botSeverities: incidents.archive_resolves and
	// incidents.bot_severities, bot names lowercased.
	archiveResolves []string
	botSeverities   map[string]map[string]string
	// bystanders: incidents.bystanders, compiled (validated by config).
	bystanders []*regexp.Regexp
}

// assemble builds the incident of one unit: a whole channel, or a thread
// (msgs then hold the parent first, then its replies). declared is the
// signal that declared a thread incident.
func (a *assembler) assemble(ch *channelInfo, msgs []*message, declared *signal) *incident {
	inc := &incident{channel: ch, events: map[string]*event{}, messages: len(msgs)}
	for _, m := range msgs {
		inc.signals = append(inc.signals, m.signals...)
	}
	sigs := inc.signals
	if declared != nil {
		inc.kind = "thread"
		inc.threadTS = msgs[0].ts
		inc.id = ch.id + ":" + msgs[0].ts
		inc.setSignal("declared", declared)
		if m := channelMention.FindStringSubmatch(declared.msg.content); m != nil {
			inc.announces = m[1]
		}
	} else {
		inc.kind = "channel"
		inc.id = ch.id
		created := ch.created
		if created.IsZero() || len(msgs) > 0 && msgs[0].at.Before(created) {
			created = msgs[0].at
			inc.set("declared", created, msgs[0], "fallback:first_message", "the channel's creation time is unknown or later than its first message")
			inc.quality = append(inc.quality, quality{"fallback", "declared_at is the first message: the channel's creation time is unknown or later"})
		} else {
			inc.set("declared", created, nil, "channel_created", fmt.Sprintf("#%s created", ch.name))
		}
	}
	declaredAt := inc.events["declared"].at

	// Detection: the first alert in the unit.
	if s := first(sigs, "detected"); s != nil {
		inc.setSignal("detected", s)
	}

	// Status walk: mitigated is the first mitigation; resolved is the first
	// resolution after the last reopening; a bot's close also resolves.
	var mitigated, resolved, closed *signal
	reopenedAt := time.Time{}
	archiver := a.archivingBot(msgs)
	ordered := orderedLifecycle(sigs)
	for _, s := range ordered {
		switch s.kind {
		case "mitigated":
			if mitigated == nil {
				mitigated = s
			}
		case "resolved":
			if resolved == nil {
				resolved = s
			}
		case "closed":
			closed = s
			switch {
			case resolved != nil:
			case s.msg.subtype != "channel_archive":
				resolved = s
			case archiver != "":
				// A bot that closes only by archiving: the archive is
				// the resolution.
				r := *s
				r.rule = &archiveResolvesRule
				r.evidence = fmt.Sprintf("channel archived; %s closes incidents by archiving (incidents.archive_resolves)", archiver)
				resolved = &r
			}
		case "reopened", "investigating":
			if resolved != nil && s.at().After(resolved.at()) && (s.kind == "reopened" || s.strong) {
				resolved, reopenedAt = nil, s.at()
				inc.reopened = true
			}
			// A system of record going back to investigating undoes a
			// mitigation it had declared ("Monitoring" set by mistake).
			if mitigated != nil && resolved == nil && s.strong && mitigated.strong && s.at().After(mitigated.at()) {
				mitigated = nil
			}
		}
	}
	if resolved == nil {
		// An alert recovering is the weakest resolution: only when nothing
		// else resolved the incident and it was an alert incident.
		for _, s := range byKind(sigs, "alert_recovered") {
			if s.at().After(reopenedAt) && inc.events["detected"] != nil {
				resolved = s
				break
			}
		}
	}
	if resolved == nil {
		// A past-tense account of the impact ("we saw errors from 10:05 to
		// 10:20, a fix was applied"), often an incident's only update: the
		// resolution only when nothing else resolved the incident and no
		// lifecycle step follows it.
		resolved = lastUnfollowed(sigs, "retrospective", reopenedAt)
	}
	if resolved == nil {
		// A resolution said while the watch goes on ("we have resolved the
		// issue and will continue to monitor"): the resolution only when
		// nothing else resolved the incident and no status follows it.
		resolved = lastUnfollowed(sigs, "resolved_watch", reopenedAt)
	}
	// A person's resolution alone ("we rolled out a fix and this is now
	// resolved") sets no mitigation: no mitigated state was ever stated.
	// One said while the watch goes on states it.
	if mitigated != nil && resolved != nil && !mitigated.strong && mitigated.msg == resolved.msg && resolved.kind != "resolved_watch" {
		mitigated = nil
	}
	if mitigated != nil {
		inc.setSignal("mitigated", mitigated)
	}
	if resolved != nil {
		inc.setSignal("resolved", resolved)
	}
	if closed != nil {
		inc.setSignal("closed", closed)
		// Archived with no recognised resolution: its own status, censored
		// at the archive, never called resolved (SPEC §4).
		if resolved == nil && closed.msg.subtype == "channel_archive" {
			inc.closedUnresolved = true
			inc.quality = append(inc.quality, quality{"closed_unresolved",
				fmt.Sprintf("the channel was archived at %s with no recognised resolution; time to resolve is censored at the archive", closed.at().UTC().Format(time.RFC3339))})
		}
	}
	if inc.reopened {
		inc.quality = append(inc.quality, quality{"reopened", "the incident was reopened after a resolution; resolved_at is the resolution that followed"})
	}

	// Acknowledgement: explicit, else the first human reply after declaration
	// that is not a bystander's (incidents.bystanders: "same here", "is
	// anyone looking at this?"): another report of the symptom answers
	// nothing.
	if s := first(sigs, "acknowledged"); s != nil {
		// A person's acknowledgement is their first answer: someone who
		// answered in words no rule reads, then said "on it", was already
		// responding. Their bystander messages ("same here") still answer
		// nothing.
		if m := a.firstAnswer(msgs, s, declaredAt, inc.threadTS); m != nil {
			inc.set("acknowledged", m.at, m, "first_answer:"+s.rule.name, clip(m.content, 200))
		} else {
			inc.setSignal("acknowledged", s)
		}
	} else {
		for _, m := range msgs {
			if !a.answers(m, declaredAt, inc.threadTS) {
				continue
			}
			inc.set("acknowledged", m.at, m, "fallback:first_human_reply", clip(m.content, 200))
			break
		}
	}

	// Impact start: stated, else the earlier of detected and declared.
	started := false
	for _, s := range byKind(sigs, "impact_start") {
		if t, ok := statedTime(s.value, s.at(), a.cfg.loc); ok {
			inc.set("started", t, s.msg, s.rule.name, s.evidence)
			started = true
			break
		}
	}
	if !started {
		e := inc.events["declared"]
		if d := inc.events["detected"]; d != nil && d.at.Before(e.at) {
			e = d
		}
		inc.set("started", e.at, e.msg, "earliest:"+e.kind, "no stated impact start; the earlier of detected and declared")
	}

	// Postmortem.
	if s := firstByTime(sigs, "postmortem"); s != nil {
		inc.setSignal("postmortem", s)
	}

	a.describe(inc, msgs)
	a.exclusion(inc, declaredAt)
	inc.people = participants(msgs)
	inc.links = extractLinks(msgs, sigs)
	for _, s := range sigs {
		if s.kind == "regression_claim" {
			inc.claimed = true
		}
	}
	a.detection(inc, msgs, declared)
	inc.slim()
	return inc
}

// slim drops the message text an assembled incident no longer needs, so
// memory holds one channel's messages at a time, not every message that
// carried a signal.
func (inc *incident) slim() {
	slimmed := map[*message]*message{}
	slim := func(m *message) *message {
		if m == nil {
			return nil
		}
		if s, ok := slimmed[m]; ok {
			return s
		}
		s := &message{channelID: m.channelID, ts: m.ts, threadTS: m.threadTS, at: m.at, edited: m.edited,
			userID: m.userID, subtype: m.subtype, class: m.class}
		slimmed[m] = s
		return s
	}
	for i := range inc.signals {
		inc.signals[i].msg = slim(inc.signals[i].msg)
	}
	for i := range inc.links {
		inc.links[i].msg = slim(inc.links[i].msg)
	}
	for _, e := range inc.events {
		e.msg = slim(e.msg)
	}
}

// orderedLifecycle returns the status signals in time order; at the same
// instant the kinds sort in lifecycle order.
func orderedLifecycle(sigs []signal) []*signal {
	var out []*signal
	hasStrong := map[string]bool{}
	for i := range sigs {
		if sigs[i].strong {
			hasStrong[sigs[i].kind] = true
		}
	}
	for i := range sigs {
		s := &sigs[i]
		switch s.kind {
		case "mitigated", "resolved", "closed", "reopened", "investigating":
			// People's words count only where no system of record spoke.
			if !s.strong && hasStrong[s.kind] {
				continue
			}
			out = append(out, s)
		}
	}
	rank := map[string]int{"investigating": 0, "reopened": 0, "mitigated": 1, "resolved": 2, "closed": 3}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].at().Equal(out[j].at()) {
			return out[i].at().Before(out[j].at())
		}
		return rank[out[i].kind] < rank[out[j].kind]
	})
	return out
}

func firstByTime(sigs []signal, kind string) *signal {
	var best *signal
	for i := range sigs {
		s := &sigs[i]
		if s.kind == kind && (best == nil || s.at().Before(best.at())) {
			best = s
		}
	}
	return best
}

func isDeclaration(m *message) bool {
	for _, s := range m.signals {
		if s.kind == "declared" {
			return true
		}
	}
	return false
}

// lastUnfollowed returns the last signal of kind (retrospective,
// resolved_watch) after the last reopening, if no investigating, mitigated
// or reopened signal from a later message follows it; else nil. A later
// impact_report does not count: it may be a postmortem's own account of
// the same outage.
func lastUnfollowed(sigs []signal, kind string, after time.Time) *signal {
	var last *signal
	for i := range sigs {
		s := &sigs[i]
		switch s.kind {
		case kind:
			if after.IsZero() || s.at().After(after) {
				last = s
			}
		case "investigating", "mitigated", "reopened":
			if last != nil && s.msg != last.msg && s.at().After(last.at()) {
				last = nil
			}
		}
	}
	return last
}

// answers reports whether m answers the incident: a person's message, not
// before the declaration, not the declaration or the thread's parent, not
// a bystander's, and not only another report of the impact.
func (a *assembler) answers(m *message, declaredAt time.Time, threadTS string) bool {
	return m.class == human && !m.at.Before(declaredAt) && !isDeclaration(m) && m.ts != threadTS && !a.bystander(m) && !onlyReports(m.signals)
}

// onlyReports reports whether a message's signals report impact ("checkout
// is returning 503s for me") and say nothing else of the incident's
// lifecycle: another report of the symptom answers nothing.
func onlyReports(sigs []signal) bool {
	report := false
	for _, s := range sigs {
		switch s.kind {
		case "impact_report", "impact_question":
			report = true
		case "acknowledged", "investigating", "mitigated", "resolved", "closed", "declared", "reopened":
			return false
		}
	}
	return report
}

// firstAnswer returns the first message of ack's author that answers the
// incident, when it is earlier than ack and ack is a person's words; else
// nil.
func (a *assembler) firstAnswer(msgs []*message, ack *signal, declaredAt time.Time, threadTS string) *message {
	if ack.strong || ack.msg == nil || ack.msg.class != human || ack.msg.userID == "" {
		return nil
	}
	for _, m := range msgs {
		if !m.at.Before(ack.at()) {
			return nil
		}
		if m.userID == ack.msg.userID && a.answers(m, declaredAt, threadTS) {
			return m
		}
	}
	return nil
}

// bystander reports whether a person's message does not answer the
// incident (incidents.bystanders).
func (a *assembler) bystander(m *message) bool {
	for _, re := range a.cfg.bystanders {
		if re.MatchString(m.content) {
			return true
		}
	}
	return false
}

// archiveResolvesRule names a resolution that is the archive of a channel
// run by a bot that closes incidents only by archiving them.
var archiveResolvesRule = rule{name: "archive-resolves", events: []string{"resolved"}, from: "system"}

// archivingBot returns the name of an incidents.archive_resolves bot that
// posted in the unit, or "". Slack's own messages count when the bot user
// wrote them by running the channel (set its topic, purpose or name,
// archived it): Dispatch may leave nothing else in a channel it closes.
// A bot merely joining does not count: anyone can invite a bot.
func (a *assembler) archivingBot(msgs []*message) string {
	for _, m := range msgs {
		switch {
		case m.class == incidentBot || m.class == bot:
		case m.class == system && m.isBot && slices.Contains(channelOperatorSubtypes, m.subtype):
		default:
			continue
		}
		author := strings.ToLower(m.author)
		for _, b := range a.cfg.archiveResolves {
			if b != "" && strings.Contains(author, b) {
				return m.author
			}
		}
	}
	return ""
}

// channelOperatorSubtypes are Slack's own messages about a change someone
// made to the channel itself.
var channelOperatorSubtypes = []string{"channel_topic", "channel_purpose", "channel_name", "channel_archive",
	"group_topic", "group_purpose", "group_name", "group_archive"}

// severityOf normalises a stated severity: with the posting bot's own
// vocabulary (incidents.bot_severities) first, then the shared labels.
func (a *assembler) severityOf(s *signal) (string, bool) {
	label := normLabel(s.value)
	if s.msg.class != human {
		author := strings.ToLower(s.msg.author)
		for b, table := range a.cfg.botSeverities {
			if b != "" && strings.Contains(author, b) {
				if sev, ok := table[label]; ok {
					return sev, true
				}
			}
		}
	}
	sev, ok := a.severities[label]
	return sev, ok
}

// describe sets title, severity, service and alert name.
func (a *assembler) describe(inc *incident, msgs []*message) {
	sigs := inc.signals
	// Title: incident-bot titles, then declarations, then alerts, then
	// the topic, then the channel name.
	for _, pass := range []func(*signal) bool{
		func(s *signal) bool { return s.msg.class == incidentBot || s.msg.class == system },
		func(s *signal) bool { return s.msg.class == human },
		func(s *signal) bool { return s.msg.class == alertBot },
	} {
		for i := range sigs {
			s := &sigs[i]
			if s.kind == "title" && s.value != "" && pass(s) {
				inc.title, inc.titleFrom = cleanTitle(s.value), s.rule.name
				break
			}
		}
		if inc.title != "" {
			break
		}
	}
	if inc.title == "" && inc.channel.topic != "" && inc.kind == "channel" {
		inc.title, inc.titleFrom = cleanTitle(strings.Split(inc.channel.topic, "|")[0]), "channel_topic"
	}
	if inc.title == "" && inc.kind == "thread" && len(msgs) > 0 {
		inc.title, inc.titleFrom = cleanTitle(firstLine(msgs[0].content)), "thread_parent"
	}
	if inc.title == "" {
		inc.title, inc.titleFrom = inc.channel.name, "channel_name"
	}
	for i := range sigs {
		s := &sigs[i]
		if s.kind == "title" && s.msg.class == alertBot && s.value != "" {
			inc.alertName = cleanTitle(s.value)
			break
		}
		if s.kind == "detected" && inc.alertName == "" {
			inc.alertName = cleanTitle(firstLine(s.msg.content))
		}
	}

	// Severity: the last one stated, systems of record first.
	sevs := byKind(sigs, "severity")
	for i := len(sevs) - 1; i >= 0; i-- {
		if sev, ok := a.severityOf(sevs[i]); ok {
			inc.severity, inc.sevLabel = sev, sevs[i].value
			break
		}
	}

	// Service: explicit fields, then the catalog's names in the alert,
	// title, channel name and topic, then anywhere in the first messages.
	for _, s := range byKind(sigs, "service") {
		if svc := a.catalog.lookup(s.value); svc != "" {
			inc.service = svc
			break
		}
	}
	if inc.service == "" {
		texts := []string{inc.alertName, inc.title, inc.channel.name}
		if inc.kind == "channel" {
			texts = append(texts, inc.channel.topic)
		}
		for i, m := range msgs {
			if i >= 5 {
				break
			}
			texts = append(texts, m.content)
		}
		for _, t := range texts {
			if svc := a.catalog.find(t); svc != "" {
				inc.service = svc
				break
			}
		}
	}
}

// exclusion marks drills, maintenance, tests and cancelled incidents.
func (a *assembler) exclusion(inc *incident, declaredAt time.Time) {
	for _, s := range inc.signals {
		if s.kind != "exclude" {
			continue
		}
		if s.rule.within > 0 && s.at().After(declaredAt.Add(s.rule.within)) {
			continue
		}
		kind, words := strings.TrimPrefix(s.rule.name, "exclude-"), strings.ToLower(s.value)
		inc.excluded = kind
		if words != "" && words != kind {
			inc.excluded += ": " + words
		}
		return
	}
}

// detection decides alert vs human detection.
func (a *assembler) detection(inc *incident, msgs []*message, declared *signal) {
	inc.detection = "unknown"
	declaredAt := inc.events["declared"].at
	if d := inc.events["detected"]; d != nil && !d.at.After(declaredAt.Add(10*time.Minute)) {
		inc.detection = "alert"
		return
	}
	if declared != nil {
		switch declared.msg.class {
		case alertBot:
			inc.detection = "alert"
		case human, incidentBot:
			inc.detection = "human"
		}
		return
	}
	for _, m := range msgs {
		switch m.class {
		case human:
			inc.detection = "human"
			return
		case alertBot:
			inc.detection = "alert"
			return
		case incidentBot:
			// A bot declaring on someone's behalf: the person reported it.
			inc.detection = "human"
			return
		}
	}
}

func participants(msgs []*message) []*participant {
	by := map[string]*participant{}
	for _, m := range msgs {
		if m.class != human || m.userID == "" {
			continue
		}
		p := by[m.userID]
		if p == nil {
			p = &participant{userID: m.userID, first: m.at}
			by[m.userID] = p
		}
		p.messages++
		p.last = m.at
	}
	out := make([]*participant, 0, len(by))
	for _, p := range by {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].userID < out[j].userID })
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// cleanTitle trims decoration from a title: emoji codes, markers, links.
func cleanTitle(s string) string {
	s = firstLine(s)
	for {
		t := strings.TrimSpace(s)
		if strings.HasPrefix(t, ":") {
			if i := strings.Index(t[1:], ":"); i >= 0 && !strings.ContainsAny(t[1:i+1], " \t") {
				s = t[i+2:]
				continue
			}
		}
		s = t
		break
	}
	s = strings.Trim(s, " *_`\"'")
	// A trailing severity is not part of the title: "Checkout down (SEV2)".
	s = strings.TrimSpace(trailingSeverity.ReplaceAllString(s, ""))
	return clip(s, 200)
}

var trailingSeverity = regexp.MustCompile(`(?i)\s*[(\[](sev\s*-?\s*[0-5]|p[0-5])[)\]]\s*$`)

// normLabel is config.NormLabel without the import cycle of a test helper.
func normLabel(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// checkOrder lists lifecycle timestamps that are out of order.
func checkOrder(inc *incident) {
	order := []string{"started", "acknowledged", "mitigated", "resolved", "closed"}
	var prev *event
	for _, k := range order {
		e := inc.events[k]
		if e == nil {
			continue
		}
		if prev != nil && e.at.Before(prev.at) {
			inc.quality = append(inc.quality, quality{"order_violation",
				fmt.Sprintf("%s_at (%s) is before %s_at (%s)", k, e.at.UTC().Format(time.RFC3339), prev.kind, prev.at.UTC().Format(time.RFC3339))})
		}
		prev = e
	}
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
