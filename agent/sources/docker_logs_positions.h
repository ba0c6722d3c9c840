// Per-container log positions, persisted as JSON ({"<container id>": {"ts": ns, "n": lines}})
// by write-to-temp + rename, so the file is always either the old or the new version.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "agent/sinks/loki_payload.h"
#include "fleet/core/status.h"

namespace agent {

using LogPositions = std::map<std::string, LogPosition>;

// A missing file is an empty map; a damaged one is an error (the caller decides).
fleet::Result<LogPositions> LoadLogPositions(const std::filesystem::path& path);
fleet::Status SaveLogPositions(const std::filesystem::path& path, const LogPositions& positions);

// Whether `a` is further along a container's log than `b`.
bool PositionAfter(const LogPosition& a, const LogPosition& b);

}  // namespace agent
