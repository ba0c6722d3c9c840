// What hosts say reaches the controller only as valid, bounded UTF-8, and no host can wedge the
// store for the others: a fake server greeting with an invalid UTF-8 banner, one that hangs after
// its banner, real sshd hosts whose commands print invalid UTF-8 or flood. And the host key rule:
// a known_hosts file is the truth on every connect.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "controller/host_reconciler.h"
#include "controller/session_pool.h"
#include "controller/transport.h"
#include "fleet/core/crypto.h"
#include "fleet/core/text.h"
#include "tests/e2e/hostile_clients.h"
#include "tests/e2e/hostile_ssh.h"

namespace e2e {
namespace {

using controller::SshTarget;
using fleet::Code;
using Json = nlohmann::json;
using namespace std::chrono_literals;

// The Host's condition of that type as {status, reason, message, ...}; {} while it has none.
Json ConditionOf(const Json& host, const std::string& type) {
  const Json conditions = host.value("status", Json::object()).value("conditions", Json::array());
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Json& c) { return c.value("type", "") == type; });
  return it == conditions.end() ? Json::object() : *it;
}

constexpr char kReplacementCharacter[] = "\uFFFD";

// A controller with delivery on, a deploy key Secret and a profile; hosts are added by Apply.
class HostileFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(controller_.Start()) << controller_.Log();
    const std::string common =
        "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key}\ntype: ssh-auth\n"
        "stringData:\n  ssh-privatekey: |\n" + Indent(key_host_.client_private_key(), 4) +
        "---\napiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\n"
        "spec:\n  collectors: {enabled: [loadavg], container: {enabled: false}}\n";
    auto applied = controller_.Fleetctl({"apply", "-f", "-"}, common);
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }

  // A Host on 127.0.0.1:port with the pinned key, delivered into install_dir.
  static std::string HostYaml(const std::string& name, int port, const std::string& host_key,
                              const std::string& install_dir) {
    return "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: " + name + "}\nspec:\n"
           "  address: 127.0.0.1\n  profile: standard\n  installDir: " + install_dir + "\n"
           "  ssh: {port: " + std::to_string(port) + ", keySecretRef: key, connectTimeoutSeconds: 3, "
           "hostKey: '" + host_key + "'}\n";
  }

  CommandResult Apply(const std::string& yaml) { return controller_.Fleetctl({"apply", "-f", "-"}, yaml); }

  // The Host as fleetctl prints it; nlohmann's parser refuses invalid UTF-8, so a parsed answer
  // is valid UTF-8 throughout.
  Json Get(const std::string& name) {
    auto r = controller_.Fleetctl({"get", "host", name, "-o", "json"});
    if (r.exit_code != 0) return Json();
    return Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  // The Host's `type` condition once its status is `status`, or {} after the timeout. Not
  // asserted: the writes a test makes next tell more when the status never arrived.
  Json AwaitCondition(const std::string& host, const std::string& type, const std::string& status,
                      std::chrono::seconds timeout = 30s) {
    Json seen;
    const bool arrived = WaitFor([&] {
      seen = Get(host);
      return ConditionOf(seen, type).value("status", "") == status;
    }, timeout);
    EXPECT_TRUE(arrived) << host << " never " << type << "=" << status << ": " << seen.dump(2)
                         << controller_.Log();
    return ConditionOf(seen, type);
  }

  // After a host has said something hostile: the store still takes every kind of write, and
  // the API still serves the hostile host and its events.
  void ExpectTheFleetStillWorks(const std::string& hostile) {
    const std::string other = HostYaml("vps-unrelated", FreePort(), key_host_.host_public_key(),
                                       key_host_.install_dir());
    auto applied = Apply(other);
    EXPECT_EQ(applied.exit_code, 0) << applied.err << controller_.Log();
    auto deleted = controller_.Fleetctl({"delete", "host", "vps-unrelated", "--no-wait"});
    EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
    auto described = controller_.Fleetctl({"describe", "host", hostile});
    EXPECT_EQ(described.exit_code, 0) << described.err;
    EXPECT_NE(described.out.find(kReplacementCharacter), std::string::npos) << described.out;
  }

  TempDir dir_;
  SshHost key_host_;  // its client key is the fleet's deploy key
  Controller controller_{dir_.path(), {"--agent-bundle", BinaryDir() + "/agent-bundle",
                                       "--resync", "2"}};
};

// Reproduces issue 15: one host whose sshd greets with invalid UTF-8 made its condition message
// unserialisable, the status write threw inside a store transaction that stayed open, and every
// later write failed with "cannot start a transaction within a transaction".
TEST_F(HostileFleet, AnInvalidUtf8BannerWedgesNoWrite) {
  FakeSshServer banner(kInvalidUtf8Banner);
  auto applied = Apply(HostYaml("vps-banner", banner.port(), key_host_.host_public_key(),
                                key_host_.install_dir()));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string message = AwaitCondition("vps-banner", "Reachable", "False").value("message", "");
  EXPECT_NE(message.find(kReplacementCharacter), std::string::npos)
      << "the banner reached the message, as valid UTF-8: " << message;
  EXPECT_GE(banner.connections(), 1);
  ExpectTheFleetStillWorks("vps-banner");
}

// A real host whose sha256sum prints invalid UTF-8 and fails: the install's error quotes it.
TEST_F(HostileFleet, CommandsPrintingInvalidUtf8WedgeNoWrite) {
  HostileCommandsHost hostile;
  hostile.Replace("sha256sum", kPrintsInvalidUtf8);
  // A bundle installed already, so the installer hashes its manifest.
  std::ofstream(hostile.host().install_dir() + "/MANIFEST") << "old";
  // The deploy key of the fleet is authorised on this host too.
  std::ofstream(hostile.host().dir() / "authorized_keys", std::ios::app)
      << ReadFile((key_host_.dir() / "client_key.pub").string());
  auto applied = Apply(HostYaml("vps-hostile", hostile.host().port(),
                                hostile.host().host_public_key(), hostile.host().install_dir()));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string message = AwaitCondition("vps-hostile", "AgentInstalled", "False").value("message", "");
  EXPECT_NE(message.find("bad " + std::string(kReplacementCharacter)), std::string::npos) << message;
  ExpectTheFleetStillWorks("vps-hostile");
}

// Issue 15's hostile fleet, all at once: hosts that greet with invalid UTF-8, hang after their
// banner, flood, answer the hash command with garbage or print invalid UTF-8; clients that send
// bodies too large or nested too deep, never finish their headers, or try random paths and
// methods. Afterwards the controller is alive with a bounded RSS, every hostile host carries a
// failed condition in valid, bounded UTF-8, and an ordinary Host still applies, is delivered
// and turns Healthy.
TEST_F(HostileFleet, EverythingAtOnceLeavesTheControllerServingAndAnOrdinaryHostHealthy) {
  const int pid = controller_.pid();
  const size_t rss_before = RssBytes(pid);
  size_t rss_peak = rss_before;
  auto sample_rss = [&] { rss_peak = std::max(rss_peak, RssBytes(pid)); };

  FakeSshServer banner(kInvalidUtf8Banner);
  FakeSshServer hung(kValidBanner);
  HostileCommandsHost flood, garbage, invalid;
  flood.Replace("sha256sum", "#!/bin/sh\nexec yes 'endless output'\n");
  garbage.Replace("sha256sum", "#!/bin/sh\nprintf 'zz\\377\\376 not a hash\\n'\n");
  invalid.Replace("sha256sum", kPrintsInvalidUtf8);
  const struct {
    std::string name;
    int port;
    std::string key, install_dir;
    std::string said;  // what the host's failed condition quotes
  } hostile[] = {
      {"vps-banner", banner.port(), key_host_.host_public_key(), key_host_.install_dir() + "/b",
       "SSH-1.5-\uFFFD\uFFFD\uFFFD hostile"},
      {"vps-hung", hung.port(), key_host_.host_public_key(), key_host_.install_dir() + "/h", "imeout"},
      {"vps-flood", flood.host().port(), flood.host().host_public_key(), flood.host().install_dir(),
       "printed more than 1048576 bytes on stdout"},
      {"vps-garbage", garbage.host().port(), garbage.host().host_public_key(),
       garbage.host().install_dir(), "zz\uFFFD\uFFFD not a hash"},
      {"vps-invalid", invalid.host().port(), invalid.host().host_public_key(),
       invalid.host().install_dir(), "bad \uFFFD\uFFFD stderr"},
  };
  for (HostileCommandsHost* h : {&flood, &garbage, &invalid}) {
    // A bundle installed already, so that the installer hashes its manifest, and the fleet's
    // deploy key authorised.
    std::ofstream(h->host().install_dir() + "/MANIFEST") << "old";
    std::ofstream(h->host().dir() / "authorized_keys", std::ios::app)
        << ReadFile((key_host_.dir() / "client_key.pub").string());
  }
  std::string fleet;
  for (const auto& h : hostile) fleet += HostYaml(h.name, h.port, h.key, h.install_dir) + "---\n";
  auto applied = Apply(fleet);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  // Hostile clients while those hosts are reconciled.
  const std::string api = "/apis/vpsfleet.io/v1alpha1";
  const std::string auth = "Authorization: Bearer " + controller_.token() + "\r\n";
  std::vector<int> slow;  // slowloris: heads that never end, bodies that stop after a byte
  for (int i = 0; i < 200; ++i) {
    const int fd = ConnectLoopback(controller_.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, i % 4 ? "GET " + api + "/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"
                                  : "POST " + api + "/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
                                        "Content-Length: 1000\r\n\r\n{"));
    slow.push_back(fd);
  }
  const struct {
    std::string name, head;
    bool chunked;
    int status;
  } bodies[] = {
      {"apply, 1 GiB declared", "POST " + api + "/apply HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth, false, 413},
      {"create, chunked", "POST " + api + "/hosts HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth, true, 413},
      {"report, wrong token", "POST " + api + "/hosts/vps-flood/report HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer wrong\r\n", false, 401},
  };
  for (const auto& b : bodies) {
    auto r = StreamBody(controller_.port(), pid, b.head, 1024 * kMiB, b.chunked, rss_before + 256 * kMiB);
    rss_peak = std::max(rss_peak, r.peak_rss);
    EXPECT_EQ(r.status, b.status) << b.name << ": " << r.response.substr(0, 300);
  }
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"v\":";
  deep += "1" + std::string(100000, '}');
  const std::map<std::string, std::string> token = {{"Authorization", "Bearer " + controller_.token()}};
  EXPECT_EQ(Http("POST", controller_.port(), api + "/hosts",
                 R"({"apiVersion":"vpsfleet.io/v1alpha1","kind":"Host","metadata":{"name":"deep"},)"
                 R"("spec":{"address":"127.0.0.1","profile":"standard","vars":)" + deep + "}}", token)
                .status, 400);
  std::mt19937 random(15);
  for (int i = 0; i < 500; ++i) {
    std::string word;
    for (int c = 0; c < 8; ++c) word += static_cast<char>('a' + random() % 26);
    const int status = Http(i % 3 ? "GET" : "TRACE", controller_.port(), api + "/" + word + "/x").status;
    EXPECT_TRUE(status == 401 || status == 405) << word << ": " << status;
    if (i % 50 == 0) sample_rss();
  }

  for (const auto& h : hostile) {
    // Whichever step the host broke (connecting, hashing, installing), a condition says so.
    Json seen;
    const bool failed = WaitFor([&] {
      seen = Get(h.name);
      for (const auto& c : seen.value("status", Json::object()).value("conditions", Json::array())) {
        if (c.value("status", "") == "False" && c.value("message", "").find(h.said) != std::string::npos) {
          return true;
        }
      }
      return false;
    }, 30s);
    EXPECT_TRUE(failed) << h.name << " has no failed condition quoting \"" << h.said << "\": " << seen.dump(2);
    for (const auto& c : seen.value("status", Json::object()).value("conditions", Json::array())) {
      const std::string message = c.value("message", "");
      EXPECT_LE(message.size(), fleet::kForeignTextMax + 100) << h.name;
    }
    sample_rss();
  }
  // Still serving, with the slow clients still connected: an ordinary Host is applied,
  // delivered, and reports Healthy.
  const std::string ordinary =
      HostYaml("vps-ordinary", key_host_.port(), key_host_.host_public_key(), key_host_.install_dir()) +
      "  vars: {httpListen: '127.0.0.1:" + std::to_string(FreePort()) + "'}\n";
  applied = Apply(ordinary);
  ASSERT_EQ(applied.exit_code, 0) << applied.err << controller_.Log();
  // Installing the bundle over SSH on a loaded machine takes a while.
  const Json healthy = AwaitCondition("vps-ordinary", "Healthy", "True", 120s);
  EXPECT_EQ(healthy.value("status", ""), "True");
  sample_rss();
  EXPECT_EQ(Http("GET", controller_.port(), "/readyz").status, 200);
  for (int fd : slow) ::close(fd);
  std::printf("controller RSS: %zu MiB before, peak %zu MiB, %zu MiB after\n", rss_before / kMiB,
              rss_peak / kMiB, RssBytes(pid) / kMiB);
  // What the fleet and the hostile clients cost, bounded: the request caps (3 and 32 MiB) plus
  // what is in flight and the hosts' status.
  EXPECT_LT(rss_peak, rss_before + 96 * kMiB);
}

TEST(HostileSsh, AServerHungAfterItsBannerTimesOut) {
  FakeSshServer hung(kValidBanner);
  SshHost host;
  SshTarget target = TargetFor(host);
  target.port = hung.port();
  target.timeout = 2s;
  const auto started = std::chrono::steady_clock::now();
  auto session = controller::NewSshTransport()->Connect(target);
  EXPECT_EQ(session.status().code(), Code::kDeadlineExceeded) << session.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
}

TEST(HostileSsh, AnInvalidUtf8BannerIsQuotedAsValidUtf8) {
  FakeSshServer banner(kInvalidUtf8Banner);
  SshHost host;
  SshTarget target = TargetFor(host);
  target.port = banner.port();
  auto session = controller::NewSshTransport()->Connect(target);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(fleet::ValidUtf8(session.status().message()), session.status().message());
  EXPECT_NE(session.status().message().find(kReplacementCharacter), std::string::npos)
      << session.status().message();
}

// Output of remote commands: stderr valid UTF-8 and bounded, stdout bounded, a flood stopped.
TEST(HostileSsh, CommandOutputIsValidUtf8AndBoundedTable) {
  HostileCommandsHost hostile;
  hostile.Replace("sha256sum", "#!/bin/sh\nprintf 'not a hash \\377\\376\\n'\n");
  SshTarget target = TargetFor(hostile.host());
  target.timeout = 2s;
  auto session = controller::NewSshTransport()->Connect(target);
  ASSERT_TRUE(session.ok()) << session.status().ToString() << hostile.host().Log();
  const std::string file = hostile.host().install_dir() + "/present";
  std::ofstream(file) << "x";

  auto hashed = (*session)->Sha256(file);
  ASSERT_FALSE(hashed.ok());
  EXPECT_EQ(fleet::ValidUtf8(hashed.status().message()), hashed.status().message());
  EXPECT_NE(hashed.status().message().find("not a hash " + std::string(kReplacementCharacter)),
            std::string::npos) << hashed.status().message();

  auto printed = (*session)->Exec({"sh", "-c", "printf 'bad \\377\\376' >&2; exit 3"});
  ASSERT_TRUE(printed.ok()) << printed.status().ToString();
  EXPECT_EQ(printed->exit_code, 3);
  EXPECT_EQ(printed->err, "bad \uFFFD\uFFFD");

  const struct {
    const char* name;
    std::vector<std::string> argv;
    std::string want;
  } floods[] = {
      {"stdout", {"yes"}, "printed more than 1048576 bytes on stdout"},
      {"stderr", {"sh", "-c", "yes >&2"}, "printed more than 65536 bytes on stderr"},
  };
  for (const auto& f : floods) {
    auto fresh = controller::NewSshTransport()->Connect(target);
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    const auto started = std::chrono::steady_clock::now();
    auto flooded = (*fresh)->Exec(f.argv);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << f.name << ": stopped, not timed out";
    EXPECT_EQ(flooded.status().code(), Code::kInternal) << f.name << ": " << flooded.status().ToString();
    EXPECT_NE(flooded.status().message().find(f.want), std::string::npos)
        << f.name << ": " << flooded.status().message();
  }
}

// Host keys under a known_hosts file, through SshTargetFor and the session pool as the
// controller connects: a key seen earlier (recorded in status by earlier versions) does not
// override the file, a key rotated in the file is accepted and a key removed from it refused.
TEST(HostKeys, AKnownHostsFileIsTheTruthOnEveryConnect) {
  SshHost host;
  const std::string known_hosts = (host.dir() / "known_hosts").string();
  auto write_known_hosts = [&](const std::string& key) {
    std::ofstream(known_hosts) << (key.empty() ? "" : "[127.0.0.1]:" + std::to_string(host.port()) +
                                                          " " + key + "\n");
  };
  const Json spec = {{"address", "127.0.0.1"},
                     {"ssh", {{"port", host.port()}, {"keySecretRef", "key"},
                              {"knownHostsFile", known_hosts}, {"connectTimeoutSeconds", 3}}}};
  const std::map<std::string, Json> secrets = {
      {"key", {{"data", {{"ssh-privatekey", fleet::Base64Encode(host.client_private_key())}}}}}};
  controller::PooledTransport pool(controller::NewSshTransport(), {});
  // A session and a command on it, as a reconcile uses one (a kept session whose host went
  // away is replaced, and verified, on its first call).
  auto connect = [&](const Json& status) -> fleet::Status {
    auto target = controller::SshTargetFor(spec.get<fleet::HostSpec>(), secrets, status.get<fleet::HostStatus>(), nullptr);
    if (!target.ok()) return target.status();
    auto session = pool.Connect(*target);
    if (!session.ok()) return session.status();
    return (*session)->Exec({"true"}).status();
  };

  const std::string first_key = host.host_public_key();
  write_known_hosts(first_key);
  const Json recorded = {{"sshHostKey", first_key}};
  ASSERT_TRUE(connect(recorded).ok());

  host.RotateHostKey();
  write_known_hosts(host.host_public_key());
  fleet::Status rotated = connect(recorded);
  EXPECT_TRUE(rotated.ok()) << "the key rotated in the file is accepted: " << rotated.ToString();

  write_known_hosts("");
  fleet::Status revoked = connect(recorded);
  EXPECT_EQ(revoked.code(), Code::kForbidden) << revoked.ToString();
  EXPECT_EQ(revoked.message().rfind("host key unknown", 0), 0u) << revoked.message();

  write_known_hosts(first_key);
  fleet::Status stale = connect(recorded);
  EXPECT_EQ(stale.code(), Code::kForbidden) << stale.ToString();
  EXPECT_EQ(stale.message().rfind("host key mismatch", 0), 0u) << stale.message();
}

}  // namespace
}  // namespace e2e
