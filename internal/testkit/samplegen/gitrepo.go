package samplegen

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Repositories are built with git fast-import from a stream the generator
// writes: fixed names, e-mails and dates, so the SHAs are the same on every
// run. Each is a bare repository (there is no work tree to check out; the
// pipeline only reads commits): a base commit, then one squash-merge commit
// per fix on main, and refs/pull/<PR>/head pointing at each.

const baseAuthor = "Acme Engineering <eng@acme.test>"

// gitEnv isolates git from the user's and the system's configuration.
func gitEnv(dir string) []string {
	env := []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull, "HOME=" + dir, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return env
}

func runGit(ctx context.Context, dir string, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// buildRepo writes rp under path and fills in each fix's SHA.
func buildRepo(ctx context.Context, path string, rp *repo, baseTime int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if _, err := runGit(ctx, filepath.Dir(path), nil, "init", "--quiet", "--bare", "--template=", "--initial-branch=main", filepath.Base(path)); err != nil {
		return err
	}
	if _, err := runGit(ctx, path, fastImportStream(rp, baseTime), "fast-import", "--quiet", "--date-format=raw", "--done"); err != nil {
		return err
	}
	out, err := runGit(ctx, path, nil, "for-each-ref", "--format=%(refname) %(objectname)", "refs/pull/")
	if err != nil {
		return err
	}
	shas := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if ref, sha, ok := strings.Cut(line, " "); ok {
			shas[ref] = sha
		}
	}
	for _, f := range rp.fixes {
		f.sha = shas[fmt.Sprintf("refs/pull/%d/head", f.pr)]
		if len(f.sha) != 40 {
			return fmt.Errorf("repository %s: no commit for pull request %d", rp.name, f.pr)
		}
	}
	return nil
}

func fastImportStream(rp *repo, baseTime int64) []byte {
	var b bytes.Buffer
	data := func(s string) { fmt.Fprintf(&b, "data %d\n%s\n", len(s), s) }
	files := map[string]string{}
	for _, path := range slices.Concat(rp.sources, rp.tests) {
		files[path] = baseContent(rp.lang, path)
	}
	readme := "# " + rp.name + "\n\nAcme's " + rp.name + " service. Owned by the " + rp.team + " team.\n"
	files["README.md"] = readme

	sec := baseTime / usSecond
	fmt.Fprintf(&b, "commit refs/heads/main\nmark :1\nauthor %s %d +0000\ncommitter %s %d +0000\n", baseAuthor, sec, baseAuthor, sec)
	data("Initial import of " + rp.name)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		fmt.Fprintf(&b, "M 100644 inline %s\n", p)
		data(files[p])
	}
	for i, f := range rp.fixes {
		mark := i + 2
		who := fmt.Sprintf("%s <%s@acme.test>", f.author.realName(), f.author.handle)
		at := f.at / usSecond
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\nauthor %s %d +0000\ncommitter GitHub <noreply@github.com> %d +0000\n", mark, who, at, at)
		data(fmt.Sprintf("%s\n\nIncident %s.\n\nCo-authored-by: %s", f.subject(), f.incidentID, who))
		for _, src := range f.sources {
			files[src] += sourceSnippet(rp.lang, f)
			fmt.Fprintf(&b, "M 100644 inline %s\n", src)
			data(files[src])
		}
		if f.withTests {
			if f.newTest {
				files[f.testFile] = baseContent(rp.lang, f.testFile)
			}
			files[f.testFile] += testSnippet(rp.lang, f)
			fmt.Fprintf(&b, "M 100644 inline %s\n", f.testFile)
			data(files[f.testFile])
		}
	}
	for i, f := range rp.fixes {
		fmt.Fprintf(&b, "reset refs/pull/%d/head\nfrom :%d\n\n", f.pr, i+2)
	}
	b.WriteString("done\n")
	return b.Bytes()
}

func goPackage(path string) string {
	dir := filepath.Base(filepath.Dir(path))
	if dir == "." || dir == "checkout" {
		return "main"
	}
	return dir
}

func baseContent(lang, path string) string {
	isTest := strings.Contains(path, "test") || strings.Contains(path, "spec")
	switch lang {
	case "go":
		if isTest {
			return "package " + goPackage(path) + "\n\nimport \"testing\"\n\nfunc TestSmoke(t *testing.T) {}\n"
		}
		return "package " + goPackage(path) + "\n\n// Handle is the entry point of this package.\nfunc Handle(n int) int { return n }\n"
	case "python":
		if isTest {
			return "from payments import api, billing, gateway\n\n\ndef test_smoke():\n    assert True\n"
		}
		return "\"\"\"" + filepath.Base(path) + ": part of the payments service.\"\"\"\n\n\ndef handle(n):\n    return n\n"
	case "typescript":
		if isTest {
			return "import { describe, expect, test } from 'vitest';\n\ndescribe('smoke', () => {\n  test('runs', () => expect(true).toBe(true));\n});\n"
		}
		return "// " + filepath.Base(path) + ": part of the storefront.\nexport function handle(n: number): number {\n  return n;\n}\n"
	case "ruby":
		if isTest {
			return "require 'ledger'\n\nRSpec.describe Ledger do\n  it('loads') { expect(Ledger).to be_a(Module) }\nend\n"
		}
		return "# " + filepath.Base(path) + ": part of the ledger.\nmodule Ledger\nend\n"
	}
	return ""
}

func sourceSnippet(lang string, f *fix) string {
	switch lang {
	case "go":
		return fmt.Sprintf("\n// guardPR%d: %s (#%d).\nfunc guardPR%d(n int) bool { return n >= 0 }\n", f.pr, f.summary, f.pr, f.pr)
	case "python":
		return fmt.Sprintf("\n\ndef guard_pr_%d(n):\n    \"\"\"%s (#%d).\"\"\"\n    return n >= 0\n", f.pr, f.summary, f.pr)
	case "typescript":
		return fmt.Sprintf("\n// %s (#%d).\nexport function guardPr%d(n: number): boolean {\n  return n >= 0;\n}\n", f.summary, f.pr, f.pr)
	case "ruby":
		return fmt.Sprintf("\nmodule Ledger\n  # %s (#%d).\n  def self.guard_pr_%d(n)\n    n >= 0\n  end\nend\n", f.summary, f.pr, f.pr)
	}
	return ""
}

func testSnippet(lang string, f *fix) string {
	switch lang {
	case "go":
		return fmt.Sprintf("\nfunc TestRegressionPR%d(t *testing.T) {\n\tif !guardPR%d(1) {\n\t\tt.Fatal(\"regression of #%d\")\n\t}\n}\n", f.pr, f.pr, f.pr)
	case "python":
		return fmt.Sprintf("\n\ndef test_regression_pr_%d():\n    assert gateway.guard_pr_%d(1)\n", f.pr, f.pr)
	case "typescript":
		return fmt.Sprintf("\ntest('regression #%d', () => {\n  expect(guardPr%d(1)).toBe(true);\n});\n", f.pr, f.pr)
	case "ruby":
		return fmt.Sprintf("\nRSpec.describe 'regression #%d' do\n  it('holds') { expect(Ledger.guard_pr_%d(1)).to be(true) }\nend\n", f.pr, f.pr)
	}
	return ""
}
