#include "fleet/core/text.h"

#include <algorithm>

namespace fleet {

bool IsUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    // The second byte's range depends on the first (RFC 3629 table 3-7); the rest are 80..BF.
    size_t length;
    unsigned char low = 0x80, high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;  // overlong
      if (c == 0xED) high = 0x9F;  // UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;  // overlong
      if (c == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < length || p[1] < low || p[1] > high) return false;
    for (size_t i = 2; i < length; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += length;
  }
  return true;
}

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
