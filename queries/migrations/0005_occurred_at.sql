-- Transform (issue 8): column renames and the closed_unresolved status.
-- "at" is an SQL keyword: every query on the evidence tables had to quote it.
-- Rename it to occurred_at in incident_events and incident_signals. The
-- tables' contents are rebuilt by every transform, so nothing is lost.

ALTER TABLE incident_events RENAME COLUMN "at" TO occurred_at;
COMMENT ON COLUMN incident_events.occurred_at IS 'The timestamp it set (UTC).';

ALTER TABLE incident_signals RENAME COLUMN "at" TO occurred_at;
COMMENT ON COLUMN incident_signals.occurred_at IS 'When the message was posted (UTC).';

-- An archived channel with no recognised resolution is closed_unresolved
-- (issue 8): its time to resolve is censored at the archive, not at as_of,
-- so it stops growing every night.
COMMENT ON COLUMN incidents.status IS 'open, mitigated, resolved, or closed_unresolved (archived with no recognised resolution: censored at the archive, never counted as resolved), as of the transform.';

CREATE OR REPLACE VIEW incident_facts AS
SELECT
	i.incident_id,
	date_trunc('week', timezone(s.timezone, i.started_at))::DATE AS week_start,
	i.severity, i.service, i.detection_source,
	i.time_to_acknowledge_s, i.time_to_mitigate_s, i.time_to_resolve_s,
	coalesce(i.time_to_resolve_s, CAST(epoch(CASE WHEN i.status = 'closed_unresolved' THEN i.closed_at ELSE s.as_of END) - epoch(i.started_at) AS BIGINT)) AS ttr_observed_s,
	i.resolved_at IS NOT NULL AS ttr_event,
	i.recurrence_of, i.postmortem_required, i.postmortem_at, i.time_to_postmortem_s,
	i.regression_test, i.resolve_target_s, i.within_target
FROM incidents i, metric_settings s
WHERE NOT i.excluded;
COMMENT ON VIEW incident_facts IS 'Included incidents with their week and their time to resolve as a survival observation (open ones censored at as_of, closed_unresolved ones at their archive).';
COMMENT ON COLUMN incident_facts.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_facts.week_start IS 'Monday of the week the incident started, in the configured time zone.';
COMMENT ON COLUMN incident_facts.severity IS 'incidents.severity.';
COMMENT ON COLUMN incident_facts.service IS 'incidents.service.';
COMMENT ON COLUMN incident_facts.detection_source IS 'incidents.detection_source.';
COMMENT ON COLUMN incident_facts.time_to_acknowledge_s IS 'incidents.time_to_acknowledge_s.';
COMMENT ON COLUMN incident_facts.time_to_mitigate_s IS 'incidents.time_to_mitigate_s.';
COMMENT ON COLUMN incident_facts.time_to_resolve_s IS 'incidents.time_to_resolve_s.';
COMMENT ON COLUMN incident_facts.ttr_observed_s IS 'time_to_resolve_s, or for open incidents the time open so far, for closed_unresolved ones the time to the archive (censored).';
COMMENT ON COLUMN incident_facts.ttr_event IS 'True when resolved (an event), false when open or closed_unresolved (censored).';
COMMENT ON COLUMN incident_facts.recurrence_of IS 'incidents.recurrence_of.';
COMMENT ON COLUMN incident_facts.postmortem_required IS 'incidents.postmortem_required.';
COMMENT ON COLUMN incident_facts.postmortem_at IS 'incidents.postmortem_at.';
COMMENT ON COLUMN incident_facts.time_to_postmortem_s IS 'incidents.time_to_postmortem_s.';
COMMENT ON COLUMN incident_facts.regression_test IS 'incidents.regression_test.';
COMMENT ON COLUMN incident_facts.resolve_target_s IS 'incidents.resolve_target_s.';
COMMENT ON COLUMN incident_facts.within_target IS 'incidents.within_target.';


-- Trust in a re-run (issue 8): each run records a hash of the effective
-- configuration, so a run with a different one is named, not silent.
ALTER TABLE transform_runs ADD COLUMN config_hash VARCHAR;
COMMENT ON COLUMN transform_runs.config_hash IS 'SHA-256 of the effective configuration (defaults merged with config_source, as aftermath config show prints it); NULL for runs before it was recorded.';

-- Problems and check results added by issue 8 and issue 7 defect 12.
COMMENT ON COLUMN data_quality.problem IS 'order_violation, never_resolved, closed_unresolved, no_severity, no_service, fallback, reopened, no_lifecycle_evidence, standing_channel (a channel named like an incident channel that announces or carries other incidents), clone_missing (a repos entry without a local clone), recurred_without_test or postmortem_overdue.';
COMMENT ON COLUMN incident_links.check_result IS 'touches_tests, no_tests, not_found (not in the clone), no_clone (no repos entry, or its path holds no clone: named in the log and in data_quality) or NULL for non-fix links.';
