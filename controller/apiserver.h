// The controller's Kubernetes-shaped REST API over cpprestsdk:
//   /apis/vpsfleet.io/v1alpha1/{plural}[/{name}[/status]]   list/watch, get, create, update,
//                                                           delete, status subresource
//   /apis/vpsfleet.io/v1alpha1/apply[?objects=true]         atomic bulk apply (fleetctl apply)
//   /apis/vpsfleet.io/v1alpha1/hosts/{name}/report          agents' health reports (per-host token)
//   /apis/vpsfleet.io/v1alpha1/hosts/{name}/events          a host's recent events
//   /apis/vpsfleet.io/v1alpha1/hosts/{name}/support?duration=N  the agent's support bundle
//   /healthz /readyz /metrics /version                      open; everything else needs the token
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "fleet/metrics.h"
#include "fleet/registry.h"
#include "fleet/status.h"

namespace controller {

class ServingCertificate;

// How the API reaches the controller's in-memory health state.
struct AgentReportHooks {
  // Verifies the host's token and takes the report; Unauthorized for a wrong token.
  std::function<fleet::Status(const std::string& host, const std::string& token,
                              const fleet::Json& body)>
      receive;
  // Adds what lives only in memory (status.lastSeen) to a Host being returned.
  std::function<void(fleet::Json& host)> overlay;
  // A host's recent events (GET .../hosts/NAME/events, user token required).
  std::function<fleet::Json(const std::string& host)> events;
};

class ApiServer {
 public:
  ApiServer(fleet::Registry& registry, std::string bearer_token);
  ~ApiServer();

  // address: "127.0.0.1:8080" (port 0 is not supported by cpprestsdk; pick one).
  fleet::Status Start(const std::string& address);
  // Before Start: serve https with this certificate (it must outlive the server).
  void SetServingCertificate(ServingCertificate* certificate);
  // Before Start: enables the report endpoint and the Host status overlay.
  void SetAgentReportHooks(AgentReportHooks hooks);
  // Before Start: enables GET .../hosts/NAME/support?duration=N (bundle bytes, application/gzip).
  using SupportBundleFetch = std::function<fleet::Result<std::string>(const std::string& host,
                                                                      int duration_seconds)>;
  void SetSupportBundleFetch(SupportBundleFetch fetch);
  // Before Start: more families for /metrics (the reconcilers').
  void SetExtraMetrics(std::function<void(std::vector<fleet::metrics::Family>*)> gather);
  // Stops accepting, ends open watches, waits for in-flight requests.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace controller
