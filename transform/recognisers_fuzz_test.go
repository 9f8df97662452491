package transform

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// One fuzz target per recogniser family, each running only that family's
// rules over the class of author they read, so that every family's
// patterns are reached and held to its own invariants besides the shared
// ones (checkSignals). Seeds are in code (f.Add) and in
// testdata/fuzz/<target>/.

// family is a slice of the default recognisers.
type family func(r *rule) bool

func hasEvent(kinds ...string) family {
	return func(r *rule) bool {
		for _, e := range r.events {
			if slices.Contains(kinds, e) {
				return true
			}
		}
		return false
	}
}

// fuzzClassifier is the default classifier cut down to one family.
func fuzzClassifier(f *testing.F, keep family) *classifier {
	f.Helper()
	cfg, err := config.Default()
	if err != nil {
		f.Fatal(err)
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		f.Fatal(err)
	}
	var rules []rule
	for _, r := range cls.rules {
		if keep(&r) {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		f.Fatal("the family holds no default recogniser")
	}
	cls.rules = rules
	return cls
}

var fuzzSaid = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

// fuzzMessage is a message as readBatch builds it.
func fuzzMessage(text string, cl class, subtype string, editedBy time.Duration) *message {
	m := &message{ts: "1795186800.000100", at: fuzzSaid, subtype: subtype, class: cl, author: "fuzz"}
	if editedBy > 0 {
		m.edited = fuzzSaid.Add(editedBy)
	}
	m.content = normalise(text)
	m.lower = strings.ToLower(m.content)
	return m
}

// checkSignals holds every signal to the invariants all families share:
// it points back at its message and rule, its kind is one the rule emits,
// its value is trimmed text of the message, its evidence is one bounded
// line, its strength and time follow its author, and classifying again
// gives the same signals.
func checkSignals(t *testing.T, cls *classifier, m *message, sigs []signal) {
	t.Helper()
	for _, s := range sigs {
		if s.msg != m || s.rule == nil {
			t.Fatalf("signal %+v does not point back at its message and rule", s)
		}
		if s.rule != &editedAlertRule && !slices.Contains(s.rule.events, s.kind) {
			t.Fatalf("rule %s emitted %q, not one of its events %v", s.rule.name, s.kind, s.rule.events)
		}
		if !s.rule.reads(m.class, m.subtype) && s.rule != &editedAlertRule {
			t.Fatalf("rule %s (from %s) fired on a %s message", s.rule.name, s.rule.from, m.class)
		}
		if s.value != strings.TrimSpace(s.value) || !strings.Contains(m.content, s.value) {
			t.Fatalf("rule %s: value %q is not trimmed text of %q", s.rule.name, s.value, m.content)
		}
		if strings.Contains(s.evidence, "\n") || len(s.evidence) > 200+len("…")+len("alert post, since edited to: ") {
			t.Fatalf("rule %s: evidence %q is not one bounded line", s.rule.name, s.evidence)
		}
		if utf8.ValidString(m.content) && !utf8.ValidString(s.evidence) {
			t.Fatalf("rule %s: evidence %q cuts a character of valid text", s.rule.name, s.evidence)
		}
		if want := m.class != human || s.rule.slash; s.strong != want {
			t.Fatalf("rule %s on a %s message: strong = %v", s.rule.name, m.class, s.strong)
		}
		if !s.when.Equal(m.at) && !(editedBot(m) && s.when.Equal(m.edited) && slices.Contains(statusKinds, s.kind)) {
			t.Fatalf("rule %s: signal %s at %v; message posted %v, edited %v", s.rule.name, s.kind, s.when, m.at, m.edited)
		}
	}
	again := cls.classify(m)
	if len(again) != len(sigs) {
		t.Fatalf("classify is not deterministic: %d then %d signals", len(sigs), len(again))
	}
	for i := range again {
		if again[i].kind != sigs[i].kind || again[i].value != sigs[i].value || again[i].rule != sigs[i].rule {
			t.Fatalf("classify is not deterministic: %+v then %+v", sigs[i], again[i])
		}
	}
}

// Bot rules (from bot, alert or incident_bot): a bot's post is a system of
// record, its signals are strong, and a status a bot edits into its post
// counts from the edit. An alert edited in place still says when it fired.
func FuzzBotRules(f *testing.F) {
	cls := fuzzClassifier(f, func(r *rule) bool { return r.from == "bot" || r.from == "alert" || r.from == "incident_bot" })
	for _, s := range []string{
		"A new incident has been declared: checkout is down",
		"Status changed from Investigating → Monitoring",
		"Status changed to Resolved",
		"[FIRING:1] HighErrorRate checkout (prod)",
		"[RESOLVED] HighErrorRate checkout",
		"Triggered: #PD1234: Disk space low on db-3",
		"Acknowledged by Ana",
		"Milestone updated: detected",
		"An incident has been opened by <@U1>",
		"The incident <#C123|inc-1> has been resolved by <@U2>",
		"INC-42: Payments API latency",
		"*Status:* resolved",
		"Title: Checkout errors\nSeverity: SEV2",
	} {
		f.Add(s, uint8(0), uint16(0))
		f.Add(s, uint8(1), uint16(90))
		f.Add(s, uint8(2), uint16(0))
	}
	f.Fuzz(func(t *testing.T, text string, who uint8, editedSecs uint16) {
		cl := []class{bot, alertBot, incidentBot}[who%3]
		m := fuzzMessage(text, cl, "", time.Duration(editedSecs)*time.Second)
		sigs := cls.classify(m)
		checkSignals(t, cls, m, sigs)
		for _, s := range sigs {
			if !s.strong {
				t.Fatalf("bot rule %s gave a weak signal", s.rule.name)
			}
		}
		if cl == alertBot && editedBot(m) && !slices.ContainsFunc(sigs, func(s signal) bool { return s.kind == "detected" && s.when.Equal(m.at) }) {
			t.Fatalf("an alert edited in place lost when it fired: %+v", sigs)
		}
	})
}

// People's language (rules from human): weak signals, and a question never
// sets a lifecycle event: the same words asked as one sentence set
// nothing of the incident's lifecycle.
func FuzzPeopleLanguage(f *testing.F) {
	cls := fuzzClassifier(f, func(r *rule) bool { return r.from == "human" })
	for _, s := range []string{
		"I'm declaring an incident: checkout is down",
		"ack, looking into it",
		"we're investigating elevated error rates on checkout",
		"Identified - the cause has been identified",
		"Monitoring - a fix has been implemented and we are monitoring the results",
		"rolled back, error rates are recovering",
		"all clear, closing this",
		"everything is back to normal now",
		"Between 14:02 and 14:40 UTC some users saw errors",
		"fixed in 3f2a9c1, added a regression test",
		"<@U123> sev major",
		"is it resolved",
		"we fixed this last week",
		"checkout is returning 503s for me",
		"a bad deploy caused a brief outage; we are working on it",
		"sorry, it's back up now",
		"We have resolved the issue. We will continue to monitor.",
		"IC: <@U123>, Deputy: <@U456>, Scribe: me",
		":eyes:",
		"Here's the log from the failing job",
		"When logging in this morning I got a 502 Bad Gateway.",
		"I can't access the registry at all, getting timeouts",
		"the dashboard isn't loading for me either",
		"The services affected by this outage are working now.",
		"I have just deployed a fix",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m := fuzzMessage(text, human, "", 0)
		sigs := cls.classify(m)
		checkSignals(t, cls, m, sigs)
		for _, s := range sigs {
			if s.strong {
				t.Fatalf("people's rule %s gave a strong signal", s.rule.name)
			}
		}
		// The same words as one question: no sentence breaks inside, a
		// question mark at the end.
		q := strings.Map(func(r rune) rune {
			if r == '.' || r == '!' || r == '?' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, m.content)
		qm := &message{ts: m.ts, at: m.at, class: human, content: q + "?"}
		qm.lower = strings.ToLower(qm.content)
		for _, s := range cls.classify(qm) {
			if !s.rule.slash && slices.Contains(peopleLifecycle, s.kind) {
				t.Fatalf("question %q set %s (rule %s)", qm.content, s.kind, s.rule.name)
			}
		}
	})
}

// Stated times (impact_start): a value the stated-time parser reads is a
// time within the day before the message, in any configured zone.
func FuzzImpactStart(f *testing.F) {
	cls := fuzzClassifier(f, hasEvent("impact_start"))
	for _, s := range []string{
		"impact started around 14:52 UTC",
		"errors began at 2:05pm",
		"checkout has been failing since about 13:40 PST",
		"Started at 2026-11-20 14:40:00 UTC",
		"the issue started at 23:59 +02:00",
		"degraded since 9am eastern",
		"impact started at 99:99",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	zones := []*time.Location{time.UTC, time.FixedZone("UTC+14", 14*3600), time.FixedZone("UTC-12", -12*3600)}
	if berlin, err := time.LoadLocation("Europe/Berlin"); err == nil {
		zones = append(zones, berlin)
	}
	f.Fuzz(func(t *testing.T, text string, who uint8) {
		m := fuzzMessage(text, class(who%5), "", 0)
		sigs := cls.classify(m)
		checkSignals(t, cls, m, sigs)
		for _, s := range sigs {
			if s.kind != "impact_start" {
				continue
			}
			if s.value == "" {
				t.Fatalf("rule %s: impact_start without a stated time in %q", s.rule.name, text)
			}
			for _, loc := range zones {
				if got, ok := statedTime(s.value, m.at, loc); ok && (got.After(m.at) || m.at.Sub(got) > 24*time.Hour) {
					t.Fatalf("statedTime(%q, %s) = %v; want within the day before %v", s.value, loc, got, m.at)
				}
			}
		}
	})
}

// Severity: a value is a label the assembler normalises; when it knows
// the label, the answer is a configured severity.
func FuzzSeverity(f *testing.F) {
	cls := fuzzClassifier(f, hasEvent("severity"))
	cfg, err := config.Default()
	if err != nil {
		f.Fatal(err)
	}
	asm := newAssembler(cfg, fuzzSaid)
	for _, s := range []string{
		"Declaring an incident: checkout is down (SEV2)",
		"Severity: critical",
		"severity changed from minor to SEV-1",
		"*Priority:* P1",
		"set the channel topic: Queue | Severity: High | Priority: P2",
		"<@U123> sev major",
		"sev 9 is not a thing",
	} {
		f.Add(s, uint8(0), "")
		f.Add(s, uint8(3), "")
		f.Add(s, uint8(4), "channel_topic")
	}
	f.Fuzz(func(t *testing.T, text string, who uint8, subtype string) {
		m := fuzzMessage(text, class(who%5), subtype, 0)
		sigs := cls.classify(m)
		checkSignals(t, cls, m, sigs)
		for _, s := range sigs {
			if s.kind != "severity" {
				continue
			}
			if s.value == "" {
				t.Fatalf("rule %s: severity without a label in %q", s.rule.name, text)
			}
			if l := normLabel(s.value); normLabel(l) != l {
				t.Fatalf("normLabel(%q) = %q is not idempotent", s.value, l)
			}
			if sev, ok := asm.severityOf(&s); ok {
				if _, known := cfg.Incidents.Severities[sev]; !known {
					t.Fatalf("severityOf(%q) = %q, not a configured severity", s.value, sev)
				}
			}
		}
	})
}

// Service field: the value maps through the catalog to a catalog service
// or to nothing, and mapping a service name again gives itself.
func FuzzServiceField(f *testing.F) {
	cls := fuzzClassifier(f, hasEvent("service"))
	cat := newCatalog([]config.Service{
		{Name: "checkout", Aliases: []string{"checkout-api", "cart"}},
		{Name: "payments", Aliases: []string{"payments-api", "billing"}},
		{Name: "search", Aliases: []string{"indexer"}},
	})
	names := map[string]bool{"checkout": true, "payments": true, "search": true}
	for _, s := range []string{
		"Service: checkout-api",
		"*Affected services:* payments, search",
		"Title: x | Service: indexer | Severity: SEV3",
		"services = billing.v2",
		"service: unknown-thing",
		"Service: ",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, text string, who uint8) {
		m := fuzzMessage(text, class(who%5), "", 0)
		sigs := cls.classify(m)
		checkSignals(t, cls, m, sigs)
		for _, s := range sigs {
			if s.kind != "service" {
				continue
			}
			if s.value == "" || len(s.value) > 64 {
				t.Fatalf("rule %s: service value %q is empty or unbounded", s.rule.name, s.value)
			}
			svc := cat.lookup(s.value)
			if svc != "" && !names[svc] {
				t.Fatalf("lookup(%q) = %q, not a catalog service", s.value, svc)
			}
			if svc != "" && cat.lookup(svc) != svc {
				t.Fatalf("lookup(lookup(%q)) = %q; want %q", s.value, cat.lookup(svc), svc)
			}
		}
	})
}
