// Runs the config's scrapeConfigs: discovers each job's targets, builds them (target_labels.h),
// scrapes each every interval (target_scrape.h) and hands every scrape's families to a sink (the
// forwarder's metrics buffer) at the scrape's timestamp, as Prometheus' scrape manager does:
//   - every refresh interval each job's Discoverer is asked again, and targets are diffed by their
//     final label set: a new target starts a loop, a gone one is stopped (its stale markers go to
//     the sink), an unchanged one keeps its loop and state (series for staleness, counters). A
//     discovery error keeps the job's last targets;
//   - a target's scrapes are spread over the interval: the first comes at an offset given by a
//     hash of its labels (Prometheus' scrape offset), so targets of one job do not all fire at once;
//   - each target is a status component (kind "target", named scrape/<job>/<instance>) with the
//     last error's kind, and the agent counts failed scrapes by job and kind
//     (fleet_agent_scrape_failures_total).
// Threads: one per target plus one for discovery. The fetch is a blocking HttpClient exchange
// bounded by the scrape timeout; a thread per target keeps one slow or hanging target from
// delaying the others, which a single scraping thread would (Prometheus uses a goroutine per
// target for the same reason). An idle thread costs the agent the stack pages its scrape touched
// (tens of KiB, the 8 MiB stack is virtual) and no malloc arena of its own (main.cc caps glibc at
// 2 arenas); the body and the parsed samples are freed after each scrape. A VPS runs a handful of
// targets, and their count is capped (kMaxTargets) so that discovery cannot start threads without
// bound. Stopping waits for a scrape in flight, at most its timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/config/agent_config.h"
#include "agent/scrape/discovery.h"
#include "agent/scrape/target_labels.h"
#include "agent/scrape/target_scrape.h"
#include "agent/status/component_status.h"
#include "fleet/core/metrics.h"

namespace agent::scrape {

// What one fetch brought back, owned (FetchResult views it).
struct FetchedBody {
  fleet::Status error;  // TooLarge: over the body limit, not read further
  int http_status = 0;
  std::string content_type;
  std::string body;
  double duration_seconds = 0;
  FetchResult View() const { return {error, http_status, content_type, body, duration_seconds}; }
};

// Fetches one target: the seam the unit tests fake. Called from the target's thread.
using FetchFn = std::function<FetchedBody(const ScrapeConfig& config, const ScrapeTarget& target)>;
// Takes one scrape's families (or a stopped target's stale markers), their samples at
// timestamp_ms unless they carry their own. Called from the targets' threads.
using SinkFn = std::function<void(const std::vector<fleet::metrics::Family>& families, int64_t timestamp_ms)>;
// The discoverer of one scrape config. The default (StaticDiscoverer) yields its staticConfigs; a
// Docker discoverer plugs in here when the config names one.
using DiscovererFactory = std::function<std::unique_ptr<Discoverer>(const ScrapeConfig& config)>;

// The Accept header of a scrape, as Prometheus 3 sends it with its default scrape protocols and
// legacy metric names (escaping=underscores): OpenMetrics first, the text format after.
inline constexpr char kScrapeAcceptHeader[] =
    "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,"
    "application/openmetrics-text;version=0.0.1;q=0.5,"
    "text/plain;version=1.0.0;escaping=underscores;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

// The fetch with the agent's HTTP client: GET of the target's URL with the Accept header above,
// `Accept-Encoding: gzip` (inflated up to the body limit), X-Prometheus-Scrape-Timeout-Seconds,
// the config's basic auth or bearer token (their files read at each scrape, so a rotated secret
// is picked up) and TLS settings, bounded by the target's timeout and the config's bodySizeLimit
// (kDefaultScrapeBodyBytes when 0).
FetchedBody HttpFetch(const ScrapeConfig& config, const ScrapeTarget& target);

// A scrape config's staticConfigs: each target as __address__ plus its group's labels.
class StaticDiscoverer : public Discoverer {
 public:
  explicit StaticDiscoverer(std::vector<StaticTargetGroup> groups) : groups_(std::move(groups)) {}
  fleet::Result<std::vector<DiscoveredTarget>> Discover() override;

 private:
  const std::vector<StaticTargetGroup> groups_;
};

// The agent's own series about scrapes; shared across config reloads, as ForwardMetrics.
struct ScrapeMetrics {
  fleet::metrics::CounterVec scrapes{"fleet_agent_scrape_attempts_total", "Scrapes of application targets, by job.",
                                     {"job"}};
  // kind: fetch | http_status | body_too_large | parse | sample_limit | invalid_series
  // (ScrapeErrorKindName).
  fleet::metrics::CounterVec failures{"fleet_agent_scrape_failures_total",
                                      "Failed scrapes of application targets, by job and kind of failure.",
                                      {"job", "kind"}};
  fleet::metrics::GaugeVec targets{"fleet_agent_scrape_targets", "Targets being scraped, by job.", {"job"}};
  void Collect(std::vector<fleet::metrics::Family>* out) const;
};

struct ScrapeManagerOptions {
  std::vector<ScrapeConfig> configs;
  SinkFn sink;
  FetchFn fetch = HttpFetch;
  DiscovererFactory discoverer = [](const ScrapeConfig& c) -> std::unique_ptr<Discoverer> {
    return std::make_unique<StaticDiscoverer>(c.static_configs);
  };
  // How often discovery runs again (Prometheus' discovery manager updates every 5s).
  std::chrono::milliseconds refresh_interval{5000};
  status::Registry* registry = nullptr;  // target components; none when null
  std::shared_ptr<ScrapeMetrics> metrics;  // its own when null
};

class ScrapeManager {
 public:
  // The most targets scraped at once (one thread each); discovered targets past it are not
  // scraped (and a warning is logged).
  static constexpr size_t kMaxTargets = 256;

  explicit ScrapeManager(ScrapeManagerOptions options);
  ~ScrapeManager();  // stops

  // Discovers now and starts the loops, then rediscovers every refresh interval.
  void Start();
  // Stops discovery and every target loop; each target's stale markers go to the sink.
  void Stop();
  // One discovery round: what the discovery thread does every refresh interval (tests call it).
  void Refresh();
  // scrape/<job>/<instance> of the running targets.
  std::vector<std::string> ComponentNames() const;
  void Collect(std::vector<fleet::metrics::Family>* out) const;

 private:
  class TargetLoop;
  struct Job {
    const ScrapeConfig* config;
    std::unique_ptr<Discoverer> discoverer;
    std::vector<DiscoveredTarget> last;  // the last successful discovery
    std::string last_error;              // logged once per change
  };

  void DiscoveryLoop();

  const ScrapeManagerOptions options_;
  std::shared_ptr<ScrapeMetrics> metrics_;
  std::vector<Job> jobs_;
  mutable std::mutex mu_;  // guards loops_, stop_
  std::map<std::string, std::unique_ptr<TargetLoop>> loops_;  // by the target's full label set
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::mutex refresh_mu_;  // one Refresh at a time; guards jobs_' state and capped_
  bool capped_ = false;    // the last Refresh found more than kMaxTargets
  std::thread discovery_;
};

}  // namespace agent::scrape
