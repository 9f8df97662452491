// Package nightly runs the steps of `aftermath run` in order and records
// what each did.
//
// It knows nothing of the stages themselves: cmd/aftermath hands it a list
// of steps (ingest, transform, report, publish), each a function returning
// counts and an error, and the names of the steps it needs. A step whose
// needed step failed or was skipped is skipped, and the run's error names
// the step that failed. A partial step (inputs skipped, SPEC exit code 3)
// does not stop the others. The caller holds the warehouse lock.
package nightly

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Step statuses.
const (
	StatusOK       = "ok"
	StatusPartial  = "partial"
	StatusFailed   = "failed"
	StatusSkipped  = "skipped"  // a step it needs did not succeed, or the run was cancelled
	StatusDisabled = "disabled" // the configuration turned it off
)

// Counts are a step's figures, by stable key (rows, api_calls, ...).
type Counts map[string]int64

// Step is one step of the job.
type Step struct {
	Name     string
	Needs    []string // steps that must succeed (ok or partial) first
	Disabled bool
	Run      func(ctx context.Context) (Counts, error)
}

// StepResult is what one step did.
type StepResult struct {
	Name     string
	Status   string
	Started  time.Time
	Finished time.Time
	Counts   Counts
	Err      error
	Reason   string // why it was skipped
}

// Duration is how long the step ran.
func (s StepResult) Duration() time.Duration { return s.Finished.Sub(s.Started) }

// Result is what the job did.
type Result struct {
	Started  time.Time
	Finished time.Time
	Steps    []StepResult
	// Err is the first failed step's *StepError, else the first partial
	// one's, else nil.
	Err error
}

// Status is failed, partial or ok.
func (r *Result) Status() string {
	status := StatusOK
	for _, s := range r.Steps {
		switch s.Status {
		case StatusFailed:
			return StatusFailed
		case StatusPartial:
			status = StatusPartial
		}
	}
	return status
}

// Step returns the result of the named step, or nil.
func (r *Result) Step(name string) *StepResult {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// StepError is a step's failure, named.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %s: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// Options configure Run.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// Partial reports whether a step's error means "finished, some inputs
	// skipped" rather than failure.
	Partial func(error) bool
}

// Run runs steps in order.
func Run(ctx context.Context, steps []Step, opts Options) *Result {
	if opts.Partial == nil {
		opts.Partial = func(error) bool { return false }
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	res := &Result{Started: opts.Now()}
	ok := map[string]bool{}
	var failed, partial error
	for _, st := range steps {
		sr := StepResult{Name: st.Name, Started: opts.Now()}
		sr.Finished = sr.Started
		switch {
		case st.Disabled:
			sr.Status = StatusDisabled
		case ctx.Err() != nil:
			sr.Status, sr.Reason = StatusSkipped, "the run was cancelled"
		default:
			for _, need := range st.Needs {
				if !ok[need] {
					sr.Status, sr.Reason = StatusSkipped, "step "+need+" did not succeed"
					break
				}
			}
		}
		if sr.Status == "" {
			opts.Log.Info("step started", "step", st.Name)
			counts, err := st.Run(ctx)
			sr.Finished, sr.Counts, sr.Err = opts.Now(), counts, err
			switch {
			case err == nil:
				sr.Status = StatusOK
			case opts.Partial(err):
				sr.Status = StatusPartial
				if partial == nil {
					partial = &StepError{Step: st.Name, Err: err}
				}
			default:
				sr.Status = StatusFailed
				if failed == nil {
					failed = &StepError{Step: st.Name, Err: err}
				}
			}
			ok[st.Name] = sr.Status == StatusOK || sr.Status == StatusPartial
			opts.Log.Info("step finished", "step", st.Name, "status", sr.Status, "elapsed_ms", sr.Duration().Milliseconds())
		} else if sr.Status == StatusDisabled {
			// A disabled step does not hold back the steps after it.
			ok[st.Name] = true
		} else {
			opts.Log.Warn("step skipped", "step", st.Name, "reason", sr.Reason)
		}
		res.Steps = append(res.Steps, sr)
	}
	res.Finished = opts.Now()
	switch {
	case failed != nil:
		res.Err = failed
	case partial != nil:
		res.Err = partial
	case ctx.Err() != nil:
		res.Err = ctx.Err()
	}
	return res
}
