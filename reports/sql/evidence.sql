-- The evidence behind every timestamp of incidents started in [$1, $2).
SELECT e.incident_id, e.kind, coalesce(e.message_url, ''), e.rule, e.evidence_class
FROM incident_evidence e
JOIN incidents i USING (incident_id)
WHERE i.started_at >= $1 AND i.started_at < $2
ORDER BY e.incident_id, e.kind;
