// Package ingest copies Slack incident-channel history into the warehouse's
// raw layer: channels, users, messages, channel_state, ingest_runs and
// ingest_skips (see queries/migrations).
//
// Two sources feed it: a Slack workspace export (ZIP or directory, for
// backfill) and the Slack Web API (the nightly incremental run). Both stage
// raw JSON objects and store them through the same SQL (merge.sql), so the
// same message stores the same row whichever way it arrived.
//
// Invariants:
//   - Idempotent: storing the same input twice changes nothing; a message is
//     unique on (channel_id, ts) and is replaced only by a newer copy.
//   - Atomic per batch: messages and the channel watermarks that describe them
//     commit together, so a kill leaves the warehouse as it was before the
//     batch being written.
//   - Nothing is lost silently: an input that cannot be used (a malformed
//     file, a wrong type, an unknown channel) is skipped, named in the log and
//     in ingest_skips, and the run ends partial (ErrPartial).
//   - Secrets never reach the database: tokens in file URLs and anywhere else
//     are redacted in SQL before any column is derived.
//   - Time is taken from each message's ts, never from a file name.
package ingest
