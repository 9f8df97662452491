-- name: ingest-runs
-- description: The 20 most recent ingest runs with status, duration and counts
--
-- status is running, ok, partial (see the ingest-skips query), failed or
-- interrupted; error says why in one line.
SELECT
	run_id,
	kind,
	status,
	started_at,
	finished_at,
	round(epoch(finished_at - started_at), 1) AS seconds,
	channels_selected,
	channels_done,
	channels_skipped,
	files_read,
	files_skipped,
	messages_read,
	messages_new,
	messages_updated,
	messages_skipped,
	users,
	rate_limited,
	retries,
	round(wait_seconds, 1) AS wait_seconds,
	error
FROM ingest_runs
ORDER BY run_id DESC
LIMIT 20;
