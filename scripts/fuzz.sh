#!/usr/bin/env bash
# make fuzz: run every fuzz target for FUZZTIME (default 30s) each.
# New crashers land in the package's testdata/fuzz/ and then run with go test.
set -euo pipefail
time=${1:-30s}
export GOFLAGS=-tags=duckdb_arrow
mapfile -t targets < <(grep -rhoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' . | sed 's/^func //' | sort -u)
for t in "${targets[@]}"; do
	pkg=$(dirname "$(grep -rlE --include='*_test.go' "^func $t\(" . | head -n 1)")
	echo "== $t ($pkg, $time)"
	go test -run='^$' -fuzz="^$t\$" -fuzztime="$time" "$pkg"
done
