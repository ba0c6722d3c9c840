// The pure parts of the SSH transport: how argv becomes a remote command line, and which host
// keys are trusted under which policy.
#include <gtest/gtest.h>

#include "controller/ssh_transport.h"

namespace controller {
namespace {

TEST(ShellCommand, QuotesEveryArgumentTable) {
  const struct {
    std::vector<std::string> argv;
    std::string want;
  } cases[] = {
      {{"ls"}, "'ls'"},
      {{"echo", ""}, "'echo' ''"},
      {{"rm", "-f", "/tmp/x; touch /tmp/pwned"}, "'rm' '-f' '/tmp/x; touch /tmp/pwned'"},
      {{"echo", "$(touch /tmp/pwned)", "`id`"}, "'echo' '$(touch /tmp/pwned)' '`id`'"},
      {{"echo", "it's"}, "'echo' 'it'\\''s'"},
      {{"echo", "'"}, "'echo' ''\\'''"},
      {{"printf", "a\nb", "\\"}, "'printf' 'a\nb' '\\'"},
  };
  for (const auto& c : cases) {
    fleet::Result<std::string> got = ShellCommand(c.argv);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(ShellCommand, RefusesWhatAShellCannotCarry) {
  EXPECT_EQ(ShellCommand({}).status().code(), fleet::Code::kInvalid);
  EXPECT_EQ(ShellCommand({"echo", std::string("a\0b", 3)}).status().code(), fleet::Code::kInvalid);
}

TEST(NormalizePublicKey, DropsCommentAndSpacing) {
  EXPECT_EQ(NormalizePublicKey("ssh-ed25519   AAAAC3Nz  root@host\n"), "ssh-ed25519 AAAAC3Nz");
  EXPECT_EQ(NormalizePublicKey("ssh-ed25519"), "");
  EXPECT_EQ(NormalizePublicKey(""), "");
}

TEST(VerifyHostKey, DecisionTable) {
  using Policy = SshTarget::HostKeyPolicy;
  const std::string seen = "ssh-ed25519 AAAAseen";
  const struct {
    const char* name;
    std::string expected;
    Policy policy;
    KnownHostsAnswer known;
    std::string want_prefix;  // "" = accepted
    std::string recorded = "";  // what accept-new recorded before
  } cases[] = {
      {"recorded match accept-new", "", Policy::kAcceptNew, KnownHostsAnswer::kNotConsulted, "", "ssh-ed25519 AAAAseen"},
      {"recorded mismatch accept-new", "", Policy::kAcceptNew, KnownHostsAnswer::kNotConsulted, "host key mismatch", "ssh-ed25519 AAAAold"},
      {"recorded ignored under strict", "", Policy::kStrict, KnownHostsAnswer::kNotConsulted, "host key unknown", "ssh-ed25519 AAAAseen"},
      {"known_hosts match beats recorded", "", Policy::kAcceptNew, KnownHostsAnswer::kMatch, "", "ssh-ed25519 AAAAold"},
      {"known_hosts rotated, strict", "", Policy::kStrict, KnownHostsAnswer::kMatch, "", "ssh-ed25519 AAAAold"},
      {"known_hosts entry removed, strict", "", Policy::kStrict, KnownHostsAnswer::kUnknown, "host key unknown", "ssh-ed25519 AAAAseen"},
      {"pinned match", "ssh-ed25519 AAAAseen comment", Policy::kStrict, KnownHostsAnswer::kNotConsulted, ""},
      {"pinned mismatch", "ssh-ed25519 AAAAother", Policy::kStrict, KnownHostsAnswer::kNotConsulted, "host key mismatch"},
      {"pinned mismatch beats accept-new", "ssh-ed25519 AAAAother", Policy::kAcceptNew, KnownHostsAnswer::kNotConsulted, "host key mismatch"},
      {"pinned type differs", "ssh-rsa AAAAseen", Policy::kStrict, KnownHostsAnswer::kNotConsulted, "host key mismatch"},
      {"known_hosts match", "", Policy::kStrict, KnownHostsAnswer::kMatch, ""},
      {"known_hosts changed", "", Policy::kStrict, KnownHostsAnswer::kChanged, "host key mismatch"},
      {"known_hosts changed accept-new", "", Policy::kAcceptNew, KnownHostsAnswer::kChanged, "host key mismatch"},
      {"known_hosts unknown strict", "", Policy::kStrict, KnownHostsAnswer::kUnknown, "host key unknown"},
      {"known_hosts unknown accept-new", "", Policy::kAcceptNew, KnownHostsAnswer::kUnknown, ""},
      {"nothing strict", "", Policy::kStrict, KnownHostsAnswer::kNotConsulted, "host key unknown"},
      {"nothing accept-new", "", Policy::kAcceptNew, KnownHostsAnswer::kNotConsulted, ""},
  };
  for (const auto& c : cases) {
    SshTarget target;
    target.address = "10.0.0.1";
    target.expected_host_key = c.expected;
    target.policy = c.policy;
    target.recorded_host_key = c.recorded;
    fleet::Status got = VerifyHostKey(target, seen, c.known);
    if (c.want_prefix.empty()) {
      EXPECT_TRUE(got.ok()) << c.name << ": " << got.ToString();
    } else {
      EXPECT_EQ(got.code(), fleet::Code::kForbidden) << c.name;
      EXPECT_EQ(got.message().rfind(c.want_prefix, 0), 0u) << c.name << ": " << got.message();
    }
  }
}

}  // namespace
}  // namespace controller
