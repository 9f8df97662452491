package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/internal/bench"
	"github.com/aftermath-dev/aftermath/internal/config"
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

func newDevBenchSpliceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "bench-splice DOC GENERATED",
		Short: "Put GENERATED between the make bench markers of DOC (docs/benchmarks.md), leaving the rest as it is",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			gen, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			out, err := bench.Splice(doc, gen)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			tmp := args[0] + ".tmp"
			if err := os.WriteFile(tmp, out, 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, args[0])
		},
	}
}

type devBenchOptions struct {
	work            string
	runs            int
	out             string
	exportSizes     []string
	exportShapes    []string
	transformSizes  []string
	transformShapes []string
	reportSizes     []string
	runSizes        []string
}

// benchScales maps workspace sizes to generator scales (500 incidents over
// 26 weeks): scale 1 is about 100k messages. 10k is for the smoke test.
var benchScales = map[string]float64{"10k": 0.1, "100k": 1, "1m": 10, "2m": 20, "4m": 40, "5m": 50, "1m-2k": 2.5, "1m-4k": 1.25}

// benchIncidents: sizes with more incidents than the default 500, for the
// report, whose work grows with incidents rather than messages.
var benchIncidents = map[string]int{"1m-2k": 2000, "1m-4k": 4000}

// nightlyDays is how many of the newest days the nightly benchmark holds
// back as the next night's export (about 1% of the messages).
const nightlyDays = 3

func newDevBenchCmd(d *deps) *cobra.Command {
	opts := &devBenchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run the benchmarks docs/benchmarks.md quotes and print their figures as Markdown",
		Long: `Measure, each command as its own process (wall time, CPU time and peak RSS
from the kernel), several runs, medians:
  - export ingest against DuckDB's own read_json loading the same files,
    alternating, with the ratio;
  - transform at growing sizes and in several workspace shapes;
  - the weekly report;
  - the nightly run on a warehouse with the export's last days as new data.
Workspaces are generated once into --work and reused. The Markdown goes to
stdout, or to --out; make bench splices it into docs/benchmarks.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDevBench(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.work, "work", filepath.Join(os.TempDir(), "aftermath-bench"), "folder for generated workspaces and databases")
	f.IntVar(&opts.runs, "runs", 5, "runs of each measurement")
	f.StringVar(&opts.out, "out", "", "write the Markdown to this file instead of stdout")
	f.StringSliceVar(&opts.exportSizes, "export-sizes", []string{"100k", "1m"}, "workspace sizes for the export-ingest benchmark")
	f.StringSliceVar(&opts.exportShapes, "export-shapes", []string{"default", "few-channels"}, "export shapes for the export-ingest benchmark ("+strings.Join(bench.Shapes, ", ")+")")
	f.StringSliceVar(&opts.transformSizes, "transform-sizes", []string{"1m", "2m", "4m"}, "workspace sizes for the transform benchmark")
	f.StringSliceVar(&opts.transformShapes, "transform-shapes", []string{"default", "few-channels"}, "workspace shapes for the transform benchmark ("+strings.Join(bench.Shapes, ", ")+")")
	f.StringSliceVar(&opts.reportSizes, "report-sizes", []string{"1m", "2m", "4m", "1m-2k", "1m-4k"}, "workspace sizes for the report benchmark (1m-2k: 1M messages, 2,000 incidents)")
	f.StringSliceVar(&opts.runSizes, "run-sizes", []string{"1m"}, "workspace sizes for the nightly run benchmark")
	return cmd
}

// benchSuite holds what every benchmark of one dev bench run shares.
type benchSuite struct {
	ctx  context.Context
	d    *deps
	opts *devBenchOptions
	self string
	env  []string
	w    io.Writer
}

func runDevBench(ctx context.Context, d *deps, opts *devBenchOptions) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, s := range slices.Concat(opts.exportSizes, opts.transformSizes, opts.reportSizes, opts.runSizes) {
		if _, ok := benchScales[s]; !ok {
			return usagef("unknown size %q (known: 10k, 100k, 1m, 2m, 4m, 5m, 1m-2k, 1m-4k)", s)
		}
	}
	for _, s := range slices.Concat(opts.exportShapes, opts.transformShapes) {
		if !slices.Contains(bench.Shapes, s) {
			return usagef("unknown shape %q (known: %s)", s, strings.Join(bench.Shapes, ", "))
		}
	}
	var out bytes.Buffer
	b := &benchSuite{ctx: ctx, d: d, opts: opts, self: self, env: append(os.Environ(), "AFTERMATH_CONFIG=", "AFTERMATH_DB="), w: &out}
	b.machine()
	for _, step := range []func() error{b.exportIngest, b.transform, b.report, b.nightly} {
		if err := step(); err != nil {
			return err
		}
	}
	if opts.out != "" {
		return os.WriteFile(opts.out, out.Bytes(), 0o644)
	}
	_, err = d.stdout.Write(out.Bytes())
	return err
}

// machine describes where and what was measured.
func (b *benchSuite) machine() {
	cpu, mem, kernel := "?", "?", "?"
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(info), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if info, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(info), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(rel))
	}
	build := "?"
	if info, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = " with uncommitted changes"
				}
			}
		}
		if len(rev) > 10 {
			rev = rev[:10]
		}
		build = cmp.Or(rev, "?") + dirty
	}
	duck := "?"
	if db, err := sql.Open("duckdb", ""); err == nil {
		db.QueryRowContext(b.ctx, "SELECT library_version FROM pragma_version()").Scan(&duck)
		db.Close()
	}
	fmt.Fprintf(b.w, "Measured %s by `make bench` (`aftermath dev bench --runs %d`), build %s, Go %s, DuckDB %s.\n",
		b.d.now().UTC().Format("2006-01-02 15:04 MST"), b.opts.runs, build, runtime.Version(), duck)
	fmt.Fprintf(b.w, "Machine: %s, %d CPUs, %s RAM, Linux %s; load average %s at the start.\n",
		cpu, runtime.NumCPU(), mem, kernel, loadAverage())
	fmt.Fprintf(b.w, "Every figure is the median of %d runs, each command its own process; CPU is user + system time and peak RSS the kernel's maximum resident set, both from rusage.\n", b.opts.runs)
}

// loadAverage is the machine's one-minute load average, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// run runs aftermath with args once and measures it.
func (b *benchSuite) run(args ...string) (bench.Sample, []byte, error) {
	return bench.Run(b.ctx, b.env, append([]string{b.self}, args...)...)
}

// queryValue is the single value a query on db returns, or "?".
func (b *benchSuite) queryValue(db, q string) string {
	_, out, err := b.run("--db", db, "query", "--live", "--format", "csv", q)
	if err != nil {
		return "?"
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func (b *benchSuite) messages(db string) string {
	return b.queryValue(db, "SELECT count(*) FROM messages")
}

// section starts a table: its heading, the commands it measures and the
// table's header row.
func (b *benchSuite) section(title string, commands []string, header ...string) {
	fmt.Fprintf(b.w, "\n### %s\n\nLoad average %s at the start.\n\n```sh\n%s\n```\n\n| %s |\n|%s\n",
		title, loadAverage(), strings.Join(commands, "\n"), strings.Join(header, " | "), strings.Repeat("---|", len(header)))
}

// workspace generates (once) the workspace of a size and returns its folder.
func (b *benchSuite) workspace(size string) (string, error) {
	dir := filepath.Join(b.opts.work, "ws-"+size)
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err == nil {
		return dir, nil
	}
	b.d.log.Info("generating workspace", "size", size, "dir", dir)
	incidents := 500
	if n, ok := benchIncidents[size]; ok {
		incidents = n
	}
	_, err := samplegen.Generate(b.ctx, dir, samplegen.Options{Seed: 1, Weeks: 26, Incidents: incidents,
		Scale: benchScales[size], End: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return "", err
	}
	return dir, samplegen.WriteConfig(dir)
}

// export returns (making it once) the workspace's export in a shape, and
// the configuration that reads it: the few-channels shape's channels are
// named in channels.include, the many-channels shape's parts of a shared
// channel in channels.shared.
func (b *benchSuite) export(size, shape string) (export, cfg string, err error) {
	dir, err := b.workspace(size)
	if err != nil {
		return "", "", err
	}
	export, cfg = filepath.Join(dir, "export"), filepath.Join(dir, "aftermath.yaml")
	if shape == "default" {
		return export, cfg, nil
	}
	shaped := export + "-" + shape
	if _, err := os.Stat(shaped); err != nil {
		b.d.log.Info("reshaping export", "size", size, "shape", shape)
		if err := bench.Reshape(export, shaped+".tmp", shape); err != nil {
			return "", "", err
		}
		if err := os.Rename(shaped+".tmp", shaped); err != nil {
			return "", "", err
		}
	}
	switch shape {
	case "few-channels":
		fc := filepath.Join(dir, "aftermath-few-channels.yaml")
		if err := bench.DeriveConfig(cfg, fc, map[string]any{"channels.include": bench.FewChannelNames()}); err != nil {
			return "", "", err
		}
		cfg = fc
	case "many-channels":
		// The shared channel is cut into parts too: each part is shared.
		c, err := config.Load(cfg)
		if err != nil {
			return "", "", err
		}
		var shared []string
		for _, name := range c.Channels.Shared {
			parts, err := bench.PartChannels(shaped, name)
			if err != nil {
				return "", "", err
			}
			shared = append(shared, parts...)
		}
		mc := filepath.Join(dir, "aftermath-many-channels.yaml")
		if err := bench.DeriveConfig(cfg, mc, map[string]any{"channels.shared": shared}); err != nil {
			return "", "", err
		}
		cfg = mc
	}
	return shaped, cfg, nil
}

func (b *benchSuite) exportIngest() error {
	if len(b.opts.exportSizes) == 0 {
		return nil
	}
	b.section("Export ingest vs DuckDB read_json", []string{
		"aftermath --db ingest.duckdb ingest export EXPORT --all-channels --no-publish",
		"aftermath --db reference.duckdb dev read-json-reference EXPORT   # the reference, alternating",
	}, "messages", "shape", "aftermath ingest export", "read_json reference", "ratio", "aftermath CPU", "reference CPU", "CPU ratio", "aftermath peak RSS", "reference peak RSS")
	for _, size := range b.opts.exportSizes {
		for _, shape := range b.opts.exportShapes {
			export, _, err := b.export(size, shape)
			if err != nil {
				return err
			}
			var ours, ref []bench.Sample
			var n string
			for i := 0; i < b.opts.runs; i++ {
				db := filepath.Join(b.opts.work, "ingest.duckdb")
				rdb := filepath.Join(b.opts.work, "reference.duckdb")
				for _, p := range []string{db, db + ".wal", rdb, rdb + ".wal"} {
					os.Remove(p)
				}
				s, _, err := b.run("--db", db, "ingest", "export", export, "--all-channels", "--no-publish")
				if err != nil {
					return err
				}
				ours = append(ours, s)
				if i == 0 {
					n = b.messages(db)
				}
				s, _, err = b.run("--db", rdb, "dev", "read-json-reference", export)
				if err != nil {
					return err
				}
				ref = append(ref, s)
				b.d.log.Info("export ingest run", "size", size, "shape", shape, "run", i+1, "ours", ours[i].Wall, "reference", ref[i].Wall,
					"ours_cpu", ours[i].CPU, "reference_cpu", ref[i].CPU, "ours_rss", bench.MiB(ours[i].MaxRSS), "reference_rss", bench.MiB(ref[i].MaxRSS))
			}
			o, r := bench.Median(ours), bench.Median(ref)
			fmt.Fprintf(b.w, "| %s | %s | %s | %s | %.2f× | %s | %s | %.2f× | %s | %s |\n", n, shape, bench.Seconds(o.Wall), bench.Seconds(r.Wall),
				o.Wall.Seconds()/r.Wall.Seconds(), bench.Seconds(o.CPU), bench.Seconds(r.CPU), o.CPU.Seconds()/r.CPU.Seconds(),
				bench.MiB(o.MaxRSS), bench.MiB(r.MaxRSS))
		}
	}
	return nil
}

// ingested returns (ingesting it once) a warehouse of the workspace of a
// size and shape, and its configuration.
func (b *benchSuite) ingested(size, shape string) (db, cfg string, err error) {
	export, cfg, err := b.export(size, shape)
	if err != nil {
		return "", "", err
	}
	db = filepath.Join(b.opts.work, "transform-"+size+".duckdb")
	if shape != "default" {
		db = filepath.Join(b.opts.work, "transform-"+size+"-"+shape+".duckdb")
	}
	if _, err := os.Stat(db); err != nil {
		if _, _, err := b.run("--db", db, "--config", cfg, "ingest", "export", export, "--no-publish"); err != nil {
			return "", "", err
		}
	}
	return db, cfg, nil
}

func (b *benchSuite) transform() error {
	if len(b.opts.transformSizes) == 0 {
		return nil
	}
	b.section("Transform", []string{"aftermath --db transform-SIZE.duckdb --config CONFIG transform --no-publish"},
		"messages", "shape", "incidents", "transform (wall)", "CPU", "wall per million messages", "peak RSS")
	for _, size := range b.opts.transformSizes {
		for _, shape := range b.opts.transformShapes {
			db, cfg, err := b.ingested(size, shape)
			if err != nil {
				return err
			}
			var runs []bench.Sample
			for i := 0; i < b.opts.runs; i++ {
				s, _, err := b.run("--db", db, "--config", cfg, "transform", "--no-publish")
				if err != nil {
					return err
				}
				runs = append(runs, s)
				b.d.log.Info("transform run", "size", size, "shape", shape, "run", i+1, "wall", s.Wall, "cpu", s.CPU)
			}
			m := bench.Median(runs)
			n := b.messages(db)
			var millions float64
			fmt.Sscan(n, &millions)
			millions /= 1e6
			fmt.Fprintf(b.w, "| %s | %s | %s | %s | %s | %.2f s | %s |\n", n, shape, b.queryValue(db, "SELECT count(*) FROM incidents"),
				bench.Seconds(m.Wall), bench.Seconds(m.CPU), m.Wall.Seconds()/millions, bench.MiB(m.MaxRSS))
		}
	}
	return nil
}

func (b *benchSuite) report() error {
	if len(b.opts.reportSizes) == 0 {
		return nil
	}
	b.section("Report (2026-W47, all four formats)", []string{"aftermath --db transform-SIZE.duckdb --config CONFIG report --week 2026-W47 --out DIR"},
		"messages", "incidents", "in the 14 weeks read", "report (wall)", "CPU", "peak RSS")
	for _, size := range b.opts.reportSizes {
		db, cfg, err := b.ingested(size, "default")
		if err != nil {
			return err
		}
		if b.queryValue(db, "SELECT count(*) FROM transform_runs") == "0" {
			if _, _, err := b.run("--db", db, "--config", cfg, "transform", "--no-publish"); err != nil {
				return err
			}
		}
		var runs []bench.Sample
		for i := 0; i < b.opts.runs; i++ {
			s, _, err := b.run("--db", db, "--config", cfg, "report", "--week", "2026-W47", "--out", filepath.Join(b.opts.work, "reports-"+size))
			if err != nil {
				return err
			}
			runs = append(runs, s)
			b.d.log.Info("report run", "size", size, "run", i+1, "wall", s.Wall)
		}
		m := bench.Median(runs)
		fmt.Fprintf(b.w, "| %s | %s | %s | %s | %s | %s |\n", b.messages(db), b.queryValue(db, "SELECT count(*) FROM incidents"),
			b.queryValue(db, "SELECT count(*) FROM incidents WHERE started_at >= TIMESTAMPTZ '2026-08-17' AND started_at < TIMESTAMPTZ '2026-11-23'"),
			bench.Seconds(m.Wall), bench.Seconds(m.CPU), bench.MiB(m.MaxRSS))
	}
	return nil
}

// nightly measures the cron job: a warehouse holding the export without
// its last days (ingested, transformed and published once), then
// `aftermath run` with those days dropped in run.export_dir, each run from a
// fresh copy of that state.
func (b *benchSuite) nightly() error {
	if len(b.opts.runSizes) == 0 {
		return nil
	}
	b.section(fmt.Sprintf("Nightly run, the export's last %d days new", nightlyDays), []string{
		"aftermath --db state.duckdb --config run.yaml ingest export BASE-EXPORT && aftermath --db state.duckdb --config run.yaml transform   # once",
		"aftermath --db w.duckdb --config run.yaml run   # each run on a copy of state.duckdb and its snapshot, DELTA-EXPORT in run.export_dir",
	}, "messages stored", "new messages", "run (wall)", "CPU", "peak RSS")
	for _, size := range b.opts.runSizes {
		export, cfg, err := b.export(size, "default")
		if err != nil {
			return err
		}
		dir := filepath.Join(b.opts.work, "nightly-"+size)
		base, delta, drop := filepath.Join(dir, "base"), filepath.Join(dir, "delta"), filepath.Join(dir, "drop")
		if _, err := os.Stat(delta); err != nil {
			os.RemoveAll(dir)
			if _, _, err := bench.SplitExport(export, base, delta, nightlyDays); err != nil {
				return err
			}
		}
		runCfg := filepath.Join(filepath.Dir(cfg), "aftermath-nightly.yaml")
		if err := bench.DeriveConfig(cfg, runCfg, map[string]any{"run.ingest": "export", "run.export_dir": drop,
			"publish.reports": filepath.Join(dir, "reports")}); err != nil {
			return err
		}
		state := filepath.Join(dir, "state.duckdb")
		if _, err := os.Stat(state); err != nil {
			b.d.log.Info("preparing the nightly state", "size", size)
			if _, _, err := b.run("--db", state, "--config", runCfg, "ingest", "export", base, "--no-publish"); err != nil {
				return err
			}
			if _, _, err := b.run("--db", state, "--config", runCfg, "transform"); err != nil {
				return err
			}
		}
		var runs []bench.Sample
		var stored, added string
		for i := 0; i < b.opts.runs; i++ {
			work := filepath.Join(dir, "run")
			os.RemoveAll(work)
			os.RemoveAll(drop)
			db := filepath.Join(work, "w.duckdb")
			if err := bench.CopyState(state, db); err != nil {
				return err
			}
			if err := os.CopyFS(filepath.Join(drop, "delta"), os.DirFS(delta)); err != nil {
				return err
			}
			if i == 0 {
				stored = b.messages(db)
			}
			s, _, err := b.run("--db", db, "--config", runCfg, "run")
			if err != nil {
				return err
			}
			runs = append(runs, s)
			if i == 0 {
				var before, after int
				fmt.Sscan(stored, &before)
				fmt.Sscan(b.messages(db), &after)
				added = fmt.Sprintf("%d (%.1f%%)", after-before, 100*float64(after-before)/float64(max(before, 1)))
			}
			b.d.log.Info("nightly run", "size", size, "run", i+1, "wall", s.Wall, "cpu", s.CPU)
		}
		m := bench.Median(runs)
		fmt.Fprintf(b.w, "| %s | %s | %s | %s | %s |\n", stored, added, bench.Seconds(m.Wall), bench.Seconds(m.CPU), bench.MiB(m.MaxRSS))
	}
	return nil
}
