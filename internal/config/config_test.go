package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultIsValid(t *testing.T) {
	cfg, err := Default()
	if err != nil {
		t.Fatalf("Default() = %v", err)
	}
	if cfg.Source != DefaultsName {
		t.Errorf("Source = %q; want %q", cfg.Source, DefaultsName)
	}
	if got := len(cfg.Channels.Compiled()); got != len(cfg.Channels.Patterns) || got == 0 {
		t.Errorf("compiled %d patterns of %d", got, len(cfg.Channels.Patterns))
	}
	if cfg.Slack.Lookback.D() != 7*24*time.Hour {
		t.Errorf("slack.lookback = %v; want 7d", cfg.Slack.Lookback)
	}
	if !strings.HasSuffix(cfg.Slack.APIURL, "/") {
		t.Errorf("slack.api_url = %q; want a trailing slash", cfg.Slack.APIURL)
	}
}

func TestParseMergesOverDefaults(t *testing.T) {
	cfg, err := Parse("my.yaml", []byte(`
channels:
  shared: [incidents, ops-incidents]
slack:
  rate_per_minute:
    conversations.history: 1
  lookback: 36h
`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"incidents", "ops-incidents"}, cfg.Channels.Shared); diff != "" {
		t.Errorf("channels.shared (-want +got):\n%s", diff)
	}
	def, _ := Default()
	if diff := cmp.Diff(def.Channels.Patterns, cfg.Channels.Patterns); diff != "" {
		t.Errorf("channels.patterns should keep the defaults (-want +got):\n%s", diff)
	}
	if got := cfg.Slack.RatePerMinute["conversations.history"]; got != 1 {
		t.Errorf("rate_per_minute[conversations.history] = %d; want 1", got)
	}
	if got := cfg.Slack.RatePerMinute["users.list"]; got != 20 {
		t.Errorf("rate_per_minute[users.list] = %d; want the default 20", got)
	}
	if cfg.Slack.Lookback.D() != 36*time.Hour {
		t.Errorf("lookback = %v; want 36h", cfg.Slack.Lookback)
	}
	if cfg.Source != "my.yaml" {
		t.Errorf("Source = %q", cfg.Source)
	}
}

func TestParseErrorsNameFileLineAndKey(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "channels:\n  paterns: ['^x']\n", []string{`my.yaml:2: channels.paterns: unknown key (did you mean "patterns"?)`}},
		{"unknown top key", "timezone: UTC\nsalck: {}\n", []string{"my.yaml:2: salck: unknown key"}},
		{"bad regex", "channels:\n  patterns:\n    - '^inc-'\n    - '(unclosed'\n", []string{"my.yaml:4: channels.patterns[1]: invalid regular expression"}},
		{"bad type", "export:\n  batch_mb: lots\n", []string{`my.yaml:2: export.batch_mb: must be a whole number, not "lots"`}},
		{"bad bool", "slack:\n  join: sometimes\n", []string{`my.yaml:2: slack.join: must be true or false, not "sometimes"`}},
		{"bad list", "channels:\n  patterns: '^inc-'\n", []string{`my.yaml:2: channels.patterns: must be a list, not "^inc-"`}},
		{"bad duration", "slack:\n  lookback: a week\n", []string{`my.yaml:2: slack.lookback: "a week" is not a duration`}},
		{"bad zone", "timezone: Mars/Olympus\n", []string{"my.yaml:1: timezone: unknown time zone"}},
		{"bad url", "slack:\n  api_url: slack.com\n", []string{"my.yaml:2: slack.api_url:"}},
		{"bad method", "slack:\n  rate_per_minute:\n    chat.postMessage: 5\n", []string{"my.yaml:3: slack.rate_per_minute.chat.postMessage: unknown method"}},
		{"bad yaml", "channels: [\n", []string{"my.yaml:", "not valid YAML"}},
		{"not a mapping", "- a\n- b\n", []string{"my.yaml:1:", "must be a mapping"}},
		{"hash name", "channels:\n  shared: ['#incidents']\n", []string{"my.yaml:2: channels.shared[0]:", "without #"}},
		{"selects nothing", "channels:\n  patterns: []\n  shared: []\n", []string{"channels: selects no channels"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("my.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded; want an error", tc.yaml)
			}
			if !IsConfigError(err) {
				t.Errorf("IsConfigError(%v) = false", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse(%q) error = %q; want it to contain %q", tc.yaml, err, w)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) || e.File != path {
		t.Fatalf("Load(%q) = %v; want a config error naming the file", path, err)
	}
}

func TestYAMLRoundTrips(t *testing.T) {
	cfg, err := Parse("my.yaml", []byte("slack:\n  lookback: 3d\nchannels:\n  include: [war-room]\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "effective.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatalf("Load(config show output) = %v\n%s", err, out)
	}
	if diff := cmp.Diff(cfg.Slack, again.Slack); diff != "" {
		t.Errorf("slack differs after round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(cfg.Channels.Include, again.Channels.Include); diff != "" {
		t.Errorf("channels.include differs after round trip (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("channels:\n  patterns: ['^inc-']\n"))
	f.Add([]byte("slack:\n  lookback: 7d\n  rate_per_minute: {users.list: 3}\n"))
	f.Add([]byte("- 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err == nil && cfg == nil {
			t.Fatal("Parse returned neither config nor error")
		}
		if err != nil && !IsConfigError(err) {
			t.Fatalf("Parse error %v is not a config error", err)
		}
	})
}

// One bad duration does not hide the other problems: all are reported at
// once, each with its key, sorted by line.
func TestParseReportsAllProblemsSortedByLine(t *testing.T) {
	yaml := `timezone: Mars/Olympus
slack:
  lookback: a week
  max_retries: many
  join: maybe
export:
  batch_mb: lots
channels:
  paterns: []
`
	_, err := Parse("my.yaml", []byte(yaml))
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	want := []string{
		`my.yaml:1: timezone: unknown time zone "Mars/Olympus"`,
		`my.yaml:3: slack.lookback: "a week" is not a duration`,
		`my.yaml:4: slack.max_retries: must be a whole number, not "many"`,
		`my.yaml:5: slack.join: must be true or false, not "maybe"`,
		`my.yaml:7: export.batch_mb: must be a whole number, not "lots"`,
		`my.yaml:9: channels.paterns: unknown key (did you mean "patterns"?)`,
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse error = %T; want Errors", err)
	}
	if len(es) != len(want) {
		t.Fatalf("Parse reported %d problems; want %d:\n%v", len(es), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(es[i].Error(), w) {
			t.Errorf("problem %d = %q; want it to start with %q", i, es[i], w)
		}
	}
}

// The watch rules reuse the patterns of human-resolves and
// people-recovered (YAML anchors in defaults.yaml): a user's pattern for
// one of those is the watch rule's pattern too, and the others keep the
// default.
func TestWatchRulesFollowTheResolutionPatterns(t *testing.T) {
	cfg, err := Parse("my.yaml", []byte("recognisers:\n  - name: human-resolves\n    pattern: '(?i)done and dusted'\n"))
	if err != nil {
		t.Fatal(err)
	}
	pattern := map[string]string{}
	for _, r := range cfg.Recognisers {
		pattern[r.Name] = r.Pattern
	}
	if got := pattern["people-resolved-watch"]; got != "(?i)done and dusted" {
		t.Errorf("people-resolved-watch pattern %q; want the user's human-resolves pattern", got)
	}
	if got, want := pattern["people-recovered-watch"], pattern["people-recovered"]; got == "" || got != want {
		t.Errorf("people-recovered-watch pattern %q; want people-recovered's", got)
	}
}
