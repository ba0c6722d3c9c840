// fleet/core/metric_names: SanitizeLabelName as Prometheus's strutil.SanitizeLabelName, a Go
// regexp replace of [^a-zA-Z0-9_] by "_", which works per character (a multi-byte UTF-8 character
// is one "_"; each byte of an invalid sequence is one, as Go decodes it to U+FFFD of width 1).
#include "fleet/core/metric_names.h"

#include <gtest/gtest.h>

namespace fleet::metrics {
namespace {

struct SanitizeCase {
  const char* name;
  std::string input;
  std::string output;
};
void PrintTo(const SanitizeCase& c, std::ostream* os) { *os << c.name; }

class Sanitize : public testing::TestWithParam<SanitizeCase> {};

TEST_P(Sanitize, AsPrometheusStrutil) { EXPECT_EQ(SanitizeLabelName(GetParam().input), GetParam().output); }

INSTANTIATE_TEST_SUITE_P(
    SanitizeLabelName, Sanitize,
    testing::Values(
        SanitizeCase{"valid_unchanged", "abc_XYZ_09", "abc_XYZ_09"},
        SanitizeCase{"leading_digit_kept", "0abc", "0abc"},
        SanitizeCase{"dots_dashes_slashes", "com.docker.compose-project/x", "com_docker_compose_project_x"},
        SanitizeCase{"empty", "", ""},
        SanitizeCase{"colon_is_not_a_label_char", "a:b", "a_b"},
        SanitizeCase{"two_byte_char_is_one", "caf\xC3\xA9", "caf_"},
        SanitizeCase{"four_byte_char_is_one", "x\xF0\x9F\x98\x80y", "x_y"},
        SanitizeCase{"invalid_bytes_each_one", "a\xFF\xFE" "b", "a__b"},
        SanitizeCase{"truncated_sequence_per_byte", "a\xE2\x82", "a__"},
        SanitizeCase{"surrogate_is_invalid", "\xED\xA0\x80", "___"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace fleet::metrics
