// Timestamps as Kubernetes writes them (RFC 3339, UTC) and ages as kubectl prints them. One
// place for the format, the strict parser and the age, used by the agent, the controller and
// fleetctl alike.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "fleet/core/status.h"

namespace fleet {

// Second precision, as metav1.Time: "2026-11-25T14:00:00Z".
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
// Microsecond precision, as metav1.MicroTime: "2026-11-25T14:00:00.250000Z".
std::string FormatRfc3339Micro(std::chrono::system_clock::time_point t);
inline std::string NowRfc3339() { return FormatRfc3339(std::chrono::system_clock::now()); }

// "YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|+HH:MM|-HH:MM)", every field in range, nothing after it;
// kInvalid otherwise, and for a time that nanoseconds since 1970 in 64 bits cannot hold
// (before 1677 or after 2262-04-11T23:47:16.854775807Z).
Result<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

// kubectl's age (HumanDuration): "45s", "5m30s", "42m", "3h10m", "20h", "3d4h", "30d", "2y10d";
// up to a second in the future reads "0s" (clocks disagree), further "<invalid>".
std::string HumanAge(std::chrono::system_clock::duration age);

}  // namespace fleet
