#include "fleet/core/text.h"

#include <algorithm>

namespace fleet {

std::string ValidUtf8(std::string_view text) {
  // ASCII is valid as it is, and it is nearly every text (the agent's labels, on every scrape).
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return std::string(text);
  }
  // nlohmann's replacing serialiser is the UTF-8 decoder at hand: the text goes out as a JSON
  // string with U+FFFD in place of each invalid sequence, and comes back valid.
  return Json::parse(DumpJson(Json(std::string(text)))).get<std::string>();
}

std::string ForeignText(std::string_view text, size_t max_bytes) {
  std::string valid = ValidUtf8(text);
  if (valid.size() <= max_bytes) return valid;
  size_t keep = max_bytes;
  // Back to the first byte of a character (continuation bytes are 10xxxxxx).
  while (keep > 0 && (static_cast<unsigned char>(valid[keep]) & 0xC0) == 0x80) --keep;
  const size_t cut = valid.size() - keep;
  valid.resize(keep);
  return valid + "\u2026 (" + std::to_string(cut) + " bytes cut)";
}

}  // namespace fleet
