// The controller's Kubernetes-shaped REST API over cpprestsdk:
//   /apis/vpsfleet.io/v1alpha1/{plural}[/{name}[/status]]   list/watch, get, create, update,
//                                                           delete, status subresource
//   /apis/vpsfleet.io/v1alpha1/apply[?objects=true]         atomic bulk apply (fleetctl apply)
//   /healthz /readyz /metrics /version                      open; everything else needs the token
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "fleet/registry.h"
#include "fleet/status.h"

namespace controller {

class ApiServer {
 public:
  ApiServer(fleet::Registry& registry, std::string bearer_token);
  ~ApiServer();

  // address: "127.0.0.1:8080" (port 0 is not supported by cpprestsdk; pick one).
  fleet::Status Start(const std::string& address);
  // Stops accepting, ends open watches, waits for in-flight requests.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace controller
