package transform

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// Each testdata/bots/*.txtar is a small handwritten Slack export of what
// one incident bot posts, written from the bot's own source or
// documentation (its comment cites repository, path and commit; the facts
// are in docs/bots.md). Its `want` file is the truth, written from those
// facts and never from transform's output: every incident that must be
// found, and its status, severity and lifecycle times. An optional
// aftermath.yaml is merged over the built-in configuration, as a user's
// file would be.
//
// A comment line "skip: needs <semantic> from branch transform" marks a
// fixture whose truth needs a generic semantic not built yet: the
// comparison is still logged, then the test skips.
func TestBotFormats(t *testing.T) {
	files, err := filepath.Glob("testdata/bots/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bot fixtures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cfg := defaults(t)
			var want []botTruth
			var export []txtar.File
			for _, file := range ar.Files {
				switch file.Name {
				case "want":
					want = parseBotTruth(t, string(file.Data))
				case "aftermath.yaml":
					if cfg, err = config.Parse(f+":aftermath.yaml", file.Data); err != nil {
						t.Fatal(err)
					}
				default:
					export = append(export, file)
				}
			}
			dir := unpackExport(t, export)
			if want == nil {
				t.Fatal("no want file")
			}
			db := ingestExport(t, dir, cfg)
			runTransform(t, db, cfg)
			got := readBotResults(t, db)
			misses, report := compareBotTruth(want, got)
			for _, line := range report {
				t.Log(line)
			}
			if skip := skipReason(string(ar.Comment)); skip != "" {
				t.Skipf("%s (%d field(s) differ from the truth today)", skip, len(misses))
			}
			for _, m := range misses {
				t.Error(m)
			}
		})
	}
}

// botFields are the fields a fixture's truth states, in column order.
var botFields = []string{"status", "severity", "started", "acknowledged", "mitigated", "resolved"}

// botTruth is one incident as a fixture's want file states it, or as
// transform found it: field → value, "-" when absent.
type botTruth struct {
	id     string
	fields map[string]string
}

// parseBotTruth reads a want file: one incident a line, its id then the
// botFields columns; times are RFC 3339, "-" is absent; # starts a comment.
func parseBotTruth(t *testing.T, s string) []botTruth {
	t.Helper()
	out := []botTruth{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 1+len(botFields) {
			t.Fatalf("want line %d: %d columns, want %d (id %s)", n, len(f), 1+len(botFields), strings.Join(botFields, " "))
		}
		bt := botTruth{id: f[0], fields: map[string]string{}}
		for i, k := range botFields {
			bt.fields[k] = f[1+i]
		}
		out = append(out, bt)
	}
	return out
}

func readBotResults(t *testing.T, db *warehouse.DB) map[string]botTruth {
	t.Helper()
	rows, err := db.DB.Query(`SELECT incident_id, status, coalesce(severity, '-'),
		started_at, acknowledged_at, mitigated_at, resolved_at
		FROM incidents WHERE NOT excluded ORDER BY incident_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]botTruth{}
	for rows.Next() {
		var id, status, sev string
		var ts [4]*time.Time
		if err := rows.Scan(&id, &status, &sev, &ts[0], &ts[1], &ts[2], &ts[3]); err != nil {
			t.Fatal(err)
		}
		bt := botTruth{id: id, fields: map[string]string{"status": status, "severity": sev}}
		for i, k := range botFields[2:] {
			bt.fields[k] = "-"
			if ts[i] != nil {
				bt.fields[k] = ts[i].UTC().Format(time.RFC3339)
			}
		}
		out[id] = bt
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareBotTruth returns the disagreements and a per-incident report. A
// time is right within 60 s of the truth; a field is right only when truth
// and result agree, "absent" included.
func compareBotTruth(want []botTruth, got map[string]botTruth) (misses, report []string) {
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.id] = true
		g, ok := got[w.id]
		if !ok {
			misses = append(misses, fmt.Sprintf("%s: not found (want an incident)", w.id))
			report = append(report, fmt.Sprintf("%-28s detection MISS", w.id))
			continue
		}
		var line []string
		for _, k := range botFields {
			if sameBotField(k, w.fields[k], g.fields[k]) {
				line = append(line, k+" ok")
				continue
			}
			line = append(line, fmt.Sprintf("%s MISS (got %s)", k, g.fields[k]))
			misses = append(misses, fmt.Sprintf("%s: %s = %s, want %s", w.id, k, g.fields[k], w.fields[k]))
		}
		report = append(report, fmt.Sprintf("%-28s detection ok; %s", w.id, strings.Join(line, "; ")))
	}
	for id := range got {
		if !seen[id] {
			misses = append(misses, fmt.Sprintf("%s: phantom incident (the truth has none)", id))
			report = append(report, fmt.Sprintf("%-28s PHANTOM", id))
		}
	}
	return misses, report
}

func sameBotField(k, want, got string) bool {
	if want == got {
		return true
	}
	if want == "-" || got == "-" || k == "status" || k == "severity" {
		return false
	}
	w, err1 := time.Parse(time.RFC3339, want)
	g, err2 := time.Parse(time.RFC3339, got)
	if err1 != nil || err2 != nil {
		return false
	}
	d := g.Sub(w)
	return d >= -time.Minute && d <= time.Minute
}

func skipReason(comment string) string {
	for _, line := range strings.Split(comment, "\n") {
		if r, ok := strings.CutPrefix(strings.TrimSpace(line), "skip:"); ok {
			return strings.TrimSpace(r)
		}
	}
	return ""
}
