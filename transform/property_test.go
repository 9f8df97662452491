package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// smallSample generates a small workspace once per test binary.
func smallSample(t *testing.T) (string, *config.Config) {
	t.Helper()
	dir := t.TempDir()
	_, err := samplegen.Generate(context.Background(), dir, samplegen.Options{
		Seed: 11, Weeks: 6, Incidents: 60, Scale: 0.3, End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, sampleConfig(t, dir)
}

// splitExport writes the messages of the export at src into parts new
// exports, each message in exactly one part, shuffled within its day file,
// every part carrying the full channel and user lists.
func splitExport(t *testing.T, src string, parts int, r *rand.Rand) []string {
	t.Helper()
	out := make([]string, parts)
	for i := range out {
		out[i] = filepath.Join(t.TempDir(), fmt.Sprintf("part%d", i))
	}
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.Contains(rel, string(filepath.Separator)) {
			for _, dst := range out {
				if err := os.MkdirAll(dst, 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dst, rel), data, 0o644); err != nil {
					return err
				}
			}
			return nil
		}
		var msgs []json.RawMessage
		if err := json.Unmarshal(data, &msgs); err != nil {
			return err
		}
		r.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
		buckets := make([][]json.RawMessage, parts)
		for _, m := range msgs {
			k := r.IntN(parts)
			buckets[k] = append(buckets[k], m)
		}
		for k, b := range buckets {
			if len(b) == 0 {
				continue
			}
			body, err := json.Marshal(b)
			if err != nil {
				return err
			}
			dst := filepath.Join(out[k], rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(dst, body, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Any order in which the same messages arrive gives the same derived tables.
func TestTransformIgnoresIngestOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a generated workspace several times")
	}
	dir, cfg := smallSample(t)
	export := filepath.Join(dir, "export")
	base := ingestExport(t, export, cfg)
	runTransform(t, base, cfg)
	want := derivedDump(t, base.DB)
	if !strings.Contains(want, "| thread |") || !strings.Contains(want, "| channel |") {
		t.Fatal("the sample should hold both thread and channel incidents")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, seed))
		parts := splitExport(t, export, 2+int(seed), r)
		r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		db := warehousetest.Open(t)
		for _, p := range parts {
			_, err := ingest.IngestExport(context.Background(), db, ingest.ExportOptions{
				Path: p, Selection: ingest.NewSelection(cfg.Channels, nil, true), BatchBytes: 1 << 20,
				TempDir: t.TempDir(), Now: func() time.Time { return testNow }, Log: quiet(),
			})
			if err != nil {
				t.Fatalf("ingest %s: %v", p, err)
			}
		}
		runTransform(t, db, cfg)
		if diff := cmp.Diff(want, derivedDump(t, db.DB)); diff != "" {
			t.Errorf("seed %d: ingesting in %d shuffled parts changed the derived tables (-one export +parts):\n%s", seed, len(parts), diff)
		}
	}
}

// quantile is DuckDB's quantile_cont: linear interpolation between ranks.
func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	return s[int(lo)] + (pos-lo)*(s[int(hi)]-s[int(lo)])
}

// kmMedian is the Kaplan-Meier median of durations t with event flags:
// the smallest time at which the survival estimate falls to 0.5 or below.
func kmMedian(t []float64, event []bool) (float64, bool) {
	idx := make([]int, len(t))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return t[idx[a]] < t[idx[b]] })
	s := 1.0
	for i := 0; i < len(idx); {
		j, d := i, 0
		for j < len(idx) && t[idx[j]] == t[idx[i]] {
			if event[idx[j]] {
				d++
			}
			j++
		}
		atRisk := len(idx) - i
		if d > 0 {
			s *= 1 - float64(d)/float64(atRisk)
			if s <= 0.5+1e-12 {
				return t[idx[i]], true
			}
		}
		i = j
	}
	return 0, false
}

// The metric views agree with the same figures computed in Go from the
// incidents table.
func TestMetricViewsMatchGo(t *testing.T) {
	if testing.Short() {
		t.Skip("transforms a generated workspace")
	}
	dir, cfg := smallSample(t)
	db := ingestExport(t, filepath.Join(dir, "export"), cfg)
	runTransform(t, db, cfg)

	type inc struct {
		sev              string
		ttr, tta, ttm    *float64
		observed         float64
		resolved, within bool
		withinKnown      bool
	}
	rows, err := db.Query(`SELECT coalesce(severity, 'unknown'), time_to_resolve_s, time_to_acknowledge_s, time_to_mitigate_s,
		coalesce(time_to_resolve_s, CAST(epoch(TIMESTAMPTZ '2026-11-25 03:00:00+00') - epoch(started_at) AS BIGINT)), resolved_at IS NOT NULL,
		coalesce(within_target, false), within_target IS NOT NULL
		FROM incidents WHERE NOT excluded`)
	if err != nil {
		t.Fatal(err)
	}
	bySev := map[string][]inc{}
	for rows.Next() {
		var i inc
		if err := rows.Scan(&i.sev, &i.ttr, &i.tta, &i.ttm, &i.observed, &i.resolved, &i.within, &i.withinKnown); err != nil {
			t.Fatal(err)
		}
		bySev[i.sev] = append(bySev[i.sev], i)
	}
	rows.Close()
	if len(bySev) < 2 {
		t.Fatalf("the sample should span several severities, got %v", bySev)
	}
	vals := func(list []inc, f func(inc) *float64) []float64 {
		var out []float64
		for _, i := range list {
			if v := f(i); v != nil {
				out = append(out, *v)
			}
		}
		return out
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }
	for sev, list := range bySev {
		var got struct {
			n, ttrN, targetN, within                             int
			ttrMedian, ttrP90, ttrMean, km, ttaMedian, ttmMedian *float64
		}
		err := db.QueryRow(`SELECT incidents, ttr_n, ttr_median_s, ttr_p90_s, ttr_mean_s, ttr_km_median_s, tta_median_s, ttm_median_s, target_n, within_target
			FROM severity_metrics WHERE severity = ?`, sev).Scan(&got.n, &got.ttrN, &got.ttrMedian, &got.ttrP90, &got.ttrMean, &got.km,
			&got.ttaMedian, &got.ttmMedian, &got.targetN, &got.within)
		if err != nil {
			t.Fatalf("severity_metrics %s: %v", sev, err)
		}
		ttr := vals(list, func(i inc) *float64 { return i.ttr })
		if got.n != len(list) || got.ttrN != len(ttr) {
			t.Errorf("%s: n = %d, ttr_n = %d; Go counts %d and %d", sev, got.n, got.ttrN, len(list), len(ttr))
		}
		if len(ttr) > 0 {
			mean := 0.0
			for _, v := range ttr {
				mean += v
			}
			mean /= float64(len(ttr))
			for _, c := range []struct {
				name string
				got  *float64
				want float64
			}{{"ttr median", got.ttrMedian, quantile(ttr, 0.5)}, {"ttr p90", got.ttrP90, quantile(ttr, 0.9)}, {"ttr mean", got.ttrMean, mean}} {
				if c.got == nil || !near(*c.got, c.want) {
					t.Errorf("%s %s = %v; Go computes %v", sev, c.name, c.got, c.want)
				}
			}
		}
		for _, c := range []struct {
			name string
			got  *float64
			xs   []float64
		}{{"tta median", got.ttaMedian, vals(list, func(i inc) *float64 { return i.tta })}, {"ttm median", got.ttmMedian, vals(list, func(i inc) *float64 { return i.ttm })}} {
			if len(c.xs) > 0 && (c.got == nil || !near(*c.got, quantile(c.xs, 0.5))) {
				t.Errorf("%s %s = %v; Go computes %v", sev, c.name, c.got, quantile(c.xs, 0.5))
			}
		}
		var obs []float64
		var ev []bool
		targetN, within := 0, 0
		for _, i := range list {
			obs, ev = append(obs, i.observed), append(ev, i.resolved)
			if i.withinKnown {
				targetN++
				if i.within {
					within++
				}
			}
		}
		want, ok := kmMedian(obs, ev)
		if ok != (got.km != nil) || ok && !near(*got.km, want) {
			t.Errorf("%s Kaplan-Meier median = %v; Go computes %v (defined %v)", sev, deref(got.km), want, ok)
		}
		if got.targetN != targetN || got.within != within {
			t.Errorf("%s target: %d of %d within; Go counts %d of %d", sev, got.within, got.targetN, within, targetN)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// Regression: floating point made a survival of exactly one half (two of
// four resolved) read as just above 0.5, so the Kaplan-Meier median moved
// to the next event time.
func TestKaplanMeierMedianAtExactlyHalf(t *testing.T) {
	db := warehousetest.Open(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO transform_runs (run_id, started_at, finished_at, as_of, timezone, messages_read, incidents, resolved, open, excluded, config_source, rules) VALUES (1, now(), now(), TIMESTAMPTZ '2026-11-25 00:00:00+00', 'UTC', 0, 4, 3, 1, 0, 'test', '{}')`); err != nil {
		t.Fatal(err)
	}
	// Resolved after 100 s, 200 s and 400 s; one open since 2026-11-24 (86400 s).
	for i, ttr := range []any{100, 200, 400, nil} {
		started := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
		var resolved any
		if ttr != nil {
			resolved = started.Add(time.Duration(ttr.(int)) * time.Second)
		}
		_, err := db.ExecContext(ctx, `INSERT INTO incidents (incident_id, kind, channel_id, channel_name, status, started_at, declared_at,
			resolved_at, detection_source, participants, message_count, time_to_resolve_s, postmortem_required, regression_test, excluded, quality_flags)
			VALUES (?, 'channel', ?, 'inc', 'resolved', ?, ?, ?, 'human', 1, 1, ?, false, 'missing', false, 0)`,
			fmt.Sprint(i), fmt.Sprint(i), started, started, resolved, ttr)
		if err != nil {
			t.Fatal(err)
		}
	}
	var km float64
	if err := db.QueryRowContext(ctx, `SELECT km_median_s FROM km_time_to_resolve WHERE dimension = 'all'`).Scan(&km); err != nil {
		t.Fatal(err)
	}
	// S(100) = 3/4, S(200) = 1/2: the median is 200.
	if km != 200 {
		t.Errorf("km_median_s = %v; want 200", km)
	}
}
