package reports

// Every statistical formula the report uses, once, with its reference.

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
)

// quantile returns the p-quantile of sorted xs by linear interpolation
// between order statistics: Hyndman & Fan (1996) "Sample quantiles in
// statistical packages", The American Statistician 50(4), type 7 — the
// definition of DuckDB's quantile_cont, so the report's medians equal the
// metric views'. xs must be sorted and non-empty.
func quantile(xs []float64, p float64) float64 {
	h := float64(len(xs)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-lo)*(xs[i+1]-xs[i])
}

// z returns the two-sided standard normal quantile for a confidence level
// (0.95 → 1.95996…), by bisection of math.Erf: Φ(z) = (1+erf(z/√2))/2.
func z(confidence float64) float64 {
	target := 1 - (1-confidence)/2
	lo, hi := 0.0, 10.0
	for range 100 {
		mid := (lo + hi) / 2
		if (1+math.Erf(mid/math.Sqrt2))/2 < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// Interval is a point estimate with a confidence interval.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
}

// wilson is the Wilson score interval for k successes in n trials: Wilson
// (1927) "Probable inference, the law of succession, and statistical
// inference", JASA 22:209; recommended over the Wald interval by Brown, Cai
// & DasGupta (2001), Statistical Science 16(2):101. n must be positive.
func wilson(k, n int, confidence float64) Interval {
	zz := z(confidence)
	p := float64(k) / float64(n)
	nn := float64(n)
	den := 1 + zz*zz/nn
	centre := (p + zz*zz/(2*nn)) / den
	half := zz / den * math.Sqrt(p*(1-p)/nn+zz*zz/(4*nn*nn))
	return Interval{Estimate: p, Low: math.Max(0, centre-half), High: math.Min(1, centre+half)}
}

// newcombe is the interval for a difference of two independent proportions
// k1/n1 − k2/n2 from their Wilson intervals: Newcombe (1998) "Interval
// estimation for the difference between independent proportions: comparison
// of eleven methods", Statistics in Medicine 17:873, method 10.
func newcombe(k1, n1, k2, n2 int, confidence float64) Interval {
	a, b := wilson(k1, n1, confidence), wilson(k2, n2, confidence)
	d := a.Estimate - b.Estimate
	lo := d - math.Sqrt(sq(a.Estimate-a.Low)+sq(b.High-b.Estimate))
	hi := d + math.Sqrt(sq(a.High-a.Estimate)+sq(b.Estimate-b.Low))
	return Interval{Estimate: d, Low: lo, High: hi}
}

func sq(x float64) float64 { return x * x }

// rateRatio compares a count a over ta weeks with b over tb weeks: the ratio
// of Poisson rates with the log-normal interval exp(ln r ± z·√(1/a+1/b))
// (Rothman, Greenland & Lash, Modern Epidemiology, 3rd ed., ch. 14). The
// difference it reports is r − 1, so "excludes zero" means the ratio
// interval excludes 1. a and b must be positive.
func rateRatio(a int, ta float64, b int, tb float64, confidence float64) Interval {
	r := (float64(a) / ta) / (float64(b) / tb)
	half := z(confidence) * math.Sqrt(1/float64(a)+1/float64(b))
	return Interval{Estimate: r - 1, Low: math.Exp(math.Log(r)-half) - 1, High: math.Exp(math.Log(r)+half) - 1}
}

// newRand returns the report's random source for one statistic: PCG seeded
// from the statistic's name, so every figure is byte-stable and adding a
// section does not change the others (math/rand/v2 PCG: O'Neill 2014,
// "PCG: a family of simple fast space-efficient statistically good
// algorithms for random number generation").
func newRand(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(0x61667465726d6174, h.Sum64()))
}

// bootstrap gives percentile-bootstrap intervals (Efron & Tibshirani 1993,
// "An Introduction to the Bootstrap", ch. 13) for the median and p90 of xs:
// b resamples with replacement, the interval's ends the (1−c)/2 and (1+c)/2
// quantiles of the resampled statistics. xs must be sorted and non-empty.
func bootstrap(name string, xs []float64, b int, confidence float64) (median, p90 Interval) {
	r := newRand(name)
	meds := make([]float64, b)
	p90s := make([]float64, b)
	buf := make([]float64, len(xs))
	for i := range b {
		for j := range buf {
			buf[j] = xs[r.IntN(len(xs))]
		}
		slices.Sort(buf)
		meds[i], p90s[i] = quantile(buf, 0.5), quantile(buf, 0.9)
	}
	return percentileInterval(quantile(xs, 0.5), meds, confidence), percentileInterval(quantile(xs, 0.9), p90s, confidence)
}

// bootstrapDiff is the percentile-bootstrap interval of quantile p of xs
// minus quantile p of ys, resampling each independently. Both sorted,
// non-empty.
func bootstrapDiff(name string, xs, ys []float64, p float64, b int, confidence float64) Interval {
	r := newRand(name)
	diffs := make([]float64, b)
	bx := make([]float64, len(xs))
	by := make([]float64, len(ys))
	for i := range b {
		for j := range bx {
			bx[j] = xs[r.IntN(len(xs))]
		}
		for j := range by {
			by[j] = ys[r.IntN(len(ys))]
		}
		slices.Sort(bx)
		slices.Sort(by)
		diffs[i] = quantile(bx, p) - quantile(by, p)
	}
	return percentileInterval(quantile(xs, p)-quantile(ys, p), diffs, confidence)
}

func percentileInterval(estimate float64, stats []float64, confidence float64) Interval {
	slices.Sort(stats)
	return Interval{Estimate: estimate, Low: quantile(stats, (1-confidence)/2), High: quantile(stats, (1+confidence)/2)}
}

// kmMedian is the Kaplan-Meier median (Kaplan & Meier 1958, "Nonparametric
// estimation from incomplete observations", JASA 53:457): the smallest
// observed event time at which the product-limit estimate S(t) = Π(1 −
// dᵢ/nᵢ) falls to ½ or below; ok is false when it never does. It is the
// same estimate as duration_metrics.km_median_s.
func kmMedian(times []float64, events []bool) (float64, bool) {
	type obs struct {
		t     float64
		event bool
	}
	o := make([]obs, len(times))
	for i := range times {
		o[i] = obs{times[i], events[i]}
	}
	slices.SortFunc(o, func(a, b obs) int {
		if a.t < b.t {
			return -1
		} else if a.t > b.t {
			return 1
		}
		return 0
	})
	s := 1.0
	atRisk := len(o)
	for i := 0; i < len(o); {
		j, d := i, 0
		for j < len(o) && o[j].t == o[i].t {
			if o[j].event {
				d++
			}
			j++
		}
		if d > 0 {
			s *= 1 - float64(d)/float64(atRisk)
			if s <= 0.5+1e-9 {
				return o[i].t, true
			}
		}
		atRisk -= j - i
		i = j
	}
	return 0, false
}

// Verdict words for a comparison.
const (
	VerdictBetter   = "better"
	VerdictWorse    = "worse"
	VerdictNoChange = "no clear change"
	VerdictTooFew   = "too few incidents to tell"
)

// verdict calls a change better or worse only when its interval excludes
// zero; lowerIsBetter says which direction is good.
func verdict(d Interval, lowerIsBetter bool) string {
	switch {
	case d.Low > 0:
		if lowerIsBetter {
			return VerdictWorse
		}
		return VerdictBetter
	case d.High < 0:
		if lowerIsBetter {
			return VerdictBetter
		}
		return VerdictWorse
	}
	return VerdictNoChange
}
