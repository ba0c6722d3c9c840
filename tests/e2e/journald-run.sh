#!/bin/sh
# Runs fleet-agent the way systemd does with StandardError=journal, against a real
# systemd-journald, and prints what the journal recorded for it (journalctl -o json).
# Call it in a private mount namespace (unshare -m): journald's sockets and journal files go to
# tmpfs mounts there, so the machine's own journal (if any) is neither seen nor touched.
#   unshare -m sh journald-run.sh WORK_DIR AGENT CONFIG BAD_CONFIG LISTEN
# The agent starts with CONFIG; once ready, BAD_CONFIG replaces it and a SIGHUP makes the agent
# refuse it (an error line); then the agent is stopped.
set -eu
work=$1 agent=$2 config=$3 bad_config=$4 listen=$5
for d in /run/systemd /run/log /var/log/journal; do
  [ -d "$d" ] || mkdir -p "$d"
  mount -t tmpfs tmpfs "$d"
done
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald >"$work/journald.log" 2>&1 &
journald=$!
agent_pid=
trap 'kill $agent_pid "$journald" 2>/dev/null || :' EXIT  # (|| : as set -e applies in the trap too)
i=0
until [ -S /run/systemd/journal/stdout ]; do
  i=$((i + 1)); [ "$i" -le 100 ] || { echo "journald did not start" >&2; cat "$work/journald.log" >&2; exit 1; }
  sleep 0.05
done
# systemd-cat connects stdout and stderr to a journal stream as systemd does for a service;
# JOURNAL_STREAM (which systemd sets and systemd-cat does not) names that stream's device:inode.
systemd-cat -t fleet-agent-e2e sh -c \
  'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" --config "$1"' "$agent" "$config" &
agent_pid=$!
i=0
until curl -sf "http://$listen/-/ready" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -le 200 ] || { echo "the agent did not become ready" >&2; exit 1; }
  sleep 0.05
done
cp "$bad_config" "$config"
kill -HUP "$agent_pid"
i=0
until curl -sf "http://$listen/metrics" 2>/dev/null | grep -q '^fleet_agent_config_last_reload_successful 0'; do
  i=$((i + 1)); [ "$i" -le 200 ] || { echo "the agent did not refuse the bad config" >&2; exit 1; }
  sleep 0.05
done
kill -TERM "$agent_pid"
wait "$agent_pid" || true
agent_pid=
journalctl --sync 2>/dev/null || sleep 0.5
journalctl -o json --no-pager -t fleet-agent-e2e
