-- The raw layer: what ingest copied from Slack, kept close to Slack's own shape.
-- No indexes or key constraints: DuckDB's index replay after an unclean
-- shutdown is the weakest part of its recovery, and the single writer keeps
-- the keys unique by merging on them (see ingest/merge.sql).

CREATE SEQUENCE ingest_run_seq START 1;

CREATE TABLE channels (
	channel_id   VARCHAR NOT NULL,
	name         VARCHAR NOT NULL,
	is_private   BOOLEAN NOT NULL,
	is_archived  BOOLEAN NOT NULL,
	created_at   TIMESTAMPTZ,
	creator_id   VARCHAR,
	topic        VARCHAR,
	topic_set_at TIMESTAMPTZ,
	purpose      VARCHAR,
	raw          JSON NOT NULL,
	source       VARCHAR NOT NULL,
	first_seen_at TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	run_id       BIGINT NOT NULL
);
COMMENT ON TABLE channels IS 'Slack conversations that ingest selected (incident channels and shared incident channels), one row per channel_id, as last seen.';
COMMENT ON COLUMN channels.channel_id IS 'Slack conversation ID (C… or G…); unique.';
COMMENT ON COLUMN channels.name IS 'Channel name without #, as last seen; a renamed channel keeps its channel_id.';
COMMENT ON COLUMN channels.is_private IS 'True for private channels (groups.json in an export, is_private from the API).';
COMMENT ON COLUMN channels.is_archived IS 'True when the channel is archived; incident bots archive a channel when its incident closes.';
COMMENT ON COLUMN channels.created_at IS 'When the channel was created (UTC).';
COMMENT ON COLUMN channels.creator_id IS 'User ID of whoever created the channel.';
COMMENT ON COLUMN channels.topic IS 'Current channel topic; Netflix Dispatch writes status and severity here.';
COMMENT ON COLUMN channels.topic_set_at IS 'When the current topic was set (UTC), if Slack says.';
COMMENT ON COLUMN channels.purpose IS 'Current channel description (purpose).';
COMMENT ON COLUMN channels.raw IS 'The channel object as Slack sent it, whitespace removed, file-URL tokens redacted.';
COMMENT ON COLUMN channels.source IS 'Where the stored row came from: export or api.';
COMMENT ON COLUMN channels.first_seen_at IS 'When ingest first stored this channel (UTC).';
COMMENT ON COLUMN channels.updated_at IS 'When ingest last changed this row (UTC).';
COMMENT ON COLUMN channels.run_id IS 'ingest_runs.run_id of the run that last changed this row.';

CREATE TABLE users (
	user_id      VARCHAR NOT NULL,
	team_id      VARCHAR,
	name         VARCHAR,
	real_name    VARCHAR,
	display_name VARCHAR,
	is_bot       BOOLEAN NOT NULL,
	is_app_user  BOOLEAN NOT NULL,
	deleted      BOOLEAN NOT NULL,
	tz           VARCHAR,
	raw          JSON NOT NULL,
	source       VARCHAR NOT NULL,
	first_seen_at TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	run_id       BIGINT NOT NULL
);
COMMENT ON TABLE users IS 'Slack users and bot users of the workspace, one row per user_id, as last seen; always loaded in full.';
COMMENT ON COLUMN users.user_id IS 'Slack user ID (U… or W…); unique.';
COMMENT ON COLUMN users.team_id IS 'Slack workspace (team) ID of the user.';
COMMENT ON COLUMN users.name IS 'Slack handle.';
COMMENT ON COLUMN users.real_name IS 'Full name from the profile.';
COMMENT ON COLUMN users.display_name IS 'Display name from the profile; may be empty.';
COMMENT ON COLUMN users.is_bot IS 'True for bot users (incident bots, alerting integrations).';
COMMENT ON COLUMN users.is_app_user IS 'True for app users.';
COMMENT ON COLUMN users.deleted IS 'True when the account is deactivated.';
COMMENT ON COLUMN users.tz IS 'The user''s IANA time zone, if known.';
COMMENT ON COLUMN users.raw IS 'The user object as Slack sent it, whitespace removed, tokens redacted.';
COMMENT ON COLUMN users.source IS 'Where the stored row came from: export or api.';
COMMENT ON COLUMN users.first_seen_at IS 'When ingest first stored this user (UTC).';
COMMENT ON COLUMN users.updated_at IS 'When ingest last changed this row (UTC).';
COMMENT ON COLUMN users.run_id IS 'ingest_runs.run_id of the run that last changed this row.';

CREATE TABLE messages (
	channel_id     VARCHAR NOT NULL,
	ts             VARCHAR NOT NULL,
	thread_ts      VARCHAR,
	parent_user_id VARCHAR,
	user_id        VARCHAR,
	bot_id         VARCHAR,
	app_id         VARCHAR,
	username       VARCHAR,
	subtype        VARCHAR,
	text           VARCHAR,
	posted_at      TIMESTAMPTZ NOT NULL,
	edited_at      TIMESTAMPTZ,
	edited_by      VARCHAR,
	reply_count    INTEGER,
	latest_reply   VARCHAR,
	is_deleted     BOOLEAN NOT NULL,
	raw            JSON NOT NULL,
	source         VARCHAR NOT NULL,
	ingested_at    TIMESTAMPTZ NOT NULL,
	updated_at     TIMESTAMPTZ NOT NULL,
	run_id         BIGINT NOT NULL
);
COMMENT ON TABLE messages IS 'Every message of the selected channels, thread replies included; unique on (channel_id, ts).';
COMMENT ON COLUMN messages.channel_id IS 'channels.channel_id of the channel the message is in.';
COMMENT ON COLUMN messages.ts IS 'Slack''s message timestamp string ("seconds.micros"); with channel_id, the message''s identity.';
COMMENT ON COLUMN messages.thread_ts IS 'ts of the thread''s parent; equals ts on a parent, NULL outside threads.';
COMMENT ON COLUMN messages.parent_user_id IS 'User who posted the thread parent (on replies).';
COMMENT ON COLUMN messages.user_id IS 'Slack user ID of the author; bots posting through an app have one too.';
COMMENT ON COLUMN messages.bot_id IS 'Slack bot ID (B…) when a bot or integration posted it.';
COMMENT ON COLUMN messages.app_id IS 'Slack app ID (A…) of the posting app, from app_id or bot_profile.app_id.';
COMMENT ON COLUMN messages.username IS 'Name a bot or webhook posted under (username or bot_profile.name).';
COMMENT ON COLUMN messages.subtype IS 'Slack message subtype (bot_message, channel_topic, channel_archive, thread_broadcast, tombstone, …); NULL for ordinary messages. Unknown subtypes are kept.';
COMMENT ON COLUMN messages.text IS 'The message''s mrkdwn text as Slack sent it; Block Kit and attachment content is in raw.';
COMMENT ON COLUMN messages.posted_at IS 'When the message was posted (UTC), from ts.';
COMMENT ON COLUMN messages.edited_at IS 'When the message was last edited (UTC), from edited.ts.';
COMMENT ON COLUMN messages.edited_by IS 'User who last edited the message.';
COMMENT ON COLUMN messages.reply_count IS 'Number of thread replies, on thread parents.';
COMMENT ON COLUMN messages.latest_reply IS 'ts of the newest thread reply, on thread parents; ''0000000000.000000'' means none.';
COMMENT ON COLUMN messages.is_deleted IS 'True when Slack now shows the message as deleted (a tombstone); text and raw keep the last content ingest saw before that.';
COMMENT ON COLUMN messages.raw IS 'The message object as Slack sent it, whitespace removed and file-URL tokens redacted; the source of truth for blocks, attachments, files and reactions.';
COMMENT ON COLUMN messages.source IS 'Where the stored version came from: export or api.';
COMMENT ON COLUMN messages.ingested_at IS 'When ingest first stored this message (UTC).';
COMMENT ON COLUMN messages.updated_at IS 'When ingest last changed this row (UTC), for example after an edit.';
COMMENT ON COLUMN messages.run_id IS 'ingest_runs.run_id of the run that last changed this row.';

CREATE TABLE ingest_runs (
	run_id             BIGINT NOT NULL,
	kind               VARCHAR NOT NULL,
	source             VARCHAR NOT NULL,
	started_at         TIMESTAMPTZ NOT NULL,
	finished_at        TIMESTAMPTZ,
	status             VARCHAR NOT NULL,
	channels_total     INTEGER NOT NULL DEFAULT 0,
	channels_selected  INTEGER NOT NULL DEFAULT 0,
	channels_done      INTEGER NOT NULL DEFAULT 0,
	channels_skipped   INTEGER NOT NULL DEFAULT 0,
	files_read         INTEGER NOT NULL DEFAULT 0,
	files_skipped      INTEGER NOT NULL DEFAULT 0,
	messages_read      BIGINT NOT NULL DEFAULT 0,
	messages_new       BIGINT NOT NULL DEFAULT 0,
	messages_updated   BIGINT NOT NULL DEFAULT 0,
	messages_skipped   BIGINT NOT NULL DEFAULT 0,
	users              INTEGER NOT NULL DEFAULT 0,
	api_calls          JSON,
	rate_limited       INTEGER NOT NULL DEFAULT 0,
	retries            INTEGER NOT NULL DEFAULT 0,
	wait_seconds       DOUBLE NOT NULL DEFAULT 0,
	error              VARCHAR
);
COMMENT ON TABLE ingest_runs IS 'One row per ingest run, written at its start and completed at its end.';
COMMENT ON COLUMN ingest_runs.run_id IS 'Run number, increasing.';
COMMENT ON COLUMN ingest_runs.kind IS 'export (a Slack workspace export) or slack (the Web API).';
COMMENT ON COLUMN ingest_runs.source IS 'The export path, or the Web API base URL (never a token).';
COMMENT ON COLUMN ingest_runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN ingest_runs.finished_at IS 'When the run ended (UTC); NULL while running or if it was killed.';
COMMENT ON COLUMN ingest_runs.status IS 'running, ok, partial (finished but skipped inputs, see ingest_skips), failed, or interrupted (stopped by a signal, or killed and found so by the next run).';
COMMENT ON COLUMN ingest_runs.channels_total IS 'Conversations found in the source.';
COMMENT ON COLUMN ingest_runs.channels_selected IS 'Conversations the channel selection kept.';
COMMENT ON COLUMN ingest_runs.channels_done IS 'Selected conversations stored completely.';
COMMENT ON COLUMN ingest_runs.channels_skipped IS 'Selected conversations skipped, each listed in ingest_skips.';
COMMENT ON COLUMN ingest_runs.files_read IS 'Export files read (exports only).';
COMMENT ON COLUMN ingest_runs.files_skipped IS 'Export files skipped as unreadable or unknown, each listed in ingest_skips.';
COMMENT ON COLUMN ingest_runs.messages_read IS 'Messages read from the source.';
COMMENT ON COLUMN ingest_runs.messages_new IS 'Messages stored for the first time.';
COMMENT ON COLUMN ingest_runs.messages_updated IS 'Stored messages that changed (edited, deleted, new replies).';
COMMENT ON COLUMN ingest_runs.messages_skipped IS 'Messages rejected as malformed, each file or channel listed in ingest_skips.';
COMMENT ON COLUMN ingest_runs.users IS 'Users read from the source.';
COMMENT ON COLUMN ingest_runs.api_calls IS 'Web API calls made, per method, as a JSON object (API runs only).';
COMMENT ON COLUMN ingest_runs.rate_limited IS 'HTTP 429 answers received.';
COMMENT ON COLUMN ingest_runs.retries IS 'Requests retried after 429, 5xx or network errors.';
COMMENT ON COLUMN ingest_runs.wait_seconds IS 'Seconds spent waiting on rate limits and backoff.';
COMMENT ON COLUMN ingest_runs.error IS 'Why the run failed or what it skipped, in one line.';

CREATE TABLE ingest_skips (
	run_id BIGINT NOT NULL,
	kind   VARCHAR NOT NULL,
	item   VARCHAR NOT NULL,
	reason VARCHAR NOT NULL
);
COMMENT ON TABLE ingest_skips IS 'Inputs an ingest run could not use, one row each; a run with any is partial (exit code 3).';
COMMENT ON COLUMN ingest_skips.run_id IS 'ingest_runs.run_id of the run that skipped it.';
COMMENT ON COLUMN ingest_skips.kind IS 'What was skipped: file, entry (a ZIP entry), channel, message or export.';
COMMENT ON COLUMN ingest_skips.item IS 'The file path inside the export, or the channel name and ID.';
COMMENT ON COLUMN ingest_skips.reason IS 'Why, as the operator should read it.';

CREATE TABLE channel_state (
	channel_id        VARCHAR NOT NULL,
	oldest_ts         VARCHAR,
	newest_ts         VARCHAR,
	last_source       VARCHAR NOT NULL,
	last_run_id       BIGINT NOT NULL,
	last_ingested_at  TIMESTAMPTZ NOT NULL,
	history_complete  BOOLEAN NOT NULL DEFAULT false,
	archived_complete BOOLEAN NOT NULL DEFAULT false
);
COMMENT ON TABLE channel_state IS 'Per-channel ingest bookkeeping: how far each channel has been stored; moved only in the transaction that stores its messages.';
COMMENT ON COLUMN channel_state.channel_id IS 'channels.channel_id; unique.';
COMMENT ON COLUMN channel_state.oldest_ts IS 'ts of the oldest stored message.';
COMMENT ON COLUMN channel_state.newest_ts IS 'ts of the newest stored message; seeds the first Web API run of a channel an export stored (the API''s own progress is in slack_sync).';
COMMENT ON COLUMN channel_state.last_source IS 'export or api: which source last stored messages for the channel.';
COMMENT ON COLUMN channel_state.last_run_id IS 'ingest_runs.run_id of the run that last stored messages for the channel.';
COMMENT ON COLUMN channel_state.last_ingested_at IS 'When messages were last stored for the channel (UTC).';
COMMENT ON COLUMN channel_state.history_complete IS 'True once the channel''s whole history has been fetched from the Web API (see slack_sync).';
COMMENT ON COLUMN channel_state.archived_complete IS 'True once the channel was archived and fetched completely after that; nightly API runs skip it.';
