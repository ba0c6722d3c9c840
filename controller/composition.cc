#include "controller/composition.h"

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
#include "fleet/registry.h"

namespace controller {

// Declared in the order they depend on each other, so they are destroyed in reverse.
struct ControllerProcess::Parts {
  ControllerOptions options;
  std::unique_ptr<ServingCertificate> certificate;
  std::unique_ptr<fleet::Store> store;
  std::unique_ptr<fleet::Registry> registry;
  std::unique_ptr<ApiServer> server;
  HealthTracker health;
  EventRecorder events;
  // Delivery (with an agent bundle only).
  std::unique_ptr<BundleInstaller> installer;
  std::unique_ptr<Transport> transport;
  std::unique_ptr<RolloutGate> gate;
  std::unique_ptr<HostReconciler> reconciler;
  std::unique_ptr<RolloutReconciler> rollouts;
  std::unique_ptr<Manager> manager;
  std::unique_ptr<ReportReceiver> reports;
  std::unique_ptr<SupportBundleFetcher> support;
};

ControllerProcess::ControllerProcess(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
ControllerProcess::~ControllerProcess() = default;

fleet::Result<std::unique_ptr<ControllerProcess>> ControllerProcess::Build(const ControllerOptions& options) {
  auto p = std::make_unique<Parts>();
  p->options = options;
  const ControllerOptions& o = p->options;
  if (o.tls()) {
    auto loaded = ServingCertificate::Load(o.tls_cert_file, o.tls_key_file, o.tls_ca_file);
    if (!loaded.ok()) return loaded.status().WithContext("TLS");
    p->certificate = std::move(*loaded);
  }
  auto store = fleet::OpenSqliteStore(o.data_dir);
  if (!store.ok()) return store.status();
  p->store = std::move(*store);
  auto token = ReadOrCreateSecretFile(o.data_dir + "/token");
  if (!token.ok()) return token.status();
  auto fingerprint_key = ReadOrCreateSecretFile(o.data_dir + "/fingerprint.key");
  if (!fingerprint_key.ok()) return fingerprint_key.status();
  p->registry = std::make_unique<fleet::Registry>(*p->store, *fingerprint_key);
  p->server = std::make_unique<ApiServer>(*p->registry, *token);
  p->server->SetLimits(o.api_limits);
  p->server->SetServingCertificate(p->certificate.get());
  if (!o.delivers()) return std::unique_ptr<ControllerProcess>(new ControllerProcess(std::move(p)));

  auto bundles = LoadAgentBundles(o.bundle_dir, o.bundles_dir, VPSFLEET_VERSION);
  if (!bundles.ok()) return bundles.status().WithContext("agent bundles");
  std::string versions;
  for (const auto& [version, b] : bundles->by_version) versions += (versions.empty() ? "" : ", ") + version;
  spdlog::info("fleet-agent versions {} (default {})", versions, bundles->default_version);
  ReconcilerOptions reconciler_options;
  reconciler_options.default_agent_version = bundles->default_version;
  p->installer = std::make_unique<BundleInstaller>(std::move(*bundles));
  reconciler_options.agent_bundles = p->installer->Digests();
  reconciler_options.controller_url = o.advertise_url;
  if (p->certificate) {
    reconciler_options.controller_ca = [certificate = p->certificate.get()] { return certificate->AgentCa(); };
  }
  reconciler_options.report_timeout = o.report_timeout;
  reconciler_options.resync = o.resync;
  reconciler_options.report_interval = std::to_string(o.report_interval.count()) + "s";
  TailnetResolver tailnet = [cmd = o.tailscale_cmd](const std::string& name) {
    return ResolveTailnetAddress(cmd, name);
  };
  p->transport = std::make_unique<PooledTransport>(NewSshTransport(), o.ssh_pool);
  p->gate = std::make_unique<RolloutGate>(*p->store);
  p->reconciler = std::make_unique<HostReconciler>(*p->registry, *p->transport, *p->installer, p->health,
                                                   *p->gate, tailnet, reconciler_options);
  p->reconciler->SetEventRecorder(&p->events);
  p->rollouts = std::make_unique<RolloutReconciler>(*p->registry, reconciler_options);
  p->manager = std::make_unique<Manager>(*p->store, *p->reconciler, *p->rollouts, o.workers, o.resync);
  Manager* manager = p->manager.get();
  p->reports = std::make_unique<ReportReceiver>(*p->store, p->health, o.report_timeout,
                                                [manager](const std::string& host) { manager->Enqueue(host); });
  ReportReceiver* reports = p->reports.get();
  EventRecorder* events = &p->events;
  p->server->SetAgentReportHooks(
      {[reports](const std::string& h, const std::string& t) { return reports->Authenticate(h, t); },
       [reports](const std::string& h, const std::string& t, const fleet::Json& b) {
         return reports->Receive(h, t, b);
       },
       [reports](fleet::Json& host) { reports->Overlay(host); },
       [events](const std::string& host) { return events->List(host); }});
  p->support = std::make_unique<SupportBundleFetcher>(*p->store, *p->transport, tailnet);
  SupportBundleFetcher* support = p->support.get();
  p->server->SetSupportBundleFetch(
      [support](const std::string& host, int duration) { return support->Fetch(host, duration); });
  p->server->SetExtraMetrics([manager](std::vector<fleet::metrics::Family>* out) { manager->Gather(out); });
  return std::unique_ptr<ControllerProcess>(new ControllerProcess(std::move(p)));
}

fleet::Status ControllerProcess::Start() {
  if (auto st = parts_->server->Start(parts_->options.listen); !st.ok()) return st;
  if (parts_->manager) {
    if (auto st = parts_->manager->Start(); !st.ok()) return st.WithContext("starting reconcilers");
  }
  return fleet::Status::Ok();
}

void ControllerProcess::Stop() {
  if (parts_->manager) parts_->manager->Stop();
  parts_->server->Stop();
}

std::string ControllerProcess::Describe() const {
  const ControllerOptions& o = parts_->options;
  return std::string("fleet-controller ") + VPSFLEET_VERSION + " serving " + (o.tls() ? "https://" : "http://") +
         o.listen + " (store " + o.data_dir + "/fleet.db, token in " + o.data_dir + "/token)" +
         (parts_->manager ? ", delivering with " + std::to_string(o.workers) + " workers"
                          : ", delivery off (no --agent-bundle)");
}

}  // namespace controller
