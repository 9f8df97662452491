-- name: timeline
-- description: Every incident timestamp with the message and rule that set it (the evidence)
--
-- Filter it to one incident with: aftermath query "FROM (…) WHERE incident_id = 'C123'"
-- or query incident_events directly. message_ts is NULL for the channel's
-- creation; rule names a recogniser, or fallback:<name>; slack_url is the
-- message's permalink when the workspace URL is known.
SELECT
	e.incident_id,
	i.channel_name,
	e.kind,
	e.occurred_at,
	e.rule,
	v.evidence_class,
	e.message_ts,
	e.evidence,
	v.message_url AS slack_url
FROM incident_events AS e
JOIN incidents AS i USING (incident_id)
LEFT JOIN incident_evidence AS v ON v.incident_id = e.incident_id AND v.kind = e.kind
ORDER BY i.started_at DESC, e.incident_id, e.occurred_at, e.kind;
