// fleet-controller: keeps the fleet's desired state, serves the API fleetctl talks to, and
// reconciles every Host: installs and configures fleet-agent over SSH and tracks its health.
// Flags are parsed in controller_options.*, the parts wired in composition.*.
#include <signal.h>

#include <spdlog/spdlog.h>

#include <iostream>

#include "controller/composition.h"
#include "controller/controller_options.h"
#include "fleet/core/files.h"

int main(int argc, char** argv) {
  const controller::ParsedFlags flags = controller::ParseControllerFlags(argc, argv);
  if (!flags.options) {
    (flags.exit_code == 0 ? std::cout : std::cerr) << flags.output;
    return flags.exit_code;
  }
  const controller::ControllerOptions& options = *flags.options;
  spdlog::set_level(spdlog::level::from_str(options.log_level == "warn" ? "warning" : options.log_level));
  // Every API connection holds a descriptor, an idle one too (cpprestsdk reads a request head
  // for as long as the client takes): at systemd's 1024, a thousand idle connections would shut
  // everyone else out.
  fleet::RaiseOpenFileLimit();

  // Block the shutdown signals in every thread (so before any starts); main waits for them
  // with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto process = controller::ControllerProcess::Build(options);
  if (!process.ok()) {
    spdlog::critical("{}", process.status().message());
    return 1;
  }
  if (auto st = (*process)->Start(); !st.ok()) {
    spdlog::critical("{}", st.message());
    return 1;
  }
  spdlog::info("{}", (*process)->Describe());
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*process)->Stop();
  return 0;
}
