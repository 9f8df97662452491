-- SQL of the Web API ingest (aftermath ingest slack) that is its own: the
-- per-channel sync state in slack_sync (queries/migrations/0002). Messages,
-- channels and users are stored by merge.sql, exactly as the export path
-- stores them. Values always travel as parameters.

-- name: record_team
-- $1 = run_id, $2 = team_id, $3 = team name, $4 = workspace URL (from auth.test).
UPDATE ingest_runs SET team_id = $2, team_name = $3, team_url = nullif($4, '') WHERE run_id = $1;

-- name: record_skip
-- $1 = run_id, $2 = kind, $3 = item, $4 = reason (as run.skip records them).
INSERT INTO ingest_skips VALUES ($1, $2, $3, $4);

-- name: staged_channels
-- The channels conversations.list returned, as stage_channels read them.
-- is_member is absent from some deployments' answers: assume membership
-- and let conversations.history say not_in_channel.
SELECT channel_id, name, is_private, is_archived,
	coalesce(TRY_CAST(json_extract_string(raw, '$.is_member') AS BOOLEAN), true) AS is_member
FROM stage_chans ORDER BY name, channel_id;

-- name: keep_channels
-- $1 = the selected channel IDs.
DELETE FROM stage_chans WHERE NOT list_contains($1::VARCHAR[], channel_id);

-- name: load_sync
-- $1 = channel IDs. A channel's API sync state, and what channel_state says
-- about messages stored by any source (an export seeds the first API run).
SELECT c.id,
	s.channel_id IS NOT NULL AS has_sync,
	coalesce(s.history_from, ''), coalesce(s.history_through, ''),
	coalesce(s.pass_oldest, ''), coalesce(s.pass_low, ''), coalesce(s.pass_high, ''),
	coalesce(s.archived_complete, false), coalesce(s.seeded_from, ''),
	coalesce(cs.oldest_ts, ''), coalesce(cs.newest_ts, ''), coalesce(cs.last_source, '')
FROM (SELECT unnest($1::VARCHAR[]) AS id) c
LEFT JOIN slack_sync s ON s.channel_id = c.id
LEFT JOIN channel_state cs ON cs.channel_id = c.id;

-- name: stored_threads
-- $1 = channel_id, $2 = thread parents' ts: the latest_reply stored for each.
SELECT ts, coalesce(latest_reply, '') FROM messages
WHERE channel_id = $1 AND list_contains($2::VARCHAR[], ts);

-- name: delete_sync
-- $1 = channel_id.
DELETE FROM slack_sync WHERE channel_id = $1;

-- name: insert_sync
-- $1 = channel_id, $2 = history_from, $3 = history_through, $4 = pass_oldest,
-- $5 = pass_low, $6 = pass_high, $7 = archived_complete, $8 = seeded_from,
-- $9 = run_id, $10 = now. Empty strings are NULL.
INSERT INTO slack_sync VALUES ($1, nullif($2, ''), nullif($3, ''), nullif($4, ''), nullif($5, ''),
	nullif($6, ''), $7, nullif($8, ''), $9, $10);

-- name: mirror_channel_state
-- $1 = channel_id, $2 = history_complete, $3 = archived_complete: the two
-- flags channel_state documents, for channels that have stored messages.
UPDATE channel_state SET history_complete = $2, archived_complete = $3
WHERE channel_id = $1 AND (history_complete IS DISTINCT FROM $2 OR archived_complete IS DISTINCT FROM $3);
