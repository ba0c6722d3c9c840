// Reading small text files (tokens, keys, configs) into strings.
#pragma once

#include <string>

#include "fleet/status.h"

namespace fleet {

// The whole file; kNotFound when it cannot be opened.
Result<std::string> ReadFileText(const std::string& path);
// The file without trailing whitespace (a token written with a newline).
Result<std::string> ReadTrimmedFile(const std::string& path);

}  // namespace fleet
