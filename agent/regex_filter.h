// A name filter by regular expression (Go's MatchString semantics: unanchored search, so the
// patterns carry their own ^ and $), remembering each answer. Collectors test the same few
// hundred names (devices, mount points, netstat fields) on every scrape, and std::regex is slow
// enough that matching them afresh was a visible part of a scrape's CPU.
// Names longer than kMaxRegexInput match nothing.
//
// An empty pattern, a Go regexp, matches every name; node_exporter's device filters
// (collector/device_filter.go: arp, diskstats, netdev) skip an empty exclude flag instead, so
// there it excludes nothing.
#pragma once

#include <mutex>
#include <regex>
#include <string>
#include <unordered_map>

namespace agent {

// The longest string the agent gives std::regex. libstdc++'s matcher recurses once per
// character (about 500 bytes of stack each, measured with a `.+` pattern: 16 Ki characters fit
// in 8 MiB, 32 Ki do not), and a host or a config controls these strings; 4096 (PATH_MAX) takes
// ~2 MiB of a thread's 8 MiB stack. Bounded rather than moved to RE2 (which the agent has for
// relabel rules, where Prometheus's semantics need it): what these filters match, kernel names
// against its own config, is short, and RE2's automata would add to every filter's memory.
inline constexpr size_t kMaxRegexInput = 4096;
// The longest pattern it compiles (the CRD's maxLength for the profile's filter regexes).
inline constexpr size_t kMaxRegexPattern = 1024;

class RegexFilter {
 public:
  enum class EmptyPattern { kMatchesEverything, kMatchesNothing };
  explicit RegexFilter(const std::string& pattern,
                       EmptyPattern empty = EmptyPattern::kMatchesEverything)
      : re_(pattern), matches_nothing_(pattern.empty() && empty == EmptyPattern::kMatchesNothing) {}
  // A name longer than kMaxRegexInput matches nothing.
  bool Matches(const std::string& name) {
    if (matches_nothing_ || name.size() > kMaxRegexInput) return false;
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
  const bool matches_nothing_;
  std::mutex mu_;
  std::unordered_map<std::string, bool> memo_;
};

}  // namespace agent
