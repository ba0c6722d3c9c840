#!/bin/sh
# fleet-supervise INSTALL_DIR CONFIG — keeps the bundled fleet-agent running where systemd does
# not: starts it, restarts it a second after it exits, and on TERM stops it and exits. The pids
# go to INSTALL_DIR/run/{supervisor,agent}.pid for the controller's stop and restart.
set -u
dir=$1 config=$2
run="$dir/run"
mkdir -p "$run"
echo $$ > "$run/supervisor.pid"
agent=
stop() {
  trap - TERM INT
  if [ -n "$agent" ]; then
    kill -TERM "$agent" 2>/dev/null
    wait "$agent" 2>/dev/null
  fi
  rm -f "$run/agent.pid" "$run/supervisor.pid"
  exit 0
}
trap stop TERM INT
while :; do
  "$dir/bin/fleet-agent" --config "$config" &
  agent=$!
  echo "$agent" > "$run/agent.pid"
  wait "$agent"  # a trapped TERM interrupts this and runs stop
  echo "fleet-supervise: fleet-agent exited with status $?; restarting in 1 s" >&2
  sleep 1
done
