// Reading small text files (tokens, keys, configs) into strings; the limit on open files.
#pragma once

#include <cstdint>
#include <string>

#include "fleet/core/status.h"

namespace fleet {

// The whole file; kNotFound when it cannot be opened, kInvalid when it is longer than max_bytes.
Result<std::string> ReadFileText(const std::string& path, size_t max_bytes = SIZE_MAX);
// The file without trailing whitespace (a token written with a newline).
Result<std::string> ReadTrimmedFile(const std::string& path);

// Raises the soft limit on open files to the hard limit, as the Go runtime does for every
// program: systemd starts services with a soft limit of 1024, which the agent's cgroup files or
// the controller's client connections outgrow.
void RaiseOpenFileLimit();

}  // namespace fleet
