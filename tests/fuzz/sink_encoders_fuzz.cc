// Fuzz target: the agent's two wire encoders, each through its buffer record and batch payload
// and back with the protobuf messages from proto/ and snappy, as the receiver decodes them:
//   Loki: LogRecord -> EncodeLogRecord -> DecodeLogRecord; records -> EncodeLokiPayload
//         (snappy protobuf, and JSON) -> PushRequest / JSON streams equal to what went in.
//   remote write: Families -> EncodeWriteRequests -> RemoteWriteRecord -> EncodeRemoteWritePayload
//         -> snappy -> WriteRequest with one series per sample, labels as specified.
// Label names come from Prometheus' name alphabet (the collectors' and the config's); values,
// container ids and lines are arbitrary bytes, as hosts and containers produce them.
#include <fuzzer/FuzzedDataProvider.h>
#include <snappy.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/sinks/loki_payload.h"
#include "agent/sinks/remote_write_encoder.h"
#include "agent/sinks/remote_write_payload.h"
#include "logproto/push.pb.h"
#include "prompb/remote.pb.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/json_checks.h"

namespace {

using fleet::metrics::Labels;

std::string LabelName(FuzzedDataProvider& in) {
  static constexpr char kFirst[] = "abcxyz_ABZ";
  static constexpr char kRest[] = "abcxyz_ABZ0189";
  std::string name(1, kFirst[in.ConsumeIntegralInRange<size_t>(0, sizeof kFirst - 2)]);
  const size_t length = in.ConsumeIntegralInRange<size_t>(0, 6);
  for (size_t i = 0; i < length; ++i) name += kRest[in.ConsumeIntegralInRange<size_t>(0, sizeof kRest - 2)];
  return name;
}

// Distinct names (a label set has each name once), never __name__.
Labels LabelSet(FuzzedDataProvider& in, size_t max) {
  std::map<std::string, std::string> unique;
  const size_t count = in.ConsumeIntegralInRange<size_t>(0, max);
  for (size_t i = 0; i < count; ++i) unique[LabelName(in)] = in.ConsumeRandomLengthString(32);
  Labels labels;
  for (auto& [name, value] : unique) labels.push_back({name, value});
  // In the order given, not sorted: the encoders sort.
  if (in.ConsumeBool()) std::reverse(labels.begin(), labels.end());
  return labels;
}

std::string Uncompress(const std::string& body) {
  std::string raw;
  FUZZ_CHECK(snappy::Uncompress(body.data(), body.size(), &raw));
  return raw;
}

// --- Loki --------------------------------------------------------------------------------------

struct Entry {
  int64_t ns;
  std::string line;
};
struct Stream {
  std::string labels;  // LabelSetString of label_set
  Labels label_set;
  std::vector<Entry> entries;
};

void CheckLoki(FuzzedDataProvider& in) {
  std::vector<std::string> records;
  std::vector<Stream> streams;  // every record's, in order
  size_t lines = 0;
  const size_t record_count = in.ConsumeIntegralInRange<size_t>(1, 3);
  for (size_t r = 0; r < record_count; ++r) {
    logproto::PushRequest request;
    const size_t stream_count = in.ConsumeIntegralInRange<size_t>(1, 3);
    uint32_t record_lines = 0;
    for (size_t s = 0; s < stream_count; ++s) {
      Stream stream;
      stream.label_set = LabelSet(in, 3);
      stream.labels = agent::LabelSetString(stream.label_set);
      auto* proto_stream = request.add_streams();
      proto_stream->set_labels(stream.labels);
      const size_t entry_count = in.ConsumeIntegralInRange<size_t>(0, 3);
      for (size_t e = 0; e < entry_count; ++e) {
        Entry entry{in.ConsumeIntegralInRange<int64_t>(0, INT64_MAX), in.ConsumeRandomLengthString(64)};
        auto* proto_entry = proto_stream->add_entries();
        proto_entry->mutable_timestamp()->set_seconds(entry.ns / 1000000000);
        proto_entry->mutable_timestamp()->set_nanos(static_cast<int32_t>(entry.ns % 1000000000));
        proto_entry->set_line(entry.line);
        stream.entries.push_back(std::move(entry));
        ++record_lines;
      }
      streams.push_back(std::move(stream));
    }
    const agent::LogRecord record{in.ConsumeRandomLengthString(80),
                                  {in.ConsumeIntegral<int64_t>(), in.ConsumeIntegral<uint32_t>()},
                                  record_lines, request.SerializeAsString()};
    lines += record_lines;
    records.push_back(agent::EncodeLogRecord(record));
    auto decoded = agent::DecodeLogRecord(records.back());
    FUZZ_CHECK(decoded.ok());
    FUZZ_CHECK(decoded->container_id == record.container_id);
    FUZZ_CHECK(decoded->position == record.position);
    FUZZ_CHECK(decoded->lines == record.lines);
    FUZZ_CHECK(decoded->push_request == record.push_request);
  }

  auto protobuf = agent::EncodeLokiPayload(records, agent::LokiFormat::kProtobuf, "tenant");
  FUZZ_CHECK(protobuf.ok());
  FUZZ_CHECK(protobuf->items == lines);
  logproto::PushRequest pushed;
  FUZZ_CHECK(pushed.ParseFromString(Uncompress(protobuf->body)));
  FUZZ_CHECK(static_cast<size_t>(pushed.streams_size()) == streams.size());
  nlohmann::json expected_json = nlohmann::json::array();
  for (size_t s = 0; s < streams.size(); ++s) {
    const auto& got = pushed.streams(static_cast<int>(s));
    FUZZ_CHECK(got.labels() == streams[s].labels);
    FUZZ_CHECK(static_cast<size_t>(got.entries_size()) == streams[s].entries.size());
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& label : streams[s].label_set) labels[label.name] = label.value;
    nlohmann::json values = nlohmann::json::array();
    for (size_t e = 0; e < streams[s].entries.size(); ++e) {
      const auto& entry = got.entries(static_cast<int>(e));
      const int64_t ns = entry.timestamp().seconds() * 1000000000 + entry.timestamp().nanos();
      FUZZ_CHECK(ns == streams[s].entries[e].ns);
      FUZZ_CHECK(entry.line() == streams[s].entries[e].line);
      values.push_back({std::to_string(ns), streams[s].entries[e].line});
    }
    expected_json.push_back({{"stream", labels}, {"values", values}});
  }

  auto json = agent::EncodeLokiPayload(records, agent::LokiFormat::kJson, "");
  FUZZ_CHECK(json.ok());
  FUZZ_CHECK(json->items == lines);
  // Invalid UTF-8 reaches Loki replaced (U+FFFD), as the encoder promises.
  const auto replaced = nlohmann::json{{"streams", expected_json}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  FUZZ_CHECK(nlohmann::json::parse(json->body) == nlohmann::json::parse(replaced));
}

// --- remote write ------------------------------------------------------------------------------

void CheckRemoteWrite(FuzzedDataProvider& in) {
  static constexpr const char* kSuffixes[] = {"", "_bucket", "_sum", "_count", "_total"};
  std::vector<fleet::metrics::Family> families(in.ConsumeIntegralInRange<size_t>(1, 3));
  for (auto& family : families) {
    family.name = LabelName(in);
    family.samples.resize(in.ConsumeIntegralInRange<size_t>(0, 4));
    for (auto& sample : family.samples) {
      sample.suffix = kSuffixes[in.ConsumeIntegralInRange<size_t>(0, std::size(kSuffixes) - 1)];
      sample.labels = LabelSet(in, 3);
      const uint64_t bits = in.ConsumeIntegral<uint64_t>();  // any double, NaNs included
      std::memcpy(&sample.value, &bits, sizeof bits);
    }
  }
  const Labels external = LabelSet(in, 2);
  const int64_t timestamp_ms = in.ConsumeIntegral<int64_t>();
  const size_t max_samples = in.ConsumeIntegralInRange<size_t>(1, 5);

  std::vector<std::string> records;
  for (const auto& write : agent::EncodeWriteRequests(families, external, timestamp_ms, max_samples)) {
    FUZZ_CHECK(write.samples >= 1 && write.samples <= max_samples);
    records.push_back(agent::RemoteWriteRecord(write));
    FUZZ_CHECK(agent::RemoteWriteRecordSamples(records.back()) == write.samples);
  }
  auto payload = agent::EncodeRemoteWritePayload(records);
  FUZZ_CHECK(payload.ok());
  prometheus::WriteRequest request;
  FUZZ_CHECK(request.ParseFromString(Uncompress(payload->body)));

  int series = 0;
  for (const auto& family : families) {
    for (const auto& sample : family.samples) {
      FUZZ_CHECK(series < request.timeseries_size());
      const auto& got = request.timeseries(series++);
      Labels want = sample.labels;
      want.push_back({"__name__", family.name + sample.suffix});
      for (const auto& label : external) {
        const bool own = std::any_of(sample.labels.begin(), sample.labels.end(),
                                     [&](const auto& l) { return l.name == label.name; });
        if (!own) want.push_back(label);
      }
      std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      FUZZ_CHECK(static_cast<size_t>(got.labels_size()) == want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        FUZZ_CHECK(got.labels(static_cast<int>(i)).name() == want[i].name);
        // Values that are not UTF-8 arrive repaired (the parse above checked they are UTF-8 now).
        if (fuzz::IsUtf8(want[i].value)) FUZZ_CHECK(got.labels(static_cast<int>(i)).value() == want[i].value);
      }
      FUZZ_CHECK(got.samples_size() == 1);
      FUZZ_CHECK(got.samples(0).timestamp() == timestamp_ms);
      const double value = got.samples(0).value();
      FUZZ_CHECK(std::memcmp(&sample.value, &value, sizeof value) == 0);
    }
  }
  FUZZ_CHECK(series == request.timeseries_size());
  FUZZ_CHECK(payload->items == static_cast<size_t>(series));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    CheckLoki(in);
  } else {
    CheckRemoteWrite(in);
  }
  return 0;
}
