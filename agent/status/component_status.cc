#include "agent/status/component_status.h"

#include <algorithm>
#include <set>

#include "fleet/core/time.h"

namespace agent::status {
namespace {

// A log line or sample longer than this is cut in the live view; the view is for looking, and a
// fixed entry size keeps its memory bounded by capacity x this.
constexpr size_t kMaxLiveText = 2048;
constexpr auto kWatchFor = std::chrono::minutes(1);

int64_t ToMs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

const char* HealthName(Health h) {
  switch (h) {
    case Health::kOk: return "ok";
    case Health::kError: return "error";
    case Health::kUnknown: break;
  }
  return "unknown";
}

Component::Component(std::string name, std::string kind, std::vector<std::string> counters)
    : name_(std::move(name)), kind_(std::move(kind)), counter_names_(std::move(counters)),
      counters_(new std::atomic<uint64_t>[counter_names_.size()]), window_start_(Clock::now()),
      window_counters_(counter_names_.size(), 0) {
  for (size_t i = 0; i < counter_names_.size(); ++i) counters_[i] = 0;
}

void Component::Succeeded() {
  std::lock_guard lock(mu_);
  health_ = Health::kOk;
  last_success_time_ = Clock::now();
}

void Component::Failed(std::string_view message) {
  std::lock_guard lock(mu_);
  health_ = Health::kError;
  last_error_.assign(message.substr(0, kMaxLiveText));
  last_error_time_ = Clock::now();
}

void Component::Add(std::string_view counter, uint64_t n) {
  for (size_t i = 0; i < counter_names_.size(); ++i) {
    if (counter_names_[i] == counter) {
      counters_[i].fetch_add(n, std::memory_order_relaxed);
      return;
    }
  }
}

void Component::Set(std::string_view counter, uint64_t value) {
  for (size_t i = 0; i < counter_names_.size(); ++i) {
    if (counter_names_[i] == counter) {
      counters_[i].store(value, std::memory_order_relaxed);
      return;
    }
  }
}

void Component::SetValue(const std::string& name, double value) {
  std::lock_guard lock(mu_);
  values_[name] = value;
}

void Component::SetProbe(std::function<void(Component&)> probe) {
  std::lock_guard lock(probe_mu_);
  probe_ = std::move(probe);
}

bool Component::Watched() const {
  if (!live_enabled_.load(std::memory_order_relaxed)) return false;
  return ToMs(Clock::now()) < watched_until_ms_.load(std::memory_order_relaxed);
}

void Component::Observe(std::string text) {
  if (text.size() > kMaxLiveText) {
    text.resize(kMaxLiveText);
    text += "…";
  }
  std::lock_guard lock(live_mu_);
  if (live_capacity_ == 0) return;
  while (live_.size() >= live_capacity_) live_.pop_front();
  live_.push_back({Clock::now(), std::move(text)});
}

std::vector<LiveEntry> Component::Live() const {
  std::lock_guard lock(live_mu_);
  return {live_.begin(), live_.end()};
}

void Component::ConfigureLive(bool enabled, size_t capacity) {
  std::lock_guard lock(live_mu_);
  live_capacity_ = enabled ? capacity : 0;
  while (live_.size() > live_capacity_) live_.pop_front();
  live_enabled_ = enabled;
}

void Component::Watch(Clock::time_point until) { watched_until_ms_ = ToMs(until); }

ComponentSnapshot Component::Snapshot(std::chrono::seconds window) {
  {
    std::lock_guard lock(probe_mu_);
    if (probe_) probe_(*this);
  }
  ComponentSnapshot s;
  s.name = name_;
  s.kind = kind_;
  std::vector<uint64_t> now_counters(counter_names_.size());
  for (size_t i = 0; i < counter_names_.size(); ++i) {
    now_counters[i] = counters_[i].load(std::memory_order_relaxed);
    s.counters.emplace_back(counter_names_[i], now_counters[i]);
  }
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  const std::chrono::duration<double> elapsed = now - window_start_;
  if (elapsed >= window) {
    for (size_t i = 0; i < counter_names_.size(); ++i) {
      // A counter set from elsewhere may restart lower (a buffer reopened); no negative rates.
      const uint64_t delta = now_counters[i] >= window_counters_[i] ? now_counters[i] - window_counters_[i] : 0;
      rates_[counter_names_[i]] = static_cast<double>(delta) / elapsed.count();
    }
    window_start_ = now;
    window_counters_ = now_counters;
  }
  s.health = health_;
  s.last_error = last_error_;
  s.last_error_time = last_error_time_;
  s.last_success_time = last_success_time_;
  s.rates = rates_;
  s.values = values_;
  return s;
}

std::shared_ptr<Component> Registry::Get(const std::string& name, const std::string& kind,
                                         std::vector<std::string> counters) {
  std::lock_guard lock(mu_);
  auto& c = components_[name];
  if (!c || c->kind() != kind) {
    c = std::make_shared<Component>(name, kind, std::move(counters));
    c->ConfigureLive(live_enabled_, live_capacity_);
  }
  return c;
}

void Registry::Retain(const std::vector<std::string>& names) {
  const std::set<std::string> keep(names.begin(), names.end());
  std::lock_guard lock(mu_);
  std::erase_if(components_, [&](const auto& kv) { return !keep.count(kv.first); });
}

void Registry::Remove(const std::string& name) {
  std::lock_guard lock(mu_);
  components_.erase(name);
}

void Registry::ConfigureLive(bool enabled, size_t capacity) {
  std::lock_guard lock(mu_);
  live_enabled_ = enabled;
  live_capacity_ = capacity;
  for (auto& [name, c] : components_) c->ConfigureLive(enabled, capacity);
}

bool Registry::live_enabled() const {
  std::lock_guard lock(mu_);
  return live_enabled_;
}

std::vector<std::shared_ptr<Component>> Registry::Components() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Component>> out;
  for (const auto& [name, c] : components_) out.push_back(c);
  return out;
}

std::shared_ptr<Component> Registry::Watch(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = components_.find(name);
  if (it == components_.end()) return nullptr;
  if (live_enabled_) it->second->Watch(Clock::now() + kWatchFor);
  return it->second;
}

fleet::Json ToJson(const ComponentSnapshot& s) {
  auto time = [](const std::optional<Clock::time_point>& t) -> fleet::Json {
    return t ? fleet::Json(fleet::FormatRfc3339(*t)) : fleet::Json(nullptr);
  };
  fleet::Json counters = fleet::Json::object(), rates = fleet::Json::object();
  for (const auto& [name, value] : s.counters) {
    counters[name] = value;
    auto it = s.rates.find(name);
    rates[name] = it == s.rates.end() ? 0.0 : it->second;
  }
  return {{"name", s.name},
          {"kind", s.kind},
          {"health", HealthName(s.health)},
          {"healthy", s.health != Health::kError},
          {"lastError", s.last_error},
          {"lastErrorTime", time(s.last_error_time)},
          {"lastSuccessTime", time(s.last_success_time)},
          {"counters", counters},
          {"rates", rates},
          {"values", s.values}};
}

fleet::Json ToJson(const std::vector<LiveEntry>& entries) {
  fleet::Json out = fleet::Json::array();
  for (const auto& e : entries) out.push_back({{"time", fleet::FormatRfc3339(e.time)}, {"text", e.text}});
  return out;
}

}  // namespace agent::status
