-- Included incidents not resolved as of the transform, started before $1
-- (the end of the report's week): open, mitigated or closed unresolved.
SELECT
	i.incident_id, i.kind, i.channel_id, i.channel_name, i.thread_ts, i.title,
	i.severity, i.service, i.status,
	i.started_at, i.declared_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at,
	i.postmortem_url, i.postmortem_at, i.postmortem_required,
	i.detection_source, i.participants,
	i.time_to_acknowledge_s, i.time_to_mitigate_s, i.time_to_resolve_s,
	i.resolve_target_s, i.within_target,
	i.recurrence_of, NULL AS previous_regression_test,
	i.regression_test, i.excluded, i.exclusion_reason, i.slack_url
FROM incidents i
WHERE NOT i.excluded AND i.resolved_at IS NULL AND i.started_at < $1
ORDER BY i.started_at, i.incident_id;
