// Agents' health reports, kept in memory: the last report per host. Only what changes a Host's
// conditions or revision reaches the store, so a large fleet reporting every few seconds costs
// no store writes in the steady state.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "fleet/registry.h"
#include "fleet/core/status.h"
#include "fleet/core/yaml_codec.h"

namespace controller {

struct HealthReport {
  std::string version;   // agent build
  std::string revision;  // config revision the agent runs
  bool healthy = false;
  fleet::Json components;  // [{name, healthy, message}]
  fleet::Json resources;   // {rssBytes, cpuSeconds, ...}
  std::chrono::system_clock::time_point received;
};

// Parses a report body: {"version", "revision", "healthy", "components", "resources"}.
fleet::Result<HealthReport> ParseReport(const fleet::Json& body,
                                        std::chrono::system_clock::time_point received);

class HealthTracker {
 public:
  // The token an agent presents is checked against sha256(token) the reconciler stored when it
  // delivered the token (Host status.tokenHash).
  void SetTokenHash(const std::string& host, const std::string& sha256_hex);
  std::optional<std::string> TokenHash(const std::string& host);
  bool KnowsHost(const std::string& host);
  void Record(const std::string& host, HealthReport report);
  std::optional<HealthReport> Last(const std::string& host);
  // Since when a report from the host is due: the agent's last start or reload by this
  // controller, or (for an agent started before this controller) the first time it was asked.
  void ExpectReport(const std::string& host, std::chrono::system_clock::time_point since);
  std::chrono::system_clock::time_point ReportExpectedSince(const std::string& host,
                                                            std::chrono::system_clock::time_point now);
  void Forget(const std::string& host);

 private:
  std::mutex mu_;
  std::map<std::string, std::string> token_hashes_;
  std::map<std::string, HealthReport> reports_;
  std::map<std::string, std::chrono::system_clock::time_point> expected_since_;
};

using fleet::FormatRfc3339;

}  // namespace controller
