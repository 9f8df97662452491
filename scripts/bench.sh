#!/usr/bin/env bash
# make bench: the figures docs/benchmarks.md quotes. Long: generates 100k to
# 5M-message workspaces (about 35 GB on disk under $BENCH_WORK with the
# reshaped exports; the 5M one alone is 6.4 GB and takes tens of minutes)
# and measures each command as its own process, several runs, medians.
set -euo pipefail
bin=$1
work=${BENCH_WORK:-${TMPDIR:-/tmp}/aftermath-bench}
runs=${BENCH_RUNS:-5}
# Export shapes measured besides the generator's own (internal/bench.Reshape).
shapes=${BENCH_SHAPES:-default,few-channels,blocks}
# Export sizes: issue 11 holds the export target at 1M and 5M messages.
export_sizes=${BENCH_EXPORT_SIZES:-100k,1m,5m}
export GOFLAGS=-tags=duckdb_arrow
echo "## Export ingest and transform"
"$bin" dev bench --work "$work" --runs "$runs" --export-sizes "$export_sizes" --export-shapes "$shapes"
echo
echo "## Slack Web API ingest"
go test -run='^$' -bench='^BenchmarkSlack' -benchtime=1x -count="$runs" ./ingest/
