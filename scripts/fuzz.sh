#!/usr/bin/env bash
# Runs every libFuzzer target in tests/fuzz for SECONDS each (default 60), one after the other,
# built with clang-14, ASan and UBSan in build-fuzz/ (scripts/lib/sanitized-build.sh). Each starts
# from its checked-in corpus (tests/fuzz/corpus/<target>/, read only) plus what earlier runs
# found (build-fuzz/fuzz-corpus/<target>/). A crash leaves its input in
# build-fuzz/fuzz-crashes/<target>/ and the script exits 1 after running the rest; add that
# file to the corpus with the fix.
#   scripts/fuzz.sh          # 60 s per target
#   scripts/fuzz.sh 3600     # an hour per target
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
source scripts/lib/sanitized-build.sh

sanitized_build "${fuzz_targets[@]/%/_fuzz}"
failed=()
for target in "${fuzz_targets[@]}"; do
  found=build-fuzz/fuzz-corpus/$target
  crashes=build-fuzz/fuzz-crashes/$target
  mkdir -p "$found" "$crashes"
  echo "== $target: ${seconds}s"
  if ! build-fuzz/bin/${target}_fuzz -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
       -artifact_prefix="$crashes/" "$found" "tests/fuzz/corpus/$target" \
       2>"build-fuzz/fuzz-$target.log"; then
    failed+=("$target")
    tail -40 "build-fuzz/fuzz-$target.log"
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added):' \
    "build-fuzz/fuzz-$target.log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]} (inputs in build-fuzz/fuzz-crashes/)" >&2
  exit 1
fi
echo "fuzz: every target ran ${seconds}s without a crash"
