// fleet-controller's command line: every flag parsed and cross-checked into one options struct,
// apart from the wiring that uses it (controller/composition.h), so parsing is testable alone.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "controller/apiserver.h"
#include "controller/session_pool.h"

namespace controller {

struct ControllerOptions {
  std::string data_dir = "/var/lib/fleet-controller";
  std::string listen = "127.0.0.1:7070";
  std::string advertise_url;  // where agents report; after parsing never empty
  std::string tls_cert_file, tls_key_file, tls_ca_file;
  std::string bundle_dir;   // --agent-bundle
  std::string bundles_dir;  // --agent-bundles
  std::string tailscale_cmd = "tailscale";
  std::string log_level = "info";
  int workers = 16;
  std::chrono::seconds report_timeout{45};
  std::chrono::seconds resync{30};
  std::chrono::seconds report_interval{15};
  SessionPoolOptions ssh_pool;
  ApiLimits api_limits;

  bool tls() const { return !tls_cert_file.empty(); }
  // Hosts are delivered to only with an agent bundle to install.
  bool delivers() const { return !bundle_dir.empty() || !bundles_dir.empty(); }
};

// How parsing ends: options to run with, or an exit (--help, --version, a usage error) with
// the code to exit with and what to print (stdout when the code is 0, else stderr).
struct ParsedFlags {
  std::optional<ControllerOptions> options;
  int exit_code = 0;
  std::string output;
};

ParsedFlags ParseControllerFlags(int argc, const char* const* argv);

}  // namespace controller
