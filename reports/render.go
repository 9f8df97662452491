package reports

// Render: the report in each format. The HTML goes through html/template,
// so every Slack-sourced string (titles, topics, names) is escaped; the
// Markdown escapes what Markdown and Slack would interpret.

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*
var templatesFS embed.FS

var funcs = map[string]any{
	"human": func(v any) string {
		switch x := v.(type) {
		case float64:
			return Human(x)
		case int64:
			return Human(float64(x))
		case int:
			return Human(float64(x))
		case *float64:
			return Human(*x)
		}
		return fmt.Sprint(v)
	},
	"humanp": func(p *float64) string {
		if p == nil {
			return "–"
		}
		return Human(*p)
	},
	"pct":   func(x float64) string { return fmt.Sprintf("%.0f%%", x*100) },
	"share": shareText,
	"est":   estText,
	"diff":  diffText,
	"verdictClass": func(v string) string {
		switch v {
		case VerdictBetter:
			return "better"
		case VerdictWorse:
			return "worse"
		}
		return "neutral"
	},
	"md":     mdEscape,
	"mdlink": mdLink,
	"ratio": func(k, n int) float64 {
		if n == 0 {
			return 0
		}
		return float64(k) / float64(n)
	},
	"sub":     func(a, b int) int { return a - b },
	"deref":   func(p *float64) float64 { return *p },
	"deref64": func(p *int64) float64 { return float64(*p) },
}

func shareText(s ShareStat) string {
	if s.N == 0 {
		return "– (n=0)"
	}
	return fmt.Sprintf("%.0f%% (%d of %d; %.0f–%.0f%%)", float64(s.K)/float64(s.N)*100, s.K, s.N, s.Interval.Low*100, s.Interval.High*100)
}

func estText(e *Estimate) string {
	if e == nil {
		return "– (n=0)"
	}
	return fmt.Sprintf("%s (%s–%s; n=%d)", Human(e.Estimate), Human(e.Low), Human(e.High), e.N)
}

func diffText(c Comparison) string {
	if c.Difference == nil {
		return "–"
	}
	d := c.Difference
	switch c.Unit {
	case "seconds":
		sign := func(x float64) string {
			if x < 0 {
				return "−" + Human(-x)
			}
			return "+" + Human(x)
		}
		return fmt.Sprintf("%s (%s to %s)", sign(d.Estimate), sign(d.Low), sign(d.High))
	case "ratio":
		return fmt.Sprintf("%+.0f%% (%+.0f%% to %+.0f%%)", d.Estimate*100, d.Low*100, d.High*100)
	}
	return fmt.Sprintf("%+.0f pts (%+.0f to %+.0f)", d.Estimate*100, d.Low*100, d.High*100)
}

func valueText(c Comparison, v float64, n int) string {
	switch c.Unit {
	case "seconds":
		if n == 0 {
			return "– (n=0)"
		}
		return fmt.Sprintf("%s (n=%d)", Human(v), n)
	case "ratio":
		return fmt.Sprintf("%.1f (n=%d)", v, n)
	}
	if n == 0 {
		return "– (n=0)"
	}
	return fmt.Sprintf("%.0f%% (n=%d)", v*100, n)
}

// mdEscape makes a Slack-sourced string inert in Markdown and in Slack's
// mrkdwn: Markdown punctuation is backslash-escaped, <, > and & become
// entities (no raw HTML, no <!channel>), and newlines become spaces so a
// title cannot start a heading or a list.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '#', '+', '-', '.', '!', '|', '~', '@', ':':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdLink is [text](url) with text escaped; a URL that is not http(s) or
// that holds characters that could end the link is left out.
func mdLink(text, url string) string {
	if url == "" || !(strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://")) || strings.ContainsAny(url, " ()<>\n\"'") {
		return mdEscape(text)
	}
	return "[" + mdEscape(text) + "](" + url + ")"
}

var (
	htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(funcs).Funcs(map[string]any{"value": valueText}).ParseFS(templatesFS, "templates/report.html.tmpl"))
	mdTmpl   = textTemplate()
)

func textTemplate() *texttemplate.Template {
	return texttemplate.Must(texttemplate.New("report.md.tmpl").Funcs(funcs).Funcs(map[string]any{"value": valueText}).ParseFS(templatesFS, "templates/report.md.tmpl"))
}

// Render returns the report's files in the formats asked for.
func Render(r *Report, formats []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, f := range formats {
		var b []byte
		var err error
		switch f {
		case "html":
			b, err = renderHTML(r)
			out["report.html"] = b
		case "md":
			var buf bytes.Buffer
			err = mdTmpl.Execute(&buf, r)
			out["report.md"] = buf.Bytes()
		case "json":
			b, err = json.MarshalIndent(r, "", "  ")
			out["report.json"] = append(b, '\n')
		case "csv":
			b, err = renderCSV(r)
			out["incidents.csv"] = b
		}
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", f, err)
		}
	}
	return out, nil
}

func renderHTML(r *Report) ([]byte, error) {
	figs, err := charts(r)
	if err != nil {
		return nil, err
	}
	byID := map[string]Figure{}
	for _, f := range figs {
		byID[f.ID] = f
	}
	var buf bytes.Buffer
	err = htmlTmpl.Execute(&buf, map[string]any{"R": r, "Charts": byID, "Font": template.CSS(FontStack)})
	return buf.Bytes(), err
}

func renderCSV(r *Report) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"incident_id", "started", "title", "channel", "severity", "service", "status", "detection_source",
		"time_to_acknowledge_s", "time_to_mitigate_s", "time_to_resolve_s", "open_for_s", "within_target",
		"regression_test", "recurrence_of", "postmortem_url", "excluded", "exclusion_reason", "slack_url"})
	i64 := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, in := range r.Incidents {
		wt := ""
		if in.WithinTarget != nil {
			wt = strconv.FormatBool(*in.WithinTarget)
		}
		w.Write([]string{in.ID, in.Started, csvSafe(in.Title), csvSafe(in.Channel), in.Severity, csvSafe(in.Service), in.Status, in.Detection,
			i64(in.TTA), i64(in.TTM), i64(in.TTR), i64(in.Censored), wt,
			in.Regression, in.RecurrenceOf, csvSafe(in.Postmortem), strconv.FormatBool(in.Excluded), csvSafe(in.Exclusion), in.URL})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe defuses spreadsheet formula injection (a cell starting with =,
// +, -, @, tab or CR is read as a formula): OWASP "CSV Injection".
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
