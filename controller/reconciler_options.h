// What the reconcilers are configured with, and what a reconcile returns to the work queue.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "fleet/core/status.h"

namespace controller {

struct ReconcilerOptions {
  std::string controller_url;  // where agents report (rendered into their config)
  // A host whose last report is older than this is Healthy=False (ReportsStopped), as is one
  // whose agent has not reported this long after it was started (NoReport).
  std::chrono::seconds report_timeout{45};
  std::chrono::seconds resync{30};
  // While waiting for the first report after a delivery.
  std::chrono::seconds await_report_poll{2};
  std::string report_interval = "15s";  // how often agents report (rendered into their config)
  // Agent versions the installer can install (version -> bundle digest), and the one a profile
  // without spec.agent.version gets. Empty: no agent version is part of the revision.
  std::map<std::string, std::string> agent_bundles{};
  std::string default_agent_version{};
  // The PEM CA agents verify controller_url with, as it is now; unset or "" = the hosts' roots.
  std::function<std::string()> controller_ca{};
};

struct ReconcileResult {
  fleet::Status status;  // not ok: retry with backoff
  std::chrono::milliseconds requeue_after{0};
};

}  // namespace controller
