-- name: incidents
-- description: Incidents, newest first, with severity, service, status and time to resolve
--
-- Excluded incidents (drills, maintenance, tests, cancelled) are listed
-- with their reason at the end of each row.
SELECT
	incident_id,
	channel_name,
	started_at,
	severity,
	service,
	title,
	status,
	round(time_to_resolve_s / 3600.0, 2) AS hours_to_resolve,
	detection_source,
	regression_test,
	recurrence_of,
	CASE WHEN excluded THEN exclusion_reason END AS excluded_because,
	slack_url
FROM incidents
ORDER BY started_at DESC;
