#include "agent/scrape/target_labels.h"

#include <algorithm>

#include "fleet/core/text.h"

namespace agent::scrape {
namespace {

using fleet::metrics::Label;
using fleet::metrics::Labels;

const std::string* Get(const Labels& labels, std::string_view name) {
  for (const auto& label : labels) {
    if (label.name == name) return label.value.empty() ? nullptr : &label.value;
  }
  return nullptr;
}

// Sets name unless the target has a non-empty value for it (Prometheus' `lb.Get(name) == ""`).
void Default(Labels* labels, const std::string& name, const std::string& value) {
  for (auto& label : *labels) {
    if (label.name != name) continue;
    if (label.value.empty()) label.value = value;
    return;
  }
  labels->push_back({name, value});
}

}  // namespace

fleet::Result<std::optional<ScrapeTarget>> PopulateTargetLabels(const DiscoveredTarget& discovered,
                                                                const ScrapeConfig& config) {
  Labels labels = discovered;
  Default(&labels, "job", config.job_name);
  Default(&labels, "__scrape_interval__", FormatDuration(config.scrape_interval));
  Default(&labels, "__scrape_timeout__", FormatDuration(config.scrape_timeout));
  Default(&labels, "__metrics_path__", config.metrics_path);
  Default(&labels, "__scheme__", config.scheme);
  // Process sorts, drops empty values and keeps the first of a repeated name, with or without rules.
  if (!config.relabel.Process(&labels)) return std::optional<ScrapeTarget>();

  const std::string* address = Get(labels, "__address__");
  if (address == nullptr) return fleet::Status::Invalid("no address");
  if (address->find('/') != std::string::npos) {
    return fleet::Status::Invalid("\"" + fleet::ForeignText(*address, 256) + "\" is not a valid hostname");
  }
  ScrapeTarget target;
  const std::string* interval_text = Get(labels, "__scrape_interval__");
  const std::string* timeout_text = Get(labels, "__scrape_timeout__");
  auto interval = ParseDuration(interval_text ? *interval_text : "");
  if (!interval.ok()) return fleet::Status::Invalid("error parsing scrape interval: " + interval.status().message());
  if (interval->count() == 0) return fleet::Status::Invalid("scrape interval cannot be 0");
  auto timeout = ParseDuration(timeout_text ? *timeout_text : "");
  if (!timeout.ok()) return fleet::Status::Invalid("error parsing scrape timeout: " + timeout.status().message());
  if (timeout->count() == 0) return fleet::Status::Invalid("scrape timeout cannot be 0");
  if (*timeout > *interval) {
    return fleet::Status::Invalid("scrape timeout cannot be greater than scrape interval (\"" + *timeout_text +
                                  "\" > \"" + *interval_text + "\")");
  }
  target.interval = *interval;
  target.timeout = *timeout;

  std::erase_if(labels, [](const Label& l) { return l.name.starts_with("__meta_"); });
  const std::string address_value = *address;  // labels may reallocate below
  if (Get(labels, "instance") == nullptr) {
    std::erase_if(labels, [](const Label& l) { return l.name == "instance"; });
    labels.push_back({"instance", address_value});
    std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  }
  for (const auto& label : labels) {
    if (!fleet::IsUtf8(label.value)) {
      return fleet::Status::Invalid("invalid label value for \"" + label.name + "\": \"" +
                                    fleet::ForeignText(label.value, 256) + "\"");
    }
  }
  const std::string* scheme = Get(labels, "__scheme__");
  const std::string* path = Get(labels, "__metrics_path__");
  target.url = (scheme ? *scheme : config.scheme) + "://" + address_value + (path ? *path : "");
  for (const auto& label : labels) {
    if (!label.name.starts_with("__")) target.public_labels.push_back(label);
  }
  target.labels = std::move(labels);
  return std::optional<ScrapeTarget>(std::move(target));
}

std::string TargetComponentName(const ScrapeTarget& target) {
  const std::string* job = Get(target.public_labels, "job");
  const std::string* instance = Get(target.public_labels, "instance");
  return "scrape/" + (job ? *job : "") + "/" + (instance ? *instance : "");
}

}  // namespace agent::scrape
