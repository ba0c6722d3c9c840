#include "agent/scraper.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>

namespace agent {

using fleet::metrics::Family;
using fleet::metrics::Type;

CollectorOptions OptionsFromConfig(const AgentConfig& config) {
  CollectorOptions o;
  o.paths.procfs = config.paths.procfs;
  o.paths.sysfs = config.paths.sysfs;
  o.paths.rootfs = config.paths.rootfs;
  o.paths.udev_data = config.paths.udev_data;
  o.filesystem_mount_points_exclude = config.filesystem.mount_points_exclude;
  o.filesystem_mount_timeout = config.filesystem.mount_timeout;
  o.filesystem_fs_types_exclude = config.filesystem.fs_types_exclude;
  o.arp_device_exclude = config.arp.device_exclude;
  o.diskstats_device_exclude = config.diskstats.device_exclude;
  o.netclass_ignored_devices = config.netclass.ignored_devices;
  o.netclass_ignore_invalid_speed = config.netclass.ignore_invalid_speed;
  o.netdev_device_exclude = config.netdev.device_exclude;
  o.textfile_directory = config.textfile.directory;
  return o;
}

fleet::Result<std::vector<NamedCollector>> BuildHostCollectors(const CollectorsConfig& config,
                                                               const CollectorOptions& options) {
  const auto& table = HostCollectors();
  auto known = [&](const std::string& name) {
    return std::any_of(table.begin(), table.end(),
                       [&](const CollectorEntry& e) { return name == e.name; });
  };
  const std::string field = config.enabled ? "collectors.enabled" : "collectors.disabled";
  const std::vector<std::string>& listed = config.enabled ? *config.enabled : config.disabled;
  for (size_t i = 0; i < listed.size(); ++i) {
    if (!known(listed[i])) {
      return fleet::Status::Invalid(field + "[" + std::to_string(i) + "]: unknown collector \"" +
                                    listed[i] + "\"");
    }
  }
  const std::set<std::string> names(listed.begin(), listed.end());
  std::vector<NamedCollector> out;
  for (const CollectorEntry& e : table) {
    const bool on = config.enabled ? names.count(e.name) > 0
                                   : e.enabled_by_default && names.count(e.name) == 0;
    if (on) out.push_back({e.name, e.make(options)});
  }
  return out;
}

Scraper::Scraper(std::vector<NamedCollector> collectors, status::Registry* registry,
                 relabel::CompiledRules metric_relabel)
    : collectors_(std::move(collectors)), metric_relabel_(std::move(metric_relabel)) {
  for (const auto& c : collectors_) {
    const std::string name = "collector/" + c.name;
    status_.push_back(registry ? registry->Get(name, "collector", {"samples"})
                               : std::make_shared<status::Component>(name, "collector",
                                                                     std::vector<std::string>{"samples"}));
  }
}

std::vector<std::string> Scraper::ComponentNames() const {
  std::vector<std::string> names;
  for (const auto& s : status_) names.push_back(s->name());
  return names;
}

namespace {

// The samples a collector just produced, as text format lines, for the live view.
void ObserveSamples(const std::vector<Family>& families, size_t first, status::Component& component) {
  constexpr size_t kMaxLines = 1000;  // the view keeps fewer; no point formatting more
  size_t lines = 0;
  for (size_t i = first; i < families.size() && lines < kMaxLines; ++i) {
    for (const auto& sample : families[i].samples) {
      if (++lines > kMaxLines) break;
      std::string text = families[i].name + sample.suffix;
      if (!sample.labels.empty()) {
        text += "{";
        for (size_t l = 0; l < sample.labels.size(); ++l) {
          text += (l ? "," : "") + sample.labels[l].name + "=\"" + sample.labels[l].value + "\"";
        }
        text += "}";
      }
      component.Observe(text + " " + fleet::metrics::FormatValue(sample.value));
    }
  }
}

}  // namespace

std::vector<std::string> Scraper::Names() const {
  std::vector<std::string> names;
  for (const auto& c : collectors_) names.push_back(c.name);
  return names;
}

std::vector<Family> Scraper::Scrape() {
  std::lock_guard lock(mu_);
  std::vector<Family> out;
  Family duration{"node_scrape_collector_duration_seconds",
                  "node_exporter: Duration of a collector scrape.", Type::kGauge, {}};
  Family success{"node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
                 Type::kGauge, {}};
  for (size_t i = 0; i < collectors_.size(); ++i) {
    auto& c = collectors_[i];
    status::Component& status = *status_[i];
    const size_t first = out.size();
    const auto start = std::chrono::steady_clock::now();
    fleet::Status st = c.collector->Collect(&out);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    size_t samples = 0;
    for (size_t f = first; f < out.size(); ++f) samples += out[f].samples.size();
    status.Add("samples", samples);
    status.SetValue("durationSeconds", took.count());
    if (st.ok()) {
      status.Succeeded();
    } else if (IsNoData(st)) {
      spdlog::debug("collector {} has no data: {}", c.name, st.message());
      status.Succeeded();
    } else {
      spdlog::warn("collector {} failed: {}", c.name, st.ToString());
      status.Failed(st.ToString());
    }
    if (status.Watched()) ObserveSamples(out, first, status);
    duration.samples.push_back({"", {{"collector", c.name}}, took.count()});
    success.samples.push_back({"", {{"collector", c.name}}, st.ok() ? 1.0 : 0.0});
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
  SortAndMerge(&out);
  if (!metric_relabel_.empty()) {
    relabel::RelabelFamilies(metric_relabel_, &out);
    SortAndMerge(&out);  // renamed series may have started families
  }
  return out;
}

void SortAndMerge(std::vector<Family>* families) {
  // The order is sorted, not the families: a Family is three strings and a vector, and moving
  // each of ~250 of them once instead of log(n) times is most of what this costs.
  std::vector<size_t> order(families->size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return (*families)[a].name < (*families)[b].name; });
  std::vector<Family> merged;
  merged.reserve(families->size());
  for (size_t i : order) {
    Family& f = (*families)[i];
    if (!merged.empty() && merged.back().name == f.name) {
      auto& dst = merged.back().samples;
      dst.insert(dst.end(), std::make_move_iterator(f.samples.begin()),
                 std::make_move_iterator(f.samples.end()));
    } else {
      merged.push_back(std::move(f));
    }
  }
  *families = std::move(merged);
}

}  // namespace agent
