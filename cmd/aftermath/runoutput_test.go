package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A failed step names itself in the error, the summary and the metrics;
// the next good run records the last success.
func TestRunSummaryAndMetrics(t *testing.T) {
	f := newRunFixture(t, 20)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	summary, metrics := filepath.Join(dir, "out", "summary.json"), filepath.Join(dir, "prom", "aftermath.prom")
	args := []string{"--db", db, "--config", f.cfg, "run", "--summary-file", summary, "--metrics-file", metrics}

	// The first run ingests; then the drop folder disappears.
	d, _, stderr := testDeps(false)
	if code := mainDeps(d, args); code != 0 {
		t.Fatalf("run exited %d: %s", code, stderr)
	}
	if err := os.Rename(filepath.Join(f.dir, "drop"), filepath.Join(f.dir, "gone")); err != nil {
		t.Fatal(err)
	}
	d, _, stderr = testDeps(false)
	code := mainDeps(d, args)
	if code != exitUsage || !strings.Contains(stderr.String(), "step ingest: run.export_dir") {
		t.Fatalf("run without its drop folder exited %d, said:\n%s\nwant 2 and an error naming step ingest", code, stderr)
	}
	var s runSummary
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.RunID != 2 || s.Status != "failed" || s.ExitCode != 2 || s.FailedStep != "ingest" || s.LastSuccessAt == nil {
		t.Errorf("summary = %+v; want run 2 failed at ingest, exit 2, with the first run's success time", s)
	}
	var steps []string
	for _, st := range s.Steps {
		steps = append(steps, st.Name+"="+st.Status)
	}
	if got, want := strings.Join(steps, " "), "ingest=failed transform=skipped report=skipped publish=skipped"; got != want {
		t.Errorf("summary steps = %s; want %s", got, want)
	}
	prom, err := os.ReadFile(metrics)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`(?m)^aftermath_run_success 0$`,
		`(?m)^aftermath_run_exit_code 2$`,
		`(?m)^aftermath_run_duration_seconds [0-9.]+$`,
		`(?m)^aftermath_last_success_timestamp_seconds \d+$`,
		`(?m)^aftermath_run_step_status\{step="ingest",status="failed"\} 1$`,
		`(?m)^# TYPE aftermath_run_success gauge$`,
	} {
		if !regexp.MustCompile(want).Match(prom) {
			t.Errorf("metrics file lacks %s:\n%s", want, prom)
		}
	}

	// Back to good: rows, incidents and a fresh success time.
	os.Rename(filepath.Join(f.dir, "gone"), filepath.Join(f.dir, "drop"))
	d, _, stderr = testDeps(false)
	if code := mainDeps(d, args); code != 0 {
		t.Fatalf("run exited %d: %s", code, stderr)
	}
	prom, _ = os.ReadFile(metrics)
	for _, want := range []string{
		`(?m)^aftermath_run_success 1$`,
		`(?m)^aftermath_ingest_rows\{kind="messages_read"\} [1-9]\d*$`,
		`(?m)^aftermath_incidents\{state="all"\} [1-9]\d*$`,
	} {
		if !regexp.MustCompile(want).Match(prom) {
			t.Errorf("metrics file lacks %s:\n%s", want, prom)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".*tmp*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
