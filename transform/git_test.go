package transform

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitCheckerResolvesEachRefOnce: links that name the same pull request
// or commit are resolved by one run of git, whatever their number. In a
// workspace whose incident channels hold long deploy chatter (the
// few-channels benchmark shape: 8 channels of 124k messages) the checker
// ran git once per link, and transform took 105 s, most of it in git.
func TestGitCheckerResolvesEachRefOnce(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := filepath.Join(t.TempDir(), "repo")
	for _, args := range [][]string{
		{"init", "-q", dir},
		{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "Fix checkout retries (#12)"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	const repo = "https://github.com/acme/checkout"
	g := newGitChecker(map[string]string{repo: dir}, []string{repo}, []string{"*_test.go"})
	links := func() []link {
		return []link{
			{kind: "pull_request", repoURL: repo, ref: "12"},
			{kind: "pull_request", repoURL: repo, ref: "99"},
			{kind: "sha", ref: "0123456789abcdef"},
		}
	}
	check := func(ls []link) {
		for i := range ls {
			if err := g.check(context.Background(), &ls[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	first := links()
	check(first)
	once := g.runs
	for range 5 {
		again := links()
		check(again)
		for i := range again {
			if again[i].check != first[i].check || again[i].commit != first[i].commit {
				t.Errorf("link %d checked again: %s %s; first %s %s", i, again[i].check, again[i].commit, first[i].check, first[i].commit)
			}
		}
	}
	if first[0].check != "no_tests" || first[1].check != "not_found" || first[2].check != "not_found" {
		t.Errorf("checks %s, %s, %s; want no_tests, not_found, not_found", first[0].check, first[1].check, first[2].check)
	}
	if g.runs != once {
		t.Errorf("checking the same three links six times ran git %d times; the first check ran it %d times", g.runs, once)
	}
}

// TestGitCheckerPrefetchAgreesWithResolve: the commits links name are
// resolved by one git process per repository, and every link ends with the
// same commit and check as when each is resolved alone: full and short
// hashes, a missing one, a ref too short to be a hash, a bare sha, and a
// repository without a clone.
func TestGitCheckerPrefetchAgreesWithResolve(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := filepath.Join(t.TempDir(), "repo")
	run := func(args ...string) string {
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	run("commit", "-q", "--allow-empty", "-m", "one")
	one := run("rev-parse", "HEAD")
	run("commit", "-q", "--allow-empty", "-m", "two")
	two := run("rev-parse", "HEAD")
	const repo = "https://github.com/acme/checkout"
	links := func() []link {
		return []link{
			{kind: "commit", repoURL: repo, ref: one},
			{kind: "commit", repoURL: repo, ref: two[:9]},
			{kind: "commit", repoURL: repo, ref: "deadbeefdeadbeef"},
			{kind: "commit", repoURL: repo, ref: one[:1] + "0"}, // too short for hexRE
			{kind: "sha", ref: two},
			{kind: "commit", repoURL: "https://github.com/acme/other", ref: one},
		}
	}
	alone := links()
	ga := newGitChecker(map[string]string{repo: dir}, []string{repo}, nil)
	for i := range alone {
		if err := ga.check(context.Background(), &alone[i]); err != nil {
			t.Fatal(err)
		}
	}
	batched := links()
	gb := newGitChecker(map[string]string{repo: dir}, []string{repo}, nil)
	ptrs := make([]*link, len(batched))
	for i := range batched {
		ptrs[i] = &batched[i]
	}
	if err := gb.prefetch(context.Background(), ptrs); err != nil {
		t.Fatal(err)
	}
	if gb.runs != 1 {
		t.Errorf("prefetch ran git %d times for one repository; want 1", gb.runs)
	}
	before := gb.runs
	for i := range batched {
		if err := gb.check(context.Background(), &batched[i]); err != nil {
			t.Fatal(err)
		}
		if batched[i].commit != alone[i].commit || batched[i].check != alone[i].check {
			t.Errorf("link %d (%s %s): prefetched %q %s; alone %q %s", i, batched[i].kind, batched[i].ref,
				batched[i].commit, batched[i].check, alone[i].commit, alone[i].check)
		}
	}
	// After the prefetch only the diffs of the two commits found run git.
	if n := gb.runs - before; n != 2 {
		t.Errorf("checking the prefetched links ran git %d times; want 2 (one diff per commit found)", n)
	}
	if alone[0].commit != one || alone[1].commit != two || alone[2].check != "not_found" || alone[4].commit != two || alone[5].check != "no_clone" {
		t.Errorf("resolved alone: %+v", alone)
	}
}
