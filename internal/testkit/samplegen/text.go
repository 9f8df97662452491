package samplegen

// Text helpers for templates and channel names.

import "strings"

// fill replaces {name} placeholders.
func fill(tmpl string, vars map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		if v, ok := vars[tmpl[i+1:i+j]]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// titleSlug makes a channel-name slug of at most n characters.
func titleSlug(title string, n int) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(asciiFold(title)) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > n {
		s = s[:n]
		if i := strings.LastIndexByte(s, '-'); i > n/2 {
			s = s[:i]
		}
	}
	return strings.Trim(s, "-")
}
