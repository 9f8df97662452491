-- Web API sync state (aftermath ingest slack). It is kept apart from
-- channel_state: the shared merge moves channel_state.newest_ts whenever it
-- stores messages, including the newest pages of a pass that a kill then
-- interrupts, so newest_ts cannot tell the next run that an older gap is
-- still unfetched. slack_sync moves only in the transaction that stores the
-- messages it describes (see docs/slack-ingest.md).
--
-- Timestamps here are Slack ts strings; '0' means "from the channel's first
-- message".

CREATE TABLE slack_sync (
	channel_id        VARCHAR NOT NULL,
	history_from      VARCHAR,
	history_through   VARCHAR,
	pass_oldest       VARCHAR,
	pass_low          VARCHAR,
	pass_high         VARCHAR,
	archived_complete BOOLEAN NOT NULL DEFAULT false,
	seeded_from       VARCHAR,
	last_run_id       BIGINT NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE slack_sync IS 'Per-channel Web API sync state: which part of each channel''s history conversations.history has fetched completely (with its threads), and any pass a kill interrupted. One row per channel_id; moved only in the transaction that stores the messages it describes.';
COMMENT ON COLUMN slack_sync.channel_id IS 'channels.channel_id; unique.';
COMMENT ON COLUMN slack_sync.history_from IS 'Lower bound (exclusive) of the history fetched completely: ''0'' for the channel''s beginning, else a ts (a --since backfill, or the oldest message of the export that seeded the channel).';
COMMENT ON COLUMN slack_sync.history_through IS 'Newest ts of the history fetched completely; NULL when the channel had no messages above history_from. The next incremental run fetches from here minus slack.lookback.';
COMMENT ON COLUMN slack_sync.pass_oldest IS 'An unfinished pass (a kill or a skip stopped it): the lower bound it was fetching down to; NULL when none is unfinished.';
COMMENT ON COLUMN slack_sync.pass_low IS 'An unfinished pass stored every message from pass_low up to pass_high; the next run fetches the gap from pass_low down to pass_oldest.';
COMMENT ON COLUMN slack_sync.pass_high IS 'Newest ts an unfinished pass stored.';
COMMENT ON COLUMN slack_sync.archived_complete IS 'True once the channel was fetched completely after it was archived; nightly runs do not fetch it again while it stays archived.';
COMMENT ON COLUMN slack_sync.seeded_from IS '''export'' when the first API run took the channel''s starting point from messages an export ingest had stored (channel_state), else NULL.';
COMMENT ON COLUMN slack_sync.last_run_id IS 'ingest_runs.run_id of the run that last moved this row.';
COMMENT ON COLUMN slack_sync.updated_at IS 'When this row last moved (UTC).';

ALTER TABLE ingest_runs ADD COLUMN team_id VARCHAR;
ALTER TABLE ingest_runs ADD COLUMN team_name VARCHAR;
COMMENT ON COLUMN ingest_runs.team_id IS 'Slack workspace (team) ID the token belongs to, from auth.test (Web API runs only).';
COMMENT ON COLUMN ingest_runs.team_name IS 'Slack workspace name, from auth.test (Web API runs only).';
COMMENT ON COLUMN ingest_skips.kind IS 'What was skipped: file, entry (a ZIP entry), channel, message, thread (a thread''s replies), users (the user list) or export.';
