// Timelines (stage 3): stated times ("impact started at 14:02 UTC", "2pm
// ET", "14:52 PST", "09:10 +02:00") read into instants.
package transform

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var clockRE = regexp.MustCompile(`(?i)^(?:(\d{4})-(\d{2})-(\d{2})[ t])?(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?\s*(?:([ap])\.?(?:m\.?)?(?:\s+|$))?(?:([a-z]{1,7}(?:\s+time)?|[+-]\d{2}:?\d{2}))?$`)

// zoneOffsets are the time-zone abbreviations people write, as fixed
// offsets (a daylight-saving abbreviation says which half of the year).
var zoneOffsets = map[string]int{
	"utc": 0, "gmt": 0, "z": 0,
	"pst": -8, "pdt": -7, "mst": -7, "mdt": -6, "cst": -6, "cdt": -5, "est": -5, "edt": -4,
	"akst": -9, "akdt": -8, "hst": -10,
	"wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3,
	"jst": 9, "kst": 9, "aest": 10, "aedt": 11, "sgt": 8,
}

// zoneNames are the zones written without saying which half of the year:
// their offset is the one in force on the day.
var zoneNames = map[string]string{
	"pt": "America/Los_Angeles", "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
	"mt": "America/Denver", "mountain": "America/Denver", "mountain time": "America/Denver",
	"ct": "America/Chicago", "central": "America/Chicago", "central time": "America/Chicago",
	"et": "America/New_York", "eastern": "America/New_York", "eastern time": "America/New_York",
}

// zoneOf returns the location a zone word names, or nil when the word is
// not a zone (then the time is bare).
func zoneOf(z string) *time.Location {
	z = strings.ToLower(strings.TrimSpace(z))
	if z == "" {
		return nil
	}
	if z[0] == '+' || z[0] == '-' {
		d := strings.ReplaceAll(z[1:], ":", "")
		h, _ := strconv.Atoi(d[:2])
		m, _ := strconv.Atoi(d[2:])
		off := h*3600 + m*60
		if z[0] == '-' {
			off = -off
		}
		return time.FixedZone(z, off)
	}
	if h, ok := zoneOffsets[z]; ok {
		return time.FixedZone(strings.ToUpper(z), h*3600)
	}
	if name, ok := zoneNames[z]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return nil
}

// statedTime turns a stated time said in a message posted at said into an
// instant. A date written after the time ("10:40am on December 26th") is
// that time's date. A time with a zone ("14:52 PST", "2pm ET", "09:10 +02:00") is
// read in that zone; a bare one in loc (the configured timezone). A clock
// time without a date is the latest such time not after the message. A
// time after the message, or more than a day before it, is refused, as is
// an hour without minutes or am/pm ("at 3").
func statedTime(value string, said time.Time, loc *time.Location) (time.Time, bool) {
	value, date := splitStatedDate(strings.TrimSpace(value))
	m := clockRE.FindStringSubmatch(value)
	if m == nil || m[5] == "" && m[7] == "" {
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
	if z := zoneOf(m[8]); z != nil {
		loc = z
	}
	if loc == nil {
		loc = time.UTC
	}
	local := said.In(loc)
	var t time.Time
	if date != nil {
		y := date.year
		if y == 0 {
			// No year: the latest such date not after the message.
			y = local.Year()
			if time.Date(y, date.month, date.day, 0, 0, 0, 0, loc).After(said) {
				y--
			}
		}
		t = time.Date(y, date.month, date.day, h, mi, sec, 0, loc)
	} else if m[1] != "" {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t = time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc)
	} else {
		t = time.Date(local.Year(), local.Month(), local.Day(), h, mi, sec, 0, loc)
		if t.After(said) {
			t = time.Date(local.Year(), local.Month(), local.Day()-1, h, mi, sec, 0, loc)
		}
	}
	if t.After(said) || said.Sub(t) > 24*time.Hour {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// statedDateRE is a date written after a stated time: "on December 26th",
// "on Dec 26, 2024", with the zone, if any, after it.
var statedDateRE = regexp.MustCompile(`(?i)^(.*?)\s+on\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?\s*(.*)$`)

type statedDate struct {
	year, day int
	month     time.Month
}

var monthsByPrefix = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// splitStatedDate takes a date written after the time off value, and
// returns the time (with its zone) and the date, if any.
func splitStatedDate(value string) (string, *statedDate) {
	m := statedDateRE.FindStringSubmatch(value)
	if m == nil {
		return value, nil
	}
	d := &statedDate{month: monthsByPrefix[strings.ToLower(m[2])]}
	d.day, _ = strconv.Atoi(m[3])
	if m[4] != "" {
		d.year, _ = strconv.Atoi(m[4])
	}
	if d.day < 1 || d.day > 31 {
		return value, nil
	}
	return strings.TrimSpace(m[1] + " " + m[5]), d
}
