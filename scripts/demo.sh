#!/usr/bin/env bash
# The README's first command: the main job end to end on this machine.
#   1. installs dependencies and builds;
#   2. starts a Prometheus remote-write receiver, a Loki push receiver, Docker with two containers
#      that log, three SSH "VPSs" (real sshd on loopback ports, each with its own host key and
#      install dir) and fleet-controller with its SQLite store, serving https with a self-signed
#      certificate the script makes (fleetctl and the agents verify it);
#   3. applies examples/hosts.yaml, pointed at those hosts (addresses, ports, keys, URLs rewritten);
#   4. waits until the controller has installed fleet-agent on every host over SSH and every
#      agent reports Healthy; shows `fleetctl get hosts`, each host's metrics in Prometheus and the
#      containers' logs received by Loki push, labelled container/instance/job.
# Everything it starts is stopped on exit; KEEP=1 leaves it running (the script prints how to stop).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
bin=$root/build/bin
source "$root/scripts/lib/sshd-hosts.sh"

work=$(mktemp -d /tmp/vpsfleet-demo-XXXXXX)
pids=()
containers=(vpsfleet-demo-web vpsfleet-demo-worker)
started_dockerd=0
stop_all() {
  docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  [ "$started_dockerd" = 1 ] && pkill -TERM -x dockerd || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_supervised_agents "$work"/hosts/*/install/run/*.pid
  wait 2>/dev/null || true
}
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "left running; stop with: kill ${pids[*]}; rm -rf $work"' EXIT
else
  trap 'stop_all; rm -rf "$work"' EXIT
fi
# wait_http URL [curl options]
wait_http() { for _ in $(seq 200); do curl -sf "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timed out waiting for $1" >&2; return 1; }

echo "== Prometheus (remote-write receiver)"
prom_port=$(free_port)
printf 'global: {scrape_interval: 15s}\n' > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --web.enable-remote-write-receiver \
  --web.listen-address="127.0.0.1:$prom_port" --storage.tsdb.path="$work/prometheus" \
  >"$work/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready"

echo "== Loki push receiver (Loki is not installable here; this speaks its wire format)"
loki_port=$(free_port)
"$bin/loki-test-receiver" "$loki_port" "$work/loki-summary.json" >"$work/loki.log" 2>&1 &
pids+=($!)

echo "== Docker, with two containers that log"
docker version >/dev/null 2>&1 || started_dockerd=1
bash tests/e2e/ensure-dockerd.sh
docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
docker run -d --name vpsfleet-demo-web vpsfleet-busybox:latest \
  sh -c 'i=0; while true; do i=$((i+1)); echo "GET /index.html 200 request=$i"; sleep 1; done' >/dev/null
docker run -d --name vpsfleet-demo-worker vpsfleet-busybox:latest \
  sh -c 'i=0; while true; do i=$((i+1)); echo "job $i done" >&2; sleep 2; done' >/dev/null

echo "== three SSH hosts on loopback"
ssh-keygen -q -t ed25519 -N '' -f "$work/deploy_key"
declare -A ssh_port host_key
for h in atl-chat atl-network fra-db; do
  start_sshd_host "$h" "$work/hosts/$h" "$work/deploy_key.pub"
  ssh_port[$h]=$SSHD_PORT
  host_key[$h]=$SSHD_HOSTKEY
done

echo "== fleet-controller (SQLite store in $work/controller), https with a self-signed certificate"
# Self-signed, so it is its own CA: fleetctl's context names it, and the controller delivers it to
# every agent with its config (no --tls-ca-file needed).
(umask 077; openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/controller-tls.key" -out "$work/controller-tls.crt" 2>/dev/null)
ctl_port=$(free_port)
"$bin/fleet-controller" --data-dir "$work/controller" --listen "127.0.0.1:$ctl_port" \
  --tls-cert-file "$work/controller-tls.crt" --tls-private-key-file "$work/controller-tls.key" \
  --agent-bundle "$root/build/agent-bundle" --report-timeout 30 >"$work/controller.log" 2>&1 &
pids+=($!)
wait_http "https://127.0.0.1:$ctl_port/readyz" --cacert "$work/controller-tls.crt"
export FLEETCTL_CONFIG=$work/fleetctl.yaml
"$bin/fleetctl" config set-context demo --server "https://127.0.0.1:$ctl_port" --token-file "$work/controller/token" \
  --certificate-authority "$work/controller-tls.crt" --use

echo "== examples/hosts.yaml, pointed at the loopback hosts"
python3 - "$root/examples/hosts.yaml" "$work" "$prom_port" "$loki_port" \
  "atl-chat=${ssh_port[atl-chat]}=${host_key[atl-chat]}" \
  "atl-network=${ssh_port[atl-network]}=${host_key[atl-network]}" \
  "fra-db=${ssh_port[fra-db]}=${host_key[fra-db]}" > "$work/hosts.yaml" <<'PY'
import sys, socket, yaml
src, work, prom_port, loki_port, specs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
hosts = {}
for s in specs:
    name, port, key = s.split("=", 2)
    p = socket.socket(); p.bind(("127.0.0.1", 0)); listen = p.getsockname()[1]; p.close()
    hosts[name] = {"address": "127.0.0.1", "transport": "ssh",
                   "ssh": {"port": int(port), "user": "root", "keySecretRef": "deploy-key", "hostKey": key},
                   "installDir": f"{work}/hosts/{name}/install",
                   "vars": {"httpListen": f"127.0.0.1:{listen}"}}
def point(entry):
    extra = hosts[entry["name"] if "name" in entry else entry["_name"]]
    entry.pop("_name", None)
    for k, v in extra.items():
        if k == "vars":
            entry.setdefault("vars", {}).update(v)
        else:
            entry[k] = v
docs = list(yaml.safe_load_all(open(src)))
for d in docs:
    if d["kind"] == "Secret" and d["metadata"]["name"] == "deploy-key":
        d["stringData"]["ssh-privatekey"] = open(f"{work}/deploy_key").read()
    if d["kind"] == "AgentProfile":
        d["spec"]["remoteWrite"]["url"] = f"http://127.0.0.1:{prom_port}/api/v1/write"
        d["spec"]["remoteWrite"].pop("basicAuth", None)  # the local Prometheus has no auth
        d["spec"]["loki"]["url"] = f"http://127.0.0.1:{loki_port}/loki/api/v1/push"
        d["spec"].pop("http", None)
    if d["kind"] == "HostGroup":
        d["spec"]["defaults"]["transport"] = "ssh"
        for e in d["spec"]["hosts"]:
            point(e)
    if d["kind"] == "Host":
        d["spec"]["_name"] = d["metadata"]["name"]
        point(d["spec"])
print(yaml.safe_dump_all(docs, sort_keys=False))
PY
"$bin/fleetctl" apply -f "$work/hosts.yaml"

echo "== waiting for every host to be Healthy (the controller installs fleet-agent over SSH)"
healthy=0
for _ in $(seq 120); do
  healthy=$("$bin/fleetctl" get hosts -o json | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
ok = [h for h in items if any(c["type"] == "Healthy" and c["status"] == "True" for c in h.get("status", {}).get("conditions", []))]
print(len(ok))')
  [ "$healthy" = 3 ] && break
  sleep 1
done
"$bin/fleetctl" get hosts -o wide
if [ "$healthy" != 3 ]; then
  echo "only $healthy of 3 hosts became Healthy; controller log:" >&2
  tail -30 "$work/controller.log" >&2
  exit 1
fi

echo "== host metrics from each host, as they arrived in Prometheus by remote write"
for _ in $(seq 60); do
  n=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=count by (instance) (node_load1)' |
      python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))')
  [ "$n" = 3 ] && break
  sleep 1
done
curl -s "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode 'query=node_load1' | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]["result"]:
    m = r["metric"]
    print("  node_load1{instance=%r, job=%r} = %s" % (m["instance"], m.get("job"), r["value"][1]))'
[ "$n" = 3 ] || { echo "metrics from only $n of 3 hosts reached Prometheus" >&2; exit 1; }

echo "== container logs, as they arrived by Loki push (stream labels and line counts)"
for _ in $(seq 60); do
  streams=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/loki-summary.json" 2>/dev/null || echo 0)
  [ "$streams" -ge 6 ] && break
  sleep 1
done
python3 - "$work/loki-summary.json" <<'PY'
import json, sys
for s in sorted(json.load(open(sys.argv[1])), key=lambda s: sorted(s["labels"].items())):
    labels = ", ".join(f'{k}="{v}"' for k, v in sorted(s["labels"].items()))
    print(f"  {{{labels}}}  {s['lines']} lines, last: {s['last']}")
PY
[ "$streams" -ge 6 ] || { echo "logs of both containers from all 3 hosts did not all arrive ($streams streams)" >&2; exit 1; }
echo "== done: 3 hosts installed over SSH, Healthy; their metrics in Prometheus and container logs in Loki"
