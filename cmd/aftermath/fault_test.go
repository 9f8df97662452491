package main

// The fault-injection harness (docs/faults.md): each writing command runs
// as a child process that reports every durable batch and write milestone
// on a pipe ($AFTERMATH_COMMIT_FD); the harness SIGKILLs it right after a
// randomly chosen one, so that every kill lands mid-write, then reruns the
// command to completion and proves the warehouse, the published snapshot
// and the report files equal an uninterrupted run's.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
)

// faultSeedEnv overrides the harness's seed, to reproduce a failure or to
// try other kill points: AFTERMATH_FAULT_SEED=7 go test ./cmd/aftermath -run TestFault
const faultSeedEnv = "AFTERMATH_FAULT_SEED"

// defaultFaultSeed is the seed of `make test`.
const defaultFaultSeed = 20261207

// faultSeed is the harness's seed, said in every failure.
func faultSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(defaultFaultSeed)
	if v := os.Getenv(faultSeedEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("$%s=%q: want an unsigned integer", faultSeedEnv, v)
		}
		seed = n
	}
	t.Logf("fault seed %d", seed)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with %s=%d go test ./cmd/aftermath -run '%s'", faultSeedEnv, seed, t.Name())
		}
	})
	return seed
}

// commitRun is one run of a command with the commit pipe.
type commitRun struct {
	events []string // what the child reported, in order
	// killed is true when the child died of the harness's SIGKILL.
	killed bool
	code   int // exit code when not killed
	out    string
}

// runReporting runs aftermath args with env, reading its commit events
// from a socket ($AFTERMATH_COMMIT_FD) and acknowledging each. When
// killAfter > 0 it answers the killAfter-th event with SIGKILL instead, so
// the child dies right there, before it writes anything more.
func runReporting(t *testing.T, env []string, killAfter int, args ...string) commitRun {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "commit-harness"), os.NewFile(uintptr(fds[1]), "commit-child")
	defer ours.Close()
	cmd := aftermathCmd(args...)
	cmd.Env = append(append(cmd.Env, env...), commitFDEnv+"=3")
	cmd.ExtraFiles = []*os.File{theirs}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	var res commitRun
	rd := bufio.NewReader(ours)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			break
		}
		res.events = append(res.events, strings.TrimSuffix(line, "\n"))
		if len(res.events) == killAfter {
			cmd.Process.Signal(syscall.SIGKILL)
			continue
		}
		ours.Write([]byte{1})
	}
	err = cmd.Wait()
	res.out = out.String()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		res.killed = true
	} else {
		res.code = exitOf(err)
	}
	return res
}

// faultState is what a command leaves: the warehouse's table checksums,
// the published snapshot's, the report files, and any temporary file a
// killed run left that the rerun did not clear.
type faultState struct {
	Tables, Snapshot map[string]string
	Reports          map[string]string
	Leftovers        []string
}

// leftoverName matches the temporary files and folders of a publish, a
// report or an export extraction.
var leftoverName = regexp.MustCompile(`\.tmp|\.extract-|\.rollback-`)

func stateOf(t *testing.T, dir string) faultState {
	t.Helper()
	var s faultState
	s.Tables = tableSums(t, filepath.Join(dir, "w.duckdb"))
	if snap := filepath.Join(dir, "w.snapshot.duckdb"); fileExists(snap) {
		s.Snapshot = tableSums(t, snap)
	}
	if reports := filepath.Join(dir, "reports"); fileExists(reports) {
		s.Reports = reportFiles(t, reports)
	}
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err == nil && leftoverName.MatchString(e.Name()) {
			rel, _ := filepath.Rel(dir, path)
			s.Leftovers = append(s.Leftovers, rel)
		}
		return err
	})
	return s
}

// trialDir is a temporary folder for one trial: in /dev/shm where there is
// one, since the commands fsync every batch and a SIGKILL, unlike a power
// cut, does not depend on what reached the disk; else in t.TempDir.
func trialDir(t *testing.T) string {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "aftermath-fault-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// copyTree copies the folder src to a new folder dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// faultTarget is one command under fault injection: each trial copies base
// into a fresh folder and runs args(folder) there.
type faultTarget struct {
	name  string
	kills int
	base  string
	env   []string
	args  func(dir string) []string
	// codes the command may end with (default 0).
	codes []int
}

// faultData is the shared input of the harness: a small generated export
// (3 weeks, 12 incidents, 3.4 MB in about 160 files) that faultConfig's
// 1 MiB batches and small pages store in several transactions.
type faultData struct {
	root, export string
}

const faultConfig = `export:
  batch_mb: 1
slack:
  page_size:
    users.list: 20
    conversations.list: 20
    conversations.history: 50
    conversations.replies: 20
  rate_per_minute:
    conversations.list: 100000
    users.list: 100000
    conversations.history: 100000
    conversations.replies: 100000
    conversations.info: 100000
    conversations.join: 100000
publish:
  keep: 2
`

func newFaultData(t *testing.T) faultData {
	t.Helper()
	root := t.TempDir()
	if _, err := samplegen.Generate(context.Background(), filepath.Join(root, "gen"), samplegen.Options{
		Seed: 7, Weeks: 3, Incidents: 12, Scale: 0.3, End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	}); err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(root, "drop", "export-2026-11-23")
	if err := os.MkdirAll(filepath.Dir(export), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "gen", "export"), export); err != nil {
		t.Fatal(err)
	}
	return faultData{root: root, export: export}
}

// baseDir makes a base folder holding aftermath.yaml (faultConfig plus
// extra), and runs each prep command in it, which must succeed; "DIR" in
// a prep's arguments is the folder.
func (fd faultData) baseDir(t *testing.T, name, extra string, preps ...[]string) string {
	t.Helper()
	dir := filepath.Join(fd.root, "base-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "aftermath.yaml"), []byte(faultConfig+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range preps {
		for i := range p {
			p[i] = strings.ReplaceAll(p[i], "DIR", dir)
		}
		args := append([]string{"--db", filepath.Join(dir, "w.duckdb"), "--config", filepath.Join(dir, "aftermath.yaml")}, p...)
		if out, err := aftermathCmd(args...).CombinedOutput(); err != nil {
			t.Fatalf("prepare %s: aftermath %s: %v\n%s", name, strings.Join(p, " "), err, out)
		}
	}
	return dir
}

// dbArgs are the global flags of a trial in dir.
func dbArgs(dir string, args ...string) []string {
	return append([]string{"--db", filepath.Join(dir, "w.duckdb"), "--config", filepath.Join(dir, "aftermath.yaml")}, args...)
}

// TestFaultInjection kills each writing command mid-write at seeded random
// commit points, reruns it, and proves the result equals a clean run's.
func TestFaultInjection(t *testing.T) {
	if testing.Short() {
		t.Skip("kills subprocesses about a hundred times")
	}
	seed := faultSeed(t)
	fd := newFaultData(t)

	ws, err := slackfake.LoadExport(fd.export)
	if err != nil {
		t.Fatal(err)
	}
	srv := slackfake.New(ws, slackfake.WithCanaryToken(canaryToken))
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)

	exportEmpty := fd.baseDir(t, "export-empty", "")
	exportOver := fd.baseDir(t, "export-over", "", []string{"ingest", "export", fd.export, "--no-publish"})
	slackBase := fd.baseDir(t, "slack", "")
	transformBase := fd.baseDir(t, "transform", "", []string{"ingest", "export", fd.export, "--all-channels", "--no-publish"})
	reportBase := fd.baseDir(t, "report", "", []string{"ingest", "export", fd.export, "--all-channels", "--no-publish"},
		[]string{"transform"}, []string{"report", "--week", "2026-W46", "--out", "DIR/reports"}, []string{"report", "--week", "2026-W47", "--out", "DIR/reports"})
	runBase := fd.baseDir(t, "run", "run:\n  ingest: export\n  export_dir: "+filepath.Dir(fd.export)+"\npublish:\n  keep: 2\n  reports: reports\n")

	targets := []faultTarget{
		{name: "ingest-export-first-load", kills: 5, base: exportEmpty, args: func(dir string) []string {
			return dbArgs(dir, "ingest", "export", fd.export, "--all-channels")
		}},
		{name: "ingest-export-batches", kills: 5, base: exportOver, args: func(dir string) []string {
			return dbArgs(dir, "ingest", "export", fd.export, "--all-channels")
		}},
		{name: "ingest-slack", kills: 8, base: slackBase, env: []string{"SLACK_TOKEN=" + canaryToken}, args: func(dir string) []string {
			return dbArgs(dir, "ingest", "slack", "--api-url", url)
		}},
		{name: "transform", kills: 9, base: transformBase, args: func(dir string) []string {
			return dbArgs(dir, "transform")
		}},
		{name: "report", kills: 15, base: reportBase, args: func(dir string) []string {
			return dbArgs(dir, "report", "--week", "2026-W47", "--out", filepath.Join(dir, "reports"))
		}},
		{name: "run", kills: 8, base: runBase, args: func(dir string) []string {
			return dbArgs(dir, "run")
		}},
	}
	// The commands run two at a time; each draws its kill points from its
	// own generator, so a seed picks the same points in any order.
	landed := make([]int, len(targets))
	ran := 0
	t.Run("kills", func(t *testing.T) {
		for i, tg := range targets {
			if t.Run(tg.name, func(t *testing.T) {
				t.Parallel()
				landed[i] = runFaultTarget(t, tg, rand.New(rand.NewPCG(seed, uint64(i))), seed)
			}) {
				ran++
			}
		}
	})
	total := 0
	for i, tg := range targets {
		t.Logf("%s: %d kills", tg.name, landed[i])
		total += landed[i]
	}
	t.Logf("%d kills, every one after a chosen commit event and before the command ended", total)
	// -run may pick some commands; the promise is about all of them.
	if all := ran == len(targets); all && total < 50 && !t.Failed() {
		t.Errorf("only %d kills landed; the harness promises at least 50", total)
	}
}

// runFaultTarget runs tg's clean run, then its kills, each followed by a
// rerun to completion that must equal the clean run. It returns how many
// kills landed.
func runFaultTarget(t *testing.T, tg faultTarget, rng *rand.Rand, seed uint64) int {
	ok := func(code int) bool {
		if len(tg.codes) == 0 {
			return code == 0
		}
		for _, c := range tg.codes {
			if c == code {
				return true
			}
		}
		return false
	}
	cleanDir := filepath.Join(trialDir(t), "clean")
	copyTree(t, tg.base, cleanDir)
	clean := runReporting(t, tg.env, 0, tg.args(cleanDir)...)
	if clean.killed || !ok(clean.code) {
		t.Fatalf("clean run: exit %d\n%s", clean.code, clean.out)
	}
	n := len(clean.events)
	if n < 4 {
		t.Fatalf("the clean run reported %d commit events (%q); the harness needs several to kill between", n, clean.events)
	}
	want := stateOf(t, cleanDir)
	if len(want.Leftovers) > 0 {
		t.Fatalf("the clean run left temporary files: %q", want.Leftovers)
	}
	t.Logf("clean run: %d events: %s", n, strings.Join(clean.events, " | "))

	landed := 0
	for i := range tg.kills {
		// Kill after event k (1-based), never after the last: something is
		// still to be written when the kill lands.
		k := 1 + rng.IntN(n-1)
		dir := filepath.Join(trialDir(t), fmt.Sprintf("kill-%d", i))
		copyTree(t, tg.base, dir)
		got := runReporting(t, tg.env, k, tg.args(dir)...)
		if !got.killed {
			t.Errorf("seed %d, kill %d: the kill after event %d of %d missed: the command exited %d after %d events (%q)\n%s",
				seed, i, k, n, got.code, len(got.events), got.events, got.out)
			continue
		}
		if len(got.events) != k {
			t.Errorf("seed %d, kill %d: the child reported %d events; want it killed waiting after event %d", seed, i, len(got.events), k)
		}
		landed++
		t.Logf("kill %d: after event %d of %d, %q", i, k, n, got.events[k-1])
		rerun := runReporting(t, tg.env, 0, tg.args(dir)...)
		if rerun.killed || !ok(rerun.code) {
			t.Errorf("seed %d, kill %d after %q: the rerun exited %d\n%s", seed, i, got.events[k-1], rerun.code, rerun.out)
			continue
		}
		if diff := cmp.Diff(want, stateOf(t, dir)); diff != "" {
			t.Errorf("seed %d, kill %d after %q: after the rerun, the warehouse, snapshot, reports or leftovers differ from a clean run's (-clean +killed):\n%s",
				seed, i, got.events[k-1], diff)
		}
		os.RemoveAll(dir)
	}
	return landed
}
