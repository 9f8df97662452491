package nightly

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

var errPartial = errors.New("partial")

func fakeClock() func() time.Time {
	now := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	return func() time.Time { now = now.Add(time.Second); return now }
}

func statuses(r *Result) map[string]string {
	out := map[string]string{}
	for _, s := range r.Steps {
		out[s.Name] = s.Status
	}
	return out
}

func TestRunStopsDependents(t *testing.T) {
	var ran []string
	step := func(name string, err error, needs ...string) Step {
		return Step{Name: name, Needs: needs, Run: func(context.Context) (Counts, error) {
			ran = append(ran, name)
			return Counts{"rows": 1}, err
		}}
	}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		steps     []Step
		want      map[string]string
		wantStep  string
		wantState string
	}{
		{"transform fails", []Step{step("ingest", nil), step("transform", boom, "ingest"), step("report", nil, "transform"), step("publish", nil, "ingest", "transform", "report")},
			map[string]string{"ingest": "ok", "transform": "failed", "report": "skipped", "publish": "skipped"}, "transform", StatusFailed},
		{"ingest partial", []Step{step("ingest", errPartial), step("transform", nil, "ingest"), step("publish", nil, "ingest", "transform")},
			map[string]string{"ingest": "partial", "transform": "ok", "publish": "ok"}, "ingest", StatusPartial},
		{"report disabled", []Step{step("ingest", nil), {Name: "report", Disabled: true}, step("publish", nil, "report")},
			map[string]string{"ingest": "ok", "report": "disabled", "publish": "ok"}, "", StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran = nil
			res := Run(context.Background(), tc.steps, Options{Now: fakeClock(), Partial: func(err error) bool { return errors.Is(err, errPartial) }})
			if diff := cmp.Diff(tc.want, statuses(res)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if res.Status() != tc.wantState {
				t.Errorf("Status() = %s; want %s", res.Status(), tc.wantState)
			}
			var se *StepError
			if tc.wantStep == "" {
				if res.Err != nil {
					t.Errorf("Err = %v; want nil", res.Err)
				}
			} else if !errors.As(res.Err, &se) || se.Step != tc.wantStep {
				t.Errorf("Err = %v; want a StepError naming %s", res.Err, tc.wantStep)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	db := warehousetest.Open(t)
	res := Run(context.Background(), []Step{
		{Name: "ingest", Run: func(context.Context) (Counts, error) { return Counts{"messages_new": 25, "api_calls": 7}, nil }},
		{Name: "transform", Needs: []string{"ingest"}, Run: func(context.Context) (Counts, error) { return nil, errors.New("boom") }},
		{Name: "publish", Needs: []string{"transform"}},
	}, Options{Now: fakeClock()})
	id, err := Record(context.Background(), db.DB, res, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := warehouse.Rows(t, db.DB, `SELECT run_id, status, exit_code, failed_step, error, duration_ms FROM runs`)
	want := []string{"1 | failed | 1 | transform | boom | 6000"}
	if id != 1 || !cmp.Equal(got, want) {
		t.Errorf("runs = %v (id %d); want %v", got, id, want)
	}
	got = warehouse.Rows(t, db.DB, `SELECT position, step, status, counts['messages_new'], error FROM run_steps ORDER BY position`)
	want = []string{"1 | ingest | ok | 25 | NULL", "2 | transform | failed | NULL | boom", "3 | publish | skipped | NULL | step transform did not succeed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run_steps (-want +got):\n%s", diff)
	}
}
