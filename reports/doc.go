// Package reports is the last stage: it reads the derived tables and the
// metric views (never transform's Go types) and publishes the weekly
// reliability report.
//
// Inputs: incidents, incident_evidence (0006), incident_participants,
// data_quality, metric_settings and transform_runs, for the report's week
// and the weeks it is compared with. Outputs: OUT/<YYYY-Www>/report.html
// (one self-contained file: inline CSS and SVG charts, no scripts, no
// fetches), report.md, report.json (docs/report.schema.json) and
// incidents.csv, and OUT/index.html listing every week.
//
// Invariants: the same warehouse and clock give byte-identical files (the
// bootstrap is seeded per statistic); every Slack-sourced string is escaped
// for its format; a run that fails or is killed leaves the previous files
// as they were (a temporary folder is renamed into place).
//
// The steps, one file each: load.go (SQL in sql/), compute.go (the
// figures; every formula in stats.go), charts.go (gonum/plot, wrapped once),
// render.go (HTML, Markdown, JSON, CSV) and publish.go (atomic write, index).
package reports
