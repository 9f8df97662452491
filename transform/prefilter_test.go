package transform

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// passes reports whether the prefilter lets text through to pattern p.
func prefilterPasses(t testing.TB, pattern, text string) bool {
	t.Helper()
	var p prefilter
	var d literalDeriver
	w, err := p.words(&d, nil, pattern, "")
	if err != nil {
		t.Fatal(err)
	}
	p.build(&d)
	p.scan(text, strings.ToLower(text))
	return p.all(w.pattern)
}

func TestRequiredLiterals(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    [][]string
	}{
		{`(?i)\bback to normal\b`, [][]string{{"back to normal"}}},
		{`(?i)(is|are)\s+(now\s+)?resolved`, [][]string{{"resolved"}}},
		{`(?i)\b(fixed|resolved)( now)?\b`, [][]string{{"fixed", "resolved"}}},
		{`(?i)(rolled back|\bback to normal\b|recovered)`, [][]string{{"back to normal", "recovered", "rolled back"}}},
		{`(?i)\b(has|have)\s+(recovered|returned)\b`, [][]string{{"has", "have"}, {"recovered", "returned"}}},
		{`Status: (?P<value>\w+)`, [][]string{{"status: "}}},
		// An alternative that requires nothing: nothing is required.
		{`(?i)(resolved|\d+ errors?|.*)`, nil},
		// Too short to be worth requiring.
		{`(?i)\b(ok|up)\b`, nil},
		{`.*`, nil},
	} {
		var d literalDeriver
		re, err := syntax.Parse(c.pattern, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.requiredLiterals(re); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("requiredLiterals(%s) = %q; want %q", c.pattern, got, c.want)
		}
	}
}

// TestPrefilterFoldOffenders: (?i)s also matches 'ſ' (U+017F), which
// lowercases to itself, and (?i)k matches the Kelvin sign, which
// lowercases to k: the prefilter must let both through.
func TestPrefilterFoldOffenders(t *testing.T) {
	for _, c := range []struct{ pattern, text string }{
		{`(?i)status\b`, "ſtatus"},
		{`(?i)\bstatus\b`, "STATUS"},
		{`(?i)\bbac` + "k", "bac\u212A"},
		{`(?i)straße`, "STRAßE"},
		{`Résolu`, "RÉSOLU Résolu"},
		{`✅ done`, "✅ done"},
	} {
		if !regexp.MustCompile(c.pattern).MatchString(c.text) {
			t.Fatalf("%s does not match %q", c.pattern, c.text)
		}
		if !prefilterPasses(t, c.pattern, c.text) {
			t.Errorf("prefilter of %s rejects %q, which it matches", c.pattern, c.text)
		}
	}
	if prefilterPasses(t, `(?i)\bstatus\b`, "nothing to see") {
		t.Error("prefilter of status lets through a text without it")
	}
}

// TestFoldedLowercase: every rune that (?i) matches with an ASCII letter
// lowercases to that letter, but 'ſ', which the prefilter must note.
func TestFoldedLowercase(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 0x80 && unicode.IsLetter(f) && unicode.ToLower(r) != unicode.ToLower(f) && r != 'ſ' {
				t.Errorf("%U folds to %q but lowercases to %U", r, f, unicode.ToLower(r))
			}
		}
	}
	var d literalDeriver
	d.lowerLiteral([]rune("status"), true)
	if !slices.Equal(d.offenders, []rune{'ſ'}) {
		t.Errorf("offenders of (?i)status = %q; want ſ", d.offenders)
	}
}

// checkPrefilterKeepsMatches fails when a default recogniser's pattern or
// unless pattern matches text that its prefilter would skip, or when its
// alternatives run alone disagree with the whole pattern.
func checkPrefilterKeepsMatches(t *testing.T, cls *classifier, text string) {
	m := &message{content: normalise(text)}
	m.lower = strings.ToLower(m.content)
	cls.pre.scan(m.content, m.lower)
	for _, r := range cls.rules {
		if r.pattern.MatchString(m.content) && !cls.pre.all(r.words.pattern) {
			t.Errorf("%s matches %q but its prefilter skips it", r.name, m.content)
		}
		if got, want := cls.pre.matches(&r.words, r.pattern, m.content), r.pattern.MatchString(m.content); got != want {
			t.Errorf("%s: alternative by alternative, match of %q = %v; the whole pattern says %v", r.name, m.content, got, want)
		}
		if r.unless != nil && r.unless.MatchString(m.content) && !cls.pre.all(r.words.unless) {
			t.Errorf("%s's unless matches %q but its prefilter skips it", r.name, m.content)
		}
	}
}

func TestPrefilterKeepsEveryMatch(t *testing.T) {
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	for _, text := range prefilterSeeds() {
		checkPrefilterKeepsMatches(t, cls, text)
		for _, r := range cls.rules {
			if r.pattern.MatchString(normalise(text)) {
				matched++
			}
		}
	}
	if matched < 40 {
		t.Errorf("the seeds match %d times; want texts the recognisers read", matched)
	}
}

// prefilterSeeds are texts recognisers match: the benchmark mix and the
// people's-language phrases.
func prefilterSeeds() []string {
	var out []string
	for _, b := range benchMix {
		out = append(out, b.text)
	}
	return append(out,
		"Everything is back to normal now.", "The service is now fully operational.", "We have fully restored service.",
		"Between 14:02 and 15:10 UTC some customers saw errors.", "From 2:05pm to 3pm PST checkout was degraded",
		"A fix has been implemented and we are monitoring the results.", "mitigated by rolling back the deploy",
		"ſtatus: ReſOLVED", "STATUS CHANGED FROM INVESTIGATING → RESOLVED", "/incident resolve", "/inc declare sev2 checkout down",
		"Severity: SEV1", "impact started at 13:55 UTC", "errors since 14:00", "this is a drill, please ignore",
		"I'm looking into it", "on it", "ack", "closing this out", "all clear ✅", "Post-mortem: https://docs.example.com/pm/1",
		"The incident <#C123|inc-1> has been resolved by <@U1>", "regression test added in https://github.com/acme/checkout/pull/1")
}

// FuzzPrefilter: no text a recogniser matches is skipped by its prefilter.
func FuzzPrefilter(f *testing.F) {
	for _, s := range prefilterSeeds() {
		f.Add(s)
	}
	cfg, err := config.Default()
	if err != nil {
		f.Fatal(err)
	}
	cls, err := newClassifier(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkPrefilterKeepsMatches(t, cls, text)
	})
}

// TestAlternativesSplit: a recogniser's top-level alternatives run alone
// only when each compiles to what it is inside the pattern.
func TestAlternativesSplit(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    int
	}{
		{`(?i)(\bback to normal\b|(is|are) (fully )?restored|^fixed[.!]?$)`, 3},
		{`(?i)\b(all clear|resolved)\b`, 0}, // one alternation inside a concatenation
		{`(?i)(\d+|.*)`, 0},                 // no alternative with a filter
	} {
		var p prefilter
		var d literalDeriver
		w, err := p.words(&d, nil, c.pattern, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(w.branches) != c.want {
			t.Errorf("%s: %d alternatives; want %d", c.pattern, len(w.branches), c.want)
		}
	}
}

// TestURLLinkGuardsAreRequired: urlLinks runs each link pattern only on a
// text holding one of its guard strings, which is right only if every
// match of the pattern holds one; the prefilter's derivation proves it
// from the pattern itself, so a pattern edited without its guard fails
// here.
func TestURLLinkGuardsAreRequired(t *testing.T) {
	for _, c := range []struct {
		re     *regexp.Regexp
		guards []string
	}{
		{ghPR, []string{"/pull/"}},
		{ghCommit, []string{"/commit/"}},
		{glMR, []string{"/-/merge_requests/"}},
		{glCommit, []string{"/-/commit"}},
		{ticket, []string{".atlassian.net/browse/", "linear.app/"}},
	} {
		parsed, err := syntax.Parse(c.re.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		var d literalDeriver
		sets := d.requiredLiterals(parsed)
		// Case-sensitive patterns: a lowercase string the derivation
		// requires is the text's own only when the pattern holds no
		// (?i) and no upper-case literal folds into the guard.
		if strings.Contains(c.re.String(), "(?i") {
			t.Fatalf("%s: case-insensitive; the guards are case-sensitive", c.re)
		}
		covered := slices.ContainsFunc(sets, func(set []string) bool {
			return !slices.ContainsFunc(set, func(s string) bool {
				return !slices.ContainsFunc(c.guards, func(g string) bool { return strings.Contains(s, g) })
			})
		})
		if !covered {
			t.Errorf("%s: no set of strings every match holds is covered by the guards %q (sets %q)", c.re, c.guards, sets)
		}
	}
}
