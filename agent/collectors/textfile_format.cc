#include "agent/collectors/textfile_format.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

bool NameStart(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool NameChar(char c, bool colon) { return NameStart(c, colon) || (c >= '0' && c <= '9'); }

// A metric name (colon allowed) or a label name at *pos; empty when there is none.
std::string_view TakeName(std::string_view line, size_t* pos, bool colon) {
  const size_t start = *pos;
  if (*pos >= line.size() || !NameStart(line[*pos], colon)) return {};
  while (*pos < line.size() && NameChar(line[*pos], colon)) ++*pos;
  return line.substr(start, *pos - start);
}

void SkipBlanks(std::string_view line, size_t* pos) {
  while (*pos < line.size() && (line[*pos] == ' ' || line[*pos] == '\t')) ++*pos;
}

// Go's strconv.ParseFloat as expfmt uses it: decimal or exponent forms, an optional sign, and
// Inf/Infinity/NaN in any case.
bool ParseSampleValue(std::string_view s, double* out) {
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  auto lower_equals = [&](std::string_view word) {
    if (body.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if ((body[i] | 0x20) != word[i]) return false;
    }
    return true;
  };
  if (lower_equals("inf") || lower_equals("infinity")) {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower_equals("nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (body.empty() || body[0] == '+' || body[0] == '-') return false;
  auto [p, ec] = std::from_chars(body.data(), body.data() + body.size(), *out);
  if (ec != std::errc() || p != body.data() + body.size()) return false;
  if (negative) *out = -*out;
  return true;
}

bool ParseType(std::string_view s, Type* out) {
  static constexpr std::pair<std::string_view, Type> kTypes[] = {{"counter", Type::kCounter},
                                                                 {"gauge", Type::kGauge},
                                                                 {"histogram", Type::kHistogram},
                                                                 {"summary", Type::kSummary},
                                                                 {"untyped", Type::kUntyped}};
  for (const auto& [name, type] : kTypes) {
    if (s == name) {
      *out = type;
      return true;
    }
  }
  return false;
}

class Parser {
 public:
  fleet::Result<std::vector<TextFamily>> Run(std::string_view text) {
    size_t line_start = 0;
    while (line_start < text.size()) {
      size_t end = text.find('\n', line_start);
      if (end == std::string_view::npos) end = text.size();
      ++line_no_;
      if (auto s = Line(text.substr(line_start, end - line_start)); !s.ok()) return s;
      line_start = end + 1;
    }
    return std::move(families_);
  }

 private:
  fleet::Status Error(const std::string& what) const {
    return fleet::Status::Invalid("line " + std::to_string(line_no_) + ": " + what);
  }

  TextFamily& FamilyNamed(std::string_view name) {
    auto [it, added] = index_.emplace(std::string(name), families_.size());
    if (added) {
      families_.emplace_back();
      families_.back().family.name = std::string(name);
    }
    return families_[it->second];
  }

  fleet::Status Line(std::string_view line) {
    size_t pos = 0;
    SkipBlanks(line, &pos);
    if (pos == line.size()) return fleet::Status::Ok();
    if (line[pos] == '#') return Comment(line, pos + 1);
    return SampleLine(line, pos);
  }

  fleet::Status Comment(std::string_view line, size_t pos) {
    SkipBlanks(line, &pos);
    const size_t word_start = pos;
    while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
    const std::string_view keyword = line.substr(word_start, pos - word_start);
    if (keyword != "HELP" && keyword != "TYPE") return fleet::Status::Ok();  // a plain comment
    SkipBlanks(line, &pos);
    const std::string_view name = TakeName(line, &pos, /*colon=*/true);
    if (name.empty()) return Error("invalid metric name in " + std::string(keyword));
    if (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') {
      return Error("invalid metric name in " + std::string(keyword));
    }
    SkipBlanks(line, &pos);
    std::string_view rest = line.substr(pos);
    TextFamily& f = FamilyNamed(name);
    if (keyword == "HELP") {
      if (f.help_given) return Error("second HELP for " + std::string(name));
      std::string help;
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size() && (rest[i + 1] == '\\' || rest[i + 1] == 'n')) {
          help += rest[++i] == 'n' ? '\n' : '\\';
        } else {
          help += rest[i];
        }
      }
      if (fleet::ValidUtf8(help) != help) return Error("HELP is not valid UTF-8");
      f.family.help = std::move(help);
      f.help_given = true;
      return fleet::Status::Ok();
    }
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
    Type type;
    if (!ParseType(rest, &type)) return Error("unknown TYPE " + std::string(rest));
    if (typed_.count(f.family.name)) return Error("second TYPE for " + std::string(name));
    if (!f.family.samples.empty())
      return Error("TYPE for " + std::string(name) + " after its samples");
    typed_.insert(f.family.name);
    f.family.type = type;
    return fleet::Status::Ok();
  }

  fleet::Status SampleLine(std::string_view line, size_t pos) {
    const std::string_view name = TakeName(line, &pos, /*colon=*/true);
    if (name.empty()) return Error("invalid metric name");
    fleet::metrics::Sample sample;
    const size_t after_name = pos;
    SkipBlanks(line, &pos);  // blanks may separate the name from its labels, as in expfmt
    if (pos < line.size() && line[pos] == '{') {
      if (auto s = Labels(line, &pos, &sample.labels); !s.ok()) return s;
      SkipBlanks(line, &pos);
    } else if (pos == after_name) {
      return Error("expected a value after " + std::string(name));
    }
    if (pos >= line.size()) return Error("expected a value after " + std::string(name));
    size_t value_end = pos;
    while (value_end < line.size() && line[value_end] != ' ' && line[value_end] != '\t')
      ++value_end;
    if (!ParseSampleValue(line.substr(pos, value_end - pos), &sample.value)) {
      return Error("invalid value " + fleet::ForeignText(line.substr(pos, value_end - pos), 64));
    }
    pos = value_end;
    SkipBlanks(line, &pos);
    if (pos != line.size()) return Error("client-side timestamps are not supported");

    // A histogram's or summary's series belong to the declared family with a suffix.
    std::string_view family_name = name;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
        continue;
      auto it = index_.find(std::string(name.substr(0, name.size() - suffix.size())));
      if (it == index_.end()) continue;
      const Type t = families_[it->second].family.type;
      if (t == Type::kHistogram || (t == Type::kSummary && suffix != "_bucket")) {
        family_name = name.substr(0, name.size() - suffix.size());
        sample.suffix = std::string(suffix);
      }
    }
    TextFamily& f = FamilyNamed(family_name);
    auto has_label = [&](const char* label) {
      for (const auto& l : sample.labels) {
        if (l.name == label) return true;
      }
      return false;
    };
    if (f.family.type == Type::kHistogram && sample.suffix.empty()) {
      return Error("histogram " + f.family.name + " sample without _bucket, _sum or _count");
    }
    if (f.family.type == Type::kHistogram && sample.suffix == "_bucket" && !has_label("le")) {
      return Error("histogram bucket without le");
    }
    if (f.family.type == Type::kSummary && sample.suffix.empty() && !has_label("quantile")) {
      return Error("summary sample without quantile");
    }
    f.family.samples.push_back(std::move(sample));
    return fleet::Status::Ok();
  }

  fleet::Status Labels(std::string_view line, size_t* pos, fleet::metrics::Labels* out) {
    ++*pos;  // '{'
    while (true) {
      SkipBlanks(line, pos);
      if (*pos < line.size() && line[*pos] == '}') break;
      const std::string_view label = TakeName(line, pos, /*colon=*/false);
      if (label.empty()) return Error("invalid label name");
      SkipBlanks(line, pos);
      if (*pos + 1 >= line.size() || line[*pos] != '=') return Error("expected = after label name");
      ++*pos;
      SkipBlanks(line, pos);
      if (*pos >= line.size() || line[*pos] != '"') return Error("expected a quoted label value");
      ++*pos;
      std::string value;
      while (true) {
        if (*pos >= line.size()) return Error("unterminated label value");
        const char c = line[(*pos)++];
        if (c == '"') break;
        if (c != '\\') {
          value += c;
          continue;
        }
        if (*pos >= line.size()) return Error("unterminated label value");
        const char e = line[(*pos)++];
        if (e == 'n')
          value += '\n';
        else if (e == '\\' || e == '"')
          value += e;
        else
          return Error("invalid escape in label value");
      }
      if (fleet::ValidUtf8(value) != value) return Error("label value is not valid UTF-8");
      for (const auto& l : *out) {
        if (l.name == label) return Error("duplicate label " + std::string(label));
      }
      if (out->size() == kMaxTextLabels) return Error("too many labels");
      out->push_back({std::string(label), std::move(value)});
      SkipBlanks(line, pos);
      if (*pos < line.size() && line[*pos] == ',') {
        ++*pos;
        continue;
      }
      if (*pos < line.size() && line[*pos] == '}') break;
      return Error("expected , or } after a label");
    }
    ++*pos;  // '}'
    return fleet::Status::Ok();
  }

  size_t line_no_ = 0;
  std::vector<TextFamily> families_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_set<std::string> typed_;
};

}  // namespace

fleet::Result<std::vector<TextFamily>> ParseTextFormat(std::string_view text) {
  return Parser().Run(text);
}

}  // namespace agent
