// Agent installation and restart against a fake host: which files are uploaded in which order,
// which commands run for systemd and supervisor hosts, and refusal of unsafe install paths.
#include <gtest/gtest.h>

#include <map>

#include "controller/agent_service.h"
#include "fleet/crypto.h"

namespace controller {
namespace {

// A host as a map of files; Exec understands the bundle hash command and systemctl.
class FakeHost final : public RemoteSession {
 public:
  std::map<std::string, std::string> files;
  std::string system_state = "offline";  // what `systemctl is-system-running` prints
  std::vector<std::string> uploads;
  std::vector<std::vector<std::string>> commands;

  const std::string& host_key() const override { return key_; }
  fleet::Result<std::string> Sha256(const std::string& path) override {
    auto it = files.find(path);
    return it == files.end() ? std::string() : fleet::Sha256Hex(it->second);
  }
  fleet::Status Upload(const std::string& path, std::string_view content, int) override {
    files[path] = std::string(content);
    uploads.push_back(path);
    return {};
  }
  fleet::Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    commands.push_back(argv);
    ExecResult r{0, "", ""};
    if (argv.size() > 4 && argv[3] == "fleet-hash") {
      for (size_t i = 5; i < argv.size(); ++i) {
        auto it = files.find(argv[4] + "/" + argv[i]);
        if (it != files.end()) r.out += fleet::Sha256Hex(it->second) + "  " + argv[i] + "\n";
      }
    } else if (argv == std::vector<std::string>{"systemctl", "is-system-running"}) {
      r.out = system_state + "\n";
    }
    return r;
  }

 private:
  std::string key_ = "ssh-ed25519 AAAAfake";
};

Bundle MakeBundle(const std::map<std::string, std::string>& contents) {
  Bundle bundle;
  for (const auto& [path, content] : contents) {
    bundle.files.push_back({path, 0755, fleet::Sha256Hex(content), content});
    bundle.manifest += fleet::Sha256Hex(content) + " 755 " + path + "\n";
  }
  bundle.digest = fleet::Sha256Hex(bundle.manifest);
  return bundle;
}

const std::map<std::string, std::string> kV1 = {{"bin/fleet-agent", "wrapper"},
                                                {"lib/libc.so.6", "libc-1"},
                                                {"libexec/fleet-agent", "agent-1"}};

TEST(InstallBundle, FreshHostGetsEverythingBinAfterLibsManifestLast) {
  FakeHost host;
  auto uploaded = InstallBundle(host, MakeBundle(kV1), "/opt/fleet");
  ASSERT_TRUE(uploaded.ok()) << uploaded.status().ToString();
  EXPECT_EQ(*uploaded, (std::vector<std::string>{"lib/libc.so.6", "libexec/fleet-agent",
                                                 "bin/fleet-agent", "MANIFEST"}));
  EXPECT_EQ(host.files["/opt/fleet/libexec/fleet-agent"], "agent-1");
}

TEST(InstallBundle, MatchingManifestMeansNoWorkAndOneCommand) {
  FakeHost host;
  ASSERT_TRUE(InstallBundle(host, MakeBundle(kV1), "/opt/fleet").ok());
  host.commands.clear();
  host.uploads.clear();
  auto again = InstallBundle(host, MakeBundle(kV1), "/opt/fleet");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_TRUE(host.commands.empty()) << "no per-file hashing when the MANIFEST matches";
  EXPECT_TRUE(host.uploads.empty());
}

TEST(InstallBundle, UpgradeUploadsOnlyChangedFiles) {
  FakeHost host;
  ASSERT_TRUE(InstallBundle(host, MakeBundle(kV1), "/opt/fleet").ok());
  auto v2 = kV1;
  v2["libexec/fleet-agent"] = "agent-2";
  auto uploaded = InstallBundle(host, MakeBundle(v2), "/opt/fleet");
  ASSERT_TRUE(uploaded.ok());
  EXPECT_EQ(*uploaded, (std::vector<std::string>{"libexec/fleet-agent", "MANIFEST"}));
}

TEST(AgentService, UnsafeInstallPathsAreRefusedBeforeAnythingRuns) {
  const std::vector<std::string> unsafe = {"relative/dir", "", "/opt/../etc", "/opt/./x",
                                           "/tmp/x\ntouch /tmp/pwned", std::string("/tmp/a\0b", 8)};
  for (const std::string& dir : unsafe) {
    FakeHost host;
    EXPECT_EQ(InstallBundle(host, MakeBundle(kV1), dir).status().code(), fleet::Code::kInvalid) << dir;
    EXPECT_EQ(RestartAgent(host, dir, "/etc/fleet/agent.yaml").code(), fleet::Code::kInvalid) << dir;
    EXPECT_EQ(StopAgent(host, dir).code(), fleet::Code::kInvalid) << dir;
    EXPECT_EQ(RemoveAgent(host, dir).code(), fleet::Code::kInvalid) << dir;
    EXPECT_TRUE(host.commands.empty() && host.uploads.empty()) << dir;
  }
}

TEST(AgentService, ShellMetacharactersTravelAsOneArgument) {
  FakeHost host;
  const std::string dir = "/tmp/x; touch /tmp/pwned $(touch /tmp/pwned)";
  ASSERT_TRUE(RestartAgent(host, dir, dir + "/agent.yaml").ok());
  const std::vector<std::string>& control = host.commands.back();
  ASSERT_EQ(control.size(), 7u);
  EXPECT_EQ(control[0], "sh");
  EXPECT_EQ(control[4], "restart");
  EXPECT_EQ(control[5], dir);
  EXPECT_EQ(control[6], dir + "/agent.yaml");
}

TEST(AgentService, SystemdUnitQuotesForSystemd) {
  const std::string unit = AgentSystemdUnit("/opt/a b$c%d\"e\\", "/etc/f.yaml");
  EXPECT_NE(unit.find("ExecStart=\"/opt/a b$$c%%d\\\"e\\\\/bin/fleet-agent\" --config \"/etc/f.yaml\"\n"),
            std::string::npos)
      << unit;
}

TEST(AgentService, SystemdHostsGetAUnitOnceAndARestartEachTime) {
  for (const std::string state : {"running", "degraded"}) {
    FakeHost host;
    host.system_state = state;
    ASSERT_TRUE(RestartAgent(host, "/opt/fleet", "/etc/fleet/agent.yaml").ok());
    EXPECT_EQ(host.files[kAgentUnitPath], AgentSystemdUnit("/opt/fleet", "/etc/fleet/agent.yaml"));
    std::vector<std::vector<std::string>> want = {
        {"systemctl", "is-system-running"},
        {"systemctl", "daemon-reload"},
        {"systemctl", "enable", "fleet-agent.service"},
        {"systemctl", "restart", "fleet-agent.service"}};
    EXPECT_EQ(host.commands, want) << state;
    host.commands.clear();
    ASSERT_TRUE(RestartAgent(host, "/opt/fleet", "/etc/fleet/agent.yaml").ok());
    want = {{"systemctl", "is-system-running"}, {"systemctl", "restart", "fleet-agent.service"}};
    EXPECT_EQ(host.commands, want) << state;
  }
}

TEST(AgentService, HostsWithoutSystemdUseTheSupervisor) {
  for (const std::string state : {"offline", "", "maintenance"}) {
    FakeHost host;
    host.system_state = state;
    ASSERT_TRUE(RestartAgent(host, "/opt/fleet", "/etc/fleet/agent.yaml").ok());
    EXPECT_EQ(host.files.count(kAgentUnitPath), 0u);
    ASSERT_EQ(host.commands.size(), 2u);
    EXPECT_EQ(host.commands[1][4], "restart") << state;
  }
}

TEST(AgentService, RemovingStopsForGoodAndTakesConfigAndSecretsButNotTheBundle) {
  const std::vector<std::string> remove_files = {"rm", "-rf", "--", "/opt/fleet/config.yaml",
                                                 "/opt/fleet/secrets", "/opt/fleet/run"};
  FakeHost systemd;
  systemd.system_state = "running";
  ASSERT_TRUE(RemoveAgent(systemd, "/opt/fleet").ok());
  std::vector<std::vector<std::string>> want = {
      {"systemctl", "is-system-running"},
      {"systemctl", "stop", "fleet-agent.service"},
      {"systemctl", "disable", "fleet-agent.service"},  // a reboot must not start it again
      {"rm", "-f", "--", kAgentUnitPath},
      {"systemctl", "daemon-reload"},
      remove_files};
  EXPECT_EQ(systemd.commands, want);

  FakeHost supervised;
  ASSERT_TRUE(RemoveAgent(supervised, "/opt/fleet").ok());
  ASSERT_EQ(supervised.commands.size(), 3u);
  EXPECT_EQ(supervised.commands[1][0], "sh");
  EXPECT_EQ(supervised.commands[1][4], "stop");
  EXPECT_EQ(supervised.commands[1][5], "/opt/fleet");
  EXPECT_EQ(supervised.commands[2], remove_files);
}

}  // namespace
}  // namespace controller
