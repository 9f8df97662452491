package transform

import (
	"context"
	"os"
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
	dir, run := testRepo(t)
	run("commit", "-q", "--allow-empty", "-m", "Fix checkout retries (#12)")
	const repo = "https://github.com/acme/checkout"
	g := newGitChecker(map[string]string{repo: dir}, []string{repo}, []string{"*_test.go"})
	links := func() []link {
		return []link{
			{kind: "pull_request", repoURL: repo, ref: "12"},
			{kind: "pull_request", repoURL: repo, ref: "99"},
			{kind: "sha", ref: "0123456789abcdef"},
		}
	}
	first := links()
	checkAll(t, g, first)
	once := g.runs
	for range 5 {
		again := links()
		checkAll(t, g, again)
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
	dir, run := testRepo(t)
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
	checkAll(t, ga, alone)
	batched := links()
	gb := newGitChecker(map[string]string{repo: dir}, []string{repo}, nil)
	ptrs := linkPointers(batched)
	if err := gb.prefetch(context.Background(), ptrs); err != nil {
		t.Fatal(err)
	}
	if gb.runs != 1 {
		t.Errorf("prefetch ran git %d times for one repository; want 1", gb.runs)
	}
	before := gb.runs
	checkLikeAlone(t, gb, batched, alone)
	// After the prefetch only the diffs of the two commits found run git.
	if n := gb.runs - before; n != 2 {
		t.Errorf("checking the prefetched links ran git %d times; want 2 (one diff per commit found)", n)
	}
	if alone[0].commit != one || alone[1].commit != two || alone[2].check != "not_found" || alone[4].commit != two || alone[5].check != "no_clone" {
		t.Errorf("resolved alone: %+v", alone)
	}
}

// TestGitCheckerPrefetchPullRequests: pull requests that no commit subject
// names are looked up in the clone's pull-request refs by the prefetch's
// one git process per repository, not by four `git rev-parse` runs each
// (the few-channels benchmark's 1,329 pull requests no clone held took 9 s
// of its transform), and every link ends as when resolved alone: merged by
// subject, by a merge ref (GitHub's and GitLab's), by a head ref diffed
// from its merge base, and absent.
func TestGitCheckerPrefetchPullRequests(t *testing.T) {
	dir, run := testRepo(t)
	run("commit", "-q", "--allow-empty", "-m", "Fix checkout retries (#12)")
	base := run("rev-parse", "HEAD")
	run("checkout", "-q", "-b", "topic")
	if err := os.WriteFile(filepath.Join(dir, "retry_test.go"), []byte("package x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("add", "retry_test.go")
	run("commit", "-q", "-m", "add a test")
	head := run("rev-parse", "HEAD")
	run("checkout", "-q", "main")
	run("commit", "-q", "--allow-empty", "-m", "unrelated")
	merge := run("rev-parse", "HEAD")
	run("update-ref", "refs/pull/20/merge", merge)
	run("update-ref", "refs/merge-requests/21/merge", merge)
	run("update-ref", "refs/pull/30/head", head)
	run("update-ref", "refs/merge-requests/31/head", head)

	const repo = "https://github.com/acme/checkout"
	links := func() []link {
		var ls []link
		for _, ref := range []string{"12", "20", "21", "30", "31", "99", "99", "7x"} {
			ls = append(ls, link{kind: "pull_request", repoURL: repo, ref: ref})
		}
		return ls
	}
	alone := links()
	ga := newGitChecker(map[string]string{repo: dir}, []string{repo}, []string{"*_test.go"})
	checkAll(t, ga, alone)
	batched := links()
	gb := newGitChecker(map[string]string{repo: dir}, []string{repo}, []string{"*_test.go"})
	ptrs := linkPointers(batched)
	if err := gb.prefetch(context.Background(), ptrs); err != nil {
		t.Fatal(err)
	}
	if gb.runs != 2 {
		t.Errorf("prefetch ran git %d times for one repository; want 2 (the subject index, one cat-file)", gb.runs)
	}
	before := gb.runs
	checkLikeAlone(t, gb, batched, alone)
	// After the prefetch: one diff per commit found (#12, the merge ref
	// shared by #20 and #21, the head shared by #30 and #31), one
	// merge-base per head ref (#30, #31), and four rev-parse runs for
	// "7x", which the prefetch does not batch.
	if n := gb.runs - before; n != 9 {
		t.Errorf("checking the prefetched links ran git %d times; want 9", n)
	}
	want := []struct{ commit, check string }{
		{base, "no_tests"}, {merge, "no_tests"}, {merge, "no_tests"}, {head, "touches_tests"}, {head, "touches_tests"},
		{"", "not_found"}, {"", "not_found"}, {"", "not_found"},
	}
	for i, w := range want {
		if alone[i].commit != w.commit || alone[i].check != w.check {
			t.Errorf("link %d (#%s) alone: %q %s; want %q %s", i, alone[i].ref, alone[i].commit, alone[i].check, w.commit, w.check)
		}
	}
}

// TestGitCheckerPrefetchDiffsAgreeWithChanged: the files of every commit
// the fix links resolve to are listed by one `git diff-tree --stdin` per
// repository, and equal what one diff-tree per commit lists: a root
// commit, an empty one, a merge (both parents' diffs, as the one-commit
// command gives them), a commit touching a test, one named twice.
func TestGitCheckerPrefetchDiffsAgreeWithChanged(t *testing.T) {
	dir, run := testRepo(t)
	write := func(name string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		run("add", name)
	}
	write("README")
	run("commit", "-q", "-m", "root")
	root := run("rev-parse", "HEAD")
	run("commit", "-q", "--allow-empty", "-m", "empty")
	empty := run("rev-parse", "HEAD")
	run("checkout", "-q", "-b", "topic")
	write("tests/retry_test.py")
	write("retry.py")
	run("commit", "-q", "-m", "retry with a test")
	tested := run("rev-parse", "HEAD")
	run("checkout", "-q", "main")
	write("other.go")
	run("commit", "-q", "-m", "other")
	run("merge", "-q", "--no-ff", "topic", "-m", "merge topic")
	merge := run("rev-parse", "HEAD")

	const repo = "https://github.com/acme/checkout"
	links := func() []link {
		var ls []link
		for _, ref := range []string{root, empty, tested, merge, tested[:10], "deadbeefdeadbeef"} {
			ls = append(ls, link{kind: "commit", repoURL: repo, ref: ref})
		}
		return append(ls, link{kind: "sha", ref: merge[:12]})
	}
	globs := []string{"tests/"}
	alone := links()
	ga := newGitChecker(map[string]string{repo: dir}, []string{repo}, globs)
	checkAll(t, ga, alone)
	batched := links()
	gb := newGitChecker(map[string]string{repo: dir}, []string{repo}, globs)
	ptrs := linkPointers(batched)
	if err := gb.prefetch(context.Background(), ptrs); err != nil {
		t.Fatal(err)
	}
	if err := gb.prefetchDiffs(context.Background(), ptrs); err != nil {
		t.Fatal(err)
	}
	if gb.runs != 2 {
		t.Errorf("the prefetches ran git %d times for one repository; want 2 (cat-file, diff-tree)", gb.runs)
	}
	before := gb.runs
	checkLikeAlone(t, gb, batched, alone)
	if n := gb.runs - before; n != 0 {
		t.Errorf("checking the prefetched links ran git %d times; want 0", n)
	}
	for _, sha := range []string{root, empty, tested, merge} {
		a, err := ga.changed(context.Background(), repo, sha, "")
		if err != nil {
			t.Fatal(err)
		}
		b := gb.files[repo+" .."+sha]
		if strings.Join(a, ",") != strings.Join(b, ",") {
			t.Errorf("files of %s: batched %q; alone %q", sha[:7], b, a)
		}
	}
	if alone[2].check != "touches_tests" || alone[3].check != "touches_tests" || alone[5].check != "not_found" || alone[0].check != "no_tests" {
		t.Errorf("checks alone: %+v", alone)
	}
}

// testRepo makes an empty git repository (branch main) and returns its
// folder and a function running git in it that returns its output; the
// test is skipped where git is not installed.
func testRepo(t *testing.T) (dir string, run func(args ...string) string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir = filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command("git", "init", "-q", "-b", "main", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return dir, func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...).Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
}

// checkAll checks every link of ls with g.
func checkAll(t *testing.T, g *gitChecker, ls []link) {
	t.Helper()
	for i := range ls {
		if err := g.check(context.Background(), &ls[i]); err != nil {
			t.Fatal(err)
		}
	}
}

// linkPointers is the links as the prefetches take them.
func linkPointers(ls []link) []*link {
	ptrs := make([]*link, len(ls))
	for i := range ls {
		ptrs[i] = &ls[i]
	}
	return ptrs
}

// checkLikeAlone checks every link of batched with g and reports each one
// whose commit, check or tests differ from the same link checked alone.
func checkLikeAlone(t *testing.T, g *gitChecker, batched, alone []link) {
	t.Helper()
	for i := range batched {
		if err := g.check(context.Background(), &batched[i]); err != nil {
			t.Fatal(err)
		}
		b, a := batched[i], alone[i]
		if b.commit != a.commit || b.check != a.check || strings.Join(b.tests, ",") != strings.Join(a.tests, ",") {
			t.Errorf("link %d (%s %s): prefetched %q %s %v; alone %q %s %v", i, b.kind, b.ref, b.commit, b.check, b.tests, a.commit, a.check, a.tests)
		}
	}
}
