package ingest

import (
	"regexp"
	"slices"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// Selection decides which conversations ingest keeps (SPEC §2): by default
// the incident channels (name patterns) and the shared incident channels;
// Regex (--channels) selects by name instead; All (--all-channels) takes
// everything. Include adds channels by name or ID; Exclude always wins.
type Selection struct {
	Patterns []*regexp.Regexp
	Shared   []string
	Include  []string
	Exclude  []string
	Regex    *regexp.Regexp
	All      bool
}

// NewSelection builds the selection from the configuration and the
// --channels / --all-channels flags (regex may be nil).
func NewSelection(c config.Channels, regex *regexp.Regexp, all bool) Selection {
	return Selection{
		Patterns: c.Compiled(),
		Shared:   c.Shared,
		Include:  c.Include,
		Exclude:  c.Exclude,
		Regex:    regex,
		All:      all,
	}
}

// Selected reports whether the channel with this ID and name is kept.
func (s Selection) Selected(id, name string) bool {
	if slices.Contains(s.Exclude, id) || slices.Contains(s.Exclude, name) {
		return false
	}
	if s.All || slices.Contains(s.Include, id) || slices.Contains(s.Include, name) {
		return true
	}
	if s.Regex != nil {
		return s.Regex.MatchString(name)
	}
	if slices.Contains(s.Shared, name) {
		return true
	}
	for _, p := range s.Patterns {
		if p.MatchString(name) {
			return true
		}
	}
	return false
}
