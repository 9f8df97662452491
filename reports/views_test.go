package reports

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// TestMetricViewsKeepTheir0004Figures recreates the 0004 views under old_
// names next to the 0006 ones (one definition of the aggregates) and checks
// that every 0004 column still holds the same figure for every group.
func TestMetricViewsKeepTheir0004Figures(t *testing.T) {
	db, _ := fixtureDB(t)
	all, err := warehouse.Migrations(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	var old string
	for _, m := range all {
		if m.Version == 4 {
			old = m.SQL
		}
	}
	views := []string{"km_time_to_resolve", "weekly_metrics", "severity_metrics", "service_metrics"}
	comment := regexp.MustCompile(`(?m)^COMMENT ON .*$`)
	for _, stmt := range strings.Split(comment.ReplaceAllString(old, ""), ";\n") {
		stmt = strings.TrimSpace(stmt)
		name := regexp.MustCompile(`^(?:--.*\n)*CREATE VIEW (\w+)`).FindStringSubmatch(stmt)
		if name == nil || name[1] == "metric_settings" || name[1] == "incident_facts" {
			continue
		}
		for _, v := range views {
			stmt = regexp.MustCompile(`\b`+v+`\b`).ReplaceAllString(stmt, "old_"+v)
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("recreate 0004 view %s: %v", name[1], err)
		}
	}
	for _, v := range views {
		cols := warehouse.Rows(t, db.DB, `SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = ?`, "old_"+v)[0]
		q := fmt.Sprintf(`SELECT count(*) FROM (SELECT %[1]s FROM %[2]s EXCEPT ALL SELECT %[1]s FROM old_%[2]s) UNION ALL
			SELECT count(*) FROM (SELECT %[1]s FROM old_%[2]s EXCEPT ALL SELECT %[1]s FROM %[2]s) UNION ALL SELECT count(*) FROM %[2]s`, cols, v)
		got := warehouse.Rows(t, db.DB, q)
		if got[0] != "0" || got[1] != "0" {
			t.Errorf("%s differs from its 0004 definition: %s rows only in the new view, %s only in the old", v, got[0], got[1])
		}
		if got[2] == "0" {
			t.Errorf("%s is empty on the fixture", v)
		}
	}
	// The service view now has what it lacked.
	got := warehouse.Rows(t, db.DB, `SELECT count(*) FROM service_metrics WHERE tta_p90_s IS NOT NULL AND ttm_mean_s IS NOT NULL`)
	if got[0] == "0" {
		t.Errorf("service_metrics has no p90/mean for acknowledge and mitigate")
	}
}

// TestReportAgreesWithViews: the report's week figures equal the metric
// views' for the same week (same quantile definition, same inclusion).
func TestReportAgreesWithViews(t *testing.T) {
	res, _ := runReport(t, "2026-W46")
	db, _ := fixtureDB(t)
	got := warehouse.Rows(t, db.DB, `SELECT incidents, ttr_n, round(ttr_median_s, 6), round(ttr_p90_s, 6) FROM weekly_metrics WHERE week_start = DATE '2026-11-09'`)
	h := res.Report.Headline
	if h.MedianTTR == nil {
		t.Fatal("no median in the report for 2026-W46")
	}
	want := fmt.Sprintf("%d | %d | %s | %s", h.Incidents, h.MedianTTR.N, trimFloat(h.MedianTTR.Estimate), trimFloat(h.P90TTR.Estimate))
	if len(got) != 1 || got[0] != want {
		t.Errorf("weekly_metrics for 2026-W46 = %v; the report says %s", got, want)
	}
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%.6f", x)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
