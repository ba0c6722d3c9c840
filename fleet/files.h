// Reading small text files (tokens, keys, configs) into strings.
#pragma once

#include <cstdint>
#include <string>

#include "fleet/status.h"

namespace fleet {

// The whole file; kNotFound when it cannot be opened, kInvalid when it is longer than max_bytes.
Result<std::string> ReadFileText(const std::string& path, size_t max_bytes = SIZE_MAX);
// The file without trailing whitespace (a token written with a newline).
Result<std::string> ReadTrimmedFile(const std::string& path);

}  // namespace fleet
