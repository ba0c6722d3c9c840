#include "agent/sinks/remote_write_encoder.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <bit>
#include <deque>

#include "fleet/core/text.h"

namespace agent {
namespace {

using google::protobuf::io::CodedOutputStream;

// The series are written straight in the wire format of prompb's WriteRequest (remote.proto,
// types.proto), byte for byte what the generated code writes for the same message (a unit test
// compares), without building one: per sample, the generated classes cost an allocation per label
// and two per series plus a second pass to size them, and measured 5.5 ms for the 2,300 series of
// a host with 20 containers (bench/agent_pipeline_bench), more than the collection itself.
// Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited).
constexpr uint8_t kWriteRequestTimeseries = 1 << 3 | 2;
constexpr uint8_t kTimeSeriesLabels = 1 << 3 | 2;
constexpr uint8_t kTimeSeriesSamples = 2 << 3 | 2;
constexpr uint8_t kLabelName = 1 << 3 | 2;
constexpr uint8_t kLabelValue = 2 << 3 | 2;
constexpr uint8_t kSampleValue = 1 << 3 | 1;
constexpr uint8_t kSampleTimestamp = 2 << 3 | 0;

struct LabelView {
  std::string_view name;
  std::string_view value;
};

// Size of a length-delimited field holding `size` bytes, tag included; proto3 leaves out an empty
// string, and so do we.
size_t StringFieldSize(std::string_view s) {
  return s.empty() ? 0 : 1 + CodedOutputStream::VarintSize64(s.size()) + s.size();
}
size_t MessageFieldSize(size_t size) { return 1 + CodedOutputStream::VarintSize64(size) + size; }

class SeriesWriter {
 public:
  explicit SeriesWriter(std::string* out) : out_(*out) {}

  void Write(const std::vector<LabelView>& labels, double value, int64_t timestamp_ms) {
    const uint64_t value_bits = std::bit_cast<uint64_t>(value);
    const size_t sample_size = (value_bits != 0 ? 9 : 0) +
        (timestamp_ms != 0 ? 1 + CodedOutputStream::VarintSize64(static_cast<uint64_t>(timestamp_ms)) : 0);
    size_t series_size = MessageFieldSize(sample_size);
    for (const auto& label : labels) series_size += MessageFieldSize(LabelSize(label));
    const size_t start = out_.size();
    out_.resize(start + MessageFieldSize(series_size));
    uint8_t* p = reinterpret_cast<uint8_t*>(out_.data() + start);
    p = Tag(kWriteRequestTimeseries, series_size, p);
    for (const auto& label : labels) {
      p = Tag(kTimeSeriesLabels, LabelSize(label), p);
      p = String(kLabelName, label.name, p);
      p = String(kLabelValue, label.value, p);
    }
    p = Tag(kTimeSeriesSamples, sample_size, p);
    if (value_bits != 0) {
      *p++ = kSampleValue;
      p = CodedOutputStream::WriteLittleEndian64ToArray(value_bits, p);
    }
    if (timestamp_ms != 0) {
      *p++ = kSampleTimestamp;
      p = CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(timestamp_ms), p);
    }
  }

 private:
  static size_t LabelSize(const LabelView& label) {
    return StringFieldSize(label.name) + StringFieldSize(label.value);
  }
  static uint8_t* Tag(uint8_t tag, size_t size, uint8_t* p) {
    *p++ = tag;
    return CodedOutputStream::WriteVarint64ToArray(size, p);
  }
  static uint8_t* String(uint8_t tag, std::string_view s, uint8_t* p) {
    if (s.empty()) return p;
    p = Tag(tag, s.size(), p);
    return std::copy(s.begin(), s.end(), p);
  }

  std::string& out_;
};

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
  EncodedWrite current;
  SeriesWriter writer(&current.write_request);
  auto flush = [&] {
    if (current.samples == 0) return;
    out.push_back(std::move(current));
    current = EncodedWrite();
  };
  std::string name;                  // the series' __name__
  fleet::metrics::Labels relabeled;  // with writeRelabelConfigs: the labels they leave
  std::vector<LabelView> labels;     // what goes on the wire
  // Label values come from the host, and mount points and interface names are bytes. Receivers
  // reject a series whose labels are not UTF-8 (Prometheus the whole request) and protobuf will not
  // parse such a string field: invalid sequences become U+FFFD, as in Loki's JSON. A deque keeps
  // the repaired strings where the views point.
  std::deque<std::string> repaired;
  auto valid = [&](std::string_view s) -> std::string_view {
    if (fleet::IsUtf8(s)) return s;
    return repaired.emplace_back(fleet::ValidUtf8(s));
  };
  for (const auto& family : families) {
    for (const auto& sample : family.samples) {
      name.assign(family.name).append(sample.suffix);
      labels.clear();
      repaired.clear();
      if (write_relabel.empty()) {
        labels.push_back({"__name__", name});
        for (const auto& label : sample.labels) labels.push_back({label.name, label.value});
        for (const auto& label : external_labels) {
          if (!HasLabel(sample.labels, label.name)) labels.push_back({label.name, label.value});
        }
        fleet::metrics::SortByName(&labels);
      } else {
        relabeled.clear();
        relabeled.push_back({"__name__", name});
        relabeled.insert(relabeled.end(), sample.labels.begin(), sample.labels.end());
        for (const auto& label : external_labels) {
          if (!HasLabel(sample.labels, label.name)) relabeled.push_back(label);
        }
        if (!write_relabel.Process(&relabeled)) continue;  // sorts what it keeps
        for (const auto& label : relabeled) labels.push_back({label.name, label.value});
      }
      for (auto& label : labels) label = {valid(label.name), valid(label.value)};
      writer.Write(labels, sample.value, sample.timestamp_ms.value_or(timestamp_ms));
      if (++current.samples >= max_samples) flush();
    }
  }
  flush();
  return out;
}

}  // namespace agent
