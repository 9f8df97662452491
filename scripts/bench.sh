#!/usr/bin/env bash
# make bench: the figures docs/benchmarks.md quotes. Long: generates 100k to
# 4M-message workspaces (about 6 GB on disk under $BENCH_WORK) and measures
# each command as its own process, several runs, medians.
set -euo pipefail
bin=$1
work=${BENCH_WORK:-${TMPDIR:-/tmp}/aftermath-bench}
runs=${BENCH_RUNS:-5}
# Export shapes measured besides the generator's own (internal/bench.Reshape).
shapes=${BENCH_SHAPES:-default,few-channels,blocks}
export GOFLAGS=-tags=duckdb_arrow
echo "## Export ingest and transform"
"$bin" dev bench --work "$work" --runs "$runs" --export-shapes "$shapes"
echo
echo "## Slack Web API ingest"
go test -run='^$' -bench='^BenchmarkSlack' -benchtime=1x -count="$runs" ./ingest/
