#!/usr/bin/env bash
# Delivery benchmark (issue 6): N real sshd hosts on loopback (default 50). A config change
# applied to every running agent, done by fleet-controller and by ansible-playbook (copy + a
# handler, forks=N, pipelining on) on the same hosts in the same run; then the no-change run of
# each. The controller makes a running agent re-read a changed config with SIGHUP (no new
# process, buffers kept), so the Ansible handler sends the agent the same SIGHUP: both sides do
# the same work on the host. Prints a table with both wall times and the ratio. Needs a build
# in build/.
#   bench/delivery_vs_ansible.sh [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-50}
bin=$root/build/bin
source "$root/scripts/lib/sshd-hosts.sh"
work=$(mktemp -d /tmp/vpsfleet-bench-XXXXXX)
pids=()
ctl_pid=
cleanup() {
  [ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null || true
  stop_supervised_agents "$work"/hosts/*/install/run/*.pid
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${BENCH_KEEP:-}" ] && cp "$work/controller.log" /tmp/bench-controller.log; rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

ssh-keygen -q -t ed25519 -N '' -f "$work/deploy_key"
: > "$work/hosts.txt"
: > "$work/known_hosts"
for i in $(seq -w 1 "$n"); do
  start_sshd_host "h$i" "$work/hosts/h$i" "$work/deploy_key.pub"
  echo "h$i $SSHD_PORT $SSHD_HOSTKEY $(free_port)" >> "$work/hosts.txt"
  echo "[127.0.0.1]:$SSHD_PORT $SSHD_HOSTKEY" >> "$work/known_hosts"
done

ctl_port=$(free_port)
start_controller() {
  "$bin/fleet-controller" --data-dir "$work/controller" --listen "127.0.0.1:$ctl_port" \
    --agent-bundle "$root/build/agent-bundle" --workers "$n" --report-timeout 120 --resync 3600 \
    --log-level "${BENCH_LOG_LEVEL:-warn}" >>"$work/controller.log" 2>&1 &
  ctl_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$ctl_port/readyz" >/dev/null && return; sleep 0.1; done
}
start_controller
export FLEETCTL_SERVER=http://127.0.0.1:$ctl_port FLEETCTL_TOKEN=$(cat "$work/controller/token") FLEETCTL_CONFIG=$work/fleetctl.yaml

fleet() {  # $1 = scrape interval, $2 = profile label value
  python3 - "$work" "$1" "$2" <<'PY'
import sys
work, interval, label = sys.argv[1:]
key = open(f"{work}/deploy_key").read()
print("apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: deploy-key}\ntype: ssh-auth\nstringData:\n  ssh-privatekey: |")
for line in key.splitlines(): print("    " + line)
print(f"---\napiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {{name: standard, labels: {{bench: '{label}'}}}}\nspec:")
print(f"  scrapeInterval: {interval}\n  collectors: {{enabled: [loadavg, meminfo], container: {{enabled: false}}}}")
print("  remoteWrite: {url: 'http://127.0.0.1:9/api/v1/write'}")
print("---\napiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: bench}\nspec:\n  defaults: {profile: standard}\n  hosts:")
for line in open(f"{work}/hosts.txt"):
    name, port, ktype, kdata, listen = line.split()
    print(f"    - {{name: {name}, address: 127.0.0.1, installDir: {work}/hosts/{name}/install, "
          f"ssh: {{port: {port}, keySecretRef: deploy-key, hostKey: '{ktype} {kdata}'}}, vars: {{httpListen: '127.0.0.1:{listen}'}}}}")
PY
}
count_applied() {  # hosts whose status.revision differs from $1 and whose config is applied
  "$bin/fleetctl" get hosts -o json | jq --arg old "$1" '[.items[].status // {}
    | select((.revision // "") as $r | $r != "" and $r != $old)
    | select(any(.conditions[]?; .type == "ConfigApplied" and .status == "True"))] | length'
}
wait_applied() {
  for _ in $(seq 1200); do [ "$(count_applied "$1")" = "$n" ] && return 0; sleep 0.1; done
  echo "not all hosts applied the change; see $work/controller.log" >&2; return 1
}
reconciles() { curl -s "http://127.0.0.1:$ctl_port/metrics" | awk '/^fleet_reconcile_total/ {s += $2} END {print s + 0}'; }

t=$(now); fleet 15s v1 | "$bin/fleetctl" apply -f - >/dev/null; wait_applied none; install_s=$(since "$t")
rev1=$("$bin/fleetctl" get hosts -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["status"]["revision"])')
for _ in $(seq 300); do  # every agent up and reporting before the measured runs
  healthy=$("$bin/fleetctl" get hosts -o json | python3 -c 'import json,sys; print(sum(any(c["type"]=="Healthy" and c["status"]=="True" for c in h.get("status",{}).get("conditions",[])) for h in json.load(sys.stdin)["items"]))')
  [ "$healthy" = "$n" ] && break; sleep 0.2
done

t=$(now); fleet 20s v1 | "$bin/fleetctl" apply -f - >/dev/null; wait_applied "$rev1"; fleet_change_s=$(since "$t")

before=$(reconciles)
t=$(now); fleet 20s v2 | "$bin/fleetctl" apply -f - >/dev/null  # a profile label: re-render, same bytes
for _ in $(seq 1200); do [ "$(reconciles)" -ge $((before + n)) ] && break; sleep 0.01; done
fleet_nochange_s=$(since "$t")
kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null || true; ctl_pid=

# Ansible on the same hosts: copy each host's config (changed again) and signal its agent.
mkdir -p "$work/ansible/configs"
{
  echo "[fleet]"
  while read -r name port _ _ _; do
    echo "$name ansible_host=127.0.0.1 ansible_port=$port install_dir=$work/hosts/$name/install"
    sed 's/^scrapeInterval: .*/scrapeInterval: 25s/' "$work/hosts/$name/install/config.yaml" > "$work/ansible/configs/$name.yaml"
  done < "$work/hosts.txt"
  echo "[fleet:vars]"
  echo "ansible_user=root"
  echo "ansible_ssh_private_key_file=$work/deploy_key"
  echo "ansible_ssh_common_args='-o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes'"
} > "$work/ansible/inventory.ini"
cat > "$work/ansible/ansible.cfg" <<CFG
[defaults]
forks = $n
host_key_checking = True
interpreter_python = /usr/bin/python3
[ssh_connection]
pipelining = True
CFG
cat > "$work/ansible/playbook.yml" <<YML
- hosts: fleet
  gather_facts: false
  tasks:
    - name: agent config
      copy: {src: "$work/ansible/configs/{{ inventory_hostname }}.yaml", dest: "{{ install_dir }}/config.yaml", mode: "0640"}
      notify: reload agent
  handlers:
    - name: reload agent
      shell: kill -HUP "\$(cat '{{ install_dir }}/run/agent.pid')"
YML
export ANSIBLE_CONFIG=$work/ansible/ansible.cfg
t=$(now); ansible-playbook -i "$work/ansible/inventory.ini" "$work/ansible/playbook.yml" >"$work/ansible/change.log"; ansible_change_s=$(since "$t")
t=$(now); ansible-playbook -i "$work/ansible/inventory.ini" "$work/ansible/playbook.yml" >"$work/ansible/nochange.log"; ansible_nochange_s=$(since "$t")
grep -q "changed=[1-9]" "$work/ansible/change.log" || { echo "ansible did not change the hosts" >&2; exit 1; }

printf '\nDelivery to %d sshd hosts on loopback (config change applied to every running agent)\n' "$n"
printf '%-46s %10s %10s %8s %s\n' "run" "vpsfleet" "ansible" "ratio" "target"
printf '%-46s %9.2fs %10s %8s %s\n' "first install (agent bundle + config)" "$install_s" "-" "-" ""
printf '%-46s %9.2fs %9.2fs %7.1fx %s\n' "config change + agent reload" "$fleet_change_s" "$ansible_change_s" "$(echo "$ansible_change_s / $fleet_change_s" | bc -l)" ">= 10x"
printf '%-46s %9.2fs %9.2fs %7.1fx %s\n' "no change" "$fleet_nochange_s" "$ansible_nochange_s" "$(echo "$ansible_nochange_s / $fleet_nochange_s" | bc -l)" "vpsfleet < 1 s"
