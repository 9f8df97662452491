// Package transform rebuilds the derived layer (incidents, incident_events,
// incident_signals, incident_links, incident_participants, data_quality,
// transform_runs; see queries/migrations) from the raw tables.
//
// A night's transform runs five stages, each in its own file:
//  1. units (units.go) picks the incident units: channels whose names match the incident
//     patterns (one incident each), and in the shared incident channels
//     each top-level message that declares an incident, with its thread;
//  2. signals (signals.go): reads their messages with text, Block Kit and attachment content
//     (messages.sql) and runs the recognisers (configuration: recognisers)
//     over them, producing signals: declared, detected, acknowledged,
//     mitigated, resolved, closed, severity, service, title, postmortem …;
//  3. timelines (timelines.go) assembles each incident's timeline from its signals, choosing one
//     signal (or a named fallback) per timestamp and recording it as
//     evidence in incident_events;
//  4. enrichment (enrichment.go) links fixes to commits in local clones to decide regression-test
//     coverage, finds recurrences, and lists data-quality problems;
//  5. write (write.go) replaces every derived table in one transaction, so a kill leaves the
//     previous derived layer intact and a rerun gives the same tables.
//
// Invariants: the same raw tables and configuration give the same derived
// tables whatever order messages were ingested in; timestamps are never
// reordered to look consistent (violations are kept and flagged); metrics
// are SQL views over incidents (queries/migrations/0004_metrics.sql).
package transform
