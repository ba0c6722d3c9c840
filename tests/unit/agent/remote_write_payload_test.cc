// Remote write requests as the 1.0 spec wants them: snappy block body decoding to one
// WriteRequest holding every buffered record's series, and the spec's headers.
#include "agent/sinks/remote_write_payload.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include "prompb/remote.pb.h"

namespace agent {
namespace {

TEST(RemoteWritePayload, RecordsJoinIntoOneSnappyWriteRequestWithSpecHeaders) {
  fleet::metrics::Family up{"up", "", fleet::metrics::Type::kGauge, {{"", {}, 1}, {"", {{"x", "y"}}, 0}}};
  std::vector<std::string> records;
  for (int64_t ts : {1000, 2000}) {
    for (const auto& w : EncodeWriteRequests({up}, {{"job", "node"}}, ts, 100)) {
      records.push_back(RemoteWriteRecord(w));
      EXPECT_EQ(RemoteWriteRecordSamples(records.back()), 2u);
    }
  }
  auto payload = EncodeRemoteWritePayload(records);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->items, 4u);
  EXPECT_EQ(payload->headers.at("Content-Encoding"), "snappy");
  EXPECT_EQ(payload->headers.at("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(payload->headers.at("X-Prometheus-Remote-Write-Version"), "0.1.0");
  EXPECT_EQ(payload->headers.at("User-Agent").rfind("fleet-agent/", 0), 0u);
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(payload->body.data(), payload->body.size(), &raw));
  prometheus::WriteRequest request;
  ASSERT_TRUE(request.ParseFromString(raw));
  ASSERT_EQ(request.timeseries_size(), 4);
  // Older collections first: per series, samples reach the receiver in timestamp order.
  EXPECT_EQ(request.timeseries(0).samples(0).timestamp(), 1000);
  EXPECT_EQ(request.timeseries(3).samples(0).timestamp(), 2000);
}

// The body is the records' bodies joined and compressed in one piece, byte for byte, however
// the records cut snappy's 64 KiB blocks: bodies smaller and larger than a block, empty ones.
TEST(RemoteWritePayload, BodyIsTheJoinedRecordBodiesCompressed) {
  const std::vector<std::vector<size_t>> cases = {
      {}, {0}, {0, 0}, {10}, {70000}, {65536}, {65535, 1}, {100, 0, 200000, 3, 0}, {30000, 30000, 30000, 30000}};
  for (const auto& sizes : cases) {
    std::vector<std::string> records;
    std::string joined;
    for (size_t size : sizes) {
      std::string body;
      // Compressible and not: a counter's digits, as in a WriteRequest's label values.
      for (size_t i = 0; body.size() < size; ++i) body += std::to_string(i * 2654435761u % 1000003) + ",";
      body.resize(size);
      joined += body;
      records.push_back(RemoteWriteRecord({body, 1}));
    }
    auto payload = EncodeRemoteWritePayload(records);
    ASSERT_TRUE(payload.ok());
    std::string expected;
    snappy::Compress(joined.data(), joined.size(), &expected);
    EXPECT_EQ(payload->body, expected) << "record body sizes: " << ::testing::PrintToString(sizes);
    EXPECT_EQ(payload->items, sizes.size());
  }
}

TEST(RemoteWritePayload, ShortRecordIsAnError) {
  EXPECT_FALSE(EncodeRemoteWritePayload({"ab"}).ok());
}

}  // namespace
}  // namespace agent
