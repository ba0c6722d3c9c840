// The HTTP client's bounded gunzip: what a scrape target's gzip answer becomes, and a gzip bomb
// stopped at the limit instead of inflated whole.

#include <gtest/gtest.h>

#include "agent/http_client.h"
#include "tests/common/gzip.h"

namespace agent {
namespace {

TEST(InflateGzip, BoundedByTheLimitOnTheInflatedSize) {
  const std::string body = "http_requests_total{code=\"200\"} 1027\n";
  const std::string zeros(64 << 20, '0');
  const std::string bomb = testsupport::Gzip(zeros);
  ASSERT_LT(bomb.size(), 1u << 20) << "64 MiB that gzip makes small";
  const struct {
    const char* name;
    std::string gzip;
    uint64_t max_bytes;
    fleet::Code want_code;
    std::string want;  // when ok
  } cases[] = {
      {"a body", testsupport::Gzip(body), 1024, fleet::Code::kOk, body},
      {"exactly at the limit", testsupport::Gzip(body), body.size(), fleet::Code::kOk, body},
      {"one byte over", testsupport::Gzip(body), body.size() - 1, fleet::Code::kTooLarge, ""},
      {"two members, as gzip -c a b", testsupport::Gzip("a 1\n") + testsupport::Gzip("b 2\n"), 1024, fleet::Code::kOk, "a 1\nb 2\n"},
      {"empty body", testsupport::Gzip(""), 1024, fleet::Code::kOk, ""},
      {"a bomb", bomb, 1 << 20, fleet::Code::kTooLarge, ""},
      {"cut short", testsupport::Gzip(body).substr(0, 20), 1024, fleet::Code::kInvalid, ""},
      {"not gzip", body, 1024, fleet::Code::kInvalid, ""},
      {"garbage after a member", testsupport::Gzip(body) + "garbage", 1024, fleet::Code::kInvalid, ""},
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
