-- name: services
-- description: Per service: incidents, median time to resolve, recurrence rate, regression-test coverage
SELECT
	service,
	incidents,
	round(ttr_median_s / 3600, 2) AS ttr_median_h,
	recurrences,
	round(100 * recurrence_rate, 1) AS pct_recurring,
	regression_verified AS tests_verified,
	regression_claimed AS tests_claimed,
	regression_applicable - regression_verified - regression_claimed AS tests_missing,
	detected_by_alert
FROM service_metrics
ORDER BY incidents DESC, service;
