// The HTTP client's bounded gunzip: what a scrape target's gzip answer becomes, and a gzip bomb
// stopped at the limit instead of inflated whole.
#include <zlib.h>

#include <gtest/gtest.h>

#include "agent/http_client.h"

namespace agent {
namespace {

std::string Gzip(const std::string& text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(InflateGzip, BoundedByTheLimitOnTheInflatedSize) {
  const std::string body = "http_requests_total{code=\"200\"} 1027\n";
  const std::string zeros(64 << 20, '0');
  const std::string bomb = Gzip(zeros);
  ASSERT_LT(bomb.size(), 1u << 20) << "64 MiB that gzip makes small";
  const struct {
    const char* name;
    std::string gzip;
    uint64_t max_bytes;
    fleet::Code want_code;
    std::string want;  // when ok
  } cases[] = {
      {"a body", Gzip(body), 1024, fleet::Code::kOk, body},
      {"exactly at the limit", Gzip(body), body.size(), fleet::Code::kOk, body},
      {"one byte over", Gzip(body), body.size() - 1, fleet::Code::kTooLarge, ""},
      {"two members, as gzip -c a b", Gzip("a 1\n") + Gzip("b 2\n"), 1024, fleet::Code::kOk, "a 1\nb 2\n"},
      {"empty body", Gzip(""), 1024, fleet::Code::kOk, ""},
      {"a bomb", bomb, 1 << 20, fleet::Code::kTooLarge, ""},
      {"cut short", Gzip(body).substr(0, 20), 1024, fleet::Code::kInvalid, ""},
      {"not gzip", body, 1024, fleet::Code::kInvalid, ""},
      {"garbage after a member", Gzip(body) + "garbage", 1024, fleet::Code::kInvalid, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = InflateGzip(c.gzip, c.max_bytes);
    EXPECT_EQ(got.status().code(), c.want_code) << got.status().ToString();
    if (got.ok()) {
      EXPECT_EQ(*got, c.want);
    }
  }
}

}  // namespace
}  // namespace agent
