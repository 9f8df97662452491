-- name: data-quality
-- description: What transform could not be sure of: order violations, fallbacks, missing severity or service, open incidents
SELECT
	problem,
	count(*) AS n,
	any_value(coalesce(incident_id, channel_id)) AS example,
	any_value(detail) AS example_detail
FROM data_quality
GROUP BY problem
ORDER BY n DESC;
