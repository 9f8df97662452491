-- name: recurrences
-- description: Incidents that recur an earlier one (same service and failure signature within the window)
SELECT
	i.incident_id,
	i.channel_name,
	i.started_at,
	i.service,
	i.title,
	i.recurrence_of,
	p.started_at AS previous_started_at,
	p.regression_test AS previous_fix_test,
	i.slack_url,
	p.slack_url AS previous_slack_url
FROM incidents AS i
JOIN incidents AS p ON p.incident_id = i.recurrence_of
ORDER BY i.started_at DESC;
