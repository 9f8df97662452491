#!/usr/bin/env bash
# make bench-go: the Go benchmarks (testing.B) of the per-message hot paths,
# in benchstat's format. Run it on two commits and compare:
#
#   make bench-go BENCHOUT=/tmp/old.txt   # on the old commit
#   make bench-go BENCHOUT=/tmp/new.txt   # on the new one
#   benchstat /tmp/old.txt /tmp/new.txt   # go install golang.org/x/perf/cmd/benchstat@latest
#
# BENCHCOUNT runs of each (default 6, what benchstat needs for a confidence
# interval), BENCH a regexp of names, BENCHPKGS the packages. The machine's
# load goes to stderr, not into the file: benchstat would read a "key: value"
# line as a configuration label and refuse to compare the files.
set -euo pipefail
out=${1:-bin/bench-go.txt}
count=${BENCHCOUNT:-6}
bench=${BENCH:-.}
pkgs=${BENCHPKGS:-./transform/}
export CGO_ENABLED=1 GOFLAGS=-tags=duckdb_arrow
cd "$(dirname "$0")/.."
mkdir -p "$(dirname "$out")"
echo "bench-go: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# shellcheck disable=SC2086 # BENCHPKGS is a list
go test -run='^$' -bench="$bench" -benchmem -count="$count" $pkgs | tee "$out"
echo "bench-go: load after: $(cut -d' ' -f1-3 /proc/loadavg); results in $out" >&2
