#include "agent/memory/memory_guard.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "agent/procfs.h"

namespace agent {
namespace {

std::string Mib(uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
}

// Trimming walks the whole heap; once a second is plenty.
constexpr std::chrono::seconds kTrimEvery{1};
constexpr std::chrono::seconds kWarnEvery{30};

}  // namespace

MemoryBudget ComputeMemoryBudget(const MemoryConfig& config, const CgroupMemoryLimit& cgroup) {
  MemoryBudget out;
  if (cgroup.bytes) {
    out.bytes = static_cast<uint64_t>(std::floor(static_cast<double>(*cgroup.bytes) * config.limit_fraction));
    out.source = fmt::format("{} of the cgroup v{} limit {} ({})", config.limit_fraction,
                             cgroup.version, Mib(*cgroup.bytes), cgroup.file);
  }
  if (config.limit && (out.bytes == 0 || *config.limit < out.bytes)) {
    out.bytes = *config.limit;
    out.source = "memory.limit";
  }
  return out;
}

uint64_t ReadOwnRss() {
  // statm: size resident shared text lib data dt, in pages.
  const std::string statm = ReadTrimmed("/proc/self/statm");
  const auto fields = Fields(statm);
  uint64_t pages = 0;
  if (fields.size() < 2 || !ParseU64(fields[1], &pages)) return 0;
  return pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

MemoryGuard::MemoryGuard(uint64_t budget, std::chrono::milliseconds check_interval, RssFn rss)
    : budget_(budget), interval_(check_interval), rss_(std::move(rss)) {}

MemoryGuard::~MemoryGuard() { Stop(); }

void MemoryGuard::Start() {
  if (budget_ == 0 || thread_.joinable()) return;
  Check();
  thread_ = std::thread([this] { Run(); });
}

void MemoryGuard::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MemoryGuard::Run() {
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    Check();
    lock.lock();
  }
}

uint64_t MemoryGuard::Cap(uint64_t configured, uint64_t share, uint64_t floor) const {
  if (budget_ == 0) return configured;
  return std::min(configured, std::max(budget_ / share, floor));
}

const char* MemoryPressureName(MemoryPressure pressure) {
  switch (pressure) {
    case MemoryPressure::kNone: return "none";
    case MemoryPressure::kHigh: return "high";
    case MemoryPressure::kOver: return "over";
  }
  return "none";
}

MemoryPressure MemoryGuard::Check() {
  if (budget_ == 0) return MemoryPressure::kNone;
  const uint64_t high = budget_ / 10 * 9;
  uint64_t rss = rss_();
  const auto now = std::chrono::steady_clock::now();
  if (rss >= high && now - last_trim_ >= kTrimEvery) {
    // Freed batches often stay resident in glibc's arenas; hand them back before shedding more.
    ::malloc_trim(0);
    last_trim_ = now;
    const uint64_t after = rss_();
    trims_.Add({});
    if (after < rss) trimmed_bytes_.Add({}, static_cast<double>(rss - after));
    rss = after;
  }
  const MemoryPressure level = rss >= budget_ ? MemoryPressure::kOver
                               : rss >= high  ? MemoryPressure::kHigh
                                              : MemoryPressure::kNone;
  const MemoryPressure before = pressure_.exchange(level);
  last_rss_ = rss;
  if (level == MemoryPressure::kOver && before != MemoryPressure::kOver) {
    over_.Add({});
    // Under a sustained flood the level flips every few checks; the counter has each episode.
    if (now - last_warning_ >= kWarnEvery) {
      last_warning_ = now;
      spdlog::warn("memory: resident {} reached the budget {}; shedding to the disk buffer and "
                   "pausing log reads (fleet_agent_memory_over_budget_total counts each time)",
                   Mib(rss), Mib(budget_));
    }
  }
  return level;
}

void MemoryGuard::CountShed(const std::string& component, uint64_t bytes) {
  shed_.Add({component});
  shed_bytes_.Add({component}, static_cast<double>(bytes));
}

void MemoryGuard::CountDropped(const std::string& component, uint64_t items) {
  dropped_.Add({component, "memory"}, static_cast<double>(items));
}

void MemoryGuard::CountPause(const std::string& component) { pauses_.Add({component}); }

void MemoryGuard::Collect(std::vector<fleet::metrics::Family>* out) const {
  using fleet::metrics::Type;
  out->push_back(Single(Type::kGauge, "fleet_agent_memory_budget_bytes",
                        "Resident memory the agent keeps under (0: no budget).",
                        static_cast<double>(budget_)));
  out->push_back(Single(Type::kGauge, "fleet_agent_memory_pressure",
                        "0 under 90% of the budget, 1 above it (shedding), 2 at the budget "
                        "(log reads paused).",
                        static_cast<double>(pressure())));
  for (const auto* c : {&shed_, &shed_bytes_, &dropped_, &pauses_, &trims_, &trimmed_bytes_, &over_}) {
    out->push_back(c->Collect());
  }
}

}  // namespace agent
