// Package redact removes Slack secrets from text before it is stored,
// logged or returned in an error.
//
// Two kinds are removed: Slack tokens (xoxb-, xoxp-, xoxe-, xoxe.xoxp-, …)
// anywhere, and the value of a t= or token= query parameter, which is how
// Slack exports put a token on every file URL. The same two patterns are
// applied in SQL by ingest (see SQLPatterns) so stored JSON and Go strings
// are redacted identically.
package redact

import (
	"regexp"
	"strings"
)

// Replacement stands in for each removed secret.
const Replacement = "REDACTED"

// The patterns are RE2, valid both for Go's regexp and DuckDB's regexp_replace.
const (
	tokenPattern = `xox[a-z](?:\.xox[a-z])?-[0-9A-Za-z-]+`
	paramPattern = `([?&](?:t|token)=)[^&"\s\\<>|#]+`
)

var (
	tokenRE = regexp.MustCompile(tokenPattern)
	paramRE = regexp.MustCompile(paramPattern)
)

// String returns s with every Slack token and every t=/token= query value
// replaced by Replacement.
func String(s string) string {
	if !MayContain(s) {
		return s
	}
	s = paramRE.ReplaceAllString(s, "${1}"+Replacement)
	return tokenRE.ReplaceAllString(s, Replacement)
}

// MayContain is a cheap pre-check: false means String(s) == s.
func MayContain(s string) bool {
	return strings.Contains(s, "xox") || strings.Contains(s, "t=") || strings.Contains(s, "token=")
}

// SQLPatterns returns the token and parameter patterns for DuckDB's
// regexp_replace, in the order String applies them (parameter first).
func SQLPatterns() (param, token string) { return paramPattern, tokenPattern }

// Token hides a secret the caller knows, such as the configured API token,
// wherever it appears in s.
func Token(s, secret string) string {
	if len(secret) < 4 {
		return s
	}
	return strings.ReplaceAll(s, secret, Replacement)
}
