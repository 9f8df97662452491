package main

import (
	"context"
	"fmt"
	"os"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

func newIngestCmd(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Copy Slack incident-channel history into the warehouse",
	}
	cmd.AddCommand(newIngestExportCmd(d), newIngestSlackCmd(d))
	return cmd
}

// selectionFlags are the channel selection flags both ingest paths share.
type selectionFlags struct {
	channels    string
	allChannels bool
}

func (f *selectionFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.channels, "channels", "", "select channels whose names match this regular expression, instead of the configured incident channels")
	cmd.Flags().BoolVar(&f.allChannels, "all-channels", false, "select every channel (channels.exclude still applies)")
	cmd.MarkFlagsMutuallyExclusive("channels", "all-channels")
}

// selection is the configuration's channel selection with the flags
// applied.
func (f *selectionFlags) selection(cfg *config.Config) (ingest.Selection, error) {
	var re *regexp.Regexp
	if f.channels != "" {
		var err error
		if re, err = regexp.Compile(f.channels); err != nil {
			return ingest.Selection{}, usagef("--channels: invalid regular expression: %v", err)
		}
	}
	return ingest.NewSelection(cfg.Channels, re, f.allChannels), nil
}

type ingestExportOptions struct {
	path string
	sel  selectionFlags
	pub  publishFlags
}

func newIngestExportCmd(d *deps) *cobra.Command {
	opts := &ingestExportOptions{}
	cmd := &cobra.Command{
		Use:   "export PATH",
		Short: "Ingest a Slack workspace export (.zip or unpacked folder)",
		Long: `Ingest a Slack workspace export, as the .zip Slack gives you or its unpacked
folder: channels.json, groups.json (private channels), users.json, and one
folder per channel of YYYY-MM-DD.json day files.

Users are always loaded. Channels are selected as the configuration says
(incident channel name patterns and the shared incident channels), or by
--channels REGEX, or all with --all-channels.

Safe to repeat: the same export twice stores the same rows; a newer export
over an older one updates edited messages, marks deleted ones, adds new ones.
Files that cannot be read are skipped and named, everything else is stored,
and the exit code is 3.`,
		Example: `  aftermath ingest export ~/Downloads/acme-slack-export.zip
  aftermath ingest export ./export --channels '^inc-2026-'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.path = args[0]
			return runIngestExport(cmd.Context(), d, opts)
		},
	}
	opts.sel.register(cmd)
	opts.pub.register(cmd)
	return cmd
}

func runIngestExport(ctx context.Context, d *deps, opts *ingestExportOptions) error {
	cfg, err := d.config()
	if err != nil {
		return err
	}
	sel, err := opts.sel.selection(cfg)
	if err != nil {
		return err
	}
	if _, err := os.Stat(opts.path); err != nil {
		return usagef("export %s: %v", opts.path, err)
	}
	w, err := d.openWriter(ctx, "aftermath ingest export", true)
	if err != nil {
		return err
	}
	_, err = ingestExport(ctx, d, w.db, cfg, opts.path, sel)
	return w.finish(ctx, err, opts.pub)
}

// ingestExport ingests the export at path into db and prints its summary.
func ingestExport(ctx context.Context, d *deps, db *warehouse.DB, cfg *config.Config, path string, sel ingest.Selection) (*ingest.Result, error) {
	bar := newProgress(d, "export", true)
	var progress func(done, total int64)
	if bar != nil {
		progress = func(done, total int64) { bar.set(done, total, "") }
	}
	res, err := ingest.IngestExport(ctx, db, ingest.ExportOptions{
		Path:       path,
		Selection:  sel,
		BatchBytes: int64(cfg.Export.BatchMB) << 20,
		Bounds:     ingestBounds(cfg),
		Now:        d.now,
		Log:        bar.logger(d),
		Progress:   progress,
		Committed:  d.committed,
		// Put back after the load, which runs with DuckDB's memory capped.
		MemoryLimit: cfg.MemoryLimit,
	})
	bar.finish()
	if res != nil {
		c := res.Counts
		dups := ""
		if c.MessagesDuplicate > 0 {
			dups = fmt.Sprintf(", %d duplicates", c.MessagesDuplicate)
		}
		fmt.Fprintf(d.stderr, "ingest run %d %s: %d of %d channels selected, %d stored; %d files read, %d skipped; messages: %d read, %d new, %d updated, %d skipped%s; %d users\n",
			res.RunID, res.Status, c.ChannelsSelected, c.ChannelsTotal, c.ChannelsDone,
			c.FilesRead, c.FilesSkipped, c.MessagesRead, c.MessagesNew, c.MessagesUpdated, c.MessagesSkipped, dups, c.Users)
		err = checkSelected(c, err)
	}
	return res, err
}

// ingestBounds are the configuration's bounds on one input.
func ingestBounds(cfg *config.Config) ingest.Bounds {
	b := cfg.Ingest
	return ingest.Bounds{
		EntryBytes:   int64(b.MaxEntryMB) << 20,
		TotalBytes:   int64(b.MaxTotalMB) << 20,
		Ratio:        int64(b.MaxRatio),
		MessageBytes: b.MaxMessageKB << 10,
		Depth:        b.MaxJSONDepth,
	}
}
