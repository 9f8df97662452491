package transform

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// sampleConfig loads the configuration the generator writes for its
// workspace: the defaults plus its service catalog, repositories and shared
// channels.
func sampleConfig(t *testing.T, dir string) *config.Config {
	t.Helper()
	if err := samplegen.WriteConfig(dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "aftermath.yaml"))
	if err != nil {
		t.Fatalf("config for the sample workspace: %v", err)
	}
	return cfg
}

type found struct {
	id, channel, thread, severity, service, detection, recurrenceOf, regression, excluded string
	times                                                                                 map[string]*time.Time
}

// TestAccuracyAgainstGroundTruth measures transform on a generated
// workspace written with the held-aside phrase banks (samplegen
// Options.HeldAside), which the recognisers were not tuned on, and asserts
// issue 8's floors there (under make accuracy). With make accuracy it also
// reports the tuning set.
func TestAccuracyAgainstGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and transforms a 500-incident workspace")
	}
	sets := []bool{true}
	if *accuracyRun {
		sets = append(sets, false)
	}
	for _, heldAside := range sets {
		name := "held-aside phrases"
		if !heldAside {
			name = "tuning phrases"
		}
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			rep, n, seed := generatorAccuracy(t, heldAside)
			t.Logf("accuracy against the generator's ground truth, %s (%d incidents, seed %d):\n%s", name, n, seed, rep.table())
			if !heldAside {
				return // the tuning set is reported, not asserted
			}
			if !*accuracyRun {
				// make test reports; make accuracy (run by .ci/run)
				// asserts the floors, so a miss fails CI visibly without
				// blocking every other package's tests.
				return
			}
			for _, f := range []struct {
				name string
				got  float64
			}{
				{"detection precision", rep.precision},
				{"detection recall", rep.recall},
				{"started_at within 1 min", rep.fields["started_at"]},
				{"acknowledged_at within 1 min", rep.fields["acknowledged_at"]},
				{"mitigated_at within 1 min", rep.fields["mitigated_at"]},
				{"resolved_at within 1 min", rep.fields["resolved_at"]},
			} {
				checkFloor(t, f.name, 100*f.got, generatorFloors[f.name])
			}
			if rep.phantoms > 0 {
				t.Errorf("%d phantom incidents; want none", rep.phantoms)
			}
			if rep.openCalledResolved > 0 {
				t.Errorf("%d open incidents called resolved; want none", rep.openCalledResolved)
			}
		})
	}
}

// generatorAccuracy generates a workspace at seed 2026, or at
// AFTERMATH_ACCURACY_SEED, and measures transform against its truth.
func generatorAccuracy(t *testing.T, heldAside bool) (rep *report, incidents int, seed int64) {
	dir := t.TempDir()
	seed = 2026 // not the seed the recognisers were tuned on (7)
	if s := os.Getenv("AFTERMATH_ACCURACY_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	_, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
		Seed: seed, Weeks: 26, Incidents: 500, Scale: 1, End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), HeldAside: heldAside,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sampleConfig(t, dir)
	db := ingestExport(t, filepath.Join(dir, "export"), cfg)
	runTransform(t, db, cfg)

	truth, err := samplegen.LoadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	return evaluate(t, db, truth.Incidents), len(truth.Incidents), seed
}

type report struct {
	truth, found, matched int
	phantoms              int // found incidents the truth does not have
	openCalledResolved    int // truth open (not resolved), result resolved
	precision, recall     float64
	fields                map[string]float64
	other                 map[string]float64
	misses                map[string][]string
}

var lifecycle = []string{"started_at", "declared_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at", "postmortem_at"}

func parseTime(s *string) *time.Time {
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil
	}
	return &t
}

// evaluate compares the incidents table with the ground truth.
func evaluate(t *testing.T, db *warehouse.DB, truth []samplegen.TruthIncident) *report {
	t.Helper()
	rows, err := db.Query(`SELECT incident_id, channel_id, coalesce(thread_ts, ''), coalesce(severity, ''), coalesce(service, ''),
		detection_source, coalesce(recurrence_of, ''), regression_test, coalesce(exclusion_reason, ''),
		started_at, declared_at, detected_at, acknowledged_at, mitigated_at, resolved_at, closed_at, postmortem_at
		FROM incidents`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	byKey := map[string]*found{}
	var all []*found
	for rows.Next() {
		f := &found{times: map[string]*time.Time{}}
		ts := make([]sql.NullTime, len(lifecycle))
		args := []any{&f.id, &f.channel, &f.thread, &f.severity, &f.service, &f.detection, &f.recurrenceOf, &f.regression, &f.excluded}
		for i := range ts {
			args = append(args, &ts[i])
		}
		if err := rows.Scan(args...); err != nil {
			t.Fatal(err)
		}
		for i, k := range lifecycle {
			if ts[i].Valid {
				v := ts[i].Time
				f.times[k] = &v
			}
		}
		byKey[f.channel+"|"+f.thread] = f
		all = append(all, f)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	rep := &report{truth: len(truth), found: len(all), fields: map[string]float64{}, other: map[string]float64{}, misses: map[string][]string{}}
	ourID := map[string]string{}   // truth id → our incident id
	truthID := map[string]string{} // our incident id → truth id
	matched := map[string]*found{}
	for _, ti := range truth {
		thread := ""
		if ti.ThreadTS != nil {
			thread = *ti.ThreadTS
		}
		if f := byKey[ti.ChannelID+"|"+thread]; f != nil {
			matched[ti.ID] = f
			ourID[ti.ID], truthID[f.id] = f.id, ti.ID
		} else {
			rep.misses["not found"] = append(rep.misses["not found"], ti.ID+" "+ti.Style+" "+ti.Source)
		}
	}
	for _, f := range all {
		if truthID[f.id] == "" {
			rep.misses["not an incident"] = append(rep.misses["not an incident"], f.id)
			rep.phantoms++
		}
	}
	rep.matched = len(matched)
	rep.precision = float64(rep.matched) / math.Max(1, float64(rep.found))
	rep.recall = float64(rep.matched) / math.Max(1, float64(rep.truth))

	share := func(name string, ok func(ti samplegen.TruthIncident, f *found) (bool, bool)) {
		n, good := 0, 0
		for _, ti := range truth {
			f := matched[ti.ID]
			if f == nil {
				// A missed incident has every field wrong, absent ones
				// included: an empty result is not free.
				n++
				if len(rep.misses[name]) < 400 {
					rep.misses[name] = append(rep.misses[name], ti.ID+" not found")
				}
				continue
			}
			applies, right := ok(ti, f)
			if !applies {
				continue
			}
			n++
			if right {
				good++
			} else if len(rep.misses[name]) < 400 {
				rep.misses[name] = append(rep.misses[name], ti.ID+" "+ti.Style+" "+ti.Source)
			}
		}
		rep.other[name] = float64(good) / math.Max(1, float64(n))
	}
	for _, k := range lifecycle {
		k := k
		share(k, func(ti samplegen.TruthIncident, f *found) (bool, bool) {
			want := parseTime(map[string]*string{"started_at": ti.StartedAt, "declared_at": ti.DeclaredAt, "detected_at": ti.DetectedAt,
				"acknowledged_at": ti.AcknowledgedAt, "mitigated_at": ti.MitigatedAt, "resolved_at": ti.ResolvedAt,
				"closed_at": ti.ClosedAt, "postmortem_at": ti.PostmortemAt}[k])
			got := f.times[k]
			if k == "resolved_at" && want == nil && got != nil && !ti.Excluded {
				rep.openCalledResolved++
			}
			if want == nil || got == nil {
				// Absent is right only when the truth says absent.
				return true, want == nil && got == nil
			}
			return true, math.Abs(got.Sub(*want).Seconds()) <= 60
		})
		rep.fields[k] = rep.other[k]
		delete(rep.other, k)
	}
	share("severity", func(ti samplegen.TruthIncident, f *found) (bool, bool) {
		want := ""
		if ti.Severity != nil {
			want = *ti.Severity
		}
		return !ti.Excluded, want == f.severity
	})
	share("service", func(ti samplegen.TruthIncident, f *found) (bool, bool) { return !ti.Excluded, ti.Service == f.service })
	share("detection source", func(ti samplegen.TruthIncident, f *found) (bool, bool) {
		return !ti.Excluded, ti.DetectionSource == f.detection
	})
	share("excluded", func(ti samplegen.TruthIncident, f *found) (bool, bool) {
		return true, ti.Excluded == (f.excluded != "")
	})
	share("regression test", func(ti samplegen.TruthIncident, f *found) (bool, bool) {
		return true, ti.RegressionTest == f.regression
	})

	// Recurrence: a found pair is right when the truth says the same.
	var tp, fp, fn int
	for _, ti := range truth {
		f := matched[ti.ID]
		want := ""
		if ti.RecurrenceOf != nil {
			want = *ti.RecurrenceOf
		}
		got := ""
		if f != nil && f.recurrenceOf != "" {
			got = truthID[f.recurrenceOf]
			if got == "" {
				got = "?"
			}
		}
		switch {
		case want != "" && got == want:
			tp++
		case got != "":
			fp++
			if want != "" {
				fn++
			}
			rep.misses["recurrence"] = append(rep.misses["recurrence"], ti.ID+" got "+got+" want "+want)
		case want != "":
			fn++
			rep.misses["recurrence"] = append(rep.misses["recurrence"], ti.ID+" missed "+want)
		}
	}
	rep.other["recurrence precision"] = float64(tp) / math.Max(1, float64(tp+fp))
	rep.other["recurrence recall"] = float64(tp) / math.Max(1, float64(tp+fn))
	if os.Getenv("AFTERMATH_ACCURACY_MISSES") != "" {
		for k, v := range rep.misses {
			t.Logf("misses %s (%d): %s", k, len(v), strings.Join(v[:min(len(v), 40)], "; "))
		}
	}
	return rep
}

func (r *report) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %-26s %7s\n", "measure", "value")
	fmt.Fprintf(&b, "  %-26s %6.1f%%  (%d of %d found are real)\n", "detection precision", 100*r.precision, r.matched, r.found)
	fmt.Fprintf(&b, "  %-26s %6.1f%%  (%d of %d real found)\n", "detection recall", 100*r.recall, r.matched, r.truth)
	fmt.Fprintf(&b, "  %-26s %7d\n", "phantom incidents", r.phantoms)
	fmt.Fprintf(&b, "  %-26s %7d\n", "open called resolved", r.openCalledResolved)
	for _, k := range lifecycle {
		fmt.Fprintf(&b, "  %-26s %6.1f%%\n", k+" within 1 min", 100*r.fields[k])
	}
	var keys []string
	for k := range r.other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-26s %6.1f%%\n", k, 100*r.other[k])
	}
	return b.String()
}
