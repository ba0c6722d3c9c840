#include "fleet/core/time.h"

#include <fmt/format.h>

#include <algorithm>

namespace fleet {
namespace {

using std::chrono::system_clock;

// Exactly n decimal digits at pos (from_chars alone would take a sign); -1 when they are not.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

std::string Format(system_clock::time_point t, bool micro) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss clock{std::chrono::floor<std::chrono::microseconds>(t - day)};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                clock.hours().count(), clock.minutes().count(), clock.seconds().count());
  if (micro) out += fmt::format(".{:06}", clock.subseconds().count());
  return out + "Z";
}

}  // namespace

std::string FormatRfc3339(system_clock::time_point t) { return Format(t, false); }
std::string FormatRfc3339Micro(system_clock::time_point t) { return Format(t, true); }

Result<system_clock::time_point> ParseRfc3339(std::string_view s) {
  const auto invalid = [&] {
    return Status::Invalid(fmt::format("\"{}\" is not an RFC 3339 time (2006-01-02T15:04:05Z)",
                                       s.substr(0, 64)));
  };
  const int year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
  const int hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || s[4] != '-' ||
      s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return invalid();
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return invalid();
  int64_t nanos = 0;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    const size_t first = ++pos;
    int64_t scale = 100000000;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) {
      if (pos - first == 9) return invalid();
      nanos += (s[pos] - '0') * scale;
    }
    if (pos == first) return invalid();
  }
  int64_t offset_seconds = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || s[pos + 3] != ':' || oh > 23 || om > 59) return invalid();
    offset_seconds = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return invalid();
  }
  if (pos != s.size()) return invalid();
  const int64_t seconds = std::chrono::sys_days(date).time_since_epoch().count() * 86400 +
                          hour * 3600 + minute * 60 + second - offset_seconds;
  int64_t ns = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, nanos, &ns)) {
    return invalid();
  }
  return system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds(ns)));
}

std::string HumanAge(system_clock::duration age) {
  const int64_t seconds = std::chrono::duration_cast<std::chrono::seconds>(age).count();
  if (seconds < -1) return "<invalid>";
  if (seconds < 120) return fmt::format("{}s", std::max<int64_t>(seconds, 0));
  const int64_t minutes = seconds / 60;
  const auto with = [](int64_t big, char big_unit, int64_t small, char small_unit) {
    return small == 0 ? fmt::format("{}{}", big, big_unit)
                      : fmt::format("{}{}{}{}", big, big_unit, small, small_unit);
  };
  if (minutes < 10) return with(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return fmt::format("{}m", minutes);
  const int64_t hours = minutes / 60;
  if (hours < 8) return with(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return fmt::format("{}h", hours);
  const int64_t days = hours / 24;
  if (hours < 24 * 8) return with(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return fmt::format("{}d", days);
  if (hours < 24 * 365 * 8) return with(days / 365, 'y', days % 365, 'd');
  return fmt::format("{}y", days / 365);
}

}  // namespace fleet
