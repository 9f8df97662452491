-- name: ingest-skips
-- description: What the last 5 ingest runs skipped (files, channels, messages) and why
--
-- A run that skipped anything ended partial (exit code 3); each skipped
-- input is one row here.
SELECT
	s.run_id,
	r.kind       AS run_kind,
	r.started_at AS run_started_at,
	s.kind       AS skipped,
	s.item,
	s.reason
FROM ingest_skips AS s
JOIN ingest_runs AS r ON r.run_id = s.run_id
WHERE s.run_id IN (SELECT run_id FROM ingest_runs ORDER BY run_id DESC LIMIT 5)
ORDER BY s.run_id DESC, s.kind, s.item;
