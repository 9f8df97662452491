-- Responders (people who posted) in incidents started in [$1, $2).
SELECT p.incident_id, p.user_id, coalesce(p.name, p.user_id), p.first_at
FROM incident_participants p
JOIN incidents i USING (incident_id)
WHERE i.started_at >= $1 AND i.started_at < $2 AND NOT i.excluded
ORDER BY p.incident_id, p.user_id;
