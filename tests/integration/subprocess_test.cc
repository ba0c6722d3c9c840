#include "fleet/core/subprocess.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

using namespace std::chrono_literals;

// Arguments reach the program as they are: nothing a shell would act on is acted on.
TEST(SubprocessTest, ArgumentsAreNeverInterpretedByAShell) {
  testing::ScratchDir dir;
  const std::string marker = dir.path() + "/pwned";
  const std::vector<std::string> hostile = {
      "'; touch " + marker + "; '", "$(touch " + marker + ")", "`touch " + marker + "`",
      "a\nb", "; touch " + marker, "*", "$HOME"};
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  auto r = RunSubprocess(argv, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  std::string want;
  for (const std::string& h : hostile) want += h + '\0';
  EXPECT_EQ(r->out, want);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(SubprocessTest, OutcomesTable) {
  const struct {
    const char* name;
    std::vector<std::string> argv;
    SubprocessLimits limits;
    Code want_code;
    int want_exit;
    std::string want_out, want_err;
  } cases[] = {
      {"exit code and both streams", {"sh", "-c", "echo out; echo err >&2; exit 3"}, {}, Code::kOk, 3, "out\n", "err\n"},
      {"stdin is empty", {"cat"}, {}, Code::kOk, 0, "", ""},
      {"not found", {"/nonexistent/program"}, {}, Code::kUnavailable, -1, "", ""},
      {"empty argv", {}, {}, Code::kInvalid, -1, "", ""},
      {"timeout", {"sleep", "30"}, {200ms}, Code::kDeadlineExceeded, -1, "", ""},
      {"timeout with its output closed", {"sh", "-c", "exec >&- 2>&-; sleep 30"}, {200ms},
       Code::kDeadlineExceeded, -1, "", ""},
      {"endless stdout", {"yes"}, {10s, 64 * 1024}, Code::kInternal, -1, "", ""},
      {"endless stderr", {"sh", "-c", "yes >&2"}, {10s, 1024, 64 * 1024}, Code::kInternal, -1, "", ""},
      {"output at the cap", {"printf", "12345"}, {10s, 5}, Code::kOk, 0, "12345", ""},
  };
  for (const auto& c : cases) {
    const auto started = std::chrono::steady_clock::now();
    auto r = RunSubprocess(c.argv, c.limits);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << c.name;
    EXPECT_EQ(r.status().code(), c.want_code) << c.name << ": " << r.status().ToString();
    if (!r.ok()) continue;
    EXPECT_EQ(r->exit_code, c.want_exit) << c.name;
    EXPECT_EQ(r->out, c.want_out) << c.name;
    EXPECT_EQ(r->err, c.want_err) << c.name;
  }
}

}  // namespace
}  // namespace fleet
