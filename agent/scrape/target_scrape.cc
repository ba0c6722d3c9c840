#include "agent/scrape/target_scrape.h"

#include <algorithm>
#include <bit>
#include <unordered_map>

#include "fleet/core/metric_names.h"
#include "fleet/core/text.h"

namespace agent::scrape {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Label;
using fleet::metrics::Labels;
using fleet::metrics::Sample;

// Never in a label name (ASCII) nor in a label value (UTF-8, checked): the series key's separator.
constexpr char kKeySeparator = '\xff';

// Identity of a series within a target: its name and labels sorted by name. Built for every
// sample of every scrape: the labels are sorted by reference, not copied, and the key is
// allocated once at its size.
std::string SeriesKey(const std::string& name, const Labels& labels) {
  std::vector<const Label*> sorted;
  sorted.reserve(labels.size());
  size_t size = name.size() + 1;
  for (const auto& label : labels) {
    sorted.push_back(&label);
    size += label.name.size() + label.value.size() + 2;
  }
  std::sort(sorted.begin(), sorted.end(), [](const Label* a, const Label* b) { return a->name < b->name; });
  std::string key;
  key.reserve(size);
  key.append(name).push_back(kKeySeparator);
  for (const Label* label : sorted) {
    key.append(label->name).push_back(kKeySeparator);
    key.append(label->value).push_back(kKeySeparator);
  }
  return key;
}

// SeriesKey's inverse, for the stale markers of series that are gone.
std::pair<std::string, Labels> SplitSeriesKey(std::string_view key) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t end; (end = key.find(kKeySeparator, start)) != std::string_view::npos; start = end + 1) {
    parts.push_back(key.substr(start, end - start));
  }
  Labels labels;
  for (size_t i = 1; i + 1 < parts.size(); i += 2) labels.push_back({std::string(parts[i]), std::string(parts[i + 1])});
  return {std::string(parts.at(0)), std::move(labels)};
}

Label* Find(Labels* labels, std::string_view name) {
  for (auto& label : *labels) {
    if (label.name == name) return &label;
  }
  return nullptr;
}

// Replaces the label's value, or adds it.
void Set(Labels* labels, const std::string& name, const std::string& value) {
  Label* label = Find(labels, name);
  if (label != nullptr) {
    label->value = value;
  } else {
    labels->push_back({name, value});
  }
}

Family ReportFamily(const char* name, const Labels& target_labels, double value) {
  return {name, "", fleet::metrics::Type::kGauge, {{"", target_labels, value}}};
}

// What ParseExposition's callback builds up during one scrape.
struct Collected {
  std::unordered_map<std::string, bool> series;  // as TargetScraper::series_
  size_t stored = 0;                             // samples kept, for sample_limit
  size_t last_family_index = SIZE_MAX;           // of the family the last kept sample came from
  std::unordered_map<std::string, size_t> renamed_families;  // name -> index in the output
  bool over_limit = false;
  std::string invalid_series;  // set: the rewrite made a series that cannot be sent
};

}  // namespace

double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool IsStaleNaN(double value) { return std::bit_cast<uint64_t>(value) == kStaleNaNBits; }

const char* ScrapeErrorKindName(ScrapeErrorKind kind) {
  switch (kind) {
    case ScrapeErrorKind::kNone: return "none";
    case ScrapeErrorKind::kFetch: return "fetch";
    case ScrapeErrorKind::kHttpStatus: return "http_status";
    case ScrapeErrorKind::kBodyTooLarge: return "body_too_large";
    case ScrapeErrorKind::kParse: return "parse";
    case ScrapeErrorKind::kSampleLimit: return "sample_limit";
    case ScrapeErrorKind::kInvalidSeries: return "invalid_series";
  }
  return "unknown";
}

TargetScraper::TargetScraper(Labels target_labels, TargetScrapeOptions options)
    : target_labels_(std::move(target_labels)), options_(std::move(options)) {}

bool TargetScraper::MutateLabels(std::string_view name, Labels* labels) const {
  if (options_.honor_labels) {
    for (const auto& target : target_labels_) {
      if (Find(labels, target.name) == nullptr) labels->push_back(target);
    }
  } else {
    Labels conflicts;
    for (const auto& target : target_labels_) {
      Label* own = Find(labels, target.name);
      if (own != nullptr && !own->value.empty()) conflicts.push_back(*own);
      Set(labels, target.name, target.value);
    }
    // Shorter names first, so exported_a is taken by a before exported_exported_a's owner looks.
    std::stable_sort(conflicts.begin(), conflicts.end(),
                     [](const Label& a, const Label& b) { return a.name.size() < b.name.size(); });
    for (const auto& conflict : conflicts) {
      std::string exported = "exported_" + conflict.name;
      while (Label* taken = Find(labels, exported)) {
        if (taken->value.empty()) break;
        exported = "exported_" + exported;
      }
      Set(labels, exported, conflict.value);
    }
  }
  if (options_.metric_relabel) {
    labels->push_back({"__name__", std::string(name)});
    if (!options_.metric_relabel(labels)) return false;
  }
  // As in Prometheus, a label with an empty value is no label.
  std::erase_if(*labels, [](const Label& l) { return l.value.empty(); });
  return true;
}

ScrapeOutput TargetScraper::Scrape(const FetchResult& fetch) {
  ScrapeOutput out;
  ScrapeReport& report = out.report;
  auto fail = [&report](ScrapeErrorKind kind, std::string message) {
    report.error = kind;
    report.message = std::move(message);
  };

  Collected collected;
  collected.series.reserve(series_.size());  // a target's series mostly stay: no rehashing
  if (!fetch.error.ok()) {
    // TooLarge: the fetch stopped reading at body_size_limit.
    fail(fetch.error.code() == fleet::Code::kTooLarge ? ScrapeErrorKind::kBodyTooLarge : ScrapeErrorKind::kFetch,
         fleet::ForeignText(fetch.error.message()));
  } else if (fetch.http_status != 200) {
    fail(ScrapeErrorKind::kHttpStatus, "server returned HTTP status " + std::to_string(fetch.http_status));
  } else if (options_.body_size_limit > 0 && fetch.body.size() > options_.body_size_limit) {
    fail(ScrapeErrorKind::kBodyTooLarge, "body of " + std::to_string(fetch.body.size()) +
                                             " bytes is over body_size_limit " +
                                             std::to_string(options_.body_size_limit));
  } else if (!fetch.body.empty()) {  // an empty body is an empty scrape, as in Prometheus
    FormatChoice choice = FormatForContentType(fetch.content_type, options_.fallback_format);
    ParseError parse = choice.error;
    if (parse.ok()) {
      ExpositionLimits limits = options_.limits;
      limits.max_body_bytes = 0;  // checked above
      limits.max_samples = 0;     // sample_limit counts after the rewrite, below
      parse = ParseExposition(fetch.body, choice.format, limits,
                              [&](const Family& family, size_t family_index, Sample& sample) {
                                if (!collected.invalid_series.empty()) return;
                                ++report.samples_scraped;
                                const std::string parsed_name = family.name + sample.suffix;
                                if (!MutateLabels(parsed_name, &sample.labels)) return;
                                std::string name = parsed_name;
                                if (options_.metric_relabel) {
                                  Label* name_label = Find(&sample.labels, "__name__");
                                  name = name_label != nullptr ? name_label->value : "";
                                  std::erase_if(sample.labels, [](const Label& l) { return l.name == "__name__"; });
                                  bool valid = fleet::metrics::IsMetricName(name);
                                  for (size_t i = 0; valid && i < sample.labels.size(); ++i) {
                                    valid = fleet::metrics::IsLabelName(sample.labels[i].name) &&
                                            fleet::IsUtf8(sample.labels[i].value);
                                    for (size_t j = 0; valid && j < i; ++j) valid = sample.labels[j].name != sample.labels[i].name;
                                  }
                                  if (!valid) {
                                    collected.invalid_series = parsed_name;
                                    return;
                                  }
                                }
                                ++report.samples_post_relabel;
                                if (!options_.honor_timestamps) sample.timestamp_ms.reset();
                                std::string key = SeriesKey(name, sample.labels);
                                const bool tracked = !sample.timestamp_ms.has_value();
                                if (tracked && collected.series.contains(key)) {
                                  ++report.duplicates;
                                  return;
                                }
                                if (options_.sample_limit > 0 && collected.stored >= options_.sample_limit) {
                                  collected.over_limit = true;  // parse on, to count what was scraped
                                  return;
                                }
                                ++collected.stored;
                                if (!series_.contains(key)) ++report.series_added;
                                collected.series.emplace(std::move(key), tracked);
                                if (name == parsed_name) {
                                  if (family_index != collected.last_family_index || out.families.empty()) {
                                    out.families.push_back({family.name, family.help, family.type, {}});
                                    collected.last_family_index = family_index;
                                  }
                                  out.families.back().samples.push_back(std::move(sample));
                                  return;
                                }
                                // Renamed by the rewrite: in a family of its new name.
                                auto [it, added] = collected.renamed_families.emplace(name, out.families.size());
                                if (added) {
                                  out.families.push_back({name, "", fleet::metrics::Type::kUntyped, {}});
                                  collected.last_family_index = SIZE_MAX;
                                }
                                sample.suffix.clear();
                                out.families[it->second].samples.push_back(std::move(sample));
                              });
    }
    if (!parse.ok()) {
      fail(ScrapeErrorKind::kParse, parse.message);
      report.parse_error = parse.kind;
      report.parse_line = parse.line;
    } else if (!collected.invalid_series.empty()) {
      fail(ScrapeErrorKind::kInvalidSeries,
           "metric_relabel_configs made an invalid series of " + fleet::ForeignText(collected.invalid_series, 200));
    } else if (collected.over_limit) {
      fail(ScrapeErrorKind::kSampleLimit, "sample_limit " + std::to_string(options_.sample_limit) + " exceeded");
    }
  }
  report.up = report.error == ScrapeErrorKind::kNone;

  if (report.up && !fetch.body.empty()) {
    if (!series_staled_) AppendStaleMarkers(&collected.series, &out);
    series_ = std::move(collected.series);
    series_staled_ = false;
  } else {
    // Failed (or empty): nothing of the body goes out, and every series of the last scrape ends.
    // series_ stays, so that the scrape after a failure does not count them all as added.
    out.families.clear();
    if (!series_staled_) AppendStaleMarkers(nullptr, &out);
    series_staled_ = true;
  }
  AppendReport(fetch, &out);
  return out;
}

void TargetScraper::AppendStaleMarkers(const std::unordered_map<std::string, bool>* keep, ScrapeOutput* out) {
  for (const auto& [key, tracked] : series_) {
    if (!tracked || (keep != nullptr && keep->contains(key))) continue;
    auto [name, labels] = SplitSeriesKey(key);
    // One family per name: the samples' suffix stays empty and the name is the family's.
    out->families.push_back({std::move(name), "", fleet::metrics::Type::kUntyped, {{"", std::move(labels), StaleNaN()}}});
    ++out->report.stale_markers;
  }
}

void TargetScraper::AppendReport(const FetchResult& fetch, ScrapeOutput* out) const {
  const ScrapeReport& report = out->report;
  out->families.push_back(ReportFamily("up", target_labels_, report.up ? 1 : 0));
  out->families.push_back(ReportFamily("scrape_duration_seconds", target_labels_, fetch.duration_seconds));
  out->families.push_back(ReportFamily("scrape_samples_scraped", target_labels_, static_cast<double>(report.samples_scraped)));
  out->families.push_back(ReportFamily("scrape_samples_post_metric_relabeling", target_labels_,
                                       static_cast<double>(report.samples_post_relabel)));
  out->families.push_back(ReportFamily("scrape_series_added", target_labels_, static_cast<double>(report.series_added)));
}

std::vector<Family> TargetScraper::Stop() {
  ScrapeOutput out;
  if (!series_staled_) AppendStaleMarkers(nullptr, &out);
  series_.clear();
  series_staled_ = true;
  for (const char* name : {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                           "scrape_samples_post_metric_relabeling", "scrape_series_added"}) {
    out.families.push_back(ReportFamily(name, target_labels_, StaleNaN()));
  }
  return std::move(out.families);
}

}  // namespace agent::scrape
