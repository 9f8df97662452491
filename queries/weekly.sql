-- name: weekly
-- description: Per week: incidents, median/p90/mean time to resolve with n, Kaplan-Meier median, detection mix, coverage
--
-- Times are in hours. Weeks start on Monday in the configured time zone.
SELECT
	week_start,
	incidents,
	open,
	ttr_n,
	round(ttr_median_s / 3600, 2)    AS ttr_median_h,
	round(ttr_p90_s / 3600, 2)       AS ttr_p90_h,
	round(ttr_mean_s / 3600, 2)      AS ttr_mean_h,
	round(ttr_km_median_s / 3600, 2) AS ttr_km_median_h,
	round(tta_median_s / 60, 1)      AS tta_median_min,
	detected_by_alert,
	detected_by_human,
	recurrences,
	postmortems_done || '/' || postmortems_required AS postmortems,
	(regression_verified + regression_claimed) || '/' || regression_applicable AS regression_tests
FROM weekly_metrics
ORDER BY week_start DESC;
