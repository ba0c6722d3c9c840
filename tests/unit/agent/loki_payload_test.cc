// Loki payloads: buffer record round trip, the label-set string, and both push formats decoded
// back the way Loki's distributor reads them.
#include "agent/sinks/loki_payload.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <nlohmann/json.hpp>

#include "logproto/push.pb.h"

namespace agent {
namespace {

std::string Record(const std::string& id, const std::string& labels,
                   const std::vector<std::pair<int64_t, std::string>>& lines) {
  logproto::PushRequest request;
  auto* stream = request.add_streams();
  stream->set_labels(labels);
  for (const auto& [ns, line] : lines) {
    auto* e = stream->add_entries();
    e->mutable_timestamp()->set_seconds(ns / 1000000000);
    e->mutable_timestamp()->set_nanos(static_cast<int32_t>(ns % 1000000000));
    e->set_line(line);
  }
  return EncodeLogRecord({id, {lines.back().first, 1}, static_cast<uint32_t>(lines.size()),
                          request.SerializeAsString()});
}

TEST(LokiPayload, RecordRoundTrip) {
  const LogRecord in{"abc123", {1700000000123456789, 3}, 7, "push-bytes"};
  auto out = DecodeLogRecord(EncodeLogRecord(in));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->container_id, in.container_id);
  EXPECT_EQ(out->position, in.position);
  EXPECT_EQ(out->lines, 7u);
  EXPECT_EQ(out->push_request, "push-bytes");
  EXPECT_FALSE(DecodeLogRecord("\x05").ok());
}

TEST(LokiPayload, LabelSetStringIsSortedAndEscaped) {
  EXPECT_EQ(LabelSetString({{"stream", "stdout"}, {"container", "web"}, {"a", "x\"y\\z\nw"}}),
            R"({a="x\"y\\z\nw", container="web", stream="stdout"})");
  EXPECT_EQ(LabelSetString({}), "{}");
}

TEST(LokiPayload, ProtobufIsSnappyPushRequestWithAllRecords) {
  const std::vector<std::string> records = {
      Record("c1", R"({container="a"})", {{1000000001, "one"}, {1000000002, "two"}}),
      Record("c2", R"({container="b"})", {{5000000000, "three"}})};
  auto payload = EncodeLokiPayload(records, LokiFormat::kProtobuf, "tenant-1");
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->items, 3u);
  EXPECT_EQ(payload->headers.at("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(payload->headers.at("X-Scope-OrgID"), "tenant-1");
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(payload->body.data(), payload->body.size(), &raw));
  logproto::PushRequest request;
  ASSERT_TRUE(request.ParseFromString(raw));
  ASSERT_EQ(request.streams_size(), 2);
  EXPECT_EQ(request.streams(0).labels(), R"({container="a"})");
  EXPECT_EQ(request.streams(0).entries(1).line(), "two");
  EXPECT_EQ(request.streams(0).entries(1).timestamp().nanos(), 2);
  EXPECT_EQ(request.streams(1).entries(0).timestamp().seconds(), 5);
}

TEST(LokiPayload, JsonHasStreamObjectsAndNanosecondStrings) {
  auto payload = EncodeLokiPayload({Record("c1", R"({container="a", stream="stderr"})", {{1000000001, "one"}})},
                                   LokiFormat::kJson, "");
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->headers.at("Content-Type"), "application/json");
  EXPECT_EQ(payload->headers.count("X-Scope-OrgID"), 0u);
  EXPECT_EQ(nlohmann::json::parse(payload->body),
            nlohmann::json::parse(R"({"streams":[{"stream":{"container":"a","stream":"stderr"},
                                                  "values":[["1000000001","one"]]}]})"));
}

// Found by tests/fuzz/sink_encoders_fuzz.cc: a line (or label) that is not UTF-8, which
// containers write, made the JSON format fail the whole batch ("undecodable log records").
TEST(LokiPayload, LinesThatAreNotUtf8ReachBothFormats) {
  const std::vector<std::string> records = {Record("c1", "{container=\"caf\xe9\"}", {{1000000001, "bin\xff\xfe"}})};
  auto json = EncodeLokiPayload(records, LokiFormat::kJson, "");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(json->body),
            nlohmann::json::parse("{\"streams\":[{\"stream\":{\"container\":\"caf\\ufffd\"},"
                                  "\"values\":[[\"1000000001\",\"bin\\ufffd\\ufffd\"]]}]}"));
  auto protobuf = EncodeLokiPayload(records, LokiFormat::kProtobuf, "");
  ASSERT_TRUE(protobuf.ok());
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(protobuf->body.data(), protobuf->body.size(), &raw));
  logproto::PushRequest request;
  ASSERT_TRUE(request.ParseFromString(raw));
  EXPECT_EQ(request.streams(0).entries(0).line(), "bin\xff\xfe") << "Loki takes the bytes as they are";
}

}  // namespace
}  // namespace agent
