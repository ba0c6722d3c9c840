// The Prometheus data model shared by the agent (host/container collectors, self-metrics) and the
// controller (/metrics), and the text exposition format 0.0.4 writer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
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
  // Unset: the sample is at the collection's time (what every collector's sample is). Set: the
  // exposition a scrape target served gave this sample its own time and honor_timestamps kept it.
  std::optional<int64_t> timestamp_ms{};
};

struct Family {
  std::string name;
  std::string help;
  Type type = Type::kUntyped;
  std::vector<Sample> samples;
};

// Sorts labels (anything with a `name`) by name, stably: of a repeated name the first stays first.
// Series have a few labels, which an insertion sort orders without the buffer std::stable_sort
// allocates each call (the remote write encoder and relabeling sort every series of every
// collection); a long label set (a scraped series may carry many) goes to std::stable_sort.
template <typename L>
void SortByName(std::vector<L>* labels) {
  auto by_name = [](const L& a, const L& b) { return a.name < b.name; };
  if (labels->size() > 16) return std::stable_sort(labels->begin(), labels->end(), by_name);
  for (size_t i = 1; i < labels->size(); ++i) {
    if (!by_name((*labels)[i], (*labels)[i - 1])) continue;
    L label = std::move((*labels)[i]);
    size_t j = i;
    for (; j > 0 && by_name(label, (*labels)[j - 1]); --j) (*labels)[j] = std::move((*labels)[j - 1]);
    (*labels)[j] = std::move(label);
  }
}

// Appends families to *out in the text exposition format 0.0.4: "# HELP", "# TYPE", then one line
// per sample. Families are written in the order given; a family with no samples is skipped (a
// HELP/TYPE pair with nothing under it is legal but noise, and node_exporter omits them too).
void WriteText(const std::vector<Family>& families, std::string* out);
// One family of WriteText's output, for writers that send the text in pieces.
void AppendFamilyText(const Family& family, std::string* out);
// The Content-Type header value that goes with WriteText's output.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Formats a sample value as the text format wants it: "+Inf", "-Inf", "NaN", integers without
// an exponent up to 2^53, otherwise the shortest round-trip form.
std::string FormatValue(double v);

// Thread-safe labelled metrics for a program's own instrumentation. Each vector has fixed label
// names; the values passed to Add/Set/Observe must match them in number and order (a mismatch is
// a programming error and aborts in debug builds, is ignored in release builds).
// The series of a counter or a gauge: one value per tuple of label values.
class ValueVec {
 public:
  double Value(const std::vector<std::string>& label_values) const;
  Family Collect() const;

 protected:
  ValueVec(std::string name, std::string help, std::vector<std::string> label_names, Type type);
  // Sets (or, with add, increments) the series of label_values, created at 0 when new.
  void Write(const std::vector<std::string>& label_values, double value, bool add);
  void Erase(const std::vector<std::string>& label_values);

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const Type type_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_;
};

class CounterVec : public ValueVec {
 public:
  CounterVec(std::string name, std::string help, std::vector<std::string> label_names = {})
      : ValueVec(std::move(name), std::move(help), std::move(label_names), Type::kCounter) {}
  void Add(const std::vector<std::string>& label_values, double delta = 1) {
    if (delta >= 0) Write(label_values, delta, /*add=*/true);  // counters only go up
  }
};

class GaugeVec : public ValueVec {
 public:
  GaugeVec(std::string name, std::string help, std::vector<std::string> label_names = {})
      : ValueVec(std::move(name), std::move(help), std::move(label_names), Type::kGauge) {}
  void Set(const std::vector<std::string>& label_values, double value) {
    Write(label_values, value, /*add=*/false);
  }
  void Add(const std::vector<std::string>& label_values, double delta) {
    Write(label_values, delta, /*add=*/true);
  }
  // Forgets one series (e.g. a sink that was removed by a reload).
  void Remove(const std::vector<std::string>& label_values) { Erase(label_values); }
};

class HistogramVec {
 public:
  // bounds: upper bounds of the buckets, ascending; +Inf is implicit.
  HistogramVec(std::string name, std::string help, std::vector<double> bounds,
               std::vector<std::string> label_names = {});
  void Observe(const std::vector<std::string>& label_values, double value);
  Family Collect() const;

  // 0.005 .. 10 seconds, the Prometheus client libraries' default latency buckets.
  static std::vector<double> DefaultBuckets();

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; counts.back() is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  const std::string name_, help_;
  const std::vector<double> bounds_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_;
};

}  // namespace fleet::metrics
