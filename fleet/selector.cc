#include "fleet/selector.h"

#include <algorithm>

#include "fleet/core/text.h"
#include "fleet/resource.h"

namespace fleet {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> SplitTopLevel(const std::string& text) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string cur;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

// Far more than any selector a person writes (a key is at most 317 bytes, a value 63), and little
// enough that parsing and quoting one costs nothing.
constexpr size_t kMaxSelectorBytes = 16 * 1024;

}  // namespace

Result<LabelSelector> LabelSelector::Parse(const std::string& text) {
  LabelSelector sel;
  if (Trim(text).empty()) return sel;
  if (text.size() > kMaxSelectorBytes) {
    return Status::Invalid("label selector \"" + ShownName(text) + "\": longer than " +
                           std::to_string(kMaxSelectorBytes) + " bytes");
  }
  for (const auto& raw : SplitTopLevel(text)) {
    std::string part = Trim(raw);
    auto bad = [&](const std::string& why) {
      return Status::Invalid("label selector \"" + ShownName(text) + "\": \"" + ShownName(part) +
                             "\": " + why);
    };
    if (part.empty()) return bad("empty requirement");
    Requirement r;
    if (part[0] == '!') {
      r.key = Trim(part.substr(1));
      r.op = Op::kDoesNotExist;
    } else if (auto p = part.find("!="); p != std::string::npos) {
      r.key = Trim(part.substr(0, p));
      r.op = Op::kNotEquals;
      r.values = {Trim(part.substr(p + 2))};
    } else if (auto p2 = part.find("=="); p2 != std::string::npos) {
      r.key = Trim(part.substr(0, p2));
      r.op = Op::kEquals;
      r.values = {Trim(part.substr(p2 + 2))};
    } else if (auto p3 = part.find('='); p3 != std::string::npos) {
      r.key = Trim(part.substr(0, p3));
      r.op = Op::kEquals;
      r.values = {Trim(part.substr(p3 + 1))};
    } else if (auto open = part.find('('); open != std::string::npos) {
      if (part.back() != ')') return bad("missing ')'");
      std::string head = Trim(part.substr(0, open));
      auto sp = head.find_last_of(" \t");
      if (sp == std::string::npos) return bad("expected \"key in (...)\" or \"key notin (...)\"");
      std::string op = Trim(head.substr(sp + 1));
      r.key = Trim(head.substr(0, sp));
      if (op == "in") {
        r.op = Op::kIn;
      } else if (op == "notin") {
        r.op = Op::kNotIn;
      } else {
        return bad("unknown operator \"" + op + "\" (in, notin)");
      }
      std::string inner = part.substr(open + 1, part.size() - open - 2);
      size_t start = 0;
      while (true) {
        size_t comma = inner.find(',', start);
        std::string v = Trim(inner.substr(start, comma == std::string::npos ? std::string::npos
                                                                             : comma - start));
        if (v.empty()) return bad("empty value in set");
        r.values.push_back(v);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      r.key = part;
      r.op = Op::kExists;
    }
    if (r.key.empty()) return bad("empty label key");
    if (std::string why = CheckLabelKey(r.key); !why.empty()) {
      return bad("invalid label key \"" + ShownName(r.key) + "\": " + why);
    }
    for (const std::string& value : r.values) {
      if (!IsLabelValue(value)) {
        return bad("invalid label value \"" + ShownName(value) + "\": " + kLabelValueRule);
      }
    }
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

LabelSelector LabelSelector::FromJson(const Json& selector) {
  LabelSelector sel;
  if (!selector.is_object()) return sel;
  if (selector.contains("matchLabels")) {
    for (auto& [k, v] : selector["matchLabels"].items()) {
      sel.requirements_.push_back({k, Op::kEquals, {v.get<std::string>()}});
    }
  }
  if (selector.contains("matchExpressions")) {
    for (const auto& e : selector["matchExpressions"]) {
      std::string op = e.value("operator", "");
      Requirement r{e.value("key", ""), Op::kExists, {}};
      if (op == "In") r.op = Op::kIn;
      if (op == "NotIn") r.op = Op::kNotIn;
      if (op == "DoesNotExist") r.op = Op::kDoesNotExist;
      for (const auto& v : e.value("values", Json::array())) r.values.push_back(v);
      sel.requirements_.push_back(std::move(r));
    }
  }
  return sel;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool in = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!in) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (in) return false;
        break;
      case Op::kExists:
        if (!has) return false;
        break;
      case Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

bool LabelSelector::MatchesObject(const Json& object) const {
  if (requirements_.empty()) return true;
  std::map<std::string, std::string> labels;
  if (object.contains("metadata") && object["metadata"].contains("labels")) {
    for (auto& [k, v] : object["metadata"]["labels"].items()) {
      if (v.is_string()) labels[k] = v.get<std::string>();
    }
  }
  return Matches(labels);
}

}  // namespace fleet
