-- The evidence behind every timestamp of incidents started in [$1, $2).
SELECT e.incident_id, e.kind, e.channel_id, e.message_ts, e.message_thread_ts, e.rule, e.evidence_class
FROM incident_evidence e
JOIN incidents i USING (incident_id)
WHERE i.started_at >= $1 AND i.started_at < $2
ORDER BY e.incident_id, e.kind;
