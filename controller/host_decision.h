// DecideHost: the pure part of reconciling a Host — which work it needs and how healthy it is,
// from its desired revision, its stored status and the agent's last report.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "controller/health.h"
#include "controller/reconciler_options.h"
#include "fleet/render.h"
#include "fleet/types/conditions.h"
#include "fleet/types/host.h"

namespace controller {

struct HostDecision {
  bool deliver = false;
  std::string why;  // for the log and the event message
  // The Healthy condition as observed now (without lastTransitionTime: SetCondition sets it).
  fleet::Condition healthy;
  std::chrono::seconds requeue_after{30};
};

// Which work a host needs given the desired revision (and agent version), its stored status,
// the agent's last report (if any) and since when a report has been due (HealthTracker).
HostDecision DecideHost(const fleet::RenderedAgent& desired, const fleet::HostStatus& status,
                        const std::optional<HealthReport>& report,
                        std::chrono::system_clock::time_point report_expected_since,
                        std::chrono::system_clock::time_point now,
                        const ReconcilerOptions& options);

}  // namespace controller
