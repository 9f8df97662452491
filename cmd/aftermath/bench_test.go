package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// make bench runs for hours, so nothing else would notice it rotting: this
// runs every benchmark it makes once, on the smallest workspace, and checks
// each table got its row and the file its markers.
func TestDevBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a workspace and runs every command")
	}
	dir := t.TempDir()
	gen := filepath.Join(dir, "bench.md")
	cmd := aftermathCmd("dev", "bench", "--work", filepath.Join(dir, "work"), "--runs", "1", "--out", gen,
		"--export-sizes", "10k", "--export-shapes", "default", "--transform-sizes", "10k",
		"--transform-shapes", "default,few-channels", "--report-sizes", "10k", "--run-sizes", "10k")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dev bench: %v\n%s", err, out)
	}
	b, err := os.ReadFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		`(?m)^Machine: .+, \d+ CPUs, [0-9.]+ GiB RAM`,
		`DuckDB v\d+\.\d+`,
		`(?m)^\| \d+ \| default \| [0-9.]+ s \| [0-9.]+ s \| [0-9.]+× \|`,               // export vs read_json
		`(?m)^\| \d+ \| few-channels \| 8 \| [0-9.]+ s \| [0-9.]+ s \|`,                 // transform, 8 long incidents
		`(?m)^\| \d+ \| default \| [1-9]\d* \| [0-9.]+ s \| [0-9.]+ s \|`,               // transform
		`(?m)^\| \d+ \| [1-9]\d* \| \d+ \| [0-9.]+ s \| [0-9.]+ s \| \d+ MiB \|$`,       // report
		`(?m)^\| \d+ \| [1-9]\d* \([0-9.]+%\) \| [0-9.]+ s \| [0-9.]+ s \| \d+ MiB \|$`, // nightly run
	} {
		if !regexp.MustCompile(want).MatchString(md) {
			t.Errorf("the benchmark output has no line matching %s:\n%s", want, md)
		}
	}
	doc := filepath.Join(dir, "benchmarks.md")
	os.WriteFile(doc, []byte("# Benchmarks\n\nanalysis\n"), 0o644)
	if out, err := aftermathCmd("dev", "bench-splice", doc, gen).CombinedOutput(); err != nil {
		t.Fatalf("bench-splice: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(doc)
	if !strings.HasPrefix(string(got), "# Benchmarks\n\nanalysis\n") || !strings.Contains(string(got), strings.TrimSpace(md)) {
		t.Errorf("bench-splice lost the document or the figures:\n%s", got)
	}
}
