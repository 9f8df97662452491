package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// slackSecret is a Slack token or webhook URL, as internal/redact knows them.
var slackSecret = regexp.MustCompile(`(?i)(xox[a-z](\.xox[a-z])?|xapp)-[0-9a-z]|https?://hooks\.slack(-gov)?\.com/(services|workflows|triggers)/`)

// FuzzLoad runs whole files through Load, defaults merge and validation
// included. A file gives a configuration or a configuration error (exit
// 2), never both, never a panic; every error names this file or the
// defaults and never repeats a Slack secret written in the file; a
// configuration it accepts holds compiled channel patterns and a time
// zone, and its effective YAML (config show) loads again to the same YAML.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"channels:\n  patterns: ['^inc-', '^incident-']\n  exclude: [inc-test]\n",
		"timezone: Europe/Berlin\nmemory_limit: 2GB\n",
		"slack:\n  lookback: 7d\n  rate_per_minute: {conversations.history: 40}\n  page_size: {users.list: 500}\n",
		"incidents:\n  services:\n    - name: checkout\n      aliases: [checkout-api]\n",
		"recognisers:\n  - name: my-sev\n    events: [severity]\n    from: any\n    pattern: '(?i)level (?P<value>[1-4])'\n",
		"recognisers:\n  - name: human-acks\n    enabled: false\n",
		"recognisers:\n  - name: bad\n    events: [severity]\n    from: any\n    pattern: '(unclosed'\n",
		"timezone: xoxb-1234-5678-abcdef\n",
		"slack:\n  api_url: https://hooks.slack.com/services/T000/B000/secret\n  workspace_url: http://hooks.slack.com/services/T0/B0/x\n",
		"memory_limit: [1, 2]\n",
		"chanels: {}\n",
		"- 1\n",
		"export:\n  batch_mb: 0\n",
		"query:\n  threads: 999\n  timeout: -1s\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "aftermath.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Load = %v, %v; want a configuration or an error", cfg, err)
		}
		if err != nil {
			if !IsConfigError(err) {
				t.Fatalf("Load error %v is not a configuration error", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) && !strings.Contains(msg, DefaultsName) {
				t.Fatalf("Load error %q names neither the file nor the defaults", msg)
			}
			if slackSecret.MatchString(msg) {
				t.Fatalf("Load error repeats a Slack secret: %q", msg)
			}
			return
		}
		if cfg.Location == nil || len(cfg.Channels.Compiled()) != len(cfg.Channels.Patterns) {
			t.Fatalf("accepted a configuration without its zone or compiled patterns: %+v", cfg.Channels)
		}
		out, err := cfg.YAML()
		if err != nil {
			t.Fatalf("YAML() of an accepted configuration: %v", err)
		}
		again, err := Parse(path, out)
		if err != nil {
			t.Fatalf("the effective configuration does not load again: %v\n%s", err, out)
		}
		out2, err := again.YAML()
		if err != nil {
			t.Fatal(err)
		}
		if string(out2) != string(out) {
			t.Fatalf("effective YAML changes on reload:\n%s\n---\n%s", out, out2)
		}
	})
}
