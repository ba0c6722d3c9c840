// RFC 3339 timestamps. Apart from the registry, so that fleet-agent, which writes them on its
// status page, does not link the registry and with it validation and the CRDs.
#pragma once

#include <chrono>
#include <string>

namespace fleet {

// RFC 3339 UTC time, second precision ("2026-11-25T14:00:00Z").
std::string Rfc3339(std::chrono::system_clock::time_point t);
inline std::string NowRfc3339() { return Rfc3339(std::chrono::system_clock::now()); }

}  // namespace fleet
