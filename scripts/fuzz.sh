#!/usr/bin/env bash
# make fuzz: run every fuzz target of the module for FUZZTIME (default 30s)
# each, one worker each (FUZZPARALLEL), one target at a time, minimising each
# new input for at most FUZZMINIMIZETIME (default 2s: Go's 60s default spends
# a short run minimising, at 0 executions a second). A target that
# fails does not stop the others; the script lists every failure at the end
# and exits 1. New crashers land in <package>/testdata/fuzz/<target>/, where
# plain `go test` runs them from then on: turn each into a regression test.
#
#   scripts/fuzz.sh [FUZZTIME] [TARGET-REGEXP]
#   FUZZTIME=5m FUZZPARALLEL=2 make fuzz
#   scripts/fuzz.sh 10s 'Signature|Links'     # only matching targets
set -uo pipefail
time=${1:-30s}
only=${2:-.}
parallel=${FUZZPARALLEL:-1}
minimize=${FUZZMINIMIZETIME:-2s}
export CGO_ENABLED=1 GOFLAGS=-tags=duckdb_arrow
cd "$(dirname "$0")/.."

# Every "func FuzzX(" in a test file, as "package-dir target"; the same name
# in two packages is two targets.
mapfile -t targets < <(git ls-files --cached --others --exclude-standard '*_test.go' |
	xargs grep -HoE '^func Fuzz[A-Za-z0-9_]+\(' |
	sed -E 's#^(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\($#./\1 \2#; s#^[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\($#. \1#' |
	sort -u | grep -E " .*($only)")
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets match '$only'" >&2
	exit 1
fi

failed=()
for entry in "${targets[@]}"; do
	read -r pkg t <<<"$entry"
	echo "== $t ($pkg, $time, $parallel worker)"
	log=$(mktemp)
	# The progress lines every 3 s are dropped from the screen, kept in $log.
	go test -run='^$' -fuzz="^$t\$" -fuzztime="$time" -parallel="$parallel" -fuzzminimizetime="$minimize" "$pkg" 2>&1 | tee "$log" | grep -vE '^fuzz: elapsed: [0-9]+m?[0-9]*s,'
	status=${PIPESTATUS[0]}
	execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -n 1)
	rm -f "$log"
	if [ "$status" -ne 0 ]; then
		failed+=("$pkg $t")
		echo "-- $t FAILED (${execs:-no executions})"
	else
		echo "-- $t ok (${execs:-no executions})"
	fi
done

echo "fuzz: ${#targets[@]} targets, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
	printf '  FAILED %s\n' "${failed[@]}"
	exit 1
fi
