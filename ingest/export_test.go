package ingest

import (
	"archive/zip"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fixture = "testdata/export"

var testNow = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)

func defaultSelection(t *testing.T) Selection {
	t.Helper()
	cfg, err := config.Default()
	if err != nil {
		t.Fatal(err)
	}
	return NewSelection(cfg.Channels, nil, false)
}

func ingestPath(t *testing.T, db *warehouse.DB, path string, sel Selection) (*Result, error) {
	t.Helper()
	return IngestExport(context.Background(), db, ExportOptions{
		Path:       path,
		Selection:  sel,
		BatchBytes: 1 << 20,
		TempDir:    t.TempDir(),
		Now:        func() time.Time { return testNow },
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

// copyFixture copies the handwritten export into a temporary folder that a
// test may damage.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "export")
	err := filepath.WalkDir(fixture, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixture, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rawTables are the tables ingest fills, with the order that makes a dump
// deterministic.
var rawTables = []struct{ name, order string }{
	{"channels", "channel_id"},
	{"users", "user_id"},
	{"messages", "channel_id, ts"},
	{"channel_state", "channel_id"},
}

// dump renders every raw table as text, every column cast to VARCHAR.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range rawTables {
		fmt.Fprintf(&b, "== %s\n", tb.name)
		for _, row := range warehouse.Rows(t, db, fmt.Sprintf(`SELECT COLUMNS(*)::VARCHAR FROM %s ORDER BY %s`, tb.name, tb.order)) {
			b.WriteString(row + "\n")
		}
	}
	return b.String()
}

// checksums returns an md5 of each raw table's full contents.
func checksums(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tb := range rawTables {
		var sum string
		q := fmt.Sprintf(`SELECT coalesce(md5(string_agg(x::VARCHAR, chr(10) ORDER BY x::VARCHAR)), '') FROM %s x`, tb.name)
		if err := db.QueryRow(q).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[tb.name] = sum
	}
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		writeFile(t, path, got)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./ingest -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; run go test ./ingest -update if the change is intended):\n%s", path, diff)
	}
}

func TestIngestExportGolden(t *testing.T) {
	db := warehousetest.Open(t)
	res, err := ingestPath(t, db, fixture, defaultSelection(t))
	if err != nil {
		t.Fatalf("IngestExport(%s) = %v", fixture, err)
	}
	want := Counts{ChannelsTotal: 5, ChannelsSelected: 4, ChannelsDone: 4, FilesRead: 8, MessagesRead: 25, MessagesNew: 25, Users: 5}
	if diff := cmp.Diff(want, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	golden(t, "export.golden", dump(t, db.DB))
	runs := warehouse.Rows(t, db.DB, `SELECT run_id, kind, status, finished_at IS NOT NULL, error FROM ingest_runs`)
	if diff := cmp.Diff([]string{"1 | export | ok | true | NULL"}, runs); diff != "" {
		t.Errorf("ingest_runs (-want +got):\n%s", diff)
	}
}

func TestIngestExportTakesTimeFromTS(t *testing.T) {
	db := warehousetest.Open(t)
	if _, err := ingestPath(t, db, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	// In 2026-11-21.json (a Los Angeles day) but posted 2026-11-22 in UTC.
	got := warehouse.Rows(t, db.DB, `SELECT posted_at::VARCHAR FROM messages WHERE ts = '1795307100.000990'`)
	if diff := cmp.Diff([]string{"2026-11-22 00:25:00.00099+00"}, got); diff != "" {
		t.Errorf("posted_at (-want +got):\n%s", diff)
	}
}

func TestIngestExportIsIdempotent(t *testing.T) {
	db := warehousetest.Open(t)
	if _, err := ingestPath(t, db, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	first := checksums(t, db.DB)
	res, err := ingestPath(t, db, fixture, defaultSelection(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.MessagesNew != 0 || res.Counts.MessagesUpdated != 0 {
		t.Errorf("second ingest stored %d new and %d updated messages; want none", res.Counts.MessagesNew, res.Counts.MessagesUpdated)
	}
	if diff := cmp.Diff(first, checksums(t, db.DB)); diff != "" {
		t.Errorf("table checksums changed on the second ingest (-first +second):\n%s", diff)
	}
}

func TestIngestExportNeverStoresFileTokens(t *testing.T) {
	db := warehousetest.Open(t)
	if _, err := ingestPath(t, db, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(fixture, "inc-2026-11-20-checkout-5xx", "2026-11-20.json"))
	if err != nil || !strings.Contains(string(raw), "canaryfiletoken") {
		t.Fatal("the fixture must carry the canary token this test looks for")
	}
	for _, tb := range []string{"channels", "users", "messages", "channel_state", "ingest_runs", "ingest_skips"} {
		got := warehouse.Rows(t, db.DB, fmt.Sprintf(`SELECT count(*) FROM %s x WHERE x::VARCHAR LIKE '%%canaryfiletoken%%' OR x::VARCHAR LIKE '%%xoxe-%%'`, tb))
		if got[0] != "0" {
			t.Errorf("%s has %s rows holding a file token", tb, got[0])
		}
	}
	got := warehouse.Rows(t, db.DB, `SELECT raw->>'$.files[0].url_private' FROM messages WHERE ts = '1795187760.000800'`)
	if want := "https://files.slack.com/files-pri/T0ACME-F0GRAPH/errors.png?t=REDACTED"; len(got) != 1 || got[0] != want {
		t.Errorf("url_private = %v; want %q", got, want)
	}
}

func TestIngestExportSelection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		regex string
		all   bool
		want  []string
	}{
		{"default", "", false, []string{"dispatch-acme-platform-42", "inc-2026-11-20-checkout-5xx", "inc-security-7", "incidents"}},
		{"regex", "^inc-", false, []string{"inc-2026-11-20-checkout-5xx", "inc-security-7"}},
		{"all", "", true, []string{"dispatch-acme-platform-42", "general", "inc-2026-11-20-checkout-5xx", "inc-security-7", "incidents"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel := defaultSelection(t)
			if tc.regex != "" {
				sel.Regex = regexp.MustCompile(tc.regex)
			}
			sel.All = tc.all
			db := warehousetest.Open(t)
			if _, err := ingestPath(t, db, fixture, sel); err != nil {
				t.Fatal(err)
			}
			got := warehouse.Rows(t, db.DB, `SELECT name FROM channels ORDER BY name`)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("channels (-want +got):\n%s", diff)
			}
			// Messages only for stored channels, never for the DM folder.
			orphans := warehouse.Rows(t, db.DB, `SELECT count(*) FROM messages WHERE channel_id NOT IN (SELECT channel_id FROM channels)`)
			if orphans[0] != "0" {
				t.Errorf("%s messages belong to channels that were not selected", orphans[0])
			}
			if users := warehouse.Rows(t, db.DB, `SELECT count(*) FROM users`); users[0] != "5" {
				t.Errorf("users = %s; want all 5 whatever the selection", users[0])
			}
		})
	}
}

func TestIngestNewerExportOverOlder(t *testing.T) {
	older := fixture
	newer := copyFixture(t)
	day := filepath.Join(newer, "inc-2026-11-20-checkout-5xx", "2026-11-21.json")
	b, err := os.ReadFile(day)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	// An edit, a new reply, and a new top-level message.
	text = strings.Replace(text, `"text": "I think it was the connection pool change",`,
		`"text": "It was the connection pool change (confirmed)", "edited": {"user": "U0ALICE", "ts": "1795252000.000000"},`, 1)
	text = strings.Replace(text, "\n]\n", `,
    {"type": "message", "user": "U0ALICE", "text": "late reply", "ts": "1795273600.000990", "thread_ts": "1795187580.000600", "parent_user_id": "U0BOB"},
    {"type": "message", "user": "U0BOB", "text": "follow-ups filed", "ts": "1795273700.000999"}
]
`, 1)
	writeFile(t, day, text)
	// The thread parent now counts the late reply; the declaration was deleted
	// but had replies, so it is a tombstone.
	first := filepath.Join(newer, "inc-2026-11-20-checkout-5xx", "2026-11-20.json")
	b, err = os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	text = strings.Replace(string(b), `"reply_count": 2,`, `"reply_count": 3,`, 1)
	text = strings.Replace(text, `"latest_reply": "1795273500.000900",`, `"latest_reply": "1795273600.000990",`, 1)
	text = strings.Replace(text, `"text": "Declaring an incident: checkout is returning 5xx for ~20% of requests",
        "user": "U0ALICE",`, `"text": "This message was deleted.", "subtype": "tombstone", "hidden": true,
        "user": "U0ALICE",`, 1)
	writeFile(t, first, text)

	db := warehousetest.Open(t)
	if _, err := ingestPath(t, db, older, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	res, err := ingestPath(t, db, newer, defaultSelection(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.MessagesNew != 2 || res.Counts.MessagesUpdated != 3 {
		t.Errorf("newer export: %d new, %d updated; want 2 new (reply, message) and 3 updated (edit, parent, tombstone)", res.Counts.MessagesNew, res.Counts.MessagesUpdated)
	}
	got := warehouse.Rows(t, db.DB, `SELECT ts, text, edited_at::VARCHAR, reply_count, is_deleted, run_id FROM messages
		WHERE ts IN ('1795251600.000850', '1795187580.000600', '1795186860.000200', '1795273700.000999') ORDER BY ts`)
	want := []string{
		"1795186860.000200 | Declaring an incident: checkout is returning 5xx for ~20% of requests | NULL | NULL | true | 2",
		"1795187580.000600 | ack, looking at the deploy from 06:55 | NULL | 3 | false | 2",
		"1795251600.000850 | It was the connection pool change (confirmed) | 2026-11-21 09:06:40+00 | NULL | false | 2",
		"1795273700.000999 | follow-ups filed | NULL | NULL | false | 2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the newer export (-want +got):\n%s", diff)
	}
	afterNewer := checksums(t, db.DB)

	// Reading the older export again must not undo anything.
	res, err = ingestPath(t, db, older, defaultSelection(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.MessagesNew != 0 || res.Counts.MessagesUpdated != 0 {
		t.Errorf("older export after newer: %d new, %d updated; want none", res.Counts.MessagesNew, res.Counts.MessagesUpdated)
	}
	if diff := cmp.Diff(afterNewer, checksums(t, db.DB)); diff != "" {
		t.Errorf("the older export changed stored rows (-newer +after older):\n%s", diff)
	}
}

// skipsOf returns the run's skips as "kind item: reason" lines.
func skipsOf(res *Result) []string {
	var out []string
	for _, s := range res.Skips {
		out = append(out, s.Kind+" "+s.Item+": "+s.Reason)
	}
	return out
}

func TestIngestExportBadInput(t *testing.T) {
	inc := "inc-2026-11-20-checkout-5xx"
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		// want are substrings of the skips, in order.
		want []string
		// kept is how many messages must still be stored.
		kept int
	}{
		{
			name: "malformed JSON",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, inc, "2026-11-21.json"), `[{"type": "message", "ts": "1795251600.000850", "text": "cut off`)
			},
			want: []string{"file inc-2026-11-20-checkout-5xx/2026-11-21.json: malformed JSON"},
			kept: 25 - 4,
		},
		{
			name: "not an array",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "incidents", "2026-11-19.json"), `{"type": "message", "ts": "1795096800.000100"}`)
			},
			want: []string{"file incidents/2026-11-19.json: not a JSON array of objects"},
			kept: 25 - 3,
		},
		{
			name: "wrong types",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "incidents", "2026-11-19.json"), `[
					{"type": "message", "ts": 1795096800.0001, "text": "numeric ts"},
					{"type": "message", "ts": "1795097100.000200", "text": {"oops": 1}},
					"just a string",
					{"type": "message", "ts": "1795100400.000300", "user": "U0BOB", "text": "fine"}
				]`)
			},
			want: []string{
				"message incidents/2026-11-19.json: 1 message skipped: not a JSON object",
				"message incidents/2026-11-19.json: 1 message skipped: text is not a string",
				"message incidents/2026-11-19.json: 1 message skipped: ts is missing or not a Slack timestamp string",
			},
			kept: 25 - 3 + 1,
		},
		{
			name: "missing channels.json",
			damage: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "channels.json"))
			},
			want: []string{
				"file channels.json: missing from the export",
				"channel dispatch-acme-platform-42/: folder of 1 files for a channel that is not in channels.json or groups.json",
				"channel general/",
				"channel inc-2026-11-20-checkout-5xx/",
				"channel incidents/",
			},
			kept: 1, // the private channel from groups.json
		},
		{
			name: "unknown channel folder",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "inc-ghost", "2026-11-20.json"), `[{"type": "message", "ts": "1795186800.000100", "text": "boo"}]`)
			},
			want: []string{"channel inc-ghost/: folder of 1 files for a channel that is not in channels.json or groups.json"},
			kept: 25,
		},
		{
			name: "not a day file",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, inc, "notes.txt"), "hello")
			},
			want: []string{"file inc-2026-11-20-checkout-5xx/notes.txt: not a day file"},
			kept: 25,
		},
		{
			// Regression: DuckDB's error quoted the bad byte, and storing that
			// message in ingest_skips failed the whole run.
			name: "invalid UTF-8",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "incidents", "2026-11-19.json"), "\xc1")
			},
			want: []string{"file incidents/2026-11-19.json:"},
			kept: 25 - 3,
		},
		{
			name: "malformed users.json",
			damage: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "users.json"), `[{"id": "U1",]`)
			},
			want: []string{"file users.json: malformed JSON"},
			kept: 25,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t)
			tc.damage(t, dir)
			db := warehousetest.Open(t)
			res, err := ingestPath(t, db, dir, defaultSelection(t))
			if !errors.Is(err, ErrPartial) {
				t.Fatalf("IngestExport() = %v; want ErrPartial", err)
			}
			got := skipsOf(res)
			if len(got) != len(tc.want) {
				t.Fatalf("skips = %q; want %d like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("skip %d = %q; want it to contain %q", i, got[i], w)
				}
			}
			if n := warehouse.Rows(t, db.DB, `SELECT count(*) FROM messages`)[0]; n != fmt.Sprint(tc.kept) {
				t.Errorf("%s messages stored; want %d", n, tc.kept)
			}
			recorded := warehouse.Rows(t, db.DB, `SELECT kind || ' ' || item || ': ' || reason FROM ingest_skips WHERE run_id = ? ORDER BY rowid`, res.RunID)
			if diff := cmp.Diff(got, recorded); diff != "" {
				t.Errorf("ingest_skips differs from the run's skips (-run +table):\n%s", diff)
			}
			status := warehouse.Rows(t, db.DB, `SELECT status FROM ingest_runs WHERE run_id = ?`, res.RunID)
			if status[0] != "partial" {
				t.Errorf("ingest_runs.status = %s; want partial", status[0])
			}
		})
	}
}

func TestIngestExportNotAnExport(t *testing.T) {
	empty := t.TempDir()
	text := filepath.Join(t.TempDir(), "notes.txt")
	writeFile(t, text, "not a zip")
	noIndex := t.TempDir()
	writeFile(t, filepath.Join(noIndex, "random", "2026-11-20.json"), "[]")
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(t.TempDir(), "nope.zip"), "no such file"},
		{"empty folder", empty, "is empty; expected channels.json"},
		{"text file", text, "neither a directory nor a ZIP file"},
		{"no index files", noIndex, "has no channels.json, groups.json or users.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := warehousetest.Open(t)
			_, err := ingestPath(t, db, tc.path, defaultSelection(t))
			if !errors.Is(err, ErrNotExport) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("IngestExport(%s) = %v; want ErrNotExport saying %q", tc.name, err, tc.want)
			}
			if n := warehouse.Rows(t, db.DB, `SELECT count(*) FROM ingest_runs`)[0]; n != "0" {
				t.Errorf("a path that is not an export recorded %s ingest runs", n)
			}
		})
	}
}

// zipDir packs dir into a ZIP file, extra entries appended after.
func zipDir(t *testing.T, dir string, extra map[string]string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range extra {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return out
}

func TestIngestExportZipEqualsDirectory(t *testing.T) {
	fromDir := warehousetest.Open(t)
	if _, err := ingestPath(t, fromDir, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	fromZip := warehousetest.Open(t)
	if _, err := ingestPath(t, fromZip, zipDir(t, fixture, nil), defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	// Checksums cover every column; source paths differ only in ingest_runs.
	if diff := cmp.Diff(checksums(t, fromDir.DB), checksums(t, fromZip.DB)); diff != "" {
		t.Errorf("ZIP and directory ingests differ (-dir +zip):\n%s", diff)
	}
}

func TestIngestExportRejectsUnsafeZipEntries(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "evil.json")
	zipPath := zipDir(t, fixture, map[string]string{
		"../evil.json":  "[]",
		outside:         "[]",
		`C:\\evil.json`: "[]",
	})
	db := warehousetest.Open(t)
	res, err := ingestPath(t, db, zipPath, defaultSelection(t))
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("IngestExport() = %v; want ErrPartial", err)
	}
	got := strings.Join(skipsOf(res), "\n")
	for _, want := range []string{"entry ../evil.json: unsafe ZIP entry name", "entry " + outside + ": unsafe ZIP entry name", `entry C:\\evil.json: unsafe ZIP entry name`} {
		if !strings.Contains(got, want) {
			t.Errorf("skips = %s; want %q", got, want)
		}
	}
	if _, err := os.Stat(outside); err == nil {
		t.Errorf("%s was written outside the extraction folder", outside)
	}
	if n := warehouse.Rows(t, db.DB, `SELECT count(*) FROM messages`)[0]; n != "25" {
		t.Errorf("%s messages stored; want all 25 from the safe entries", n)
	}
}

func TestIngestExportTruncatedZip(t *testing.T) {
	zipPath := zipDir(t, fixture, nil)
	b, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	// Cut inside the last entries: the central directory is gone.
	cut := len(b) * 3 / 4
	if err := os.WriteFile(zipPath, b[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	db := warehousetest.Open(t)
	res, err := ingestPath(t, db, zipPath, defaultSelection(t))
	if !errors.Is(err, ErrPartial) {
		t.Fatalf("IngestExport() = %v; want ErrPartial", err)
	}
	got := strings.Join(skipsOf(res), "\n")
	if !strings.Contains(got, "export export.zip: truncated or damaged ZIP (no readable central directory)") {
		t.Errorf("skips = %s; want the truncation named", got)
	}
	// Everything complete before the cut is stored.
	if res.Counts.MessagesNew == 0 {
		t.Errorf("recovered %d messages; want the complete entries before the cut stored", res.Counts.MessagesNew)
	}
}

func FuzzSafeEntryName(f *testing.F) {
	for _, s := range []string{"channels.json", "../x", "/etc/passwd", "a/../../b", `a\b`, "C:x", "inc-1/2026-01-01.json"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		clean, err := safeEntryName(name)
		if err != nil {
			return
		}
		joined := filepath.Join("/base", filepath.FromSlash(clean))
		if !strings.HasPrefix(joined, "/base/") && joined != "/base" {
			t.Fatalf("safeEntryName(%q) = %q escapes the base folder: %s", name, clean, joined)
		}
	})
}

// A thousand bad files must not mean a thousand log lines: the first few of
// each kind are logged, then one line counts the rest (all are recorded).
func TestSkipLoggingIsBounded(t *testing.T) {
	dir := copyFixture(t)
	for i := range 25 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("ghost-%02d", i), "2026-11-20.json"), "[]")
	}
	var logs strings.Builder
	db := warehousetest.Open(t)
	res, err := IngestExport(context.Background(), db, ExportOptions{
		Path: dir, Selection: defaultSelection(t), BatchBytes: 1 << 20, TempDir: t.TempDir(),
		Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if !errors.Is(err, ErrPartial) || len(res.Skips) != 25 {
		t.Fatalf("IngestExport() = %v with %d skips; want partial with 25", err, len(res.Skips))
	}
	if n := strings.Count(logs.String(), "msg=\"skipped channel\""); n != loggedSkips {
		t.Errorf("logged %d skipped channels one by one; want %d", n, loggedSkips)
	}
	if !strings.Contains(logs.String(), "skipped 15 more channels; every skip is in ingest_skips") {
		t.Errorf("no summary line for the rest in:\n%s", logs.String())
	}
	if n := warehouse.Rows(t, db.DB, `SELECT count(*) FROM ingest_skips`)[0]; n != "25" {
		t.Errorf("ingest_skips has %s rows; want all 25", n)
	}
}

// SIGTERM cancels the context: the batch being written is rolled back, the
// ones before it stay, and the run is recorded as interrupted.
func TestIngestExportCancelled(t *testing.T) {
	db := warehousetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	res, err := IngestExport(ctx, db, ExportOptions{
		Path: fixture, Selection: defaultSelection(t), BatchBytes: 1, TempDir: t.TempDir(),
		// Each batch asks the time once; cancel while the third is written.
		Now: func() time.Time {
			if calls++; calls == 5 {
				cancel()
			}
			return testNow
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("IngestExport() = %v; want context.Canceled", err)
	}
	got := warehouse.Rows(t, db.DB, `SELECT status, finished_at IS NOT NULL FROM ingest_runs WHERE run_id = ?`, res.RunID)
	if diff := cmp.Diff([]string{"interrupted | true"}, got); diff != "" {
		t.Errorf("ingest_runs (-want +got):\n%s", diff)
	}
	// Channels are all or nothing.
	for _, row := range warehouse.Rows(t, db.DB, `SELECT s.channel_id, count(m.ts) FROM channel_state s LEFT JOIN messages m USING (channel_id) GROUP BY ALL`) {
		if strings.HasSuffix(row, " | 0") {
			t.Errorf("channel_state says %s was stored but it has no messages", row)
		}
	}
	// A rerun completes the data.
	if _, err := ingestPath(t, db, fixture, defaultSelection(t)); err != nil {
		t.Fatal(err)
	}
	if n := warehouse.Rows(t, db.DB, `SELECT count(*) FROM messages`)[0]; n != "25" {
		t.Errorf("after the rerun %s messages; want 25", n)
	}
}

// An export's messages load with DuckDB's memory capped (the peak RSS of a
// 1M-message first load was over 1 GiB and grew with the export,
// docs/benchmarks.md), and the writer's own limit is back afterwards; a
// limit already below the cap is never raised.
func TestExportCapsMemoryAndRestoresIt(t *testing.T) {
	for _, tc := range []struct{ configured, during string }{
		{"1GB", "384.0 MiB"},
		{"256MB", "244.1 MiB"},
	} {
		t.Run(tc.configured, func(t *testing.T) {
			ctx := context.Background()
			db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{Migrations: migrations.FS, MemoryLimit: tc.configured})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			limit := func() string {
				var s string
				if err := db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&s); err != nil {
					t.Fatal(err)
				}
				return s
			}
			before := limit()
			var during []string
			_, err = IngestExport(ctx, db, ExportOptions{
				Path: fixture, Selection: defaultSelection(t), BatchBytes: 1 << 20, TempDir: t.TempDir(),
				Now: func() time.Time { return testNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
				Progress:    func(done, total int64) { during = append(during, limit()) },
				MemoryLimit: tc.configured,
			})
			if err != nil && !errors.Is(err, ErrPartial) {
				t.Fatal(err)
			}
			if len(during) == 0 || during[0] != tc.during {
				t.Errorf("memory_limit while messages load = %q; want %q", during, tc.during)
			}
			if after := limit(); after != before {
				t.Errorf("memory_limit after the ingest = %q; want the writer's %q back", after, before)
			}
		})
	}
}
