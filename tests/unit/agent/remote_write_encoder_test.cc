// EncodeWriteRequests: the remote write 1.0 series shape (sorted labels, __name__, external
// labels, one sample at the collection time) and splitting by max_samples.
#include "agent/sinks/remote_write_encoder.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <bit>
#include <cmath>
#include <limits>

#include "agent/scrape/target_scrape.h"
#include "agent/sinks/remote_write_payload.h"

#include "prompb/remote.pb.h"

// Relabel rules below name only the fields that differ from the defaults; GCC 12 warns about the
// members a designated initializer leaves to their default initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;

std::vector<std::pair<std::string, std::string>> LabelsOf(const prometheus::TimeSeries& ts) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& l : ts.labels()) out.emplace_back(l.name(), l.value());
  return out;
}

prometheus::WriteRequest Decode(const EncodedWrite& w) {
  prometheus::WriteRequest request;
  EXPECT_TRUE(request.ParseFromString(w.write_request));
  return request;
}

TEST(RemoteWriteEncoder, SeriesCarrySortedLabelsNameAndExternalLabels) {
  std::vector<Family> families = {
      {"node_load1", "", fleet::metrics::Type::kGauge, {{"", {}, 0.5}}},
      {"http_seconds", "", fleet::metrics::Type::kHistogram,
       {{"_bucket", {{"le", "+Inf"}, {"code", "200"}, {"instance", "own"}}, 3}}},
  };
  Labels external = {{"job", "node"}, {"instance", "host-1"}};
  auto out = EncodeWriteRequests(families, external, 1700000000123, 100);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].samples, 2u);
  auto request = Decode(out[0]);
  ASSERT_EQ(request.timeseries_size(), 2);
  using L = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(LabelsOf(request.timeseries(0)),
            (L{{"__name__", "node_load1"}, {"instance", "host-1"}, {"job", "node"}}));
  // The series' own instance label wins over the external one, as in Prometheus.
  EXPECT_EQ(LabelsOf(request.timeseries(1)),
            (L{{"__name__", "http_seconds_bucket"}, {"code", "200"}, {"instance", "own"},
               {"job", "node"}, {"le", "+Inf"}}));
  ASSERT_EQ(request.timeseries(1).samples_size(), 1);
  EXPECT_EQ(request.timeseries(1).samples(0).value(), 3);
  EXPECT_EQ(request.timeseries(1).samples(0).timestamp(), 1700000000123);
}

TEST(RemoteWriteEncoder, SplitsBySamplesAndConcatenationStaysAWriteRequest) {
  Family family{"up", "", fleet::metrics::Type::kGauge, {}};
  for (int i = 0; i < 25; ++i) family.samples.push_back({"", {{"i", std::to_string(i)}}, 1});
  auto out = EncodeWriteRequests({family}, {}, 1, 10);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].samples, 5u);
  // The sink sends several records as one request by concatenating them: repeated fields merge.
  prometheus::WriteRequest merged;
  ASSERT_TRUE(merged.ParseFromString(out[0].write_request + out[1].write_request + out[2].write_request));
  EXPECT_EQ(merged.timeseries_size(), 25);
  EXPECT_EQ(merged.timeseries(24).labels(1).value(), "24");
}

// writeRelabelConfigs see each series as it would be sent (__name__ and the external labels
// included): a rule renames a series, another drops one, and a dropped series is not counted.
TEST(RemoteWriteEncoder, WriteRelabelConfigsRenameAndDropSeries) {
  auto rules = relabel::CompiledRules::Compile({
      {.source_labels = {"__name__", "instance"}, .regex = "node_load1;host-1", .target_label = "__name__",
       .replacement = "load1"},
      {.action = relabel::Action::kDrop, .source_labels = {"__name__"}, .regex = "node_load5"},
  });
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<Family> families = {
      {"node_load1", "", fleet::metrics::Type::kGauge, {{"", {}, 0.5}}},
      {"node_load5", "", fleet::metrics::Type::kGauge, {{"", {}, 0.25}}},
      {"node_load15", "", fleet::metrics::Type::kGauge, {{"", {{"zone", "a"}}, 0.125}}},
  };
  auto out = EncodeWriteRequests(families, {{"instance", "host-1"}}, 1, 100, *rules);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].samples, 2u);
  auto request = Decode(out[0]);
  ASSERT_EQ(request.timeseries_size(), 2);
  using L = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(LabelsOf(request.timeseries(0)), (L{{"__name__", "load1"}, {"instance", "host-1"}}));
  EXPECT_EQ(request.timeseries(0).samples(0).value(), 0.5);
  EXPECT_EQ(LabelsOf(request.timeseries(1)),
            (L{{"__name__", "node_load15"}, {"instance", "host-1"}, {"zone", "a"}}));
  // Every series dropped: nothing to send.
  auto none = relabel::CompiledRules::Compile({{.action = relabel::Action::kDrop}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(EncodeWriteRequests(families, {}, 1, 100, *none).empty());
}

// The encoder writes the wire format itself: what it writes must be byte for byte what protobuf's
// generated classes serialize for the same series, over the edges of the format: values whose
// bits are zero or not (0, -0, NaN), timestamps 0, negative and large, empty label values, a
// string long enough for a two-byte length, and a series with more labels than the insertion sort
// takes.
TEST(RemoteWriteEncoder, BytesAreWhatTheGeneratedClassesSerialize) {
  Family family{"m", "", fleet::metrics::Type::kGauge, {}};
  const std::string long_value(300, 'v');
  family.samples.push_back({"", {{"a", "1"}}, 0.0});
  family.samples.push_back({"", {{"a", "2"}}, -0.0});
  family.samples.push_back({"", {{"a", "3"}}, std::numeric_limits<double>::quiet_NaN(), 0});
  family.samples.push_back({"", {{"a", "4"}, {"empty", ""}}, 1.5, -1});
  family.samples.push_back({"_total", {{"a", long_value}}, -2e300, 1LL << 62});
  Labels many = {{"a", "6"}};  // every series has its own `a`: the external one is left out
  for (int i = 20; i > 0; --i) many.push_back({"l" + std::to_string(i), std::to_string(i)});
  family.samples.push_back({"", many, 42});
  const Labels external = {{"job", "node"}, {"a", "external"}};
  auto out = EncodeWriteRequests({family}, external, 1700000000123, 100);
  ASSERT_EQ(out.size(), 1u);

  prometheus::WriteRequest want;
  for (const auto& sample : family.samples) {
    std::vector<std::pair<std::string, std::string>> labels = {{"__name__", family.name + sample.suffix},
                                                               {"job", "node"}};
    for (const auto& l : sample.labels) labels.emplace_back(l.name, l.value);
    std::stable_sort(labels.begin(), labels.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    auto* series = want.add_timeseries();
    for (const auto& [name, value] : labels) {
      auto* label = series->add_labels();
      label->set_name(name);
      label->set_value(value);
    }
    auto* point = series->add_samples();
    point->set_value(sample.value);
    point->set_timestamp(sample.timestamp_ms.value_or(1700000000123));
  }
  EXPECT_EQ(out[0].write_request, want.SerializeAsString());
  EXPECT_EQ(out[0].samples, family.samples.size());
  // And it reads back: the negative timestamp, -0's sign and the sorted long label set.
  auto request = Decode(out[0]);
  ASSERT_EQ(request.timeseries_size(), 6);
  EXPECT_EQ(request.timeseries(3).samples(0).timestamp(), -1);
  EXPECT_TRUE(std::signbit(request.timeseries(1).samples(0).value()));
  EXPECT_EQ(request.timeseries(5).labels(2).name(), "job");
  EXPECT_EQ(request.timeseries(5).labels(3).name(), "l1");
  EXPECT_EQ(request.timeseries(5).labels(4).name(), "l10");
}

TEST(RemoteWriteEncoder, EmptyCollectionEncodesNothing) {
  EXPECT_TRUE(EncodeWriteRequests({}, {{"job", "x"}}, 1, 10).empty());
}

// Found by tests/fuzz/sink_encoders_fuzz.cc: a label value that is not UTF-8 (mount points and
// interface names are bytes) made a WriteRequest protobuf refuses to parse and Prometheus rejects.
TEST(RemoteWriteEncoder, LabelsThatAreNotUtf8AreReplacedNotSent) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"/mnt/caf\xe9", "/mnt/caf\uFFFD"},
      {"\xed\xa0\x80x", "\uFFFD\uFFFD\uFFFDx"},  // a UTF-16 surrogate, encoded
      {"cut\xc3", "cut\uFFFD"},
      {"caf\u00e9 \U0001F600", "caf\u00e9 \U0001F600"},  // valid: unchanged
  };
  for (const auto& [value, want] : rows) {
    std::vector<Family> families = {{"up", "", fleet::metrics::Type::kGauge, {{"", {{"path", value}}, 1}}}};
    auto out = EncodeWriteRequests(families, {{"instance", value}}, 1, 100);
    ASSERT_EQ(out.size(), 1u);
    prometheus::WriteRequest request;
    ASSERT_TRUE(request.ParseFromString(out[0].write_request)) << value;
    using L = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(LabelsOf(request.timeseries(0)), (L{{"__name__", "up"}, {"instance", want}, {"path", want}}));
  }
}

// A scrape's stale marker is a NaN with particular bits (Prometheus' StaleNaN); receivers tell it
// from an ordinary NaN by those bits alone, so every step to the wire must keep them: the encoder,
// the buffer record, the batch payload and snappy. A sample's own timestamp (honor_timestamps)
// goes out instead of the collection time.
TEST(RemoteWriteEncoder, NaNBitsAndSampleTimestampsReachTheWire) {
  const std::vector<uint64_t> bits = {scrape::kStaleNaNBits, 0x7ff8000000000001, 0x7ff8000000000000,
                                      0xfff8000000000000, 0x7ff0000000000000 /* +Inf */};
  Family family{"m", "", fleet::metrics::Type::kGauge, {}};
  for (size_t i = 0; i < bits.size(); ++i) {
    family.samples.push_back({"", {{"i", std::to_string(i)}}, std::bit_cast<double>(bits[i])});
  }
  family.samples[1].timestamp_ms = 1234;
  auto writes = EncodeWriteRequests({family}, {}, 1700000000000, 2);
  std::vector<std::string> records;
  for (const auto& write : writes) records.push_back(RemoteWriteRecord(write));
  auto payload = EncodeRemoteWritePayload(records);
  ASSERT_TRUE(payload.ok());
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(payload->body.data(), payload->body.size(), &raw));
  prometheus::WriteRequest request;
  ASSERT_TRUE(request.ParseFromString(raw));
  ASSERT_EQ(request.timeseries_size(), static_cast<int>(bits.size()));
  for (size_t i = 0; i < bits.size(); ++i) {
    const auto& sample = request.timeseries(static_cast<int>(i)).samples(0);
    EXPECT_EQ(std::bit_cast<uint64_t>(sample.value()), bits[i]) << i;
    EXPECT_EQ(sample.timestamp(), i == 1 ? 1234 : 1700000000000) << i;
  }
  EXPECT_TRUE(scrape::IsStaleNaN(request.timeseries(0).samples(0).value()));
  EXPECT_FALSE(scrape::IsStaleNaN(request.timeseries(1).samples(0).value()));
}

}  // namespace
}  // namespace agent
