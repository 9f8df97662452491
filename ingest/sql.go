package ingest

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/aftermath-dev/aftermath/internal/redact"
)

//go:embed merge.sql
var mergeSQL string

// Sources a merge step can read staged objects from. Each yields channel_id,
// doc (JSON) and origin. These constants are the only text ever put into
// the SQL; values always travel as parameters.
const (
	// sourceFiles reads export day files; $1 is the list of paths, matched to
	// channels through the temp table stage_files(path, channel_id).
	sourceFiles = `SELECT f.channel_id, o.json AS doc, o.filename AS origin
	FROM read_json_objects($1::VARCHAR[], format = 'array', filename = true) o
	JOIN stage_files f ON f.path = o.filename`
	// sourceFiles4 is sourceFiles with the list of paths as $4, after the
	// merge parameters (first_load_messages).
	sourceFiles4 = `SELECT f.channel_id, o.json AS doc, o.filename AS origin
	FROM read_json_objects($4::VARCHAR[], format = 'array', filename = true) o
	JOIN stage_files f ON f.path = o.filename`
	// sourceObjectFile reads one JSON file of objects (channels.json,
	// users.json); $1 is its path.
	sourceObjectFile = `SELECT NULL AS channel_id, json AS doc, filename AS origin
	FROM read_json_objects($1::VARCHAR, format = 'array', filename = true)`
	// sourceRaw reads objects appended to the temp table stage_raw (API pages).
	sourceRaw = `SELECT channel_id, raw::JSON AS doc, origin FROM stage_raw`
)

var steps = parseSteps(mergeSQL)

// redactJ is the SQL twin of redact.String applied to the column j: the
// one place stored JSON is redacted, before any column is derived from it.
var redactJ = func() string {
	prefilter, patterns := redact.SQLPatterns()
	expr := "j"
	for _, p := range patterns {
		if strings.Contains(p.Match+p.Replace, "'") {
			panic("ingest: redaction patterns must not contain quotes")
		}
		expr = "regexp_replace(" + expr + ", '" + p.Match + "', '" + p.Replace + "', 'g')"
	}
	return "CASE WHEN regexp_matches(j, '" + prefilter + "') THEN " + expr + " ELSE j END"
}()

// parseSteps splits merge.sql into its "-- name: X" sections.
func parseSteps(text string) map[string]string {
	out := map[string]string{}
	var name string
	var b strings.Builder
	flush := func() {
		if name != "" {
			out[name] = strings.TrimSpace(b.String())
		}
		b.Reset()
	}
	for _, line := range strings.Split(text, "\n") {
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name: "); ok {
			flush()
			name = strings.TrimSpace(n)
			continue
		}
		b.WriteString(line + "\n")
	}
	flush()
	return out
}

// step returns the named statement with its placeholders filled.
// stage_messages is staged_messages stored in the temp table stage_msgs;
// fast_first_load_messages is first_load_messages over
// fast_staged_messages (the first load when Go reads the day files).
func step(name, source string) string {
	if name == "stage_messages" {
		return "CREATE OR REPLACE TEMP TABLE stage_msgs AS\n" + step("staged_messages", source)
	}
	s, ok := steps[name]
	if name == "fast_first_load_messages" {
		s, ok = strings.Replace(steps["first_load_messages"], "{{staged_messages}}", "{{fast_staged_messages}}", 1), true
	}
	if !ok {
		panic(fmt.Sprintf("ingest: merge.sql has no step %q", name))
	}
	var staged, fastStaged, derive string
	if strings.Contains(s, "{{staged_messages}}") {
		staged = strings.TrimSuffix(step("staged_messages", source), ";")
	}
	if strings.Contains(s, "{{fast_staged_messages}}") {
		fastStaged = strings.TrimSuffix(step("fast_staged_messages", source), ";")
	}
	if strings.Contains(s, "{{derive_messages}}") {
		derive = steps["derive_messages"]
	}
	return strings.NewReplacer("{{source}}", source, "{{redact_j}}", redactJ, "{{staged_messages}}", staged,
		"{{fast_staged_messages}}", fastStaged, "{{derive_messages}}", derive).Replace(s)
}
