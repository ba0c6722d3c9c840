#include "fleet/core/text.h"

#include <algorithm>
#include <cstring>

namespace fleet {

namespace {

// The length of the UTF-8 sequence text starts with, as Go's utf8.DecodeRune accepts it (no
// overlong forms, surrogates or code points past U+10FFFF); 0 when it is not one.
size_t SequenceLength(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
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
    return 0;
  }
  if (text.size() < length || p[1] < low || p[1] > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

bool IsUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    // ASCII runs a word at a time: nearly every label and line is ASCII, and the remote write
    // encoder checks each label of every series.
    uint64_t word;
    if (text.size() - i >= sizeof word) {
      std::memcpy(&word, text.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += sizeof word;
        continue;
      }
    }
    const size_t n = SequenceLength(text.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string GoValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_invalid_run = false;
  for (size_t i = 0; i < text.size();) {
    const size_t n = SequenceLength(text.substr(i));
    if (n == 0) {
      if (!in_invalid_run) out += "\uFFFD";
      in_invalid_run = true;
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    in_invalid_run = false;
    i += n;
  }
  return out;
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

std::string ShellQuote(std::string_view arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
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

std::string ShownName(std::string_view name) { return ForeignText(name, kShownNameMax); }

}  // namespace fleet
