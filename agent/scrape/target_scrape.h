// One scrape target's scrapes, without the network: the caller fetches /metrics (or fails to) and
// hands over what came back; TargetScraper turns it into the samples to push, with Prometheus'
// semantics (scrape/scrape.go):
//   - target labels go on every series; with honor_labels the exposition's own value wins, without
//     it the target's wins and the exposition's is kept as exported_<name> (exported_exported_...
//     while that is taken too);
//   - then the series rewrite (metric_relabel_configs) may change or drop it;
//   - sample_limit counts what is left; going over it fails the whole scrape, like a fetch error,
//     a body over body_size_limit or a parse error: nothing of the body is pushed and up is 0;
//   - a series of the previous scrape that is missing now gets a stale marker (value::StaleNaN),
//     and so does every series when the scrape fails; series with their own timestamp (kept by
//     honor_timestamps) are not tracked, as Prometheus does not track them;
//   - every scrape adds up, scrape_duration_seconds, scrape_samples_scraped,
//     scrape_samples_post_metric_relabeling and scrape_series_added, with the target's labels.
// A later sample of a series already seen in the same scrape (and without its own timestamp) is
// dropped and counted, as Prometheus drops it (ErrDuplicateSampleForTimestamp); it does not fail
// the scrape.
// Output samples carry no timestamp unless the exposition gave one: they are at the scrape's time,
// which the caller passes to the encoder with them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/scrape/exposition_parser.h"
#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent::scrape {

// Prometheus' value.StaleNaN: a NaN whose bits say "this series ended". Remote write receivers
// (Prometheus, Mimir, VictoriaMetrics) look for exactly these bits.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002;
double StaleNaN();
bool IsStaleNaN(double value);

struct TargetScrapeOptions {
  bool honor_labels = false;
  bool honor_timestamps = true;  // Prometheus' default
  size_t sample_limit = 0;       // 0: none
  size_t body_size_limit = 0;    // bytes; 0: none (the fetch must be bounded then)
  std::optional<Format> fallback_format;  // fallback_scrape_protocol
  ExpositionLimits limits;       // line and label bounds; body and samples are set from the above
  // metric_relabel_configs: gets each series' labels, `__name__` among them, after the target
  // labels are applied; may change them; false drops the series.
  std::function<bool(fleet::metrics::Labels*)> metric_relabel;
};

// What the caller's fetch of the target produced.
struct FetchResult {
  // Not ok: no response (refused, timed out, TLS, ...); TooLarge: the body passed
  // body_size_limit and was not read further.
  fleet::Status error;
  int http_status = 0;
  std::string_view content_type;
  std::string_view body;
  double duration_seconds = 0;  // scrape_duration_seconds
};

enum class ScrapeErrorKind { kNone, kFetch, kHttpStatus, kBodyTooLarge, kParse, kSampleLimit, kInvalidSeries };
const char* ScrapeErrorKindName(ScrapeErrorKind kind);

struct ScrapeReport {
  bool up = false;
  ScrapeErrorKind error = ScrapeErrorKind::kNone;
  ParseErrorKind parse_error = ParseErrorKind::kNone;  // when error is kParse
  size_t parse_line = 0;                               // of the parse error; 0: the whole body
  std::string message;
  size_t samples_scraped = 0;       // in the body (up to a parse error)
  size_t samples_post_relabel = 0;  // of those, kept by the rewrite
  size_t series_added = 0;          // not in the previous successful scrape
  size_t duplicates = 0;            // dropped: the same series twice in one body
  size_t stale_markers = 0;
};

struct ScrapeOutput {
  // The body's samples (grouped as the body's families, unless the rewrite renamed a series: it
  // goes to a family of its new name), the stale markers, then the five report series.
  std::vector<fleet::metrics::Family> families;
  ScrapeReport report;
};

class TargetScraper {
 public:
  // target_labels: the target's labels after relabeling (job, instance, ...), none starting "__".
  TargetScraper(fleet::metrics::Labels target_labels, TargetScrapeOptions options);

  ScrapeOutput Scrape(const FetchResult& fetch);
  // The target is gone (Prometheus' end of a scrape loop): stale markers for its series and for
  // the report series.
  std::vector<fleet::metrics::Family> Stop();

 private:
  // The series' labels as they go out (name aside), or false to drop it.
  bool MutateLabels(std::string_view name, fleet::metrics::Labels* labels) const;
  void AppendStaleMarkers(const std::unordered_map<std::string, bool>* keep, ScrapeOutput* out);
  void AppendReport(const FetchResult& fetch, ScrapeOutput* out) const;

  const fleet::metrics::Labels target_labels_;
  const TargetScrapeOptions options_;
  // The series of the last successful scrape, by SeriesKey, each with whether it is tracked for
  // staleness (it had no timestamp of its own). Bounded by what one scrape may hold.
  std::unordered_map<std::string, bool> series_;
  // Set once the stale markers for series_ went out (a failed scrape), so that a second failure
  // does not repeat them; series_ stays, so a recovery does not count every series as added.
  bool series_staled_ = false;
};

}  // namespace agent::scrape
