package reports

// Charts: gonum.org/v1/plot drawn with its vgsvg backend, wrapped once by
// svgFigure so every chart is inline, accessible and scales to its column.

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// FontStack is the layout font of the HTML and of the charts: plot's
// built-in Liberation Sans and the faces with its metrics (Arimo, Arial,
// Helvetica), so text measured by plot fits where the browser draws it.
const FontStack = `"Liberation Sans", Arimo, Arial, Helvetica, sans-serif`

var (
	ink    = color.RGBA{0x1b, 0x1f, 0x24, 0xff}
	blue   = color.RGBA{0x0b, 0x5c, 0xad, 0xff}
	pale   = color.RGBA{0x9e, 0xc1, 0xe3, 0xff}
	red    = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
	orange = color.RGBA{0xd3, 0x7a, 0x0c, 0xff}
	grey   = color.RGBA{0x6a, 0x73, 0x7d, 0xff}
)

var (
	prolog   = regexp.MustCompile(`(?s)^<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
	svgOpen  = regexp.MustCompile(`^<svg width="[^"]*" height="[^"]*" viewBox="([^"]*)"`)
	fontFace = regexp.MustCompile(`font-family:Liberation [A-Za-z]+;`)
)

// Figure is one chart ready for the page.
type Figure struct {
	ID    string
	Title string
	Desc  string
	SVG   template.HTML
}

// svgFigure draws plots (one row per panel, aligned) into an SVG and makes
// it fit for the page: no XML prolog, role="img" with <title> and <desc>
// text alternatives, a viewBox and width 100% so it scales to its
// container, and the layout's font stack.
func svgFigure(id, title, desc string, w, h vg.Length, plots ...*plot.Plot) (Figure, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		rows := make([][]*plot.Plot, len(plots))
		for i, p := range plots {
			rows[i] = []*plot.Plot{p}
		}
		cells := plot.Align(rows, draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(6)}, dc)
		for i, p := range plots {
			p.Draw(cells[i][0])
		}
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return Figure{}, fmt.Errorf("chart %s: %w", id, err)
	}
	s := prolog.ReplaceAllString(buf.String(), "")
	m := svgOpen.FindStringSubmatch(s)
	if m == nil {
		return Figure{}, fmt.Errorf("chart %s: unexpected SVG header from vgsvg", id)
	}
	head := fmt.Sprintf(`<svg viewBox="%s" width="100%%" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet"`, m[1], id, id)
	s = head + s[len(m[0]):]
	if i := strings.Index(s, ">"); i >= 0 {
		s = s[:i+1] + fmt.Sprintf("\n<title id=\"%s-t\">%s</title>\n<desc id=\"%s-d\">%s</desc>", id, html.EscapeString(title), id, html.EscapeString(desc)) + s[i+1:]
	}
	s = fontFace.ReplaceAllString(s, "font-family:"+strings.ReplaceAll(FontStack, `"`, "'")+";")
	return Figure{ID: id, Title: title, Desc: desc, SVG: template.HTML(s)}, nil
}

func newPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = color.Transparent
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(11)
		a.Tick.Label.Font.Size = vg.Points(10)
		a.Color, a.Tick.Color = grey, grey
	}
	return p
}

// durationTicks label a log10(seconds) axis in people's units.
type durationTicks struct{}

var tickSeconds = []float64{60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400}
var tickLabels = []string{"1 min", "5 min", "15 min", "1 h", "4 h", "1 d", "3 d", "1 wk", "30 d"}

func (durationTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for i, s := range tickSeconds {
		if v := math.Log10(s); v >= min-1e-9 && v <= max+1e-9 {
			out = append(out, plot.Tick{Value: v, Label: tickLabels[i]})
		}
	}
	return out
}

func log10s(xs []float64) plotter.Values {
	v := make(plotter.Values, len(xs))
	for i, x := range xs {
		v[i] = math.Log10(math.Max(x, 60))
	}
	return v
}

func vline(x, y0, y1 float64, c color.Color, dashed bool, label string, p *plot.Plot) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: y0}, {X: x, Y: y1}})
	if err != nil {
		return err
	}
	l.Color, l.Width = c, vg.Points(2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

// distributionChart: the week's time to resolve on a log scale, median and
// p90 marked, open incidents as censored triangles.
func distributionChart(r *Report) (Figure, error) {
	p := newPlot()
	p.X.Label.Text = "time to resolve (log scale)"
	p.Y.Label.Text = "incidents"
	p.X.Tick.Marker = durationTicks{}
	lo, hi := math.Log10(60), math.Log10(86400)
	all := append(append([]float64{}, r.TTR.Resolved...), r.TTR.Censored...)
	for _, v := range log10s(all) {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	p.X.Min, p.X.Max = math.Floor(lo*4)/4, math.Ceil(hi*4)/4+0.05
	ymax := 1.0
	if len(r.TTR.Resolved) > 0 {
		h, err := plotter.NewHist(log10s(r.TTR.Resolved), 16)
		if err != nil {
			return Figure{}, err
		}
		h.FillColor, h.LineStyle.Color = pale, blue
		for _, b := range h.Bins {
			ymax = math.Max(ymax, b.Weight)
		}
		p.Add(h)
		p.Legend.Add(fmt.Sprintf("resolved (n=%d)", len(r.TTR.Resolved)), h)
	}
	p.Y.Min, p.Y.Max = 0, ymax*1.6
	if e := r.Headline.MedianTTR; e != nil {
		if err := vline(math.Log10(math.Max(e.Estimate, 60)), 0, ymax*1.6, ink, false, "median "+Human(e.Estimate), p); err != nil {
			return Figure{}, err
		}
	}
	if e := r.Headline.P90TTR; e != nil {
		if err := vline(math.Log10(math.Max(e.Estimate, 60)), 0, ymax*1.6, orange, true, "p90 "+Human(e.Estimate), p); err != nil {
			return Figure{}, err
		}
	}
	if len(r.TTR.Censored) > 0 {
		xy := make(plotter.XYs, len(r.TTR.Censored))
		for i, v := range log10s(r.TTR.Censored) {
			xy[i] = plotter.XY{X: v, Y: ymax * 0.06 * float64(1+i%3)}
		}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return Figure{}, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: red, Radius: vg.Points(4), Shape: draw.TriangleGlyph{}}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("open, at least this long (n=%d)", len(r.TTR.Censored)), s)
	}
	desc := fmt.Sprintf("Histogram of time to resolve for %d resolved incidents on a log scale", len(r.TTR.Resolved))
	if e := r.Headline.MedianTTR; e != nil {
		desc += fmt.Sprintf("; median %s, p90 %s", Human(e.Estimate), Human(r.Headline.P90TTR.Estimate))
	}
	desc += fmt.Sprintf("; %d open incidents shown as censored at their age.", len(r.TTR.Censored))
	return svgFigure("ttr", "Time to resolve, week "+r.Week, desc, vg.Points(640), vg.Points(260), p)
}

type errBars struct {
	plotter.XYs
	lo, hi []float64
}

func (e errBars) YError(i int) (float64, float64) { return e.lo[i], e.hi[i] }

// targetChart: share within target per severity with Wilson intervals and
// each severity's target share as a line.
func targetChart(r *Report) (Figure, error) {
	p := newPlot()
	p.Y.Label.Text = "resolved within target"
	p.Y.Min, p.Y.Max = 0, 1.05
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0%"}, {Value: 0.25, Label: "25%"}, {Value: 0.5, Label: "50%"}, {Value: 0.75, Label: "75%"}, {Value: 1, Label: "100%"}})
	var names []string
	var vals plotter.Values
	eb := errBars{}
	var parts []string
	for i, s := range r.Headline.WithinTarget {
		names = append(names, fmt.Sprintf("%s (n=%d)", s.Label, s.N))
		est := float64(s.K) / float64(s.N)
		vals = append(vals, est)
		eb.XYs = append(eb.XYs, plotter.XY{X: float64(i), Y: est})
		eb.lo = append(eb.lo, est-s.Interval.Low)
		eb.hi = append(eb.hi, s.Interval.High-est)
		parts = append(parts, fmt.Sprintf("%s %d of %d (%.0f%%, interval %.0f–%.0f%%, target %.0f%%)", s.Label, s.K, s.N, est*100, s.Interval.Low*100, s.Interval.High*100, s.Target*100))
	}
	desc := "No incident with a known target outcome this week."
	if len(vals) > 0 {
		b, err := plotter.NewBarChart(vals, vg.Points(34))
		if err != nil {
			return Figure{}, err
		}
		b.Color, b.LineStyle.Color = pale, blue
		p.Add(b)
		e, err := plotter.NewYErrorBars(eb)
		if err != nil {
			return Figure{}, err
		}
		e.LineStyle.Color, e.LineStyle.Width = ink, vg.Points(1.5)
		p.Add(e)
		var first bool = true
		for i, s := range r.Headline.WithinTarget {
			if s.Target == 0 {
				continue
			}
			l, err := plotter.NewLine(plotter.XYs{{X: float64(i) - 0.4, Y: s.Target}, {X: float64(i) + 0.4, Y: s.Target}})
			if err != nil {
				return Figure{}, err
			}
			l.Color, l.Width, l.Dashes = red, vg.Points(2), []vg.Length{vg.Points(5), vg.Points(3)}
			p.Add(l)
			if first {
				p.Legend.Add("target", l)
				first = false
			}
		}
		p.NominalX(names...)
		desc = "Share of incidents resolved within target per severity: " + strings.Join(parts, "; ") + "."
	}
	return svgFigure("target", "Resolved within target by severity, week "+r.Week, desc, vg.Points(640), vg.Points(240), p)
}

// breachChart: each incident's time to resolve by severity, log scale, with
// the severity's target as a breach line; open ones as censored triangles.
func breachChart(r *Report) (Figure, error) {
	p := newPlot()
	p.Y.Label.Text = "time to resolve (log)"
	p.Y.Tick.Marker = durationTicks{}
	var sevs []string
	idx := map[string]int{}
	for _, row := range r.BySeverity {
		idx[row.Severity] = len(sevs)
		sevs = append(sevs, row.Severity)
	}
	var done, open plotter.XYs
	lo, hi := math.Log10(600), math.Log10(86400)
	count := map[string]int{}
	for _, in := range r.Incidents {
		if in.Excluded {
			continue
		}
		sev := sevKey(in.Severity)
		k := count[sev]
		count[sev]++
		x := float64(idx[sev]) + (float64(k%7)-3)*0.07
		switch {
		case in.TTR != nil:
			y := math.Log10(math.Max(float64(*in.TTR), 60))
			done = append(done, plotter.XY{X: x, Y: y})
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		case in.Censored != nil:
			y := math.Log10(math.Max(float64(*in.Censored), 60))
			open = append(open, plotter.XY{X: x, Y: y})
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	for _, row := range r.BySeverity {
		if row.TargetS > 0 {
			y := math.Log10(float64(row.TargetS))
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	p.Y.Min, p.Y.Max = lo-0.15, hi+0.15
	desc := "No incidents this week."
	if len(sevs) > 0 {
		if len(done) > 0 {
			s, err := plotter.NewScatter(done)
			if err != nil {
				return Figure{}, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: blue, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
			p.Add(s)
			p.Legend.Add("resolved", s)
		}
		if len(open) > 0 {
			s, err := plotter.NewScatter(open)
			if err != nil {
				return Figure{}, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: red, Radius: vg.Points(4), Shape: draw.TriangleGlyph{}}
			p.Add(s)
			p.Legend.Add("open (censored)", s)
		}
		first := true
		var parts []string
		for i, row := range r.BySeverity {
			parts = append(parts, fmt.Sprintf("%s: %d incidents, %d breaches", row.Severity, row.Incidents, row.Breaches))
			if row.TargetS == 0 {
				continue
			}
			y := math.Log10(float64(row.TargetS))
			l, err := plotter.NewLine(plotter.XYs{{X: float64(i) - 0.42, Y: y}, {X: float64(i) + 0.42, Y: y}})
			if err != nil {
				return Figure{}, err
			}
			l.Color, l.Width, l.Dashes = red, vg.Points(2), []vg.Length{vg.Points(5), vg.Points(3)}
			p.Add(l)
			if first {
				p.Legend.Add("resolve target", l)
				first = false
			}
		}
		names := make([]string, len(sevs))
		for i, s := range sevs {
			names[i] = fmt.Sprintf("%s (n=%d)", s, count[s])
		}
		p.NominalX(names...)
		desc = "Each incident's time to resolve by severity on a log scale with the severity's resolve target as a line; points above it breached. " + strings.Join(parts, "; ") + "."
	}
	return svgFigure("breaches", "Target breaches by severity, week "+r.Week, desc, vg.Points(640), vg.Points(260), p)
}

// trendChart: three aligned panels over the trend weeks: incidents, median
// time to resolve with its interval, regression-test coverage with its.
func trendChart(r *Report) (Figure, error) {
	var names []string
	var counts plotter.Values
	var med, cov errBars
	var parts []string
	for i, w := range r.Trend {
		names = append(names, strings.TrimPrefix(w.Week[5:], "W")+"")
		counts = append(counts, float64(w.Incidents))
		if w.MedianTTR != nil {
			e := w.MedianTTR
			med.XYs = append(med.XYs, plotter.XY{X: float64(i), Y: e.Estimate / 3600})
			med.lo = append(med.lo, (e.Estimate-e.Low)/3600)
			med.hi = append(med.hi, (e.High-e.Estimate)/3600)
		}
		if w.Coverage.Interval != nil {
			s := w.Coverage
			est := float64(s.K) / float64(s.N)
			cov.XYs = append(cov.XYs, plotter.XY{X: float64(i), Y: est})
			cov.lo = append(cov.lo, est-s.Interval.Low)
			cov.hi = append(cov.hi, s.Interval.High-est)
		}
		m := "no resolved incident"
		if w.MedianTTR != nil {
			m = "median " + Human(w.MedianTTR.Estimate)
		}
		parts = append(parts, fmt.Sprintf("%s: %d incidents, %s", w.Week, w.Incidents, m))
	}
	for i := range names {
		names[i] = "W" + names[i]
	}
	pc := newPlot()
	pc.Y.Label.Text = "incidents"
	b, err := plotter.NewBarChart(counts, vg.Points(18))
	if err != nil {
		return Figure{}, err
	}
	b.Color, b.LineStyle.Color = pale, blue
	pc.Add(b)
	pc.Y.Min = 0
	pc.NominalX(names...)

	pm := newPlot()
	pm.Y.Label.Text = "median TTR (h)"
	pm.Y.Min = 0
	pm.X.Min, pm.X.Max = -0.5, float64(len(names))-0.5
	if len(med.XYs) > 0 {
		l, s, err := plotter.NewLinePoints(med.XYs)
		if err != nil {
			return Figure{}, err
		}
		l.Color, s.Color = blue, blue
		e, err := plotter.NewYErrorBars(med)
		if err != nil {
			return Figure{}, err
		}
		e.LineStyle.Color = grey
		pm.Add(e, l, s)
	}
	pm.NominalX(names...)

	pv := newPlot()
	pv.Y.Label.Text = "test coverage"
	pv.Y.Min, pv.Y.Max = 0, 1.05
	pv.X.Min, pv.X.Max = -0.5, float64(len(names))-0.5
	pv.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0%"}, {Value: 0.5, Label: "50%"}, {Value: 1, Label: "100%"}})
	if len(cov.XYs) > 0 {
		l, s, err := plotter.NewLinePoints(cov.XYs)
		if err != nil {
			return Figure{}, err
		}
		l.Color, s.Color = blue, blue
		e, err := plotter.NewYErrorBars(cov)
		if err != nil {
			return Figure{}, err
		}
		e.LineStyle.Color = grey
		pv.Add(e, l, s)
	}
	pv.NominalX(names...)
	pv.X.Label.Text = "ISO week"
	desc := fmt.Sprintf("%d-week trends of incident count, median time to resolve with its interval and regression-test coverage with its interval. ", len(r.Trend)) + strings.Join(parts, "; ") + "."
	return svgFigure("trend", fmt.Sprintf("%d-week trends to %s", len(r.Trend), r.Week), desc, vg.Points(640), vg.Points(420), pc, pm, pv)
}

// charts draws every chart of the report.
func charts(r *Report) ([]Figure, error) {
	var out []Figure
	for _, f := range []func(*Report) (Figure, error){distributionChart, targetChart, breachChart, trendChart} {
		fig, err := f(r)
		if err != nil {
			return nil, err
		}
		out = append(out, fig)
	}
	return out, nil
}
