# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: configures build-fuzz/ with clang-14 and
# -DVPSFLEET_FUZZ=ON (every object instrumented with AddressSanitizer, UndefinedBehaviorSanitizer
# and libFuzzer's coverage; any sanitizer report is fatal) and builds the given targets.
# fleet-agent's static bundle is not built there: nothing in it is tested that the unit tests
# and fuzz targets do not already link.
fuzz_targets=(yaml_codec api_apply agent_config docker_log_demuxer sink_encoders segment_buffer)

sanitized_build() {
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DVPSFLEET_FUZZ=ON
  cmake --build build-fuzz -j"$(nproc)" --target "$@"
}
