-- The latest transform: its as-of instant, time zone and rules in force.
SELECT
	s.as_of,
	s.timezone,
	coalesce((SELECT rules::VARCHAR FROM transform_runs ORDER BY run_id DESC LIMIT 1), '{}') AS rules
FROM metric_settings s;
