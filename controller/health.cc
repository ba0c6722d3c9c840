#include "controller/health.h"

namespace controller {

fleet::Result<HealthReport> ParseReport(const fleet::Json& body,
                                        std::chrono::system_clock::time_point received) {
  if (!body.is_object()) return fleet::Status::Invalid("report must be a JSON object");
  HealthReport r;
  r.received = received;
  try {
    r.version = body.value("version", "");
    r.revision = body.value("revision", "");
    r.healthy = body.value("healthy", false);
    r.components = body.value("components", fleet::Json::array());
    r.resources = body.value("resources", fleet::Json::object());
  } catch (const fleet::Json::exception& e) {
    return fleet::Status::Invalid(std::string("report: ") + e.what());
  }
  if (!r.components.is_array()) return fleet::Status::Invalid("report.components must be a list");
  return r;
}

void HealthTracker::SetTokenHash(const std::string& host, const std::string& sha256_hex) {
  std::lock_guard lock(mu_);
  token_hashes_[host] = sha256_hex;
}

std::optional<std::string> HealthTracker::TokenHash(const std::string& host) {
  std::lock_guard lock(mu_);
  auto it = token_hashes_.find(host);
  if (it == token_hashes_.end()) return std::nullopt;
  return it->second;
}

bool HealthTracker::KnowsHost(const std::string& host) {
  std::lock_guard lock(mu_);
  return token_hashes_.count(host) > 0;
}

void HealthTracker::Record(const std::string& host, HealthReport report) {
  std::lock_guard lock(mu_);
  reports_[host] = std::move(report);
}

std::optional<HealthReport> HealthTracker::Last(const std::string& host) {
  std::lock_guard lock(mu_);
  auto it = reports_.find(host);
  if (it == reports_.end()) return std::nullopt;
  return it->second;
}

void HealthTracker::ExpectReport(const std::string& host, std::chrono::system_clock::time_point since) {
  std::lock_guard lock(mu_);
  expected_since_[host] = since;
}

std::chrono::system_clock::time_point HealthTracker::ReportExpectedSince(
    const std::string& host, std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mu_);
  return expected_since_.try_emplace(host, now).first->second;
}

void HealthTracker::Forget(const std::string& host) {
  std::lock_guard lock(mu_);
  token_hashes_.erase(host);
  reports_.erase(host);
  expected_since_.erase(host);
}

}  // namespace controller
