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
