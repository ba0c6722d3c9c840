#!/usr/bin/env bash
# The README's test command: installs dependencies, builds from scratch into build/, makes sure a
# Docker daemon and the offline test image exist, then runs every unit and end-to-end test.
#   sudo scripts/test.sh            # everything
#   sudo scripts/test.sh -L unit    # extra arguments go to ctest (e.g. -R Controller)
#   sudo scripts/test.sh -L load    # only the e2e tests run beside busy loops on every core
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

# e2e tests need a Docker daemon (started here if none answers, and stopped again at the end)
# and the offline busybox image.
if ! docker version >/dev/null 2>&1; then
  trap 'pkill -TERM -x dockerd || true' EXIT
fi
bash tests/e2e/ensure-dockerd.sh

cd build
ctest --output-on-failure --timeout 900 "$@"
