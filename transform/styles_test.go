package transform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// Each testdata/styles/*.txtar is a small handwritten Slack export in one
// incident tool's style; its comment says what it shows. The incidents and
// their evidence are compared with testdata/styles/<name>.golden.
func TestStyles(t *testing.T) {
	files, err := filepath.Glob("testdata/styles/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no style fixtures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := unpackExport(t, ar.Files)
			cfg := defaults(t)
			cfg.Incidents.Services = append(cfg.Incidents.Services,
				serviceOf("checkout", "checkout-api"), serviceOf("payments", "payments-api"), serviceOf("search", "indexer"))
			db := ingestExport(t, dir, cfg)
			runTransform(t, db, cfg)
			var b strings.Builder
			for _, q := range []struct{ name, sql string }{
				{"incidents", `SELECT incident_id, kind, title, severity, severity_label, service, status, detection_source,
					excluded, exclusion_reason, regression_test, participants, message_count FROM incidents ORDER BY incident_id`},
				{"incident_events", `SELECT incident_id, kind, occurred_at::VARCHAR, message_ts, rule, evidence FROM incident_events
					ORDER BY incident_id, occurred_at, kind`},
				{"incident_links", `SELECT incident_id, kind, url, check_result FROM incident_links ORDER BY ALL`},
				{"data_quality", `SELECT coalesce(incident_id, channel_id), problem, detail FROM data_quality ORDER BY ALL`},
			} {
				b.WriteString("== " + q.name + "\n")
				for _, r := range warehouse.Rows(t, db.DB, q.sql) {
					b.WriteString(r + "\n")
				}
			}
			golden(t, filepath.Join("styles", name+".golden"), b.String())
		})
	}
}

// unpackExport writes a fixture's files into a new folder, as a Slack
// export on disk, and returns the folder.
func unpackExport(t *testing.T, files []txtar.File) string {
	t.Helper()
	dir := t.TempDir()
	for _, file := range files {
		p := filepath.Join(dir, filepath.FromSlash(file.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, file.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func serviceOf(name string, aliases ...string) config.Service {
	return config.Service{Name: name, Aliases: aliases}
}

// An archived channel with no recognised resolution is closed_unresolved
// and censored at its archive, not at the transform's as-of instant.
func TestClosedUnresolvedCensoredAtArchive(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/styles/lifecycle.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := unpackExport(t, ar.Files)
	cfg := defaults(t)
	db := ingestExport(t, dir, cfg)
	runTransform(t, db, cfg)
	got := warehouse.Rows(t, db.DB, `SELECT i.status, f.ttr_observed_s, f.ttr_event FROM incidents i JOIN incident_facts f USING (incident_id) WHERE incident_id = 'C0L2'`)
	if want := []string{"closed_unresolved | 10800 | false"}; strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("C0L2 = %q; want %q (archived 3 h after declaration, censored there)", got, want)
	}
}

// channels.include still forces a channel in by name, even one that looks
// like a standing channel; channels.exclude keeps one out.
func TestIncludeAndExcludeByNameOverrideStanding(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/styles/detection.txtar")
	if err != nil {
		t.Fatal(err)
	}
	dir := unpackExport(t, ar.Files)
	cfg := defaults(t)
	cfg.Channels.Include = []string{"incident-ops"}
	cfg.Channels.Exclude = []string{"inc-quiet"}
	db := ingestExport(t, dir, defaults(t))
	runTransform(t, db, cfg)
	got := warehouse.Rows(t, db.DB, `SELECT channel_name, kind FROM incidents WHERE kind = 'channel' ORDER BY 1`)
	if want := "incident-ops | channel"; strings.Join(got, ";") != want {
		t.Errorf("channel incidents = %q; want only %q (included by name; inc-quiet excluded by name)", got, want)
	}
}
