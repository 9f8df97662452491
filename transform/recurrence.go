package transform

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

var (
	sigStrip = []*regexp.Regexp{
		regexp.MustCompile(`https?://\S+`),
		regexp.MustCompile(`<[@#!][^>]*>`),
		regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`),       // UUIDs
		regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b`),                                       // IPv4
		regexp.MustCompile(`\b(ip-\d+-\d+-\d+-\d+|[a-z]+(-[a-z]+)*-\d+[a-z0-9-]*)(\.[a-z0-9-]+)+\b`), // hosts
		regexp.MustCompile(`\b[a-z][a-z0-9]*(-[a-z0-9]+)*\.(internal|local|lan|prod|staging|svc|cluster)\S*`),
		regexp.MustCompile(`\b(inc|pd|sev|p)-?\d+\b`), // incident ids and severities
		regexp.MustCompile(`\b[a-z]{2,10}-\d+\b`),     // ticket keys, numbered hosts (web-12)
		regexp.MustCompile(`#\d+`),                     // #123
		regexp.MustCompile(`\b[0-9a-f]*\d[0-9a-f]*\b`), // hashes and numbers
		regexp.MustCompile(`\b\d+(\.\d+)?(ms|s|m|h|%|x|k|mb|gb)?\b`),
	}
	sigPunct    = regexp.MustCompile(`[^a-z0-9 ]+`)
	sigStopword = map[string]bool{"the": true, "a": true, "an": true, "on": true, "in": true, "for": true, "of": true,
		"is": true, "are": true, "to": true, "and": true, "at": true, "from": true, "with": true, "triggered": true,
		"firing": true, "alarm": true, "alert": true, "resolved": true, "incident": true, "re": true}
)

// signature normalises a title or alert name so the same failure gives
// the same text: no ids, numbers, hashes, hosts, links or punctuation.
func signature(s string) string {
	s = strings.ToLower(s)
	for _, re := range sigStrip {
		s = re.ReplaceAllString(s, " ")
	}
	s = sigPunct.ReplaceAllString(s, " ")
	var words []string
	for _, w := range strings.Fields(s) {
		if !sigStopword[w] && len(w) > 1 {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// recurrences sets each incident's recurrence_key and recurrence_of: the
// latest earlier incident with the same key that started within window.
// Excluded incidents neither recur nor are recurred.
func recurrences(incs []*incident, window time.Duration) {
	for _, inc := range incs {
		if inc.excluded != "" {
			continue
		}
		text := inc.alertName
		if text == "" {
			text = inc.title
		}
		sig := signature(text)
		if sig == "" {
			continue
		}
		svc := inc.service
		if svc == "" {
			svc = "?"
		}
		inc.recurrenceKey = svc + ": " + sig
	}
	sorted := append([]*incident(nil), incs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].events["started"].at, sorted[j].events["started"].at
		if !a.Equal(b) {
			return a.Before(b)
		}
		return sorted[i].id < sorted[j].id
	})
	last := map[string]*incident{}
	for _, inc := range sorted {
		if inc.recurrenceKey == "" {
			continue
		}
		if prev := last[inc.recurrenceKey]; prev != nil {
			if inc.events["started"].at.Sub(prev.events["started"].at) <= window {
				inc.recurrenceOf = prev.id
			}
		}
		last[inc.recurrenceKey] = inc
	}
}
