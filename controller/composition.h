// The composition root: every part of a running fleet-controller, built from its options and
// wired together in one place (Build); main only parses flags and waits for a signal.
#pragma once

#include <memory>
#include <string>

#include "controller/controller_options.h"
#include "fleet/core/status.h"

namespace controller {

class ControllerProcess {
 public:
  // Opens the store, reads (or creates) the API token and keys, loads the TLS certificate and
  // agent bundles, and wires the API server to the reconcilers. Starts nothing.
  static fleet::Result<std::unique_ptr<ControllerProcess>> Build(const ControllerOptions& options);
  ~ControllerProcess();

  // Serves the API, then starts the reconcilers (when delivering).
  fleet::Status Start();
  void Stop();
  // One line for the log: what is served where, and whether hosts are delivered to.
  std::string Describe() const;

 private:
  struct Parts;
  explicit ControllerProcess(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace controller
