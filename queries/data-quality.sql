-- name: data-quality
-- description: What transform could not be sure of: order violations, fallbacks, missing severity or service, open incidents
SELECT
	problem,
	count(*) AS n,
	arg_min(coalesce(q.incident_id, q.channel_id), coalesce(q.incident_id, q.channel_id)) AS example,
	arg_min(coalesce(i.channel_name, c.name), coalesce(q.incident_id, q.channel_id)) AS channel_name,
	arg_min(q.detail, coalesce(q.incident_id, q.channel_id)) AS example_detail,
	arg_min(i.slack_url, coalesce(q.incident_id, q.channel_id)) AS slack_url
FROM data_quality AS q
LEFT JOIN incidents AS i USING (incident_id)
LEFT JOIN channels AS c ON c.channel_id = q.channel_id
GROUP BY problem
ORDER BY n DESC;
