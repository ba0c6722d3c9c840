// A checker for Grafana Alloy's configuration syntax as its documentation gives it (Alloy is not
// installable here, so `alloy fmt` cannot check the rendered config.alloy): a file is a body of
// attributes (`name = expression`) and blocks (`name.part "label" { body }`); expressions are
// literals (strings with Go escapes, numbers, bools, null), arrays, objects, identifiers with
// field access (`discovery.docker.containers.targets`) and calls (`sys.env("HOSTNAME")`);
// comments are // and /* */. Beyond syntax it records which components are declared and which
// component exports the expressions reference, so a test can check that every reference names a
// declared component.
#pragma once

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace fleet::testing {

struct AlloyFile {
  std::vector<std::string> blocks;      // top-level blocks: "prometheus.scrape \"node_exporter\""
  std::set<std::string> components;     // "prometheus.scrape.node_exporter" (name + label)
  std::set<std::string> references;     // identifier paths used in expressions
  std::set<std::string> calls;          // functions called: "sys.env"
  std::string error;                    // "" when the file parsed; else "line L: ..."
};

class AlloyParser {
 public:
  explicit AlloyParser(std::string text) : text_(std::move(text)) {}

  AlloyFile Parse() {
    Body(/*top=*/true, "");
    if (file_.error.empty()) {
      Skip();
      if (pos_ < text_.size()) Fail("unexpected " + std::string(1, text_[pos_]));
    }
    return file_;
  }

 private:
  void Fail(const std::string& what) {
    if (!file_.error.empty()) return;
    file_.error = "line " + std::to_string(1 + std::count(text_.begin(), text_.begin() + pos_, '\n')) + ": " + what;
    pos_ = text_.size();
  }
  bool Failed() const { return !file_.error.empty(); }

  // Whitespace and comments.
  void Skip() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      } else if (text_.compare(pos_, 2, "//") == 0) {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (text_.compare(pos_, 2, "/*") == 0) {
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string::npos) return Fail("unterminated comment");
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }
  bool Peek(char c) {
    Skip();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void Expect(char c) {
    if (!Peek(c)) return Fail(std::string("expected ") + c);
    ++pos_;
  }
  std::string Identifier() {
    Skip();
    size_t start = pos_;
    if (pos_ < text_.size() && (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    }
    if (start == pos_) Fail("expected an identifier");
    return text_.substr(start, pos_ - start);
  }
  // A dotted name: a.b.c
  std::string Path() {
    std::string path = Identifier();
    while (!Failed() && pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      path += "." + Identifier();
    }
    return path;
  }
  std::string String() {
    Skip();
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      Fail("expected a string");
      return "";
    }
    std::string value;
    for (++pos_; pos_ < text_.size() && text_[pos_] != '"'; ++pos_) {
      char c = text_[pos_];
      if (c == '\n') {
        Fail("line break in a string");
        return "";
      }
      if (c != '\\') {
        value += c;
        continue;
      }
      if (++pos_ >= text_.size()) break;
      const char e = text_[pos_];
      if (e == 'u') {
        for (int i = 0; i < 4; ++i) {
          if (++pos_ >= text_.size() || !std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
            Fail("bad \\u escape");
            return "";
          }
        }
        value += '?';
      } else if (std::string("abfnrtv\\\"").find(e) != std::string::npos) {
        value += e;
      } else {
        Fail(std::string("unknown escape \\") + e);
        return "";
      }
    }
    if (pos_ >= text_.size()) {
      Fail("unterminated string");
      return "";
    }
    ++pos_;
    return value;
  }

  // item, item, ... close (a trailing comma allowed), after the opening bracket.
  template <typename Item>
  void Items(char close, Item item) {
    while (!Failed() && !Peek(close)) {
      item();
      if (!Peek(',')) break;
      ++pos_;
    }
    Expect(close);
  }

  void Expression() {
    Skip();
    if (pos_ >= text_.size()) return Fail("expected an expression");
    const char c = text_[pos_];
    if (c == '"') {
      String();
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      ++pos_;
      while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
    } else if (c == '[') {
      ++pos_;
      Items(']', [&] { Expression(); });
    } else if (c == '{') {
      ++pos_;
      Items('}', [&] {
        Skip();
        if (text_[pos_] == '"') {
          String();
        } else {
          Identifier();
        }
        Expect('=');
        Expression();
      });
    } else {
      const std::string path = Path();
      if (path == "true" || path == "false" || path == "null") return;
      if (Peek('(')) {
        file_.calls.insert(path);
        ++pos_;
        Items(')', [&] { Expression(); });
      } else {
        file_.references.insert(path);
      }
    }
  }

  // Attributes and blocks until the closing brace (or the end of the file at the top).
  void Body(bool top, const std::string& outer) {
    while (!Failed()) {
      Skip();
      if (pos_ >= text_.size()) {
        if (!top) Fail("missing } of " + outer);
        return;
      }
      if (!top && text_[pos_] == '}') return;
      const std::string name = Path();
      if (Peek('=')) {
        if (name.find('.') != std::string::npos) return Fail("attribute name with a dot: " + name);
        ++pos_;
        Expression();
        continue;
      }
      std::string label;
      const bool labelled = Peek('"');
      if (labelled) label = String();
      Expect('{');
      if (top) {
        file_.blocks.push_back(name + (labelled ? " \"" + label + "\"" : ""));
        if (labelled) file_.components.insert(name + "." + label);
      }
      Body(false, name);
      Expect('}');
    }
  }

  std::string text_;
  size_t pos_ = 0;
  AlloyFile file_;
};

inline AlloyFile ParseAlloy(const std::string& text) { return AlloyParser(text).Parse(); }

}  // namespace fleet::testing
