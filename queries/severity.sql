-- name: severity
-- description: Per severity: n, median/p90/mean time to acknowledge, mitigate and resolve, share within resolve target
--
-- Times are in hours, over all included incidents.
SELECT
	severity,
	incidents,
	open,
	ttr_n,
	round(ttr_median_s / 3600, 2)    AS ttr_median_h,
	round(ttr_p90_s / 3600, 2)       AS ttr_p90_h,
	round(ttr_mean_s / 3600, 2)      AS ttr_mean_h,
	round(ttr_km_median_s / 3600, 2) AS ttr_km_median_h,
	round(tta_median_s / 60, 1)      AS tta_median_min,
	round(ttm_median_s / 3600, 2)    AS ttm_median_h,
	round(resolve_target_s / 3600, 1) AS target_h,
	round(100 * within_target_share, 1) AS pct_within_target
FROM severity_metrics
ORDER BY severity;
