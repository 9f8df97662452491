package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/queries"
)

// tableCellWidth is where the table format cuts long values on a terminal.
const tableCellWidth = 60

type queryOptions struct {
	sql    string // the SQL argument
	hasSQL bool   // an SQL argument was given
	file   string // -f FILE; "-" is stdin
	saved  string // --saved NAME
	list   bool   // --list
	format string // --format; "" picks table on a terminal, else csv
	out    string // --out FILE; "" or "-" is stdout
	wide   bool   // --wide: no cutting of table cells to the terminal
	live   bool   // --live: the working file, not the snapshot

	timeout    time.Duration // --timeout
	hasTimeout bool          // --timeout was given
}

func newQueryCmd(d *deps) *cobra.Command {
	opts := &queryOptions{}
	cmd := &cobra.Command{
		Use:   "query [SQL | -f FILE | --saved NAME]",
		Short: "Run read-only SQL on the warehouse and print the result",
		Long: `Run one SQL statement on the warehouse and print its result. The SQL comes
as the argument, from a file with -f, as a saved query with --saved, or on
stdin when none of those is given and stdin is not a terminal.

It reads the published snapshot (publish.snapshot; by default
NAME.snapshot.duckdb beside the warehouse), which every writing command
refreshes, so queries never block the nightly job nor wait for it. --live
reads the working warehouse instead, when no writer holds it.

The file is opened read-only and sandboxed: a statement that would
change it, read or write other files, or load an extension fails with
DuckDB's message.

Formats: table (the default on a terminal), csv (the default otherwise),
json, ndjson, parquet and arrow (an Arrow IPC file). parquet and arrow are
binary and need --out FILE, or --out - to write to a pipe. --out writes the
file atomically; without --format its extension picks the format.

Only a single SELECT statement runs (DESCRIBE, SHOW, SUMMARIZE and table
functions such as FROM duckdb_tables() count). It is cancelled after
--timeout (query.timeout, 60s by default; exit code 1) and runs within
query.memory_limit and query.threads. On a terminal the table is cut to the
terminal's width, long cells ending in "…"; --wide shows them whole.

--list shows the saved queries. docs/querying.md has the details and more
examples.`,
		Example: `  aftermath query --saved channels
  aftermath query "SELECT channel_id, count(*) FROM messages GROUP BY ALL" --format json
  aftermath query -f weekly.sql --out weekly.parquet
  echo "FROM ingest_runs" | aftermath query --format ndjson | jq .status`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("query takes the SQL as one argument, in quotes: aftermath query 'SELECT …' (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.sql, opts.hasSQL = args[0], true
			}
			opts.hasTimeout = cmd.Flags().Changed("timeout")
			return runQuery(cmd.Context(), d, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.file, "file", "f", "", "read the SQL from `FILE` (- for stdin)")
	f.StringVar(&opts.saved, "saved", "", "run the saved query `NAME` (see --list)")
	f.BoolVar(&opts.list, "list", false, "list the saved queries and exit")
	f.StringVar(&opts.format, "format", "", "output `FORMAT`: table, csv, json, ndjson, parquet or arrow (default table on a terminal, else csv)")
	f.StringVarP(&opts.out, "out", "o", "", "write the result to `FILE`, atomically (- for stdout)")
	f.BoolVar(&opts.wide, "wide", false, "show table cells whole instead of fitting the table to the terminal")
	f.DurationVar(&opts.timeout, "timeout", queries.DefaultTimeout, "cancel the query after `DURATION` (default query.timeout; 0 for none)")
	f.BoolVar(&opts.live, "live", false, "read the working warehouse instead of the published snapshot (only while no writer holds it)")
	return cmd
}

func runQuery(ctx context.Context, d *deps, opts *queryOptions) error {
	if opts.list {
		if opts.hasSQL || opts.file != "" || opts.saved != "" {
			return usagef("--list takes no SQL, -f or --saved")
		}
		saved, err := queries.SavedQueries()
		if err != nil {
			return err
		}
		return queries.WriteSavedList(d.stdout, saved)
	}
	cfg, err := d.config()
	if err != nil {
		return err
	}
	limits := queries.Limits{
		Timeout:     cfg.Query.Timeout.D(),
		MemoryLimit: cfg.Query.MemoryLimit,
		Threads:     cfg.Query.Threads,
		MaxSQLBytes: cfg.Query.MaxSQLMB << 20,
	}
	if opts.hasTimeout {
		if opts.timeout < 0 {
			return usagef("--timeout must not be negative (0 means no timeout)")
		}
		limits.Timeout = opts.timeout
	}
	query, err := querySQL(d, opts, limits.MaxSQLBytes)
	if err != nil {
		return err
	}
	format, err := queryFormat(d, opts)
	if err != nil {
		return err
	}
	toStdout := opts.out == "" || opts.out == "-"
	runOpts := queries.Options{Format: format}
	if format == queries.FormatTable && toStdout && d.stdoutTTY && !opts.wide {
		runOpts.MaxCellWidth = tableCellWidth
		runOpts.Width = d.termWidth
	}

	path, err := d.queryPath(opts.live)
	if err != nil {
		return err
	}
	db, err := queries.Open(ctx, path, limits)
	if errors.Is(err, queries.ErrNoWarehouse) {
		return usagef("%w", err)
	}
	if err != nil {
		return err
	}
	defer db.Close()

	var res queries.Result
	run := func(w io.Writer) error {
		res, err = queries.Run(ctx, db, query, w, runOpts)
		return err
	}
	if toStdout {
		err = run(d.stdout)
	} else {
		err = queries.WriteAtomic(opts.out, run)
	}
	switch {
	case errors.Is(err, queries.ErrNoSQL), errors.Is(err, queries.ErrMultipleStatements), errors.Is(err, queries.ErrSQLTooLarge):
		return usagef("%w", err)
	case err != nil:
		return err
	}
	if res.Omitted > 0 {
		rows := "rows"
		if res.Omitted == 1 {
			rows = "row"
		}
		fmt.Fprintf(d.stderr, "… %d more %s, use --format csv\n", res.Omitted, rows)
	}
	if !toStdout {
		d.log.Info("query result written", "path", opts.out, "format", string(format), "rows", res.Rows)
	}
	return nil
}

// querySQL finds the SQL: the argument, -f FILE, --saved NAME, or stdin.
func querySQL(d *deps, opts *queryOptions, maxBytes int) (string, error) {
	n := 0
	for _, given := range []bool{opts.hasSQL, opts.file != "", opts.saved != ""} {
		if given {
			n++
		}
	}
	if n > 1 {
		return "", usagef("give the SQL one way: as an argument, with -f FILE or with --saved NAME")
	}
	switch {
	case opts.hasSQL:
		if len(opts.sql) > maxBytes {
			return "", usagef("the SQL argument is over %d MiB (query.max_sql_mb)", maxBytes>>20)
		}
		return opts.sql, nil
	case opts.saved != "":
		s, err := queries.LookupSaved(opts.saved)
		if errors.Is(err, queries.ErrUnknownSaved) {
			return "", usagef("%w", err)
		}
		return s.SQL, err
	case opts.file == "-":
		return readSQL(d.stdin, "stdin", maxBytes)
	case opts.file != "":
		f, err := os.Open(opts.file)
		if err != nil {
			return "", usagef("read SQL: %w", err)
		}
		defer f.Close()
		return readSQL(f, opts.file, maxBytes)
	}
	if f, ok := d.stdin.(*os.File); ok && isTerminal(f) {
		return "", usagef("no SQL: give it as an argument, with -f FILE or --saved NAME, or on stdin (--list shows the saved queries)")
	}
	return readSQL(d.stdin, "stdin", maxBytes)
}

func readSQL(r io.Reader, name string, maxBytes int) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(maxBytes)+1))
	if err != nil {
		return "", fmt.Errorf("read SQL from %s: %w", name, err)
	}
	if len(b) > maxBytes {
		return "", usagef("the SQL in %s is over %d MiB (query.max_sql_mb); is it a data file?", name, maxBytes>>20)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", usagef("no SQL in %s", name)
	}
	return string(b), nil
}

// queryFormat picks the output format: --format, else the --out file's
// extension, else table on a terminal and csv otherwise. Binary formats
// need --out and never go to a terminal.
func queryFormat(d *deps, opts *queryOptions) (queries.Format, error) {
	var format queries.Format
	switch {
	case opts.format != "":
		f, err := queries.ParseFormat(opts.format)
		if err != nil {
			return "", usagef("--format: %w", err)
		}
		format = f
	case opts.out != "" && opts.out != "-":
		f, ok := queries.FormatForPath(opts.out)
		if !ok {
			return "", usagef("--out %s: the extension names no format; use .csv, .json, .ndjson, .jsonl, .parquet, .arrow or .txt, or give --format", opts.out)
		}
		format = f
	case d.stdoutTTY:
		format = queries.FormatTable
	default:
		format = queries.FormatCSV
	}
	if format.Binary() {
		switch {
		case !queries.Enabled():
			return "", usagef("--format %s: %w", format, queries.ErrNoArrow)
		case opts.out == "":
			return "", usagef("--format %s is binary: give --out FILE, or --out - to write it to a pipe", format)
		case opts.out == "-" && d.stdoutTTY:
			return "", usagef("refusing to write binary %s to a terminal: redirect stdout or give --out FILE", format)
		}
	}
	return format, nil
}
