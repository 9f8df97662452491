package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

const canary = "zebracanary"

// canaryExport copies the fixture export and plants the canary in message
// text, in blocks, in attachments, in a thread reply and in a channel
// purpose.
func canaryExport(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "export")
	if err := os.CopyFS(dir, os.DirFS(mustAbs("../../ingest/testdata/export"))); err != nil {
		t.Fatal(err)
	}
	day := filepath.Join(dir, "inc-2026-11-20-checkout-5xx", "2026-11-21.json")
	var msgs []map[string]any
	b, err := os.ReadFile(day)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &msgs); err != nil {
		t.Fatal(err)
	}
	msgs = append(msgs,
		map[string]any{"type": "message", "user": "U0BOB", "ts": "1795251700.000100", "text": "the db password rotation " + canary + "-1 broke it"},
		map[string]any{"type": "message", "user": "U0ALICE", "ts": "1795251800.000100", "thread_ts": "1795251700.000100", "parent_user_id": "U0BOB",
			"text": "Resolved: " + canary + "-2 rolled back",
			"blocks": []any{map[string]any{"type": "rich_text", "elements": []any{map[string]any{"type": "rich_text_section",
				"elements": []any{map[string]any{"type": "text", "text": "Resolved: " + canary + "-3 rolled back"}}}}}}},
		map[string]any{"type": "message", "subtype": "bot_message", "bot_id": "B0PD", "username": "PagerDuty", "ts": "1795251900.000100",
			"text": "", "attachments": []any{map[string]any{"text": "Triggered " + canary + "-4 on checkout"}}},
	)
	b, _ = json.Marshal(msgs)
	if err := os.WriteFile(day, b, 0o644); err != nil {
		t.Fatal(err)
	}
	chans := filepath.Join(dir, "channels.json")
	b, _ = os.ReadFile(chans)
	b = []byte(strings.Replace(string(b), `"topic": {`, `"purpose": {"value": "notes `+canary+`-5", "creator": "U0ALICE", "last_set": 0}, "topic": {`, 1))
	if err := os.WriteFile(chans, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// countEverywhere counts the rows of every table and view column, cast to
// text, that contain s.
func countEverywhere(t *testing.T, path, s string) map[string]int {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := warehouse.Describe(context.Background(), db.DB)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, tb := range tables {
		if tb.Kind != "table" {
			continue // views read the tables
		}
		sums := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			sums[i] = fmt.Sprintf(`count(*) FILTER (WHERE %q::VARCHAR ILIKE '%%' || $1 || '%%')`, c.Name)
		}
		counts := make([]int, len(tb.Columns))
		ptrs := make([]any, len(counts))
		for i := range counts {
			ptrs[i] = &counts[i]
		}
		q := fmt.Sprintf(`SELECT %s FROM %q`, strings.Join(sums, ", "), tb.Name)
		if err := db.QueryRow(q, s).Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for i, n := range counts {
			if n > 0 {
				found[tb.Name+"."+tb.Columns[i].Name] = n
			}
		}
	}
	return found
}

// With privacy.redact_text no message text reaches the published snapshot,
// though the working warehouse keeps it; with pseudonymize_users no user ID
// or name does, and each user keeps one pseudonym across publishes.
func TestPrivacyKeepsTextAndUsersOutOfSnapshot(t *testing.T) {
	export := canaryExport(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	cfg := filepath.Join(dir, "private.yaml")
	os.WriteFile(cfg, []byte("privacy:\n  redact_text: true\n  pseudonymize_users: true\n"), 0o644)
	for _, args := range [][]string{
		{"--db", db, "--config", cfg, "ingest", "export", export},
		{"--db", db, "--config", cfg, "transform"},
	} {
		d, _, stderr := testDeps(false)
		if code := mainDeps(d, args); code != 0 {
			t.Fatalf("%v exited %d: %s", args, code, stderr)
		}
	}
	snap := filepath.Join(dir, "w.snapshot.duckdb")
	if got := countEverywhere(t, db, canary); len(got) == 0 {
		t.Fatal("the working warehouse lacks the canary; the test plants nothing")
	}
	// Incident titles are the one text kept (docs/privacy.md).
	if got := countEverywhere(t, snap, canary); len(got) > 0 && !(len(got) == 1 && got["incidents.title"] > 0) {
		t.Errorf("message text reached the snapshot: %v", got)
	}
	raw, _ := os.ReadFile(snap)
	if strings.Contains(string(raw), canary) {
		t.Errorf("the snapshot file's bytes hold the canary")
	}
	for _, who := range []string{"U0ALICE", "U0BOB", "alice", "Alice"} {
		if got := countEverywhere(t, snap, who); len(got) > 0 {
			t.Errorf("user %s reached the snapshot: %v", who, got)
		}
	}

	pseudonyms := func() []string {
		s, err := warehouse.Open(context.Background(), snap, warehouse.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return warehouse.Rows(t, s.DB, `SELECT u.user_id || ' ' || count(m.ts) FROM users u LEFT JOIN messages m USING (user_id) GROUP BY u.user_id ORDER BY 1`)
	}
	first := pseudonyms()
	d, _, stderr := testDeps(false)
	if code := mainDeps(d, []string{"--db", db, "--config", cfg, "publish"}); code != 0 {
		t.Fatalf("publish exited %d: %s", code, stderr)
	}
	if second := pseudonyms(); strings.Join(first, ",") != strings.Join(second, ",") || !strings.HasPrefix(first[0], "user-") {
		t.Errorf("pseudonyms changed between publishes or are not pseudonyms:\n%v\n%v", first, second)
	}
	if got := countEverywhere(t, snap, "snapshot_key"); len(got) > 0 {
		t.Errorf("snapshot mentions the key table: %v", got)
	}
}

// Reports never include message bodies beyond incident titles (issue 10,
// item 8): text planted in people's messages, a thread reply, Block Kit and
// a channel purpose reaches none of the report files, whatever the privacy
// settings.
func TestReportsHoldNoMessageBodies(t *testing.T) {
	export := canaryExport(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.duckdb")
	out := filepath.Join(dir, "reports")
	for _, args := range [][]string{
		{"--db", db, "ingest", "export", export},
		{"--db", db, "transform"},
		{"--db", db, "report", "--week", "2026-W47", "--out", out},
	} {
		d, _, stderr := testDeps(false)
		if code := mainDeps(d, args); code != 0 {
			t.Fatalf("%v exited %d: %s", args, code, stderr)
		}
	}
	if got := countEverywhere(t, db, canary+"-1"); len(got) == 0 {
		t.Fatal("the working warehouse lacks the canary; the test plants nothing")
	}
	files := 0
	err := filepath.WalkDir(out, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// -4 is an alert's text, which may become a title; the others are
		// bodies, a reply and a purpose.
		for _, n := range []string{"-1", "-2", "-3", "-5"} {
			if strings.Contains(string(b), canary+n) {
				t.Errorf("%s holds message text %s%s", path, canary, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 5 {
		t.Fatalf("found %d report files under %s; want the week's four and the index", files, out)
	}
}
