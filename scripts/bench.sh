#!/usr/bin/env bash
# make bench: every figure docs/benchmarks.md quotes, measured again and
# written into it between its "make bench" markers (the hand-written
# analysis around them is left as it is; review the diff before committing).
# Long: generates 100k to 5M-message workspaces (about 35 GB on disk under
# $BENCH_WORK with the reshaped exports; the 5M one alone is 6.4 GB and takes
# tens of minutes) and measures each command as its own process, several
# runs, medians.
set -euo pipefail
bin=$1
doc=${BENCH_DOC:-docs/benchmarks.md}
work=${BENCH_WORK:-${TMPDIR:-/tmp}/aftermath-bench}
runs=${BENCH_RUNS:-5}
# Export shapes measured besides the generator's own (internal/bench.Reshape).
shapes=${BENCH_SHAPES:-default,few-channels,blocks,many-channels,long-threads}
# Export sizes: issue 11 holds the export target at 1M and 5M messages.
export_sizes=${BENCH_EXPORT_SIZES:-100k,1m,5m}
# Transform: linear from 1M to 4M, in the generator's shape and with long
# incidents (few-channels).
transform_sizes=${BENCH_TRANSFORM_SIZES:-1m,2m,4m}
transform_shapes=${BENCH_TRANSFORM_SHAPES:-default,few-channels,blocks,many-channels,long-threads}
# Report and nightly run sizes (1m-2k: 1M messages, 2,000 incidents).
report_sizes=${BENCH_REPORT_SIZES:-1m,2m,4m,1m-2k,1m-4k}
run_sizes=${BENCH_RUN_SIZES:-1m}
export GOFLAGS=-tags=duckdb_arrow
mkdir -p "$work"
gen=$work/benchmarks.generated.md
"$bin" dev bench --work "$work" --runs "$runs" --out "$gen" \
	--export-sizes "$export_sizes" --export-shapes "$shapes" \
	--transform-sizes "$transform_sizes" --transform-shapes "$transform_shapes" \
	--report-sizes "$report_sizes" --run-sizes "$run_sizes"
# BENCH_SLACK=0 leaves out the Slack Web API benchmark.
[[ ${BENCH_SLACK:-1} == 0 ]] || {
	echo
	echo "### Slack Web API ingest"
	echo
	echo '```sh'
	echo "go test -run='^\$' -bench='^BenchmarkSlack' -benchtime=1x -count=$runs ./ingest/"
	echo '```'
	echo
	echo '```'
	go test -run='^$' -bench='^BenchmarkSlack' -benchtime=1x -count="$runs" ./ingest/
	echo '```'
} >>"$gen"
"$bin" dev bench-splice "$doc" "$gen"
echo "make bench: figures written into $doc (between its make bench markers); the Markdown is also in $gen"
