package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// writeConfigHeader says where each value came from: the keys the file
// set, with their lines, and the built-in defaults for everything else.
func writeConfigHeader(w io.Writer, cfg *config.Config) {
	fmt.Fprintf(w, "# effective configuration: %s merged over the built-in defaults\n", cfg.Source)
	if cfg.Source == config.DefaultsName {
		fmt.Fprintf(w, "# every value below comes from the built-in defaults\n")
		return
	}
	var leaves []string
	for k := range cfg.Lines {
		leaf := true
		for other := range cfg.Lines {
			if strings.HasPrefix(other, k+".") || strings.HasPrefix(other, k+"[") {
				leaf = false
				break
			}
		}
		if leaf {
			leaves = append(leaves, k)
		}
	}
	sort.Slice(leaves, func(i, j int) bool { return cfg.Lines[leaves[i]] < cfg.Lines[leaves[j]] })
	fmt.Fprintf(w, "# set in %s:\n", cfg.Source)
	for _, k := range leaves {
		fmt.Fprintf(w, "#   %s (line %d)\n", k, cfg.Lines[k])
	}
	fmt.Fprintf(w, "# every other value comes from the built-in defaults\n")
}

func newConfigCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the configuration",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration: your file merged over the built-in defaults",
		Long: `Print the effective configuration as YAML: the file named by --config or
$AFTERMATH_CONFIG merged over the built-in defaults, after validation. The
output is itself a valid configuration file. docs/configuration.md documents
every key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := d.config()
			if err != nil {
				return err
			}
			out, err := cfg.YAML()
			if err != nil {
				return err
			}
			writeConfigHeader(d.stdout, cfg)
			_, err = d.stdout.Write(out)
			return err
		},
	})
	return cmd
}
