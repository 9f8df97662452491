package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func testDeps(tty bool) (*deps, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &deps{
		stdin:      strings.NewReader(""),
		stdout:     &out,
		stderr:     &errb,
		getenv:     func(string) string { return "" },
		now:        time.Now,
		httpClient: &http.Client{},
		stdoutTTY:  tty,
		stderrTTY:  tty,
	}, &out, &errb
}

// On a terminal the human summary is printed once; the info log records
// that repeat it are not.
func TestTerminalLogsDoNotRepeatSummary(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.duckdb")
	d, _, stderr := testDeps(true)
	if code := mainDeps(d, []string{"--db", db, "ingest", "export", mustAbs("../../ingest/testdata/export")}); code != 0 {
		t.Fatalf("ingest exited %d: %s", code, stderr)
	}
	// ingest export and transform show progress on a terminal.
	if !regexp.MustCompile(`export +\d+% .*\(.*kB\) \[\d+s:(\d+s|\?)\]`).MatchString(stderr.String()) {
		t.Errorf("ingest export on a terminal shows no progress bar with an ETA:\n%q", stderr)
	}
	d, _, stderr = testDeps(true)
	if code := mainDeps(d, []string{"--db", db, "transform"}); code != 0 {
		t.Fatalf("transform exited %d: %s", code, stderr)
	}
	got := stderr.String()
	if !regexp.MustCompile(`transform: messages +\d+% .*\(\d+/25\) \[\d+s:(\d+s|\?)\]`).MatchString(got) {
		t.Errorf("transform on a terminal shows no progress bar:\n%q", got)
	}
	for _, want := range []string{"transform run 1: ", "snapshot published: "} {
		if strings.Count(got, want) != 1 {
			t.Errorf("stderr on a terminal has %q %d times; want once:\n%s", want, strings.Count(got, want), got)
		}
	}
	if strings.Contains(got, "level=INFO") || strings.Contains(got, "transform done") {
		t.Errorf("stderr on a terminal repeats the summary as log records:\n%s", got)
	}
}

// JSON log durations are numbers with their unit in the key.
func TestJSONLogDurationsCarryUnits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.duckdb")
	d, _, stderr := testDeps(false)
	if code := mainDeps(d, []string{"--db", db, "--log-format", "json", "ingest", "export", mustAbs("../../ingest/testdata/export")}); code != 0 {
		t.Fatalf("ingest exited %d: %s", code, stderr)
	}
	d, _, stderr = testDeps(false)
	if code := mainDeps(d, []string{"--db", db, "--log-format", "json", "transform"}); code != 0 {
		t.Fatalf("transform exited %d: %s", code, stderr)
	}
	seen := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if _, bad := rec["elapsed"]; bad {
			t.Errorf("log record has a unitless elapsed: %s", line)
		}
		if v, ok := rec["elapsed_ms"]; ok {
			if _, isNum := v.(float64); !isNum {
				t.Errorf("elapsed_ms = %v (%T); want a number", v, v)
			}
			seen++
		}
	}
	if seen < 2 {
		t.Errorf("saw elapsed_ms in %d records; want transform's and the publish's:\n%s", seen, stderr)
	}
}
