// The version this fleet-agent binary is: what --version prints, what it reports to the
// controller and what fleet_agent_build_info carries. It lives in an ELF section of its own so a
// release can stamp a linked binary with its version (agent/make-bundle.sh VERSION rewrites the
// section with objcopy, as Go's -ldflags -X does); an unstamped build is VPSFLEET_VERSION.
#pragma once

#include <string>

namespace agent {

// The section and its size; make-bundle.sh writes exactly this many bytes (NUL-padded).
inline constexpr char kVersionSection[] = "fleet_agent_version";
inline constexpr size_t kVersionStampSize = 64;

std::string Version();

}  // namespace agent
