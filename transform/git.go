// Enrichment (stage 4): the regression-test check of fix links against
// local clones, with the git command.
package transform

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
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
	resolved map[resolveKey][2]string     // → sha, merge base
	revs     map[string]map[string]string // repo → name → object, or "": prefetched rev-parse answers
	commits  map[string]bool              // objects known to be commits (prefetchDiffs diffs only those)
	runs     int                          // git commands run, for tests
}

type resolveKey struct{ repo, kind, ref string }

func newGitChecker(repos map[string]string, order, globs []string) *gitChecker {
	return &gitChecker{repos: repos, order: order, globs: globs, subjects: map[string]map[string]string{},
		files: map[string][]string{}, resolved: map[resolveKey][2]string{}, revs: map[string]map[string]string{}, commits: map[string]bool{}}
}

// ErrNoGit reports that repos are configured but git cannot be run.
var ErrNoGit = errors.New("git is needed to check regression tests in the configured repos")

func (g *gitChecker) git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	g.runs++
	return runGit(ctx, dir, nil, args...)
}

// runGit runs git with args in dir, fed the lines of stdin (nothing when
// nil), and returns what it printed. A missing git is ErrNoGit; a failure
// names the command, the folder and git's own message.
func runGit(ctx context.Context, dir string, stdin []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	if stdin != nil {
		var in strings.Builder
		for _, line := range stdin {
			in.WriteString(line + "\n")
		}
		cmd.Stdin = strings.NewReader(in.String())
	}
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

// prefetch looks up, with one `git cat-file --batch-check` per
// repository, every name that resolve would otherwise ask `git rev-parse`
// about one process at a time: the commits that links name (kinds commit
// and sha), and the pull-request refs of the pull requests whose number no
// commit subject names. Deploy chatter in a long incident names tens of
// thousands of commits and pull requests: in the few-channels benchmark
// 50,980 commits (most of transform's 100 s went on starting git) and
// 1,329 pull requests that no clone holds (four rev-parse runs each, 9 s).
// resolve then reads the answers (revParse); names it did not prefetch
// still run rev-parse.
func (g *gitChecker) prefetch(ctx context.Context, links []*link) error {
	names := map[string][]string{} // repo → names, in first-seen order
	seen := map[string]bool{}
	ask := func(repo, name string) {
		if k := repo + "\x00" + name; !seen[k] {
			seen[k] = true
			names[repo] = append(names[repo], name)
		}
	}
	for _, l := range links {
		switch {
		case (l.kind == "commit" || l.kind == "sha") && hexRE.MatchString(l.ref):
			for _, repo := range g.candidates(l) {
				ask(repo, l.ref+"^{commit}")
			}
		case l.kind == "pull_request" && prNumber.MatchString(l.ref):
			for _, repo := range g.candidates(l) {
				subjects, err := g.subjectIndex(ctx, repo)
				if err != nil {
					return err
				}
				if subjects[l.ref] == "" {
					for _, ref := range prRefs(l.ref) {
						ask(repo, ref)
					}
				}
			}
		}
	}
	// One git per repository, side by side: a lookup of an abbreviated
	// hash lists a folder of loose objects, so git waits on the system as
	// much as it computes (51k names took 1.7 s of CPU, more of wall).
	repos := slices.Sorted(maps.Keys(names))
	answers := make([][]string, len(repos))
	errs := make([]error, len(repos))
	var wg sync.WaitGroup
	for i, repo := range repos {
		wg.Go(func() { answers[i], errs[i] = catFile(ctx, g.repos[repo], names[repo]) })
	}
	wg.Wait()
	g.runs += len(repos)
	for i, repo := range repos {
		if errs[i] != nil {
			return errs[i]
		}
		if g.revs[repo] == nil {
			g.revs[repo] = map[string]string{}
		}
		for j, line := range answers[i] {
			sha := ""
			if f := strings.Fields(line); len(f) == 3 {
				sha = f[0]
				g.commits[sha] = f[1] == "commit"
			}
			g.revs[repo][names[repo][j]] = sha
		}
	}
	return nil
}

// prefetchDiffs lists, with one `git diff-tree --stdin` per repository,
// the files changed by every commit that check will diff against its
// parent (the commits links resolve to without a merge base), where
// changed runs one diff-tree per commit. Run after prefetch: resolving
// then reads its answers.
func (g *gitChecker) prefetchDiffs(ctx context.Context, links []*link) error {
	shas := map[string][]string{} // repo → commits, in first-seen order
	seen := map[string]bool{}
	for _, l := range links {
		for _, repo := range g.candidates(l) {
			sha, base, err := g.resolveOnce(ctx, repo, l)
			if err != nil {
				return err
			}
			if sha == "" {
				continue
			}
			k := repo + " .." + sha
			if _, done := g.files[k]; !done && base == "" && g.commits[sha] && !seen[k] {
				seen[k] = true
				shas[repo] = append(shas[repo], sha)
			}
			break // check stops at the first repository holding the commit
		}
	}
	for repo, ss := range shas {
		g.runs++
		out, err := runGit(ctx, g.repos[repo], ss, "diff-tree", "--stdin", "--always", "--root", "--name-only", "-r", "-m", "--first-parent")
		if err != nil {
			return err
		}
		files, err := splitDiffTree(out, ss)
		if err != nil {
			return fmt.Errorf("git diff-tree --stdin in %s: %w", g.repos[repo], err)
		}
		for i, sha := range ss {
			g.files[repo+" .."+sha] = files[i]
		}
	}
	return nil
}

// splitDiffTree splits the output of `diff-tree --stdin --always
// --name-only` for the commits shas into each commit's files. Each commit's
// files follow a line holding its name; a merge commit's come once per
// parent, each after its name again, as the one-commit command lists them
// one parent after the other.
func splitDiffTree(out []byte, shas []string) ([][]string, error) {
	files := make([][]string, len(shas))
	i := -1
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case i+1 < len(shas) && line == shas[i+1]:
			i++
		case i >= 0 && line == shas[i]:
			// the next parent of a merge commit
		case i < 0:
			return nil, fmt.Errorf("unexpected line %q before the first commit", line)
		default:
			if f := strings.TrimSpace(line); f != "" {
				files[i] = append(files[i], f)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if i != len(shas)-1 {
		return nil, fmt.Errorf("%d answers for %d commits", i+1, len(shas))
	}
	return files, nil
}

// prNumber is a pull request's reference as prefetch batches it: a name
// that fits on one line of cat-file's input.
var prNumber = regexp.MustCompile(`^[0-9]+$`)

// prRefs are the refs a pull request may be fetched as, in the order
// resolve tries them: GitHub's and GitLab's merge refs, then their heads.
func prRefs(n string) []string {
	return []string{"refs/pull/" + n + "/merge", "refs/merge-requests/" + n + "/merge",
		"refs/pull/" + n + "/head", "refs/merge-requests/" + n + "/head"}
}

// catFile resolves names in the clone dir with one `git cat-file
// --batch-check`, which resolves each name as rev-parse does: one line
// per name, in order, "<sha> <type> <size>", or "<name> missing" /
// "<name> ambiguous", which rev-parse also refuses.
func catFile(ctx context.Context, dir string, names []string) ([]string, error) {
	out, err := runGit(ctx, dir, names, "cat-file", "--batch-check")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(names) {
		return nil, fmt.Errorf("git cat-file --batch-check in %s: %d answers for %d names", dir, len(lines), len(names))
	}
	return lines, nil
}

// revParse is `git rev-parse --verify --quiet name` in repo: the object
// name names, or "" when it names none. Answers prefetched by catFile are
// read, not asked again.
func (g *gitChecker) revParse(ctx context.Context, repo, name string) (string, error) {
	if sha, ok := g.revs[repo][name]; ok {
		return sha, nil
	}
	out, err := g.git(ctx, g.repos[repo], "rev-parse", "--verify", "--quiet", name)
	if errors.Is(err, ErrNoGit) {
		return "", err
	}
	if err != nil {
		return "", nil // not in this clone
	}
	return strings.TrimSpace(string(out)), nil
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
		sha, err := g.revParse(ctx, repo, l.ref+"^{commit}")
		return sha, "", err
	case "pull_request":
		subjects, err := g.subjectIndex(ctx, repo)
		if err != nil {
			return "", "", err
		}
		if sha := subjects[l.ref]; sha != "" {
			return sha, "", nil
		}
		refs := prRefs(l.ref)
		for _, ref := range refs[:2] { // merge refs
			if sha, err := g.revParse(ctx, repo, ref); sha != "" || err != nil {
				return sha, "", err
			}
		}
		for _, ref := range refs[2:] { // heads
			head, err := g.revParse(ctx, repo, ref)
			if err != nil {
				return "", "", err
			}
			if head == "" {
				continue
			}
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
		g.commits[sha] = true
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
