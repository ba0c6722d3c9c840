#!/usr/bin/env bash
# Delivery benchmark (issue 6): N real sshd hosts on loopback (default 50). A config change
# applied to every running agent, done by fleet-controller and by ansible-playbook (copy + a
# handler, forks=N, pipelining on) on the same hosts in the same run; then the no-change run of
# each. The controller makes a running agent re-read a changed config with SIGHUP (no new
# process, buffers kept), so the Ansible handler sends the agent the same SIGHUP: both sides do
# the same work on the host.
# Both keep SSH connections open between runs (the controller's session pool, Ansible's
# ControlPersist=60s), so the change is measured twice: on new connections (the controller just
# restarted; Ansible's first run) and on kept ones (the controller's sessions from the previous
# delivery; Ansible within 60 s of its previous run). Prints a table with both wall times and the
# ratios. Needs a build in build/.
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
revisions() {  # {"h01": "<revision>", ...}: each host's config revision (each has its own)
  "$bin/fleetctl" get hosts -o json | jq -c '[.items[] | {(.metadata.name): (.status.revision // "")}] | add // {}'
}
# Returns once every host has applied a revision other than the one it had in $1. It follows a
# watch of the hosts (current state first, then every change) instead of polling, so waiting
# costs the controller next to nothing.
wait_applied() {
  local watch curl_pid applied
  exec {watch}< <(exec curl -sN -H "Authorization: Bearer $FLEETCTL_TOKEN" \
    "$FLEETCTL_SERVER/apis/vpsfleet.io/v1alpha1/hosts?watch=true&timeoutSeconds=120")
  curl_pid=$!
  applied=$(jq -n --argjson old "$(cat "$1")" --argjson n "$n" 'first(foreach inputs as $e ({};
      ($e.object) as $h
      | if (($h.status.revision // "") as $r | $r != "" and $r != ($old[$h.metadata.name] // ""))
           and any($h.status.conditions[]?; .type == "ConfigApplied" and .status == "True")
        then .[$h.metadata.name] = true else del(.[$h.metadata.name]) end;
      select(length == $n))) | length' <&"$watch")
  kill "$curl_pid" 2>/dev/null || true
  exec {watch}<&-
  [ "$applied" = "$n" ] || { echo "not all hosts applied the change; see $work/controller.log" >&2; return 1; }
}
reconciles() { curl -s "http://127.0.0.1:$ctl_port/metrics" | awk '/^fleet_reconcile_total/ {s += $2} END {print s + 0}'; }

echo '{}' > "$work/revisions.none"
t=$(now); fleet 15s v1 | "$bin/fleetctl" apply -f - >/dev/null; wait_applied "$work/revisions.none"; install_s=$(since "$t")
# Every agent up and reporting before the measured runs: the controller reloads an agent that
# reports and restarts one that does not, and the Ansible handler signals the running agent.
# (Not Healthy: the profile's remote write points at a closed port, so the sink is failing.)
reporting() { "$bin/fleetctl" get hosts -o json | jq '[.items[] | select(.status.lastSeen != null)] | length'; }
for _ in $(seq 600); do [ "$(reporting)" = "$n" ] && break; sleep 0.1; done
[ "$(reporting)" = "$n" ] || { echo "only $(reporting) of $n agents report; see $work/controller.log" >&2; exit 1; }

change() {  # $1 = scrape interval: applies it and waits until every host has it; prints seconds
  revisions > "$work/revisions.before"
  local t; t=$(now)
  fleet "$1" v1 | "$bin/fleetctl" apply -f - >/dev/null
  wait_applied "$work/revisions.before"
  since "$t"
}
fleet_change_kept_s=$(change 20s)  # the sessions of the install are still open
kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null || true
start_controller  # no session open; health reports (kept in memory) come back within 15 s
for _ in $(seq 600); do [ "$(reporting)" = "$n" ] && break; sleep 0.1; done
# Where the CPU goes during the change on new connections: the controller, the hosts' sshd
# (with the commands they run), the agents re-reading their config.
supervisors() { cat "$work"/hosts/*/install/run/supervisor.pid 2>/dev/null; }
cpu_split() { echo "$(tree_cpu_seconds "$ctl_pid") $(tree_cpu_seconds "${pids[@]}") $(tree_cpu_seconds $(supervisors))"; }
cpu0=$(cpu_split)
fleet_change_new_s=$(change 21s)
cpu1=$(cpu_split)

before=$(reconciles)
t=$(now); fleet 21s v2 | "$bin/fleetctl" apply -f - >/dev/null  # a profile label: re-render, same bytes
for _ in $(seq 600); do [ "$(reconciles)" -ge $((before + n)) ] && break; sleep 0.05; done
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
timeout = 60
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
playbook() {  # $1 = log name
  ansible-playbook -i "$work/ansible/inventory.ini" "$work/ansible/playbook.yml" >"$work/ansible/$1.log" ||
    { echo "ansible-playbook failed ($1):" >&3; tail -n $((n + 5)) "$work/ansible/$1.log" >&3; exit 1; }
}
sshd0=$(tree_cpu_seconds "${pids[@]}"); agents0=$(tree_cpu_seconds $(supervisors))
TIMEFORMAT='%U %S'  # bash's time: user and system seconds of the playbook and its children
exec 3>&2
t=$(now); { time playbook change; } 2>"$work/ansible/change.time"; ansible_change_new_s=$(since "$t")
ansible_cpu=$(cat "$work/ansible/change.time")
sshd1=$(tree_cpu_seconds "${pids[@]}"); agents1=$(tree_cpu_seconds $(supervisors))
t=$(now); playbook nochange; ansible_nochange_s=$(since "$t")
for f in "$work"/ansible/configs/*.yaml; do sed -i 's/^scrapeInterval: .*/scrapeInterval: 30s/' "$f"; done
t=$(now); playbook change-kept; ansible_change_kept_s=$(since "$t")  # within ControlPersist's 60 s
for log in change change-kept; do
  grep -q "changed=[1-9]" "$work/ansible/$log.log" || { echo "ansible did not change the hosts ($log)" >&2; exit 1; }
done

printf '\nDelivery to %d sshd hosts on loopback (config change applied to every running agent)\n' "$n"
printf '%-46s %10s %10s %8s %s\n' "run" "vpsfleet" "ansible" "ratio" "target"
printf '%-46s %9.2fs %10s %8s %s\n' "first install (agent bundle + config)" "$install_s" "-" "-" ""
row() { printf '%-46s %9.2fs %9.2fs %7.1fx %s\n' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)" "$4"; }
row "config change + agent reload, new connections" "$fleet_change_new_s" "$ansible_change_new_s" ">= 10x"
row "config change + agent reload, kept connections" "$fleet_change_kept_s" "$ansible_change_kept_s" ">= 10x"
row "no change" "$fleet_nochange_s" "$ansible_nochange_s" "vpsfleet < 1 s"
printf '\nCPU seconds spent during the change on new connections (%d cores)\n' "$(nproc)"
printf '%-46s %10s %10s\n' "" "vpsfleet" "ansible"
read -r c0 s0 a0 <<<"$cpu0"; read -r c1 s1 a1 <<<"$cpu1"
cpu_row() { printf '%-46s %9.2fs %9.2fs\n' "$1" "$2" "$3"; }
cpu_row "fleet-controller / ansible-playbook" "$(echo "$c1 - $c0" | bc)" "$(echo "$ansible_cpu" | awk '{print $1 + $2}')"
cpu_row "hosts' sshd and the commands they run" "$(echo "$s1 - $s0" | bc)" "$(echo "$sshd1 - $sshd0" | bc)"
cpu_row "agents (re-reading their config)" "$(echo "$a1 - $a0" | bc)" "$(echo "$agents1 - $agents0" | bc)"
