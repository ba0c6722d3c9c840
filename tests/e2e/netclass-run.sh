#!/bin/sh
# Runs fleet-agent (netclass only) in a network and a mount namespace of their own, with a sysfs
# mounted there so that /sys/class/net shows that namespace's interfaces, as on a host, and
# prints vpsf0's MTU and group as /metrics serves them after each step:
#   first          as read
#   group written  netdev_group changed through sysfs, which the kernel does not notify
#   mtu set        an MTU change, which it notifies over rtnetlink
#   unshare -n -m sh netclass-run.sh AGENT CONFIG LISTEN
set -eu
agent=$1 config=$2 listen=$3
mount -t sysfs sysfs /sys
ip link set lo up
ip link add vpsf0 type veth peer name vpsf1
"$agent" --config "$config" &
agent_pid=$!
trap 'kill "$agent_pid" 2>/dev/null || :' EXIT  # (|| : as set -e applies in the trap too)
i=0
until curl -sf "http://$listen/-/ready" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -le 200 ] || { echo "the agent did not become ready" >&2; exit 1; }
  sleep 0.05
done
step() {
  echo "$1:" $(curl -sf "http://$listen/metrics" |
    sed -n 's/^node_network_\(mtu_bytes\|net_dev_group\){device="vpsf0"} \(.*\)/\1=\2/p' | sort)
}
step first
echo 5 > /sys/class/net/vpsf0/netdev_group
step "group written"
ip link set vpsf0 mtu 1400
step "mtu set"
