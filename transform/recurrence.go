// Enrichment (stage 4): recurrences, incidents of the same service and
// failure signature within the recurrence window.
package transform

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

var (
	camel    = regexp.MustCompile(`([a-z0-9])([A-Z])|([a-zA-Z])([0-9])`)
	sigStrip = []*regexp.Regexp{
		regexp.MustCompile(`:[a-z0-9_+'-]+:`),              // emoji codes
		regexp.MustCompile(`\bv?\d+(\.\d+)+[a-z0-9.-]*\b`), // versions
		regexp.MustCompile(`https?://\S+`),
		regexp.MustCompile(`<[@#!][^>]*>`),
		regexp.MustCompile(`\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`),       // UUIDs
		regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b`),                                       // IPv4
		regexp.MustCompile(`\b(ip-\d+-\d+-\d+-\d+|[a-z]+(-[a-z]+)*-\d+[a-z0-9-]*)(\.[a-z0-9-]+)+\b`), // hosts
		regexp.MustCompile(`\b[a-z][a-z0-9]*(-[a-z0-9]+)*\.(internal|local|lan|prod|staging|svc|cluster)\S*`),
		regexp.MustCompile(`\b(inc|pd|sev|p)-?\d+\b`),  // incident ids and severities
		regexp.MustCompile(`\b[a-z]{2,10}-\d+\b`),      // ticket keys, numbered hosts (web-12)
		regexp.MustCompile(`#\d+`),                     // #123
		regexp.MustCompile(`\b[0-9a-f]*\d[0-9a-f]*\b`), // hashes and numbers
		regexp.MustCompile(`\b\d+(\.\d+)?(ms|s|m|h|%|x|k|mb|gb)?\b`),
	}
	// Hashes and UUIDs go before the CamelCase split, which would cut
	// one that starts with letters ("abc1234f") into a word and a number.
	sigUUID     = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	sigHex      = regexp.MustCompile(`\b[0-9a-f]{7,64}\b`)
	sigPunct    = regexp.MustCompile(`[^a-z0-9 ]+`)
	sigStopword = map[string]bool{"the": true, "a": true, "an": true, "on": true, "in": true, "for": true, "of": true,
		"is": true, "are": true, "to": true, "and": true, "at": true, "from": true, "with": true, "triggered": true,
		"firing": true, "alarm": true, "alert": true, "resolved": true, "incident": true, "re": true,
		// Generic infrastructure words alert names prefix (NodeDiskSpaceLow, KubePodCrashLooping).
		"node": true, "kube": true, "k8s": true, "pod": true, "pods": true, "host": true, "instance": true,
		"prod": true, "production": true, "staging": true, "service": true, "svc": true, "api": true,
		"app": true, "server": true, "cluster": true, "critical": true, "warning": true, "high": false}
)

// signature normalises a title or alert name so the same failure gives
// the same text: CamelCase alert names split into words; no ids, numbers,
// versions, hashes, hosts, links, emoji or punctuation; no generic
// infrastructure words; and none of the words naming the service (in
// skip), which the recurrence key carries apart.
func signature(s string, skip map[string]bool) string {
	s = sigUUID.ReplaceAllString(s, " ")
	s = sigHex.ReplaceAllStringFunc(s, func(h string) string {
		if strings.ContainsAny(h, "0123456789") && strings.ContainsAny(h, "abcdef") {
			return " "
		}
		return h // a word of hex letters ("deadbeef") or a number, for the rules below
	})
	s = splitCamel(strings.ToLower(splitCamel(s)))
	for _, re := range sigStrip {
		s = re.ReplaceAllString(s, " ")
	}
	s = sigPunct.ReplaceAllString(s, " ")
	var words []string
	for _, w := range strings.Fields(s) {
		if !sigStopword[w] && !skip[w] && len(w) > 1 {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// splitCamel puts a space at each CamelCase and letter-digit boundary. One
// pass of the regexp skips a boundary that shares a character with the one
// before it (the "2I" of "c2I" in Ec2Instance); no two skipped ones are
// adjacent, so a second pass takes them all. signature splits again after
// lowercasing, where a letter such as the Kelvin sign becomes ASCII.
func splitCamel(s string) string {
	for range 2 {
		s = camel.ReplaceAllString(s, "$1$3 $2$4")
	}
	return s
}

// recurrences sets each incident's recurrence_key (its service and the
// signature of its alert name, else its title) and recurrence_of: the
// latest earlier incident of the same service, started within window, that
// shares a signature (of its alert name or of its title). Different tools
// name the same failure differently (an alert rule, a bot's title, a
// person's words), so either signature may carry the match. Excluded
// incidents neither recur nor are recurred.
func recurrences(incs []*incident, window time.Duration, cat *catalog) {
	sigs := map[*incident][]string{}
	for _, inc := range incs {
		if inc.excluded != "" {
			continue
		}
		skip := cat.words(inc.service)
		var list []string
		for _, text := range []string{inc.alertName, inc.title} {
			if sig := signature(text, skip); sig != "" && !slices.Contains(list, sig) {
				list = append(list, sig)
			}
		}
		if len(list) == 0 {
			continue
		}
		sigs[inc] = list
		svc := inc.service
		if svc == "" {
			svc = "?"
		}
		inc.recurrenceKey = svc + ": " + list[0]
	}
	sorted := append([]*incident(nil), incs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].events["started"].at, sorted[j].events["started"].at
		if !a.Equal(b) {
			return a.Before(b)
		}
		return sorted[i].id < sorted[j].id
	})
	type seen struct {
		inc *incident
		at  time.Time
	}
	last := map[string]seen{} // service + signature → latest incident
	for _, inc := range sorted {
		list, ok := sigs[inc]
		if !ok {
			continue
		}
		start := inc.events["started"].at
		var best *seen
		for _, sig := range list {
			if prev, ok := last[inc.service+"\x00"+sig]; ok && start.Sub(prev.at) <= window && (best == nil || prev.at.After(best.at)) {
				p := prev
				best = &p
			}
		}
		if best != nil {
			inc.recurrenceOf = best.inc.id
		}
		for _, sig := range list {
			last[inc.service+"\x00"+sig] = seen{inc, start}
		}
	}
}
