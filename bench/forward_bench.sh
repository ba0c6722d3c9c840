#!/bin/sh
# Forwarding benchmark (issue 5), one command, two tables:
#  1. Logs: CONTAINERS busybox containers each write LINES lines as fast as they can, then idle;
#     a fresh fleet-agent forwards the whole backlog to a Loki push endpoint. Reported: lines per
#     agent CPU-second (= per core), wall-clock lines/s, peak and final RSS.
#  2. Metrics: fleet-agent shipping its host + container metrics by remote write, against
#     Prometheus in agent mode (--enable-feature=agent) scraping prometheus-node-exporter and
#     remote-writing to the same receiver (a real Prometheus), side by side for DURATION_S with
#     one scrape every INTERVAL_S: RSS and CPU of each side.
#
#   bench/forward_bench.sh [CONTAINERS=4] [LINES=250000] [DURATION_S=60] [INTERVAL_S=5]
#   FLEET_AGENT=path/to/fleet-agent (default: build-fwd/bin/fleet-agent, build/bin/fleet-agent)
set -eu

CONTAINERS=${1:-4}
LINES=${2:-250000}
DURATION=${3:-60}
INTERVAL=${4:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AGENT_BIN=${FLEET_AGENT:-}
for candidate in "$ROOT/build-fwd/bin/fleet-agent" "$ROOT/build/bin/fleet-agent"; do
  if [ -z "$AGENT_BIN" ] && [ -x "$candidate" ]; then AGENT_BIN=$candidate; fi
done
[ -x "$AGENT_BIN" ] || { echo "fleet-agent binary not found; set FLEET_AGENT" >&2; exit 1; }

WORK=$(mktemp -d)
PREFIX="vpsfleet-fwdbench-$$"
PIDS=""
cleanup() {
  for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
  for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
  ids=$(docker ps -aq --filter "name=$PREFIX-" 2>/dev/null || true)
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

. "$ROOT/scripts/lib/proc.sh"
status_mib() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }  # pid VmRSS|VmHWM
metric() {  # port family-with-labels: sum of matching samples on /metrics
  curl -s "http://127.0.0.1:$1/metrics" | awk -v f="$2" 'index($0, f) == 1 { s += $NF } END { printf "%.0f", s }'
}
wait_http() {  # port path
  n=0
  until curl -sf -o /dev/null "http://127.0.0.1:$1$2"; do
    n=$((n + 1)); [ "$n" -lt 300 ] || { echo "nothing answers on $1$2" >&2; exit 1; }
    sleep 0.1
  done
}
start() {  # name command...: background process, pid in $LAST_PID
  name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS="$PIDS $LAST_PID"
}

if [ -x "$ROOT/tests/e2e/ensure-dockerd.sh" ] || [ -f "$ROOT/tests/e2e/ensure-dockerd.sh" ]; then
  sh "$ROOT/tests/e2e/ensure-dockerd.sh" >/dev/null
fi

# ---------------------------------------------------------------- 1. logs
echo "logs: $CONTAINERS containers writing $LINES lines each..." >&2
LINE="ts=2026-01-01T00:00:00Z level=info msg=\"request served\" path=/api/v1/items status=200 bytes=5120"
i=0
while [ "$i" -lt "$CONTAINERS" ]; do
  docker run -d --name "$PREFIX-log-$i" vpsfleet-busybox:latest \
    sh -c "yes '$LINE' | head -n $LINES; touch /done; sleep 86400" >/dev/null
  i=$((i + 1))
done
i=0
while [ "$i" -lt "$CONTAINERS" ]; do
  until docker exec "$PREFIX-log-$i" test -f /done 2>/dev/null; do sleep 0.5; done
  i=$((i + 1))
done
TOTAL=$((CONTAINERS * LINES))

SINK_PORT=$(free_port)
start sink python3 "$ROOT/bench/forward_loki_sink.py" "$SINK_PORT"
wait_http "$SINK_PORT" /
AGENT_PORT=$(free_port)
cat >"$WORK/logs.yaml" <<YAML
apiVersion: vpsfleet.io/v1alpha1
kind: AgentConfig
instance: bench
http: {listen: "127.0.0.1:$AGENT_PORT"}
collectors: {enabled: [time], container: {enabled: false}}
loki: {url: "http://127.0.0.1:$SINK_PORT/loki/api/v1/push"}
buffer: {dir: "$WORK/logs-buffer", maxBytes: 1Gi}
YAML
T0=$(date +%s.%N)
start agent-logs "$AGENT_BIN" --config "$WORK/logs.yaml"
LOG_AGENT=$LAST_PID
wait_http "$AGENT_PORT" /-/ready
# Other containers on the host may log too; count only until ours are all through.
until [ "$(metric "$AGENT_PORT" 'fleet_agent_sink_items_sent_total{sink="loki"}')" -ge "$TOTAL" ]; do
  kill -0 "$LOG_AGENT" || { echo "agent died" >&2; cat "$WORK/agent-logs.log" >&2; exit 1; }
  sleep 0.2
done
T1=$(date +%s.%N)
LOG_CPU=$(cpu_seconds "$LOG_AGENT" 2)
LOG_HWM=$(status_mib "$LOG_AGENT" VmHWM)
LOG_RSS=$(status_mib "$LOG_AGENT" VmRSS)
SENT=$(metric "$AGENT_PORT" 'fleet_agent_sink_items_sent_total{sink="loki"}')
SENT_BYTES=$(metric "$AGENT_PORT" 'fleet_agent_sink_bytes_sent_total{sink="loki"}')
kill "$LOG_AGENT"; wait "$LOG_AGENT" 2>/dev/null || true
ids=$(docker ps -aq --filter "name=$PREFIX-log-")
docker rm -f $ids >/dev/null

printf '\nLogs: %s containers x %s lines (%s bytes each) forwarded from the Docker API backlog to a Loki push endpoint (protobuf+snappy)\n\n' \
  "$CONTAINERS" "$LINES" "$(printf %s "$LINE" | wc -c)"
printf '| %-34s | %16s |\n' "" "fleet-agent"
printf '|%s|%s|\n' "------------------------------------" "------------------"
printf '| %-34s | %16s |\n' "lines forwarded" "$SENT"
printf '| %-34s | %16s |\n' "wall time (s)" "$(echo "$T0 $T1" | awk '{ printf "%.1f", $2 - $1 }')"
printf '| %-34s | %16s |\n' "agent CPU (s)" "$LOG_CPU"
printf '| %-34s | %16s |\n' "lines/s per agent CPU core" "$(echo "$SENT $LOG_CPU" | awk '{ printf "%.0f", $1 / $2 }')"
printf '| %-34s | %16s |\n' "lines/s wall clock" "$(echo "$SENT $T0 $T1" | awk '{ printf "%.0f", $1 / ($3 - $2) }')"
printf '| %-34s | %16s |\n' "compressed MiB sent" "$(echo "$SENT_BYTES" | awk '{ printf "%.1f", $1 / 1048576 }')"
printf '| %-34s | %16s |\n' "peak RSS (MiB)" "$LOG_HWM"
printf '| %-34s | %16s |\n' "RSS at the end (MiB)" "$LOG_RSS"

# ---------------------------------------------------------------- 2. metrics
echo "metrics: ${DURATION}s side by side, ${INTERVAL}s interval..." >&2
RECV_PORT=$(free_port)
mkdir -p "$WORK/recv" "$WORK/pagent"
printf 'global:\n  scrape_interval: 1h\n' >"$WORK/recv/prometheus.yml"
start receiver /usr/bin/prometheus --config.file="$WORK/recv/prometheus.yml" --web.enable-remote-write-receiver \
  --web.listen-address="127.0.0.1:$RECV_PORT" --storage.tsdb.path="$WORK/recv/tsdb"
wait_http "$RECV_PORT" /-/ready

NE_PORT=$(free_port)
start node-exporter /usr/bin/prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT"
NE_PID=$LAST_PID
wait_http "$NE_PORT" /metrics
PA_PORT=$(free_port)
cat >"$WORK/pagent/prometheus.yml" <<YAML
global: {scrape_interval: ${INTERVAL}s, external_labels: {side: prometheus-agent}}
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$NE_PORT"]}]
remote_write:
  - url: http://127.0.0.1:$RECV_PORT/api/v1/write
YAML
start prometheus-agent /usr/bin/prometheus --enable-feature=agent --config.file="$WORK/pagent/prometheus.yml" \
  --web.listen-address="127.0.0.1:$PA_PORT" --storage.agent.path="$WORK/pagent/wal"
PA_PID=$LAST_PID

AGENT_PORT=$(free_port)
cat >"$WORK/metrics.yaml" <<YAML
apiVersion: vpsfleet.io/v1alpha1
kind: AgentConfig
instance: bench
job: fleet-agent
scrapeInterval: ${INTERVAL}s
http: {listen: "127.0.0.1:$AGENT_PORT"}
remoteWrite: {url: "http://127.0.0.1:$RECV_PORT/api/v1/write"}
buffer: {dir: "$WORK/metrics-buffer", maxBytes: 256Mi}
YAML
start agent-metrics "$AGENT_BIN" --config "$WORK/metrics.yaml"
MET_AGENT=$LAST_PID
wait_http "$AGENT_PORT" /-/ready
wait_http "$PA_PORT" /-/ready
sleep "$DURATION"

A_CPU=$(cpu_seconds "$MET_AGENT" 2); A_RSS=$(status_mib "$MET_AGENT" VmRSS)
NE_CPU=$(cpu_seconds "$NE_PID" 2); NE_RSS=$(status_mib "$NE_PID" VmRSS)
PA_CPU=$(cpu_seconds "$PA_PID" 2); PA_RSS=$(status_mib "$PA_PID" VmRSS)
A_SAMPLES=$(metric "$AGENT_PORT" 'fleet_agent_sink_items_sent_total{sink="remote_write"}')
PA_SAMPLES=$(metric "$PA_PORT" 'prometheus_remote_storage_samples_total')
series() {  # selector: series the receiver holds
  curl -s "http://127.0.0.1:$RECV_PORT/api/v1/query" --data-urlencode "query=count({$1})" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)'
}
A_SERIES=$(series 'job="fleet-agent"')
PA_SERIES=$(series 'side="prometheus-agent"')

printf '\nMetrics: %ss, one collection every %ss, both remote-writing to the same Prometheus receiver\n\n' "$DURATION" "$INTERVAL"
printf '| %-30s | %22s | %14s | %16s | %16s |\n' "" "fleet-agent" "node_exporter" "prometheus agent" "pair (NE + agent)"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------------" "------------------------" "----------------" "------------------" "------------------"
printf '| %-30s | %22s | %14s | %16s | %16s |\n' "collects" "host + containers" "host" "-" "host"
printf '| %-30s | %22s | %14s | %16s | %16s |\n' "series at the receiver" "$A_SERIES" "" "" "$PA_SERIES"
printf '| %-30s | %22s | %14s | %16s | %16s |\n' "samples sent" "$A_SAMPLES" "" "$PA_SAMPLES" "$PA_SAMPLES"
printf '| %-30s | %22s | %14s | %16s | %16s |\n' "RSS (MiB)" "$A_RSS" "$NE_RSS" "$PA_RSS" "$(echo "$NE_RSS $PA_RSS" | awk '{ printf "%.1f", $1 + $2 }')"
printf '| %-30s | %22s | %14s | %16s | %16s |\n' "CPU seconds (incl. startup)" "$A_CPU" "$NE_CPU" "$PA_CPU" "$(echo "$NE_CPU $PA_CPU" | awk '{ printf "%.2f", $1 + $2 }')"
printf '\nfleet-agent RSS / pair RSS = %s (target <= 0.25)\n' \
  "$(echo "$A_RSS $NE_RSS $PA_RSS" | awk '{ printf "%.2f", $1 / ($2 + $3) }')"
