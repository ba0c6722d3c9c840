// Helpers for fleet unit tests: a scratch SQLite store and objects written as YAML.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

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

}  // namespace fleet::testing
