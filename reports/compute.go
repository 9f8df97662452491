package reports

// Compute: turn the loaded rows into the report's content. Every figure
// comes with its n; every statistic comes from stats.go.

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// window is the span a report covers, in the configured time zone.
type window struct {
	label      string    // 2026-W47, or 2026-11-02_2026-11-15 for a custom range
	start, end time.Time // [start, end), local midnights
	days       int
}

// weeks is the window's length in weeks (for rates).
func (w window) weeks() float64 { return float64(w.days) / 7 }

// IsoWeek returns the ISO 8601 label (2026-W47) of t's date.
func IsoWeek(t time.Time) string {
	y, wk := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, wk)
}

var isoWeekRE = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)

// weekWindow returns the window of an ISO week label in loc.
func weekWindow(label string, loc *time.Location) (window, error) {
	m := isoWeekRE.FindStringSubmatch(label)
	if m == nil {
		return window{}, fmt.Errorf("%w: week %q is not an ISO week such as 2026-W47", ErrUsage, label)
	}
	y, _ := strconv.Atoi(m[1])
	wk, _ := strconv.Atoi(m[2])
	// 4 January is always in week 1.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(wk-1)*7)
	if IsoWeek(monday) != label {
		return window{}, fmt.Errorf("%w: %s has no week %d", ErrUsage, m[1], wk)
	}
	return window{label: label, start: monday, end: monday.AddDate(0, 0, 7), days: 7}, nil
}

// lastCompleteWeek is the ISO week before the one now falls in, in loc.
func lastCompleteWeek(now time.Time, loc *time.Location) window {
	t := now.In(loc)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	monday := today.AddDate(0, 0, -((int(today.Weekday())+6)%7)-7)
	return window{label: IsoWeek(monday), start: monday, end: monday.AddDate(0, 0, 7), days: 7}
}

// rangeWindow is [from, to] (dates, to inclusive) in loc.
func rangeWindow(from, to string, loc *time.Location) (window, error) {
	f, err := time.ParseInLocation("2006-01-02", from, loc)
	if err != nil {
		return window{}, fmt.Errorf("%w: --from %q is not a date (YYYY-MM-DD)", ErrUsage, from)
	}
	tt, err := time.ParseInLocation("2006-01-02", to, loc)
	if err != nil {
		return window{}, fmt.Errorf("%w: --to %q is not a date (YYYY-MM-DD)", ErrUsage, to)
	}
	if tt.Before(f) {
		return window{}, fmt.Errorf("%w: --to %s is before --from %s", ErrUsage, to, from)
	}
	end := tt.AddDate(0, 0, 1)
	days := 0
	for d := f; d.Before(end); d = d.AddDate(0, 0, 1) {
		days++
	}
	return window{label: from + "_" + to, start: f, end: end, days: days}, nil
}

// mondayOf is the local Monday 00:00 of t's week.
func mondayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

type computer struct {
	opts  Options
	loc   *time.Location
	w     window
	bFrom time.Time // baseline start
	d     *data
	base  string // workspace URL
	evid  map[string][]evidence
}

func compute(opts Options, w window, d *data) *Report {
	c := &computer{opts: opts, loc: opts.Location, w: w, d: d, base: opts.WorkspaceURL}
	c.bFrom = w.start.AddDate(0, 0, -7*opts.BaselineWeeks)
	if c.base == "" {
		for _, i := range d.incidents {
			if m := workspaceRE.FindString(i.SlackURL.String); m != "" {
				c.base = m
				break
			}
		}
	}
	c.evid = map[string][]evidence{}
	for _, e := range d.evidence {
		c.evid[e.IncidentID] = append(c.evid[e.IncidentID], e)
	}
	var week, baseline, excluded []incident
	for _, i := range d.incidents {
		switch {
		case i.Started.Before(c.bFrom):
		case i.Started.Before(w.start):
			if !i.Excluded {
				baseline = append(baseline, i)
			}
		case i.Started.Before(w.end):
			if i.Excluded {
				excluded = append(excluded, i)
			} else {
				week = append(week, i)
			}
		}
	}
	r := &Report{
		Schema:      "https://aftermath.dev/schema/report/v1.json",
		Version:     SchemaVersion,
		Title:       opts.Title,
		Week:        w.label,
		From:        w.start.Format("2006-01-02"),
		To:          w.end.AddDate(0, 0, -1).Format("2006-01-02"),
		Timezone:    c.loc.String(),
		AsOf:        d.asOf.UTC(),
		GeneratedAt: opts.Now().UTC().Truncate(time.Second),
		Confidence:  opts.Confidence,
		MinN:        opts.MinN,
		Baseline: Period{From: c.bFrom.Format("2006-01-02"), To: w.start.AddDate(0, 0, -1).Format("2006-01-02"),
			Weeks: opts.BaselineWeeks},
	}
	r.Headline = c.headline(week)
	r.Comparisons = c.comparisons(week, baseline)
	r.TTR = c.distribution(week)
	r.Trend = c.trend()
	r.BySeverity = c.bySeverity(week)
	r.ByService = c.byService(week)
	r.Detection = c.detection(week)
	r.Recurring = c.recurring()
	for _, i := range week {
		if i.Regression == "missing" {
			r.NoTest = append(r.NoTest, c.ref(i, ""))
		}
	}
	r.FollowUp = c.followUp(week, r.Headline.Postmortems)
	r.Quality = c.quality(week)
	r.Appendix = c.appendix(excluded)
	all := append(slices.Clone(week), excluded...)
	slices.SortFunc(all, func(a, b incident) int {
		return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.ID, b.ID))
	})
	for _, i := range all {
		r.Incidents = append(r.Incidents, c.row(i))
	}
	nonNil(r)
	return r
}

var workspaceRE = regexp.MustCompile(`^https://[^/]+/`)

// nonNil makes empty lists [] rather than null in report.json.
func nonNil(r *Report) {
	if r.Comparisons == nil {
		r.Comparisons = []Comparison{}
	}
	if r.TTR.Resolved == nil {
		r.TTR.Resolved = []float64{}
	}
	if r.TTR.Censored == nil {
		r.TTR.Censored = []float64{}
	}
	if r.BySeverity == nil {
		r.BySeverity = []SeverityRow{}
	}
	if r.ByService == nil {
		r.ByService = []ServiceRow{}
	}
	if r.Recurring == nil {
		r.Recurring = []RecurringRow{}
	}
	if r.NoTest == nil {
		r.NoTest = []Ref{}
	}
	if r.Headline.WithinTarget == nil {
		r.Headline.WithinTarget = []Share{}
	}
	f := &r.FollowUp
	if f.Overdue == nil {
		f.Overdue = []Ref{}
	}
	if f.Breaches == nil {
		f.Breaches = []Ref{}
	}
	if f.Open == nil {
		f.Open = []Ref{}
	}
	if r.Quality.Problems == nil {
		r.Quality.Problems = []ProblemCount{}
	}
	if r.Quality.Listed == nil {
		r.Quality.Listed = []ProblemRow{}
	}
	if r.Appendix.ExcludedReasons == nil {
		r.Appendix.ExcludedReasons = []ProblemCount{}
	}
	if r.Appendix.Rules == nil {
		r.Appendix.Rules = []Rule{}
	}
	if r.Incidents == nil {
		r.Incidents = []IncidentRow{}
	}
	for k := range r.Incidents {
		if r.Incidents[k].Timestamps == nil {
			r.Incidents[k].Timestamps = []Stamp{}
		}
	}
}

func ttrs(list []incident) []float64 {
	var xs []float64
	for _, i := range list {
		if i.Resolved.Valid && i.TTR.Valid {
			xs = append(xs, float64(i.TTR.Int64))
		}
	}
	slices.Sort(xs)
	return xs
}

// censoredAt is how long an unresolved incident has been observed: to its
// close when archived unresolved, else to the transform's as-of instant.
func (c *computer) censoredAt(i incident) float64 {
	end := c.d.asOf
	if i.Closed.Valid {
		end = i.Closed.Time
	}
	return end.Sub(i.Started).Seconds()
}

func (c *computer) share(k, n int) ShareStat {
	s := ShareStat{K: k, N: n}
	if n > 0 {
		iv := wilson(k, n, c.opts.Confidence)
		s.Interval = &iv
	}
	return s
}

func (c *computer) headline(week []incident) Headline {
	h := Headline{Incidents: len(week)}
	var times []float64
	var events []bool
	for _, i := range week {
		if i.Resolved.Valid {
			h.Resolved++
			times, events = append(times, float64(i.TTR.Int64)), append(events, true)
		} else {
			h.Open++
			times, events = append(times, c.censoredAt(i)), append(events, false)
		}
	}
	if xs := ttrs(week); len(xs) > 0 {
		m, p := bootstrap("ttr "+c.w.label, xs, c.opts.Resamples, c.opts.Confidence)
		h.MedianTTR = &Estimate{N: len(xs), Interval: m}
		h.P90TTR = &Estimate{N: len(xs), Interval: p}
	}
	if km, ok := kmMedian(times, events); ok && h.Open > 0 {
		h.KMMedianTTR = &km
	}
	h.WithinTarget = c.withinTarget(week)
	k, n, v := coverage(week)
	h.Coverage, h.Verified = c.share(k, n), v
	k, n = postmortems(week)
	h.Postmortems = c.share(k, n)
	return h
}

func (c *computer) withinTarget(list []incident) []Share {
	type kn struct{ k, n int }
	by := map[string]*kn{}
	targets := map[string]int64{}
	for _, i := range list {
		if !i.WithinTarget.Valid || !i.Severity.Valid {
			continue
		}
		s := by[i.Severity.String]
		if s == nil {
			s = &kn{}
			by[i.Severity.String] = s
		}
		s.n++
		if i.WithinTarget.Bool {
			s.k++
		}
		targets[i.Severity.String] = i.Target.Int64
	}
	var out []Share
	for _, sev := range slices.Sorted(maps.Keys(by)) {
		out = append(out, Share{Label: sev, Target: c.opts.TargetShare[sev], TargetS: targets[sev], ShareStat: c.share(by[sev].k, by[sev].n)})
	}
	return out
}

func coverage(list []incident) (k, n, verified int) {
	for _, i := range list {
		switch i.Regression {
		case "verified":
			verified++
			k++
			n++
		case "claimed":
			k++
			n++
		case "missing":
			n++
		}
	}
	return k, n, verified
}

func postmortems(list []incident) (k, n int) {
	for _, i := range list {
		if i.PostmortemRequired {
			n++
			if i.PostmortemAt.Valid {
				k++
			}
		}
	}
	return k, n
}

func (c *computer) comparisons(week, baseline []incident) []Comparison {
	minN := c.opts.MinN
	bw := float64(c.opts.BaselineWeeks)
	var out []Comparison
	// Frequency, apart from duration.
	cnt := Comparison{Metric: "Incidents per week", Unit: "ratio", This: float64(len(week)) / c.w.weeks(), ThisN: len(week),
		Baseline: float64(len(baseline)) / bw, BaselineN: len(baseline)}
	if len(baseline) < minN || len(week) == 0 {
		cnt.Verdict = VerdictTooFew
	} else {
		d := rateRatio(len(week), c.w.weeks(), len(baseline), bw, c.opts.Confidence)
		cnt.Difference, cnt.Verdict = &d, verdict(d, true)
	}
	out = append(out, cnt)
	wx, bx := ttrs(week), ttrs(baseline)
	for _, q := range []struct {
		name string
		p    float64
	}{{"Median time to resolve", 0.5}, {"p90 time to resolve", 0.9}} {
		cmpn := Comparison{Metric: q.name, Unit: "seconds", ThisN: len(wx), BaselineN: len(bx)}
		if len(wx) > 0 {
			cmpn.This = quantile(wx, q.p)
		}
		if len(bx) > 0 {
			cmpn.Baseline = quantile(bx, q.p)
		}
		if len(wx) < minN || len(bx) < minN {
			cmpn.Verdict = VerdictTooFew
		} else {
			d := bootstrapDiff(q.name+" "+c.w.label, wx, bx, q.p, c.opts.Resamples, c.opts.Confidence)
			cmpn.Difference, cmpn.Verdict = &d, verdict(d, true)
		}
		out = append(out, cmpn)
	}
	shares := func(name string, k1, n1, k2, n2 int) {
		cmpn := Comparison{Metric: name, Unit: "share", ThisN: n1, BaselineN: n2}
		if n1 > 0 {
			cmpn.This = float64(k1) / float64(n1)
		}
		if n2 > 0 {
			cmpn.Baseline = float64(k2) / float64(n2)
		}
		if n1 < minN || n2 < minN {
			cmpn.Verdict = VerdictTooFew
		} else {
			d := newcombe(k1, n1, k2, n2, c.opts.Confidence)
			cmpn.Difference, cmpn.Verdict = &d, verdict(d, false)
		}
		out = append(out, cmpn)
	}
	bt := map[string]ShareStat{}
	for _, s := range c.withinTarget(baseline) {
		bt[s.Label] = s.ShareStat
	}
	for _, s := range c.withinTarget(week) {
		shares("Resolved within target, "+s.Label, s.K, s.N, bt[s.Label].K, bt[s.Label].N)
	}
	k1, n1, _ := coverage(week)
	k2, n2, _ := coverage(baseline)
	shares("Regression-test coverage", k1, n1, k2, n2)
	k1, n1 = postmortems(week)
	k2, n2 = postmortems(baseline)
	shares("Postmortem completion", k1, n1, k2, n2)
	return out
}

func (c *computer) distribution(week []incident) Distribution {
	d := Distribution{Resolved: ttrs(week)}
	for _, i := range week {
		if !i.Resolved.Valid {
			d.Censored = append(d.Censored, c.censoredAt(i))
		}
	}
	slices.Sort(d.Censored)
	return d
}

func (c *computer) trend() []TrendWeek {
	n := c.opts.TrendWeeks
	first := mondayOf(c.w.end.AddDate(0, 0, -1), c.loc).AddDate(0, 0, -7*(n-1))
	byWeek := map[string][]incident{}
	for _, i := range c.d.incidents {
		if i.Excluded || i.Started.Before(first) || !i.Started.Before(c.w.end) {
			continue
		}
		m := mondayOf(i.Started, c.loc).Format("2006-01-02")
		byWeek[m] = append(byWeek[m], i)
	}
	var out []TrendWeek
	for k := range n {
		monday := first.AddDate(0, 0, 7*k)
		key := monday.Format("2006-01-02")
		list := byWeek[key]
		tw := TrendWeek{Week: IsoWeek(monday), Monday: key, Incidents: len(list)}
		if xs := ttrs(list); len(xs) > 0 {
			m, _ := bootstrap("ttr "+tw.Week, xs, c.opts.Resamples, c.opts.Confidence)
			tw.MedianTTR = &Estimate{N: len(xs), Interval: m}
		}
		k, n, _ := coverage(list)
		tw.Coverage = c.share(k, n)
		out = append(out, tw)
	}
	return out
}

func sevKey(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func medianOf(list []incident) *float64 {
	if xs := ttrs(list); len(xs) > 0 {
		m := quantile(xs, 0.5)
		return &m
	}
	return nil
}

func (c *computer) bySeverity(week []incident) []SeverityRow {
	groups := map[string][]incident{}
	for _, i := range week {
		k := sevKey(i.Severity.String)
		groups[k] = append(groups[k], i)
	}
	var out []SeverityRow
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		list := groups[k]
		row := SeverityRow{Severity: k, Incidents: len(list), MedianTTR: medianOf(list)}
		kk, nn := 0, 0
		for _, i := range list {
			if !i.Resolved.Valid {
				row.Open++
			}
			if i.Target.Valid {
				row.TargetS = i.Target.Int64
			}
			if i.WithinTarget.Valid {
				nn++
				if i.WithinTarget.Bool {
					kk++
				} else {
					row.Breaches++
				}
			}
		}
		row.Within = c.share(kk, nn)
		out = append(out, row)
	}
	return out
}

func (c *computer) byService(week []incident) []ServiceRow {
	groups := map[string][]incident{}
	for _, i := range week {
		k := sevKey(i.Service.String)
		groups[k] = append(groups[k], i)
	}
	var out []ServiceRow
	for k, list := range groups {
		row := ServiceRow{Service: k, Incidents: len(list), MedianTTR: medianOf(list)}
		for _, i := range list {
			if i.RecurrenceOf.Valid {
				row.Recurrences++
			}
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b ServiceRow) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Service, b.Service))
	})
	return out
}

func (c *computer) detection(week []incident) []Share {
	counts := map[string]int{}
	for _, i := range week {
		counts[i.Detection]++
	}
	var out []Share
	for _, k := range []string{"alert", "human", "unknown"} {
		out = append(out, Share{Label: k, ShareStat: c.share(counts[k], len(week))})
	}
	return out
}

func (c *computer) recurring() []RecurringRow {
	by := map[string]*RecurringRow{}
	for _, i := range c.d.incidents {
		if i.Excluded || i.Started.Before(c.bFrom) || !i.Started.Before(c.w.end) {
			continue
		}
		k := sevKey(i.Service.String)
		r := by[k]
		if r == nil {
			r = &RecurringRow{Service: k}
			by[k] = r
		}
		r.Incidents++
		if i.RecurrenceOf.Valid {
			r.Recurrences++
			if i.PreviousRegression.String == "missing" {
				r.AfterFixNoTest++
			}
			if !i.Started.Before(c.w.start) {
				r.ThisWeek++
			}
		}
	}
	var out []RecurringRow
	for _, r := range by {
		if r.Recurrences > 0 {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b RecurringRow) int {
		return cmp.Or(cmp.Compare(b.Recurrences, a.Recurrences), cmp.Compare(a.Service, b.Service))
	})
	return out
}

func (c *computer) followUp(week []incident, pm ShareStat) FollowUp {
	f := FollowUp{Postmortems: pm}
	for _, o := range c.d.overdue {
		f.Overdue = append(f.Overdue, Ref{ID: o.ID, Title: o.Title, Severity: o.Severity, Service: o.Service,
			Started: c.stamp(o.Started), URL: o.URL, Note: o.Detail})
	}
	for _, i := range week {
		if i.WithinTarget.Valid && !i.WithinTarget.Bool {
			note := "open past its " + Human(float64(i.Target.Int64)) + " target"
			if i.TTR.Valid {
				note = "resolved in " + Human(float64(i.TTR.Int64)) + ", target " + Human(float64(i.Target.Int64))
			}
			f.Breaches = append(f.Breaches, c.ref(i, note))
		}
	}
	for _, i := range c.d.open {
		note := i.Status + ", open for " + Human(c.censoredAt(i)) + " (censored)"
		if i.Closed.Valid {
			note = "closed without a recognised resolution after " + Human(c.censoredAt(i)) + " (censored)"
		}
		f.Open = append(f.Open, c.ref(i, note))
	}
	f.Load = c.load(week)
	return f
}

func (c *computer) load(week []incident) Load {
	l := Load{WorkingHours: c.opts.WorkingHours}
	in := map[string]bool{}
	var per []float64
	for _, i := range week {
		in[i.ID] = true
		per = append(per, float64(i.Participants))
		l.MaxPerIncident = max(l.MaxPerIncident, i.Participants)
	}
	if len(per) > 0 {
		slices.Sort(per)
		m := quantile(per, 0.5)
		l.MedianPerIncident = &m
	}
	people, offPeople, offInc := map[string]bool{}, map[string]bool{}, map[string]bool{}
	joined, names := map[string]int{}, map[string]string{}
	for _, p := range c.d.participants {
		if !in[p.IncidentID] {
			continue
		}
		people[p.UserID] = true
		joined[p.UserID]++
		names[p.UserID] = p.Name
		if c.offHours(p.First) {
			offPeople[p.UserID] = true
			offInc[p.IncidentID] = true
		}
	}
	l.People, l.OffHoursPeople = len(people), len(offPeople)
	for id, n := range joined {
		l.Busiest = append(l.Busiest, Responder{Name: names[id], Incidents: n})
	}
	slices.SortFunc(l.Busiest, func(a, b Responder) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Name, b.Name))
	})
	if len(l.Busiest) > 5 {
		l.Busiest = l.Busiest[:5]
	}
	if l.Busiest == nil {
		l.Busiest = []Responder{}
	}
	l.OffHours = c.share(len(offInc), len(week))
	return l
}

// offHours says whether t is outside the working hours, Monday to Friday,
// in the configured zone.
func (c *computer) offHours(t time.Time) bool {
	t = t.In(c.loc)
	if t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		return true
	}
	hm := t.Format("15:04")
	return hm < c.opts.WorkingHours[:5] || hm >= c.opts.WorkingHours[6:]
}

var timestampKinds = []string{"started", "declared", "detected", "acknowledged", "mitigated", "resolved", "closed", "postmortem"}

func (c *computer) quality(week []incident) Quality {
	var q Quality
	by := map[string]*TimestampQuality{}
	in := map[string]bool{}
	for _, i := range week {
		in[i.ID] = true
	}
	for _, e := range c.d.evidence {
		if !in[e.IncidentID] {
			continue
		}
		t := by[e.Kind]
		if t == nil {
			t = &TimestampQuality{Kind: e.Kind}
			by[e.Kind] = t
		}
		t.Total++
		switch e.Class {
		case "explicit":
			t.Explicit++
		case "derived":
			t.Derived++
		default:
			t.Fallback++
		}
	}
	for _, k := range timestampKinds {
		if t := by[k]; t != nil {
			q.Timestamps = append(q.Timestamps, *t)
		} else {
			q.Timestamps = append(q.Timestamps, TimestampQuality{Kind: k})
		}
	}
	counts := map[string]int{}
	byID := map[string]incident{}
	for _, i := range week {
		byID[i.ID] = i
	}
	for _, p := range c.d.problems {
		i, ok := byID[p.IncidentID]
		if !ok {
			continue
		}
		counts[p.Problem]++
		if len(q.Listed) < 40 {
			q.Listed = append(q.Listed, ProblemRow{Problem: p.Problem, Detail: p.Detail, Ref: c.ref(i, "")})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		q.Problems = append(q.Problems, ProblemCount{Problem: k, Count: counts[k]})
	}
	return q
}

func (c *computer) appendix(excluded []incident) Appendix {
	a := Appendix{Excluded: len(excluded), ResolveTargets: c.d.rules.ResolveTargets, PostmortemDue: c.d.rules.PostmortemDue}
	if a.ResolveTargets == nil {
		a.ResolveTargets = map[string]string{}
	}
	reasons := map[string]int{}
	for _, i := range excluded {
		r, _, _ := strings.Cut(i.ExclusionReason.String, ":")
		reasons[strings.TrimSpace(r)]++
	}
	for _, k := range slices.Sorted(maps.Keys(reasons)) {
		a.ExcludedReasons = append(a.ExcludedReasons, ProblemCount{Problem: k, Count: reasons[k]})
	}
	for _, r := range c.d.rules.Exclusions {
		a.Rules = append(a.Rules, Rule{Name: r["name"], Pattern: r["pattern"], Within: r["within"]})
	}
	a.Definitions = definitions(c.opts)
	return a
}

func definitions(o Options) []Definition {
	conf := fmt.Sprintf("%g%%", o.Confidence*100)
	return []Definition{
		{"Incident", "A Slack channel or shared-channel thread with incident evidence (declaration, alert, status, severity); drills, game days, maintenance, tests and cancelled incidents are excluded by the rules below and counted here."},
		{"Week", "An ISO week, Monday 00:00 to Monday 00:00 in " + o.Location.String() + "; an incident belongs to the week it started."},
		{"Time to resolve", "resolved_at − started_at; started is the stated impact start, else the earlier of the first alert and the declaration."},
		{"Median, p90", "Interpolated quantiles (Hyndman & Fan type 7, as DuckDB's quantile_cont) of resolved incidents; open ones are shown apart as censored. The " + conf + " intervals are percentile bootstraps (" + strconv.Itoa(o.Resamples) + " seeded resamples)."},
		{"Kaplan-Meier median", "Shown when incidents are open: the median time to resolve counting open incidents as right-censored, an observed duration rather than an interpolation."},
		{"Resolved within target", "Share of incidents of a severity resolved within its target (open ones past it count as breaches), with a " + conf + " Wilson interval."},
		{"Comparison", fmt.Sprintf("This week against the %d weeks before it, pooled: better or worse only when the %s interval of the difference excludes zero (rates: the ratio excludes 1), else \"no clear change\"; under %d incidents in either period, \"too few incidents to tell\".", o.BaselineWeeks, conf, o.MinN)},
		{"Regression-test coverage", "(verified + claimed) / resolved incidents it applies to; verified means a linked fix touched test files in a local clone."},
		{"Postmortem completion", "Resolved incidents of the severities needing a postmortem that have a postmortem link."},
		{"Explicit, derived, fallback", "Where a timestamp came from: a recogniser matched a message (explicit), channel creation or the earliest of other timestamps (derived), or no evidence so a fallback rule (fallback)."},
		{"Off-hours", "A responder's first message in an incident outside " + o.WorkingHours + " Monday to Friday, local time."},
	}
}

func (c *computer) stamp(t time.Time) string { return t.In(c.loc).Format("2006-01-02 15:04 MST") }

func (c *computer) ref(i incident, note string) Ref {
	return Ref{ID: i.ID, Title: title(i), Severity: i.Severity.String, Service: i.Service.String,
		Started: c.stamp(i.Started), URL: i.SlackURL.String, Note: note}
}

func title(i incident) string {
	if i.Title.Valid && i.Title.String != "" {
		return i.Title.String
	}
	return "#" + i.ChannelName
}

func ptr(v int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &v
}

func (c *computer) row(i incident) IncidentRow {
	r := IncidentRow{ID: i.ID, Title: title(i), Channel: i.ChannelName, Severity: i.Severity.String, Service: i.Service.String,
		Status: i.Status, Started: c.stamp(i.Started), Detection: i.Detection,
		TTA: ptr(i.TTA.Int64, i.TTA.Valid), TTM: ptr(i.TTM.Int64, i.TTM.Valid), TTR: ptr(i.TTR.Int64, i.TTR.Valid),
		Regression: i.Regression, Postmortem: i.PostmortemURL.String, RecurrenceOf: i.RecurrenceOf.String,
		Excluded: i.Excluded, Exclusion: i.ExclusionReason.String, URL: i.SlackURL.String}
	if i.WithinTarget.Valid {
		b := i.WithinTarget.Bool
		r.WithinTarget = &b
	}
	if !i.Resolved.Valid && !i.Excluded {
		v := int64(c.censoredAt(i))
		r.Censored = &v
	}
	at := map[string]time.Time{"started": i.Started, "declared": i.Declared}
	for k, v := range map[string]anyTime{"acknowledged": i.Acknowledged, "mitigated": i.Mitigated, "resolved": i.Resolved,
		"closed": i.Closed, "postmortem": i.PostmortemAt} {
		if v.Valid {
			at[k] = v.Time
		}
	}
	for _, e := range c.evid[i.ID] {
		s := Stamp{Kind: e.Kind, Rule: e.Rule, Evidence: e.Class}
		if t, ok := at[e.Kind]; ok {
			s.At = c.stamp(t)
		}
		if e.MessageTS.Valid && c.base != "" {
			s.URL = Permalink(c.base, e.ChannelID, e.MessageTS.String, e.ThreadTS.String)
		}
		r.Timestamps = append(r.Timestamps, s)
	}
	slices.SortFunc(r.Timestamps, func(a, b Stamp) int {
		return cmp.Compare(slices.Index(timestampKinds, a.Kind), slices.Index(timestampKinds, b.Kind))
	})
	return r
}

// Permalink is the link to a Slack message: base is the workspace URL
// (https://acme.slack.com/); a reply in a thread carries its thread.
func Permalink(base, channel, ts, threadTS string) string {
	u := base + "archives/" + channel + "/p" + strings.Replace(ts, ".", "", 1)
	if threadTS != "" && threadTS != ts {
		u += "?thread_ts=" + threadTS + "&cid=" + channel
	}
	return u
}

// Human writes a duration in seconds for people: 42 min, 5.2 h, 3.1 d.
func Human(s float64) string {
	switch {
	case s < 90*60:
		return fmt.Sprintf("%.0f min", s/60)
	case s < 48*3600:
		return fmt.Sprintf("%.1f h", s/3600)
	}
	return fmt.Sprintf("%.1f d", s/86400)
}
