package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

type schemaOptions struct {
	format string
}

func newSchemaCmd(d *deps) *cobra.Command {
	opts := &schemaOptions{}
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the documented warehouse schema: tables, columns and what each means",
		Long: `Print the warehouse schema this version of aftermath creates, with the
comment on every table and column. The schema comes from the embedded
migrations, so no database file is needed. docs/schema.md is the same text
as --format markdown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSchema(cmd.Context(), d, opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "text", "output format: text or markdown")
	return cmd
}

func runSchema(ctx context.Context, d *deps, opts *schemaOptions) error {
	if opts.format != "text" && opts.format != "markdown" {
		return usagef("--format must be text or markdown, not %q", opts.format)
	}
	db, err := warehouse.Open(ctx, "", warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		return err
	}
	defer db.Close()
	tables, err := warehouse.Describe(ctx, db.DB)
	if err != nil {
		return err
	}
	if opts.format == "markdown" {
		return warehouse.WriteMarkdown(d.stdout, tables)
	}
	return warehouse.WriteText(d.stdout, tables)
}
