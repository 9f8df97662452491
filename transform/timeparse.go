// Timelines (stage 3): stated times ("impact started at 14:02 UTC") read
// into instants.
package transform

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	clockRE = regexp.MustCompile(`(?i)^(?:(\d{4})-(\d{2})-(\d{2})[ t])?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?(?:m\.?)?\s*(utc|gmt|z)?$`)
)

// statedTime turns a stated time ("14:02 UTC", "2:02pm", "2026-11-20
// 14:02") said in a message posted at said into an instant: a bare clock
// time is the latest such time not after the message (times are UTC, the
// convention of incident channels; a time zone other than UTC/GMT/Z does
// not parse). A stated time more than a day before the message is refused.
func statedTime(value string, said time.Time) (time.Time, bool) {
	m := clockRE.FindStringSubmatch(strings.TrimSpace(value))
	if m == nil {
		return time.Time{}, false
	}
	h, _ := strconv.Atoi(m[4])
	mi, _ := strconv.Atoi(m[5])
	sec := 0
	if m[6] != "" {
		sec, _ = strconv.Atoi(m[6])
	}
	switch strings.ToLower(m[7]) {
	case "p":
		if h < 12 {
			h += 12
		}
	case "a":
		if h == 12 {
			h = 0
		}
	}
	if h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	said = said.UTC()
	var t time.Time
	if m[1] != "" {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t = time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	} else {
		t = time.Date(said.Year(), said.Month(), said.Day(), h, mi, sec, 0, time.UTC)
		if t.After(said) {
			t = t.AddDate(0, 0, -1)
		}
	}
	if t.After(said) || said.Sub(t) > 24*time.Hour {
		return time.Time{}, false
	}
	return t, true
}
