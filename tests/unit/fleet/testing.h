// Helpers for fleet unit tests: a scratch SQLite store and objects written as YAML.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "fleet/resource.h"
#include "fleet/store.h"

namespace fleet::testing {

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/fleet-unit-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<Store> OpenStore(const std::string& dir, int history = 100000) {
  auto s = OpenSqliteStore(dir, history);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(*s);
}

// One YAML document as JSON (test inputs are trusted to parse).
inline Json Yaml(const std::string& text) {
  auto docs = ParseYamlDocuments(text, "test.yaml");
  EXPECT_TRUE(docs.ok()) << docs.status().message();
  return (*docs).at(0).object;
}

// Every message validating text (parsed as the file source) gives, joined by newlines; the parse
// error when it does not parse; "" when it is valid.
inline std::string ValidationMessages(const std::string& text, const std::string& source) {
  auto docs = ParseYamlDocuments(text, source);
  if (!docs.ok()) return docs.status().message();
  std::string joined;
  for (const auto& c : ValidateDocuments(*docs, false)) joined += (joined.empty() ? "" : "\n") + c.ToString();
  return joined;
}

}  // namespace fleet::testing
