#!/bin/sh
# The image of a Debian 12 VPS whose init is systemd, with OpenSSH: what the systemd delivery
# test installs the agent on (the machine's own systemd is not PID 1). Built once with
# debootstrap from Debian's mirror and kept as vpsfleet-systemd:bookworm; ~250 MB, ~2 minutes.
set -eu
image=vpsfleet-systemd:bookworm
docker image inspect "$image" >/dev/null 2>&1 && exit 0
root=$(mktemp -d /tmp/vpsfleet-systemd-rootfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=systemd,systemd-sysv,openssh-server bookworm "$root" >&2
tar -C "$root" -c . | docker import --change 'CMD ["/lib/systemd/systemd"]' - "$image" >/dev/null
