// Stage 4, enrichment: what an incident's own messages cannot say alone.
// Fix links are checked against local clones for regression tests (git.go,
// links.go), recurrences are found across incidents (recurrence.go), and
// statuses and data-quality notes are completed.
package transform

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// checkFixes decides, for every fix link, whether the fix touched test
// files in a local clone of its repository.
func checkFixes(ctx context.Context, incs []*incident, cfg *config.Config, log *slog.Logger) error {
	repos, order := repoPaths(cfg)
	// A repos entry whose clone is missing is named once, and left out:
	// its fixes are no_clone, noted on each incident, never not_found.
	missing := map[string]string{}
	for _, key := range order {
		if !isClone(repos[key]) {
			missing[key] = repos[key]
			log.Warn("repos entry has no local clone; fixes linked to it cannot be checked for regression tests",
				"repo", key, "path", repos[key])
		}
	}
	order = slices.DeleteFunc(order, func(k string) bool { _, gone := missing[k]; return gone })
	for k := range missing {
		delete(repos, k)
	}
	checker := newGitChecker(repos, order, cfg.Incidents.TestGlobs)
	var fixes []*link
	for _, inc := range incs {
		for i := range inc.links {
			if l := &inc.links[i]; l.isFix() && missing[l.repoURL] == "" {
				fixes = append(fixes, l)
			}
		}
	}
	if len(repos) > 0 {
		if err := checker.prefetch(ctx, fixes); err != nil {
			return err
		}
		if err := checker.prefetchDiffs(ctx, fixes); err != nil {
			return err
		}
	}
	for _, inc := range incs {
		for i := range inc.links {
			l := &inc.links[i]
			if path, gone := missing[l.repoURL]; gone && l.isFix() {
				l.check = "no_clone"
				inc.quality = append(inc.quality, quality{"clone_missing",
					fmt.Sprintf("fix %s: the repos entry for %s points to %s, which holds no git clone; its regression test was not checked", l.url, l.repoURL, path)})
				continue
			}
			if len(repos) == 0 && inc.links[i].isFix() {
				inc.links[i].check = "no_clone"
				continue
			}
			if err := checker.check(ctx, &inc.links[i]); err != nil {
				return err
			}
		}
	}
	log.Debug("transform: fix links checked", "fixes", len(fixes), "git_runs", checker.runs)
	return nil
}

// isClone reports whether dir holds a git clone (a work tree or a bare
// repository).
func isClone(dir string) bool {
	for _, p := range []string{filepath.Join(dir, ".git"), filepath.Join(dir, "HEAD")} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func repoPaths(cfg *config.Config) (map[string]string, []string) {
	repos := map[string]string{}
	var order []string
	for _, r := range cfg.Repos {
		key := normaliseRepoURL(r.URL)
		p := r.Path
		if !filepath.IsAbs(p) && cfg.Dir != "" {
			p = filepath.Join(cfg.Dir, p)
		}
		if _, dup := repos[key]; !dup {
			order = append(order, key)
		}
		repos[key] = p
	}
	return repos, order
}

func normaliseRepoURL(u string) string {
	u = strings.TrimSuffix(strings.TrimSpace(u), "/")
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	host, p, _ := strings.Cut(u, "/")
	return repoKey(host, p)
}

// finish completes incidents after assembly: order checks, recurrence,
// regression-test status, statuses and data-quality notes.
func finish(incs []*incident, cfg *config.Config, cat *catalog, asOf time.Time) {
	sort.Slice(incs, func(i, j int) bool { return incs[i].id < incs[j].id })
	for _, inc := range incs {
		checkOrder(inc)
	}
	recurrences(incs, cfg.Incidents.RecurrenceWindow.D(), cat)
	byID := map[string]*incident{}
	for _, inc := range incs {
		byID[inc.id] = inc
	}
	for _, inc := range incs {
		inc.regression = regressionStatus(inc)
		inc.pmRequired = inc.excluded == "" && inc.events["resolved"] != nil && slices.Contains(cfg.Incidents.PostmortemSeverities, inc.severity)
	}
	for _, inc := range incs {
		if inc.excluded != "" {
			continue
		}
		if inc.events["resolved"] == nil && !inc.closedUnresolved && asOf.Sub(inc.events["started"].at) > 7*24*time.Hour {
			inc.quality = append(inc.quality, quality{"never_resolved", fmt.Sprintf("open for %d days with no resolution", int(asOf.Sub(inc.events["started"].at).Hours()/24))})
		}
		if inc.severity == "" {
			inc.quality = append(inc.quality, quality{"no_severity", "no severity was stated"})
		}
		if inc.service == "" {
			inc.quality = append(inc.quality, quality{"no_service", "no service from the catalog was named"})
		}
		if e := inc.events["acknowledged"]; e != nil && strings.HasPrefix(e.rule, "fallback:") {
			inc.quality = append(inc.quality, quality{"fallback", "acknowledged_at is the first human reply: no explicit acknowledgement"})
		}
		if inc.titleFrom == "channel_name" {
			inc.quality = append(inc.quality, quality{"fallback", "title is the channel name: no title was stated"})
		}
		if prev := byID[inc.recurrenceOf]; prev != nil && prev.regression == "missing" {
			inc.quality = append(inc.quality, quality{"recurred_without_test",
				fmt.Sprintf("recurrence of %s, whose fix shipped no regression test", prev.id)})
		}
		if pmDue := cfg.Incidents.PostmortemDue.D(); pmDue > 0 && inc.events["postmortem"] == nil && slices.Contains(cfg.Incidents.PostmortemSeverities, inc.severity) {
			if r := inc.events["resolved"]; r != nil && asOf.Sub(r.at) > pmDue {
				inc.quality = append(inc.quality, quality{"postmortem_overdue",
					fmt.Sprintf("%s resolved %d days ago with no postmortem link", inc.severity, int(asOf.Sub(r.at).Hours()/24))})
			}
		}
	}
}

// regressionStatus applies SPEC §4: verified when a linked fix touched test
// files in a local clone; claimed when the channel says a test was added and
// no link could be checked; missing otherwise; not_applicable for excluded
// and unresolved incidents.
func regressionStatus(inc *incident) string {
	if inc.excluded != "" || inc.events["resolved"] == nil {
		return "not_applicable"
	}
	checked := false
	for _, l := range inc.links {
		switch l.check {
		case "touches_tests":
			return "verified"
		case "no_tests":
			checked = true
		}
	}
	if inc.claimed && !checked {
		return "claimed"
	}
	return "missing"
}
