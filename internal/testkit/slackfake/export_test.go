package slackfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadExport(t *testing.T) {
	ws := loadTestExport(t)

	var got []string
	for _, ch := range ws.Channels() {
		got = append(got, ch.ID+" "+ch.Name)
	}
	want := []string{
		"C01INC1234 inc-1234-checkout-5xx", "C02INCIDENTS incidents", "C03GENERAL general",
		"C04RANDOM random", "C05PRIVATE inc-9-private", "G01SECRET inc-sec-42",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Channels() mismatch (-want +got):\n%s", diff)
	}
	if ch, _ := ws.Channel(secChan); !ch.Private {
		t.Errorf("Channel(%s).Private = false; want true (groups.json)", secChan)
	}
	if ch, _ := ws.Channel(incChan); !ch.Archived || ch.Topic != "Status: Stable | Severity: SEV2" || len(ch.Members) != 3 {
		t.Errorf("Channel(%s) = %+v; want archived, topic, 3 members", incChan, ch)
	}
	if got := ws.Team().ID; got != "T0TESTTEAM" {
		t.Errorf("Team().ID = %q; want the users.json team_id T0TESTTEAM", got)
	}
	if got := len(ws.Users()); got != 4 {
		t.Errorf("len(Users()) = %d; want 4", got)
	}
	for ch, n := range map[string]int{incChan: 12, incsChan: 18, genChan: 2, secChan: 3, privChan: 1, "C04RANDOM": 0} {
		if got := len(ws.Messages(ch)); got != n {
			t.Errorf("len(Messages(%s)) = %d; want %d", ch, got, n)
		}
	}
	// Messages come back in ts order whatever their day file.
	for _, ch := range ws.Channels() {
		ts := tsOf(t, ws.Messages(ch.ID))
		if !slices.IsSorted(ts) {
			t.Errorf("Messages(%s) not in ts order: %v", ch.ID, ts)
		}
	}
}

// Every message is served as the compacted bytes of the export, escapes
// included, except parents whose reply metadata was missing.
func TestLoadExportKeepsBytes(t *testing.T) {
	ws := loadTestExport(t)
	patched := map[string]bool{"1795165200.000000": true, "1795167000.000000": true} // incidents' B1 and B2
	for _, ch := range ws.Channels() {
		files, _ := filepath.Glob(filepath.Join("testdata/export", ch.Name, "*.json"))
		for _, file := range files {
			items, err := readArray(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range items {
				var want bytes.Buffer
				if err := json.Compact(&want, item); err != nil {
					t.Fatal(err)
				}
				ts := info(t, item).TS
				got, ok := ws.Message(ch.ID, ts)
				if !ok {
					t.Fatalf("Message(%s, %s) missing", ch.ID, ts)
				}
				if patched[ts] {
					continue
				}
				if !bytes.Equal(got, want.Bytes()) {
					t.Errorf("Message(%s, %s) =\n%s\nwant the export's bytes\n%s", ch.ID, ts, got, want.Bytes())
				}
			}
		}
	}
	raw, _ := ws.Message(incChan, "1795132560.000000")
	if !bytes.Contains(raw, []byte(`https:\/\/grafana.acme.io`)) || !bytes.Contains(raw, []byte(`&gt; 2%`)) || !bytes.Contains(raw, []byte(`<@U02BOB> & <!channel>`)) {
		t.Errorf("escapes not kept verbatim: %s", raw)
	}
}

func TestLoadExportComputesReplyMetadata(t *testing.T) {
	ws := loadTestExport(t)
	tests := []struct {
		channel, ts string
		count       int
		users       []string
		latest      string
	}{
		{incsChan, "1795165200.000000", 4, []string{"U02BOB", "U04PDBOT", "U01ALICE"}, "1795255500.000000"},
		{incsChan, "1795167000.000000", 1, []string{"U01ALICE"}, "1795167060.000000"},
		// Kept from the export (unchanged bytes).
		{incChan, "1795132260.000000", 3, []string{"U02BOB", "U01ALICE"}, "1795133400.000000"},
	}
	for _, tt := range tests {
		raw, _ := ws.Message(tt.channel, tt.ts)
		m := info(t, raw)
		if m.ThreadTS != tt.ts || m.ReplyCount == nil || *m.ReplyCount != tt.count || m.LatestReply != tt.latest || !slices.Equal(m.ReplyUsers, tt.users) {
			t.Errorf("Message(%s, %s) = %s; want thread_ts %s, reply_count %d, reply_users %v, latest_reply %s",
				tt.channel, tt.ts, raw, tt.ts, tt.count, tt.users, tt.latest)
		}
	}
	// The patch keeps the other members in their place.
	raw, _ := ws.Message(incsChan, "1795167000.000000")
	want := `{"type":"message","user":"U03CAROL","text":"second thread, parent without thread_ts in the export","ts":"1795167000.000000","thread_ts":"1795167000.000000","reply_count":1,"reply_users_count":1,"latest_reply":"1795167060.000000","reply_users":["U01ALICE"]}`
	if string(raw) != want {
		t.Errorf("patched parent =\n%s\nwant\n%s", raw, want)
	}
}

func TestLoadExportErrors(t *testing.T) {
	t.Run("no channels.json", func(t *testing.T) {
		if _, err := LoadExport(t.TempDir()); err == nil {
			t.Error("LoadExport(empty dir) = nil error; want one")
		}
	})
	t.Run("message without ts", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "channels.json"), `[{"id":"C1","name":"c"}]`)
		write(t, filepath.Join(dir, "c", "2026-01-01.json"), `[{"type":"message","text":"x"}]`)
		if _, err := LoadExport(dir); !errors.Is(err, ErrInvalid) {
			t.Errorf("LoadExport(no ts) = %v; want ErrInvalid", err)
		}
	})
	t.Run("folder named by ID", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "channels.json"), `[{"id":"C1","name":"c"}]`)
		write(t, filepath.Join(dir, "C1", "2026-01-01.json"), `[{"type":"message","text":"x","ts":"1.000001"}]`)
		ws, err := LoadExport(dir)
		if err != nil || len(ws.Messages("C1")) != 1 {
			t.Errorf("LoadExport(ID folder) = %v, %d messages; want 1", err, len(ws.Messages("C1")))
		}
	})
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseTS(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1700000000.000100", 1700000000000100, true},
		{"1700000000", 1700000000000000, true},
		{"1700000000.5", 1700000000500000, true},
		{"0", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.1234567", 0, false},
		{"abc", 0, false},
		{"1.2.3", 0, false},
	}
	for _, tt := range tests {
		got, err := parseTS(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTS(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
