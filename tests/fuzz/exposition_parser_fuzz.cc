// Fuzz target: a scrape target's /metrics body through the exposition parser and the scrape core.
// The input's last byte picks the format (bit 0) and the limits (bits 1-2); the rest is the body.
// Checked, whatever the body:
//   - the parser ends with a typed error or with samples that obey the limits: names in the
//     Prometheus alphabet, UTF-8 label values, no NaN but the ordinary one (never a stale marker);
//   - what it parsed, written back as text 0.0.4 (fleet/core/metrics.h) and parsed again, is the
//     same samples: names, labels and values bit for bit;
//   - the scrape core's report agrees with its output (up, counts, the five report series), and
//     a failed scrape after it stales exactly the series it tracked.
#include <fuzzer/FuzzedDataProvider.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/scrape/exposition_parser.h"
#include "agent/scrape/target_scrape.h"
#include "fleet/core/metric_names.h"
#include "fleet/core/text.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using agent::scrape::ExpositionLimits;
using agent::scrape::Format;
using fleet::metrics::Family;


// Every sample as "name{labels}=value bits", in order.
std::vector<std::string> Flatten(const std::vector<Family>& families) {
  std::vector<std::string> out;
  for (const auto& family : families) {
    for (const auto& sample : family.samples) {
      std::string line = family.name + sample.suffix + "{";
      for (const auto& label : sample.labels) line += label.name + "=" + label.value + "\xff";
      // -0 is written as 0 (metrics.h's FormatValue); equal values, so compared as one.
      const double value = sample.value == 0 ? 0.0 : sample.value;
      line += "}" + std::to_string(std::bit_cast<uint64_t>(value));
      out.push_back(std::move(line));
    }
  }
  return out;
}

ExpositionLimits LimitsFor(unsigned preset) {
  ExpositionLimits limits;
  limits.max_samples = 5000;
  if (preset == 1) {
    limits.max_line_bytes = 48;
    limits.max_labels = 2;
    limits.max_label_name_bytes = 4;
    limits.max_label_value_bytes = 8;
  } else if (preset == 2) {
    limits.max_samples = 3;
  } else if (preset == 3) {
    limits.max_body_bytes = 64;
  }
  return limits;
}

void CheckParser(const std::string& body, Format format, const ExpositionLimits& limits) {
  std::vector<Family> families;
  const auto error = agent::scrape::ParseFamilies(body, format, limits, &families);
  if (!error.ok()) {
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(fleet::IsUtf8(error.message));
    return;
  }
  size_t samples = 0;
  for (const auto& family : families) {
    FUZZ_CHECK(fleet::IsUtf8(family.help));
    for (const auto& sample : family.samples) {
      ++samples;
      FUZZ_CHECK(fleet::metrics::IsMetricName(family.name + sample.suffix));
      FUZZ_CHECK(sample.labels.size() <= limits.max_labels);
      FUZZ_CHECK(!agent::scrape::IsStaleNaN(sample.value));
      for (const auto& label : sample.labels) {
        FUZZ_CHECK(fleet::metrics::IsLabelName(label.name));
        FUZZ_CHECK(label.name.size() <= limits.max_label_name_bytes);
        FUZZ_CHECK(label.value.size() <= limits.max_label_value_bytes);
        FUZZ_CHECK(fleet::IsUtf8(label.value));
      }
    }
  }
  FUZZ_CHECK(samples <= limits.max_samples);

  // Written back as text and parsed again: the same samples. (Lines may be longer once escaped.)
  std::string text;
  fleet::metrics::WriteText(families, &text);
  ExpositionLimits unbounded_lines = limits;
  unbounded_lines.max_body_bytes = 0;
  unbounded_lines.max_line_bytes = text.size() + 1;
  std::vector<Family> again;
  const auto reparse = agent::scrape::ParseFamilies(text, Format::kPrometheusText, unbounded_lines, &again);
  if (!reparse.ok()) std::fprintf(stderr, "%s\n", reparse.message.c_str());
  FUZZ_CHECK(reparse.ok());
  FUZZ_CHECK(Flatten(again) == Flatten(families));
}

void CheckScrape(const std::string& body, Format format, unsigned preset) {
  agent::scrape::TargetScrapeOptions options;
  options.sample_limit = preset == 2 ? 3 : 0;
  options.body_size_limit = preset == 3 ? 64 : 0;
  options.honor_labels = (preset & 1) != 0;
  const fleet::metrics::Labels target = {{"job", "j"}, {"instance", "i"}};
  agent::scrape::TargetScraper scraper(target, options);
  const char* content_type = format == Format::kOpenMetrics ? "application/openmetrics-text" : "text/plain";
  const auto out = scraper.Scrape({fleet::Status::Ok(), 200, content_type, body, 0.5});
  const auto& report = out.report;
  FUZZ_CHECK(report.up == (report.error == agent::scrape::ScrapeErrorKind::kNone));
  FUZZ_CHECK(report.samples_post_relabel <= report.samples_scraped);
  FUZZ_CHECK(report.stale_markers == 0);  // nothing came before
  FUZZ_CHECK(out.families.size() >= 5);
  FUZZ_CHECK(out.families[out.families.size() - 5].name == "up");
  FUZZ_CHECK(out.families[out.families.size() - 5].samples.at(0).value == (report.up ? 1 : 0));
  size_t pushed = 0, tracked = 0;
  for (size_t i = 0; i + 5 < out.families.size(); ++i) {
    for (const auto& sample : out.families[i].samples) {
      ++pushed;
      if (!sample.timestamp_ms) ++tracked;
    }
  }
  if (!report.up) {
    FUZZ_CHECK(pushed == 0);
    return;
  }
  FUZZ_CHECK(pushed + report.duplicates == report.samples_post_relabel);
  FUZZ_CHECK(report.series_added <= pushed);
  // The target goes down: each series it tracked gets one stale marker.
  const auto down = scraper.Scrape({fleet::Status::Unavailable("down"), 0, "", "", 0});
  FUZZ_CHECK(down.report.stale_markers == tracked);
  size_t stale = 0;
  for (const auto& family : down.families) {
    for (const auto& sample : family.samples) stale += agent::scrape::IsStaleNaN(sample.value);
  }
  FUZZ_CHECK(stale == down.report.stale_markers);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const uint8_t selector = in.ConsumeIntegral<uint8_t>();  // the input's last byte
  const Format format = (selector & 1) != 0 ? Format::kOpenMetrics : Format::kPrometheusText;
  const unsigned preset = (selector >> 1) & 3;
  const std::string body = in.ConsumeRemainingBytesAsString();
  CheckParser(body, format, LimitsFor(preset));
  CheckScrape(body, format, preset);
  return 0;
}
