package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/bench"
	"github.com/aftermath-dev/aftermath/internal/testkit/samplegen"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// referenceColumns types every top-level field of Slack messages (those the
// generator writes and Slack documents): scalars as themselves, nested
// objects and arrays as JSON. It is what "DuckDB's own read_json loading
// the same files into typed columns" means in docs/benchmarks.md.
const referenceColumns = `{type: 'VARCHAR', subtype: 'VARCHAR', ts: 'VARCHAR', thread_ts: 'VARCHAR', "user": 'VARCHAR',
	bot_id: 'VARCHAR', app_id: 'VARCHAR', username: 'VARCHAR', text: 'VARCHAR', team: 'VARCHAR', user_team: 'VARCHAR',
	source_team: 'VARCHAR', client_msg_id: 'VARCHAR', parent_user_id: 'VARCHAR', reply_count: 'INTEGER',
	reply_users_count: 'INTEGER', latest_reply: 'VARCHAR', reply_users: 'VARCHAR[]', subscribed: 'BOOLEAN',
	is_locked: 'BOOLEAN', hidden: 'BOOLEAN', upload: 'BOOLEAN', display_as_bot: 'BOOLEAN', topic: 'VARCHAR',
	purpose: 'VARCHAR', old_name: 'VARCHAR', name: 'VARCHAR', item_type: 'VARCHAR', permalink: 'VARCHAR',
	no_notifications: 'BOOLEAN', bot_link: 'VARCHAR', blocks: 'JSON', user_profile: 'JSON', icons: 'JSON',
	reactions: 'JSON', attachments: 'JSON', bot_profile: 'JSON', edited: 'JSON', files: 'JSON', file: 'JSON',
	root: 'JSON', room: 'JSON', canvas: 'JSON'}`

func newDevReadJSONCmd(d *deps) *cobra.Command {
	return &cobra.Command{
		Use:   "read-json-reference EXPORT-DIR",
		Short: "Benchmark reference: DuckDB's read_json loading an export's day files into typed columns (--db)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := warehouse.Open(ctx, d.dbPath, warehouse.Options{Migrations: migrations.FS})
			if err != nil {
				return err
			}
			defer db.Close()
			glob := filepath.Join(args[0], "*", "*.json")
			_, err = db.ExecContext(ctx, `CREATE OR REPLACE TABLE reference AS SELECT * FROM read_json(?, format = 'array', filename = true, columns = `+referenceColumns+`)`, glob)
			return err
		},
	}
}

type devBenchOptions struct {
	work           string
	runs           int
	exportSizes    []string
	exportShapes   []string
	transformSizes []string
	reportSizes    []string
}

// benchScales maps workspace sizes to generator scales (500 incidents over
// 26 weeks): scale 1 is about 100k messages.
var benchScales = map[string]float64{"100k": 1, "1m": 10, "2m": 20, "4m": 40, "5m": 50, "1m-2k": 2.5, "1m-4k": 1.25}

// benchIncidents: sizes with more incidents than the default 500, for the
// report, whose work grows with incidents rather than messages.
var benchIncidents = map[string]int{"1m-2k": 2000, "1m-4k": 4000}

func newDevBenchCmd(d *deps) *cobra.Command {
	opts := &devBenchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the benchmarks docs/benchmarks.md quotes and print their figures as Markdown",
		Long: `Measure export ingest against DuckDB's own read_json loading the same files
(alternating, several runs, medians and the ratio) and transform at growing
sizes, each as a separate process (wall time, peak RSS). Workspaces are
generated once into --work and reused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDevBench(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.work, "work", filepath.Join(os.TempDir(), "aftermath-bench"), "folder for generated workspaces and databases")
	f.IntVar(&opts.runs, "runs", 5, "runs of each measurement")
	f.StringSliceVar(&opts.exportSizes, "export-sizes", []string{"100k", "1m"}, "workspace sizes for the export-ingest benchmark")
	f.StringSliceVar(&opts.exportShapes, "export-shapes", []string{"default", "few-channels"}, "export shapes for the export-ingest benchmark (default, few-channels, blocks)")
	f.StringSliceVar(&opts.transformSizes, "transform-sizes", []string{"1m", "2m", "4m"}, "workspace sizes for the transform benchmark")
	f.StringSliceVar(&opts.reportSizes, "report-sizes", []string{"1m", "2m", "4m", "1m-2k", "1m-4k"}, "workspace sizes for the report benchmark (1m-2k: 1M messages, 2,000 incidents)")
	return cmd
}

func runDevBench(ctx context.Context, d *deps, opts *devBenchOptions) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, s := range append(append(append([]string{}, opts.exportSizes...), opts.transformSizes...), opts.reportSizes...) {
		if _, ok := benchScales[s]; !ok {
			return usagef("unknown size %q (known: 100k, 1m, 2m, 4m, 5m, 1m-2k, 1m-4k)", s)
		}
	}
	env := append(os.Environ(), "AFTERMATH_CONFIG=", "AFTERMATH_DB=")
	workspace := func(size string) (string, error) {
		dir := filepath.Join(opts.work, "ws-"+size)
		if _, err := os.Stat(filepath.Join(dir, "truth.json")); err == nil {
			return dir, nil
		}
		d.log.Info("generating workspace", "size", size, "dir", dir)
		incidents := 500
		if n, ok := benchIncidents[size]; ok {
			incidents = n
		}
		_, err := samplegen.Generate(ctx, dir, samplegen.Options{Seed: 1, Weeks: 26, Incidents: incidents,
			Scale: benchScales[size], End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return "", err
		}
		return dir, samplegen.WriteConfig(dir)
	}
	messages := func(db string) string {
		_, out, err := bench.Run(ctx, env, self, "--db", db, "query", "--live", "--format", "csv", "SELECT count(*) FROM messages")
		if err != nil {
			return "?"
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	w := d.stdout
	fmt.Fprintf(w, "Machine: %d CPUs; %d runs each, medians; measured %s.\n\n", numCPU(), opts.runs, d.now().UTC().Format("2006-01-02"))

	if len(opts.exportSizes) > 0 {
		fmt.Fprintf(w, "### Export ingest vs DuckDB read_json\n\n")
		fmt.Fprintf(w, "| messages | shape | aftermath ingest export | read_json reference | ratio | aftermath CPU | reference CPU | CPU ratio | aftermath peak RSS | reference peak RSS |\n|---|---|---|---|---|---|---|---|---|---|\n")
	}
	for _, size := range opts.exportSizes {
		dir, err := workspace(size)
		if err != nil {
			return err
		}
		for _, shape := range opts.exportShapes {
			export := filepath.Join(dir, "export")
			if shape != "default" {
				export += "-" + shape
				if _, err := os.Stat(export); err != nil {
					d.log.Info("reshaping export", "size", size, "shape", shape)
					if err := bench.Reshape(filepath.Join(dir, "export"), export+".tmp", shape); err != nil {
						return err
					}
					if err := os.Rename(export+".tmp", export); err != nil {
						return err
					}
				}
			}
			var ours, ref []bench.Sample
			var n string
			for i := 0; i < opts.runs; i++ {
				db := filepath.Join(opts.work, "ingest.duckdb")
				rdb := filepath.Join(opts.work, "reference.duckdb")
				for _, p := range []string{db, db + ".wal", rdb, rdb + ".wal"} {
					os.Remove(p)
				}
				s, _, err := bench.Run(ctx, env, self, "--db", db, "ingest", "export", export, "--all-channels", "--no-publish")
				if err != nil {
					return err
				}
				ours = append(ours, s)
				if i == 0 {
					n = messages(db)
				}
				s, _, err = bench.Run(ctx, env, self, "--db", rdb, "dev", "read-json-reference", export)
				if err != nil {
					return err
				}
				ref = append(ref, s)
				d.log.Info("export ingest run", "size", size, "shape", shape, "run", i+1, "ours", ours[i].Wall, "reference", ref[i].Wall,
					"ours_cpu", ours[i].CPU, "reference_cpu", ref[i].CPU, "ours_rss", bench.MiB(ours[i].MaxRSS), "reference_rss", bench.MiB(ref[i].MaxRSS))
			}
			o, r := bench.Median(ours), bench.Median(ref)
			fmt.Fprintf(w, "| %s | %s | %s | %s | %.2f× | %s | %s | %.2f× | %s | %s |\n", n, shape, bench.Seconds(o.Wall), bench.Seconds(r.Wall),
				o.Wall.Seconds()/r.Wall.Seconds(), bench.Seconds(o.CPU), bench.Seconds(r.CPU), o.CPU.Seconds()/r.CPU.Seconds(),
				bench.MiB(o.MaxRSS), bench.MiB(r.MaxRSS))
		}
	}

	if len(opts.transformSizes) > 0 {
		fmt.Fprintf(w, "\n### Transform\n\n| messages | incidents | transform | per million messages | peak RSS |\n|---|---|---|---|---|\n")
	}
	ingested := func(size string) (db, cfg string, err error) {
		dir, err := workspace(size)
		if err != nil {
			return "", "", err
		}
		db = filepath.Join(opts.work, "transform-"+size+".duckdb")
		cfg = filepath.Join(dir, "aftermath.yaml")
		if _, err := os.Stat(db); err != nil {
			if _, _, err := bench.Run(ctx, env, self, "--db", db, "--config", cfg, "ingest", "export", filepath.Join(dir, "export")); err != nil {
				return "", "", err
			}
		}
		return db, cfg, nil
	}
	for _, size := range opts.transformSizes {
		db, cfg, err := ingested(size)
		if err != nil {
			return err
		}
		var runs []bench.Sample
		for i := 0; i < opts.runs; i++ {
			s, _, err := bench.Run(ctx, env, self, "--db", db, "--config", cfg, "transform")
			if err != nil {
				return err
			}
			runs = append(runs, s)
			d.log.Info("transform run", "size", size, "run", i+1, "wall", s.Wall)
		}
		m := bench.Median(runs)
		n := messages(db)
		var millions float64
		fmt.Sscan(n, &millions)
		millions /= 1e6
		_, out, _ := bench.Run(ctx, env, self, "--db", db, "query", "--format", "csv", "SELECT count(*) FROM incidents")
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		fmt.Fprintf(w, "| %s | %s | %s | %.2f s | %s |\n", n, lines[len(lines)-1], bench.Seconds(m.Wall), m.Wall.Seconds()/millions, bench.MiB(m.MaxRSS))
	}

	if len(opts.reportSizes) > 0 {
		fmt.Fprintf(w, "\n### Report (2026-W47, all four formats)\n\n| messages | incidents | in the 14 weeks read | report (wall) | CPU (user+sys) | peak RSS |\n|---|---|---|---|---|---|\n")
	}
	for _, size := range opts.reportSizes {
		db, cfg, err := ingested(size)
		if err != nil {
			return err
		}
		_, out, _ := bench.Run(ctx, env, self, "--db", db, "query", "--format", "csv", "SELECT count(*) FROM transform_runs")
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); lines[len(lines)-1] == "0" {
			if _, _, err := bench.Run(ctx, env, self, "--db", db, "--config", cfg, "transform"); err != nil {
				return err
			}
		}
		var runs []bench.Sample
		for i := 0; i < opts.runs; i++ {
			outDir := filepath.Join(opts.work, "reports-"+size)
			s, _, err := bench.Run(ctx, env, self, "--db", db, "--config", cfg, "report", "--week", "2026-W47", "--out", outDir)
			if err != nil {
				return err
			}
			runs = append(runs, s)
			d.log.Info("report run", "size", size, "run", i+1, "wall", s.Wall)
		}
		m := bench.Median(runs)
		count := func(q string) string {
			_, out, _ := bench.Run(ctx, env, self, "--db", db, "query", "--format", "csv", q)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			return lines[len(lines)-1]
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", messages(db), count("SELECT count(*) FROM incidents"),
			count("SELECT count(*) FROM incidents WHERE started_at >= TIMESTAMPTZ '2026-08-17' AND started_at < TIMESTAMPTZ '2026-11-23'"),
			bench.Seconds(m.Wall), bench.Seconds(m.CPU), bench.MiB(m.MaxRSS))
	}
	return nil
}

func numCPU() int { return runtime.NumCPU() }
