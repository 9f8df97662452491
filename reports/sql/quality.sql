-- Data-quality problems of incidents started in [$1, $2).
SELECT q.incident_id, q.problem, q.detail
FROM data_quality q
JOIN incidents i USING (incident_id)
WHERE i.started_at >= $1 AND i.started_at < $2
ORDER BY q.problem, i.started_at, q.incident_id, q.detail;
