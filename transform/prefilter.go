package transform

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The recognisers' prefilter. Most messages match no recogniser, and Go's
// regexp engine costs microseconds a message however early it fails, so
// classify first asks a cheaper question: does the message contain the
// words a pattern cannot match without? Those words are derived from the
// pattern itself (requiredLiterals), so the prefilter works for any
// recogniser a user configures, and it never changes what is recognised:
// it only skips a regexp that could not have matched.
//
// All the words (the rules' keywords and the derived ones) are found in
// one pass over the lowercased message by an Aho-Corasick automaton.

// maxLiteralSet bounds a set of alternative strings: a larger set is not
// worth its memory (the pattern is then matched without this filter).
const maxLiteralSet = 64

// minUsefulLiteral is the shortest string worth requiring: shorter ones
// appear in almost every message.
const minUsefulLiteral = 3

// literalInfo is what a regular expression says about the text it
// matches, lowercased: exact, when not nil, lists every string a match can
// be; all lists sets of strings each of which holds at least one string
// that every match contains.
type literalInfo struct {
	exact []string
	all   [][]string
}

// literalDeriver derives literalInfo, noting the runes whose lowercase
// differs from that of a rune they fold to under (?i) (such as 'ſ',
// which matches (?i)s but lowercases to itself): a message holding one
// is matched without the derived filter.
type literalDeriver struct {
	offenders []rune
}

// requiredLiterals returns sets of lowercase strings: every match of re
// contains, lowercased, at least one string of each set. None when
// nothing useful can be said.
func (d *literalDeriver) requiredLiterals(re *syntax.Regexp) [][]string {
	info := d.derive(re.Simplify())
	sets := info.all
	if info.exact != nil {
		sets = append(sets, info.exact)
	}
	var out [][]string
	for _, s := range sets {
		s = minimal(s)
		if useful(s) && !slices.ContainsFunc(out, func(o []string) bool { return slices.Equal(o, s) }) {
			out = append(out, s)
		}
	}
	return out
}

// minimal drops the strings of a set that hold another of its strings:
// a text holding the longer one holds the shorter.
func minimal(set []string) []string {
	var out []string
	for _, s := range set {
		if !slices.ContainsFunc(set, func(t string) bool { return t != s && strings.Contains(s, t) }) {
			out = append(out, s)
		}
	}
	return out
}

func useful(set []string) bool {
	if len(set) == 0 || len(set) > maxLiteralSet {
		return false
	}
	for _, s := range set {
		if len(s) < minUsefulLiteral {
			return false
		}
	}
	return true
}

// score ranks a set as a filter: the longer its shortest string, the
// fewer messages pass it.
func score(set []string) int {
	if len(set) == 0 || len(set) > maxLiteralSet {
		return -1
	}
	n := len(set[0])
	for _, s := range set {
		n = min(n, len(s))
	}
	return n*1000 - len(set)
}

// best is the most selective set info knows of, or nil.
func (i literalInfo) best() []string {
	var b []string
	for _, s := range append(slices.Clone(i.all), i.exact) {
		if score(s) > score(b) && score(s) >= 1000 {
			b = s
		}
	}
	return b
}

var emptyString = []string{""}

func (d *literalDeriver) derive(re *syntax.Regexp) literalInfo {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return literalInfo{exact: emptyString}
	case syntax.OpLiteral:
		s, ok := d.lowerLiteral(re.Rune, re.Flags&syntax.FoldCase != 0)
		if !ok {
			return literalInfo{}
		}
		return literalInfo{exact: []string{s}}
	case syntax.OpCharClass:
		return literalInfo{exact: classStrings(re.Rune)}
	case syntax.OpCapture:
		return d.derive(re.Sub[0])
	case syntax.OpQuest:
		sub := d.derive(re.Sub[0])
		if sub.exact != nil && len(sub.exact) < maxLiteralSet {
			return literalInfo{exact: union(sub.exact, emptyString)}
		}
		return literalInfo{}
	case syntax.OpPlus, syntax.OpRepeat:
		if re.Op == syntax.OpRepeat && re.Min == 0 {
			return literalInfo{}
		}
		// At least once: whatever the sub-pattern needs, the match needs.
		sub := d.derive(re.Sub[0])
		all := sub.all
		if sub.exact != nil {
			all = append(all, sub.exact)
		}
		return literalInfo{all: all}
	case syntax.OpConcat:
		var out literalInfo
		cur, exact := emptyString, true
		for _, sub := range re.Sub {
			si := d.derive(sub)
			out.all = append(out.all, si.all...)
			if si.exact != nil && len(cur)*len(si.exact) <= maxLiteralSet {
				cur = cross(cur, si.exact)
				continue
			}
			exact = false
			out.all = append(out.all, cur)
			cur = emptyString
			if si.exact != nil {
				cur = si.exact
			}
		}
		if exact {
			return literalInfo{exact: cur}
		}
		out.all = append(out.all, cur)
		return out
	case syntax.OpAlternate:
		subs := make([]literalInfo, len(re.Sub))
		exact := []string{}
		for i, sub := range re.Sub {
			subs[i] = d.derive(sub)
			if exact != nil && subs[i].exact != nil && len(exact)+len(subs[i].exact) <= maxLiteralSet {
				exact = union(exact, subs[i].exact)
			} else {
				exact = nil
			}
		}
		if exact != nil {
			return literalInfo{exact: exact}
		}
		// Every match matches one alternative, so holds a string of
		// that alternative's best set.
		var set []string
		for _, s := range subs {
			b := s.best()
			if b == nil {
				return literalInfo{}
			}
			set = union(set, b)
		}
		return literalInfo{all: [][]string{set}}
	}
	// Any character, stars: nothing is required.
	return literalInfo{}
}

// lowerLiteral lowercases a literal as strings.ToLower lowercases the text
// it matches. Under (?i) a rune also matches the runes it folds to, which
// must lowercase to the same rune, or be noted as offenders.
func (d *literalDeriver) lowerLiteral(runes []rune, fold bool) (string, bool) {
	b := make([]byte, 0, len(runes))
	for _, r := range runes {
		if r == utf8.RuneError {
			return "", false // matches invalid UTF-8, which lowercases to U+FFFD
		}
		l := unicode.ToLower(r)
		if fold {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if unicode.ToLower(f) != l {
					if f < utf8.RuneSelf {
						return "", false
					}
					if !slices.Contains(d.offenders, f) {
						d.offenders = append(d.offenders, f)
					}
				}
			}
		}
		b = utf8.AppendRune(b, l)
	}
	return string(b), true
}

// classStrings lists the lowercase runes a small character class matches:
// the text holds the rune it matched, so its lowercase holds the rune's.
func classStrings(ranges []rune) []string {
	n := 0
	for i := 0; i < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
		if n > maxLiteralSet*2 {
			return nil
		}
	}
	var out []string
	for i := 0; i < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if r == utf8.RuneError {
				return nil
			}
			out = union(out, []string{string(unicode.ToLower(r))})
		}
	}
	if len(out) > maxLiteralSet {
		return nil
	}
	return out
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// literalSet finds a fixed list of strings in a text in one pass
// (Aho-Corasick over bytes, with the alphabet reduced to the bytes the
// strings use).
type literalSet struct {
	class   [256]uint8
	classes int
	next    []int32   // state*classes + class -> state
	out     [][]int32 // state -> ids of the strings ending there
	strs    []string
}

// id returns the id of s in the set being built, adding it.
func (l *literalSet) id(s string) int32 {
	if i := slices.Index(l.strs, s); i >= 0 {
		return int32(i)
	}
	l.strs = append(l.strs, s)
	return int32(len(l.strs) - 1)
}

// build makes the automaton for the strings added with id.
func (l *literalSet) build() {
	l.classes = 1
	for _, s := range l.strs {
		for i := 0; i < len(s); i++ {
			if l.class[s[i]] == 0 {
				l.class[s[i]] = uint8(l.classes)
				l.classes++
			}
		}
	}
	// The trie.
	goTo := []map[uint8]int32{{}}
	l.out = [][]int32{nil}
	for id, s := range l.strs {
		st := int32(0)
		for i := 0; i < len(s); i++ {
			c := l.class[s[i]]
			nx, ok := goTo[st][c]
			if !ok {
				nx = int32(len(goTo))
				goTo = append(goTo, map[uint8]int32{})
				l.out = append(l.out, nil)
				goTo[st][c] = nx
			}
			st = nx
		}
		l.out[st] = append(l.out[st], int32(id))
	}
	// Breadth first: failure links, merged outputs, full transitions.
	n := len(goTo)
	l.next = make([]int32, n*l.classes)
	fail := make([]int32, n)
	queue := []int32{}
	for c := 1; c < l.classes; c++ {
		if nx, ok := goTo[0][uint8(c)]; ok {
			l.next[c] = nx
			queue = append(queue, nx)
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		l.out[st] = append(l.out[st], l.out[fail[st]]...)
		for c := 1; c < l.classes; c++ {
			if nx, ok := goTo[st][uint8(c)]; ok {
				fail[nx] = l.next[int(fail[st])*l.classes+c]
				l.next[int(st)*l.classes+c] = nx
				queue = append(queue, nx)
			} else {
				l.next[int(st)*l.classes+c] = l.next[int(fail[st])*l.classes+c]
			}
		}
	}
}

// find marks in seen (indexed by id) with stamp every string of the set
// that s contains.
func (l *literalSet) find(s string, seen []uint32, stamp uint32) {
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = l.next[int(st)*l.classes+int(l.class[s[i]])]
		for _, id := range l.out[st] {
			seen[id] = stamp
		}
	}
}

// prefilter is a classifier's: the literal set of all its rules and the
// offender runes (see literalDeriver), with the scratch of one message.
type prefilter struct {
	lits      literalSet
	offenders []rune
	seen      []uint32
	stamp     uint32
	// unsafe: the message holds an offender, so derived sets do not apply.
	unsafe bool
}

// words is a rule's part of the prefilter: its keywords (any one must be in
// the lowercased message) and the sets derived from its pattern and its
// unless pattern.
type words struct {
	keywords []int32 // nil: no keyword filter
	pattern  [][]int32
	unless   [][]int32
	// branches, when the pattern is an alternation, are its alternatives
	// compiled alone with the sets each requires: the pattern matches a
	// text if and only if one of them does, and most texts that pass the
	// pattern's filter pass the filters of few alternatives.
	branches []branch
}

type branch struct {
	re      *regexp.Regexp
	pattern [][]int32
}

// matches reports whether the pattern of w (whose full regexp is re)
// matches text, running only the alternatives the message can match.
func (p *prefilter) matches(w *words, re *regexp.Regexp, text string) bool {
	if w.branches == nil || p.unsafe {
		return re.MatchString(text)
	}
	for i := range w.branches {
		b := &w.branches[i]
		if p.all(b.pattern) && b.re.MatchString(text) {
			return true
		}
	}
	return false
}

// alternatives splits a top-level alternation (inside capturing groups)
// into regexps of its own, or returns nil. An alternative is used only if
// its printed form compiles to the very program it is inside the pattern
// (groups aside), so the split cannot change what matches.
func (p *prefilter) alternatives(d *literalDeriver, re *syntax.Regexp) []branch {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpAlternate {
		return nil
	}
	var out []branch
	filtered := false
	for _, sub := range re.Sub {
		// Groups change nothing about whether a text matches.
		bare := withoutCaptures(sub)
		src := bare.String()
		back, err := syntax.Parse(src, syntax.Perl)
		if prog := program(bare); err != nil || prog == "" || program(back) != prog {
			return nil
		}
		bre, err := regexp.Compile(src)
		if err != nil {
			return nil
		}
		b := branch{re: bre, pattern: p.derived(d, sub)}
		filtered = filtered || len(b.pattern) > 0
		out = append(out, b)
	}
	if !filtered {
		return nil
	}
	return out
}

func (p *prefilter) ids(set []string) []int32 {
	out := make([]int32, len(set))
	for i, s := range set {
		out[i] = p.lits.id(s)
	}
	return out
}

// derived returns the ids of the sets re requires.
func (p *prefilter) derived(d *literalDeriver, re *syntax.Regexp) [][]int32 {
	var out [][]int32
	for _, set := range d.requiredLiterals(re) {
		out = append(out, p.ids(set))
	}
	return out
}

func (p *prefilter) build(d *literalDeriver) {
	p.lits.build()
	p.offenders = d.offenders
	p.seen = make([]uint32, len(p.lits.strs))
}

// scan reads one message: which strings its lowercase holds, and whether
// it holds an offender.
func (p *prefilter) scan(content, lower string) {
	p.stamp++
	if p.stamp == 0 {
		clear(p.seen)
		p.stamp = 1
	}
	p.lits.find(lower, p.seen, p.stamp)
	p.unsafe = false
	if len(p.offenders) > 0 && !isASCII(content) {
		for _, r := range content {
			if slices.Contains(p.offenders, r) {
				p.unsafe = true
				break
			}
		}
	}
}

// any reports whether the message holds one of the strings ids.
func (p *prefilter) any(ids []int32) bool {
	for _, id := range ids {
		if p.seen[id] == p.stamp {
			return true
		}
	}
	return false
}

// all reports whether the message holds a string of each set; an unsafe
// message passes.
func (p *prefilter) all(sets [][]int32) bool {
	if p.unsafe {
		return true
	}
	for _, set := range sets {
		if !p.any(set) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// words compiles a rule's keywords and the literals its pattern and unless
// pattern require (parsed as regexp.Compile parses them).
func (p *prefilter) words(d *literalDeriver, keywords []string, pattern, unless string) (words, error) {
	var w words
	if len(keywords) > 0 && !slices.Contains(keywords, "") {
		w.keywords = p.ids(keywords)
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return w, err
	}
	w.pattern = p.derived(d, re)
	w.branches = p.alternatives(d, re)
	if unless != "" {
		if re, err = syntax.Parse(unless, syntax.Perl); err != nil {
			return w, err
		}
		w.unless = p.derived(d, re)
	}
	return w, nil
}

// withoutCaptures returns a copy of re with its capturing groups replaced
// by what they hold.
func withoutCaptures(re *syntax.Regexp) *syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	c := *re
	c.Sub = make([]*syntax.Regexp, len(re.Sub))
	for i, sub := range re.Sub {
		c.Sub[i] = withoutCaptures(sub)
	}
	c.Sub0 = [1]*syntax.Regexp{}
	c.Rune = slices.Clone(re.Rune)
	c.Rune0 = [2]rune{}
	return &c
}

// program is the text of the program re compiles to, or "" if it does not.
func program(re *syntax.Regexp) string {
	p, err := syntax.Compile(re.Simplify())
	if err != nil {
		return ""
	}
	return p.String()
}
