// A name filter by regular expression (Go's MatchString semantics: unanchored search, so the
// patterns carry their own ^ and $), remembering each answer. Collectors test the same few
// hundred names (devices, mount points, netstat fields) on every scrape, and std::regex is slow
// enough that matching them afresh was a visible part of a scrape's CPU.
#pragma once

#include <mutex>
#include <regex>
#include <string>
#include <unordered_map>

namespace agent {

class RegexFilter {
 public:
  explicit RegexFilter(const std::string& pattern) : re_(pattern) {}
  bool Matches(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = memo_.find(name);
    if (it != memo_.end()) return it->second;
    // Names come and go (veth devices, mounts); keep the memo bounded.
    if (memo_.size() > kMaxMemo) memo_.clear();
    const bool m = std::regex_search(name, re_);
    memo_.emplace(name, m);
    return m;
  }

 private:
  static constexpr size_t kMaxMemo = 4096;
  std::regex re_;
  std::mutex mu_;
  std::unordered_map<std::string, bool> memo_;
};

}  // namespace agent
