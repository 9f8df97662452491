package bench

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writer returns a function writing a file of an export in src.
func writer(t *testing.T, src string) func(rel, body string) {
	return func(rel, body string) {
		t.Helper()
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readChannels reads the messages of every channel folder of an export.
func readChannels(t *testing.T, dir string) map[string][]map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	out := map[string][]map[string]any{}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var msgs []map[string]any
		if err := json.Unmarshal(b, &msgs); err != nil {
			t.Fatal(err)
		}
		ch := filepath.Base(filepath.Dir(f))
		out[ch] = append(out[ch], msgs...)
	}
	return out
}

// Reshaping keeps every message (ts unique within each channel) and only
// changes where messages live and what they carry.
func TestReshape(t *testing.T) {
	src := filepath.Join(t.TempDir(), "export")
	write := writer(t, src)
	write("users.json", `[{"id":"U1"}]`)
	write("channels.json", `[]`)
	write("groups.json", `[]`)
	// Folders 0 and 8 land in the same merged channel, with a ts clash.
	for i := range 9 {
		write(filepath.Join(string(rune('a'+i))+"-chan", "2026-11-20.json"),
			`[{"type":"message","ts":"1795186800.000100","text":"hi"},{"type":"message","ts":"1795186801.000000","text":"x","blocks":[]}]`)
	}
	for _, shape := range []string{"few-channels", "blocks"} {
		dst := filepath.Join(t.TempDir(), shape)
		if err := Reshape(src, dst, shape); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dst, "groups.json")); (err == nil) != (shape == "blocks") {
			t.Errorf("%s: groups.json copied = %v; want it copied only when channels are kept", shape, err == nil)
		}
		files, _ := filepath.Glob(filepath.Join(dst, "*", "*.json"))
		n, blocks := 0, 0
		for _, f := range files {
			b, _ := os.ReadFile(f)
			var msgs []map[string]any
			if err := json.Unmarshal(b, &msgs); err != nil {
				t.Fatal(err)
			}
			seen := map[any]bool{}
			for _, m := range msgs {
				if seen[m["ts"]] {
					t.Errorf("%s %s: ts %v twice", shape, f, m["ts"])
				}
				seen[m["ts"]] = true
				if bl, ok := m["blocks"].([]any); ok && len(bl) > 0 {
					blocks++
				}
			}
			n += len(msgs)
		}
		if n != 18 {
			t.Errorf("%s: %d messages; want 18", shape, n)
		}
		wantFiles, wantBlocks := 9, 9
		if shape == "few-channels" {
			wantFiles, wantBlocks = 8, 0
		}
		if len(files) != wantFiles || blocks != wantBlocks {
			t.Errorf("%s: %d day files, %d messages with blocks; want %d, %d", shape, len(files), blocks, wantFiles, wantBlocks)
		}
	}
	if err := Reshape(src, filepath.Join(t.TempDir(), "x"), "round"); err == nil {
		t.Error("Reshape with an unknown shape succeeded")
	}
}

func TestReshapeLongThreads(t *testing.T) {
	src := filepath.Join(t.TempDir(), "export")
	write := writer(t, src)
	// 1795132800 is Friday 2026-11-20 00:00 UTC, in epoch week 2968; the
	// next week starts 2026-11-26. The parent of the 11-20 thread is
	// answered on 11-27, the next week.
	write("users.json", `[{"id":"U1"}]`)
	write("channels.json", `[{"id":"C1","name":"inc-a","members":["U1"]}]`)
	write("inc-a/2026-11-20.json", `[{"type":"message","ts":"1795132800.000100","user":"U1","text":"down","thread_ts":"1795132800.000100","reply_count":1,"latest_reply":"1795737600.000000"},`+
		`{"type":"message","subtype":"channel_join","ts":"1795132801.000000","user":"U2","text":"joined"},`+
		`{"type":"message","ts":"1795132900.000000","user":"U2","text":"looking"}]`)
	write("inc-a/2026-11-27.json", `[{"type":"message","ts":"1795737600.000000","user":"U3","text":"fixed","thread_ts":"1795132800.000100","parent_user_id":"U1"},`+
		`{"type":"message","ts":"1795737700.000000","user":"U3","text":"next week"},`+
		`{"type":"message","subtype":"bot_message","ts":"1795737800.000000","bot_id":"B1","text":"alert"}]`)

	long := filepath.Join(t.TempDir(), "long")
	if err := Reshape(src, long, "long-threads"); err != nil {
		t.Fatal(err)
	}
	got := readChannels(t, long)
	byTS := map[any]map[string]any{}
	for _, m := range got["inc-a"] {
		byTS[m["ts"]] = m
	}
	if len(byTS) != 6 {
		t.Fatalf("long-threads: %d messages; want 6", len(byTS))
	}
	want := map[string]string{ // ts → thread_ts ("" for none)
		"1795132800.000100": "1795132800.000100", // week 2968's parent
		"1795132801.000000": "",                  // a join stays out of threads
		"1795132900.000000": "1795132800.000100",
		"1795737600.000000": "1795737600.000000", // week 2969's parent, no longer a reply
		"1795737700.000000": "1795737600.000000",
		"1795737800.000000": "1795737600.000000", // a bot's post is threaded too
	}
	for ts, thread := range want {
		m := byTS[ts]
		if got, _ := m["thread_ts"].(string); got != thread {
			t.Errorf("long-threads: %s thread_ts = %q; want %q", ts, got, thread)
		}
	}
	if p := byTS["1795737600.000000"]; p["reply_count"] != 2.0 || p["latest_reply"] != "1795737800.000000" || p["parent_user_id"] != nil {
		t.Errorf("long-threads: week 2969's parent = %v; want reply_count 2, latest_reply 1795737800.000000, no parent_user_id", p)
	}
	if r := byTS["1795132900.000000"]; r["parent_user_id"] != "U1" {
		t.Errorf("long-threads: reply's parent_user_id = %v; want U1", r["parent_user_id"])
	}
}

func counts(m map[string][]map[string]any) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[k] = len(v)
	}
	return out
}

func TestReshapeManyChannels(t *testing.T) {
	src := filepath.Join(t.TempDir(), "export")
	write := writer(t, src)
	write("users.json", `[{"id":"U1"}]`)
	write("channels.json", `[{"id":"C1","name":"inc-a","members":["U1"]},{"id":"C2","name":"gone"}]`)
	// 250 messages on 2026-11-20 (from 1795132800); the 100th starts a
	// thread whose 5 replies come on 2026-11-21, so the first part must
	// hold 105 messages to keep the thread whole.
	var day1, day2 []string
	parent := fmt.Sprintf("%d.000000", 1795132800+99)
	for i := range 250 {
		m := fmt.Sprintf(`{"type":"message","user":"U1","text":"m%d","ts":"%d.000000"}`, i, 1795132800+i)
		if i == 99 {
			m = fmt.Sprintf(`{"type":"message","user":"U1","text":"m%d","ts":"%s","thread_ts":"%s","reply_count":5}`, i, parent, parent)
		}
		day1 = append(day1, m)
	}
	for j := range 5 {
		day2 = append(day2, fmt.Sprintf(`{"type":"message","user":"U1","text":"r%d","ts":"%d.000000","thread_ts":"%s","parent_user_id":"U1"}`, j, 1795219200+j, parent))
	}
	write("inc-a/2026-11-20.json", "["+strings.Join(day1, ",")+"]")
	write("inc-a/2026-11-21.json", "["+strings.Join(day2, ",")+"]")

	dst := filepath.Join(t.TempDir(), "many")
	if err := Reshape(src, dst, "many-channels"); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	replies := map[string]int{}
	for ch, msgs := range readChannels(t, dst) {
		got[ch] = len(msgs)
		for _, m := range msgs {
			if m["parent_user_id"] != nil {
				replies[ch]++
			}
		}
	}
	want := map[string]int{"inc-a-p1": 105, "inc-a-p2": 100, "inc-a-p3": 50}
	if !maps.Equal(got, want) {
		t.Errorf("many-channels: messages per channel %v; want %v", got, want)
	}
	if replies["inc-a-p1"] != 5 {
		t.Errorf("many-channels: replies per channel %v; want all 5 in inc-a-p1, with their parent", replies)
	}
	b, _ := os.ReadFile(filepath.Join(dst, "channels.json"))
	var chans []map[string]any
	json.Unmarshal(b, &chans)
	if len(chans) != 3 || chans[0]["id"] != "C1P1" || chans[0]["name"] != "inc-a-p1" || chans[2]["id"] != "C1P3" || chans[0]["members"] == nil {
		t.Errorf("many-channels: channels.json = %v; want inc-a-p1..3 (C1P1..3) as copies of inc-a", chans)
	}
	if names, err := PartChannels(dst, "inc-a"); err != nil || !slices.Equal(names, []string{"inc-a-p1", "inc-a-p2", "inc-a-p3"}) {
		t.Errorf("PartChannels(inc-a) = %v, %v", names, err)
	}
	if names, _ := PartChannels(dst, "inc"); len(names) != 0 {
		t.Errorf("PartChannels(inc) = %v; want none (inc-a's parts are not inc's)", names)
	}
}
