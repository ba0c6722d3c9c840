// Fuzz target: the agent's config file (/etc/fleet-agent/config.yaml, written by the controller
// but read by a daemon that must survive any file): agent/config.cc's ParseConfig, then the
// sections it defers to the forwarding half (agent/sinks/forward_config.cc). Bad input is an
// Invalid status naming the file, never a crash or an exception.
#include <cstdint>
#include <string>

#include "agent/config.h"
#include "agent/sinks/forward_config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = agent::ParseConfig(text, "fuzz.yaml");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == fleet::Code::kInvalid);
    FUZZ_CHECK(config.status().message().rfind("fuzz.yaml", 0) == 0);
    return 0;
  }
  auto forward = agent::ParseForwardConfig(config->sections);
  if (!forward.ok()) FUZZ_CHECK(forward.status().code() == fleet::Code::kInvalid);
  return 0;
}
