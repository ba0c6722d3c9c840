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

bool HasLabel(const fleet::metrics::Labels& labels, const std::string& name) {
  return std::any_of(labels.begin(), labels.end(),
                     [&](const fleet::metrics::Label& l) { return l.name == name; });
}

}  // namespace

std::vector<EncodedWrite> EncodeWriteRequests(const std::vector<fleet::metrics::Family>& families,
                                              const fleet::metrics::Labels& external_labels,
                                              int64_t timestamp_ms, size_t max_samples,
                                              const relabel::CompiledRules& write_relabel) {
  std::vector<EncodedWrite> out;
  prometheus::WriteRequest request;
  auto flush = [&] {
    if (request.timeseries_size() == 0) return;
    out.push_back({request.SerializeAsString(), static_cast<size_t>(request.timeseries_size())});
    request.Clear();
  };
  fleet::metrics::Labels labels;  // one series' at a time
  for (const auto& family : families) {
    for (const auto& sample : family.samples) {
      labels.clear();
      labels.push_back({"__name__", family.name + sample.suffix});
      labels.insert(labels.end(), sample.labels.begin(), sample.labels.end());
      for (const auto& label : external_labels) {
        if (!HasLabel(sample.labels, label.name)) labels.push_back(label);
      }
      if (write_relabel.empty()) {
        std::stable_sort(labels.begin(), labels.end(),
                         [](const fleet::metrics::Label& a, const fleet::metrics::Label& b) { return a.name < b.name; });
      } else if (!write_relabel.Process(&labels)) {  // sorts what it keeps
        continue;
      }
      auto* series = request.add_timeseries();
      for (const auto& label : labels) AddLabel(series, label.name, label.value);
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
