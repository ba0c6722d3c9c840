#!/bin/sh
# fleet-agent (host + container collectors) vs prometheus-node-exporter (host only, the same
# collectors: every one the agent has, all on by default in both), side by side with N busybox
# containers running: RSS after the run, CPU seconds per scrape, scrape latency. The agent does
# what the compose stack's Alloy adds on top: it also scrapes two app containers labelled for
# scraping (prometheus.io/scrape, found by Docker discovery, 250 series each), applies a
# metric_relabel rule set to its own series, and pushes everything by remote write to a real
# Prometheus (Debian `prometheus` with its remote-write receiver). A second fleet-agent with the
# container collector, the scrapes and remote write off shows what the host half costs alone.
#
#   bench/agent_metrics.sh [DURATION_S=120] [CONTAINERS=20] [INTERVAL_S=15]
#   FLEET_AGENT=path/to/fleet-agent (default: build-agent/bin/fleet-agent, then build/bin/...)
#
# Both are scraped every INTERVAL_S for DURATION_S (steady state, like Prometheus would), then
# 200 times back to back (burst) to measure CPU per scrape without the idle time in between.
# RSS is VmRSS, as for any process; the row under it is its anonymous part (RssAnon: heap and
# stacks), the rest being pages of the binary and its shared libraries, which the two fleet-agent
# columns share with each other and with any other process that maps the same files.
set -eu

DURATION=${1:-120}
CONTAINERS=${2:-20}
INTERVAL=${3:-15}
BURST=200  # CPU times tick at 10 ms: 200 scrapes resolve 0.05 ms per scrape
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AGENT_BIN=${FLEET_AGENT:-}
for candidate in "$ROOT/build-agent/bin/fleet-agent" "$ROOT/build/bin/fleet-agent"; do
  if [ -z "$AGENT_BIN" ] && [ -x "$candidate" ]; then AGENT_BIN=$candidate; fi
done
[ -x "$AGENT_BIN" ] || { echo "fleet-agent binary not found; set FLEET_AGENT" >&2; exit 1; }
# The agent's host collector table (agent/collectors/registry.cc), each on by default in both.
COLLECTORS="arp bcache bonding btrfs conntrack cpu cpufreq diskstats dmi edac entropy fibrechannel
  filefd filesystem hwmon infiniband ipvs loadavg mdadm meminfo netclass netdev netstat nfs
  nfsd nvme os powersupplyclass pressure rapl schedstat selinux sockstat softnet stat tapestats
  textfile thermal_zone time timex udp_queues uname vmstat xfs zfs"

WORK=$(mktemp -d)
PREFIX="vpsfleet-bench-$$"
AGENT_PID=""
HOST_PID=""
NE_PID=""
PROM_PID=""
cleanup() {
  [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null || true
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  [ -n "$HOST_PID" ] && kill "$HOST_PID" 2>/dev/null || true
  [ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null || true
  ids=$(docker ps -aq --filter "name=$PREFIX-" 2>/dev/null || true)
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

. "$ROOT/scripts/lib/proc.sh"
rss_mib() { awk -v f="${2:-VmRSS}:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
scrape() {  # port outfile-for-latency
  curl -s -o "$WORK/body.$1" -w '%{time_total}\n' "http://127.0.0.1:$1/metrics" >> "$2"
}
percentile() {  # file p
  sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((NR - 1) * p / 100) + 1; printf "%.1f", v[i] * 1000 }'
}

"$ROOT/tests/e2e/ensure-dockerd.sh" >/dev/null
echo "starting $CONTAINERS containers..." >&2
i=0
while [ "$i" -lt "$CONTAINERS" ]; do
  docker run -d --name "$PREFIX-$i" vpsfleet-busybox:latest sleep 86400 >/dev/null
  i=$((i + 1))
done
# Two apps serving 250 series each on their own address, labelled for scraping (busybox's httpd
# sends text/plain for a .txt file, as an exporter would for /metrics).
APP_METRICS='awk '"'"'BEGIN { print "# HELP app_requests_total Requests served."; print "# TYPE app_requests_total counter";
  for (i = 0; i < 250; i++) printf "app_requests_total{path=\"/p%d\",code=\"%d\"} %d\n", i / 5, 200 + i % 5, i * 7 }'"'"
for app in 0 1; do
  docker run -d --name "$PREFIX-app-$app" --label prometheus.io/scrape=true --label prometheus.io/port=8080 \
    --label prometheus.io/path=/metrics.txt vpsfleet-busybox:latest \
    sh -c "mkdir -p /www && $APP_METRICS > /www/metrics.txt && exec httpd -f -p 8080 -h /www" >/dev/null
done

NE_PORT=$(free_port)
AGENT_PORT=$(free_port)
HOST_PORT=$(free_port)
PROM_PORT=$(free_port)
printf 'global: {scrape_interval: 15s}\n' >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --web.enable-remote-write-receiver \
  --web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.path="$WORK/prometheus" \
  >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
NE_ARGS="--web.listen-address=127.0.0.1:$NE_PORT --collector.disable-defaults"
for c in $COLLECTORS; do NE_ARGS="$NE_ARGS --collector.$c"; done
/usr/bin/prometheus-node-exporter $NE_ARGS >"$WORK/ne.log" 2>&1 &
NE_PID=$!
# A relabel rule set of the kind operators add: drop a family, drop the per-collector timings,
# rename a label, fold an internal label away and tag everything with its region.
cat >"$WORK/agent.yaml" <<YAML
apiVersion: vpsfleet.io/v1alpha1
kind: AgentConfig
instance: bench
scrapeInterval: ${INTERVAL}s
http: {listen: "127.0.0.1:$AGENT_PORT"}
collectors: {container: {enabled: true, dockerLabels: true}}
buffer: {dir: "$WORK/buffer"}
remoteWrite: {url: "http://127.0.0.1:$PROM_PORT/api/v1/write"}
metricRelabelConfigs:
  - {action: drop, sourceLabels: [__name__], regex: "node_scrape_collector_duration_seconds"}
  - {action: drop, sourceLabels: [__name__], regex: "node_(softnet|schedstat)_.*"}
  - {action: replace, sourceLabels: [device], targetLabel: dev, regex: "(.+)"}
  - {action: labeldrop, regex: "device"}
  - {action: replace, targetLabel: region, replacement: bench-1}
YAML
"$AGENT_BIN" --config "$WORK/agent.yaml" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
cat >"$WORK/host.yaml" <<YAML
apiVersion: vpsfleet.io/v1alpha1
kind: AgentConfig
instance: bench
http: {listen: "127.0.0.1:$HOST_PORT"}
collectors: {container: {enabled: false}}
YAML
"$AGENT_BIN" --config "$WORK/host.yaml" >"$WORK/host.log" 2>&1 &
HOST_PID=$!
for port in "$NE_PORT" "$AGENT_PORT" "$HOST_PORT" "$PROM_PORT"; do
  n=0
  until curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; do
    n=$((n + 1)); [ "$n" -lt 100 ] || { echo "exporter on $port did not start" >&2; exit 1; }
    sleep 0.1
  done
done

echo "steady state: scraping both every ${INTERVAL}s for ${DURATION}s..." >&2
NE_CPU0=$(cpu_seconds "$NE_PID"); AGENT_CPU0=$(cpu_seconds "$AGENT_PID"); HOST_CPU0=$(cpu_seconds "$HOST_PID")
START=$(date +%s)
SCRAPES=0
while [ $(( $(date +%s) - START )) -lt "$DURATION" ]; do
  scrape "$NE_PORT" "$WORK/ne.lat"
  scrape "$AGENT_PORT" "$WORK/agent.lat"
  scrape "$HOST_PORT" "$WORK/host.lat"
  SCRAPES=$((SCRAPES + 1))
  sleep "$INTERVAL"
done
NE_CPU1=$(cpu_seconds "$NE_PID"); AGENT_CPU1=$(cpu_seconds "$AGENT_PID"); HOST_CPU1=$(cpu_seconds "$HOST_PID")
NE_RSS=$(rss_mib "$NE_PID"); AGENT_RSS=$(rss_mib "$AGENT_PID"); HOST_RSS=$(rss_mib "$HOST_PID")
NE_ANON=$(rss_mib "$NE_PID" RssAnon); AGENT_ANON=$(rss_mib "$AGENT_PID" RssAnon)
HOST_ANON=$(rss_mib "$HOST_PID" RssAnon)

echo "burst: $BURST back-to-back scrapes each..." >&2
for who in ne agent host; do
  case $who in
    ne) pid=$NE_PID; port=$NE_PORT ;;
    agent) pid=$AGENT_PID; port=$AGENT_PORT ;;
    host) pid=$HOST_PID; port=$HOST_PORT ;;
  esac
  c0=$(cpu_seconds "$pid")
  n=0
  while [ "$n" -lt "$BURST" ]; do scrape "$port" "$WORK/$who.burst"; n=$((n + 1)); done
  c1=$(cpu_seconds "$pid")
  eval "${who}_BURST_CPU=\$(echo \"\$c0 \$c1\" | awk -v n=$BURST '{ printf \"%.4f\", (\$2 - \$1) / n }')"
done
NE_RSS_BURST=$(rss_mib "$NE_PID"); AGENT_RSS_BURST=$(rss_mib "$AGENT_PID"); HOST_RSS_BURST=$(rss_mib "$HOST_PID")
NE_SERIES=$(grep -vc '^#' "$WORK/body.$NE_PORT"); AGENT_SERIES=$(grep -vc '^#' "$WORK/body.$AGENT_PORT")
HOST_SERIES=$(grep -vc '^#' "$WORK/body.$HOST_PORT")
AGENT_CONTAINERS=$(grep -c '^container_last_seen{.*name="' "$WORK/body.$AGENT_PORT" || true)

# What reached Prometheus by remote write: the app targets up, and their series.
prom_query() {
  curl -s --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query" |
    sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}
APPS_UP=$(prom_query 'count(up{job="containers"} == 1)')
APP_SERIES=$(prom_query 'count(app_requests_total)')
HOST_SERIES_PUSHED=$(prom_query 'count({job="fleet-agent",region="bench-1"})')

steady() { echo "$1 $2 $3" | awk '{ printf "%.4f", ($2 - $1) / $3 }'; }
lat() { echo "$(percentile "$1" 50) / $(percentile "$1" "$2")"; }
row() { printf '| %-38s | %28s | %28s | %26s |\n' "$1" "$2" "$3" "$4"; }
printf '\nfleet-agent vs prometheus-node-exporter: %s containers running, %s scrapes every %ss over %ss, then %s back-to-back\n\n' \
  "$CONTAINERS" "$SCRAPES" "$INTERVAL" "$DURATION" "$BURST"
row "" "fleet-agent (host+container)" "fleet-agent (host only)" "node_exporter 1.5.0 (host)"
printf '|%s|%s|%s|%s|\n' "----------------------------------------" "------------------------------" "------------------------------" "----------------------------"
row "series per scrape" "$AGENT_SERIES ($AGENT_CONTAINERS containers)" "$HOST_SERIES" "$NE_SERIES"
row "app targets up / their series (Prom.)" "${APPS_UP:-0} of 2 / ${APP_SERIES:-0}" "-" "-"
row "own series pushed, relabeled (Prom.)" "${HOST_SERIES_PUSHED:-0}" "-" "-"
row "RSS after ${DURATION}s (MiB)" "$AGENT_RSS" "$HOST_RSS" "$NE_RSS"
row "  of which anonymous: heap, stacks" "$AGENT_ANON" "$HOST_ANON" "$NE_ANON"
row "RSS after burst (MiB)" "$AGENT_RSS_BURST" "$HOST_RSS_BURST" "$NE_RSS_BURST"
row "CPU s per scrape, steady (incl. idle)" "$(steady "$AGENT_CPU0" "$AGENT_CPU1" "$SCRAPES")" "$(steady "$HOST_CPU0" "$HOST_CPU1" "$SCRAPES")" "$(steady "$NE_CPU0" "$NE_CPU1" "$SCRAPES")"
row "CPU s per scrape, burst" "$agent_BURST_CPU" "$host_BURST_CPU" "$ne_BURST_CPU"
row "scrape latency p50 / max, steady (ms)" "$(lat "$WORK/agent.lat" 100)" "$(lat "$WORK/host.lat" 100)" "$(lat "$WORK/ne.lat" 100)"
row "scrape latency p50 / p99, burst (ms)" "$(lat "$WORK/agent.burst" 99)" "$(lat "$WORK/host.burst" 99)" "$(lat "$WORK/ne.burst" 99)"

# The targets (issue 17): fleet-agent doing the whole job (host, containers, app targets, relabel
# rules, remote write) at most half node_exporter's RSS and 0.3x its CPU per scrape. "steady" is
# the CPU over the whole run divided by the scrapes, what a host pays for a scrape every
# INTERVAL_S, and for the agent includes its own collection, the app scrapes and the pushes
# between them; "burst" leaves out what each spends between scrapes.
ratio() { echo "$1 $2" | awk '{ printf "%.2fx", $1 / $2 }'; }
printf '\nfleet-agent (host+container) / node_exporter, targets RSS <= 0.50x, CPU per scrape <= 0.30x:\n'
printf '  RSS after %ss %s   CPU per scrape steady %s   burst %s\n' "$DURATION" \
  "$(ratio "$AGENT_RSS" "$NE_RSS")" \
  "$(ratio "$(steady "$AGENT_CPU0" "$AGENT_CPU1" "$SCRAPES")" "$(steady "$NE_CPU0" "$NE_CPU1" "$SCRAPES")")" \
  "$(ratio "$agent_BURST_CPU" "$ne_BURST_CPU")"
