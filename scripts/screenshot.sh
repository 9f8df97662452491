#!/usr/bin/env bash
# make screenshot: the README's picture of the weekly report. A fixed sample
# workspace (seed 1, 500 incidents over 26 weeks ending 2026-11-23), its
# report for 2026-W47, shot in headless Chromium at 1000 px wide.
#   scripts/screenshot.sh BIN OUT.png
set -euo pipefail
bin=$1
png=$2
chrome=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chrome ]] || { echo "screenshot: headless Chromium is needed (apt-get install chromium)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" dev gen-sample --out "$work/sample" --seed 1 --weeks 26 --incidents 500 --end 2026-11-23 >/dev/null
cfg=$work/sample/aftermath.yaml
"$bin" --db "$work/w.duckdb" --config "$cfg" ingest export "$work/sample/export" 2>/dev/null
"$bin" --db "$work/w.duckdb" --config "$cfg" transform 2>/dev/null
"$bin" --db "$work/w.duckdb" --config "$cfg" report --week 2026-W47 --out "$work/reports" --format html >/dev/null 2>&1
"$chrome" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --disable-quic --user-data-dir="$work/profile" \
	--proxy-server=http://127.0.0.1:9 --hide-scrollbars --force-device-scale-factor=1 \
	--window-size=1000,1500 --screenshot="$png" "file://$work/reports/2026-W47/report.html" 2>/dev/null
echo "$png"
