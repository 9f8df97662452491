package main

import (
	"io"
	"log/slog"
	"strings"
)

// newLogger is the logger writing to w (stderr, or a progress bar that
// clears its line before each record).
//
// On a terminal, text logs start at warnings (-v shows everything): the
// commands print a human summary there, and the info records would only
// repeat it. JSON logs, for machines, carry every record, and every
// duration as a number with its unit in the key (elapsed_ms).
func newLogger(d *deps, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case d.verbose:
		level = slog.LevelDebug
	case d.stderrTTY && d.logFormat != "json":
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if d.logFormat == "json" {
		opts.ReplaceAttr = durationsInMilliseconds
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// durationsInMilliseconds writes a duration attribute k as k_ms, a whole
// number of milliseconds.
func durationsInMilliseconds(groups []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	key := a.Key
	if !strings.HasSuffix(key, "_ms") {
		key += "_ms"
	}
	return slog.Int64(key, a.Value.Duration().Milliseconds())
}
