package transform

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var sigShape = regexp.MustCompile(`^([a-z0-9]+( [a-z0-9]+)*)?$`)

// The recurrence signature is a normal form: plain lowercase words, none of
// them a stopword, a service word or a single letter; normalising it again
// changes nothing; and the ids, numbers, hosts, addresses and versions
// that differ between two occurrences of one failure do not change it.
func FuzzSignature(f *testing.F) {
	for _, s := range []string{
		"ErrorSpikeAfterConfigChange",
		"[checkout] Error spike on checkout after config change",
		"NodeDiskSpaceLow billing (prod)",
		"checkout-api in CrashLoopBackOff after deploy v2026.2.2",
		"Replica lag of 557s on the db (host db-12.prod.internal)",
		"[FIRING:3] KubePodCrashLooping payments-7f9c6d5b8-x2x9z",
		"INC-1234: 502s from 10.0.3.17:8443 :fire:",
		"abc1x",
	} {
		f.Add(s, "", uint32(12), uint32(3818))
	}
	skip := map[string]bool{"checkout": true, "billing": true}
	f.Fuzz(func(t *testing.T, prefix, suffix string, n1, n2 uint32) {
		text := prefix + suffix
		sig := signature(text, skip)
		if !sigShape.MatchString(sig) {
			t.Fatalf("signature(%q) = %q, not plain lowercase words", text, sig)
		}
		for _, w := range strings.Fields(sig) {
			if sigStopword[w] || skip[w] || len(w) < 2 {
				t.Fatalf("signature(%q) = %q keeps %q", text, sig, w)
			}
		}
		if again := signature(sig, skip); again != sig {
			t.Fatalf("signature(%q) = %q, but signature of that = %q", text, sig, again)
		}
		// One failure, two occurrences: only the variable part differs.
		for _, form := range []string{"%d", "inc-%d", "#%d", "web-%d.prod.internal", "10.0.%d.%[1]d", "v1.%d.0", "%dms", "%07x"} {
			x1, x2 := fmt.Sprintf(form, n1), fmt.Sprintf(form, n2)
			if !strings.ContainsAny(x1, "0123456789") || !strings.ContainsAny(x2, "0123456789") {
				continue // a hash of letters alone is a word ("deadbeef", "facade"): kept by design
			}
			a, b := prefix+" "+x1+" "+suffix, prefix+" "+x2+" "+suffix
			if sa, sb := signature(a, skip), signature(b, skip); sa != sb {
				t.Fatalf("signature(%q) = %q but signature(%q) = %q", a, sa, b, sb)
			}
		}
	})
}

var (
	digits = regexp.MustCompile(`^\d+$`)
	hexRef = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
)

// The link extractor returns each link once, each one text of a message:
// PR numbers are numbers, commits are hex, repository URLs are normal
// (https, lowercase, no .git, no trailing slash), bare SHAs come only from
// people and never from inside a URL, postmortems are URLs a postmortem
// recogniser read; extracting again gives the same.
func FuzzExtractLinks(f *testing.F) {
	for _, s := range []string{
		"fix: https://github.com/acme/checkout/pull/123",
		"reverted in https://github.com/Acme/Checkout.git/commit/3f2a9c1d",
		"https://github.example.com/acme/api/pull/7/commits/abcdef1234567",
		"MR https://gitlab.com/group/sub/proj/-/merge_requests/55 and https://gitlab.com/group/proj/-/commit/0123456789abcdef",
		"ticket https://acme.atlassian.net/browse/OPS-123 linear https://linear.app/acme/issue/ENG-9-flaky",
		"fixed in 3f2a9c1, deployed 9b8c7d6e5f",
		"<https://github.com/acme/checkout/pull/9|#9> merged",
		"postmortem: https://docs.example.com/postmortem-42",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	cls := fuzzClassifier(f, hasEvent("postmortem"))
	f.Fuzz(func(t *testing.T, text string, person bool) {
		cl := bot
		if person {
			cl = human
		}
		m := fuzzMessage(text, cl, "", 0)
		m.signals = cls.classify(m)
		links := extractLinks([]*message{m}, m.signals)
		if len(links) > len(m.content)/4+1 {
			t.Fatalf("%d links in %d bytes", len(links), len(m.content))
		}
		seen := map[string]bool{}
		urls := strings.Join(urlRE.FindAllString(m.content, -1), " ")
		for _, l := range links {
			key := l.kind + " " + l.repoURL + " " + l.ref + " " + l.url
			if seen[key] {
				t.Fatalf("link %q twice", key)
			}
			seen[key] = true
			if l.msg != m || !strings.Contains(m.content, l.url) || !strings.Contains(l.url, l.ref) {
				t.Fatalf("link %+v is not text of %q", l, m.content)
			}
			switch l.kind {
			case "pull_request":
				if !digits.MatchString(l.ref) {
					t.Fatalf("pull request %q has ref %q", l.url, l.ref)
				}
			case "commit", "sha":
				if !hexRef.MatchString(l.ref) {
					t.Fatalf("commit %q has ref %q", l.url, l.ref)
				}
			case "ticket":
			case "postmortem":
				if !strings.HasPrefix(l.url, "http") {
					t.Fatalf("postmortem link %q is not a URL", l.url)
				}
			default:
				t.Fatalf("unknown link kind %q", l.kind)
			}
			if l.kind == "pull_request" || l.kind == "commit" {
				r := l.repoURL
				if !strings.HasPrefix(r, "https://") || r != strings.ToLower(r) || strings.HasSuffix(r, ".git") || strings.HasSuffix(r, "/") {
					t.Fatalf("repository URL %q of %q is not normal", r, l.url)
				}
			}
			if l.kind == "sha" && (!person || strings.Contains(urls, l.ref)) {
				t.Fatalf("bare SHA %q taken from a bot or a URL in %q", l.ref, m.content)
			}
		}
		again := extractLinks([]*message{m}, m.signals)
		if fmt.Sprint(len(again)) != fmt.Sprint(len(links)) {
			t.Fatalf("extractLinks is not deterministic: %d then %d links", len(links), len(again))
		}
	})
}
