// Receives agents' health reports: checks the per-host token against the hash the reconciler
// stored, keeps the report in memory, and asks for a reconcile only when something a condition
// depends on changed (first report, revision, health, version, or reports resuming).
#pragma once

#include <functional>

#include "controller/health.h"
#include "fleet/store.h"

namespace controller {

class ReportReceiver {
 public:
  ReportReceiver(fleet::Store& store, HealthTracker& health, std::chrono::seconds report_timeout,
                 std::function<void(const std::string&)> enqueue);

  // Unauthorized unless token is the host's (checked before a report's body is read).
  fleet::Status Authenticate(const std::string& host, const std::string& token);
  // Authenticates, then takes the report.
  fleet::Status Receive(const std::string& host, const std::string& token, const fleet::Json& body);
  // status.lastSeen (and agentVersion) from memory, for API reads.
  void Overlay(fleet::Json& host);

 private:
  fleet::Store& store_;
  HealthTracker& health_;
  std::chrono::seconds report_timeout_;
  std::function<void(const std::string&)> enqueue_;
};

}  // namespace controller
