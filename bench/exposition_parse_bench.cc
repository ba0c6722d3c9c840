// Parse throughput of agent/scrape on a generated ~1 MiB exposition shaped like a busy exporter's
// (histograms and counters with a few labels each): the parser alone (ParseExposition, nothing
// kept), ParseFamilies (everything kept), and a whole TargetScraper::Scrape (target labels, series
// keys, staleness). Prints MB/s for each. Build: cmake --build build --target exposition_parse_bench
#include <chrono>
#include <cstdio>
#include <string>

#include "agent/scrape/exposition_parser.h"
#include "agent/scrape/target_scrape.h"

namespace {

std::string Exposition(size_t min_bytes) {
  std::string body;
  for (int family = 0; body.size() < min_bytes; ++family) {
    const std::string name = "app_request_duration_seconds_" + std::to_string(family);
    body += "# HELP " + name + " Time spent serving requests, by handler and code.\n# TYPE " + name + " histogram\n";
    for (const char* code : {"200", "404", "500"}) {
      const std::string labels = "handler=\"/api/v1/items\",method=\"GET\",code=\"" + std::string(code) + "\"";
      for (const char* le : {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"}) {
        body += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(family * 37 + 11) + "\n";
      }
      body += name + "_sum{" + labels + "} 1234.5678\n" + name + "_count{" + labels + "} 98765\n";
    }
    body += "# TYPE app_events_" + std::to_string(family) + "_total counter\napp_events_" +
            std::to_string(family) + "_total{kind=\"created\"} 4.2e+06\n";
  }
  return body;
}

template <typename F>
void Measure(const char* what, const std::string& body, int runs, F&& run) {
  const auto start = std::chrono::steady_clock::now();
  size_t samples = 0;
  for (int i = 0; i < runs; ++i) samples = run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-28s %8.1f MB/s  %6.2f ms/scrape  %zu samples\n", what,
              static_cast<double>(body.size()) * runs / seconds / 1e6, seconds / runs * 1e3, samples);
}

}  // namespace

int main() {
  const std::string body = Exposition(1 << 20);
  std::printf("exposition: %zu bytes\n", body.size());
  const int runs = 20;
  Measure("ParseExposition (streamed)", body, runs, [&] {
    size_t n = 0;
    const auto error = agent::scrape::ParseExposition(body, agent::scrape::Format::kPrometheusText, {},
                                                      [&](const auto&, size_t, auto&) { ++n; });
    return error.ok() ? n : 0;
  });
  Measure("ParseFamilies (kept)", body, runs, [&] {
    std::vector<fleet::metrics::Family> families;
    agent::scrape::ExpositionLimits limits;
    limits.max_samples = 1000000;
    const auto error = agent::scrape::ParseFamilies(body, agent::scrape::Format::kPrometheusText, limits, &families);
    size_t n = 0;
    for (const auto& family : families) n += family.samples.size();
    return error.ok() ? n : 0;
  });
  agent::scrape::TargetScraper scraper({{"job", "app"}, {"instance", "10.0.0.1:8080"}}, {});
  Measure("TargetScraper::Scrape", body, runs, [&] {
    const auto out = scraper.Scrape({fleet::Status::Ok(), 200, "text/plain; version=0.0.4", body, 0.1});
    return out.report.up ? out.report.samples_post_relabel : 0;
  });
}
