// Timelines (stage 3): the service catalog an incident's service is
// looked up in.
package transform

import (
	"regexp"
	"sort"
	"strings"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// catalog finds services by their names and aliases.
type catalog struct {
	byName map[string]string          // lowercase name or alias → service name
	re     *regexp.Regexp             // every name and alias, as whole words
	words_ map[string]map[string]bool // service → the words of its names
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// words returns the words that name a service (its name and aliases split
// at punctuation), for leaving out of failure signatures.
func (c *catalog) words(service string) map[string]bool {
	if w, ok := c.words_[service]; ok {
		return w
	}
	w := map[string]bool{}
	for _, part := range nonWord.Split(strings.ToLower(service), -1) {
		if part != "" {
			w[part] = true
		}
	}
	return w
}

func newCatalog(services []config.Service) *catalog {
	c := &catalog{byName: map[string]string{}, words_: map[string]map[string]bool{}}
	var words []string
	for _, s := range services {
		w := map[string]bool{}
		c.words_[s.Name] = w
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			for _, part := range nonWord.Split(strings.ToLower(n), -1) {
				if part != "" {
					w[part] = true
				}
			}
			k := strings.ToLower(strings.TrimSpace(n))
			if k == "" {
				continue
			}
			if _, dup := c.byName[k]; !dup {
				c.byName[k] = s.Name
				words = append(words, regexp.QuoteMeta(k))
			}
		}
	}
	if len(words) > 0 {
		// Longest first, so "checkout-api" wins over "checkout".
		sort.Slice(words, func(i, j int) bool {
			if len(words[i]) != len(words[j]) {
				return len(words[i]) > len(words[j])
			}
			return words[i] < words[j]
		})
		c.re = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])(` + strings.Join(words, "|") + `)(?:$|[^a-z0-9])`)
	}
	return c
}

// lookup maps an explicit service value to the catalog; with no catalog the
// value itself is the service.
func (c *catalog) lookup(v string) string {
	v = strings.Trim(strings.ToLower(strings.TrimSpace(v)), ".,;:*`'\"")
	if v == "" {
		return ""
	}
	if c.re == nil {
		return v
	}
	if s, ok := c.byName[v]; ok {
		return s
	}
	return c.find(v)
}

// find returns the first catalog service named in text.
func (c *catalog) find(text string) string {
	if c.re == nil || text == "" {
		return ""
	}
	m := c.re.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return c.byName[strings.ToLower(m[1])]
}
