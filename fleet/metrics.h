// The Prometheus data model shared by the agent (host/container collectors, self-metrics) and the
// controller (/metrics), and the text exposition format 0.0.4 writer.
#pragma once

#include <string>
#include <vector>

namespace fleet::metrics {

enum class Type { kCounter, kGauge, kHistogram, kSummary, kUntyped };

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
};
using Labels = std::vector<Label>;

struct Sample {
  std::string suffix;  // "" for counters/gauges; "_bucket", "_sum", "_count" for histograms
  Labels labels;
  double value = 0;
};

struct Family {
  std::string name;
  std::string help;
  Type type = Type::kUntyped;
  std::vector<Sample> samples;
};

}  // namespace fleet::metrics
