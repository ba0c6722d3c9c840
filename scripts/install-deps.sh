#!/usr/bin/env bash
# Installs every Debian package vpsfleet builds, tests or benchmarks with.
# Idempotent: packages already present are skipped by apt; safe to run again.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (it uses apt-get)" >&2
  exit 2
fi
packages=(
  # build
  build-essential cmake pkg-config git
  # libraries (see README "Dependencies" for why each is there)
  libcpprest-dev libssl-dev libboost-system-dev libyaml-cpp-dev libssh-dev
  libprotobuf-dev protobuf-compiler libsnappy-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev zlib1g-dev libre2-dev
  # real peers for tests, demo and benchmarks
  openssh-server openssh-client prometheus prometheus-node-exporter etcd-server
  docker.io busybox-static ansible tinyproxy curl docker-compose procps iproute2 diffutils python3 python3-yaml bc jq
  # the openssl CLI: the demo's and the TLS tests' certificates
  openssl
  # sanitizer and libFuzzer builds (scripts/sanitize.sh, scripts/fuzz.sh); the normal build's
  # fuzz corpus replay takes FuzzedDataProvider.h from clang's headers
  clang-14 libclang-rt-14-dev
  # headless browser for the agent status page test
  chromium
  # systemd-journald, journalctl and systemd-cat for the agent's journal test (journald runs in a
  # private mount namespace there; systemd need not be PID 1)
  systemd util-linux
  # builds the Debian 12 image whose PID 1 is systemd, for the systemd delivery test
  debootstrap
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # Services from these packages must not start at install time: tests start their own on free ports.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#packages[@]} packages present"
