// Agent installation and restart against a fake host: which files are uploaded in which order,
// which commands run for systemd and supervisor hosts, and refusal of unsafe install paths.
#include <gtest/gtest.h>

#include <map>

#include "controller/agent_service.h"
#include "fleet/core/crypto.h"

namespace controller {
namespace {

// A host as a map of files; Exec understands the bundle hash command and systemctl.
class FakeHost final : public RemoteSession {
 public:
  std::map<std::string, std::string> files;
  std::string system_state = "offline";  // what `systemctl is-system-running` would print
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
    } else if (argv.size() > 3 && argv[3] == "fleet-agent-control" &&
               (system_state == "running" || system_state == "degraded")) {
      r.exit_code = 100;  // the control script found systemd
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

// (argv[4] of the control script is its action.)
std::vector<std::string> Verbs(const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::string> verbs;
  for (const auto& argv : commands) {
    verbs.push_back(argv[0] == "systemctl" ? "systemctl " + argv[1] : "control " + argv[4]);
  }
  return verbs;
}

TEST(AgentService, SystemdHostsGetAUnitOnceThenOnlyTheVerb) {
  struct Case {
    std::string action;
    fleet::Status (*run)(RemoteSession&, const std::string&, const std::string&);
    std::string verb;
  };
  const Case cases[] = {{"restart", RestartAgent, "systemctl restart"},
                        {"reload", ReloadAgent, "systemctl reload-or-restart"}};
  for (const std::string state : {"running", "degraded"}) {
    for (const Case& c : cases) {
      FakeHost host;
      host.system_state = state;
      ASSERT_TRUE(c.run(host, "/opt/fleet", "/etc/fleet/agent.yaml").ok());
      EXPECT_EQ(host.files[kAgentUnitPath], AgentSystemdUnit("/opt/fleet", "/etc/fleet/agent.yaml"));
      std::vector<std::string> want = {"control " + c.action, "systemctl daemon-reload",
                                       "systemctl enable", c.verb};
      EXPECT_EQ(Verbs(host.commands), want) << state;
      host.commands.clear();
      ASSERT_TRUE(c.run(host, "/opt/fleet", "/etc/fleet/agent.yaml").ok());
      want = {"control " + c.action, c.verb};
      EXPECT_EQ(Verbs(host.commands), want) << state;
    }
    FakeHost host;
    host.system_state = state;
    ASSERT_TRUE(StopAgent(host, "/opt/fleet").ok());
    EXPECT_EQ(Verbs(host.commands), (std::vector<std::string>{"control stop", "systemctl stop"}));
  }
}

TEST(AgentService, HostsWithoutSystemdNeedOneCommand) {
  for (const std::string state : {"offline", "", "maintenance"}) {
    for (const std::string action : {"restart", "reload", "stop"}) {
      FakeHost host;
      host.system_state = state;
      fleet::Status done = action == "restart" ? RestartAgent(host, "/opt/fleet", "/etc/fleet/agent.yaml")
                           : action == "reload" ? ReloadAgent(host, "/opt/fleet", "/etc/fleet/agent.yaml")
                                                : StopAgent(host, "/opt/fleet");
      ASSERT_TRUE(done.ok()) << done.ToString();
      EXPECT_EQ(host.files.count(kAgentUnitPath), 0u);
      EXPECT_EQ(Verbs(host.commands), std::vector<std::string>{"control " + action}) << state;
    }
  }
}

TEST(AgentService, RemovingStopsForGoodAndTakesConfigAndSecretsButNotTheBundle) {
  const std::vector<std::string> remove_files = {"rm", "-rf", "--", "/opt/fleet/config.yaml",
                                                 "/opt/fleet/secrets", "/opt/fleet/run"};
  FakeHost systemd;
  systemd.system_state = "running";
  ASSERT_TRUE(RemoveAgent(systemd, "/opt/fleet").ok());
  ASSERT_EQ(systemd.commands.size(), 6u);
  EXPECT_EQ(systemd.commands[0][4], "stop") << "the control script finds systemd";
  std::vector<std::vector<std::string>> want = {
      {"systemctl", "stop", "fleet-agent.service"},
      {"systemctl", "disable", "fleet-agent.service"},  // a reboot must not start it again
      {"rm", "-f", "--", kAgentUnitPath},
      {"systemctl", "daemon-reload"},
      remove_files};
  EXPECT_EQ(std::vector(systemd.commands.begin() + 1, systemd.commands.end()), want);

  FakeHost supervised;
  ASSERT_TRUE(RemoveAgent(supervised, "/opt/fleet").ok());
  ASSERT_EQ(supervised.commands.size(), 2u);
  EXPECT_EQ(supervised.commands[0][0], "sh");
  EXPECT_EQ(supervised.commands[0][4], "stop");
  EXPECT_EQ(supervised.commands[0][5], "/opt/fleet");
  EXPECT_EQ(supervised.commands[1], remove_files);
}

}  // namespace
}  // namespace controller
