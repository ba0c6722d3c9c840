#include "agent/daemon.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>

#include "agent/container/container_collector.h"
#include "agent/health_reporter.h"
#include "agent/http_server.h"
#include "agent/logging.h"
#include "agent/scraper.h"
#include "agent/self_metrics.h"
#include "agent/support_bundle.h"
#include "agent/sinks/forwarder.h"

namespace agent {
namespace {

fleet::Result<std::vector<NamedCollector>> BuildCollectors(const AgentConfig& config) {
  const CollectorOptions options = OptionsFromConfig(config);
  auto collectors = BuildHostCollectors(config.collectors, options);
  if (!collectors.ok() || !config.collectors.container_enabled) return collectors;
  auto cgroups = DetectCgroups(options.paths.Sys("fs/cgroup"));
  spdlog::debug("container collector: cgroup v{}", cgroups->version());
  collectors->push_back({"container", NewContainerCollector(NewDockerLister(config.docker.socket),
                                                            std::move(cgroups),
                                                            {options.paths,
                                                             config.collectors.container_docker_labels})});
  return collectors;
}

}  // namespace

void ApplyOverrides(const Overrides& o, AgentConfig* config) {
  if (!o.procfs.empty()) config->paths.procfs = o.procfs;
  if (!o.sysfs.empty()) config->paths.sysfs = o.sysfs;
  if (!o.rootfs.empty()) config->paths.rootfs = o.rootfs;
  if (!o.listen.empty()) config->http.listen = o.listen;
}

fleet::Status Validate(const AgentConfig& config) {
  FLEET_RETURN_IF_ERROR(BuildCollectors(config).status());
  FLEET_RETURN_IF_ERROR(HttpServer::Check(config.http));
  return Forwarder::Create(config).status();
}

int RunDaemon(const AgentConfig& config) {
  std::shared_ptr<LogRing> log_ring = SetUpLogging(config.logging);
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto collectors = BuildCollectors(config);
  if (!collectors.ok()) {
    spdlog::error("{}", collectors.status().ToString());
    return 2;
  }
  auto forwarder = Forwarder::Create(config);
  if (!forwarder.ok()) {
    spdlog::error("{}", forwarder.status().ToString());
    return 2;
  }
  Scraper scraper(std::move(*collectors));
  SelfMetrics self(config.paths.procfs);
  self.Register([fw = forwarder->get()](std::vector<fleet::metrics::Family>* out) {
    fw->Collect(out);
  });
  // One collection: what /metrics serves and what the forwarder ships by remote write.
  auto gather = [&] {
    std::vector<fleet::metrics::Family> families = scraper.Scrape();
    self.Gather(&families);
    SortAndMerge(&families);
    return families;
  };
  std::atomic<bool> ready{false};

  HttpServer server(config.http);
  server.Route("/metrics", [&](const HttpRequest&) {
    HttpResponse resp;
    resp.content_type = fleet::metrics::kTextContentType;
    fleet::metrics::WriteText(gather(), &resp.body);
    return resp;
  });
  server.Route("/-/healthy", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; charset=utf-8", "fleet-agent is Healthy.\n"};
  });
  server.Route("/-/ready", [&](const HttpRequest&) {
    return ready ? HttpResponse{200, "text/plain; charset=utf-8", "fleet-agent is Ready.\n"}
                 : HttpResponse{503, "text/plain; charset=utf-8", "fleet-agent is not ready.\n"};
  });
  // Until /api/v1/status exists, the bundle's status is what the health report carries.
  SupportBundleService support(
      {config.source,
       [&] {
         std::string text;
         fleet::metrics::WriteText(gather(), &text);
         return text;
       },
       [&] {
         fleet::Json http = {{"name", "http"}, {"healthy", ready.load()}};
         return fleet::ToPrettyJson({{"components", fleet::Json::array({http})}});
       },
       log_ring, "/proc", config.paths.rootfs + "/etc/os-release", std::chrono::system_clock::now()});
  server.Route("/-/support", [&](const HttpRequest& r) { return support.Handle(r); });
  if (fleet::Status st = server.Start(); !st.ok()) {
    spdlog::error("{}", st.ToString());
    return 1;
  }
  if (fleet::Status st = (*forwarder)->Start(gather); !st.ok()) {
    spdlog::error("starting the forwarder: {}", st.ToString());
    return 1;
  }
  ready = true;
  // Reports to the controller (when the config names one); issue 8 adds each collector, sink and
  // the buffer as components.
  HealthReporter reporter(config, [&] {
    return std::vector<ComponentHealth>{{"http", ready.load(), ""}};
  });
  reporter.Start();
  std::string names;
  for (const std::string& n : scraper.Names()) names += (names.empty() ? "" : ",") + n;
  spdlog::info("fleet-agent {} listening on {} (collectors {})", VPSFLEET_VERSION,
               config.http.listen, names);

  while (true) {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reload is not implemented yet; keeping the running config");
      continue;
    }
    spdlog::info("signal {}: shutting down", sig);
    break;
  }
  ready = false;
  support.Stop();
  (*forwarder)->Stop();
  server.Stop();
  return 0;
}

}  // namespace agent
