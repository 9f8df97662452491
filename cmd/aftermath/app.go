package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/aftermath-dev/aftermath/ingest"
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/lock"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/reports"
)

// Exit codes, as SPEC §2 fixes them.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitPartial = 3
	exitLocked  = 4
	exitAuth    = 5
)

// deps is everything a command reaches outside itself, built once in Main.
// Opening the database or loading the configuration is lazy, so `--help`
// never touches either.
type deps struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	httpClient     *http.Client
	stdoutTTY      bool
	termWidth      int // columns of the terminal on stdout; 0 when unknown
	stderrTTY      bool

	// Set from global flags before any command runs.
	dbPath     string
	configPath string
	logFormat  string
	verbose    bool
	log        *slog.Logger
	// committed is every writing stage's Committed hook: nil unless the
	// fault-injection harness passes a pipe ($AFTERMATH_COMMIT_FD).
	committed func(what string)
}

// config loads the configuration named by --config or $AFTERMATH_CONFIG.
func (d *deps) config() (*config.Config, error) {
	return config.Load(d.configPath)
}

// usageError marks errors in how a command was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Main runs aftermath with args and returns the process exit code. It is
// what main and the end-to-end tests call.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return mainDeps(newDeps(stdin, stdout, stderr, getenv), args)
}

// newDeps builds the real dependencies: the system clock, an HTTP client,
// the terminal as it is.
func newDeps(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *deps {
	return &deps{
		stdin:      stdin,
		stdout:     stdout,
		stderr:     stderr,
		getenv:     getenv,
		now:        time.Now,
		httpClient: &http.Client{},
		stdoutTTY:  isTerminal(stdout),
		termWidth:  terminalWidth(stdout),
		stderrTTY:  isTerminal(stderr),
	}
}

// mainDeps is Main with its dependencies built, so tests can pretend to be
// on a terminal.
func mainDeps(d *deps, args []string) int {
	stdin, stdout, stderr := d.stdin, d.stdout, d.stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A write past a file size limit (ulimit -f) must fail with EFBIG, which
	// every stage reports as a storage failure naming the file. Left alone,
	// SIGXFSZ raised on one of DuckDB's threads kills the process with no
	// word of why.
	signal.Ignore(syscall.SIGXFSZ)

	root := newRootCmd(d)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	msg := err.Error()
	if code == exitUsage && isFlagError(err) {
		msg += "\nRun '" + commandPath(root, args) + " --help' for usage."
	}
	fmt.Fprintln(stderr, "aftermath: "+msg)
	return code
}

// exitCode is the one place that turns an error into an exit code.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue), config.IsConfigError(err), isFlagError(err):
		return exitUsage
	case errors.Is(err, warehouse.ErrLocked), errors.Is(err, lock.ErrHeld):
		return exitLocked
	case errors.Is(err, ingest.ErrNotExport):
		return exitUsage
	case errors.Is(err, ingest.ErrAuth), errors.Is(err, reports.ErrSlackAuth):
		return exitAuth
	case errors.Is(err, reports.ErrUsage):
		return exitUsage
	case errors.Is(err, ingest.ErrPartial):
		return exitPartial
	}
	return exitFailure
}

// isFlagError reports whether err is a problem in how a command was
// called: flag parsing, arguments, required or exclusive flags. Each is
// typed where cobra reports it (SetFlagErrorFunc, typedArgs); the text of an
// error never decides its exit code.
func isFlagError(err error) bool {
	var fe flagError
	return errors.As(err, &fe)
}

type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

// typedArgs makes every argument problem of c and its subcommands a
// flagError: positional arguments, required flags, exclusive flag groups,
// and a mistyped subcommand, which cobra would otherwise answer with the
// parent's help and exit 0.
func typedArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		typedArgs(sub)
	}
	orig := c.Args
	parent := c.HasSubCommands()
	c.Args = func(cmd *cobra.Command, args []string) error {
		if parent && len(args) > 0 {
			return flagError{unknownCommand(cmd, args[0])}
		}
		if orig != nil {
			if err := orig(cmd, args); err != nil {
				return flagError{err}
			}
		}
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return flagError{err}
		}
		if err := cmd.ValidateFlagGroups(); err != nil {
			return flagError{err}
		}
		return nil
	}
	if parent && c.Run == nil && c.RunE == nil {
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
	}
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return errors.New(msg)
}

func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == nil {
		return root.Name()
	}
	return c.CommandPath()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func newRootCmd(d *deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "aftermath",
		Short: "Incident analytics from Slack: timelines, MTTR, recurrence, regression-test coverage",
		Long: `aftermath turns the history of Slack incident channels into incidents with
evidence-backed timelines, reliability metrics and weekly reports.

Ingest a Slack export or the Web API into a DuckDB warehouse, then query it:
  aftermath ingest export slack-export.zip
  aftermath query --saved channels`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return d.setup(cmd)
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return flagError{err} })
	defer typedArgs(root)
	pf := root.PersistentFlags()
	pf.StringVar(&d.dbPath, "db", "", "warehouse file (default $AFTERMATH_DB or ./aftermath.duckdb)")
	pf.StringVar(&d.configPath, "config", "", "configuration file (default $AFTERMATH_CONFIG, else built-in defaults)")
	pf.StringVar(&d.logFormat, "log-format", "text", "log format on stderr: text or json")
	pf.BoolVarP(&d.verbose, "verbose", "v", false, "log debug detail")

	root.AddCommand(
		newIngestCmd(d),
		newTransformCmd(d),
		newRunCmd(d),
		newPublishCmd(d),
		newExportCmd(d),
		newReportCmd(d),
		newQueryCmd(d),
		newSchemaCmd(d),
		newConfigCmd(d),
		newDevCmd(d),
	)
	return root
}

// setup resolves global flags against the environment and builds the logger.
func (d *deps) setup(cmd *cobra.Command) error {
	if d.dbPath == "" {
		d.dbPath = d.getenv("AFTERMATH_DB")
	}
	if d.dbPath == "" {
		d.dbPath = "aftermath.duckdb"
	}
	if d.configPath == "" {
		d.configPath = d.getenv("AFTERMATH_CONFIG")
	}
	if d.logFormat != "text" && d.logFormat != "json" {
		return usagef("--log-format must be text or json, not %q", d.logFormat)
	}
	d.log = newLogger(d, d.stderr)
	var err error
	d.committed, err = commitHook(d.getenv)
	return err
}
