#include "controller/reports.h"

#include "fleet/core/crypto.h"
#include "fleet/types/host.h"

namespace controller {

ReportReceiver::ReportReceiver(fleet::Store& store, HealthTracker& health,
                               std::chrono::seconds report_timeout,
                               std::function<void(const std::string&)> enqueue)
    : store_(store), health_(health), report_timeout_(report_timeout), enqueue_(std::move(enqueue)) {}

fleet::Status ReportReceiver::Authenticate(const std::string& host, const std::string& token) {
  auto hash = health_.TokenHash(host);
  if (!hash) {
    // Not seen since this controller started: the hash is in the Host's status.
    auto stored = store_.Get("Host", host);
    if (stored.ok()) {
      std::string h = stored->value("status", fleet::Json::object()).get<fleet::HostStatus>().token_hash;
      if (!h.empty()) {
        health_.SetTokenHash(host, h);
        hash = h;
      }
    }
  }
  if (!hash || token.empty() || !fleet::ConstantTimeEquals(fleet::Sha256Hex(token), *hash)) {
    return fleet::Status::Unauthorized("invalid or missing agent token for host/" + host);
  }
  return fleet::Status::Ok();
}

fleet::Status ReportReceiver::Receive(const std::string& host, const std::string& token,
                                      const fleet::Json& body) {
  FLEET_RETURN_IF_ERROR(Authenticate(host, token));
  auto now = std::chrono::system_clock::now();
  auto report = ParseReport(body, now);
  if (!report.ok()) return report.status();
  auto prev = health_.Last(host);
  bool matters = !prev || prev->revision != report->revision || prev->healthy != report->healthy ||
                 prev->version != report->version || now - prev->received > report_timeout_;
  health_.Record(host, std::move(*report));
  if (matters) enqueue_(host);
  return fleet::Status::Ok();
}

void ReportReceiver::Overlay(fleet::Json& host) {
  if (!host.contains("metadata")) return;
  auto report = health_.Last(host["metadata"].value("name", ""));
  if (!report) return;
  host["status"]["lastSeen"] = FormatRfc3339(report->received);
  host["status"]["agentVersion"] = report->version;
  if (report->resources.is_object() && !report->resources.empty()) {
    host["status"]["agentResources"] = report->resources;
  }
}

}  // namespace controller
