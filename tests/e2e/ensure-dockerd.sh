#!/bin/sh
# Makes sure a Docker daemon answers on /var/run/docker.sock (starting dockerd in the background
# if nothing does) and that the offline test image vpsfleet-busybox:latest exists: a rootfs with
# /bin/busybox from busybox-static and one link per applet, imported with PATH=/bin.
set -eu

SOCK=/var/run/docker.sock
if ! docker version >/dev/null 2>&1; then
  if [ -S "$SOCK" ]; then rm -f "$SOCK"; fi  # stale socket of a dead daemon
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  i=0
  until docker version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then
      echo "ensure-dockerd: dockerd did not come up in 30 s; see /tmp/dockerd.log" >&2
      tail -20 /tmp/dockerd.log >&2 || true
      exit 1
    fi
    sleep 0.5
  done
fi

if ! docker image inspect vpsfleet-busybox:latest >/dev/null 2>&1; then
  BUSYBOX=$(command -v busybox)
  ROOTFS=$(mktemp -d)
  trap 'rm -rf "$ROOTFS"' EXIT
  mkdir -p "$ROOTFS/bin"
  cp "$BUSYBOX" "$ROOTFS/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ROOTFS/bin/$applet"
  done
  tar -C "$ROOTFS" -c . | docker import --change 'ENV PATH=/bin' - vpsfleet-busybox:latest >/dev/null
fi
echo "ensure-dockerd: docker $(docker version --format '{{.Server.Version}}') ready, vpsfleet-busybox:latest present"
