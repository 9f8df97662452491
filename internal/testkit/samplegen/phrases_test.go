package samplegen

import (
	"regexp"
	"testing"
)

// The held-aside set shares no phrase with the tuning set: accuracy on it
// is measured on words the recognisers were not written against.
func TestHeldAsidePhrasesAreNotTuningPhrases(t *testing.T) {
	tuning := map[string]bool{}
	for _, bank := range [][]string{tuningPhrases.declarations, tuningPhrases.acks, tuningPhrases.mitigations, tuningPhrases.resolutions,
		tuningPhrases.statusInvestigating, tuningPhrases.statusIdentified, tuningPhrases.statusMonitoring, tuningPhrases.statusResolved} {
		for _, p := range bank {
			tuning[p] = true
		}
	}
	h := heldAsidePhrases
	for _, bank := range [][]string{h.declarations, h.acks, h.mitigations, h.resolutions,
		h.statusInvestigating, h.statusIdentified, h.statusMonitoring, h.statusResolved} {
		if len(bank) == 0 {
			t.Fatal("a held-aside bank is empty")
		}
		for _, p := range bank {
			if tuning[p] && !regexp.MustCompile(`^/`).MatchString(p) {
				t.Errorf("held-aside phrase %q is also a tuning phrase", p)
			}
		}
	}
}

// Chatter uses lifecycle words in other senses, as people do: the
// recognisers must not take them for events.
func TestChatterUsesLifecycleWordsInOtherSenses(t *testing.T) {
	other := regexp.MustCompile(`(?i)\b(resolved tickets|monitoring (dashboard|stack)|fixed by a restart|quick fix)\b`)
	n := 0
	for _, bank := range [][]string{investigation, sharedQuestions} {
		for _, s := range bank {
			if other.MatchString(s) {
				n++
			}
		}
	}
	if n < 4 {
		t.Errorf("%d chatter phrases use lifecycle words in other senses; want at least 4", n)
	}
}

func TestSignalPhrasesCarryTheirSignal(t *testing.T) {
	tests := []struct {
		name string
		bank []string
		want *regexp.Regexp
	}{
		{"acks", acks, regexp.MustCompile(`(?i)\back\b|acked|acknowledged|on it|incident commander`)},
		{"mitigations", mitigations, regexp.MustCompile(`(?i)rolled back|mitigat|monitoring`)},
		{"resolutions", resolutions, regexp.MustCompile(`(?i)all clear|resolve`)},
		{"statusMonitoring", statusMonitoring, regexp.MustCompile(`^Monitoring – `)},
		{"statusResolved", statusResolved, regexp.MustCompile(`^Resolved – `)},
		{"regressionClaims", regressionClaims, regexp.MustCompile(`(?i)added a regression test`)},
		{"statedStarts", statedStarts, regexp.MustCompile(`impact started (around|at) \{time\}`)},
		{"declarations", declarations, regexp.MustCompile(`(?i)declar`)},
	}
	for _, tt := range tests {
		for _, s := range tt.bank {
			if !tt.want.MatchString(s) {
				t.Errorf("%s phrase %q does not match %v", tt.name, s, tt.want)
			}
		}
	}
}
