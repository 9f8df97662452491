package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fuzzing found (FuzzLoad, issue 11): a configuration error quoted the bad
// value, so a Slack token or webhook URL written in the wrong key reached
// the terminal and the nightly job's log. Errors name the key, not the
// secret.
func TestErrorsDoNotRepeatSecrets(t *testing.T) {
	for _, tc := range []struct{ name, yaml, key string }{
		{"token as timezone", "timezone: xoxb-1234-5678-abcdef\n", "timezone"},
		{"webhook as workspace", "slack:\n  workspace_url: http://hooks.slack.com/services/T000/B000/secretpath\n", "slack.workspace_url"},
		{"token as key", "slack:\n  rate_per_minute: {xoxp-1-2-3: 5}\n", "slack.rate_per_minute"},
		{"token as unknown key", "xapp-1-A0123-456-abcdef: 1\n", "unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aftermath.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !IsConfigError(err) {
				t.Fatalf("Load(%q) = %v; want a configuration error", tc.yaml, err)
			}
			msg := err.Error()
			if slackSecret.MatchString(msg) || strings.Contains(msg, "secretpath") {
				t.Errorf("Load(%q) error repeats the secret: %s", tc.yaml, msg)
			}
			if !strings.Contains(msg, tc.key) || !strings.Contains(msg, "REDACTED") {
				t.Errorf("Load(%q) error = %s; want it to name %s and say REDACTED", tc.yaml, msg, tc.key)
			}
		})
	}
}
