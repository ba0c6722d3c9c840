// CPU per collection of the agent's push path, stage by stage, on one real exposition (what the
// agent's own /metrics served: bench/agent_metrics.sh's host with 20 containers, or any file):
// metric_relabel_configs with the bench's five rules (RelabelFamilies), the remote write encoding
// (EncodeWriteRequests) and the text format (WriteText). Prints ms per collection for each.
//   cmake --build build --target agent_pipeline_bench && build/bin/agent_pipeline_bench FILE [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "agent/relabel/relabel.h"
#include "agent/scrape/exposition_parser.h"
#include "agent/sinks/remote_write_encoder.h"
#include "fleet/core/files.h"

namespace {

using agent::relabel::Action;
using agent::relabel::Rule;

// bench/agent_metrics.sh's metricRelabelConfigs.
agent::relabel::CompiledRules BenchRules() {
  std::vector<Rule> rules(5);
  rules[0] = {Action::kDrop, {"__name__"}, ";", "node_scrape_collector_duration_seconds", 0, "", "$1"};
  rules[1] = {Action::kDrop, {"__name__"}, ";", "node_(softnet|schedstat)_.*", 0, "", "$1"};
  rules[2] = {Action::kReplace, {"device"}, ";", "(.+)", 0, "dev", "$1"};
  rules[3] = {Action::kLabelDrop, {}, ";", "device", 0, "", "$1"};
  rules[4] = {Action::kReplace, {}, ";", std::nullopt, 0, "region", "bench-1"};
  auto compiled = agent::relabel::CompiledRules::Compile(std::move(rules));
  if (!compiled.ok()) {
    std::fprintf(stderr, "rules: %s\n", compiled.status().ToString().c_str());
    std::exit(1);
  }
  return *compiled;
}

// The median of `runs` timings: the machine may be busy with other work, and the median leaves
// out the runs another process interrupted.
template <typename F>
void Measure(const char* what, int runs, F&& run) {
  std::vector<double> ms;
  size_t items = 0;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    items = run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  std::printf("| %-40s | %8.3f | %8zu |\n", what, ms[ms.size() / 2], items);
}

size_t CountSamples(const std::vector<fleet::metrics::Family>& families) {
  size_t n = 0;
  for (const auto& family : families) n += family.samples.size();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s EXPOSITION_FILE [RUNS]\n", argv[0]);
    return 2;
  }
  const int runs = argc > 2 ? std::atoi(argv[2]) : 200;
  auto body = fleet::ReadFileText(argv[1]);
  if (!body.ok()) {
    std::fprintf(stderr, "%s\n", body.status().ToString().c_str());
    return 1;
  }
  std::vector<fleet::metrics::Family> families;
  agent::scrape::ExpositionLimits limits;
  limits.max_samples = 1000000;
  if (auto error = agent::scrape::ParseFamilies(*body, agent::scrape::Format::kPrometheusText, limits, &families);
      !error.ok()) {
    std::fprintf(stderr, "parse: %s\n", error.message.c_str());
    return 1;
  }
  const auto rules = BenchRules();
  const fleet::metrics::Labels external = {{"instance", "bench"}, {"job", "fleet-agent"}};
  std::printf("%zu families, %zu samples, %d runs\n\n", families.size(), CountSamples(families), runs);
  std::printf("| %-40s | %8s | %8s |\n|------------------------------------------|----------|----------|\n",
              "stage (median of the runs)", "ms", "out");
  Measure("copy of the collection (baseline)", runs, [&] {
    auto copy = families;
    return CountSamples(copy);
  });
  Measure("copy + RelabelFamilies (5 rules)", runs, [&] {
    auto copy = families;
    agent::relabel::RelabelFamilies(rules, &copy);
    return CountSamples(copy);
  });
  Measure("EncodeWriteRequests", runs, [&] {
    size_t n = 0;
    for (const auto& write : agent::EncodeWriteRequests(families, external, 1700000000000, 2000)) {
      n += write.write_request.size();
    }
    return n;
  });
  Measure("WriteText", runs, [&] {
    std::string out;
    fleet::metrics::WriteText(families, &out);
    return out.size();
  });
  return 0;
}
