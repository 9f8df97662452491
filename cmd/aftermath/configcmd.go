package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

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
			fmt.Fprintf(d.stdout, "# effective configuration: %s merged over the built-in defaults\n", cfg.Source)
			_, err = d.stdout.Write(out)
			return err
		},
	})
	return cmd
}
