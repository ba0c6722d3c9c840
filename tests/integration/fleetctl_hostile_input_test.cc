// A Host whose ssh.hostKey is 2 MB long, through `fleetctl validate`, `apply --dry-run=client`,
// and straight to the API: a maxLength error naming the field, and no crash (std::regex, which
// the validator used, recursed once per character and overflowed the stack of fleetctl on the
// user's machine and of the controller).
#include <gtest/gtest.h>

#include <fstream>

#include "fleetctl/client.h"
#include "tests/integration/api_fixture.h"

namespace fleetctl {
namespace {

using fleet::Json;

class HostileInputTest : public ApiServerFixture {
 protected:
  const std::string key_ = "ssh-ed25519 " + std::string(2 * 1024 * 1024, 'A');
  const std::string want_ = "spec.ssh.hostKey: must be at most 8192 characters (got 2097164)";
};

TEST_F(HostileInputTest, ATwoMegabyteHostKeyIsAMaxLengthErrorEverywhere) {
  const std::string file = tmp_.path().string() + "/host.yaml";
  std::ofstream(file) << "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-1}\n"
                         "spec:\n  address: 10.0.0.1\n  profile: p\n  ssh: {hostKey: " + key_ + "}\n";
  const std::string located = file + ":7:18: " + want_;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"validate", "-f", file}, {"apply", "-f", file, "--dry-run=client"}}) {
    auto r = Fleetctl(args);
    EXPECT_NE(r.rc, 0) << args[0];
    EXPECT_NE(r.err.find(located), std::string::npos) << r.err.substr(0, 500);
    EXPECT_LT(r.err.size(), 1000u) << "the value is not echoed";
  }

  fleetctl::Connection connection;
  connection.server = "http://127.0.0.1:" + std::to_string(port_);
  connection.token = kToken;
  Client client(connection, std::chrono::seconds(30));
  Json host = {{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Host"}, {"metadata", {{"name", "web-1"}}},
               {"spec", {{"address", "10.0.0.1"}, {"profile", "p"}, {"ssh", {{"hostKey", key_}}}}}};
  auto applied = client.Apply({host}, false, false);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.status().message().find(want_), std::string::npos) << applied.status().message().substr(0, 500);
  EXPECT_EQ(store_->Get("Host", "web-1").status().code(), fleet::Code::kNotFound) << "nothing changes";
  EXPECT_TRUE(client.Version().ok()) << "the controller is still serving";
}

// fleetctl places the server's causes in the files (from each cause's item and field).
TEST_F(HostileInputTest, ServerErrorsArePlacedInTheFile) {
  ASSERT_TRUE(registry_->Apply({{{"apiVersion", "vpsfleet.io/v1alpha1"}, {"kind", "Host"}, {"metadata", {{"name", "web-1"}}},
                                 {"spec", {{"address", "10.0.0.1"}, {"profile", "p"}}}}},
                               false).ok());
  const std::string file = tmp_.path().string() + "/group.yaml";
  std::ofstream(file) << "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: web-2}\n"
                         "spec: {address: 10.0.0.2, profile: p}\n---\n"
                         "apiVersion: vpsfleet.io/v1alpha1\nkind: HostGroup\nmetadata: {name: g}\n"
                         "spec:\n  defaults: {profile: p}\n  hosts: [{name: web-1, address: a}]\n";
  auto r = Fleetctl({"apply", "-f", file});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find(file + ":6:1: host/web-1 already exists as a standalone Host"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace fleetctl
