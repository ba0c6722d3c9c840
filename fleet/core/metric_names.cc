#include "fleet/core/metric_names.h"

#include <algorithm>

#include "fleet/core/text.h"

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

std::string SanitizeLabelName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(IsNameChar(static_cast<char>(c)) ? static_cast<char>(c) : '_');
      ++i;
      continue;
    }
    // The sequence length its first byte announces; an invalid sequence counts one byte, as Go
    // decodes it (utf8.RuneError, width 1).
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    i += i + length <= name.size() && IsUtf8(name.substr(i, length)) ? length : 1;
    out.push_back('_');
  }
  return out;
}

}  // namespace fleet::metrics
