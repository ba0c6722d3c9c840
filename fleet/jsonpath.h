// The JSONPath subset CRD additionalPrinterColumns use: `.a.b`, escaped dots (`.a\.b`),
// `[N]`, and filters `[?(@.key=="value")]`.
#pragma once

#include <string>

#include "fleet/core/yaml_codec.h"

namespace fleet {

// The value at path, or null when any step is missing.
Json EvalJsonPath(const Json& root, const std::string& path);

}  // namespace fleet
