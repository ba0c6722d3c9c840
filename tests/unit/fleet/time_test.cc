// fleet/core/time: RFC 3339 as Kubernetes writes it, the strict parser, kubectl's ages.
#include "fleet/core/time.h"

#include <gtest/gtest.h>

#include <optional>

namespace fleet {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

// 2024-05-01T10:00:00Z
constexpr int64_t kT0 = 1714557600;

system_clock::time_point At(int64_t unix_seconds, nanoseconds extra = nanoseconds(0)) {
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(seconds(unix_seconds) + extra));
}

TEST(TimeTest, FormatTable) {
  const struct {
    system_clock::time_point t;
    const char* seconds;
    const char* micro;
  } cases[] = {
      {At(0), "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000Z"},
      {At(kT0), "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000000Z"},
      // Truncated, never rounded up into the next second.
      {At(kT0, nanoseconds(999999999)), "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.999999Z"},
      {At(kT0, microseconds(250000)), "2024-05-01T10:00:00Z", "2024-05-01T10:00:00.250000Z"},
      {At(-1), "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000000Z"},
      {At(951782400), "2000-02-29T00:00:00Z", "2000-02-29T00:00:00.000000Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatRfc3339(c.t), c.seconds);
    EXPECT_EQ(FormatRfc3339Micro(c.t), c.micro);
    EXPECT_EQ(*ParseRfc3339(FormatRfc3339Micro(c.t)), std::chrono::floor<microseconds>(c.t)) << c.micro;
  }
}

TEST(TimeTest, ParseTable) {
  const struct {
    const char* text;
    std::optional<system_clock::time_point> want;  // nullopt: kInvalid
  } cases[] = {
      {"2024-05-01T10:00:00Z", At(kT0)},
      {"2024-05-01T10:00:00.5Z", At(kT0, nanoseconds(500000000))},
      {"2024-05-01T10:00:00.999999999Z", At(kT0, nanoseconds(999999999))},
      {"2024-05-01T12:00:00.1+02:00", At(kT0, nanoseconds(100000000))},
      {"2024-05-01T08:30:00-01:30", At(kT0)},
      {"2024-05-01T10:00:00+00:00", At(kT0)},
      {"1970-01-01T00:00:00Z", At(0)},
      {"2000-02-29T00:00:00Z", At(951782400)},
      {"2262-04-11T23:47:16.854775807Z", At(0, nanoseconds(INT64_MAX))},
      // Invalid: never a silent 1970.
      {"", std::nullopt},
      {"hello", std::nullopt},
      {"2024-05-01", std::nullopt},
      {"2024-05-01 10:00:00Z", std::nullopt},
      {"2024-05-01t10:00:00Z", std::nullopt},
      {"2024-05-01T10:00:00", std::nullopt},
      {"2024-05-01T10:00:00Zjunk", std::nullopt},
      {"2024-05-01T10:00:00.Z", std::nullopt},
      {"2024-05-01T10:00:00.1234567890Z", std::nullopt},
      {"2024-05-01T10:00:00+0200", std::nullopt},
      {"2024-05-01T10:00:00+02", std::nullopt},
      {"2024-05-01T10:00:00+24:00", std::nullopt},
      {"2024-05-01T10:00:00+-1:00", std::nullopt},
      {"2024-13-01T10:00:00Z", std::nullopt},
      {"2024-00-01T10:00:00Z", std::nullopt},
      {"2023-02-29T10:00:00Z", std::nullopt},
      {"2024-04-31T10:00:00Z", std::nullopt},
      {"2024-05-01T24:00:00Z", std::nullopt},
      {"2024-05-01T10:60:00Z", std::nullopt},
      {"2024-05-01T10:00:60Z", std::nullopt},
      {"2024--1-01T00:00:00Z", std::nullopt},
      {"-999-01-01T00:00:00Z", std::nullopt},
      {"2262-04-11T23:47:16.854775808Z", std::nullopt},
      {"9999-12-31T23:59:59.999999999Z", std::nullopt},
  };
  for (const auto& c : cases) {
    const auto got = ParseRfc3339(c.text);
    if (!c.want) {
      EXPECT_EQ(got.status().code(), Code::kInvalid) << c.text;
      continue;
    }
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status().message();
    EXPECT_EQ(*got, *c.want) << c.text;
  }
}

TEST(TimeTest, HumanAgeTableIsKubectls) {
  const struct {
    system_clock::duration age;
    const char* want;
  } cases[] = {
      {-seconds(5), "<invalid>"},
      {-seconds(1), "0s"},
      {seconds(0), "0s"},
      {seconds(45), "45s"},
      {seconds(119), "119s"},
      {seconds(120), "2m"},
      {seconds(330), "5m30s"},
      {minutes(10) + seconds(5), "10m"},
      {minutes(179), "179m"},
      {hours(3), "3h"},
      {hours(3) + minutes(10), "3h10m"},
      {hours(20), "20h"},
      {hours(47), "47h"},
      {hours(48), "2d"},
      {hours(76), "3d4h"},
      {hours(24 * 8), "8d"},
      {hours(24 * 729), "729d"},
      {hours(24 * 740), "2y10d"},
      {hours(24 * 365 * 9), "9y"},
  };
  for (const auto& c : cases) EXPECT_EQ(HumanAge(c.age), c.want) << c.age.count();
}

}  // namespace
}  // namespace fleet
