// Running a local program: always an argv (posix_spawnp, never a shell, so no argument is ever
// interpreted), with stdin from /dev/null and its output and run time bounded. Every program
// vpsfleet starts goes through here (fleetctl diff's `diff`, the controller's `tailscale`).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "fleet/core/status.h"

namespace fleet {

struct SubprocessLimits {
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  size_t max_stdout = 1024 * 1024;
  size_t max_stderr = 64 * 1024;
};

struct SubprocessResult {
  int exit_code = -1;  // -1 when a signal ended it
  std::string out;     // as printed
  std::string err;     // as printed; quote it through fleet::ForeignText
};

// Runs argv[0] (searched in PATH) with argv and waits for it. kUnavailable when it cannot be
// started; kDeadlineExceeded past limits.timeout and kInternal when it prints more than a limit
// allows, both after killing it. A non-zero exit is a result, not an error.
Result<SubprocessResult> RunSubprocess(const std::vector<std::string>& argv,
                                       const SubprocessLimits& limits);

}  // namespace fleet
