#!/usr/bin/env bash
# make demo: the whole job end to end on a generated sample workspace.
#   scripts/demo.sh BIN DIR
set -euo pipefail
bin=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"
db=$dir/aftermath.duckdb
sample=$dir/sample
step() { printf '\n== %s\n' "$*"; }

step "1. Generate a sample Slack workspace (200 incidents over 12 weeks) with its ground truth"
"$bin" dev gen-sample --out "$sample" --seed 1 --weeks 12 --incidents 200
cfg=$sample/aftermath.yaml

step "2. Backfill: ingest the Slack export"
"$bin" --db "$db" --config "$cfg" ingest export "$sample/export"

step "3. Nightly: ingest the same workspace through the Slack Web API (a local fake that speaks Slack's JSON)"
live=$dir/live.duckdb
server_out=$dir/slack-server.out
"$bin" dev slack-server --from "$sample/export" >"$server_out" 2>"$dir/slack-server.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
	[[ -s $server_out ]] && break
	sleep 0.1
done
url=$(head -n 1 "$server_out")
echo "fake Slack Web API at $url"
# The fake is local, so the demo lifts the per-method rate limits that
# follow Slack's tiers by default (a first run would otherwise wait ~10 min).
live_cfg=$dir/live.yaml
rates="{conversations.list: 6000, users.list: 6000, conversations.history: 6000, conversations.replies: 6000, conversations.info: 6000, conversations.join: 6000}"
sed "s/^slack:\$/slack:\n  rate_per_minute: $rates/" "$cfg" >"$live_cfg"
SLACK_TOKEN=xoxb-demo-not-a-real-token "$bin" --db "$live" --config "$live_cfg" ingest slack --api-url "$url"
echo "second nightly run (nothing new, so only open channels are read):"
SLACK_TOKEN=xoxb-demo-not-a-real-token "$bin" --db "$live" --config "$live_cfg" ingest slack --api-url "$url"
kill $server 2>/dev/null || true
trap - EXIT
echo "the export and the API gave the same messages:"
"$bin" --db "$db" query --format table "SELECT count(*) AS messages_from_export FROM messages"
"$bin" --db "$live" query --format table "SELECT count(*) AS messages_from_api FROM messages"

step "4. The nightly job: aftermath run (transform, report, publish the analysts' snapshot, record the run)"
# The demo already ingested, so its run skips ingest; in production run.ingest
# is slack (or export, from a drop folder).
run_cfg=$dir/run.yaml
{ cat "$cfg"; printf '\nrun:\n  ingest: none\n'; } >"$run_cfg"
"$bin" --db "$db" --config "$run_cfg" run --summary-file "$dir/last-run.json" --metrics-file "$dir/aftermath.prom"
# The run is recorded after it publishes, so the working file (--live) has it.
"$bin" --db "$db" query --live --format table "SELECT step, status, duration_ms FROM run_steps ORDER BY position"

step "5. Headline numbers"
"$bin" --db "$db" query --format table --saved severity
"$bin" --db "$db" query --format table "SELECT count(*) FILTER (WHERE NOT excluded) AS incidents, count(*) FILTER (WHERE excluded) AS excluded,
	count(*) FILTER (WHERE recurrence_of IS NOT NULL) AS recurrences,
	round(100.0 * count(*) FILTER (WHERE regression_test IN ('verified','claimed')) / count(*) FILTER (WHERE regression_test <> 'not_applicable'), 1) AS pct_with_regression_test,
	round(100.0 * count(*) FILTER (WHERE detection_source = 'alert' AND NOT excluded) / count(*) FILTER (WHERE NOT excluded), 1) AS pct_alert_detected
	FROM incidents"
"$bin" --db "$db" query --format table --saved weekly

step "6. The weekly reliability report (last complete week): HTML, Markdown, JSON, CSV"
"$bin" --db "$db" --config "$cfg" report --out "$dir/reports"
report=$dir/reports/$(ls "$dir/reports" | grep -E '^[0-9]{4}-W[0-9]{2}$' | sort | tail -n 1)/report.html
echo "report: $report"

cat <<EOT

Done. Outputs:
  $db              the working warehouse (DuckDB): raw layer and derived layer
  ${db%.duckdb}.snapshot.duckdb     the published snapshot analysts and any DuckDB client read
  $dir/last-run.json    the run's summary; $dir/aftermath.prom its Prometheus metrics
  $live                 the same workspace ingested through the Web API path
  $sample/truth.json    the generator's ground truth, to check the numbers against
  $report   the weekly report (open it in a browser); $dir/reports/index.html lists every week

Query it:
  $bin --db $db query --list
  $bin --db $db query --saved incidents
  $bin --db $db query --saved timeline        # every timestamp with its evidence
  $bin --db $db query "SELECT * FROM weekly_metrics"
  $bin schema                                  # what every table and column means
EOT
