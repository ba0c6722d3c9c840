// The control plane over TLS, with real processes: fleet-controller serving https with a
// certificate from a CA the test makes (openssl CLI), fleetctl verifying it (or refusing to, or
// skipping it with a warning), the certificate renewed without a restart, and a fleet-agent
// delivered over SSH that verifies the controller with the CA delivered with its config.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"
#include "tests/e2e/test_ca.h"

namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

class ControllerTlsTest : public ::testing::Test {
 protected:
  ControllerTlsTest() { ca_.Issue(16, cert_file_, key_file_); }

  e2e::TempDir tmp_;
  e2e::TestCa ca_;
  const std::string cert_file_ = (tmp_.path() / "tls.crt").string();
  const std::string key_file_ = (tmp_.path() / "tls.key").string();
};

TEST_F(ControllerTlsTest, FleetctlVerifiesTheControllerAndARenewedCertificateNeedsNoRestart) {
  e2e::Controller controller(tmp_.path(), {}, e2e::ControllerTls{cert_file_, key_file_, ca_.ca_file()});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  // A config file of fleetctl's own, with contexts made the documented way.
  const std::map<std::string, std::string> env = {{"FLEETCTL_CONFIG", (tmp_.path() / "contexts.yaml").string()}};
  auto fleetctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), e2e::Bin("fleetctl"));
    return e2e::Run(args, "", env);
  };
  const std::vector<std::string> to_it = {"--server", controller.url(), "--token-file", controller.token_file()};
  auto set_context = [&](const std::string& name, std::vector<std::string> tls_flags) {
    std::vector<std::string> args = {"config", "set-context", name};
    args.insert(args.end(), to_it.begin(), to_it.end());
    args.insert(args.end(), tls_flags.begin(), tls_flags.end());
    auto r = fleetctl(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  set_context("verified", {"--certificate-authority", ca_.ca_file()});
  set_context("unverified", {});
  set_context("lab", {"--insecure-skip-tls-verify"});

  auto ok = fleetctl({"--context", "verified", "get", "hosts"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.err.find("warning"), std::string::npos) << ok.err;

  auto refused = fleetctl({"--context", "unverified", "get", "hosts"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("error: the controller at " + controller.url() +
                             " presented a certificate that is not trusted: unable to get local "
                             "issuer certificate; trusted: the system's CA certificates"),
            std::string::npos)
      << refused.err;

  auto insecure = fleetctl({"--context", "lab", "get", "hosts"});
  EXPECT_EQ(insecure.exit_code, 0) << insecure.err;
  EXPECT_NE(insecure.err.find("warning: insecure-skip-tls-verify: the certificate of " + controller.url() +
                              " is not verified"),
            std::string::npos)
      << insecure.err;

  // Nothing answers plain http on the TLS port.
  EXPECT_EQ(e2e::Http("GET", controller.port(), "/readyz").status, 0);
  auto plain = fleetctl({"--server", "http://127.0.0.1:" + std::to_string(controller.port()),
                         "--token-file", controller.token_file(), "get", "hosts"});
  EXPECT_EQ(plain.exit_code, 1) << plain.out;

  // Renewal: the next connection gets the new certificate, from the same process (the harness
  // starts one only in Start).
  EXPECT_EQ(e2e::TestCa::ServedSerial(controller.port(), ca_.ca_file()), "10");
  ca_.Issue(32, cert_file_, key_file_);
  EXPECT_EQ(e2e::TestCa::ServedSerial(controller.port(), ca_.ca_file()), "20");
  ok = fleetctl({"--context", "verified", "get", "hosts"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;

  // A rotation written halfway (a new certificate, the old key) is not served: the last good
  // pair is, until the key arrives.
  const std::string next_cert = (tmp_.path() / "next.crt").string(), next_key = (tmp_.path() / "next.key").string();
  ca_.Issue(48, next_cert, next_key);
  std::filesystem::copy_file(next_cert, cert_file_, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(e2e::TestCa::ServedSerial(controller.port(), ca_.ca_file()), "20");
  EXPECT_NE(controller.Log().find("TLS certificate not reloaded"), std::string::npos) << controller.Log();
  std::filesystem::copy_file(next_key, key_file_, std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(e2e::TestCa::ServedSerial(controller.port(), ca_.ca_file()), "30");
}

TEST_F(ControllerTlsTest, ACaFileThatDoesNotVerifyTheCertificateIsRefusedAtStart) {
  e2e::TestCa other;
  auto r = e2e::Run({e2e::Bin("fleet-controller"), "--data-dir", (tmp_.path() / "data").string(), "--listen",
                     "127.0.0.1:" + std::to_string(e2e::FreePort()), "--tls-cert-file", cert_file_,
                     "--tls-private-key-file", key_file_, "--tls-ca-file", other.ca_file()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(other.ca_file() + " does not verify the certificate in " + cert_file_ +
                       " (unable to get local issuer certificate): agents would refuse the controller"),
            std::string::npos)
      << r.out << r.err;
}

std::string Condition(const Json& host, const std::string& type) {
  for (const auto& c : host.value("status", Json::object()).value("conditions", Json::array())) {
    if (c["type"] == type) return c["status"];
  }
  return "";
}

// Whether host vps-tls is Healthy=True; *seen is the Host as fleetctl got it.
bool Healthy(const e2e::Controller& controller, Json* seen) {
  auto r = controller.Fleetctl({"get", "host", "vps-tls", "-o", "json"});
  *seen = r.exit_code == 0 ? Json::parse(r.out) : Json();
  return Condition(*seen, "Healthy") == "True";
}

const std::vector<std::string> kFastDelivery = {"--agent-bundle", e2e::BinaryDir() + "/agent-bundle", "--report-timeout", "4",
                                                "--agent-report-interval", "1", "--resync", "2"};

TEST_F(ControllerTlsTest, AnAgentVerifiesTheControllerWithTheDeliveredCaAndANewCaRollsOut) {
  e2e::SshHost host;
  // The CA file agents get is one the operator edits: a copy, so it can change under the controller.
  const std::string agent_ca = (tmp_.path() / "agent-ca.crt").string();
  std::filesystem::copy_file(ca_.ca_file(), agent_ca);
  std::vector<std::string> flags = kFastDelivery;
  flags.insert(flags.end(), {"--tls-ca-file", agent_ca});
  e2e::Controller controller(tmp_.path(), flags, e2e::ControllerTls{cert_file_, key_file_, ca_.ca_file()});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  auto applied = controller.Fleetctl({"apply", "-f", "-"}, host.OneHostFleet("vps-tls", e2e::FreePort()));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  Json seen;
  ASSERT_TRUE(e2e::WaitFor([&] { return Healthy(controller, &seen); }, 60s)) << seen.dump(2) << controller.Log();
  const std::string config = e2e::ReadFile(host.install_dir() + "/config.yaml");
  EXPECT_NE(config.find("url: " + controller.url()), std::string::npos) << config;
  const std::string delivered_ca = host.install_dir() + "/secrets/controller-ca.crt";
  EXPECT_NE(config.find("caFile: " + delivered_ca), std::string::npos) << config;
  EXPECT_EQ(e2e::ReadFile(delivered_ca), e2e::ReadFile(ca_.ca_file()));
  const std::string first_revision = seen["status"].value("revision", "");

  // The operator adds a second CA (ahead of moving the controller to it): the bundle is a new
  // revision, delivered, and the agent goes on reporting with it.
  e2e::TestCa next_ca;
  const std::string bundle = e2e::ReadFile(ca_.ca_file()) + e2e::ReadFile(next_ca.ca_file());
  e2e::TempDir staging;
  std::filesystem::rename(staging.Write("agent-ca.crt", bundle), agent_ca);
  ASSERT_TRUE(e2e::WaitFor([&] { return e2e::ReadFile(delivered_ca) == bundle; }, 60s)) << controller.Log();
  EXPECT_TRUE(e2e::WaitFor([&] {
    return Healthy(controller, &seen) && seen["status"].value("revision", "") != first_revision;
  }, 60s)) << seen.dump(2);
}

// Without --tls-ca-file a self-signed certificate is its own CA: agents get it.
TEST(ControllerTlsSelfSigned, WithoutACaFileTheCertificateIsTheCaAgentsGet) {
  e2e::TempDir tmp;
  e2e::SshHost host;
  const std::string cert = (tmp.path() / "tls.crt").string(), key = (tmp.path() / "tls.key").string();
  e2e::TestCa::SelfSigned(cert, key);
  e2e::Controller controller(tmp.path(), kFastDelivery, e2e::ControllerTls{cert, key, cert});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  auto applied = controller.Fleetctl({"apply", "-f", "-"}, host.OneHostFleet("vps-tls", e2e::FreePort()));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  Json seen;
  ASSERT_TRUE(e2e::WaitFor([&] { return Healthy(controller, &seen); }, 60s)) << seen.dump(2) << controller.Log();
  EXPECT_EQ(e2e::ReadFile(host.install_dir() + "/secrets/controller-ca.crt"), e2e::ReadFile(cert));
}

}  // namespace
