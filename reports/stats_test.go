package reports

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4}
	for _, c := range []struct{ p, want float64 }{{0.5, 2.5}, {0.9, 3.7}, {0, 1}, {1, 4}} {
		if got := quantile(xs, c.p); !near(got, c.want, 1e-12) {
			t.Errorf("quantile(%v, %v) = %v; want %v", xs, c.p, got, c.want)
		}
	}
}

func TestZ(t *testing.T) {
	if got := z(0.95); !near(got, 1.959964, 1e-5) {
		t.Errorf("z(0.95) = %v; want 1.959964", got)
	}
}

// Reference values: Newcombe (1998) Table II, example (a) 56/70 − 48/80,
// and Wilson intervals from the same paper's Table I (81/263: 0.2553–0.3662).
func TestWilsonNewcombe(t *testing.T) {
	w := wilson(81, 263, 0.95)
	if !near(w.Low, 0.2553, 5e-4) || !near(w.High, 0.3662, 5e-4) {
		t.Errorf("wilson(81, 263) = %+v; want 0.2553–0.3662", w)
	}
	d := newcombe(56, 70, 48, 80, 0.95)
	if !near(d.Low, 0.0524, 5e-4) || !near(d.High, 0.3339, 5e-4) {
		t.Errorf("newcombe(56/70, 48/80) = %+v; want 0.0524–0.3339", d)
	}
	if w := wilson(0, 5, 0.95); w.Low != 0 || !near(w.High, 0.4345, 5e-4) {
		t.Errorf("wilson(0, 5) = %+v; want 0–0.4345", w)
	}
}

func TestKMMedian(t *testing.T) {
	// No censoring, even n: the KM median is the lower middle value, the
	// interpolated median their mean.
	if got, ok := kmMedian([]float64{1, 2, 3, 4}, []bool{true, true, true, true}); !ok || got != 2 {
		t.Errorf("kmMedian(1..4) = %v, %v; want 2", got, ok)
	}
	// Censored at 1: S(2)=2/3, S(3)=1/3 → 3.
	if got, ok := kmMedian([]float64{1, 2, 3, 4}, []bool{false, true, true, true}); !ok || got != 3 {
		t.Errorf("kmMedian censored = %v, %v; want 3", got, ok)
	}
	if _, ok := kmMedian([]float64{1, 2, 3}, []bool{true, false, false}); ok {
		t.Errorf("kmMedian with most censored should be undefined")
	}
}

func TestBootstrapIsSeeded(t *testing.T) {
	xs := []float64{1, 2, 3, 5, 8, 13, 21, 34}
	m1, p1 := bootstrap("x", xs, 500, 0.95)
	m2, p2 := bootstrap("x", xs, 500, 0.95)
	if m1 != m2 || p1 != p2 {
		t.Errorf("bootstrap not deterministic: %v %v / %v %v", m1, p1, m2, p2)
	}
	if !(m1.Low <= m1.Estimate && m1.Estimate <= m1.High) || m1.Low == m1.High {
		t.Errorf("bootstrap median interval %+v does not bracket its estimate", m1)
	}
}

func TestVerdict(t *testing.T) {
	for _, c := range []struct {
		d     Interval
		lower bool
		want  string
	}{
		{Interval{1, 0.5, 2}, true, VerdictWorse},
		{Interval{-1, -2, -0.5}, true, VerdictBetter},
		{Interval{0.1, -1, 2}, true, VerdictNoChange},
		{Interval{0.2, 0.1, 0.3}, false, VerdictBetter},
	} {
		if got := verdict(c.d, c.lower); got != c.want {
			t.Errorf("verdict(%+v, %v) = %q; want %q", c.d, c.lower, got, c.want)
		}
	}
}
