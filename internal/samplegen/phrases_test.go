package samplegen

import (
	"regexp"
	"testing"
)

// lifecycle matches words a recogniser could take for an incident event.
var lifecycle = regexp.MustCompile(`(?i)\b(ack|acked|acknowledg\w*|on it|resolv\w*|mitigat\w*|monitor\w*|stable|close[ds]?|closing|all clear|roll(ed)? ?back|rollback|revert\w*|fix(ed|es|ing)?|investigat\w*|identified|declar\w*|regression|post-?mortem|review doc\w*|start(ed|s)?|impact|incident|sev ?[0-4]|p[0-5]|triggered|alarm|firing|cancel\w*|false alarm|drill|maintenance|game day|recover\w*|github\.com)\b`)

func TestChatterCarriesNoLifecycleSignal(t *testing.T) {
	banks := map[string][]string{
		"investigation": investigation, "firstReplies": firstReplies, "preAckChatter": preAckChatter,
		"afterwards": afterwards, "incCommands": incCommands, "sharedQuestions": sharedQuestions, "sharedAnswers": sharedAnswers,
	}
	banks["leadIns"], banks["tails"] = leadIns, tails
	for name, bank := range banks {
		for _, s := range bank {
			if m := lifecycle.FindString(s); m != "" {
				t.Errorf("%s phrase %q contains %q, which a recogniser could read as an incident event", name, s, m)
			}
		}
	}
}

func TestSignalPhrasesCarryTheirSignal(t *testing.T) {
	tests := []struct {
		name string
		bank []string
		want *regexp.Regexp
	}{
		{"acks", acks, regexp.MustCompile(`(?i)\back\b|acked|acknowledged|on it`)},
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
