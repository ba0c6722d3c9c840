// Fuzz target: the agent's config file (/etc/fleet-agent/config.yaml, written by the controller
// but read by a daemon that must survive any file): agent/config/agent_config.cc's ParseConfig,
// the schema validation and the decoding of every section. Bad input is an Invalid status naming
// the file, never a crash or an exception.
#include <cstdint>
#include <string>

#include "agent/config/agent_config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = agent::ParseConfig(text, "fuzz.yaml");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == fleet::Code::kInvalid);
    FUZZ_CHECK(config.status().message().rfind("fuzz.yaml", 0) == 0);
  }
  return 0;
}
