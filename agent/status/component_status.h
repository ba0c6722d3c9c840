// What each pipeline component (collector, log source, sink, buffer, HTTP server) says about
// itself, for /api/v1/status, the status page, `fleet-agent status` and the health reports:
// health (the outcome of its last attempt), last error and when, last success, counters and their
// recent rates, and a live view of what passed through it lately.
//
// Cheap on the hot path: counters are atomics, success/failure take one uncontended mutex per
// scrape, batch or request (never per sample or line), and the live view costs one atomic load
// unless someone is watching that component (a /api/v1/live request within the last minute, with
// debug.liveView enabled).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/yaml_codec.h"

namespace agent::status {

using Clock = std::chrono::system_clock;

enum class Health { kUnknown, kOk, kError };  // unknown: nothing attempted yet
const char* HealthName(Health h);

// The kind of an application scrape target's component (scrape/<job>/<instance>). A target that
// is down is the application's failure, not the agent's: it shows on the status page and in the
// health report's components, but does not make the agent unhealthy.
inline constexpr std::string_view kTargetKind = "target";
inline bool CountsForAgentHealth(std::string_view kind) { return kind != kTargetKind; }

struct LiveEntry {
  Clock::time_point time;
  std::string text;
};

struct ComponentSnapshot {
  std::string name, kind;
  Health health = Health::kUnknown;
  std::string last_error;
  std::optional<Clock::time_point> last_error_time, last_success_time;
  std::vector<std::pair<std::string, uint64_t>> counters;  // in declaration order
  std::map<std::string, double> rates;                     // per second, over the last window
  std::map<std::string, double> values;                    // gauges: durations, bytes on disk
};

class Component {
 public:
  // `counters` names what this component counts: samples, lines, bytes, retries, drops, ...
  Component(std::string name, std::string kind, std::vector<std::string> counters);
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  const std::string& name() const { return name_; }
  const std::string& kind() const { return kind_; }

  void Succeeded();
  void Failed(std::string_view message);
  // Adds to (or, for totals kept elsewhere, sets) a declared counter; unknown names are ignored.
  void Add(std::string_view counter, uint64_t n);
  void Set(std::string_view counter, uint64_t value);
  void SetValue(const std::string& name, double value);
  // Called on every snapshot to refresh counters and values from the component's own state (a
  // buffer's Stats()); cleared (nullptr) by the owner before that state goes away.
  void SetProbe(std::function<void(Component&)> probe);

  // Live view. Watched() is the cheap check before formatting anything for Observe().
  bool Watched() const;
  void Observe(std::string text);
  std::vector<LiveEntry> Live() const;

  // Rates are computed against the counters of the previous window of at least `window`.
  ComponentSnapshot Snapshot(std::chrono::seconds window = std::chrono::seconds(5));

 private:
  friend class Registry;
  void ConfigureLive(bool enabled, size_t capacity);
  void Watch(Clock::time_point until);

  const std::string name_, kind_;
  const std::vector<std::string> counter_names_;
  std::unique_ptr<std::atomic<uint64_t>[]> counters_;

  mutable std::mutex mu_;
  Health health_ = Health::kUnknown;
  std::string last_error_;
  std::optional<Clock::time_point> last_error_time_, last_success_time_;
  std::map<std::string, double> values_;
  Clock::time_point window_start_;
  std::vector<uint64_t> window_counters_;
  std::map<std::string, double> rates_;

  std::mutex probe_mu_;
  std::function<void(Component&)> probe_;

  std::atomic<bool> live_enabled_{false};
  std::atomic<int64_t> watched_until_ms_{0};
  mutable std::mutex live_mu_;
  size_t live_capacity_ = 0;
  std::deque<LiveEntry> live_;
};

// All components of the running agent, by name. Components outlive a config reload (their
// counters keep counting); Retain() forgets the ones the new config no longer has.
class Registry {
 public:
  // The component with this name, created on first use.
  std::shared_ptr<Component> Get(const std::string& name, const std::string& kind,
                                 std::vector<std::string> counters);
  void Retain(const std::vector<std::string>& names);
  // Forgets one component (a scrape target discovery no longer finds).
  void Remove(const std::string& name);
  // The live view: whether it is on, and how many entries each component keeps.
  void ConfigureLive(bool enabled, size_t capacity);
  bool live_enabled() const;
  std::vector<std::shared_ptr<Component>> Components() const;  // by name
  // Marks the component watched for the next minute (when the live view is on) and returns it;
  // nullptr when there is no such component.
  std::shared_ptr<Component> Watch(const std::string& name);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Component>> components_;
  bool live_enabled_ = false;
  size_t live_capacity_ = 0;
};

fleet::Json ToJson(const ComponentSnapshot& s);
fleet::Json ToJson(const std::vector<LiveEntry>& entries);

}  // namespace agent::status
