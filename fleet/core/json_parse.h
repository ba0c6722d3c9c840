// JSON from untrusted input (API request bodies): nesting is bounded while parsing, so no tree
// deeper than the bound is ever built and nothing recursive (nlohmann's dump, the validators,
// the YAML printer) walks an attacker's 100,000 levels.
#pragma once

#include <string_view>

#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace fleet {

// Objects and arrays nested at most this deep. The deepest object the schemas describe is about
// 8 levels (an apply List wrapping a Host's spec.ssh), so 100 leaves free-form fields such as
// spec.vars some 90 levels while keeping every recursive walk of a tree a few hundred frames.
inline constexpr int kMaxJsonDepth = 100;

// The parsed value, or kBadRequest: "not valid JSON: parse error at line 1, column 7: ..." or
// "JSON nested deeper than 100 levels".
Result<Json> ParseUntrustedJson(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace fleet
