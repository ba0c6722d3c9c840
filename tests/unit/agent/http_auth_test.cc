// The listener's basic auth gate: which Authorization headers pass, which paths are open, and
// that a missing or empty password file is a field-path error.
#include "agent/http_auth.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fleet/core/crypto.h"
#include "tests/unit/fleet/testing.h"

namespace agent {
namespace {

std::string Basic(const std::string& user_pass) { return "Basic " + fleet::Base64Encode(user_pass); }

class BasicAuthGateTest : public ::testing::Test {
 protected:
  HttpConfig Config(const std::string& password_file_content) {
    const std::string path = dir_.path() + "/password";
    std::ofstream(path) << password_file_content;
    HttpConfig http;
    http.basic_auth = BasicAuth{"admin", path};
    http.unauthenticated_paths = {"/metrics", "/-/healthy"};
    return http;
  }
  fleet::testing::ScratchDir dir_;
};

TEST_F(BasicAuthGateTest, Table) {
  auto gate = BasicAuthGate::Load(Config("s3cret:pa ss\n"));  // trailing newline is not part of it
  ASSERT_TRUE(gate.ok()) << gate.status().message();
  const struct {
    const char* path;
    std::string authorization;
    bool want;
  } cases[] = {
      {"/-/support", Basic("admin:s3cret:pa ss"), true},
      {"/-/support", "basic " + fleet::Base64Encode("admin:s3cret:pa ss"), true},
      {"/-/support", "BASIC   " + fleet::Base64Encode("admin:s3cret:pa ss"), true},
      {"/no-such-page", Basic("admin:s3cret:pa ss"), true},  // auth before routing; 404 follows
      {"/-/support", "", false},
      {"/-/support", Basic("admin:s3cret:pa s"), false},
      {"/-/support", Basic("admin:s3cret:pa ss\n"), false},
      {"/-/support", Basic("admin:"), false},
      {"/-/support", Basic("Admin:s3cret:pa ss"), false},
      {"/-/support", Basic("admin"), false},
      {"/-/support", Basic(":s3cret:pa ss"), false},
      {"/-/support", "Bearer " + fleet::Base64Encode("admin:s3cret:pa ss"), false},
      {"/-/support", "Basic", false},
      {"/-/support", "Basic ", false},
      {"/-/support", "Basic !!!notbase64", false},
      {"/-/support", "admin:s3cret:pa ss", false},
      {"/metrics", "", true},
      {"/-/healthy", Basic("wrong:wrong"), true},
      {"/metrics/", "", false},  // exact paths only
      {"/-/ready", "", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(gate->Allows(c.path, c.authorization), c.want) << c.path << " " << c.authorization;
  }
}

TEST_F(BasicAuthGateTest, WithoutBasicAuthEverythingPasses) {
  auto gate = BasicAuthGate::Load(HttpConfig{});
  ASSERT_TRUE(gate.ok());
  EXPECT_TRUE(gate->Allows("/-/support", ""));
  EXPECT_TRUE(gate->Allows("/anything", "Basic garbage"));
}

TEST_F(BasicAuthGateTest, PasswordFileErrorsNameTheField) {
  HttpConfig missing = Config("x");
  missing.basic_auth->password_file = dir_.path() + "/absent";
  auto a = BasicAuthGate::Load(missing);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(),
            "http.basicAuth.passwordFile: cannot read " + dir_.path() + "/absent");
  auto b = BasicAuthGate::Load(Config("\n"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            "http.basicAuth.passwordFile: " + dir_.path() + "/password is empty");
}

}  // namespace
}  // namespace agent
