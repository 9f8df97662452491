// Package samplegen generates a deterministic sample Slack workspace with
// the ground truth of every incident in it, so aftermath's ingest,
// transform and reports can be tested, demonstrated and benchmarked
// without a real workspace.
//
// # What Generate writes
//
// Into DIR:
//
//   - export/: a Slack workspace export as Slack makes it. channels.json
//     (public), groups.json (private: a few security incidents),
//     users.json, integration_logs.json, and one folder per channel
//     holding YYYY-MM-DD.json day files. Each day file is a JSON array in
//     PHP's pretty-print layout (four-space indent, `\/` for slashes, \u
//     escapes for everything outside ASCII). Files are cut on
//     America/Los_Angeles days, so their names differ from UTC days; a
//     thread reply sits in the file of its own ts. Consumers must take
//     time from ts, never from file names.
//   - truth.json: every incident with the instants a correct pipeline
//     must recover, the message (evidence ts) that shows each one, and
//     the rules used to decide them (Truth, TruthIncident).
//   - repos/<name>/: bare git repositories built with git fast-import
//     (fixed authors and dates, so SHAs are stable). A base commit, then
//     one squash-merge commit per fix, subject "<summary> (#PR)", with
//     refs/pull/<PR>/head pointing at it. Some fixes touch test files, in
//     the repository's language (Go, Python, TypeScript, Ruby).
//   - workspace.json: the services catalog (names and aliases as chat and
//     alerts use them), repositories (URL to local path), the shared
//     incident channel, channel name patterns, and the bots, from which a
//     configuration can be written.
//   - export.zip, when Options.Zip is set: the export folder, zipped.
//
// # What the workspace contains
//
// Incidents arrive more on weekday working hours in Los Angeles, last a
// log-normal time (minutes to days), and a few are still open at End.
// About 12% recur: the same service failing the same way (the same
// failure signature, fresh numbers and hosts in the text) within 30 days.
// Three quarters have their own channel, named as their tool names them
// (inc-1234-…, inc-2026-11-20-…, incident-123, dispatch-acme-payments-42,
// inc-pd24817, Monzo's inc-jan-5-14-03-22, Hellper's person-chosen
// inc-checkout-5xx); the rest are threads in the
// shared #incidents channel, among questions that are not incidents.
// Incidents are run by Netflix Dispatch, incident.io, Rootly, FireHydrant,
// PagerDuty, Monzo Response, Hellper, or by people alone, each with its message
// shapes (Block Kit behind a fallback text, legacy attachments, topic
// changes, slash-command echoes, Statuspage-style updates). Detection is
// by an alerting bot (Datadog, Grafana, Alertmanager, Sentry, CloudWatch,
// Opsgenie, PagerDuty) or by a person. About 5% more are drills, game
// days, maintenance, tests and cancelled incidents, marked in their
// titles. Noise channels (general, random, eng-backend, deploys,
// oncall-handoff, alerts-prod) and a trap, incident-reviews, whose name
// matches incident patterns but which holds none, carry most of the
// volume; Options.Scale multiplies it.
//
// # Deliberate difficulties
//
// Each is named in the incident's truth notes:
//
//   - stated_start_before_declaration: "impact started around 14:02 UTC"
//     (or FireHydrant's backdated Started milestone); started_at is the
//     stated time.
//   - implicit_ack: nobody says "ack"; the first message from a person
//     other than the declarer is the acknowledgement.
//   - human_reply_before_explicit_ack: someone talks before the explicit
//     acknowledgement, which still wins.
//   - status_out_of_order: a Monitoring status posted by mistake and
//     reverted; mitigated_at is the later, real one.
//   - resolved_message_edited_later: the resolution message carries an
//     edited ts hours later; resolved_at is the message's own ts.
//   - parent_edited_in_place: a PagerDuty trigger rewritten to its final
//     state, with edited ts; the events are its thread replies.
//   - out_of_order_ack with resolved_by_alert_recovery: the alert cleared
//     on its own and the first human reply came after; the truth keeps
//     acknowledged_at after resolved_at, as the product must.
//   - closed_from_headline_button: a Monzo Response incident closed from
//     its headline's Close button; nothing in the incident channel, the
//     headline in #incidents edited to Status: Resolved. Its evidence is
//     in evidence_elsewhere, as is an Alertmanager [RESOLVED] posted
//     top-level beside the thread it belongs to.
//   - channel_renamed, private_channel, open_at_end, postmortem_missing.
//
// Chatter never carries a lifecycle signal (phrases_test.go checks the
// phrase banks), so each event is shown by exactly the messages the truth
// names; where two messages show one event (a Dispatch topic change and
// its notification), the earliest is the evidence.
//
// # Determinism and speed
//
// The same Options give byte-identical files on the same platform: one
// seeded PCG plans the workspace, then every channel draws from its own
// stream keyed by its ID, maps are iterated in sorted order, and zip
// entries carry a fixed time. Channels are generated in parallel, one per
// worker, each into its own folder, so scheduling cannot change the
// output. Day files are encoded by hand (no reflection) and streamed: an
// incident channel is held whole (it is small), noise channels one day at
// a time, so memory stays flat as the workspace grows. About a million
// messages (Scale 10, 500 incidents, 26 weeks) take seconds.
package samplegen
