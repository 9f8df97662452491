// Package redact removes Slack secrets from text before it is stored,
// logged or returned in an error.
//
// The whole family of Slack secrets is removed, in any letter case:
//   - tokens: xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-, xoxe-, xoxe.xoxp-
//     (any xox?- form) and app-level xapp- tokens, anywhere;
//   - webhook URLs: hooks.slack.com (and hooks.slack-gov.com) /services/
//     (incoming webhooks), /workflows/ and /triggers/ (Workflow Builder),
//     also with JSON's escaped slashes;
//   - the value of a t= or token= query parameter, which is how Slack
//     exports put a token on every file URL.
//
// The same patterns are applied in SQL by ingest (see SQLPatterns) so
// stored JSON and Go strings are redacted identically.
package redact

import (
	"bytes"
	"regexp"
	"strings"
)

// Replacement stands in for each removed secret.
const Replacement = "REDACTED"

// The patterns are RE2, valid both for Go's regexp and DuckDB's
// regexp_replace, and hold no quote (ingest puts them in SQL text).
const (
	paramPattern   = `(?i)([?&](?:t|token)=)[^&"\s\\<>|#]+`
	webhookPattern = `(?i)https?:(?:/|\\/){2}hooks\.slack(?:-gov)?\.com(?:/|\\/)(?:services|workflows|triggers)(?:[0-9a-z_.-]|/|\\/)+`
	tokenPattern   = `(?i)(?:xox[a-z](?:\.xox[a-z])?|xapp)-[0-9a-z-]+`
	// prefilterPattern matches wherever one of the others may: a cheap
	// test before the replacements.
	prefilterPattern = `(?i)xox|xapp|hooks\.slack|[?&](?:t|token)=`
)

var (
	paramRE     = regexp.MustCompile(paramPattern)
	webhookRE   = regexp.MustCompile(webhookPattern)
	tokenRE     = regexp.MustCompile(tokenPattern)
	prefilterRE = regexp.MustCompile(prefilterPattern)
)

// String returns s with every Slack secret replaced by Replacement (for a
// query parameter, its value).
func String(s string) string {
	if !MayContain(s) {
		return s
	}
	s = paramRE.ReplaceAllString(s, "${1}"+Replacement)
	s = webhookRE.ReplaceAllString(s, Replacement)
	return tokenRE.ReplaceAllString(s, Replacement)
}

// MayContain is a cheap pre-check: false means String(s) == s.
func MayContain(s string) bool { return prefilterRE.MatchString(s) }

// Pattern is one replacement, in the order String applies them; in
// Replace, \1 is the first group.
type Pattern struct{ Match, Replace string }

// SQLPatterns returns the patterns for DuckDB's regexp_replace, in the
// order String applies them, and the prefilter that says whether any may
// match.
func SQLPatterns() (prefilter string, patterns []Pattern) {
	return prefilterPattern, []Pattern{
		{paramPattern, `\1` + Replacement},
		{webhookPattern, Replacement},
		{tokenPattern, Replacement},
	}
}

// Token hides a secret the caller knows, such as the configured API token,
// wherever it appears in s.
func Token(s, secret string) string {
	if len(secret) < 4 {
		return s
	}
	return strings.ReplaceAll(s, secret, Replacement)
}

// MayContainBytes is a faster, looser MayContain for a bulk load: false
// means MayContain(string(b)) is false (so String(b) == b); true may be
// wrong. It looks only at the bytes every prefilter match must hold, each
// found with bytes.IndexByte: a '=' after t or token and '?' or '&', an
// 'x' starting xox or xapp, a '.' inside hooks.slack, in any ASCII letter
// case; and it says true for any text holding the two non-ASCII letters
// that (?i) folds onto the patterns' letters (the Kelvin sign K onto k,
// the long s ſ onto s: Go's and RE2's case folding agree on these).
func MayContainBytes(b []byte) bool {
	query := func(i int) bool { // b[i] is '='
		return i >= 2 && b[i-1]|0x20 == 't' && (b[i-2] == '?' || b[i-2] == '&') ||
			i >= 6 && (b[i-6] == '?' || b[i-6] == '&') && foldEq(b[i-5:i], "token")
	}
	slackToken := func(i int) bool { return foldEq(b[i+1:], "ox") || foldEq(b[i+1:], "app") }            // b[i] is x or X
	hooks := func(i int) bool { return i >= 5 && foldEq(b[i-5:i], "hooks") && foldEq(b[i+1:], "slack") } // b[i] is '.'
	return anyAt(b, '=', query) || anyAt(b, 'x', slackToken) || anyAt(b, 'X', slackToken) || anyAt(b, '.', hooks) ||
		// K (U+212A) and ſ (U+017F).
		bytes.Contains(b, []byte("\u212a")) || bytes.Contains(b, []byte("\u017f"))
}

// anyAt reports whether ok holds at some index of b holding the byte c.
func anyAt(b []byte, c byte, ok func(i int) bool) bool {
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], c)
		if j < 0 {
			return false
		}
		if i += j; ok(i) {
			return true
		}
	}
}

// foldEq reports whether b starts with the lower-case ASCII word w in any
// letter case (c|0x20 is a lower-case letter only for that letter's two
// cases).
func foldEq(b []byte, w string) bool {
	if len(b) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if b[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}
