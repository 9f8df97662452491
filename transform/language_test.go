package transform

import (
	"slices"
	"strings"
	"testing"
)

// People's language: what a person's message sets, and what it must not.
// The phrases are written for this test (not taken from any corpus); the
// status-page wordings are measured on real text by TestAccuracyOnStatusPages.
func TestPeoplesLanguage(t *testing.T) {
	cls, err := newClassifier(defaults(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want string // the lifecycle kinds it sets, space-separated, "" for none
	}{
		// Bare forms.
		{"Resolved.", "resolved"},
		{"resolved", "resolved"},
		{"fixed, closing", "resolved"},
		{"all good now", "resolved"},
		{"we're back to normal", "resolved"},
		{":white_check_mark:", "resolved"},
		{"✅", "resolved"},
		{"Monitoring.", "mitigated"},
		// Prefix form and sentence form of status-page stages.
		{"Investigating - Checkout is returning errors for some users.", "investigating"},
		{"Monitoring - We rolled out a patch and are watching error rates.", "mitigated"},
		{"Resolved - Payments are flowing again.", "resolved"},
		{"We're looking into reports of failed logins.", "investigating"},
		{"A patch was deployed and we are monitoring the results.", "mitigated"},
		{"The outage is now resolved.", "resolved"},
		{"Checkout is operating normally.", "resolved"},
		// Negation and hedging.
		{"not resolved yet", ""},
		{"This isn't fixed, errors are still there", ""},
		{"should be fixed once the deploy finishes", ""},
		{"it will be resolved when the cache warms up", ""},
		// Questions.
		{"is it resolved?", ""},
		{"Resolved?", ""},
		{"has the fix been deployed?", ""},
		// Other times and incidents.
		{"when we rolled back in March it took an hour", ""},
		{"last time the issue was resolved by a restart", ""},
		// Lifecycle words in other senses.
		{"can someone look at the resolved tickets from yesterday", ""},
		{"the monitoring dashboard is slow to load", ""},
		{"thanks all for joining the review", ""},
		{"reminder: incident review on Thursday at 3pm", ""},
	} {
		m := &message{class: human, content: normalise(c.text)}
		m.lower = strings.ToLower(m.content)
		var got []string
		for _, s := range cls.classify(m) {
			switch s.kind {
			case "investigating", "mitigated", "resolved", "declared", "reopened":
				if !slices.Contains(got, s.kind) {
					got = append(got, s.kind)
				}
			}
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("%q sets %q; want %q", c.text, g, c.want)
		}
	}
}

// A service comes only from an explicit field or the catalog, never from a
// free word after "service".
func TestServiceOnlyFromFields(t *testing.T) {
	cls, err := newClassifier(defaults(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ text, want string }{
		{"the payments service is down", ""},
		{"service best effort only", ""},
		{"which service? not sure yet", ""},
		{"Service: checkout-api", "checkout-api"},
		{"*Affected service*: billing", "billing"},
	} {
		m := &message{class: human, content: normalise(c.text)}
		m.lower = strings.ToLower(m.content)
		got := ""
		for _, s := range cls.classify(m) {
			if s.kind == "service" {
				got = s.value
			}
		}
		if got != c.want {
			t.Errorf("%q names service %q; want %q", c.text, got, c.want)
		}
	}
}
