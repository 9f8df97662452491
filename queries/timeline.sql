-- name: timeline
-- description: Every incident timestamp with the message and rule that set it (the evidence)
--
-- Filter it to one incident with: aftermath query "FROM (…) WHERE incident_id = 'C123'"
-- or query incident_events directly. message_ts is NULL for the channel's
-- creation; rule names a recogniser, or fallback:<name>.
SELECT
	e.incident_id,
	e.kind,
	e.occurred_at,
	e.rule,
	e.message_ts,
	e.evidence
FROM incident_events AS e
JOIN incidents AS i USING (incident_id)
ORDER BY i.started_at DESC, e.incident_id, e.occurred_at, e.kind;
