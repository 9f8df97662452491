package transform

import (
	"regexp"
	"sort"
	"strings"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// catalog finds services by their names and aliases.
type catalog struct {
	byName map[string]string // lowercase name or alias → service name
	re     *regexp.Regexp    // every name and alias, as whole words
}

func newCatalog(services []config.Service) *catalog {
	c := &catalog{byName: map[string]string{}}
	var words []string
	for _, s := range services {
		for _, n := range append([]string{s.Name}, s.Aliases...) {
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
