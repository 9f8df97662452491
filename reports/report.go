package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aftermath-dev/aftermath/internal/config"
)

// ErrUsage marks a bad week, range or format (exit code 2).
var ErrUsage = errors.New("report")

// ErrNoTransform reports a warehouse no transform has run on.
var ErrNoTransform = errors.New("the warehouse has no derived layer yet: run 'aftermath transform' first")

// Formats the report can be written in.
var Formats = []string{"html", "md", "json", "csv"}

// Options say which report to write and how.
type Options struct {
	Week     string // ISO week (2026-W47); empty for the last complete week
	From, To string // a custom range of dates instead of a week
	Out      string // folder holding one folder per week and index.html
	Formats  []string

	Now      func() time.Time
	Log      *slog.Logger
	Location *time.Location

	Title         string
	MinN          int
	TargetShare   map[string]float64
	BaselineWeeks int
	TrendWeeks    int
	Resamples     int
	Confidence    float64
	WorkingHours  string

	// Committed, if set, is told after each step of publishing the files
	// (each file written, the week's folder swapped in, the index) (a test
	// hook: see docs/faults.md).
	Committed func(what string)
}

// OptionsFrom fills the statistical settings from the configuration.
func OptionsFrom(cfg *config.Config) Options {
	r := cfg.Report
	return Options{
		Location: cfg.Location,
		Title:    r.Title, MinN: r.MinN, TargetShare: r.TargetShare, BaselineWeeks: r.BaselineWeeks,
		TrendWeeks: r.TrendWeeks, Resamples: r.BootstrapResamples, Confidence: r.Confidence, WorkingHours: r.WorkingHours,
	}
}

// Result says what was written.
type Result struct {
	Label  string
	Dir    string
	Files  []string
	Report *Report
}

// Build computes the report for the selected window from the warehouse.
func Build(ctx context.Context, db *sql.DB, opts Options) (*Report, error) {
	w, err := selectWindow(opts)
	if err != nil {
		return nil, err
	}
	from := w.start.AddDate(0, 0, -7*max(opts.BaselineWeeks, opts.TrendWeeks))
	d, err := load(ctx, db, from, w.start, w.end)
	if err != nil {
		return nil, err
	}
	return compute(opts, w, d), nil
}

func selectWindow(opts Options) (window, error) {
	switch {
	case opts.Week != "" && (opts.From != "" || opts.To != ""):
		return window{}, fmt.Errorf("%w: give --week or --from/--to, not both", ErrUsage)
	case opts.Week != "":
		return weekWindow(opts.Week, opts.Location)
	case opts.From != "" || opts.To != "":
		if opts.From == "" || opts.To == "" {
			return window{}, fmt.Errorf("%w: --from and --to go together", ErrUsage)
		}
		return rangeWindow(opts.From, opts.To, opts.Location)
	}
	return lastCompleteWeek(opts.Now(), opts.Location), nil
}

// Run builds the report and publishes it under opts.Out.
func Run(ctx context.Context, db *sql.DB, opts Options) (*Result, error) {
	formats := opts.Formats
	if len(formats) == 0 {
		formats = Formats
	}
	for _, f := range formats {
		if !slices.Contains(Formats, f) {
			return nil, fmt.Errorf("%w: unknown format %q (want %s)", ErrUsage, f, strings.Join(Formats, ","))
		}
	}
	r, err := Build(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	files, err := Render(r, formats)
	if err != nil {
		return nil, err
	}
	dir, err := publish(opts.Out, r, files, opts.Committed)
	if err != nil {
		return nil, err
	}
	res := &Result{Label: r.Week, Dir: dir, Report: r}
	for _, f := range slices.Sorted(mapsKeys(files)) {
		res.Files = append(res.Files, f)
	}
	return res, nil
}
