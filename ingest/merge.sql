-- How ingest stores raw Slack objects. Both ingest paths (export files and
-- Web API pages) stage objects as (channel_id, doc, origin) and run these
-- steps in one transaction per batch, so both store exactly the same rows.
--
-- Placeholders, filled by ingest/sql.go from constants (never from input):
--   {{source}}  the staged objects: channel_id, doc (JSON), origin (file or API call)
--   {{redact_j}} the column j (canonical JSON text) with Slack tokens and
--               t=/token= query values replaced (ingest/sql.go builds it
--               from internal/redact's patterns)
-- Parameters: the stage_* steps take the source's own parameter ($1, e.g. the
-- list of files); the other steps take $1 = now (TIMESTAMPTZ), $2 = run_id,
-- $3 = source ('export' or 'api').
--
-- Canonical raw JSON is DuckDB's json(): whitespace removed, escapes such as
-- \/ and \u00e9 decoded. Redaction runs on that text, before anything else
-- reads it, so no column can hold a token.

-- name: staged_messages
-- The staged messages: each object with its columns derived and, when it
-- cannot be stored, the problem. ingest/sql.go makes the step
-- stage_messages of it (into the temp table stage_msgs), and
-- first_load_messages reads it directly.
-- A ts outside the run's window (the temp table ts_window, made by
-- set_ts_window: before Slack existed, or more than a day after the run's
-- clock) is a problem: stored, it would move the channel's watermark to
-- the year 33658, or an incident's first day to 1970.
WITH src AS (
	{{source}}
), red AS (
	SELECT channel_id, origin, {{redact_j}} AS raw
	FROM (SELECT channel_id, origin, json(doc)::VARCHAR AS j FROM src)
), x AS (
	-- One parse of each message: the fields as small JSON values (x), whose
	-- text (v) and types (t) are cheap to read. raw is canonical JSON, so it
	-- is an object exactly when it starts with '{'.
	SELECT channel_id, origin, raw,
		CASE WHEN starts_with(raw, '{') THEN 'OBJECT' END AS kind,
		json_extract(raw, ['$.ts', '$.thread_ts', '$.parent_user_id', '$.user', '$.bot_id',
			'$.app_id', '$.bot_profile.app_id', '$.username', '$.bot_profile.name', '$.subtype',
			'$.text', '$.edited.ts', '$.edited.user', '$.reply_count', '$.latest_reply', '$.edited']) AS x
	FROM red
), f AS (
	SELECT channel_id, origin, raw, kind,
		list_transform(x[1:15], e -> json_extract_string(e, '$')) AS v,
		[json_type(x[1]), json_type(x[2]), json_type(x[4]), json_type(x[11]), json_type(x[10]),
			json_type(x[14]), json_type(x[16])] AS t,
		NULL::STRUCT(ts VARCHAR, thread_ts VARCHAR, parent_user_id VARCHAR, user_id VARCHAR, bot_id VARCHAR,
			app_id VARCHAR, username VARCHAR, subtype VARCHAR, text VARCHAR, posted_us BIGINT, edited_us BIGINT,
			edited_by VARCHAR, reply_count INTEGER, latest_reply VARCHAR, is_deleted BOOLEAN) AS pass
	FROM x
{{derive_messages}};

-- name: derive_messages
-- The end of staged_messages and fast_staged_messages (not a statement of
-- its own): from f (channel_id, origin, raw, kind, v = the text of the
-- fields $.ts … $.latest_reply, t = the types of ts, thread_ts, user,
-- text, subtype, reply_count and edited, pass = the columns already
-- derived), the columns and the problem. A message has either v and t or
-- pass (Go derives pass on the first load exactly as below, for messages
-- with no problem but the ts window: ingest/canonical.go deriveColumns),
-- so coalesce(pass.…, …) is the one that is there; COALESCE evaluates
-- the second only where the first is NULL.
), g AS (
SELECT
	channel_id, origin, raw,
	coalesce(pass.ts, v[1]) AS ts,
	coalesce(pass.thread_ts, v[2]) AS thread_ts,
	coalesce(pass.parent_user_id, v[3]) AS parent_user_id,
	coalesce(pass.user_id, v[4]) AS user_id,
	coalesce(pass.bot_id, v[5]) AS bot_id,
	coalesce(pass.app_id, v[6], v[7]) AS app_id,
	coalesce(pass.username, v[8], v[9]) AS username,
	coalesce(pass.subtype, v[10]) AS subtype,
	coalesce(pass.text, v[11]) AS text,
	coalesce(make_timestamptz(pass.posted_us), make_timestamptz(TRY_CAST(split_part(v[1], '.', 1) AS BIGINT) * 1000000
		+ TRY_CAST(rpad(split_part(v[1], '.', 2), 6, '0') AS BIGINT))) AS posted_at,
	coalesce(make_timestamptz(pass.edited_us), make_timestamptz(TRY_CAST(split_part(v[12], '.', 1) AS BIGINT) * 1000000
		+ TRY_CAST(rpad(split_part(v[12], '.', 2), 6, '0') AS BIGINT))) AS edited_at,
	coalesce(pass.edited_by, v[13]) AS edited_by,
	coalesce(pass.reply_count, TRY_CAST(v[14] AS INTEGER)) AS reply_count,
	coalesce(pass.latest_reply, v[15]) AS latest_reply,
	coalesce(pass.is_deleted, v[10] = 'tombstone', false) AS is_deleted,
	CASE
		WHEN pass IS NOT NULL THEN NULL
		WHEN kind IS DISTINCT FROM 'OBJECT' THEN 'not a JSON object'
		WHEN t[1] IS DISTINCT FROM 'VARCHAR' OR NOT regexp_full_match(v[1], '[0-9]{1,12}\.[0-9]{1,6}')
			THEN 'ts is missing or not a Slack timestamp string'
		WHEN t[2] IS NOT NULL AND t[2] <> 'NULL' AND (t[2] <> 'VARCHAR' OR NOT regexp_full_match(v[2], '[0-9]{1,12}\.[0-9]{1,6}'))
			THEN 'thread_ts is not a Slack timestamp string'
		WHEN t[3] IS NOT NULL AND t[3] NOT IN ('VARCHAR', 'NULL') THEN 'user is not a string'
		WHEN t[4] IS NOT NULL AND t[4] NOT IN ('VARCHAR', 'NULL') THEN 'text is not a string'
		WHEN t[5] IS NOT NULL AND t[5] NOT IN ('VARCHAR', 'NULL') THEN 'subtype is not a string'
		WHEN t[6] IS NOT NULL AND t[6] NOT IN ('UBIGINT', 'BIGINT', 'NULL') THEN 'reply_count is not a number'
		WHEN t[7] IS NOT NULL AND t[7] NOT IN ('OBJECT', 'NULL') THEN 'edited is not an object'
	END AS problem0
FROM f
)
SELECT g.* EXCLUDE (problem0), coalesce(problem0, CASE
		WHEN posted_at < w.lo THEN 'ts ' || ts || ' is before Slack existed (' || strftime(w.lo, '%Y-%m-%d') || ')'
		WHEN posted_at > w.hi THEN 'ts ' || ts || ' is more than a day after the run'
	END) AS problem
FROM g, ts_window w

-- name: fast_staged_messages
-- staged_messages over the Arrow view fast_messages, which Go fills while
-- it reads the day files (ingest/fastload.go): channel_id, doc, canon,
-- fast, pass. Where Go read a message itself (canon: doc is already
-- json()'s text of it), found no text the redaction could match and no
-- problem (fast), raw is doc (a JSON value, stored without a cast that
-- would parse it again) and pass holds the columns Go derived, so DuckDB
-- does not parse the message at all; the other messages go through
-- json(), the redaction and json_extract exactly as in staged_messages
-- (CASE evaluates each branch only for its own rows).
WITH src AS (
	SELECT channel_id, NULL::VARCHAR AS origin, doc, canon, fast, pass FROM fast_messages
), red AS (
	SELECT channel_id, origin, fast, pass, CASE WHEN fast THEN doc ELSE ({{redact_j}})::JSON END AS raw
	FROM (SELECT channel_id, origin, doc, fast, pass, CASE WHEN canon THEN doc::VARCHAR ELSE json(doc)::VARCHAR END AS j FROM src)
), x AS (
	SELECT channel_id, origin, raw, fast, pass,
		CASE WHEN starts_with(raw, '{') THEN 'OBJECT' END AS kind,
		CASE WHEN NOT fast THEN json_extract(raw, ['$.ts', '$.thread_ts', '$.parent_user_id', '$.user', '$.bot_id',
			'$.app_id', '$.bot_profile.app_id', '$.username', '$.bot_profile.name', '$.subtype',
			'$.text', '$.edited.ts', '$.edited.user', '$.reply_count', '$.latest_reply', '$.edited']) END AS x
	FROM red
), f AS (
	SELECT channel_id, origin, raw, kind, pass,
		CASE WHEN NOT fast THEN list_transform(x[1:15], e -> json_extract_string(e, '$')) END AS v,
		CASE WHEN NOT fast THEN [json_type(x[1]), json_type(x[2]), json_type(x[4]), json_type(x[11]), json_type(x[10]),
			json_type(x[14]), json_type(x[16])] END AS t
	FROM x
{{derive_messages}};

-- name: first_load_messages
-- The first load of an empty messages table: every file in one statement,
-- straight into messages, so DuckDB reads and writes in parallel without a
-- staging copy. Messages with a problem are left out here; the caller
-- compares the count inserted with the count of objects the files hold and,
-- when they differ (a problem or a duplicate to name), rolls back and loads
-- in batches, which name each one. ingest/sql.go makes
-- fast_first_load_messages of it, over fast_staged_messages instead.
INSERT INTO messages (channel_id, ts, thread_ts, parent_user_id, user_id, bot_id, app_id, username,
	subtype, text, posted_at, edited_at, edited_by, reply_count, latest_reply, is_deleted, raw,
	source, ingested_at, updated_at, run_id)
SELECT channel_id, ts, thread_ts, parent_user_id, user_id, bot_id, app_id, username,
	subtype, text, posted_at, edited_at, edited_by, reply_count, latest_reply, is_deleted, raw,
	$3, $1, $1, $2
FROM ({{staged_messages}})
WHERE problem IS NULL;

-- name: count_stored_duplicates
-- After first_load_messages: keys stored more than once (copies the batched
-- path keeps one of and names).
SELECT count(*) FROM (SELECT channel_id, ts FROM messages GROUP BY ALL HAVING count(*) > 1);

-- name: first_load_channel_state
-- After first_load_messages: every channel's watermark from what it stored.
INSERT INTO channel_state (channel_id, oldest_ts, newest_ts, last_source, last_run_id, last_ingested_at, history_complete, archived_complete)
SELECT channel_id, arg_min(ts, posted_at), arg_max(ts, posted_at), $3, $2, $1, false, false
FROM messages GROUP BY channel_id;

-- name: message_problems
SELECT origin, problem, count(*) AS n
FROM stage_msgs WHERE problem IS NOT NULL
GROUP BY ALL ORDER BY origin, problem;

-- name: count_duplicates
-- Extra copies (beyond the one kept) of each channel and ts, per origin
-- file or API call: drop_rejected drops them.
SELECT origin, count(*) AS n FROM (
	SELECT origin, row_number() OVER (PARTITION BY channel_id, ts ORDER BY coalesce(epoch_us(edited_at), 0) DESC, raw DESC) AS k
	FROM stage_msgs WHERE problem IS NULL
) WHERE k > 1 GROUP BY origin ORDER BY origin;

-- name: drop_rejected
-- Rejected messages were counted and named; they go no further. A message
-- seen twice in one batch keeps its newest edit.
DELETE FROM stage_msgs WHERE problem IS NOT NULL OR rowid NOT IN (
	SELECT arg_max(rowid, (coalesce(epoch_us(edited_at), 0), raw))
	FROM stage_msgs WHERE problem IS NULL GROUP BY channel_id, ts
);

-- name: count_known_channels
SELECT count(*) FROM channel_state WHERE channel_id IN (SELECT DISTINCT channel_id FROM stage_msgs);

-- name: plan_all_new
-- When no staged channel has stored messages, every staged message is new;
-- update_channel_state reads this.
CREATE OR REPLACE TEMP TABLE stage_actions AS
SELECT channel_id, ts, posted_at, NULL::TIMESTAMPTZ AS prev_ingested_at, 'new' AS action FROM stage_msgs;

-- name: plan_messages
-- What storing each staged message does. Only channels that already have
-- stored messages (a channel_state row) are looked up. Stored content is
-- never replaced by an older copy (an older export read after a newer one):
-- an earlier edit, or a thread parent with an earlier latest_reply, is
-- 'older' and left alone. A tombstone over a stored message marks it
-- deleted and keeps its content.
--
-- A copy from a run less recent than the run that stored the message
-- (ingest_runs.data_through, $1 = this run's run_id) is 'older' too,
-- whatever it holds: reactions and text changed without an edited field
-- would otherwise regress.
CREATE OR REPLACE TEMP TABLE stage_actions AS
SELECT s.channel_id, s.ts, s.posted_at, m.ingested_at AS prev_ingested_at, CASE
	WHEN m.ts IS NULL THEN 'new'
	WHEN m.raw::VARCHAR = s.raw THEN 'same'
	WHEN m.data_through > (SELECT data_through FROM ingest_runs WHERE run_id = $1) THEN 'older'
	WHEN s.is_deleted AND NOT m.is_deleted THEN 'delete'
	WHEN s.is_deleted OR m.is_deleted THEN 'same'
	WHEN m.edited_at IS NOT NULL AND (s.edited_at IS NULL OR s.edited_at < m.edited_at) THEN 'older'
	WHEN TRY_CAST(m.latest_reply AS DECIMAL(18, 6)) > coalesce(TRY_CAST(s.latest_reply AS DECIMAL(18, 6)), 0) THEN 'older'
	ELSE 'update'
	END AS action
FROM stage_msgs s
LEFT JOIN (
	SELECT channel_id, ts, raw, is_deleted, edited_at, latest_reply, ingested_at, r.data_through
	FROM messages LEFT JOIN ingest_runs r USING (run_id)
	WHERE channel_id IN (SELECT channel_id FROM channel_state WHERE channel_id IN (SELECT DISTINCT channel_id FROM stage_msgs))
) m ON m.channel_id = s.channel_id AND m.ts = s.ts;

-- name: count_actions
SELECT action, count(*) FROM stage_actions GROUP BY ALL;

-- name: delete_updated
DELETE FROM messages m USING stage_actions s
WHERE s.action = 'update' AND m.channel_id = s.channel_id AND m.ts = s.ts;

-- name: insert_messages
INSERT INTO messages (channel_id, ts, thread_ts, parent_user_id, user_id, bot_id, app_id, username,
	subtype, text, posted_at, edited_at, edited_by, reply_count, latest_reply, is_deleted, raw,
	source, ingested_at, updated_at, run_id)
SELECT s.channel_id, s.ts, s.thread_ts, s.parent_user_id, s.user_id, s.bot_id, s.app_id, s.username,
	s.subtype, s.text, s.posted_at, s.edited_at, s.edited_by, s.reply_count, s.latest_reply, s.is_deleted, s.raw,
	$3, coalesce(a.prev_ingested_at, $1), $1, $2
FROM stage_msgs s JOIN stage_actions a ON a.channel_id = s.channel_id AND a.ts = s.ts
WHERE a.action IN ('new', 'update');

-- name: insert_all_messages
-- The fast path when stage_actions says every staged message is new.
INSERT INTO messages (channel_id, ts, thread_ts, parent_user_id, user_id, bot_id, app_id, username,
	subtype, text, posted_at, edited_at, edited_by, reply_count, latest_reply, is_deleted, raw,
	source, ingested_at, updated_at, run_id)
SELECT channel_id, ts, thread_ts, parent_user_id, user_id, bot_id, app_id, username,
	subtype, text, posted_at, edited_at, edited_by, reply_count, latest_reply, is_deleted, raw,
	$3, $1, $1, $2
FROM stage_msgs;

-- name: mark_deleted
UPDATE messages m SET is_deleted = true, source = $3, updated_at = $1, run_id = $2
FROM stage_actions s
WHERE s.action = 'delete' AND m.channel_id = s.channel_id AND m.ts = s.ts;

-- name: update_channel_state
-- The watermark moves in the same transaction that stores the messages, and
-- only for channels whose stored messages changed.
CREATE OR REPLACE TEMP TABLE stage_state AS
WITH batch AS (
	SELECT channel_id, arg_min(ts, posted_at) AS oldest_ts, arg_max(ts, posted_at) AS newest_ts
	FROM stage_actions GROUP BY channel_id
	HAVING bool_or(action IN ('new', 'update', 'delete'))
)
SELECT b.channel_id,
	CASE WHEN o.oldest_ts IS NULL OR TRY_CAST(b.oldest_ts AS DECIMAL(18, 6)) < TRY_CAST(o.oldest_ts AS DECIMAL(18, 6)) THEN b.oldest_ts ELSE o.oldest_ts END AS oldest_ts,
	CASE WHEN o.newest_ts IS NULL OR TRY_CAST(b.newest_ts AS DECIMAL(18, 6)) > TRY_CAST(o.newest_ts AS DECIMAL(18, 6)) THEN b.newest_ts ELSE o.newest_ts END AS newest_ts,
	coalesce(o.history_complete, false) AS history_complete,
	coalesce(o.archived_complete, false) AS archived_complete
FROM batch b LEFT JOIN channel_state o USING (channel_id);

-- name: replace_channel_state
DELETE FROM channel_state WHERE channel_id IN (SELECT channel_id FROM stage_state);

-- name: insert_channel_state
INSERT INTO channel_state (channel_id, oldest_ts, newest_ts, last_source, last_run_id, last_ingested_at, history_complete, archived_complete)
SELECT channel_id, oldest_ts, newest_ts, $3, $2, $1, history_complete, archived_complete FROM stage_state;

-- name: stage_channels
-- The staged objects are channels; origin is the file (channels.json,
-- groups.json) or API call they came from. Private when Slack says so or
-- when they came from groups.json.
CREATE OR REPLACE TEMP TABLE stage_chans AS
WITH src AS (
	{{source}}
), red AS (
	SELECT channel_id, origin, {{redact_j}} AS raw
	FROM (SELECT channel_id, origin, json(doc)::VARCHAR AS j FROM src)
)
SELECT
	json_extract_string(raw, '$.id') AS channel_id,
	json_extract_string(raw, '$.name') AS name,
	coalesce(TRY_CAST(json_extract_string(raw, '$.is_private') AS BOOLEAN), false) OR origin LIKE '%groups.json' AS is_private,
	coalesce(TRY_CAST(json_extract_string(raw, '$.is_archived') AS BOOLEAN), false) AS is_archived,
	to_timestamp(TRY_CAST(json_extract_string(raw, '$.created') AS BIGINT)) AS created_at,
	json_extract_string(raw, '$.creator') AS creator_id,
	nullif(json_extract_string(raw, '$.topic.value'), '') AS topic,
	CASE WHEN TRY_CAST(json_extract_string(raw, '$.topic.last_set') AS BIGINT) > 0 THEN to_timestamp(TRY_CAST(json_extract_string(raw, '$.topic.last_set') AS BIGINT)) END AS topic_set_at,
	nullif(json_extract_string(raw, '$.purpose.value'), '') AS purpose,
	raw, origin
FROM red
WHERE json_type(raw) = 'OBJECT' AND json_extract_string(raw, '$.id') IS NOT NULL AND json_extract_string(raw, '$.name') IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY json_extract_string(raw, '$.id') ORDER BY origin, raw) = 1;

-- name: plan_channels
-- $1 = this run's run_id. A copy from a less recent run than the one that
-- stored the channel is 'older' and left alone (topics, archive flags).
CREATE OR REPLACE TEMP TABLE stage_chan_actions AS
SELECT s.*, c.first_seen_at AS prev_first_seen_at,
	CASE WHEN c.channel_id IS NULL THEN 'new' WHEN c.raw::VARCHAR = s.raw THEN 'same'
		WHEN r.data_through > (SELECT data_through FROM ingest_runs WHERE run_id = $1) THEN 'older'
		ELSE 'update' END AS action
FROM stage_chans s LEFT JOIN channels c ON c.channel_id = s.channel_id LEFT JOIN ingest_runs r ON r.run_id = c.run_id;

-- name: delete_updated_channels
DELETE FROM channels c USING stage_chan_actions s WHERE s.action = 'update' AND c.channel_id = s.channel_id;

-- name: insert_channels
INSERT INTO channels (channel_id, name, is_private, is_archived, created_at, creator_id, topic, topic_set_at,
	purpose, raw, source, first_seen_at, updated_at, run_id)
SELECT channel_id, name, is_private, is_archived, created_at, creator_id, topic, topic_set_at,
	purpose, raw, $3, coalesce(prev_first_seen_at, $1), $1, $2
FROM stage_chan_actions WHERE action IN ('new', 'update');

-- name: stage_users
CREATE OR REPLACE TEMP TABLE stage_usrs AS
WITH src AS (
	{{source}}
), red AS (
	SELECT origin, {{redact_j}} AS raw
	FROM (SELECT origin, json(doc)::VARCHAR AS j FROM src)
)
SELECT
	json_extract_string(raw, '$.id') AS user_id,
	json_extract_string(raw, '$.team_id') AS team_id,
	json_extract_string(raw, '$.name') AS name,
	coalesce(nullif(json_extract_string(raw, '$.real_name'), ''), nullif(json_extract_string(raw, '$.profile.real_name'), '')) AS real_name,
	nullif(json_extract_string(raw, '$.profile.display_name'), '') AS display_name,
	coalesce(TRY_CAST(json_extract_string(raw, '$.is_bot') AS BOOLEAN), false) AS is_bot,
	coalesce(TRY_CAST(json_extract_string(raw, '$.is_app_user') AS BOOLEAN), false) AS is_app_user,
	coalesce(TRY_CAST(json_extract_string(raw, '$.deleted') AS BOOLEAN), false) AS deleted,
	json_extract_string(raw, '$.tz') AS tz,
	raw, origin
FROM red
WHERE json_type(raw) = 'OBJECT' AND json_extract_string(raw, '$.id') IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY json_extract_string(raw, '$.id') ORDER BY origin, raw) = 1;

-- name: plan_users
-- $1 = this run's run_id; the same recency guard as plan_channels.
CREATE OR REPLACE TEMP TABLE stage_usr_actions AS
SELECT s.*, u.first_seen_at AS prev_first_seen_at,
	CASE WHEN u.user_id IS NULL THEN 'new' WHEN u.raw::VARCHAR = s.raw THEN 'same'
		WHEN r.data_through > (SELECT data_through FROM ingest_runs WHERE run_id = $1) THEN 'older'
		ELSE 'update' END AS action
FROM stage_usrs s LEFT JOIN users u ON u.user_id = s.user_id LEFT JOIN ingest_runs r ON r.run_id = u.run_id;

-- name: delete_updated_users
DELETE FROM users u USING stage_usr_actions s WHERE s.action = 'update' AND u.user_id = s.user_id;

-- name: insert_users
INSERT INTO users (user_id, team_id, name, real_name, display_name, is_bot, is_app_user, deleted, tz,
	raw, source, first_seen_at, updated_at, run_id)
SELECT user_id, team_id, name, real_name, display_name, is_bot, is_app_user, deleted, tz,
	raw, $3, coalesce(prev_first_seen_at, $1), $1, $2
FROM stage_usr_actions WHERE action IN ('new', 'update');

-- name: set_ts_window
-- $1 = the earliest plausible message time, $2 = the latest (the run's
-- clock plus a day). Read by stage_messages and repair_watermarks.
CREATE OR REPLACE TEMP TABLE ts_window AS SELECT $1::TIMESTAMPTZ AS lo, $2::TIMESTAMPTZ AS hi;

-- name: frozen_channels
-- Channels whose watermark a ts outside the window moved (stored before
-- ingest refused such a ts): each is repaired by repair_watermarks.
SELECT channel_id FROM channel_state, ts_window w
WHERE TRY_CAST(newest_ts AS DECIMAL(18, 6)) > epoch(w.hi) OR TRY_CAST(oldest_ts AS DECIMAL(18, 6)) < epoch(w.lo)
UNION
SELECT channel_id FROM slack_sync, ts_window w
WHERE TRY_CAST(history_through AS DECIMAL(18, 6)) > epoch(w.hi) OR TRY_CAST(pass_high AS DECIMAL(18, 6)) > epoch(w.hi)
ORDER BY 1;

-- name: repair_watermarks
-- Moves frozen watermarks back to the newest (oldest) stored message inside
-- the window, so the next run fetches what the frozen one never asked for.
-- Messages outside the window stay stored (ingest never deletes); analysts
-- find them with posted_at.
UPDATE channel_state cs SET
	newest_ts = coalesce(r.newest_ts, cs.newest_ts), oldest_ts = coalesce(r.oldest_ts, cs.oldest_ts)
FROM (
	SELECT m.channel_id, arg_max(m.ts, m.posted_at) AS newest_ts, arg_min(m.ts, m.posted_at) AS oldest_ts
	FROM messages m, ts_window w WHERE m.posted_at BETWEEN w.lo AND w.hi GROUP BY m.channel_id
) r, ts_window w
WHERE r.channel_id = cs.channel_id
	AND (TRY_CAST(cs.newest_ts AS DECIMAL(18, 6)) > epoch(w.hi) OR TRY_CAST(cs.oldest_ts AS DECIMAL(18, 6)) < epoch(w.lo));

-- name: repair_sync
UPDATE slack_sync s SET
	history_through = CASE WHEN TRY_CAST(s.history_through AS DECIMAL(18, 6)) > epoch(w.hi) THEN cs.newest_ts ELSE s.history_through END,
	pass_high = CASE WHEN TRY_CAST(s.pass_high AS DECIMAL(18, 6)) > epoch(w.hi) THEN cs.newest_ts ELSE s.pass_high END
FROM channel_state cs, ts_window w
WHERE cs.channel_id = s.channel_id
	AND (TRY_CAST(s.history_through AS DECIMAL(18, 6)) > epoch(w.hi) OR TRY_CAST(s.pass_high AS DECIMAL(18, 6)) > epoch(w.hi));
