package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/nightly"
)

// runSummary is the machine-readable account of one run (--summary-file).
type runSummary struct {
	RunID      int64         `json:"run_id"`
	Status     string        `json:"status"`
	ExitCode   int           `json:"exit_code"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at"`
	DurationMS int64         `json:"duration_ms"`
	FailedStep string        `json:"failed_step,omitempty"`
	Error      string        `json:"error,omitempty"`
	Snapshot   string        `json:"snapshot,omitempty"`
	Steps      []stepSummary `json:"steps"`
	// LastSuccessAt is the end of the latest ok or partial run, this one
	// included; absent when there has been none.
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
}

type stepSummary struct {
	Name       string           `json:"name"`
	Status     string           `json:"status"`
	DurationMS int64            `json:"duration_ms"`
	Counts     map[string]int64 `json:"counts,omitempty"`
	Error      string           `json:"error,omitempty"`
	Reason     string           `json:"reason,omitempty"`
}

func summarizeRun(res *nightly.Result, runID int64, code int, snapshot string, lastSuccess *time.Time) runSummary {
	s := runSummary{
		RunID: runID, Status: res.Status(), ExitCode: code,
		StartedAt: res.Started.UTC(), FinishedAt: res.Finished.UTC(),
		DurationMS: res.Finished.Sub(res.Started).Milliseconds(), LastSuccessAt: lastSuccess,
	}
	var se *nightly.StepError
	if errors.As(res.Err, &se) {
		s.Error = se.Error()
		if s.Status == nightly.StatusFailed {
			s.FailedStep = se.Step
		}
	} else if res.Err != nil {
		s.Error = res.Err.Error()
	}
	for _, st := range res.Steps {
		ss := stepSummary{Name: st.Name, Status: st.Status, DurationMS: st.Duration().Milliseconds(), Counts: st.Counts, Reason: st.Reason}
		if st.Err != nil {
			ss.Error = st.Err.Error()
		}
		if st.Name == "publish" && st.Status == nightly.StatusOK {
			s.Snapshot = snapshot
		}
		s.Steps = append(s.Steps, ss)
	}
	return s
}

// writeRunOutputs writes the summary and metrics files the run asked for
// (flags over run.summary_file and run.metrics_file), each atomically.
func writeRunOutputs(cfg *config.Config, opts *runOptions, s runSummary) error {
	summaryFile, metricsFile := opts.summaryFile, opts.metricsFile
	if summaryFile == "" {
		summaryFile = cfg.Path(cfg.Run.SummaryFile)
	}
	if metricsFile == "" {
		metricsFile = cfg.Path(cfg.Run.MetricsFile)
	}
	var errs []error
	if summaryFile != "" {
		b, err := json.MarshalIndent(s, "", "  ")
		if err == nil {
			err = writeFileAtomic(summaryFile, append(b, '\n'))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("summary file: %w", err))
		}
	}
	if metricsFile != "" {
		if err := writeFileAtomic(metricsFile, promText(s)); err != nil {
			errs = append(errs, fmt.Errorf("metrics file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// promText renders s in the Prometheus text exposition format, for the
// node exporter's textfile collector.
func promText(s runSummary) []byte {
	var b bytes.Buffer
	metric := func(name, help string, samples ...string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
		for _, smp := range samples {
			fmt.Fprintf(&b, "%s%s\n", name, smp)
		}
	}
	num := func(v float64) string {
		return " " + strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
	}
	ok := 0.0
	if s.Status != nightly.StatusFailed {
		ok = 1
	}
	metric("aftermath_run_success", "1 when the last run finished ok or partial (exit 0 or 3), 0 when it failed.", num(ok))
	metric("aftermath_run_exit_code", "Exit code of the last run (SPEC §2).", num(float64(s.ExitCode)))
	metric("aftermath_run_duration_seconds", "Wall time of the last run.", num(float64(s.DurationMS)/1000))
	metric("aftermath_run_finished_timestamp_seconds", "When the last run finished (Unix time).", num(float64(s.FinishedAt.Unix())))
	if s.LastSuccessAt != nil {
		metric("aftermath_last_success_timestamp_seconds", "When the latest ok or partial run finished (Unix time); alert when it gets old.", num(float64(s.LastSuccessAt.Unix())))
	}
	var durs, stat []string
	for _, st := range s.Steps {
		durs = append(durs, fmt.Sprintf(`{step=%q}`, st.Name)+num(float64(st.DurationMS)/1000))
		stat = append(stat, fmt.Sprintf(`{step=%q,status=%q}`, st.Name, st.Status)+" 1")
	}
	metric("aftermath_run_step_duration_seconds", "Wall time of each step of the last run.", durs...)
	metric("aftermath_run_step_status", "Status of each step of the last run (ok, partial, failed, skipped, disabled).", stat...)
	counts := map[string]int64{}
	for _, st := range s.Steps {
		for k, v := range st.Counts {
			counts[k] = v
		}
	}
	var rows []string
	for _, k := range []string{"messages_read", "messages_new", "messages_updated", "messages_skipped", "users"} {
		if v, has := counts[k]; has {
			rows = append(rows, fmt.Sprintf(`{kind=%q}`, k)+num(float64(v)))
		}
	}
	sort.Strings(rows)
	if len(rows) > 0 {
		metric("aftermath_ingest_rows", "Rows the last run's ingest read, stored new, updated or skipped.", rows...)
	}
	if v, has := counts["api_calls"]; has {
		metric("aftermath_slack_api_calls", "Slack Web API calls the last run made.", num(float64(v)))
		metric("aftermath_slack_rate_limited", "Slack 429 (rate limited) answers in the last run.", num(float64(counts["rate_limited"])))
	}
	if v, has := counts["incidents"]; has {
		metric("aftermath_incidents", "Incidents in the warehouse after the last transform, by state.",
			`{state="all"}`+num(float64(v)), `{state="open"}`+num(float64(counts["incidents_open"])), `{state="resolved"}`+num(float64(counts["incidents_resolved"])))
	}
	return b.Bytes()
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a reader (or the textfile collector) never sees half.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
