#include "agent/scrape/scrape_manager.h"

#include <spdlog/spdlog.h>

#include <functional>
#include <set>

#include "agent/http_client.h"
#include "agent/version.h"
#include "fleet/core/crypto.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"

namespace agent::scrape {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using Clock = std::chrono::system_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// The identity of a target: its full label set after relabeling (Prometheus hashes the same).
std::string TargetKey(const Labels& labels) {
  std::string key;
  for (const auto& label : labels) key.append(label.name).append(1, '\xff').append(label.value).append(1, '\xff');
  return key;
}

// Prometheus' scrape offset (scrape/target.go offset()): where in the interval this target's
// scrapes fall, from a hash of its labels, so a job's targets spread over the interval.
std::chrono::milliseconds FirstScrapeDelay(const std::string& key, std::chrono::milliseconds interval) {
  const int64_t period = interval.count();
  const int64_t now = NowMs();
  const int64_t base = period - now % period;
  const int64_t offset = static_cast<int64_t>(std::hash<std::string>{}(key) % static_cast<uint64_t>(period));
  int64_t next = base + offset;
  if (next > period) next -= period;
  return std::chrono::milliseconds(next);
}

// "parse (syntax, line 3): expected ..." for the status page and the log.
std::string ErrorText(const ScrapeReport& report) {
  std::string text = ScrapeErrorKindName(report.error);
  if (report.error == ScrapeErrorKind::kParse) {
    text += std::string(" (") + ParseErrorKindName(report.parse_error);
    if (report.parse_line > 0) text += ", line " + std::to_string(report.parse_line);
    text += ")";
  }
  return text + ": " + report.message;
}

}  // namespace

// One target's scrapes on a thread of its own.
class ScrapeManager::TargetLoop {
 public:
  TargetLoop(const ScrapeConfig& config, ScrapeTarget target, std::string key, const ScrapeManagerOptions& options,
             ScrapeMetrics& metrics)
      : config_(config), target_(std::move(target)), key_(std::move(key)), options_(options), metrics_(metrics),
        scraper_(target_.public_labels, ScraperOptions(config)) {
    if (options.registry != nullptr) {
      status_ = options.registry->Get(TargetComponentName(target_), std::string(status::kTargetKind),
                                      {"scrapes", "failures", "samples", "duplicates", "staleMarkers"});
    } else {
      status_ = std::make_shared<status::Component>(TargetComponentName(target_), std::string(status::kTargetKind),
                                                    std::vector<std::string>{"scrapes", "failures", "samples",
                                                                             "duplicates", "staleMarkers"});
    }
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  // Asks the loop to end; Join waits for it (separately, so that many loops stop together).
  void RequestStop() {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
    // The target is gone: its series end now (Prometheus' end of a scrape loop).
    options_.sink(scraper_.Stop(), NowMs());
  }
  const std::string& component() const { return status_->name(); }

 private:
  static TargetScrapeOptions ScraperOptions(const ScrapeConfig& config) {
    TargetScrapeOptions o;
    o.honor_labels = config.honor_labels;
    o.honor_timestamps = config.honor_timestamps;
    o.sample_limit = config.sample_limit;
    if (config.fallback_protocol == ScrapeConfig::Fallback::kPrometheusText) o.fallback_format = Format::kPrometheusText;
    if (config.fallback_protocol == ScrapeConfig::Fallback::kOpenMetrics) o.fallback_format = Format::kOpenMetrics;
    o.body_size_limit = config.body_size_limit > 0 ? config.body_size_limit : kDefaultScrapeBodyBytes;
    if (!config.metric_relabel.empty()) {
      o.metric_relabel = [rules = config.metric_relabel](Labels* labels) { return rules.Process(labels); };
    }
    return o;
  }

  void Run() {
    auto next = std::chrono::steady_clock::now() + FirstScrapeDelay(key_, target_.interval);
    std::unique_lock lock(mu_);
    while (!cv_.wait_until(lock, next, [this] { return stop_; })) {
      lock.unlock();
      ScrapeOnce();
      lock.lock();
      next += target_.interval;
      // A scrape that overran (a timeout as long as the interval) skips the ticks it missed.
      const auto now = std::chrono::steady_clock::now();
      while (next <= now) next += target_.interval;
    }
  }

  void ScrapeOnce() {
    const int64_t timestamp_ms = NowMs();
    const FetchedBody fetched = options_.fetch(config_, target_);
    ScrapeOutput out = scraper_.Scrape(fetched.View());
    options_.sink(out.families, timestamp_ms);
    const ScrapeReport& report = out.report;
    metrics_.scrapes.Add({config_.job_name});
    status_->Add("scrapes", 1);
    status_->Add("samples", report.samples_post_relabel);
    status_->Add("duplicates", report.duplicates);
    status_->Add("staleMarkers", report.stale_markers);
    if (report.up) {
      status_->Succeeded();
    } else {
      metrics_.failures.Add({config_.job_name, ScrapeErrorKindName(report.error)});
      status_->Add("failures", 1);
      status_->Failed(ErrorText(report));
    }
    if (status_->Watched()) {
      status_->Observe(report.up ? "scraped " + std::to_string(report.samples_post_relabel) + " samples in " +
                                       std::to_string(fetched.duration_seconds) + "s"
                                 : ErrorText(report));
    }
  }

  const ScrapeConfig& config_;
  const ScrapeTarget target_;
  const std::string key_;
  const ScrapeManagerOptions& options_;
  ScrapeMetrics& metrics_;
  TargetScraper scraper_;  // used by the loop's thread, then by Join
  std::shared_ptr<status::Component> status_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

fleet::Result<std::vector<DiscoveredTarget>> StaticDiscoverer::Discover() {
  std::vector<DiscoveredTarget> out;
  for (const auto& group : groups_) {
    for (const auto& address : group.targets) {
      DiscoveredTarget target{{"__address__", address}};
      for (const auto& label : group.labels) {
        if (label.name != "__address__") target.push_back(label);
      }
      std::sort(target.begin(), target.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      out.push_back(std::move(target));
    }
  }
  return out;
}

FetchedBody HttpFetch(const ScrapeConfig& config, const ScrapeTarget& target) {
  FetchedBody out;
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&]() -> FetchedBody {
    out.duration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(out);
  };
  std::map<std::string, std::string> headers{
      {"Accept", kScrapeAcceptHeader},
      {"User-Agent", "fleet-agent/" + Version()},
      {"X-Prometheus-Scrape-Timeout-Seconds",
       fleet::metrics::FormatValue(std::chrono::duration<double>(target.timeout).count())}};
  if (!config.basic_auth.username.empty()) {
    auto password = fleet::ReadTrimmedFile(config.basic_auth.password_file);
    if (!password.ok()) {
      out.error = password.status().WithContext("basicAuth.passwordFile");
      return finish();
    }
    headers["Authorization"] = "Basic " + fleet::Base64Encode(config.basic_auth.username + ":" + *password);
  } else if (!config.bearer_token_file.empty()) {
    auto token = fleet::ReadTrimmedFile(config.bearer_token_file);
    if (!token.ok()) {
      out.error = token.status().WithContext("bearerTokenFile");
      return finish();
    }
    headers["Authorization"] = "Bearer " + *token;
  }
  HttpClientOptions client_options(target.timeout);
  client_options.tls = config.tls;
  auto client = HttpClient::Create(target.url, std::move(client_options));
  if (!client.ok()) {
    out.error = client.status();
    return finish();
  }
  ResponseLimits limits;
  limits.max_body_bytes = config.body_size_limit > 0 ? config.body_size_limit : kDefaultScrapeBodyBytes;
  limits.accept_gzip = true;
  auto response = client->Send("GET", "", headers, "", limits);
  if (!response.ok()) {
    out.error = response.status();
    return finish();
  }
  out.http_status = response->status;
  out.content_type = std::move(response->content_type);
  out.body = std::move(response->body);
  return finish();
}

void ScrapeMetrics::Collect(std::vector<Family>* out) const {
  out->push_back(scrapes.Collect());
  out->push_back(failures.Collect());
  out->push_back(targets.Collect());
}

ScrapeManager::ScrapeManager(ScrapeManagerOptions options)
    : options_(std::move(options)),
      metrics_(options_.metrics ? options_.metrics : std::make_shared<ScrapeMetrics>()) {
  for (const auto& config : options_.configs) {
    jobs_.push_back({&config, options_.discoverer(config), {}, ""});
  }
}

ScrapeManager::~ScrapeManager() { Stop(); }

void ScrapeManager::Start() {
  Refresh();
  discovery_ = std::thread([this] { DiscoveryLoop(); });
}

void ScrapeManager::DiscoveryLoop() {
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, options_.refresh_interval, [this] { return stop_; })) {
    lock.unlock();
    Refresh();
    lock.lock();
  }
}

void ScrapeManager::Refresh() {
  std::lock_guard refresh_lock(refresh_mu_);
  // Every target wanted now, by key, with its job.
  std::map<std::string, std::pair<const ScrapeConfig*, ScrapeTarget>> wanted;
  std::map<std::string, size_t> per_job;
  bool capped = false;
  for (Job& job : jobs_) {
    auto discovered = job.discoverer->Discover();
    if (discovered.ok()) {
      job.last = std::move(*discovered);
      job.last_error.clear();
    } else if (discovered.status().message() != job.last_error) {
      job.last_error = discovered.status().message();
      spdlog::warn("scrape job {}: discovery failed, keeping its last targets: {}", job.config->job_name,
                   fleet::ForeignText(job.last_error, 1024));
    }
    for (const DiscoveredTarget& d : job.last) {
      auto target = PopulateTargetLabels(d, *job.config);
      if (!target.ok()) {
        spdlog::debug("scrape job {}: target dropped: {}", job.config->job_name, target.status().message());
        continue;
      }
      if (!target->has_value()) continue;  // relabelConfigs dropped it
      if (wanted.size() >= kMaxTargets) {
        if (!capped_) {
          spdlog::warn("scrape job {}: more than {} targets in all; the rest are not scraped",
                       job.config->job_name, kMaxTargets);
        }
        capped = true;
        break;
      }
      std::string key = TargetKey((*target)->labels);
      if (wanted.emplace(std::move(key), std::pair{job.config, std::move(**target)}).second) {
        ++per_job[job.config->job_name];
      }
    }
  }
  capped_ = capped;  // warned once until the count drops under the cap
  std::vector<std::unique_ptr<TargetLoop>> gone;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    for (auto it = loops_.begin(); it != loops_.end();) {
      if (wanted.erase(it->first) > 0) {  // unchanged: keeps its loop
        ++it;
      } else {
        gone.push_back(std::move(it->second));
        it = loops_.erase(it);
      }
    }
    for (auto& [key, job_target] : wanted) {
      auto loop = std::make_unique<TargetLoop>(*job_target.first, std::move(job_target.second), key, options_,
                                               *metrics_);
      loop->Start();
      loops_.emplace(key, std::move(loop));
    }
    // A gone target leaves the status page and the health report, unless a new loop took over
    // its name (the same job and instance with other labels).
    if (options_.registry) {
      std::set<std::string> live;
      for (const auto& [key, loop] : loops_) live.insert(loop->component());
      for (const auto& loop : gone) {
        if (!live.count(loop->component())) options_.registry->Remove(loop->component());
      }
    }
  }
  for (const Job& job : jobs_) metrics_->targets.Set({job.config->job_name}, static_cast<double>(per_job[job.config->job_name]));
  for (auto& loop : gone) loop->RequestStop();
  for (auto& loop : gone) loop->Join();
}

void ScrapeManager::Stop() {
  std::map<std::string, std::unique_ptr<TargetLoop>> loops;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    loops.swap(loops_);
  }
  stop_cv_.notify_all();
  if (discovery_.joinable()) discovery_.join();
  for (auto& [key, loop] : loops) loop->RequestStop();
  for (auto& [key, loop] : loops) loop->Join();
}

std::vector<std::string> ScrapeManager::ComponentNames() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [key, loop] : loops_) names.push_back(loop->component());
  return names;
}

void ScrapeManager::Collect(std::vector<Family>* out) const { metrics_->Collect(out); }

}  // namespace agent::scrape
