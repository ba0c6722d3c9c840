// Secret files the controller creates on first start and reuses after: the API bearer token and
// the key for secret fingerprints. Created 0600, never logged.
#pragma once

#include <string>

#include "fleet/core/status.h"

namespace controller {

// Reads path; when it does not exist, creates it (0600, O_EXCL) with 32 random bytes in hex.
fleet::Result<std::string> ReadOrCreateSecretFile(const std::string& path);

}  // namespace controller
