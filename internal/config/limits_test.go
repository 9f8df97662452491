package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Regression (issue 7, defect 12): an invalid regular expression printed
// its reason as "<nil>", because regexp's *syntax.Error wraps nothing.
func TestInvalidRegexNamesReason(t *testing.T) {
	for _, tc := range []struct{ yaml, key string }{
		{"channels:\n  patterns: ['inc-(']\n", "channels.patterns[0]"},
		{"recognisers:\n  - name: human-declares\n    pattern: 'a[z-a]'\n", ".pattern"},
		{"recognisers:\n  - name: human-declares\n    unless: '(?P<'\n", ".unless"},
		{"recognisers:\n  - name: human-declares\n    requires: '(unclosed'\n", ".requires"},
		{"recognisers:\n  - name: human-declares\n    unless_sentence: '[z-a]'\n", ".unless_sentence"},
	} {
		_, err := Parse("my.yaml", []byte(tc.yaml))
		if err == nil {
			t.Fatalf("Parse(%q) succeeded; want an error", tc.yaml)
		}
		msg := err.Error()
		if strings.Contains(msg, "<nil>") || !strings.Contains(msg, "missing") && !strings.Contains(msg, "invalid") || !strings.Contains(msg, tc.key) {
			t.Errorf("Parse(%q) error = %q; want the key %s and regexp's reason, never <nil>", tc.yaml, msg, tc.key)
		}
	}
	_, err := Parse("my.yaml", []byte("channels:\n  patterns: ['inc-(']\n"))
	if want := "missing closing )"; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q; want regexp's reason %q", err, want)
	}
}

// Regression (issue 7, defect 10): 100 MB of YAML, or --config /dev/zero,
// was read whole into memory. Load stops at MaxFileBytes and names the file
// and the limit.
func TestLoadBoundsTheFile(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte("# " + strings.Repeat("x", 1021) + "\n")
	for range (MaxFileBytes / len(line)) + 2 {
		f.Write(line)
	}
	f.Close()
	for _, path := range []string{big, "/dev/zero"} {
		_, err := Load(path)
		if err == nil {
			t.Fatalf("Load(%s) succeeded; want an error", path)
		}
		if !IsConfigError(err) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "1 MiB") {
			t.Errorf("Load(%s) error = %v; want a configuration error naming the file and the 1 MiB limit", path, err)
		}
	}
}

func TestQueryLimits(t *testing.T) {
	cfg, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Query.Timeout.D() != 60*time.Second || cfg.Query.MemoryLimit != "2GB" || cfg.Query.Threads != 2 || cfg.Query.MaxSQLMB != 16 {
		t.Errorf("query defaults = %+v; want 60s, 2GB, 2 threads, 16 MiB", cfg.Query)
	}
	_, err = Parse("my.yaml", []byte("query:\n  timeout: -1s\n  memory_limit: lots\n  threads: 0\n  max_sql_mb: 0\n"))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse(bad query limits) error = %v; want Errors", err)
	}
	for _, key := range []string{"query.timeout", "query.memory_limit", "query.threads", "query.max_sql_mb"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("Parse(bad query limits) error = %q; want it to name %s", err, key)
		}
	}
}
