package transform

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// Real first-responder language, measured: AFTERMATH_ACK_EXTRA names a CSV
// (label,text,source_kind,source,note) of messages people wrote in the first
// minutes of real incidents, each labelled ack, bystander or other. It is
// third-party text, kept outside the repository (docs/metrics.md,
// "Acknowledgements on real text"). Unset, the test skips.
//
// What acknowledged_at needs from each row: an ack is read as the
// acknowledgement; a bystander is neither read as one nor taken by the
// first-reply fallback (it matches incidents.bystanders, or only reports
// impact); an other row is
// not read as an acknowledgement. Sources are split into a tuning half and
// a test half by a hash of the source, like the outside status set; only
// the tuning half's misses may be listed (AFTERMATH_ACK_MISSES=1).
func TestAcknowledgementLanguage(t *testing.T) {
	path := os.Getenv("AFTERMATH_ACK_EXTRA")
	if path == "" {
		t.Skip("AFTERMATH_ACK_EXTRA is not set")
	}
	rows := loadAckRows(t, path)
	cfg, cls := defaultClassifier(t)
	asm := newAssembler(cfg, time.Now())
	for i := range rows {
		r := &rows[i]
		// Rows carry no authors: each row stands for another person.
		m := &message{class: human, userID: fmt.Sprintf("U%d", i), content: normalise(r.text)}
		m.lower = strings.ToLower(m.content)
		m.signals = cls.classify(m)
		r.msg = m
		r.ack = slices.ContainsFunc(m.signals, func(s signal) bool { return s.kind == "acknowledged" })
		r.bystander = asm.bystander(m) || onlyReports(m.signals)
	}
	type tally struct{ n, right int }
	got := map[string]*tally{}
	var misses []string
	for _, r := range rows {
		right := false
		switch r.label {
		case "ack":
			right = r.ack
		case "bystander":
			right = !r.ack && r.bystander
		default:
			right = !r.ack
		}
		key := r.half + " " + r.label
		if got[key] == nil {
			got[key] = &tally{}
		}
		got[key].n++
		if right {
			got[key].right++
		} else if r.half == extraTune && os.Getenv("AFTERMATH_ACK_MISSES") != "" {
			misses = append(misses, fmt.Sprintf("%-9s ack=%-5v %q (%s)", r.label, r.ack, r.text, r.source))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| half | label | rows | right |\n|---|---|---|---|\n")
	for _, half := range []string{extraTune, extraTest} {
		for _, label := range []string{"ack", "bystander", "other"} {
			if c := got[half+" "+label]; c != nil {
				fmt.Fprintf(&b, "| %s | %s | %d | %.1f%% |\n", half, label, c.n, 100*float64(c.right)/float64(c.n))
			}
		}
	}
	t.Log(b.String())
	t.Log(ackConversations(rows))
	for _, m := range misses {
		t.Log(m)
	}
}

// ackRow is one message of the set, classified by the default recognisers,
// with what they read in it: an acknowledgement, a bystander's message.
type ackRow struct {
	label, text, source, half string
	msg                       *message
	ack, bystander            bool
}

func loadAckRows(t *testing.T, path string) []ackRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("AFTERMATH_ACK_EXTRA: %v", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0][:2], []string{"label", "text"}) || len(recs[0]) < 4 {
		t.Fatalf("%s: want the header label,text,source_kind,source,note", path)
	}
	var rows []ackRow
	for i, r := range recs[1:] {
		label := strings.ToLower(strings.TrimSpace(r[0]))
		if !slices.Contains([]string{"ack", "bystander", "other"}, label) {
			t.Fatalf("%s: row %d: label %q is not ack, bystander or other", path, i+2, r[0])
		}
		rows = append(rows, ackRow{label: label, text: r[1], source: r[3], half: ackHalf(r[3])})
	}
	return rows
}

// ackHalf splits the acknowledgement rows by source, as extraHalf splits
// the outside status set by company.
func ackHalf(source string) string { return extraHalf(strings.TrimSpace(source)) }

// ackConversations reads the rows of each source as one conversation in
// order, its first row the report that opened it, and compares where
// acknowledged_at lands with where the first ack row is: by the rule
// transform follows (the first message a recogniser reads as an
// acknowledgement, else the first reply that is not a bystander's), and by
// the plain first-reply rule (the first reply that is not a bystander's).
// Rows carry no authors, so a person's first answer is not modelled.
//
// Every conversation is about an outage, so each one posted as a thread of
// a shared incidents channel should be found as an incident: the last
// column is the share whose messages carry lifecycle evidence (a status at
// any stage, an impact report, a resolution) or ask about an outage that a
// later message acknowledges, which is what makes a thread an incident
// (transform/units.go).
func ackConversations(rows []ackRow) string {
	var order []string
	convs := map[string][]ackRow{}
	for _, r := range rows {
		if convs[r.source] == nil {
			order = append(order, r.source)
		}
		convs[r.source] = append(convs[r.source], r)
	}
	type tally struct{ n, rule, firstReply, found int }
	got := map[string]*tally{}
	for _, src := range order {
		c := convs[src]
		truth, firstReply, recognised := -1, -1, -1
		// Found as transform's thread test (build.thread) finds it.
		var msgs []*message
		var sigs []signal
		for _, r := range c {
			msgs = append(msgs, r.msg)
			sigs = append(sigs, r.msg.signals...)
		}
		found := hasLifecycle(sigs) || askedAndTaken(msgs)
		for i := 1; i < len(c); i++ {
			if truth < 0 && c[i].label == "ack" {
				truth = i
			}
			if firstReply < 0 && !c[i].bystander {
				firstReply = i
			}
			if recognised < 0 && c[i].ack {
				recognised = i
			}
		}
		rule := recognised
		if rule < 0 {
			rule = firstReply
		}
		half := c[0].half
		if got[half] == nil {
			got[half] = &tally{}
		}
		g := got[half]
		g.n++
		if rule == truth {
			g.rule++
		}
		if firstReply == truth {
			g.firstReply++
		}
		if found {
			g.found++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nas conversations (acknowledged_at on the first ack row, or none; found as a thread incident):\n| half | conversations | transform's rule | first reply alone | found |\n|---|---|---|---|---|\n")
	for _, half := range []string{extraTune, extraTest} {
		if g := got[half]; g != nil {
			fmt.Fprintf(&b, "| %s | %d | %.1f%% | %.1f%% | %.1f%% |\n", half, g.n, 100*float64(g.rule)/float64(g.n), 100*float64(g.firstReply)/float64(g.n), 100*float64(g.found)/float64(g.n))
		}
	}
	return b.String()
}
