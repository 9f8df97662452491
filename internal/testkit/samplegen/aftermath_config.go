package samplegen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// WriteConfig writes DIR/aftermath.yaml, the configuration an operator of
// the generated workspace would write: its shared incident channels, service
// catalog, repositories (local clones under DIR/repos) and workspace URL.
// Everything else stays at aftermath's defaults, so the sample exercises
// them.
func WriteConfig(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "workspace.json"))
	if err != nil {
		return fmt.Errorf("samplegen: write config: %w", err)
	}
	var ws struct {
		Team struct {
			Domain string `json:"domain"`
		} `json:"team"`
		Services []struct {
			Name    string   `json:"name"`
			Aliases []string `json:"aliases"`
		} `json:"services"`
		Repos []struct {
			URL  string `json:"url"`
			Path string `json:"path"`
		} `json:"repos"`
		SharedChannels []string `json:"shared_channels"`
	}
	if err := json.Unmarshal(b, &ws); err != nil {
		return fmt.Errorf("samplegen: write config: workspace.json: %w", err)
	}
	var y strings.Builder
	y.WriteString("# Configuration for the generated sample workspace (aftermath dev gen-sample).\n")
	y.WriteString("# Everything not set here is aftermath's default: see `aftermath config show`.\n")
	fmt.Fprintf(&y, "slack:\n  workspace_url: https://%s.slack.com/\n", ws.Team.Domain)
	fmt.Fprintf(&y, "channels:\n  shared: [%s]\n", strings.Join(ws.SharedChannels, ", "))
	y.WriteString("incidents:\n  services:\n")
	for _, s := range ws.Services {
		fmt.Fprintf(&y, "    - name: %s\n      aliases: [%s]\n", s.Name, strings.Join(s.Aliases, ", "))
	}
	y.WriteString("repos:\n")
	for _, r := range ws.Repos {
		fmt.Fprintf(&y, "  - url: %s\n    path: %s\n", r.URL, r.Path)
	}
	if err := os.WriteFile(filepath.Join(dir, "aftermath.yaml"), []byte(y.String()), 0o644); err != nil {
		return fmt.Errorf("samplegen: write config: %w", err)
	}
	return nil
}
