// Enrichment (stage 4): the regression-test check of fix links against
// local clones, with the git command.
package transform

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// gitChecker decides whether fix commits touched test files, reading local
// clones with the git command.
type gitChecker struct {
	repos    map[string]string // repoKey → clone path
	order    []string          // repo keys in configuration order
	globs    []string
	subjects map[string]map[string]string // repo → PR number → squash or merge commit
	files    map[string][]string          // repo+sha → files changed
	// resolved holds each ref's answer, found or not: long incidents name
	// the same pull requests and commits again and again.
	resolved map[resolveKey][2]string // → sha, merge base
	runs     int                      // git commands run, for tests
}

type resolveKey struct{ repo, kind, ref string }

func newGitChecker(repos map[string]string, order, globs []string) *gitChecker {
	return &gitChecker{repos: repos, order: order, globs: globs, subjects: map[string]map[string]string{},
		files: map[string][]string{}, resolved: map[resolveKey][2]string{}}
}

// ErrNoGit reports that repos are configured but git cannot be run.
var ErrNoGit = errors.New("git is needed to check regression tests in the configured repos")

func (g *gitChecker) git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	g.runs++
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, ErrNoGit
	}
	if err != nil {
		return nil, fmt.Errorf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// check fills commit, check and tests for every fix link.
func (g *gitChecker) check(ctx context.Context, l *link) error {
	if !l.isFix() {
		return nil
	}
	candidates := g.candidates(l)
	if len(candidates) == 0 {
		l.check = "no_clone"
		return nil
	}
	for _, repo := range candidates {
		sha, base, err := g.resolveOnce(ctx, repo, l)
		if err != nil {
			return err
		}
		if sha == "" {
			continue
		}
		files, err := g.changed(ctx, repo, sha, base)
		if err != nil {
			return err
		}
		if l.repoURL == "" {
			l.repoURL = repo
		}
		l.commit = sha
		l.tests = nil
		for _, f := range files {
			if matchesAny(g.globs, f) {
				l.tests = append(l.tests, f)
			}
		}
		l.check = "no_tests"
		if len(l.tests) > 0 {
			l.check = "touches_tests"
		}
		return nil
	}
	l.check = "not_found"
	return nil
}

// prefetch resolves the commits that links name (kinds commit and sha)
// with one `git cat-file --batch-check` per repository, where resolve runs
// one `git rev-parse` per link and repository. Deploy chatter in a long
// incident names tens of thousands of commits: 50,980 in the few-channels
// benchmark, whose transform spent most of its 100 s starting git.
func (g *gitChecker) prefetch(ctx context.Context, links []*link) error {
	refs := map[string][]string{} // repo → refs, in first-seen order
	seen := map[resolveKey]bool{}
	for _, l := range links {
		if (l.kind != "commit" && l.kind != "sha") || !hexRE.MatchString(l.ref) {
			continue
		}
		for _, repo := range g.candidates(l) {
			k := cacheKey(repo, l)
			if _, done := g.resolved[k]; done || seen[k] {
				continue
			}
			seen[k] = true
			refs[repo] = append(refs[repo], l.ref)
		}
	}
	for repo, rs := range refs {
		var in strings.Builder
		for _, r := range rs {
			in.WriteString(r + "^{commit}\n")
		}
		g.runs++
		cmd := exec.CommandContext(ctx, "git", "-C", g.repos[repo], "cat-file", "--batch-check")
		cmd.Stdin = strings.NewReader(in.String())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if errors.Is(err, exec.ErrNotFound) {
			return ErrNoGit
		}
		if err != nil {
			return fmt.Errorf("git cat-file --batch-check in %s: %v: %s", g.repos[repo], err, strings.TrimSpace(stderr.String()))
		}
		// One line per ref, in order: "<sha> commit <size>", or
		// "<ref> missing" / "<ref> ambiguous", which rev-parse also refuses.
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != len(rs) {
			return fmt.Errorf("git cat-file --batch-check in %s: %d answers for %d commits", g.repos[repo], len(lines), len(rs))
		}
		for i, line := range lines {
			sha := ""
			if f := strings.Fields(line); len(f) == 3 && f[1] == "commit" {
				sha = f[0]
			}
			g.resolved[resolveKey{repo, "commit", rs[i]}] = [2]string{sha, ""}
		}
	}
	return nil
}

// candidates are the repositories a fix link may be in: any configured
// one for a bare sha, else its own when it has a clone; none means
// no_clone.
func (g *gitChecker) candidates(l *link) []string {
	if l.kind == "sha" {
		return g.order
	}
	if _, ok := g.repos[l.repoURL]; !ok {
		return nil
	}
	return []string{l.repoURL}
}

// cacheKey is a link's key in resolved: a bare sha resolves as a commit
// link does, so the two share their answers.
func cacheKey(repo string, l *link) resolveKey {
	kind := l.kind
	if kind == "sha" {
		kind = "commit"
	}
	return resolveKey{repo, kind, l.ref}
}

// resolveOnce is resolve, run once per repository, kind and ref.
func (g *gitChecker) resolveOnce(ctx context.Context, repo string, l *link) (sha, base string, err error) {
	key := cacheKey(repo, l)
	if r, ok := g.resolved[key]; ok {
		return r[0], r[1], nil
	}
	sha, base, err = g.resolve(ctx, repo, l)
	if err != nil {
		return "", "", err
	}
	g.resolved[key] = [2]string{sha, base}
	return sha, base, nil
}

var hexRE = regexp.MustCompile(`^[0-9a-f]{7,40}$`)

// resolve finds the commit a link names. For a pull request it prefers the
// squash or merge commit on the main history (one commit with all the
// changes); failing that, the PR head ref, diffed from its merge base.
func (g *gitChecker) resolve(ctx context.Context, repo string, l *link) (sha, base string, err error) {
	dir := g.repos[repo]
	switch l.kind {
	case "commit", "sha":
		if !hexRE.MatchString(l.ref) {
			return "", "", nil
		}
		out, err := g.git(ctx, dir, "rev-parse", "--verify", "--quiet", l.ref+"^{commit}")
		if err != nil {
			if errors.Is(err, ErrNoGit) {
				return "", "", err
			}
			return "", "", nil // not in this clone
		}
		return strings.TrimSpace(string(out)), "", nil
	case "pull_request":
		subjects, err := g.subjectIndex(ctx, repo)
		if err != nil {
			return "", "", err
		}
		if sha := subjects[l.ref]; sha != "" {
			return sha, "", nil
		}
		for _, ref := range []string{"refs/pull/" + l.ref + "/merge", "refs/merge-requests/" + l.ref + "/merge"} {
			if out, err := g.git(ctx, dir, "rev-parse", "--verify", "--quiet", ref); err == nil {
				return strings.TrimSpace(string(out)), "", nil
			} else if errors.Is(err, ErrNoGit) {
				return "", "", err
			}
		}
		for _, ref := range []string{"refs/pull/" + l.ref + "/head", "refs/merge-requests/" + l.ref + "/head"} {
			out, err := g.git(ctx, dir, "rev-parse", "--verify", "--quiet", ref)
			if errors.Is(err, ErrNoGit) {
				return "", "", err
			}
			if err != nil {
				continue
			}
			head := strings.TrimSpace(string(out))
			mb, err := g.git(ctx, dir, "merge-base", "HEAD", head)
			if err != nil {
				return head, "", nil
			}
			return head, strings.TrimSpace(string(mb)), nil
		}
	}
	return "", "", nil
}

var (
	squashSubject = regexp.MustCompile(`\(#(\d+)\)\s*$`)
	mergeSubject  = regexp.MustCompile(`^Merge (?:pull request|branch .* into .*\(!?)#?!?(\d+)`)
	glMergeMR     = regexp.MustCompile(`See merge request [\w./-]+!(\d+)`)
)

// subjectIndex maps PR numbers to the commits that merged them, from the
// subjects of every commit on every ref ("Fix x (#123)", "Merge pull
// request #123 from …"). Read once per repository.
func (g *gitChecker) subjectIndex(ctx context.Context, repo string) (map[string]string, error) {
	if idx, ok := g.subjects[repo]; ok {
		return idx, nil
	}
	idx := map[string]string{}
	out, err := g.git(ctx, g.repos[repo], "log", "--all", "--format=%H%x09%s%x09%b%x00")
	if err != nil {
		if errors.Is(err, ErrNoGit) {
			return nil, err
		}
		// An empty or broken clone: nothing resolves.
		g.subjects[repo] = idx
		return idx, nil
	}
	for _, rec := range bytes.Split(out, []byte{0}) {
		parts := strings.SplitN(strings.TrimSpace(string(rec)), "\t", 3)
		if len(parts) < 2 {
			continue
		}
		sha, subject := parts[0], parts[1]
		for _, re := range []*regexp.Regexp{squashSubject, mergeSubject} {
			if m := re.FindStringSubmatch(subject); m != nil {
				if _, dup := idx[m[1]]; !dup {
					idx[m[1]] = sha
				}
			}
		}
		if len(parts) == 3 {
			if m := glMergeMR.FindStringSubmatch(parts[2]); m != nil {
				if _, dup := idx[m[1]]; !dup {
					idx[m[1]] = sha
				}
			}
		}
	}
	g.subjects[repo] = idx
	return idx, nil
}

// changed lists the files a commit changed (against its first parent), or
// the files changed between base and sha.
func (g *gitChecker) changed(ctx context.Context, repo, sha, base string) ([]string, error) {
	key := repo + " " + base + ".." + sha
	if f, ok := g.files[key]; ok {
		return f, nil
	}
	var out []byte
	var err error
	if base != "" {
		out, err = g.git(ctx, g.repos[repo], "diff", "--name-only", base, sha)
	} else {
		out, err = g.git(ctx, g.repos[repo], "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", "-m", "--first-parent", sha)
	}
	if err != nil {
		return nil, err
	}
	var files []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.TrimSpace(sc.Text()); f != "" {
			files = append(files, f)
		}
	}
	g.files[key] = files
	return files, nil
}

// matchesAny reports whether file matches one of the test globs: a glob
// ending in / names a folder anywhere in the path; a glob without / matches
// the file name; any other glob matches the whole path.
func matchesAny(globs []string, file string) bool {
	file = filepath.ToSlash(file)
	base := path.Base(file)
	for _, gl := range globs {
		switch {
		case strings.HasSuffix(gl, "/"):
			dir := strings.TrimSuffix(gl, "/")
			if strings.HasPrefix(file, dir+"/") || strings.Contains(file, "/"+dir+"/") {
				return true
			}
		case !strings.Contains(gl, "/"):
			if ok, _ := path.Match(gl, base); ok {
				return true
			}
		default:
			if ok, _ := path.Match(gl, file); ok {
				return true
			}
		}
	}
	return false
}
