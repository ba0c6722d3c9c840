#include "agent/sinks/remote_write_encoder.h"

#include <algorithm>

#include "fleet/core/text.h"
#include "prompb/remote.pb.h"

namespace agent {
namespace {

// Label values come from the host, and mount points and interface names are bytes. Receivers
// reject a series whose labels are not UTF-8 (Prometheus the whole request) and protobuf will not
// parse such a string field: invalid sequences become U+FFFD, as in Loki's JSON.
void AddLabel(prometheus::TimeSeries* series, const std::string& name, const std::string& value) {
  auto* label = series->add_labels();
  label->set_name(fleet::ValidUtf8(name));
  label->set_value(fleet::ValidUtf8(value));
}

void SortLabels(prometheus::TimeSeries* series) {
  std::sort(series->mutable_labels()->begin(), series->mutable_labels()->end(),
            [](const prometheus::Label& a, const prometheus::Label& b) { return a.name() < b.name(); });
}

bool HasLabel(const fleet::metrics::Labels& labels, const std::string& name) {
  return std::any_of(labels.begin(), labels.end(),
                     [&](const fleet::metrics::Label& l) { return l.name == name; });
}

}  // namespace

std::vector<EncodedWrite> EncodeWriteRequests(const std::vector<fleet::metrics::Family>& families,
                                              const fleet::metrics::Labels& external_labels,
                                              int64_t timestamp_ms, size_t max_samples) {
  std::vector<EncodedWrite> out;
  prometheus::WriteRequest request;
  auto flush = [&] {
    if (request.timeseries_size() == 0) return;
    out.push_back({request.SerializeAsString(), static_cast<size_t>(request.timeseries_size())});
    request.Clear();
  };
  for (const auto& family : families) {
    for (const auto& sample : family.samples) {
      auto* series = request.add_timeseries();
      AddLabel(series, "__name__", family.name + sample.suffix);
      for (const auto& label : sample.labels) AddLabel(series, label.name, label.value);
      for (const auto& label : external_labels) {
        if (!HasLabel(sample.labels, label.name)) AddLabel(series, label.name, label.value);
      }
      SortLabels(series);
      auto* point = series->add_samples();
      point->set_value(sample.value);
      point->set_timestamp(sample.timestamp_ms.value_or(timestamp_ms));
      if (static_cast<size_t>(request.timeseries_size()) >= max_samples) flush();
    }
  }
  flush();
  return out;
}

}  // namespace agent
