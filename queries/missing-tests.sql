-- name: missing-tests
-- description: Resolved incidents whose fix shipped no regression test, with their fix links
SELECT
	i.incident_id,
	i.channel_name,
	i.started_at,
	i.service,
	i.title,
	string_agg(l.url, ' ') FILTER (WHERE l.kind IN ('pull_request', 'commit', 'sha')) AS fix_links,
	string_agg(DISTINCT l.check_result, ',') AS checks,
	i.slack_url
FROM incidents AS i
LEFT JOIN incident_links AS l USING (incident_id)
WHERE i.regression_test = 'missing'
GROUP BY ALL
ORDER BY i.started_at DESC;
