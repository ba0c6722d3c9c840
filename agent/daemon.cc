#include "agent/daemon.h"

#include <malloc.h>

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <optional>
#include <shared_mutex>

#include "agent/config_watcher.h"
#include "agent/health_reporter.h"
#include "agent/http_server.h"
#include "agent/logging.h"
#include "agent/memory/startup_pages.h"
#include "agent/pipeline.h"
#include "agent/self_metrics.h"
#include "agent/support_bundle.h"
#include "agent/version.h"
#include "agent/status/agent_status.h"
#include "agent/status/status_page.h"
#include "fleet/core/crypto.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

// What a listener is built from: its settings and the content of the files they name (a new
// password or certificate keeps the path). On reload the listener is restarted only when this
// changes, so scrapes and status polls see no gap otherwise.
std::string ListenerFingerprint(const HttpConfig& http) {
  auto file = [](const std::string& path) {
    auto content = fleet::ReadFileText(path);
    return content.ok() ? fleet::Sha256Hex(*content) : "unreadable";
  };
  std::string print = http.listen;
  if (http.basic_auth) {
    print += "|auth " + http.basic_auth->username + " " + file(http.basic_auth->password_file);
  }
  for (const std::string& path : http.unauthenticated_paths) print += "|open " + path;
  if (http.tls) {
    print += "|tls " + http.tls->min_version + " " + file(http.tls->cert_file) + " " +
             file(http.tls->key_file);
  }
  return print;
}

HttpResponse Json(int status, const fleet::Json& body) {
  return {status, "application/json", fleet::DumpJson(body, 2) + "\n"};
}

class Daemon {
 public:
  explicit Daemon(DaemonOptions options)
      : options_(std::move(options)), status_(registry_, Version()), watcher_(options_.config_path) {
    http_status_ = registry_.Get("http", "server", {"requests", "bytes"});
  }

  int Run(AgentConfig config, const std::string& text);

 private:
  fleet::Status StartPipeline(const AgentConfig& config);
  void StopPipeline();
  fleet::Status StartListener(const HttpConfig& http);
  void StartReporter();
  void Activate(AgentConfig config, const std::string& text, const std::string& trigger);
  // Returns false when neither the new nor the old config could be started (exit).
  bool Reload(const std::string& trigger);
  void AddRoutes(HttpServer& server);
  HttpHandler Instrumented(HttpHandler handler);
  HttpResponse Live(const HttpRequest& req);
  std::vector<ComponentHealth> Health();
  void ReleaseStartupPagesIfDue();

  const DaemonOptions options_;
  status::Registry registry_;
  status::AgentStatus status_;
  std::unique_ptr<SelfMetrics> self_;  // process_* from the first config's procfs
  ConfigWatcher watcher_;
  std::shared_ptr<status::Component> http_status_;
  // Outlive pipelines, so /metrics counters do not restart at a reload.
  std::shared_ptr<ForwardMetrics> forward_metrics_ = std::make_shared<ForwardMetrics>();
  std::shared_ptr<scrape::ScrapeMetrics> scrape_metrics_ = std::make_shared<scrape::ScrapeMetrics>();
  AgentConfig config_;  // the active one
  // Readers (/metrics) hold it shared; a reload holds it exclusively while it replaces the
  // pipeline, since the old one's buffers must be closed before the new one opens them.
  std::shared_mutex pipeline_mu_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<HttpServer> server_;
  std::string listener_fingerprint_;  // of the running listener's settings and files
  std::shared_ptr<LogRing> log_ring_;
  std::unique_ptr<SupportBundleService> support_;
  std::unique_ptr<HealthReporter> reporter_;
  std::atomic<bool> ready_{false};
  // When the pages touched starting up (or loading the config) are given back: two scrape
  // intervals after a config is activated, once its first collections, scrapes and sends ran.
  std::optional<std::chrono::steady_clock::time_point> release_pages_at_;
};

void Daemon::ReleaseStartupPagesIfDue() {
  if (!release_pages_at_ || std::chrono::steady_clock::now() < *release_pages_at_) return;
  release_pages_at_.reset();
  auto released = ReleaseStartupPages();
  if (!released.ok()) {
    spdlog::warn("memory: giving back the pages touched starting up: {}", released.status().ToString());
    return;
  }
  spdlog::info("memory: gave back {} KiB of code and read-only data touched starting up ({} mappings)",
               released->bytes / 1024, released->mappings);
}

HttpHandler Daemon::Instrumented(HttpHandler handler) {
  return [this, handler = std::move(handler)](const HttpRequest& req) {
    HttpResponse resp = handler(req);
    http_status_->Add("requests", 1);
    http_status_->Add("bytes", resp.body.size());
    if (resp.status >= 500) {
      http_status_->Failed(req.method + " " + req.path + ": HTTP " + std::to_string(resp.status));
    } else {
      http_status_->Succeeded();
    }
    if (http_status_->Watched()) {
      http_status_->Observe(req.method + " " + req.path + " -> " + std::to_string(resp.status) + ", " +
                            std::to_string(resp.body.size()) + " bytes");
    }
    return resp;
  };
}

HttpResponse Daemon::Live(const HttpRequest& req) {
  if (!registry_.live_enabled()) {
    return Json(404, {{"error", "the live view is off; enable it with debug.liveView: true"}});
  }
  auto it = req.query.find("component");
  if (it == req.query.end() || it->second.empty()) {
    return Json(400, {{"error", "missing ?component=NAME (see /api/v1/status)"}});
  }
  auto component = registry_.Watch(it->second);
  if (!component) return Json(404, {{"error", "no component named \"" + it->second + "\""}});
  return Json(200, {{"component", component->name()},
                    {"entries", status::ToJson(component->Live())}});
}

void Daemon::AddRoutes(HttpServer& server) {
  server.Route("/metrics", Instrumented([this](const HttpRequest&) {
    HttpResponse resp;
    resp.content_type = fleet::metrics::kTextContentType;
    std::shared_lock lock(pipeline_mu_);
    auto families = std::make_shared<std::vector<fleet::metrics::Family>>(pipeline_->Gather());
    // Sent as it is written, ~32 KiB at a time (see HttpResponse::writer).
    resp.writer = [families, next = size_t{0}](std::string* piece) mutable {
      constexpr size_t kPieceBytes = 32 * 1024;
      while (next < families->size() && piece->size() < kPieceBytes) {
        fleet::metrics::AppendFamilyText((*families)[next++], piece);
      }
      return next < families->size();
    };
    return resp;
  }));
  server.Route("/-/healthy", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain; charset=utf-8", "fleet-agent is Healthy.\n"};
  });
  server.Route("/-/ready", [this](const HttpRequest&) {
    return ready_ ? HttpResponse{200, "text/plain; charset=utf-8", "fleet-agent is Ready.\n"}
                  : HttpResponse{503, "text/plain; charset=utf-8", "fleet-agent is not ready.\n"};
  });
  server.Route("/api/v1/status",
               Instrumented([this](const HttpRequest&) { return Json(200, status_.Json()); }));
  server.RouteSlow("/-/support", [this](const HttpRequest& req) { return support_->Handle(req); });
  server.Route("/api/v1/live", Instrumented([this](const HttpRequest& req) { return Live(req); }));
  auto page = Instrumented([](const HttpRequest&) {
    return HttpResponse{200, "text/html; charset=utf-8", std::string(status::StatusPageHtml())};
  });
  server.Route("/", page);
  server.Route("/status", page);
}

fleet::Status Daemon::StartListener(const HttpConfig& http) {
  server_.reset();
  auto server = std::make_unique<HttpServer>(http);
  AddRoutes(*server);
  if (fleet::Status st = server->Start(); !st.ok()) {
    http_status_->Failed(st.message());
    return st;
  }
  http_status_->Succeeded();
  server_ = std::move(server);
  listener_fingerprint_ = ListenerFingerprint(http);
  return fleet::Status::Ok();
}

fleet::Status Daemon::StartPipeline(const AgentConfig& config) {
  std::unique_lock lock(pipeline_mu_);
  auto pipeline = Pipeline::Create(config, registry_, forward_metrics_, *self_, scrape_metrics_);
  if (!pipeline.ok()) return pipeline.status();
  if (fleet::Status st = (*pipeline)->Start(); !st.ok()) return st.WithContext("starting the forwarder");
  pipeline_ = std::move(*pipeline);
  std::vector<std::string> names = pipeline_->ComponentNames();
  names.push_back(http_status_->name());
  registry_.Retain(names);
  return fleet::Status::Ok();
}

void Daemon::StopPipeline() {
  std::unique_lock lock(pipeline_mu_);
  pipeline_.reset();  // stops: log batches appended, sinks stopped, buffers closed
}

std::vector<ComponentHealth> Daemon::Health() {
  std::vector<ComponentHealth> out;
  for (const auto& c : registry_.Components()) {
    const status::ComponentSnapshot s = c->Snapshot();
    const bool failed = s.health == status::Health::kError;
    out.push_back({s.name, !failed, failed ? s.last_error : "", status::CountsForAgentHealth(s.kind)});
  }
  const status::ConfigState config = status_.config();
  out.push_back({"config", config.last_reload_ok,
                 config.last_reload_ok ? "" : "reload refused, old config runs: " + config.last_reload_error});
  return out;
}

void Daemon::StartReporter() {
  reporter_.reset();
  reporter_ = std::make_unique<HealthReporter>(config_, [this] { return Health(); }, [this] {
    std::shared_lock lock(pipeline_mu_);
    if (!pipeline_) return MemoryUse{};
    return MemoryUse{pipeline_->memory().budget(), pipeline_->memory().pressure()};
  });
  reporter_->Start();
}

void Daemon::Activate(AgentConfig config, const std::string& text, const std::string& trigger) {
  config_ = std::move(config);
  SetUpLogging(config_.logging);
  registry_.ConfigureLive(config_.debug.live_view, static_cast<size_t>(config_.debug.live_view_entries));
  watcher_.Seen(text);
  status_.ConfigActive(config_.instance, options_.config_path, config_.revision,
                       fleet::Sha256Hex(text), trigger);
  StartReporter();
  release_pages_at_ = std::chrono::steady_clock::now() + 2 * config_.scrape_interval;
}

bool Daemon::Reload(const std::string& trigger) {
  auto refuse = [&](const std::string& error) {
    spdlog::error("config reload ({}) refused; revision {} keeps running: {}", trigger,
                  config_.revision.empty() ? "(none)" : config_.revision, error);
    status_.ConfigRejected(trigger, error);
  };
  auto text = ReadConfigFile(options_.config_path);
  if (!text.ok()) {
    refuse(text.status().ToString());
    return true;
  }
  watcher_.Seen(*text);
  auto next = PrepareConfig(*text, options_.config_path, options_.overrides);
  if (!next.ok()) {
    refuse(next.status().message());
    return true;
  }
  const bool new_listener = ListenerFingerprint(next->http) != listener_fingerprint_;
  if (new_listener) {
    if (fleet::Status st = StartListener(next->http); !st.ok()) {
      refuse(st.ToString());
      if (fleet::Status old = StartListener(config_.http); !old.ok()) {
        spdlog::error("restarting the old listener: {}", old.ToString());
        return false;
      }
      return true;
    }
  }
  StopPipeline();
  if (fleet::Status st = StartPipeline(*next); !st.ok()) {
    refuse(st.ToString());
    StopPipeline();
    if (fleet::Status old = StartPipeline(config_); !old.ok()) {
      spdlog::error("restarting the old config: {}", old.ToString());
      return false;
    }
    if (new_listener && !StartListener(config_.http).ok()) return false;
    return true;
  }
  const std::string old_revision = config_.revision;
  Activate(std::move(*next), *text, trigger);
  spdlog::info("config reloaded ({}): revision {} -> {}{}", trigger, old_revision.empty() ? "(none)" : old_revision,
               config_.revision.empty() ? "(none)" : config_.revision,
               new_listener ? ", listening on " + config_.http.listen : "");
  return true;
}

int Daemon::Run(AgentConfig config, const std::string& text) {
  // Block the signals before any thread starts, so only sigtimedwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  log_ring_ = SetUpLogging(config.logging);
  self_ = std::make_unique<SelfMetrics>(config.paths.procfs);
  self_->Register([this](std::vector<fleet::metrics::Family>* out) { status_.Collect(out); });

  if (fleet::Status st = StartPipeline(config); !st.ok()) {
    spdlog::error("{}", st.ToString());
    return st.code() == fleet::Code::kInvalid ? 2 : 1;
  }
  support_ = std::make_unique<SupportBundleService>(SupportSources{
      options_.config_path,
      [this] {
        std::string text;
        std::shared_lock lock(pipeline_mu_);
        fleet::metrics::WriteText(pipeline_->Gather(), &text);
        return text;
      },
      [this] { return fleet::DumpJson(status_.Json(), 2); }, log_ring_, "/proc",
      config.paths.rootfs + "/etc/os-release", std::chrono::system_clock::now()});
  if (fleet::Status st = StartListener(config.http); !st.ok()) {
    spdlog::error("{}", st.ToString());
    return 1;
  }
  std::string names;
  for (const std::string& n : pipeline_->CollectorNames()) names += (names.empty() ? "" : ",") + n;
  Activate(std::move(config), text, "");
  ready_ = true;
  spdlog::info("fleet-agent {} listening on {} (revision {}, collectors {})", Version(),
               config_.http.listen, config_.revision.empty() ? "(none)" : config_.revision, names);

  const auto interval = options_.config_check_interval;
  const timespec wait{static_cast<time_t>(interval.count() / 1000),
                      static_cast<long>(interval.count() % 1000) * 1000000};
  while (true) {
    ReleaseStartupPagesIfDue();
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig < 0) {
      if (errno == EAGAIN && !options_.config_path.empty() && watcher_.Changed() &&
          !Reload("file changed")) {
        return 1;
      }
      continue;
    }
    if (sig == SIGHUP) {
      if (options_.config_path.empty()) {
        spdlog::warn("SIGHUP: running without --config, nothing to reload");
      } else if (!Reload("SIGHUP")) {
        return 1;
      }
      continue;
    }
    spdlog::info("signal {}: shutting down", sig);
    break;
  }
  ready_ = false;
  reporter_.reset();
  support_->Stop();
  StopPipeline();
  server_.reset();
  return 0;
}

}  // namespace

void ApplyOverrides(const Overrides& o, AgentConfig* config) {
  if (!o.procfs.empty()) config->paths.procfs = o.procfs;
  if (!o.sysfs.empty()) config->paths.sysfs = o.sysfs;
  if (!o.rootfs.empty()) config->paths.rootfs = o.rootfs;
  if (!o.udev_data.empty()) config->paths.udev_data = o.udev_data;
  if (!o.listen.empty()) config->http.listen = o.listen;
}

fleet::Status Validate(const AgentConfig& config) {
  FLEET_RETURN_IF_ERROR(BuildCollectors(config).status());
  return HttpServer::Check(config.http);
}

fleet::Result<AgentConfig> PrepareConfig(const std::string& text, const std::string& path,
                                         const Overrides& overrides) {
  AgentConfig config;
  if (!path.empty()) {
    auto parsed = ParseConfig(text, path);
    if (!parsed.ok()) return parsed.status();
    config = std::move(*parsed);
  }
  ApplyOverrides(overrides, &config);
  if (config.instance.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    config.instance = host;
  }
  if (fleet::Status st = Validate(config); !st.ok()) {
    return fleet::Status::Invalid((path.empty() ? "" : path + ": ") + st.message());
  }
  // RSS: validating against the schema builds it and the file as JSON trees, freed by now but
  // left in the heap below what the daemon allocates next; given back, the agent's RssAnon is
  // as before the schema (measured at idle: 2468 -> 2030 KiB, 1964 with the hand-written parser).
  ::malloc_trim(0);
  return config;
}

int RunDaemon(const AgentConfig& config, const std::string& config_text, const DaemonOptions& options) {
  Daemon daemon(options);
  return daemon.Run(config, config_text);
}

}  // namespace agent
