-- One definition of the duration aggregates. 0004 wrote the block of
-- aggregates (n, median, p90, mean, Kaplan-Meier median) three times, once
-- per view, and the copies drifted (service_metrics had no p90 or mean for
-- acknowledge and mitigate). Here every duration of every incident is one
-- row of incident_durations, every group of incidents is one row of
-- incident_groups, and duration_metrics and group_metrics aggregate them
-- once; weekly_metrics, severity_metrics and service_metrics are slices of
-- group_metrics with their 0004 columns unchanged (and new ones at the end).
--
-- Two medians, on purpose (docs/metrics.md):
--   *_median_s     interpolated median (quantile_cont) of the incidents that
--                  reached the event; open ones are left out;
--   *_km_median_s  Kaplan-Meier median: the smallest observed time at which
--                  the estimated share still without the event is <= 1/2,
--                  with open incidents right-censored. It is always an
--                  observed duration, so it differs from the interpolated
--                  median even when nothing is open (an even n).
-- Censoring: an incident without the event is censored at its close (an
-- archive with no recognised resolution, status closed_unresolved) or else at
-- the transform's as-of instant.

CREATE VIEW incident_durations AS
SELECT f.incident_id, f.week_start, f.severity, f.service, d.metric,
	coalesce(d.seconds, CAST(epoch(coalesce(i.closed_at, s.as_of)) - epoch(i.started_at) AS BIGINT)) AS seconds,
	d.seconds IS NULL AS censored
FROM incident_facts f
JOIN incidents i USING (incident_id)
CROSS JOIN metric_settings s
CROSS JOIN LATERAL (VALUES
	('acknowledge', f.time_to_acknowledge_s),
	('mitigate', f.time_to_mitigate_s),
	('resolve', f.time_to_resolve_s)) AS d(metric, seconds);
COMMENT ON VIEW incident_durations IS 'Long format: one row per included incident and duration (acknowledge, mitigate, resolve), the time to the event or, when it has not happened, the time to the censoring instant.';
COMMENT ON COLUMN incident_durations.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_durations.week_start IS 'Monday of the week the incident started, in the configured time zone.';
COMMENT ON COLUMN incident_durations.severity IS 'incidents.severity.';
COMMENT ON COLUMN incident_durations.service IS 'incidents.service.';
COMMENT ON COLUMN incident_durations.metric IS 'acknowledge, mitigate or resolve (time from started_at).';
COMMENT ON COLUMN incident_durations.seconds IS 'Seconds from started_at to the event; when censored, to closed_at (archived unresolved) or the transform''s as_of.';
COMMENT ON COLUMN incident_durations.censored IS 'True when the event has not happened (right-censored observation).';

CREATE VIEW incident_groups AS
SELECT 'all' AS dimension, 'all' AS key, incident_id FROM incident_facts
UNION ALL SELECT 'week', week_start::VARCHAR, incident_id FROM incident_facts
UNION ALL SELECT 'severity', coalesce(severity, 'unknown'), incident_id FROM incident_facts
UNION ALL SELECT 'service', coalesce(service, 'unknown'), incident_id FROM incident_facts;
COMMENT ON VIEW incident_groups IS 'Which groups each included incident belongs to: all, its week, its severity and its service.';
COMMENT ON COLUMN incident_groups.dimension IS 'all, week, severity or service.';
COMMENT ON COLUMN incident_groups.key IS 'The group: all, the week''s Monday (YYYY-MM-DD), the severity (or unknown), the service (or unknown).';
COMMENT ON COLUMN incident_groups.incident_id IS 'incidents.incident_id.';

CREATE VIEW duration_metrics AS
WITH obs AS (
	SELECT g.dimension, g.key, d.metric, d.seconds AS t, NOT d.censored AS event
	FROM incident_groups g JOIN incident_durations d USING (incident_id)
), at_times AS (
	SELECT dimension, key, metric, t, count(*) FILTER (WHERE event) AS d, count(*) AS c FROM obs GROUP BY ALL
), at_risk AS (
	SELECT *, sum(c) OVER (PARTITION BY dimension, key, metric ORDER BY t DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
	FROM at_times
), survival AS (
	-- Kaplan-Meier product-limit estimate S(t) = prod over event times ti <= t of (1 - di/ni),
	-- as a sum of logs (Kaplan & Meier 1958, JASA 53:457).
	SELECT dimension, key, metric, t,
		exp(sum(CASE WHEN d = n THEN -1e9 ELSE ln(1 - d / n) END)
			OVER (PARTITION BY dimension, key, metric ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS s
	FROM at_risk WHERE d > 0
), km AS (
	SELECT dimension, key, metric, min(t) FILTER (WHERE s <= 0.5 + 1e-9) AS km_median_s FROM survival GROUP BY ALL
), agg AS (
	SELECT dimension, key, metric,
		count(*) AS observations,
		count(*) FILTER (WHERE event) AS n,
		quantile_cont(t, 0.5) FILTER (WHERE event) AS median_s,
		quantile_cont(t, 0.9) FILTER (WHERE event) AS p90_s,
		avg(t) FILTER (WHERE event) AS mean_s,
		quantile_cont(t, 0.75) FILTER (WHERE event) - quantile_cont(t, 0.25) FILTER (WHERE event) AS iqr_s
	FROM obs GROUP BY ALL
)
SELECT a.*, km.km_median_s
FROM agg a LEFT JOIN km USING (dimension, key, metric);
COMMENT ON VIEW duration_metrics IS 'The duration aggregates, defined once: per group (incident_groups) and duration, n, interpolated median, p90, mean, IQR and the Kaplan-Meier median.';
COMMENT ON COLUMN duration_metrics.dimension IS 'all, week, severity or service.';
COMMENT ON COLUMN duration_metrics.key IS 'The group (see incident_groups.key).';
COMMENT ON COLUMN duration_metrics.metric IS 'acknowledge, mitigate or resolve.';
COMMENT ON COLUMN duration_metrics.observations IS 'Incidents in the group, censored ones included.';
COMMENT ON COLUMN duration_metrics.n IS 'Incidents that reached the event: what median_s, p90_s, mean_s and iqr_s are over.';
COMMENT ON COLUMN duration_metrics.median_s IS 'Interpolated median (quantile_cont 0.5) of the uncensored durations, seconds.';
COMMENT ON COLUMN duration_metrics.p90_s IS '90th percentile (quantile_cont, linear interpolation) of the uncensored durations, seconds.';
COMMENT ON COLUMN duration_metrics.mean_s IS 'Mean of the uncensored durations, seconds.';
COMMENT ON COLUMN duration_metrics.iqr_s IS 'Interquartile range of the uncensored durations, seconds.';
COMMENT ON COLUMN duration_metrics.km_median_s IS 'Kaplan-Meier median with censored incidents counted (an observed duration, not interpolated); NULL when fewer than half can be said to have reached the event, seconds.';

CREATE VIEW group_metrics AS
WITH counts AS (
	SELECT g.dimension, g.key,
		count(*) AS incidents,
		count(*) FILTER (WHERE f.ttr_event) AS resolved,
		count(*) FILTER (WHERE NOT f.ttr_event) AS open,
		count(*) FILTER (WHERE f.detection_source = 'alert') AS detected_by_alert,
		count(*) FILTER (WHERE f.detection_source = 'human') AS detected_by_human,
		count(*) FILTER (WHERE f.detection_source = 'unknown') AS detected_unknown,
		count(*) FILTER (WHERE f.recurrence_of IS NOT NULL) AS recurrences,
		count(*) FILTER (WHERE f.recurrence_of IS NOT NULL) / count(*) AS recurrence_rate,
		count(*) FILTER (WHERE f.postmortem_required) AS postmortems_required,
		count(*) FILTER (WHERE f.postmortem_required AND f.postmortem_at IS NOT NULL) AS postmortems_done,
		quantile_cont(f.time_to_postmortem_s, 0.5) FILTER (WHERE f.postmortem_required) AS time_to_postmortem_median_s,
		count(*) FILTER (WHERE f.regression_test IN ('verified', 'claimed', 'missing')) AS regression_applicable,
		count(*) FILTER (WHERE f.regression_test = 'verified') AS regression_verified,
		count(*) FILTER (WHERE f.regression_test = 'claimed') AS regression_claimed,
		any_value(f.resolve_target_s) AS resolve_target_s,
		count(f.within_target) AS target_n,
		count(*) FILTER (WHERE f.within_target) AS within_target,
		count(*) FILTER (WHERE f.within_target) / nullif(count(f.within_target), 0) AS within_target_share
	FROM incident_groups g JOIN incident_facts f USING (incident_id)
	GROUP BY g.dimension, g.key
)
SELECT c.*,
	r.n AS ttr_n, r.median_s AS ttr_median_s, r.p90_s AS ttr_p90_s, r.mean_s AS ttr_mean_s, r.iqr_s AS ttr_iqr_s, r.km_median_s AS ttr_km_median_s,
	a.n AS tta_n, a.median_s AS tta_median_s, a.p90_s AS tta_p90_s, a.mean_s AS tta_mean_s, a.iqr_s AS tta_iqr_s, a.km_median_s AS tta_km_median_s,
	m.n AS ttm_n, m.median_s AS ttm_median_s, m.p90_s AS ttm_p90_s, m.mean_s AS ttm_mean_s, m.iqr_s AS ttm_iqr_s, m.km_median_s AS ttm_km_median_s
FROM counts c
JOIN duration_metrics r ON r.dimension = c.dimension AND r.key = c.key AND r.metric = 'resolve'
JOIN duration_metrics a ON a.dimension = c.dimension AND a.key = c.key AND a.metric = 'acknowledge'
JOIN duration_metrics m ON m.dimension = c.dimension AND m.key = c.key AND m.metric = 'mitigate';
COMMENT ON VIEW group_metrics IS 'Every metric for every group of incidents (all, week, severity, service): counts, detection mix, recurrences, postmortems, regression tests, target attainment, and n, median, p90, mean, IQR and Kaplan-Meier median of each duration.';
COMMENT ON COLUMN group_metrics.dimension IS 'all, week, severity or service.';
COMMENT ON COLUMN group_metrics.key IS 'The group (see incident_groups.key).';
COMMENT ON COLUMN group_metrics.incidents IS 'Included incidents in the group.';
COMMENT ON COLUMN group_metrics.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN group_metrics.open IS 'Of those, not resolved (open, mitigated or closed unresolved).';
COMMENT ON COLUMN group_metrics.detected_by_alert IS 'Incidents whose first signal was an alerting bot.';
COMMENT ON COLUMN group_metrics.detected_by_human IS 'Incidents a person reported first.';
COMMENT ON COLUMN group_metrics.detected_unknown IS 'Incidents whose first signal could not be told.';
COMMENT ON COLUMN group_metrics.recurrences IS 'Incidents that recur an earlier one (recurrence_of set).';
COMMENT ON COLUMN group_metrics.recurrence_rate IS 'recurrences / incidents.';
COMMENT ON COLUMN group_metrics.postmortems_required IS 'Resolved incidents whose severity needs a postmortem.';
COMMENT ON COLUMN group_metrics.postmortems_done IS 'Of those, with a postmortem link.';
COMMENT ON COLUMN group_metrics.time_to_postmortem_median_s IS 'Median time from resolution to the postmortem link, seconds.';
COMMENT ON COLUMN group_metrics.regression_applicable IS 'Resolved incidents the regression-test check applies to.';
COMMENT ON COLUMN group_metrics.regression_verified IS 'Of those, verified in a local clone.';
COMMENT ON COLUMN group_metrics.regression_claimed IS 'Of those, claimed in the channel without a verifiable link.';
COMMENT ON COLUMN group_metrics.resolve_target_s IS 'A resolve target of the group''s incidents (the severity''s target for a severity group), seconds.';
COMMENT ON COLUMN group_metrics.target_n IS 'Incidents whose resolve-target outcome is known.';
COMMENT ON COLUMN group_metrics.within_target IS 'Of those, resolved within target.';
COMMENT ON COLUMN group_metrics.within_target_share IS 'within_target / target_n.';
COMMENT ON COLUMN group_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN group_metrics.ttr_median_s IS 'Interpolated median time to resolve of resolved incidents, seconds.';
COMMENT ON COLUMN group_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN group_metrics.ttr_mean_s IS 'Mean time to resolve (MTTR), seconds.';
COMMENT ON COLUMN group_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN group_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve, unresolved incidents censored, seconds.';
COMMENT ON COLUMN group_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN group_metrics.tta_median_s IS 'Interpolated median time to acknowledge, seconds.';
COMMENT ON COLUMN group_metrics.tta_p90_s IS '90th percentile time to acknowledge, seconds.';
COMMENT ON COLUMN group_metrics.tta_mean_s IS 'Mean time to acknowledge, seconds.';
COMMENT ON COLUMN group_metrics.tta_iqr_s IS 'Interquartile range of time to acknowledge, seconds.';
COMMENT ON COLUMN group_metrics.tta_km_median_s IS 'Kaplan-Meier median time to acknowledge, unacknowledged incidents censored, seconds.';
COMMENT ON COLUMN group_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN group_metrics.ttm_median_s IS 'Interpolated median time to mitigate, seconds.';
COMMENT ON COLUMN group_metrics.ttm_p90_s IS '90th percentile time to mitigate, seconds.';
COMMENT ON COLUMN group_metrics.ttm_mean_s IS 'Mean time to mitigate, seconds.';
COMMENT ON COLUMN group_metrics.ttm_iqr_s IS 'Interquartile range of time to mitigate, seconds.';
COMMENT ON COLUMN group_metrics.ttm_km_median_s IS 'Kaplan-Meier median time to mitigate, unmitigated incidents censored, seconds.';

-- The 0004 views, now slices of group_metrics. Their 0004 columns keep their
-- names, order and meaning; the columns after them are new.
DROP VIEW weekly_metrics;
DROP VIEW severity_metrics;
DROP VIEW service_metrics;
DROP VIEW km_time_to_resolve;

CREATE VIEW weekly_metrics AS
SELECT
	key::DATE AS week_start,
	incidents,
	resolved,
	open,
	ttr_n,
	ttr_median_s,
	ttr_p90_s,
	ttr_mean_s,
	ttr_iqr_s,
	ttr_km_median_s,
	tta_n,
	tta_median_s,
	tta_p90_s,
	tta_mean_s,
	ttm_n,
	ttm_median_s,
	ttm_p90_s,
	ttm_mean_s,
	detected_by_alert,
	detected_by_human,
	detected_unknown,
	recurrences,
	postmortems_required,
	postmortems_done,
	time_to_postmortem_median_s,
	regression_applicable,
	regression_verified,
	regression_claimed,
	target_n,
	within_target,
	tta_km_median_s,
	ttm_km_median_s,
	within_target_share
FROM group_metrics
WHERE dimension = 'week';
COMMENT ON VIEW weekly_metrics IS 'Per week (Monday, configured time zone) of incident start: counts, time to acknowledge/mitigate/resolve with n, median, p90, mean, IQR and the Kaplan-Meier median, detection mix, recurrences, postmortem completion, regression-test coverage and resolve-target attainment (a slice of group_metrics).';
COMMENT ON COLUMN weekly_metrics.week_start IS 'Monday of the week, in the configured time zone.';
COMMENT ON COLUMN weekly_metrics.incidents IS 'Included incidents in the group.';
COMMENT ON COLUMN weekly_metrics.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN weekly_metrics.open IS 'Of those, not resolved (open, mitigated or closed unresolved).';
COMMENT ON COLUMN weekly_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN weekly_metrics.ttr_median_s IS 'Interpolated median time to resolve of resolved incidents, seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_mean_s IS 'Mean time to resolve (MTTR), seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN weekly_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve, unresolved incidents censored, seconds.';
COMMENT ON COLUMN weekly_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN weekly_metrics.tta_median_s IS 'Interpolated median time to acknowledge, seconds.';
COMMENT ON COLUMN weekly_metrics.tta_p90_s IS '90th percentile time to acknowledge, seconds.';
COMMENT ON COLUMN weekly_metrics.tta_mean_s IS 'Mean time to acknowledge, seconds.';
COMMENT ON COLUMN weekly_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN weekly_metrics.ttm_median_s IS 'Interpolated median time to mitigate, seconds.';
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
COMMENT ON COLUMN weekly_metrics.target_n IS 'Incidents whose resolve-target outcome is known.';
COMMENT ON COLUMN weekly_metrics.within_target IS 'Of those, resolved within target.';
COMMENT ON COLUMN weekly_metrics.tta_km_median_s IS 'Kaplan-Meier median time to acknowledge, unacknowledged incidents censored, seconds.';
COMMENT ON COLUMN weekly_metrics.ttm_km_median_s IS 'Kaplan-Meier median time to mitigate, unmitigated incidents censored, seconds.';
COMMENT ON COLUMN weekly_metrics.within_target_share IS 'within_target / target_n.';

CREATE VIEW severity_metrics AS
SELECT
	key AS severity,
	incidents,
	resolved,
	open,
	ttr_n,
	ttr_median_s,
	ttr_p90_s,
	ttr_mean_s,
	ttr_iqr_s,
	ttr_km_median_s,
	tta_n,
	tta_median_s,
	tta_p90_s,
	tta_mean_s,
	ttm_n,
	ttm_median_s,
	ttm_p90_s,
	ttm_mean_s,
	resolve_target_s,
	target_n,
	within_target,
	within_target_share,
	tta_km_median_s,
	ttm_km_median_s
FROM group_metrics
WHERE dimension = 'severity';
COMMENT ON VIEW severity_metrics IS 'Per normalised severity, over all included incidents: counts, time to acknowledge/mitigate/resolve (n, median, p90, mean, IQR, Kaplan-Meier median) and the share resolved within the severity''s target (a slice of group_metrics).';
COMMENT ON COLUMN severity_metrics.severity IS 'SEV0–SEV4, or unknown.';
COMMENT ON COLUMN severity_metrics.incidents IS 'Included incidents in the group.';
COMMENT ON COLUMN severity_metrics.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN severity_metrics.open IS 'Of those, not resolved (open, mitigated or closed unresolved).';
COMMENT ON COLUMN severity_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN severity_metrics.ttr_median_s IS 'Interpolated median time to resolve of resolved incidents, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_mean_s IS 'Mean time to resolve (MTTR), seconds.';
COMMENT ON COLUMN severity_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN severity_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve, unresolved incidents censored, seconds.';
COMMENT ON COLUMN severity_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN severity_metrics.tta_median_s IS 'Interpolated median time to acknowledge, seconds.';
COMMENT ON COLUMN severity_metrics.tta_p90_s IS '90th percentile time to acknowledge, seconds.';
COMMENT ON COLUMN severity_metrics.tta_mean_s IS 'Mean time to acknowledge, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN severity_metrics.ttm_median_s IS 'Interpolated median time to mitigate, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_p90_s IS '90th percentile time to mitigate, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_mean_s IS 'Mean time to mitigate, seconds.';
COMMENT ON COLUMN severity_metrics.resolve_target_s IS 'A resolve target of the group''s incidents (the severity''s target for a severity group), seconds.';
COMMENT ON COLUMN severity_metrics.target_n IS 'Incidents whose resolve-target outcome is known.';
COMMENT ON COLUMN severity_metrics.within_target IS 'Of those, resolved within target.';
COMMENT ON COLUMN severity_metrics.within_target_share IS 'within_target / target_n.';
COMMENT ON COLUMN severity_metrics.tta_km_median_s IS 'Kaplan-Meier median time to acknowledge, unacknowledged incidents censored, seconds.';
COMMENT ON COLUMN severity_metrics.ttm_km_median_s IS 'Kaplan-Meier median time to mitigate, unmitigated incidents censored, seconds.';

CREATE VIEW service_metrics AS
SELECT
	key AS service,
	incidents,
	resolved,
	open,
	ttr_n,
	ttr_median_s,
	ttr_p90_s,
	ttr_mean_s,
	ttr_iqr_s,
	ttr_km_median_s,
	tta_n,
	tta_median_s,
	ttm_n,
	ttm_median_s,
	recurrences,
	recurrence_rate,
	regression_applicable,
	regression_verified,
	regression_claimed,
	detected_by_alert,
	tta_p90_s,
	tta_mean_s,
	tta_km_median_s,
	ttm_p90_s,
	ttm_mean_s,
	ttm_km_median_s,
	detected_by_human,
	target_n,
	within_target,
	within_target_share
FROM group_metrics
WHERE dimension = 'service';
COMMENT ON VIEW service_metrics IS 'Per service, over all included incidents: counts, time to acknowledge/mitigate/resolve (n, median, p90, mean, Kaplan-Meier median), recurrence rate, regression-test coverage and alert detection (a slice of group_metrics).';
COMMENT ON COLUMN service_metrics.service IS 'Service from the catalog, or unknown.';
COMMENT ON COLUMN service_metrics.incidents IS 'Included incidents in the group.';
COMMENT ON COLUMN service_metrics.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN service_metrics.open IS 'Of those, not resolved (open, mitigated or closed unresolved).';
COMMENT ON COLUMN service_metrics.ttr_n IS 'Resolved incidents the time-to-resolve figures are over.';
COMMENT ON COLUMN service_metrics.ttr_median_s IS 'Interpolated median time to resolve of resolved incidents, seconds.';
COMMENT ON COLUMN service_metrics.ttr_p90_s IS '90th percentile time to resolve, seconds.';
COMMENT ON COLUMN service_metrics.ttr_mean_s IS 'Mean time to resolve (MTTR), seconds.';
COMMENT ON COLUMN service_metrics.ttr_iqr_s IS 'Interquartile range of time to resolve, seconds.';
COMMENT ON COLUMN service_metrics.ttr_km_median_s IS 'Kaplan-Meier median time to resolve, unresolved incidents censored, seconds.';
COMMENT ON COLUMN service_metrics.tta_n IS 'Incidents with a time to acknowledge.';
COMMENT ON COLUMN service_metrics.tta_median_s IS 'Interpolated median time to acknowledge, seconds.';
COMMENT ON COLUMN service_metrics.ttm_n IS 'Incidents with a time to mitigate.';
COMMENT ON COLUMN service_metrics.ttm_median_s IS 'Interpolated median time to mitigate, seconds.';
COMMENT ON COLUMN service_metrics.recurrences IS 'Incidents that recur an earlier one (recurrence_of set).';
COMMENT ON COLUMN service_metrics.recurrence_rate IS 'recurrences / incidents.';
COMMENT ON COLUMN service_metrics.regression_applicable IS 'Resolved incidents the regression-test check applies to.';
COMMENT ON COLUMN service_metrics.regression_verified IS 'Of those, verified in a local clone.';
COMMENT ON COLUMN service_metrics.regression_claimed IS 'Of those, claimed in the channel without a verifiable link.';
COMMENT ON COLUMN service_metrics.detected_by_alert IS 'Incidents whose first signal was an alerting bot.';
COMMENT ON COLUMN service_metrics.tta_p90_s IS '90th percentile time to acknowledge, seconds.';
COMMENT ON COLUMN service_metrics.tta_mean_s IS 'Mean time to acknowledge, seconds.';
COMMENT ON COLUMN service_metrics.tta_km_median_s IS 'Kaplan-Meier median time to acknowledge, unacknowledged incidents censored, seconds.';
COMMENT ON COLUMN service_metrics.ttm_p90_s IS '90th percentile time to mitigate, seconds.';
COMMENT ON COLUMN service_metrics.ttm_mean_s IS 'Mean time to mitigate, seconds.';
COMMENT ON COLUMN service_metrics.ttm_km_median_s IS 'Kaplan-Meier median time to mitigate, unmitigated incidents censored, seconds.';
COMMENT ON COLUMN service_metrics.detected_by_human IS 'Incidents a person reported first.';
COMMENT ON COLUMN service_metrics.target_n IS 'Incidents whose resolve-target outcome is known.';
COMMENT ON COLUMN service_metrics.within_target IS 'Of those, resolved within target.';
COMMENT ON COLUMN service_metrics.within_target_share IS 'within_target / target_n.';

CREATE VIEW km_time_to_resolve AS
SELECT dimension, key, observations AS n, n AS resolved, km_median_s
FROM duration_metrics
WHERE metric = 'resolve';
COMMENT ON VIEW km_time_to_resolve IS 'Kaplan-Meier median time to resolve per group, counting open incidents as censored; NULL when fewer than half are resolved (kept from 0004; duration_metrics has every duration).';
COMMENT ON COLUMN km_time_to_resolve.dimension IS 'all, week, severity or service.';
COMMENT ON COLUMN km_time_to_resolve.key IS 'The group: the week''s Monday, the severity, the service, or all.';
COMMENT ON COLUMN km_time_to_resolve.n IS 'Incidents in the group, open ones included.';
COMMENT ON COLUMN km_time_to_resolve.resolved IS 'Of those, resolved.';
COMMENT ON COLUMN km_time_to_resolve.km_median_s IS 'Kaplan-Meier median time to resolve, in seconds.';

CREATE VIEW incident_evidence AS
SELECT
	e.incident_id,
	e.kind,
	e.channel_id,
	e.message_ts,
	m.thread_ts AS message_thread_ts,
	e.rule,
	CASE
		WHEN e.rule LIKE 'fallback:%' THEN 'fallback'
		WHEN e.rule = 'channel_created' OR e.rule LIKE 'earliest:%' THEN 'derived'
		ELSE 'explicit'
	END AS evidence_class
FROM incident_events e
LEFT JOIN messages m ON m.channel_id = e.channel_id AND m.ts = e.message_ts;
COMMENT ON VIEW incident_evidence IS 'Each incident timestamp''s evidence with the thread of the message behind it (for permalinks) and whether it came from explicit evidence, a derivation or a fallback.';
COMMENT ON COLUMN incident_evidence.incident_id IS 'incidents.incident_id.';
COMMENT ON COLUMN incident_evidence.kind IS 'Which timestamp (incident_events.kind).';
COMMENT ON COLUMN incident_evidence.channel_id IS 'Channel of the message that set it.';
COMMENT ON COLUMN incident_evidence.message_ts IS 'ts of the message that set it; NULL when no message did.';
COMMENT ON COLUMN incident_evidence.message_thread_ts IS 'thread_ts of that message when it is in a thread (a permalink to a reply needs it).';
COMMENT ON COLUMN incident_evidence.rule IS 'incident_events.rule.';
COMMENT ON COLUMN incident_evidence.evidence_class IS 'explicit (a recogniser matched a message), derived (channel creation, or the earliest of other timestamps) or fallback (fallback:<name>: no explicit evidence).';
