#include "ansible-compat/python_literal.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fleet/core/text.h"

namespace ansible_compat {
namespace {

using fleet::Json;

constexpr int kMaxDepth = 32;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// A recursive-descent reader of the subset of Python expressions literal_eval accepts.
class LiteralReader {
 public:
  explicit LiteralReader(std::string_view text) : text_(text) {}

  std::optional<Json> ReadAll() {
    std::optional<Json> value = ReadValue(0);
    if (!value) return std::nullopt;
    SkipSpace();
    return pos_ == text_.size() ? value : std::nullopt;
  }

 private:
  // Spaces, tabs and a trailing comment (Python ignores "1  # note"); not newlines, which an
  // inventory value cannot hold anyway.
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '#') pos_ = text_.size();
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::optional<Json> ReadValue(int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    SkipSpace();
    if (pos_ >= text_.size()) return std::nullopt;
    const char c = text_[pos_];
    if (c == '[') return ReadSequence(depth, ']');
    if (c == '(') return ReadParenthesised(depth);
    if (c == '{') return ReadDict(depth);
    if (c == '-' || c == '+') {
      // literal_eval takes one sign on a number literal: "--1" and "-(1)" raise.
      ++pos_;
      SkipSpace();
      if (pos_ >= text_.size() || !(IsDigit(text_[pos_]) || text_[pos_] == '.')) return std::nullopt;
      std::optional<Json> operand = ReadNumber();
      if (!operand) return std::nullopt;
      if (c == '+') return operand;
      if (operand->is_number_float()) return Json(-operand->get<double>());
      if (operand->is_number_unsigned()) {
        if (operand->get<uint64_t>() != uint64_t{1} << 63) return std::nullopt;  // past int64
        return Json(INT64_MIN);
      }
      return Json(-operand->get<int64_t>());
    }
    if (IsDigit(c) || (c == '.' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1]))) {
      return ReadNumber();
    }
    return ReadNameOrString();
  }

  std::optional<Json> ReadSequence(int depth, char close) {
    ++pos_;
    Json items = Json::array();
    for (;;) {
      if (Eat(close)) return items;
      std::optional<Json> item = ReadValue(depth + 1);
      if (!item) return std::nullopt;
      items.push_back(std::move(*item));
      if (Eat(close)) return items;
      if (!Eat(',')) return std::nullopt;
    }
  }

  // "(1)" is 1; "(1,)" and "()" are tuples (lists in JSON, as Ansible prints them).
  std::optional<Json> ReadParenthesised(int depth) {
    ++pos_;
    if (Eat(')')) return Json::array();
    std::optional<Json> first = ReadValue(depth + 1);
    if (!first) return std::nullopt;
    if (Eat(')')) return first;
    if (!Eat(',')) return std::nullopt;
    Json items = Json::array({std::move(*first)});
    for (;;) {
      if (Eat(')')) return items;
      std::optional<Json> item = ReadValue(depth + 1);
      if (!item) return std::nullopt;
      items.push_back(std::move(*item));
      if (Eat(')')) return items;
      if (!Eat(',')) return std::nullopt;
    }
  }

  std::optional<Json> ReadDict(int depth) {
    ++pos_;
    Json dict = Json::object();
    for (;;) {
      if (Eat('}')) return dict;
      std::optional<Json> key = ReadValue(depth + 1);
      // A set ({1, 2}) has no ':'; a list or dict key is unhashable: literal_eval raises.
      if (!key || key->is_structured() || !Eat(':')) return std::nullopt;
      std::optional<Json> value = ReadValue(depth + 1);
      if (!value) return std::nullopt;
      // JSON keys are strings: Ansible's JSON output writes 1 as "1", True as "true".
      dict[key->is_string() ? key->get<std::string>() : key->dump()] = std::move(*value);
      if (Eat('}')) return dict;
      if (!Eat(',')) return std::nullopt;
    }
  }

  std::optional<Json> ReadNumber() {
    const size_t start = pos_;
    while (pos_ < text_.size() && (IsNameChar(text_[pos_]) || text_[pos_] == '.' ||
                                   ((text_[pos_] == '+' || text_[pos_] == '-') &&
                                    (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
      ++pos_;
    }
    const std::string token(text_.substr(start, pos_ - start));
    int base = 10;
    size_t body_start = 0;
    if (token.size() > 2 && token[0] == '0') {
      const char prefix = static_cast<char>(std::tolower(static_cast<unsigned char>(token[1])));
      if (prefix == 'x') base = 16;
      if (prefix == 'o') base = 8;
      if (prefix == 'b') base = 2;
      if (base != 10) body_start = 2;
    }
    // Underscores group digits ("1_000", "0x_ff"): one at a time, between two digits of the base
    // (or right after its prefix); "1_e5" and "1__0" raise.
    auto is_digit = [base](char ch) {
      return base == 16 ? std::isxdigit(static_cast<unsigned char>(ch)) != 0 : IsDigit(ch);
    };
    std::string body;
    for (size_t i = body_start; i < token.size(); ++i) {
      if (token[i] != '_') {
        body += token[i];
        continue;
      }
      const bool after_digit = i > body_start ? is_digit(token[i - 1]) : body_start > 0;
      if (!after_digit || i + 1 == token.size() || !is_digit(token[i + 1])) return std::nullopt;
    }
    const bool is_float = base == 10 && body.find_first_of(".eE") != std::string::npos;
    if (is_float) {
      if (body.find_first_not_of("0123456789.eE+-") != std::string::npos) return std::nullopt;
      char* end = nullptr;
      errno = 0;
      const double value = std::strtod(body.c_str(), &end);
      if (end != body.c_str() + body.size()) return std::nullopt;
      if (!std::isfinite(value)) return std::nullopt;  // Python's inf: JSON has none, the text stays
      return Json(value);
    }
    // Python 3 refuses a decimal with a leading zero ("0755"), except zeros alone ("00").
    if (base == 10 && body.size() > 1 && body[0] == '0' &&
        body.find_first_not_of('0') != std::string::npos) {
      return std::nullopt;
    }
    if (body.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(body.c_str(), &end, base);
    if (end != body.c_str() + body.size() || errno == ERANGE || body[0] == '-' || body[0] == '+') {
      return std::nullopt;  // Python's int has no bound; past 64 bits the text is kept
    }
    if (value <= static_cast<unsigned long long>(INT64_MAX)) return Json(static_cast<int64_t>(value));
    return Json(static_cast<uint64_t>(value));
  }

  std::optional<Json> ReadNameOrString() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    const std::string_view name = text_.substr(start, pos_ - start);
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      std::string prefix(name);
      for (char& ch : prefix) ch = static_cast<char>(std::tolower(ch));
      if (prefix != "" && prefix != "r" && prefix != "u") return std::nullopt;  // bytes, f-strings
      return ReadStrings(prefix == "r");
    }
    if (name == "True") return Json(true);
    if (name == "False") return Json(false);
    if (name == "None") return Json(nullptr);
    return std::nullopt;  // any other name is not a literal
  }

  // One string literal, and those adjacent to it ("a" 'b' is "ab").
  std::optional<Json> ReadStrings(bool raw) {
    std::string out;
    for (;;) {
      if (!ReadQuoted(raw, &out)) return std::nullopt;
      SkipSpace();
      size_t p = pos_;
      bool next_raw = false;
      if (p < text_.size() && (text_[p] == 'r' || text_[p] == 'R' || text_[p] == 'u' || text_[p] == 'U')) {
        next_raw = text_[p] == 'r' || text_[p] == 'R';
        ++p;
      }
      if (p >= text_.size() || (text_[p] != '\'' && text_[p] != '"')) break;
      pos_ = p;
      raw = next_raw;
    }
    if (!fleet::IsUtf8(out)) return std::nullopt;
    return Json(std::move(out));
  }

  bool ReadQuoted(bool raw, std::string* out) {
    const char quote = text_[pos_];
    const bool triple = text_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    for (;;) {
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_];
      if (c == quote && (!triple || text_.substr(pos_, 3) == std::string(3, quote))) {
        pos_ += triple ? 3 : 1;
        return true;
      }
      if (c == '\n' && !triple) return false;
      if (c != '\\') {
        *out += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= text_.size()) return false;
      const char e = text_[pos_ + 1];
      pos_ += 2;
      if (raw) {
        *out += '\\';
        *out += e;
        continue;
      }
      if (!Escape(e, out)) return false;
    }
  }

  bool Escape(char e, std::string* out) {
    switch (e) {
      case '\n': return true;
      case '\\': *out += '\\'; return true;
      case '\'': *out += '\''; return true;
      case '"': *out += '"'; return true;
      case 'a': *out += '\a'; return true;
      case 'b': *out += '\b'; return true;
      case 'f': *out += '\f'; return true;
      case 'n': *out += '\n'; return true;
      case 'r': *out += '\r'; return true;
      case 't': *out += '\t'; return true;
      case 'v': *out += '\v'; return true;
      case 'x': return CodePoint(2, 16, out);
      case 'u': return CodePoint(4, 16, out);
      case 'U': return CodePoint(8, 16, out);
      default: break;
    }
    if (e >= '0' && e <= '7') {
      --pos_;
      return CodePoint(3, 8, out);
    }
    // An unknown escape stays as written (Python warns, and keeps the backslash). \N{NAME}
    // needs Unicode's name table: the text is kept instead.
    if (e == 'N') return false;
    *out += '\\';
    *out += e;
    return true;
  }

  // Up to max_digits digits (octal: 1 to 3; hex: exactly max_digits) as one code point, in UTF-8.
  bool CodePoint(size_t max_digits, int base, std::string* out) {
    size_t n = 0;
    uint32_t cp = 0;
    while (n < max_digits && pos_ < text_.size()) {
      const char c = text_[pos_];
      const int d = IsDigit(c) ? c - '0' : (std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10 : 99);
      if (d >= base) break;
      cp = cp * base + static_cast<uint32_t>(d);
      ++pos_;
      ++n;
    }
    if (n == 0 || (base == 16 && n != max_digits) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<Json> PythonLiteral(std::string_view text) {
  // literal_eval drops leading spaces and tabs itself.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return LiteralReader(text).ReadAll();
}

Json IniValue(std::string_view text) {
  std::optional<Json> literal = PythonLiteral(text);
  return literal ? std::move(*literal) : Json(std::string(text));
}

}  // namespace ansible_compat
