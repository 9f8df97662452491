package transform

import (
	"os"
	"testing"
)

// Accuracy floors, in percent, on the data the recognisers were not tuned
// on: the generator's held-aside phrases and the corpus providers other
// than the tuning one. Each has two levels:
//
//   - target: issue 8's floors (detection 99%, each lifecycle field 97%
//     within 60 s). make accuracy asserts them; a miss fails it.
//   - ratchet: the lowest figure measured on 2026-12-06 (docs/metrics.md),
//     less half a point, raised since where a figure rose. make accuracy-ci, which .ci/run runs, asserts only
//     these, so CI fails when accuracy falls below what it is today, and it
//     logs every missed target so the gap stays visible in every CI log.
//
// Raise a ratchet when a change raises the figure; never lower a target.
// Phantom incidents and open incidents called resolved are asserted as zero
// at both levels.
type floor struct{ target, ratchet float64 }

var corpusFloors = map[string]floor{
	"detection": {99, 98.4}, // stabilityai thread forms: 98.9
	"started":   {97, 98.4}, // 98.9
	"mitigated": {97, 95.2}, // stabilityai thread forms: 95.7
	"resolved":  {97, 87.8}, // stabilityai channel and thread forms: 88.3 (2026-12-07, eighth round; 87.2 after the fifth, 86.2 before)
}

var generatorFloors = map[string]floor{
	"detection precision":          {99, 99.5}, // 100
	"detection recall":             {99, 99.5}, // 100
	"started_at within 1 min":      {97, 99.5}, // 100
	"acknowledged_at within 1 min": {97, 95.1}, // 95.2 (2026-12-07, tenth round; 95.6 after the sixth, 92.2 before; docs/metrics.md, ninth and tenth rounds, say why it fell)
	"mitigated_at within 1 min":    {97, 98.4}, // 98.9
	"resolved_at within 1 min":     {97, 99.3}, // 99.8
}

// ratchetOnly is set by make accuracy-ci: assert the ratchets, log missed
// targets.
var ratchetOnly = os.Getenv("AFTERMATH_ACCURACY_FLOORS") == "ratchet"

// checkFloor asserts got (percent) against f at the level in force.
func checkFloor(t *testing.T, name string, got float64, f floor) {
	t.Helper()
	switch {
	case ratchetOnly && got < f.ratchet:
		t.Errorf("%s %.1f%%: below today's %.1f%% (a regression; issue 8's target is %.0f%%)", name, got, f.ratchet, f.target)
	case ratchetOnly && got < f.target:
		t.Logf("TARGET MISSED: %s %.1f%%; issue 8's floor is %.0f%%", name, got, f.target)
	case !ratchetOnly && got < f.target:
		t.Errorf("%s %.1f%%; floor %.0f%%", name, got, f.target)
	}
}
