package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/lock"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// runFixture is a generated workspace export in a drop folder and a
// configuration whose nightly run ingests it.
type runFixture struct {
	dir, cfg string
}

func newRunFixture(t *testing.T, incidents int) runFixture {
	t.Helper()
	dir := t.TempDir()
	if _, err := samplegen.Generate(context.Background(), filepath.Join(dir, "gen"), samplegen.Options{
		Seed: 7, Weeks: 6, Incidents: incidents, Scale: 1, End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	}); err != nil {
		t.Fatal(err)
	}
	drop := filepath.Join(dir, "drop")
	if err := os.MkdirAll(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "gen", "export"), filepath.Join(drop, "export-2026-11-23")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "aftermath.yaml")
	body := "export:\n  batch_mb: 1\nrun:\n  ingest: export\n  export_dir: drop\npublish:\n  keep: 3\n"
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return runFixture{dir: dir, cfg: cfg}
}

func (f runFixture) run(db string, args ...string) *exec.Cmd {
	return aftermathCmd(append([]string{"--db", db, "--config", f.cfg, "run"}, args...)...)
}

// withReports is f with its reports written into dir (a folder of its own
// per warehouse).
func (f runFixture) withReports(t *testing.T, dir string) runFixture {
	t.Helper()
	b, err := os.ReadFile(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(b), "publish:\n", "publish:\n  reports: "+dir+"\n", 1)
	cfg := filepath.Join(f.dir, filepath.Base(dir)+".yaml")
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return runFixture{dir: f.dir, cfg: cfg}
}

// reportFiles reads every report file under dir, with times of day masked:
// a report says when it was generated and as of when its data is.
func reportFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	generated := regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d[:0-9.]*Z?`)
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = generated.ReplaceAllString(string(b), "<time>")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tableSums checksums every table the run writes, without the columns that
// record when or by which run a row was written.
func tableSums(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	cols := map[string]string{
		"incidents":             "*",
		"incident_events":       "*",
		"incident_signals":      "*",
		"incident_links":        "*",
		"incident_participants": "*",
		"data_quality":          "*",
	}
	maps.Copy(cols, rawChecksumColumns)
	return checksums(t, db, cols)
}

func exitOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// A run killed at random points across its steps, then rerun, ends equal
// to an uninterrupted run, and the published snapshot is at every moment
// absent or a complete state, never a mix.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess several times")
	}
	base := newRunFixture(t, 40)
	cleanReports, killedReports := filepath.Join(base.dir, "reports-clean"), filepath.Join(base.dir, "reports-killed")
	f := base.withReports(t, cleanReports)
	clean := filepath.Join(t.TempDir(), "clean.duckdb")
	start := time.Now()
	if out, err := f.run(clean).CombinedOutput(); err != nil {
		t.Fatalf("clean run: %v\n%s", err, out)
	}
	full := time.Since(start)
	want := tableSums(t, clean)
	wantReports := reportFiles(t, cleanReports)
	if len(wantReports) < 4 {
		t.Fatalf("the clean run wrote %d report files; want a week's report and the index", len(wantReports))
	}
	f = base.withReports(t, killedReports)
	if diff := cmp.Diff(want, tableSums(t, strings.TrimSuffix(clean, ".duckdb")+".snapshot.duckdb")); diff != "" {
		t.Fatalf("the clean run's snapshot differs from its warehouse:\n%s", diff)
	}

	killed := filepath.Join(t.TempDir(), "killed.duckdb")
	snap := strings.TrimSuffix(killed, ".duckdb") + ".snapshot.duckdb"
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 6 {
		cmd := f.run(killed)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(r.Int64N(int64(full))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, err := os.Stat(snap); err == nil {
			if diff := cmp.Diff(want, tableSums(t, snap)); diff != "" {
				t.Errorf("kill %d: the published snapshot is not a complete state (-want +got):\n%s", i, diff)
			}
		}
	}
	if out, err := f.run(killed).CombinedOutput(); err != nil {
		t.Fatalf("run after the kills: %v\n%s", err, out)
	}
	if diff := cmp.Diff(want, tableSums(t, killed)); diff != "" {
		t.Errorf("after kills and a rerun the warehouse differs from a clean run (-clean +killed):\n%s", diff)
	}
	if diff := cmp.Diff(want, tableSums(t, snap)); diff != "" {
		t.Errorf("after kills and a rerun the snapshot differs from a clean run (-clean +killed):\n%s", diff)
	}
	if diff := cmp.Diff(wantReports, reportFiles(t, killedReports)); diff != "" {
		t.Errorf("after kills and a rerun the reports differ from a clean run's (-clean +killed):\n%s", diff)
	}
}

// waitForLock waits until some process holds the writers' lock of db.
func waitForLock(t *testing.T, db string, cmd *exec.Cmd) {
	t.Helper()
	for range 3000 {
		if err := lock.Check(db); errors.Is(err, lock.ErrHeld) {
			return
		}
		if cmd.ProcessState != nil {
			t.Fatal("the run ended before it was seen holding the lock")
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("the run never took the lock")
}

// Two runs at once: the second exits 4 naming the first, which finishes.
func TestConcurrentRuns(t *testing.T) {
	f := newRunFixture(t, 30)
	db := filepath.Join(t.TempDir(), "w.duckdb")
	var firstOut bytes.Buffer
	first := f.run(db)
	first.Stderr = &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLock(t, db, first)
	out, err := f.run(db).CombinedOutput()
	if code := exitOf(err); code != exitLocked {
		t.Errorf("second run exited %d; want %d\n%s", code, exitLocked, out)
	}
	if want := fmt.Sprintf("pid %d", first.Process.Pid); !strings.Contains(string(out), want) || !strings.Contains(string(out), `"aftermath run"`) {
		t.Errorf("second run said %q; want it to name %s running \"aftermath run\"", out, want)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstOut.String())
	}
	wdb, err := warehouse.Open(context.Background(), db, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer wdb.Close()
	got := warehouse.Rows(t, wdb.DB, `SELECT r.status, r.exit_code, string_agg(s.step || '=' || s.status, ' ' ORDER BY s.position)
		FROM runs r JOIN run_steps s USING (run_id) GROUP BY ALL`)
	wantRows := []string{"ok | 0 | ingest=ok transform=ok report=ok publish=ok"}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
}

// 20 analysts querying the snapshot while a run writes the warehouse and
// republishes it all get answers.
func TestQueriesDuringRun(t *testing.T) {
	f := newRunFixture(t, 30)
	db := filepath.Join(t.TempDir(), "w.duckdb")
	if out, err := f.run(db).CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	run := f.run(db)
	var runOut bytes.Buffer
	run.Stderr = &runOut
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	waitForLock(t, db, run)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	outs := make([][]byte, 20)
	for i := range 20 {
		wg.Go(func() {
			outs[i], errs[i] = aftermathCmd("--db", db, "--config", f.cfg, "query",
				"SELECT count(*) > 0 AS ok FROM messages JOIN channels USING (channel_id)").CombinedOutput()
		})
	}
	wg.Wait()
	if err := run.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, runOut.String())
	}
	for i := range 20 {
		if errs[i] != nil || string(outs[i]) != "ok\ntrue\n" {
			t.Errorf("query %d during the run: %v\n%s", i, errs[i], outs[i])
		}
	}
}
