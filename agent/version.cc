#include "agent/version.h"

// volatile: the stamp is rewritten after linking, so the compiler must read it, never fold the
// initializer into its uses.
extern "C" __attribute__((section("fleet_agent_version"), used))
const volatile char fleet_agent_version_stamp[agent::kVersionStampSize] = VPSFLEET_VERSION;

namespace agent {

std::string Version() {
  std::string version;
  for (size_t i = 0; i < kVersionStampSize && fleet_agent_version_stamp[i] != '\0'; ++i) {
    version += fleet_agent_version_stamp[i];
  }
  return version;
}

}  // namespace agent
