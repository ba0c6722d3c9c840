#!/usr/bin/env bash
# Every unit test binary and every fuzz target's corpus under AddressSanitizer +
# UndefinedBehaviorSanitizer (clang-14, build-fuzz/; scripts/lib/sanitized-build.sh). Needs no
# Docker and no root once the dependencies are installed (scripts/install-deps.sh).
#   scripts/sanitize.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/sanitized-build.sh

unit_tests=(fleet_unit_tests agent_unit_tests controller_unit_tests fleetctl_unit_tests)
sanitized_build "${unit_tests[@]}" "${fuzz_targets[@]/%/_fuzz}"
cd build-fuzz
supp="$PWD/../tests/sanitizers"  # third-party reports, each explained in its file
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$supp/lsan.supp"
export UBSAN_OPTIONS="print_stacktrace=1:suppressions=$supp/ubsan.supp"
for t in "${unit_tests[@]}"; do
  "bin/$t"
done
ctest -L fuzz --output-on-failure
