#include "controller/controller_options.h"

#include <gtest/gtest.h>

#include <vector>

namespace controller {
namespace {

ParsedFlags Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "fleet-controller");
  return ParseControllerFlags(static_cast<int>(args.size()), args.data());
}

TEST(ControllerFlagsTest, DefaultsAndDerivedValues) {
  auto plain = Parse({});
  ASSERT_TRUE(plain.options) << plain.output;
  EXPECT_EQ(plain.options->advertise_url, "http://127.0.0.1:7070") << "default: the listen address";
  EXPECT_EQ(plain.options->report_timeout, std::chrono::seconds(45));
  EXPECT_FALSE(plain.options->delivers());
  auto tls = Parse({"--listen", "0.0.0.0:443", "--tls-cert-file", "c.pem", "--tls-private-key-file", "k.pem",
                    "--agent-bundle", "b", "--ssh-idle-timeout", "0", "--report-timeout", "90", "--resync", "5"});
  ASSERT_TRUE(tls.options) << tls.output;
  EXPECT_EQ(tls.options->advertise_url, "https://0.0.0.0:443");
  EXPECT_TRUE(tls.options->delivers());
  EXPECT_EQ(tls.options->ssh_pool.idle_timeout, std::chrono::seconds(0));
  EXPECT_EQ(tls.options->ssh_pool.max_idle, 0u) << "idle timeout 0: no session is kept";
  EXPECT_EQ(tls.options->report_timeout, std::chrono::seconds(90));
  EXPECT_EQ(tls.options->resync, std::chrono::seconds(5));
}

TEST(ControllerFlagsTest, RejectedCombinationsExitWithWhy) {
  const struct {
    std::vector<const char*> args;
    const char* why;
  } rows[] = {
      {{"--report-timeout", "20"}, "less than twice --agent-report-interval"},
      {{"--report-timeout", "20", "--agent-report-interval", "10"}, nullptr},
      {{"--tls-cert-file", "c.pem", "--tls-private-key-file", "k.pem", "--advertise-url", "http://x:1"},
       "plain http while the controller serves https"},
      {{"--tls-cert-file", "c.pem"}, "--tls-private-key-file"},
      {{"--tls-ca-file", "ca.pem"}, "--tls-cert-file"},
      {{"--workers", "0"}, "--workers"},
      {{"--log-level", "trace"}, "--log-level"},
      {{"--no-such-flag"}, "--no-such-flag"},
  };
  for (const auto& row : rows) {
    auto parsed = Parse(row.args);
    if (!row.why) {
      EXPECT_TRUE(parsed.options) << row.args[0] << ": " << parsed.output;
      continue;
    }
    EXPECT_FALSE(parsed.options) << row.why;
    EXPECT_NE(parsed.exit_code, 0) << row.why;
    EXPECT_NE(parsed.output.find(row.why), std::string::npos) << parsed.output;
  }
}

TEST(ControllerFlagsTest, HelpAndVersionExitZeroWithTheirText) {
  auto help = Parse({"--help"});
  EXPECT_FALSE(help.options);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--agent-bundle"), std::string::npos);
  auto version = Parse({"--version"});
  EXPECT_FALSE(version.options);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find(std::string("fleet-controller ") + VPSFLEET_VERSION), std::string::npos);
}

}  // namespace
}  // namespace controller
