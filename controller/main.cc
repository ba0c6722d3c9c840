// fleet-controller: keeps the fleet's desired state, serves the API fleetctl talks to, and
// reconciles every Host: installs and configures fleet-agent over SSH and tracks its health.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "controller/apiserver.h"
#include "controller/bundle_installer.h"
#include "controller/credentials.h"
#include "controller/manager.h"
#include "controller/reports.h"
#include "controller/rollout.h"
#include "controller/serving_certificate.h"
#include "controller/session_pool.h"
#include "controller/support_fetch.h"
#include "controller/tailscale.h"
#include "fleet/core/files.h"
#include "fleet/registry.h"

int main(int argc, char** argv) {
  CLI::App app{"fleet-controller: the vpsfleet control plane (desired state, API, reconcile)"};
  std::string data_dir = "/var/lib/fleet-controller";
  std::string listen = "127.0.0.1:7070";
  std::string advertise;
  std::string tls_cert_file, tls_key_file, tls_ca_file;
  std::string bundle_dir;
  std::string bundles_dir;
  std::string tailscale_cmd = "tailscale";
  std::string log_level = "info";
  int workers = 16;
  int report_timeout = 45;
  int resync = 30;
  int report_interval = 15;
  controller::SessionPoolOptions ssh_pool;
  int ssh_idle_timeout = static_cast<int>(ssh_pool.idle_timeout.count());
  app.add_option("--data-dir", data_dir, "Where the SQLite store, API token and keys live")
      ->capture_default_str();
  app.add_option("--listen", listen, "host:port for the API")->capture_default_str();
  app.add_option("--advertise-url", advertise,
                 "URL agents report to (default http[s]://<listen>); must be reachable from the hosts");
  auto* cert_opt = app.add_option("--tls-cert-file", tls_cert_file,
                                  "PEM certificate chain to serve https with (the API and agents' "
                                  "reports); read again when it changes (checked at each new "
                                  "connection), so a renewed one is served without a restart");
  auto* key_opt = app.add_option("--tls-private-key-file", tls_key_file,
                                 "PEM private key of --tls-cert-file (re-read like it)");
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  app.add_option("--tls-ca-file", tls_ca_file,
                 "PEM CA certificate(s) agents verify the controller with, delivered with their "
                 "config (a change rolls out); default: the certificate itself when it is "
                 "self-signed, else the hosts' system roots")
      ->needs(cert_opt);
  app.add_option("--agent-bundle", bundle_dir,
                 "The fleet-agent bundle to install on hosts (build/agent-bundle); without it the "
                 "controller serves the API but delivers nothing");
  app.add_option("--agent-bundles", bundles_dir,
                 "A directory of fleet-agent bundles, one subdirectory per version (0.2.0/, ...), "
                 "for AgentProfiles that name spec.agent.version; profiles that name none get the "
                 "--agent-bundle (or, without it, this controller's own version)");
  app.add_option("--tailscale", tailscale_cmd, "tailscale CLI used to resolve tailnet hosts")
      ->capture_default_str();
  app.add_option("--workers", workers, "Hosts delivered to in parallel")
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
  app.add_option("--ssh-max-idle", ssh_pool.max_idle, "SSH sessions kept open at most (least recently used closed first)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  controller::ApiLimits api_limits;
  app.add_option("--max-request-bytes", api_limits.max_request_bytes,
                 "Largest API request body but an apply's; larger ones are answered 413 unread")
      ->check(CLI::Range(size_t{1} << 10, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-apply-bytes", api_limits.max_apply_bytes,
                 "Largest apply request body (the whole fleet in one request: 10,000 hosts of "
                 "bench/controller_apply.sh are 2.4 MB)")
      ->check(CLI::Range(size_t{1} << 10, size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "error, warn, info or debug")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}))
      ->capture_default_str();
  app.set_version_flag("--version", std::string("fleet-controller ") + VPSFLEET_VERSION);
  CLI11_PARSE(app, argc, argv);
  // A host is marked Healthy=False when no report came for --report-timeout; at less than two
  // intervals one late or lost report would flap it (at one or less, every healthy host would).
  if (report_timeout < 2 * report_interval) {
    return app.exit(CLI::ValidationError(
        "--report-timeout", std::to_string(report_timeout) + " s is less than twice --agent-report-interval (" +
                                std::to_string(report_interval) +
                                " s): one late report would mark a healthy host as not reporting"));
  }
  const bool tls = !tls_cert_file.empty();
  if (tls && advertise.rfind("http://", 0) == 0) {
    return app.exit(CLI::ValidationError(
        "--advertise-url", advertise + " is plain http while the controller serves https: agents "
                           "would send their tokens in clear to a port that does not speak it"));
  }
  spdlog::set_level(spdlog::level::from_str(log_level == "warn" ? "warning" : log_level));
  // Every API connection holds a descriptor, an idle one too (cpprestsdk reads a request head
  // for as long as the client takes): at systemd's 1024, a thousand idle connections would shut
  // everyone else out.
  fleet::RaiseOpenFileLimit();
  const std::string scheme = tls ? "https://" : "http://";
  if (advertise.empty()) advertise = scheme + listen;
  std::unique_ptr<controller::ServingCertificate> certificate;
  if (tls) {
    auto loaded = controller::ServingCertificate::Load(tls_cert_file, tls_key_file, tls_ca_file);
    if (!loaded.ok()) {
      spdlog::critical("TLS: {}", loaded.status().message());
      return 1;
    }
    certificate = std::move(*loaded);
  }

  // Block the shutdown signals in every thread; main waits for them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto store = fleet::OpenSqliteStore(data_dir);
  if (!store.ok()) {
    spdlog::critical("{}", store.status().message());
    return 1;
  }
  auto token = controller::ReadOrCreateSecretFile(data_dir + "/token");
  auto fingerprint_key = controller::ReadOrCreateSecretFile(data_dir + "/fingerprint.key");
  for (const auto* r : {&token, &fingerprint_key}) {
    if (!r->ok()) {
      spdlog::critical("{}", r->status().message());
      return 1;
    }
  }
  fleet::Registry registry(**store, *fingerprint_key);
  controller::ApiServer server(registry, *token);
  server.SetLimits(api_limits);
  server.SetServingCertificate(certificate.get());
  controller::HealthTracker health;
  controller::EventRecorder events;

  std::unique_ptr<controller::BundleInstaller> installer;
  std::unique_ptr<controller::Transport> transport;
  controller::RolloutGate gate(**store);
  std::unique_ptr<controller::HostReconciler> reconciler;
  std::unique_ptr<controller::RolloutReconciler> rollouts;
  std::unique_ptr<controller::Manager> manager;
  std::unique_ptr<controller::ReportReceiver> reports;
  std::unique_ptr<controller::SupportBundleFetcher> support;
  if (!bundle_dir.empty() || !bundles_dir.empty()) {
    auto bundles = controller::LoadAgentBundles(bundle_dir, bundles_dir, VPSFLEET_VERSION);
    if (!bundles.ok()) {
      spdlog::critical("agent bundles: {}", bundles.status().message());
      return 1;
    }
    std::string versions;
    for (const auto& [version, b] : bundles->by_version) versions += (versions.empty() ? "" : ", ") + version;
    spdlog::info("fleet-agent versions {} (default {})", versions, bundles->default_version);
    controller::ReconcilerOptions options;
    options.default_agent_version = bundles->default_version;
    installer = std::make_unique<controller::BundleInstaller>(std::move(*bundles));
    options.agent_bundles = installer->Digests();
    controller::TailnetResolver tailnet = [tailscale_cmd](const std::string& name) {
      return controller::ResolveTailnetAddress(tailscale_cmd, name);
    };
    ssh_pool.idle_timeout = std::chrono::seconds(ssh_idle_timeout);
    if (ssh_idle_timeout == 0) ssh_pool.max_idle = 0;
    transport = std::make_unique<controller::PooledTransport>(controller::NewSshTransport(), ssh_pool);
    options.controller_url = advertise;
    if (certificate) options.controller_ca = [&certificate] { return certificate->AgentCa(); };
    options.report_timeout = std::chrono::seconds(report_timeout);
    options.resync = std::chrono::seconds(resync);
    options.report_interval = std::to_string(report_interval) + "s";
    reconciler = std::make_unique<controller::HostReconciler>(
        registry, *transport, *installer, health, gate,
        tailnet, options);
    reconciler->SetEventRecorder(&events);
    rollouts = std::make_unique<controller::RolloutReconciler>(registry, options);
    manager = std::make_unique<controller::Manager>(**store, *reconciler, *rollouts, workers,
                                                    std::chrono::seconds(resync));
    reports = std::make_unique<controller::ReportReceiver>(
        **store, health, options.report_timeout,
        [&manager](const std::string& host) { manager->Enqueue(host); });
    server.SetAgentReportHooks(
        {[&reports](const std::string& h, const std::string& t) { return reports->Authenticate(h, t); },
         [&reports](const std::string& h, const std::string& t, const fleet::Json& b) {
           return reports->Receive(h, t, b);
         },
         [&reports](fleet::Json& host) { reports->Overlay(host); },
         [&events](const std::string& host) { return events.List(host); }});
    support = std::make_unique<controller::SupportBundleFetcher>(**store, *transport, tailnet);
    server.SetSupportBundleFetch([&support](const std::string& host, int duration) {
      return support->Fetch(host, duration);
    });
    server.SetExtraMetrics([&manager](std::vector<fleet::metrics::Family>* out) { manager->Gather(out); });
  }
  if (auto st = server.Start(listen); !st.ok()) {
    spdlog::critical("{}", st.message());
    return 1;
  }
  if (manager) {
    if (auto st = manager->Start(); !st.ok()) {
      spdlog::critical("starting reconcilers: {}", st.message());
      return 1;
    }
  }
  spdlog::info("fleet-controller {} serving {}{} (store {}/fleet.db, token in {}/token){}",
               VPSFLEET_VERSION, scheme, listen, data_dir, data_dir,
               manager ? ", delivering with " + std::to_string(workers) + " workers"
                       : ", delivery off (no --agent-bundle)");
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  if (manager) manager->Stop();
  server.Stop();
  return 0;
}
