package samplegen

// Fixes: the pull requests incidents link to, planned before the
// repositories are built so their SHAs can be quoted in Slack.

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// planFixes orders each repository's fixes by merge time and numbers the
// pull requests. Only fixes whose link is posted before End exist.
func (p *plan) planFixes(r *rnd) {
	for _, inc := range p.incidents {
		if inc.fix != nil && inc.fixLinkAt > p.end {
			inc.fix = nil
			inc.fixLinks = nil
		}
		if inc.fix != nil {
			inc.fix.repo.fixes = append(inc.fix.repo.fixes, inc.fix)
		}
	}
	for _, rp := range p.cat.repos {
		slices.SortStableFunc(rp.fixes, func(a, b *fix) int { return cmp.Compare(a.at, b.at) })
		pr := 100 + r.IntN(400)
		for _, f := range rp.fixes {
			pr += 1 + r.IntN(9)
			f.pr = pr
			f.sources = []string{pick(r, rp.sources)}
			if r.chance(0.3) {
				if s := pick(r, rp.sources); s != f.sources[0] {
					f.sources = append(f.sources, s)
				}
			}
			if f.withTests {
				f.newTest = r.chance(0.5)
				if f.newTest {
					f.testFile = newTestPath(rp, f.pr)
				} else {
					f.testFile = pick(r, rp.tests)
				}
			}
		}
	}
}

func newTestPath(rp *repo, pr int) string {
	switch rp.lang {
	case "go":
		return fmt.Sprintf("%s/regression_%d_test.go", dirOf(rp.sources[0]), pr)
	case "python":
		return fmt.Sprintf("tests/regression/test_pr_%d.py", pr)
	case "typescript":
		return fmt.Sprintf("src/__tests__/regression-%d.test.ts", pr)
	case "ruby":
		return fmt.Sprintf("spec/regression/pr_%d_spec.rb", pr)
	}
	return fmt.Sprintf("tests/regression_%d", pr)
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i]
	}
	return "."
}
