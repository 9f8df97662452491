-- Incidents that started in [$1, $2) — the report's week and the weeks it is
-- compared with — excluded ones included (the appendix counts them), with
-- the regression-test status of the incident each one recurs.
SELECT
	i.incident_id, i.kind, i.channel_id, i.channel_name, i.thread_ts, i.title,
	i.severity, i.service, i.status,
	i.started_at, i.declared_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, i.closed_at,
	i.postmortem_url, i.postmortem_at, i.postmortem_required,
	i.detection_source, i.participants,
	i.time_to_acknowledge_s, i.time_to_mitigate_s, i.time_to_resolve_s,
	i.resolve_target_s, i.within_target,
	i.recurrence_of, p.regression_test AS previous_regression_test,
	i.regression_test, i.excluded, i.exclusion_reason, i.slack_url
FROM incidents i
LEFT JOIN incidents p ON p.incident_id = i.recurrence_of
WHERE i.started_at >= $1 AND i.started_at < $2
ORDER BY i.started_at, i.incident_id;
