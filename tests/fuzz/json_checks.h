// JSON helpers for the fuzz targets' checks.
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace fuzz {

// Whether s is UTF-8, by the judge the project's JSON output answers to: nlohmann's strict
// serializer, which throws on anything else.
inline bool IsUtf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// JSON equality for round-trip checks: nlohmann's operator== except that NaN equals NaN (a NaN
// that survives a round trip is the right answer, and `x == x` is false for it).

inline bool SameJson(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number_float() && b.is_number_float() && std::isnan(a.get<double>()) &&
      std::isnan(b.get<double>())) {
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !SameJson(it.value(), jt.value())) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace fuzz
