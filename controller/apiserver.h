// The controller's Kubernetes-shaped REST API over cpprestsdk:
//   /apis/vpsfleet.io/v1alpha1/{plural}[/{name}[/status]]   list/watch, get, create, update,
//                                                           delete, status subresource
//   /apis/vpsfleet.io/v1alpha1/apply[?objects=true]         atomic bulk apply (fleetctl apply)
//   /apis/vpsfleet.io/v1alpha1/hosts/{name}/report          agents' health reports (per-host token)
//   /apis/vpsfleet.io/v1alpha1/hosts/{name}/events          a host's recent events
//   /apis/vpsfleet.io/v1alpha1/hosts/{name}/support?duration=N  the agent's support bundle
//   /healthz /readyz /metrics /version                      open; everything else needs the token
// A method a path does not take is answered 405 with an Allow header; TRACE and OPTIONS too.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "fleet/core/metrics.h"
#include "fleet/registry.h"
#include "fleet/core/status.h"

namespace controller {

// How much a client may send. Bodies past a limit are answered 413 and not read further; JSON
// nested deeper than fleet::kMaxJsonDepth is answered 400.
struct ApiLimits {
  // Any request body but an apply's. Kubernetes' API server takes 3 MiB.
  size_t max_request_bytes = 3 << 20;
  // A bulk apply carries the whole fleet in one request: bench/controller_apply.sh's 10,000
  // hosts are 2.4 MB as fleetctl sends them (237 bytes each), which 3 MiB would barely hold;
  // 32 MiB leaves some 3 KiB per host for labels and vars.
  size_t max_apply_bytes = 32 << 20;
};
class ServingCertificate;

// How the API reaches the controller's in-memory health state.
struct AgentReportHooks {
  // Verifies the host's token (before the body is read); Unauthorized for a wrong token.
  std::function<fleet::Status(const std::string& host, const std::string& token)> authenticate;
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
  // Before Start: request size limits (the defaults otherwise).
  void SetLimits(ApiLimits limits);
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
