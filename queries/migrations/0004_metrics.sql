-- Metric views over incidents: the definitions of SPEC §4, readable as SQL.
-- Excluded incidents (drills, maintenance, tests, cancelled) are in no metric.
-- Durations come from the incidents table (time_to_*_s, from started_at).
-- Every aggregate comes with its n; medians, p90 and quartiles are over the
-- incidents that reached the event. Open incidents are right-censored at the
-- transform's as-of instant: ttr_km_median_s is the Kaplan-Meier median time
-- to resolve, which counts them instead of dropping them.

CREATE VIEW metric_settings AS
SELECT
	coalesce((SELECT timezone FROM transform_runs ORDER BY run_id DESC LIMIT 1), 'UTC') AS timezone,
	(SELECT as_of FROM transform_runs ORDER BY run_id DESC LIMIT 1) AS as_of;
COMMENT ON VIEW metric_settings IS 'The time zone weeks are cut in and the as-of instant of the latest transform.';
COMMENT ON COLUMN metric_settings.timezone IS 'IANA time zone of the configuration (timezone).';
COMMENT ON COLUMN metric_settings.as_of IS 'Instant open incidents are measured to.';

CREATE VIEW incident_facts AS
SELECT
	i.incident_id,
	date_trunc('week', timezone(s.timezone, i.started_at))::DATE AS week_start,
	i.severity, i.service, i.detection_source,
	i.time_to_acknowledge_s, i.time_to_mitigate_s, i.time_to_resolve_s,
	coalesce(i.time_to_resolve_s, CAST(epoch(s.as_of) - epoch(i.started_at) AS BIGINT)) AS ttr_observed_s,
	i.resolved_at IS NOT NULL AS ttr_event,
	i.recurrence_of, i.postmortem_required, i.postmortem_at, i.time_to_postmortem_s,
	i.regression_test, i.resolve_target_s, i.within_target
FROM incidents i, metric_settings s
WHERE NOT i.excluded;
COMMENT ON VIEW incident_facts IS 'Included incidents with their week and their time to resolve as a survival observation (open ones censored at as_of).';
COMMENT ON COLUMN incident_facts.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_facts.week_start IS 'Monday of the week the incident started, in the configured time zone.';
COMMENT ON COLUMN incident_facts.severity IS 'incidents.severity.';
COMMENT ON COLUMN incident_facts.service IS 'incidents.service.';
COMMENT ON COLUMN incident_facts.detection_source IS 'incidents.detection_source.';
COMMENT ON COLUMN incident_facts.time_to_acknowledge_s IS 'incidents.time_to_acknowledge_s.';
COMMENT ON COLUMN incident_facts.time_to_mitigate_s IS 'incidents.time_to_mitigate_s.';
COMMENT ON COLUMN incident_facts.time_to_resolve_s IS 'incidents.time_to_resolve_s.';
COMMENT ON COLUMN incident_facts.ttr_observed_s IS 'time_to_resolve_s, or for open incidents the time open so far (censored).';
COMMENT ON COLUMN incident_facts.ttr_event IS 'True when resolved (an event), false when still open (censored).';
COMMENT ON COLUMN incident_facts.recurrence_of IS 'incidents.recurrence_of.';
COMMENT ON COLUMN incident_facts.postmortem_required IS 'incidents.postmortem_required.';
COMMENT ON COLUMN incident_facts.postmortem_at IS 'incidents.postmortem_at.';
COMMENT ON COLUMN incident_facts.time_to_postmortem_s IS 'incidents.time_to_postmortem_s.';
COMMENT ON COLUMN incident_facts.regression_test IS 'incidents.regression_test.';
COMMENT ON COLUMN incident_facts.resolve_target_s IS 'incidents.resolve_target_s.';
COMMENT ON COLUMN incident_facts.within_target IS 'incidents.within_target.';

CREATE VIEW km_time_to_resolve AS
WITH obs AS (
	SELECT 'all' AS dimension, 'all' AS key, ttr_observed_s AS t, ttr_event AS event FROM incident_facts
	UNION ALL SELECT 'week', week_start::VARCHAR, ttr_observed_s, ttr_event FROM incident_facts
	UNION ALL SELECT 'severity', coalesce(severity, 'unknown'), ttr_observed_s, ttr_event FROM incident_facts
	UNION ALL SELECT 'service', coalesce(service, 'unknown'), ttr_observed_s, ttr_event FROM incident_facts
), at_times AS (
	SELECT dimension, key, t, count(*) FILTER (WHERE event) AS d, count(*) AS c FROM obs GROUP BY ALL
), at_risk AS (
	SELECT *, sum(c) OVER (PARTITION BY dimension, key ORDER BY t DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
	FROM at_times
), survival AS (
	SELECT dimension, key, t,
		exp(sum(CASE WHEN d = n THEN -1e9 ELSE ln(1 - d / n) END)
			OVER (PARTITION BY dimension, key ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS s
	FROM at_risk WHERE d > 0
)
SELECT o.dimension, o.key, count(*) AS n, count(*) FILTER (WHERE o.event) AS resolved,
	(SELECT min(t) FROM survival v WHERE v.dimension = o.dimension AND v.key = o.key AND v.s <= 0.5 + 1e-9) AS km_median_s
FROM obs o GROUP BY o.dimension, o.key;
COMMENT ON VIEW km_time_to_resolve IS 'Kaplan-Meier median time to resolve per group, counting open incidents as censored; NULL when fewer than half are resolved.';
COMMENT ON COLUMN km_time_to_resolve.dimension IS 'all, week, severity or service.';
COMMENT ON COLUMN km_time_to_resolve.key IS 'The group: the week''s Monday, the severity, the service, or all.';
COMMENT ON COLUMN km_time_to_resolve.n IS 'Incidents in the group, open ones included.';
COMMENT ON COLUMN km_time_to_resolve.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN km_time_to_resolve.km_median_s IS 'Kaplan-Meier median time to resolve, in seconds.';

CREATE VIEW weekly_metrics AS
SELECT
	f.week_start,
	count(*) AS incidents,
	count(*) FILTER (WHERE f.ttr_event) AS resolved,
	count(*) FILTER (WHERE NOT f.ttr_event) AS open,
	count(f.time_to_resolve_s) AS ttr_n,
	quantile_cont(f.time_to_resolve_s, 0.5) AS ttr_median_s,
	quantile_cont(f.time_to_resolve_s, 0.9) AS ttr_p90_s,
	avg(f.time_to_resolve_s) AS ttr_mean_s,
	quantile_cont(f.time_to_resolve_s, 0.75) - quantile_cont(f.time_to_resolve_s, 0.25) AS ttr_iqr_s,
	any_value(k.km_median_s) AS ttr_km_median_s,
	count(f.time_to_acknowledge_s) AS tta_n,
	quantile_cont(f.time_to_acknowledge_s, 0.5) AS tta_median_s,
	quantile_cont(f.time_to_acknowledge_s, 0.9) AS tta_p90_s,
	avg(f.time_to_acknowledge_s) AS tta_mean_s,
	count(f.time_to_mitigate_s) AS ttm_n,
	quantile_cont(f.time_to_mitigate_s, 0.5) AS ttm_median_s,
	quantile_cont(f.time_to_mitigate_s, 0.9) AS ttm_p90_s,
	avg(f.time_to_mitigate_s) AS ttm_mean_s,
	count(*) FILTER (WHERE f.detection_source = 'alert') AS detected_by_alert,
	count(*) FILTER (WHERE f.detection_source = 'human') AS detected_by_human,
	count(*) FILTER (WHERE f.detection_source = 'unknown') AS detected_unknown,
	count(*) FILTER (WHERE f.recurrence_of IS NOT NULL) AS recurrences,
	count(*) FILTER (WHERE f.postmortem_required) AS postmortems_required,
	count(*) FILTER (WHERE f.postmortem_required AND f.postmortem_at IS NOT NULL) AS postmortems_done,
	quantile_cont(f.time_to_postmortem_s, 0.5) FILTER (WHERE f.postmortem_required) AS time_to_postmortem_median_s,
	count(*) FILTER (WHERE f.regression_test IN ('verified', 'claimed', 'missing')) AS regression_applicable,
	count(*) FILTER (WHERE f.regression_test = 'verified') AS regression_verified,
	count(*) FILTER (WHERE f.regression_test = 'claimed') AS regression_claimed,
	count(f.within_target) AS target_n,
	count(*) FILTER (WHERE f.within_target) AS within_target
FROM incident_facts f
LEFT JOIN km_time_to_resolve k ON k.dimension = 'week' AND k.key = f.week_start::VARCHAR
GROUP BY f.week_start;
COMMENT ON VIEW weekly_metrics IS 'Per week (Monday, configured time zone) of incident start: counts, time to acknowledge/mitigate/resolve with n, median, p90, mean, IQR and the Kaplan-Meier median, detection mix, recurrences, postmortem completion, regression-test coverage and resolve-target attainment.';
COMMENT ON COLUMN weekly_metrics.week_start IS 'Monday of the week, in the configured time zone.';
COMMENT ON COLUMN weekly_metrics.incidents IS 'Incidents that started that week (excluded ones left out).';
COMMENT ON COLUMN weekly_metrics.resolved IS 'Of those, resolved by now.';
COMMENT ON COLUMN weekly_metrics.open IS 'Of those, still open.';
COMMENT ON COLUMN weekly_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN weekly_metrics.ttr_median_s IS 'Median time to resolve of resolved incidents, seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_mean_s IS 'Mean time to resolve (MTTR), seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve, open incidents counted as censored, seconds.';
COMMENT ON COLUMN weekly_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN weekly_metrics.tta_median_s IS 'Median time to acknowledge, seconds.';
COMMENT ON COLUMN weekly_metrics.tta_p90_s IS '90th percentile time to acknowledge, seconds.';
COMMENT ON COLUMN weekly_metrics.tta_mean_s IS 'Mean time to acknowledge, seconds.';
COMMENT ON COLUMN weekly_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN weekly_metrics.ttm_median_s IS 'Median time to mitigate, seconds.';
COMMENT ON COLUMN weekly_metrics.ttm_p90_s IS '90th percentile time to mitigate, seconds.';
COMMENT ON COLUMN weekly_metrics.ttm_mean_s IS 'Mean time to mitigate, seconds.';
COMMENT ON COLUMN weekly_metrics.detected_by_alert IS 'Incidents whose first signal was an alerting bot.';
COMMENT ON COLUMN weekly_metrics.detected_by_human IS 'Incidents a person reported first.';
COMMENT ON COLUMN weekly_metrics.detected_unknown IS 'Incidents whose first signal could not be told.';
COMMENT ON COLUMN weekly_metrics.recurrences IS 'Incidents that recur an earlier one (recurrence_of set).';
COMMENT ON COLUMN weekly_metrics.postmortems_required IS 'Resolved incidents whose severity needs a postmortem.';
COMMENT ON COLUMN weekly_metrics.postmortems_done IS 'Of those, with a postmortem link.';
COMMENT ON COLUMN weekly_metrics.time_to_postmortem_median_s IS 'Median time from resolution to the postmortem link, seconds.';
COMMENT ON COLUMN weekly_metrics.regression_applicable IS 'Resolved incidents the regression-test check applies to.';
COMMENT ON COLUMN weekly_metrics.regression_verified IS 'Of those, verified in a local clone.';
COMMENT ON COLUMN weekly_metrics.regression_claimed IS 'Of those, claimed in the channel without a verifiable link.';
COMMENT ON COLUMN weekly_metrics.target_n IS 'Incidents whose resolve-target outcome is known (resolved, or open past the target).';
COMMENT ON COLUMN weekly_metrics.within_target IS 'Of those, resolved within target.';

CREATE VIEW severity_metrics AS
SELECT
	coalesce(f.severity, 'unknown') AS severity,
	count(*) AS incidents,
	count(*) FILTER (WHERE f.ttr_event) AS resolved,
	count(*) FILTER (WHERE NOT f.ttr_event) AS open,
	count(f.time_to_resolve_s) AS ttr_n,
	quantile_cont(f.time_to_resolve_s, 0.5) AS ttr_median_s,
	quantile_cont(f.time_to_resolve_s, 0.9) AS ttr_p90_s,
	avg(f.time_to_resolve_s) AS ttr_mean_s,
	quantile_cont(f.time_to_resolve_s, 0.75) - quantile_cont(f.time_to_resolve_s, 0.25) AS ttr_iqr_s,
	any_value(k.km_median_s) AS ttr_km_median_s,
	count(f.time_to_acknowledge_s) AS tta_n,
	quantile_cont(f.time_to_acknowledge_s, 0.5) AS tta_median_s,
	quantile_cont(f.time_to_acknowledge_s, 0.9) AS tta_p90_s,
	avg(f.time_to_acknowledge_s) AS tta_mean_s,
	count(f.time_to_mitigate_s) AS ttm_n,
	quantile_cont(f.time_to_mitigate_s, 0.5) AS ttm_median_s,
	quantile_cont(f.time_to_mitigate_s, 0.9) AS ttm_p90_s,
	avg(f.time_to_mitigate_s) AS ttm_mean_s,
	any_value(f.resolve_target_s) AS resolve_target_s,
	count(f.within_target) AS target_n,
	count(*) FILTER (WHERE f.within_target) AS within_target,
	count(*) FILTER (WHERE f.within_target) / nullif(count(f.within_target), 0) AS within_target_share
FROM incident_facts f
LEFT JOIN km_time_to_resolve k ON k.dimension = 'severity' AND k.key = coalesce(f.severity, 'unknown')
GROUP BY ALL;
COMMENT ON VIEW severity_metrics IS 'Per normalised severity, over all included incidents: counts, time to acknowledge/mitigate/resolve (n, median, p90, mean, IQR, Kaplan-Meier median) and the share resolved within the severity''s target.';
COMMENT ON COLUMN severity_metrics.severity IS 'SEV0–SEV4, or unknown.';
COMMENT ON COLUMN severity_metrics.incidents IS 'Included incidents of that severity.';
COMMENT ON COLUMN severity_metrics.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN severity_metrics.open IS 'Of those, open.';
COMMENT ON COLUMN severity_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN severity_metrics.ttr_median_s IS 'Median time to resolve, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_mean_s IS 'Mean time to resolve, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve (open incidents censored), seconds.';
COMMENT ON COLUMN severity_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN severity_metrics.tta_median_s IS 'Median time to acknowledge, seconds.';
COMMENT ON COLUMN severity_metrics.tta_p90_s IS '90th percentile time to acknowledge, seconds.';
COMMENT ON COLUMN severity_metrics.tta_mean_s IS 'Mean time to acknowledge, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN severity_metrics.ttm_median_s IS 'Median time to mitigate, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_p90_s IS '90th percentile time to mitigate, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_mean_s IS 'Mean time to mitigate, seconds.';
COMMENT ON COLUMN severity_metrics.resolve_target_s IS 'The severity''s resolve target, seconds.';
COMMENT ON COLUMN severity_metrics.target_n IS 'Incidents whose target outcome is known.';
COMMENT ON COLUMN severity_metrics.within_target IS 'Of those, resolved within target.';
COMMENT ON COLUMN severity_metrics.within_target_share IS 'within_target / target_n.';

CREATE VIEW service_metrics AS
SELECT
	coalesce(f.service, 'unknown') AS service,
	count(*) AS incidents,
	count(*) FILTER (WHERE f.ttr_event) AS resolved,
	count(*) FILTER (WHERE NOT f.ttr_event) AS open,
	count(f.time_to_resolve_s) AS ttr_n,
	quantile_cont(f.time_to_resolve_s, 0.5) AS ttr_median_s,
	quantile_cont(f.time_to_resolve_s, 0.9) AS ttr_p90_s,
	avg(f.time_to_resolve_s) AS ttr_mean_s,
	quantile_cont(f.time_to_resolve_s, 0.75) - quantile_cont(f.time_to_resolve_s, 0.25) AS ttr_iqr_s,
	any_value(k.km_median_s) AS ttr_km_median_s,
	count(f.time_to_acknowledge_s) AS tta_n,
	quantile_cont(f.time_to_acknowledge_s, 0.5) AS tta_median_s,
	count(f.time_to_mitigate_s) AS ttm_n,
	quantile_cont(f.time_to_mitigate_s, 0.5) AS ttm_median_s,
	count(*) FILTER (WHERE f.recurrence_of IS NOT NULL) AS recurrences,
	count(*) FILTER (WHERE f.recurrence_of IS NOT NULL) / count(*) AS recurrence_rate,
	count(*) FILTER (WHERE f.regression_test IN ('verified', 'claimed', 'missing')) AS regression_applicable,
	count(*) FILTER (WHERE f.regression_test = 'verified') AS regression_verified,
	count(*) FILTER (WHERE f.regression_test = 'claimed') AS regression_claimed,
	count(*) FILTER (WHERE f.detection_source = 'alert') AS detected_by_alert
FROM incident_facts f
LEFT JOIN km_time_to_resolve k ON k.dimension = 'service' AND k.key = coalesce(f.service, 'unknown')
GROUP BY ALL;
COMMENT ON VIEW service_metrics IS 'Per service, over all included incidents: counts, time to acknowledge/mitigate/resolve, recurrence rate, regression-test coverage and alert detection.';
COMMENT ON COLUMN service_metrics.service IS 'Service from the catalog, or unknown.';
COMMENT ON COLUMN service_metrics.incidents IS 'Included incidents of that service.';
COMMENT ON COLUMN service_metrics.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN service_metrics.open IS 'Of those, open.';
COMMENT ON COLUMN service_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN service_metrics.ttr_median_s IS 'Median time to resolve, seconds.';
COMMENT ON COLUMN service_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN service_metrics.ttr_mean_s IS 'Mean time to resolve, seconds.';
COMMENT ON COLUMN service_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN service_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve (open incidents censored), seconds.';
COMMENT ON COLUMN service_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN service_metrics.tta_median_s IS 'Median time to acknowledge, seconds.';
COMMENT ON COLUMN service_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN service_metrics.ttm_median_s IS 'Median time to mitigate, seconds.';
COMMENT ON COLUMN service_metrics.recurrences IS 'Incidents that recur an earlier one of the same key.';
COMMENT ON COLUMN service_metrics.recurrence_rate IS 'recurrences / incidents.';
COMMENT ON COLUMN service_metrics.regression_applicable IS 'Resolved incidents the regression-test check applies to.';
COMMENT ON COLUMN service_metrics.regression_verified IS 'Of those, verified in a local clone.';
COMMENT ON COLUMN service_metrics.regression_claimed IS 'Of those, claimed in the channel.';
COMMENT ON COLUMN service_metrics.detected_by_alert IS 'Incidents an alerting bot detected.';
