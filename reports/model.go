package reports

import "time"

// SchemaVersion is the version of report.json's schema
// (docs/report.schema.json). A change that removes or renames a field, or
// changes a meaning, bumps the major version.
const SchemaVersion = "1.0.0"

// Report is the content of one weekly report: what report.json holds and
// what the HTML, Markdown and CSV render.
type Report struct {
	Schema      string    `json:"$schema"`
	Version     string    `json:"schema_version"`
	Title       string    `json:"title"`
	Week        string    `json:"week"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Timezone    string    `json:"timezone"`
	AsOf        time.Time `json:"as_of"`
	GeneratedAt time.Time `json:"generated_at"`
	Confidence  float64   `json:"confidence"`
	MinN        int       `json:"min_n"`
	Baseline    Period    `json:"baseline"`

	Headline    Headline       `json:"headline"`
	Comparisons []Comparison   `json:"comparisons"`
	TTR         Distribution   `json:"time_to_resolve"`
	Trend       []TrendWeek    `json:"trend"`
	BySeverity  []SeverityRow  `json:"by_severity"`
	ByService   []ServiceRow   `json:"by_service"`
	Detection   []Share        `json:"detection"`
	Recurring   []RecurringRow `json:"recurring"`
	NoTest      []Ref          `json:"missing_regression_tests"`
	FollowUp    FollowUp       `json:"follow_up"`
	Quality     Quality        `json:"data_quality"`
	Appendix    Appendix       `json:"appendix"`
	Incidents   []IncidentRow  `json:"incidents"`
}

// Period names a span of weeks.
type Period struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Weeks int    `json:"weeks"`
}

// Headline holds the figures at the top, each with its n.
type Headline struct {
	Incidents    int       `json:"incidents"`
	Resolved     int       `json:"resolved"`
	Open         int       `json:"open"`
	MedianTTR    *Estimate `json:"median_ttr_s"`
	P90TTR       *Estimate `json:"p90_ttr_s"`
	KMMedianTTR  *float64  `json:"km_median_ttr_s"`
	WithinTarget []Share   `json:"within_target"`
	Coverage     ShareStat `json:"regression_test_coverage"`
	Verified     int       `json:"regression_tests_verified"`
	Postmortems  ShareStat `json:"postmortem_completion"`
}

// Estimate is a statistic with its interval and n.
type Estimate struct {
	N int `json:"n"`
	Interval
}

// ShareStat is k of n with a Wilson interval (nil when n is 0).
type ShareStat struct {
	K        int       `json:"k"`
	N        int       `json:"n"`
	Interval *Interval `json:"interval"`
}

// Share is a labelled ShareStat, with a target when there is one.
type Share struct {
	Label   string  `json:"label"`
	Target  float64 `json:"target,omitempty"`
	TargetS int64   `json:"target_s,omitempty"`
	ShareStat
}

// Comparison is this week against the baseline weeks.
type Comparison struct {
	Metric     string    `json:"metric"`
	Unit       string    `json:"unit"`
	This       float64   `json:"this_week"`
	ThisN      int       `json:"this_week_n"`
	Baseline   float64   `json:"baseline"`
	BaselineN  int       `json:"baseline_n"`
	Difference *Interval `json:"difference"`
	Verdict    string    `json:"verdict"`
}

// Distribution is the week's time to resolve, resolved and censored.
type Distribution struct {
	Resolved []float64 `json:"resolved_s"`
	Censored []float64 `json:"censored_s"`
}

// TrendWeek is one week of the trend charts.
type TrendWeek struct {
	Week      string    `json:"week"`
	Monday    string    `json:"monday"`
	Incidents int       `json:"incidents"`
	MedianTTR *Estimate `json:"median_ttr_s"`
	Coverage  ShareStat `json:"regression_test_coverage"`
}

// SeverityRow is the week's incidents of one severity.
type SeverityRow struct {
	Severity  string    `json:"severity"`
	Incidents int       `json:"incidents"`
	Open      int       `json:"open"`
	MedianTTR *float64  `json:"median_ttr_s"`
	TargetS   int64     `json:"resolve_target_s,omitempty"`
	Within    ShareStat `json:"within_target"`
	Breaches  int       `json:"breaches"`
}

// ServiceRow is the week's incidents of one service.
type ServiceRow struct {
	Service     string   `json:"service"`
	Incidents   int      `json:"incidents"`
	MedianTTR   *float64 `json:"median_ttr_s"`
	Recurrences int      `json:"recurrences"`
}

// RecurringRow is a repeat offender over the baseline and the week.
type RecurringRow struct {
	Service        string `json:"service"`
	Incidents      int    `json:"incidents"`
	Recurrences    int    `json:"recurrences"`
	AfterFixNoTest int    `json:"after_fix_without_test"`
	ThisWeek       int    `json:"recurrences_this_week"`
}

// Ref points at an incident.
type Ref struct {
	ID       string `json:"incident_id"`
	Title    string `json:"title"`
	Severity string `json:"severity,omitempty"`
	Service  string `json:"service,omitempty"`
	Started  string `json:"started"`
	URL      string `json:"url,omitempty"`
	Note     string `json:"note,omitempty"`
}

// FollowUp closes the learning loop.
type FollowUp struct {
	Postmortems ShareStat `json:"postmortems"`
	Overdue     []Ref     `json:"overdue_postmortems"`
	Breaches    []Ref     `json:"target_breaches"`
	Open        []Ref     `json:"open_incidents"`
	Load        Load      `json:"responder_load"`
}

// Load is responder load over the week's incidents.
type Load struct {
	People            int         `json:"people"`
	MedianPerIncident *float64    `json:"median_people_per_incident"`
	MaxPerIncident    int         `json:"max_people_per_incident"`
	OffHoursPeople    int         `json:"people_off_hours"`
	OffHours          ShareStat   `json:"incidents_with_off_hours_responders"`
	WorkingHours      string      `json:"working_hours"`
	Busiest           []Responder `json:"busiest"`
}

// Responder is a person and how many of the week's incidents they joined.
type Responder struct {
	Name      string `json:"name"`
	Incidents int    `json:"incidents"`
}

// Quality says how each number was obtained.
type Quality struct {
	Timestamps []TimestampQuality `json:"timestamps"`
	Problems   []ProblemCount     `json:"problems"`
	Listed     []ProblemRow       `json:"listed"`
}

// TimestampQuality is where one kind of timestamp came from.
type TimestampQuality struct {
	Kind     string `json:"kind"`
	Total    int    `json:"total"`
	Explicit int    `json:"explicit"`
	Derived  int    `json:"derived"`
	Fallback int    `json:"fallback"`
}

// ProblemCount counts one kind of data-quality problem.
type ProblemCount struct {
	Problem string `json:"problem"`
	Count   int    `json:"count"`
}

// ProblemRow is one listed problem.
type ProblemRow struct {
	Problem string `json:"problem"`
	Detail  string `json:"detail"`
	Ref
}

// Appendix holds the inclusion rules and definitions.
type Appendix struct {
	Excluded        int               `json:"excluded"`
	ExcludedReasons []ProblemCount    `json:"excluded_reasons"`
	Rules           []Rule            `json:"exclusion_rules"`
	ResolveTargets  map[string]string `json:"resolve_targets"`
	PostmortemDue   string            `json:"postmortem_due"`
	Definitions     []Definition      `json:"definitions"`
}

// Rule is one exclusion rule in force.
type Rule struct {
	Name    string `json:"name"`
	Pattern string `json:"pattern"`
	Within  string `json:"within,omitempty"`
}

// Definition defines a term the report uses.
type Definition struct {
	Term    string `json:"term"`
	Meaning string `json:"meaning"`
}

// IncidentRow is one of the week's incidents (incidents.csv).
type IncidentRow struct {
	ID           string  `json:"incident_id"`
	Title        string  `json:"title"`
	Channel      string  `json:"channel"`
	Severity     string  `json:"severity"`
	Service      string  `json:"service"`
	Status       string  `json:"status"`
	Started      string  `json:"started"`
	Detection    string  `json:"detection_source"`
	TTA          *int64  `json:"time_to_acknowledge_s"`
	TTM          *int64  `json:"time_to_mitigate_s"`
	TTR          *int64  `json:"time_to_resolve_s"`
	Censored     *int64  `json:"open_for_s,omitempty"`
	WithinTarget *bool   `json:"within_target"`
	Regression   string  `json:"regression_test"`
	Postmortem   string  `json:"postmortem_url,omitempty"`
	RecurrenceOf string  `json:"recurrence_of,omitempty"`
	Excluded     bool    `json:"excluded"`
	Exclusion    string  `json:"exclusion_reason,omitempty"`
	URL          string  `json:"url,omitempty"`
	Timestamps   []Stamp `json:"timestamps"`
}

// Stamp is one lifecycle timestamp with the message behind it.
type Stamp struct {
	Kind     string `json:"kind"`
	At       string `json:"at"`
	Rule     string `json:"rule"`
	Evidence string `json:"evidence_class"`
	URL      string `json:"url,omitempty"`
}
