#!/usr/bin/env bash
# Controller benchmark (issue 3): apply N hosts through the API in one `fleetctl apply`, list them,
# and measure the controller's RSS; Ansible's inventory listing of the same N hosts runs in the
# same run as the peer users have today.
#   bench/controller_apply.sh [N]        (default 10000; needs a build in build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10000}
bin=$root/build/bin
work=$(mktemp -d /tmp/vpsfleet-bench-XXXXXX)
ctl_pid=
cleanup() {
  [ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null && wait "$ctl_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/fleet-controller" --data-dir "$work/data" --listen "127.0.0.1:$port" --log-level warn &
ctl_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
export FLEETCTL_SERVER=http://127.0.0.1:$port FLEETCTL_TOKEN=$(cat "$work/data/token") FLEETCTL_CONFIG=$work/fleetctl.yaml

python3 - "$n" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/hosts.yaml", "w") as f:
    for i in range(n):
        f.write(f"---\napiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata:\n  name: host-{i:05d}\n"
                f"  labels: {{region: r{i % 20}, role: web}}\nspec:\n  address: 10.{i // 65536}.{i // 256 % 256}.{i % 256}\n"
                f"  profile: standard\n  ssh: {{port: 22, user: root, keySecretRef: deploy-key}}\n")
with open(f"{work}/inventory.yaml", "w") as f:
    f.write("all:\n  hosts:\n")
    for i in range(n):
        f.write(f"    host-{i:05d}: {{ansible_host: 10.{i // 65536}.{i // 256 % 256}.{i % 256}, ansible_port: 22, ansible_user: root, region: r{i % 20}}}\n")
PY

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
apply_s=$(t "$bin/fleetctl" --request-timeout 300 apply -f "$work/hosts.yaml")
reapply_s=$(t "$bin/fleetctl" --request-timeout 300 apply -f "$work/hosts.yaml")
get_s=$(t "$bin/fleetctl" get hosts)
get_json_s=$(t "$bin/fleetctl" get hosts -o json)
get_sel_s=$(t "$bin/fleetctl" get hosts -l region=r7)
count=$("$bin/fleetctl" get hosts -o name | wc -l)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$ctl_pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$ctl_pid/status")
ansible_s=$(t ansible-inventory -i "$work/inventory.yaml" --list)

printf '\nController with %d hosts (SQLite store, one atomic apply)\n' "$n"
printf '%-44s %12s %12s\n' "measure" "value" "target"
printf '%-44s %11.2fs %12s\n' "fleetctl apply -f (create $n hosts)" "$apply_s" "< 5 s"
printf '%-44s %11.2fs %12s\n' "fleetctl apply -f (again, all unchanged)" "$reapply_s" ""
printf '%-44s %11.2fs %12s\n' "fleetctl get hosts (table)" "$get_s" "< 1 s"
printf '%-44s %11.2fs %12s\n' "fleetctl get hosts -o json" "$get_json_s" ""
printf '%-44s %11.2fs %12s\n' "fleetctl get hosts -l region=r7" "$get_sel_s" ""
printf '%-44s %11.1fMB %12s\n' "controller RSS after (VmRSS)" "$(echo "$rss_kb/1024" | bc -l)" "< 100 MB"
printf '%-44s %11.1fMB %12s\n' "controller peak RSS (VmHWM)" "$(echo "$hwm_kb/1024" | bc -l)" ""
printf '%-44s %11.2fs %12s\n' "peer: ansible-inventory --list ($n hosts)" "$ansible_s" ""
printf '%-44s %12d %12d\n' "hosts listed" "$count" "$n"
