#!/usr/bin/env bash
# The unit tests and every fuzz target's corpus under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang-14, build-fuzz/; scripts/lib/sanitized-build.sh). Needs no Docker and no root once the
# dependencies are installed (scripts/install-deps.sh).
#   scripts/sanitize.sh               # ctest -L unit: unit tests and fuzz corpus replays
#   scripts/sanitize.sh -R Registry   # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/sanitized-build.sh

sanitized_build fleet_unit_tests controller_unit_tests agent_unit_tests fleetctl_unit_tests \
  "${fuzz_targets[@]/%/_fuzz}"
cd build-fuzz
# detect_leaks: the unit tests' leaks are reported too, not only their errors.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest -L unit --output-on-failure --timeout 900 "$@"
