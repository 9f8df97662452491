package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// validateJSON checks report.json against docs/report.schema.json.
func validateJSON(t *testing.T, path string) *Report {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile("../docs/report.schema.json")
	if err != nil {
		t.Fatalf("compile docs/report.schema.json: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not match docs/report.schema.json: %v", path, err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func readOut(t *testing.T, res *Result, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(res.Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The week of the fixture's data the edge cases rewrite.
const w47 = `started_at >= TIMESTAMPTZ '2026-11-16 00:00:00+00' AND started_at < TIMESTAMPTZ '2026-11-23 00:00:00+00'`

func TestReportJSONMatchesSchema(t *testing.T) {
	res, _ := runReport(t, "2026-W47")
	r := validateJSON(t, filepath.Join(res.Dir, "report.json"))
	if r.Version != SchemaVersion || r.Headline.Incidents == 0 {
		t.Errorf("report.json version %q, %d incidents", r.Version, r.Headline.Incidents)
	}
	// The schema rejects what it should: a sanity check that it is strict.
	c := jsonschema.NewCompiler()
	sch, err := c.Compile("../docs/report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"schema_version":"1.0.0","surprise":1}`))
	if sch.Validate(bad) == nil {
		t.Errorf("the schema accepts a report with missing and unknown fields")
	}
}

func TestEdgeWeeks(t *testing.T) {
	for _, c := range []struct {
		name   string
		week   string
		mutate []string
		check  func(t *testing.T, r *Report, res *Result)
	}{
		{name: "zero incidents", week: "2026-W50", check: func(t *testing.T, r *Report, res *Result) {
			if r.Headline.Incidents != 0 || r.Headline.MedianTTR != nil || len(r.Incidents) != 0 {
				t.Errorf("headline %+v; want no incidents and no median", r.Headline)
			}
			if r.Comparisons[0].Verdict != VerdictTooFew {
				t.Errorf("count verdict %q; want %q", r.Comparisons[0].Verdict, VerdictTooFew)
			}
			if !strings.Contains(readOut(t, res, "report.html"), "No incidents started this week.") {
				t.Errorf("report.html does not say the week had no incidents")
			}
		}},
		{name: "one incident", week: "2026-W47", mutate: []string{
			`DELETE FROM incidents WHERE ` + w47 + ` AND incident_id <> (SELECT min(incident_id) FROM incidents WHERE ` + w47 + ` AND resolved_at IS NOT NULL AND NOT excluded)`,
		}, check: func(t *testing.T, r *Report, res *Result) {
			h := r.Headline
			if h.Incidents != 1 || h.MedianTTR == nil || h.MedianTTR.N != 1 || h.MedianTTR.Low != h.MedianTTR.Estimate {
				t.Errorf("headline %+v; want one resolved incident with a degenerate interval", h)
			}
			for _, cmp := range r.Comparisons[1:] {
				if cmp.Verdict != VerdictTooFew {
					t.Errorf("%s verdict %q with one incident; want %q", cmp.Metric, cmp.Verdict, VerdictTooFew)
				}
			}
		}},
		{name: "only open incidents", week: "2026-W47", mutate: []string{
			`UPDATE incidents SET resolved_at = NULL, time_to_resolve_s = NULL, status = 'open', within_target = NULL, regression_test = 'not_applicable', postmortem_required = false WHERE ` + w47,
			`UPDATE incidents SET status = 'closed_unresolved' WHERE ` + w47 + ` AND closed_at IS NOT NULL`,
		}, check: func(t *testing.T, r *Report, res *Result) {
			h := r.Headline
			if h.Resolved != 0 || h.Open != h.Incidents || h.MedianTTR != nil || len(r.TTR.Censored) != h.Incidents {
				t.Errorf("headline %+v, %d censored; want every incident open and censored", h, len(r.TTR.Censored))
			}
			if !strings.Contains(readOut(t, res, "report.html"), "open, at least this long") {
				t.Errorf("the distribution chart does not show the censored incidents")
			}
		}},
		{name: "closed unresolved is censored at the archive", week: "2026-W47", mutate: []string{
			`UPDATE incidents SET resolved_at = NULL, time_to_resolve_s = NULL, status = 'closed_unresolved', closed_at = started_at + INTERVAL 3 HOUR, within_target = NULL WHERE ` + w47,
		}, check: func(t *testing.T, r *Report, res *Result) {
			for _, s := range r.TTR.Censored {
				if s != 3*3600 {
					t.Errorf("censored at %v s; want 10800 (the archive)", s)
				}
			}
			if len(r.TTR.Censored) == 0 || r.Headline.Resolved != 0 {
				t.Errorf("closed_unresolved incidents counted as resolved: %+v", r.Headline)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, _ := runReport(t, c.week, c.mutate...)
			r := validateJSON(t, filepath.Join(res.Dir, "report.json"))
			c.check(t, r, res)
		})
	}
}

// TestDSTWeek: a week that holds a clock change is 7 local days, not 168
// hours, and holds exactly the incidents started between its local Mondays,
// each stamped in the report's zone. The zones cover the northern
// hemisphere's fall back on two dates, the southern hemisphere's spring
// forward, a 30-minute change, and a zone with no change at a :45 offset.
func TestDSTWeek(t *testing.T) {
	for _, c := range []struct {
		zone, week, from, to string
		hours                float64
	}{
		{"America/New_York", "2026-W44", "2026-10-26", "2026-11-01", 169},
		{"Europe/London", "2026-W43", "2026-10-19", "2026-10-25", 169},
		{"Australia/Sydney", "2026-W40", "2026-09-28", "2026-10-04", 167},
		{"Australia/Lord_Howe", "2026-W40", "2026-09-28", "2026-10-04", 167.5},
		{"Asia/Kathmandu", "2026-W44", "2026-10-26", "2026-11-01", 168},
	} {
		t.Run(c.zone, func(t *testing.T) {
			db, cfg := fixtureDB(t)
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Skip("no tzdata:", err)
			}
			opts := OptionsFrom(cfg)
			opts.Location, opts.Now, opts.Week, opts.Out = loc, func() time.Time { return fixtureNow }, c.week, t.TempDir()
			res, err := Run(context.Background(), db.DB, opts)
			if err != nil {
				t.Fatal(err)
			}
			r := validateJSON(t, filepath.Join(res.Dir, "report.json"))
			if r.From != c.from || r.To != c.to || r.Timezone != c.zone {
				t.Errorf("window %s to %s %s; want %s to %s %s", r.From, r.To, r.Timezone, c.from, c.to, c.zone)
			}
			from, _ := time.ParseInLocation("2006-01-02", c.from, loc)
			start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
			end := start.AddDate(0, 0, 7)
			if h := end.Sub(start).Hours(); h != c.hours {
				t.Fatalf("the week is %v hours; want %v", h, c.hours)
			}
			want := warehouse.Rows(t, db.DB, `SELECT count(*) FROM incidents WHERE NOT excluded AND started_at >= ? AND started_at < ?`, start, end)[0]
			if got := r.Headline.Incidents; want != fmtInt(got) {
				t.Errorf("the week has %d incidents; the warehouse has %s between its local Mondays", got, want)
			}
			if want == "0" {
				t.Errorf("the fixture has no incident in %s: the case proves nothing", c.week)
			}
			for _, in := range r.Incidents {
				// Zones without an abbreviation are stamped with their offset.
				at, err := time.ParseInLocation("2006-01-02 15:04 MST", in.Started, loc)
				if err != nil {
					at, err = time.Parse("2006-01-02 15:04 -0700", in.Started)
				}
				if err != nil || at.Before(start.Add(-time.Minute)) || !at.Before(end) {
					t.Errorf("incident start %q is not a time of the week in %s (%v)", in.Started, c.zone, err)
				}
			}
		})
	}
}

func fmtInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestInjectionCorpus: hostile titles, topics, service names, exclusion
// reasons and user names are text in HTML, inert in Markdown and CSV.
func TestInjectionCorpus(t *testing.T) {
	corpus := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(2)>`,
		`"><svg onload=alert(3)>`,
		`[click me](https://evil.example/phish)`,
		`# Heading injection`,
		`| col | injection |`,
		`<!channel> @here *bold* _it_ ~strike~ ` + "`code`",
		`=HYPERLINK("https://evil.example","x")`,
		"line one\n# line two",
	}
	var mutate []string
	for i, s := range corpus {
		q := strings.ReplaceAll(s, "'", "''")
		mutate = append(mutate, `UPDATE incidents SET title = '`+q+`', channel_name = '`+q+`', service = '`+q+`'
			WHERE incident_id = (SELECT incident_id FROM incidents WHERE `+w47+` ORDER BY incident_id LIMIT 1 OFFSET `+fmtInt(i%4)+`)`)
		mutate = append(mutate, `UPDATE incident_participants SET name = '`+q+`' WHERE incident_id IN (SELECT incident_id FROM incidents WHERE `+w47+`) AND user_id = (SELECT min(user_id) FROM incident_participants WHERE incident_id IN (SELECT incident_id FROM incidents WHERE `+w47+`))`)
	}
	mutate = append(mutate, `UPDATE incidents SET excluded = true, exclusion_reason = '<script>x</script>: [a](javascript:alert(1))'
		WHERE incident_id = (SELECT incident_id FROM incidents WHERE `+w47+` ORDER BY incident_id DESC LIMIT 1)`)
	for i := range corpus {
		res, _ := runReport(t, "2026-W47", mutate[2*i], mutate[2*i+1], mutate[len(mutate)-1])
		html := readOut(t, res, "report.html")
		if n := strings.Count(strings.ToLower(html), "<script"); n != 0 {
			t.Errorf("corpus %d: report.html holds %d <script tags", i, n)
		}
		for _, bad := range []string{"<img", "<svg onload"} {
			if strings.Contains(html, bad) {
				t.Errorf("corpus %d: report.html holds %q unescaped", i, bad)
			}
		}
		md := readOut(t, res, "report.md")
		for _, re := range []string{`(?m)^# Heading injection`, `(^|[^\\])\]\(https://evil`, `https://evil`, `<!channel>`, `@here`, `(?m)^# line two`, `<script`, `\]\(javascript:`} {
			if regexp.MustCompile(re).MatchString(md) {
				t.Errorf("corpus %d: report.md matches %s: injection not escaped", i, re)
			}
		}
		csv := readOut(t, res, "incidents.csv")
		if regexp.MustCompile(`(?m)(^|,)=HYPERLINK`).MatchString(csv) {
			t.Errorf("corpus %d: incidents.csv has a formula cell", i)
		}
		validateJSON(t, filepath.Join(res.Dir, "report.json"))
	}
	res, _ := runReport(t, "2026-W47", mutate[0], mutate[1])
	if html := readOut(t, res, "report.html"); !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the <script> title is not rendered as text")
	}
}

// TestLinksFromAuthTest: without slack.workspace_url (incidents.slack_url
// empty), incidents and timestamps link through the workspace URL the last
// Web API ingest learnt from auth.test.
func TestLinksFromAuthTest(t *testing.T) {
	res, _ := runReport(t, "2026-W47", `UPDATE incidents SET slack_url = NULL`,
		`UPDATE ingest_runs SET team_url = 'https://acme-auth.slack.com/'`)
	csv := readOut(t, res, "incidents.csv")
	if !strings.Contains(csv, "https://acme-auth.slack.com/archives/") {
		t.Errorf("incidents.csv has no link built from auth.test's URL:\n%.400s", csv)
	}
	r := validateJSON(t, filepath.Join(res.Dir, "report.json"))
	linked := 0
	for _, in := range r.Incidents {
		for _, s := range in.Timestamps {
			if strings.HasPrefix(s.URL, "https://acme-auth.slack.com/archives/"+in.ID[:strings.IndexByte(in.ID+":", ':')]+"/p") {
				linked++
			}
		}
	}
	if linked == 0 {
		t.Errorf("no timestamp links to its message through auth.test's URL")
	}
}
