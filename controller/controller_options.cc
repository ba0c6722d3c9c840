#include "controller/controller_options.h"

#include <CLI/CLI.hpp>
#include <sstream>

namespace controller {

namespace {

// The flags onto o, with their checks; cross-flag rules are in Validate.
void AddFlags(CLI::App& app, ControllerOptions& o, int& report_timeout, int& resync, int& report_interval,
              int& ssh_idle_timeout) {
  app.add_option("--data-dir", o.data_dir, "Where the SQLite store, API token and keys live")
      ->capture_default_str();
  app.add_option("--listen", o.listen, "host:port for the API")->capture_default_str();
  app.add_option("--advertise-url", o.advertise_url,
                 "URL agents report to (default http[s]://<listen>); must be reachable from the hosts");
  auto* cert_opt = app.add_option("--tls-cert-file", o.tls_cert_file,
                                  "PEM certificate chain to serve https with (the API and agents' "
                                  "reports); read again when it changes (checked at each new "
                                  "connection), so a renewed one is served without a restart");
  auto* key_opt = app.add_option("--tls-private-key-file", o.tls_key_file,
                                 "PEM private key of --tls-cert-file (re-read like it)");
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--tls-ca-file", o.tls_ca_file,
                 "PEM CA certificate(s) agents verify the controller with, delivered with their "
                 "config (a change rolls out); default: the certificate itself when it is "
                 "self-signed, else the hosts' system roots")
      ->needs(cert_opt);
  app.add_option("--agent-bundle", o.bundle_dir,
                 "The fleet-agent bundle to install on hosts (build/agent-bundle); without it the "
                 "controller serves the API but delivers nothing");
  app.add_option("--agent-bundles", o.bundles_dir,
                 "A directory of fleet-agent bundles, one subdirectory per version (0.2.0/, ...), "
                 "for AgentProfiles that name spec.agent.version; profiles that name none get the "
                 "--agent-bundle (or, without it, this controller's own version)");
  app.add_option("--tailscale", o.tailscale_cmd, "tailscale CLI used to resolve tailnet hosts")
      ->capture_default_str();
  app.add_option("--workers", o.workers, "Hosts delivered to in parallel")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--report-timeout", report_timeout,
                 "Seconds without a health report before a host is Healthy=False")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--agent-report-interval", report_interval,
                 "Seconds between an agent's health reports (rendered into its config); "
                 "--report-timeout must be at least twice this")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--resync", resync, "Seconds between full resyncs of every host")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--ssh-idle-timeout", ssh_idle_timeout,
                 "Seconds an SSH session to a host is kept open after a reconcile, for the next one "
                 "(like OpenSSH's ControlPersist); 0 closes every session after use")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  app.add_option("--ssh-max-idle", o.ssh_pool.max_idle,
                 "SSH sessions kept open at most (least recently used closed first)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--max-request-bytes", o.api_limits.max_request_bytes,
                 "Largest API request body but an apply's; larger ones are answered 413 unread")
      ->check(CLI::Range(size_t{1} << 10, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-apply-bytes", o.api_limits.max_apply_bytes,
                 "Largest apply request body (the whole fleet in one request: 10,000 hosts of "
                 "bench/controller_apply.sh are 2.4 MB)")
      ->check(CLI::Range(size_t{1} << 10, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--log-level", o.log_level, "error, warn, info or debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
      ->capture_default_str();
  app.set_version_flag("--version", std::string("fleet-controller ") + VPSFLEET_VERSION);
}

// Rules between flags, which CLI11 cannot express.
void Validate(const ControllerOptions& o) {
  // A host is marked Healthy=False when no report came for --report-timeout; at less than two
  // intervals one late or lost report would flap it (at one or less, every healthy host would).
  if (o.report_timeout < 2 * o.report_interval) {
    throw CLI::ValidationError(
        "--report-timeout", std::to_string(o.report_timeout.count()) +
                                " s is less than twice --agent-report-interval (" +
                                std::to_string(o.report_interval.count()) +
                                " s): one late report would mark a healthy host as not reporting");
  }
  if (o.tls() && o.advertise_url.rfind("http://", 0) == 0) {
    throw CLI::ValidationError(
        "--advertise-url", o.advertise_url + " is plain http while the controller serves https: agents "
                           "would send their tokens in clear to a port that does not speak it");
  }
}

}  // namespace

ParsedFlags ParseControllerFlags(int argc, const char* const* argv) {
  CLI::App app{"fleet-controller: the vpsfleet control plane (desired state, API, reconcile)"};
  ControllerOptions o;
  int report_timeout = static_cast<int>(o.report_timeout.count());
  int resync = static_cast<int>(o.resync.count());
  int report_interval = static_cast<int>(o.report_interval.count());
  int ssh_idle_timeout = static_cast<int>(o.ssh_pool.idle_timeout.count());
  AddFlags(app, o, report_timeout, resync, report_interval, ssh_idle_timeout);
  try {
    app.parse(argc, argv);
    o.report_timeout = std::chrono::seconds(report_timeout);
    o.resync = std::chrono::seconds(resync);
    o.report_interval = std::chrono::seconds(report_interval);
    Validate(o);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    const int code = app.exit(e, out, err);
    return {std::nullopt, code, out.str() + err.str()};
  }
  o.ssh_pool.idle_timeout = std::chrono::seconds(ssh_idle_timeout);
  if (ssh_idle_timeout == 0) o.ssh_pool.max_idle = 0;
  if (o.advertise_url.empty()) o.advertise_url = (o.tls() ? "https://" : "http://") + o.listen;
  return {std::move(o), 0, ""};
}

}  // namespace controller
