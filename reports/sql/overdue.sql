-- Postmortems overdue as of the transform (data_quality postmortem_overdue),
-- for incidents started before $1.
SELECT i.incident_id, coalesce(i.title, i.channel_name), coalesce(i.severity, ''), coalesce(i.service, ''),
	i.started_at, coalesce(i.slack_url, ''), q.detail
FROM data_quality q
JOIN incidents i USING (incident_id)
WHERE q.problem = 'postmortem_overdue' AND i.started_at < $1 AND NOT i.excluded
ORDER BY i.resolved_at, i.incident_id;
