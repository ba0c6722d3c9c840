// fleetctl diff's text comparison.
#pragma once

#include <string>

#include "fleet/core/status.h"

namespace fleetctl {

// Unified diff of two texts by diffutils' `diff -u -N` (as kubectl diff does), headed
// "live/<label>" and "merged/<label>"; "" when they are equal. The label comes from the server,
// so it is an argument of diff, never part of a shell command.
fleet::Result<std::string> UnifiedDiff(const std::string& label, const std::string& live,
                                       const std::string& merged);

}  // namespace fleetctl
