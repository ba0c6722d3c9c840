#include "fleet/core/metric_names.h"

#include <algorithm>

namespace fleet::metrics {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

bool IsLabelName(std::string_view name) {
  return !name.empty() && IsNameStart(name.front()) && std::all_of(name.begin(), name.end(), IsNameChar);
}

bool IsMetricName(std::string_view name) {
  return !name.empty() && (IsNameStart(name.front()) || name.front() == ':') &&
         std::all_of(name.begin(), name.end(), [](char c) { return IsNameChar(c) || c == ':'; });
}

}  // namespace fleet::metrics
