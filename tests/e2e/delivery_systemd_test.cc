// Delivery to a host whose init is systemd, for real: a Debian 12 container with systemd as
// PID 1 and OpenSSH (tests/e2e/ensure-systemd-image.sh), on the host's network so its sshd and
// the agent listen on loopback ports of this machine. The controller must run the agent as a
// unit there (not under its own supervisor), reload it with `systemctl reload-or-restart`
// (ExecReload sends SIGHUP: same process), and take the unit away when the Host is deleted.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fleet/core/crypto.h"
#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"

namespace e2e {
namespace {

using namespace std::chrono_literals;

class SystemdHost {
 public:
  SystemdHost(const TempDir& dir, int ssh_port) : name_("vpsfleet-systemd-" + fleet::RandomHex(4)) {
    created_ = Run({"docker", "create", "--name", name_, "--network", "host", "--cap-add", "SYS_ADMIN",
                    "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
                    "vpsfleet-systemd:bookworm"},
                   "", {}, 60s);
    const std::string conf = dir.Write(
        "sshd.conf", "Port " + std::to_string(ssh_port) + "\nListenAddress 127.0.0.1\n"
                     "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                     "AuthorizedKeysFile /etc/ssh/vpsfleet_authorized_keys\n");
    Run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir.path() / "client_key").string()});
    Run({"docker", "cp", conf, name_ + ":/etc/ssh/sshd_config.d/vpsfleet.conf"});
    Run({"docker", "cp", (dir.path() / "client_key.pub").string(),
         name_ + ":/etc/ssh/vpsfleet_authorized_keys"});
    started_ = Run({"docker", "start", name_}, "", {}, 60s);
  }
  ~SystemdHost() { Run({"docker", "rm", "-f", name_}, "", {}, 60s); }
  SystemdHost(const SystemdHost&) = delete;
  SystemdHost& operator=(const SystemdHost&) = delete;

  bool ok() const { return created_.exit_code == 0 && started_.exit_code == 0; }
  std::string Problem() const { return created_.err + started_.err; }
  CommandResult Exec(const std::string& script) const {
    return Run({"docker", "exec", name_, "sh", "-c", script}, "", {}, 60s);
  }
  std::string HostKey() const {  // "ssh-ed25519 AAAA..." without the comment
    const std::string line = Exec("cat /etc/ssh/ssh_host_ed25519_key.pub").out;
    return line.substr(0, line.find(' ', line.find(' ') + 1));
  }

 private:
  std::string name_;
  CommandResult created_, started_;
};

TEST(DeliverySystemd, TheAgentIsAUnitReloadedInPlaceAndRemovedWithTheHost) {
  std::string output;
  ASSERT_TRUE(EnsureDockerd(&output)) << output;
  CommandResult image = e2e::Run({"sh", SourceDir() + "/tests/e2e/ensure-systemd-image.sh"}, "", {}, 900s);
  ASSERT_EQ(image.exit_code, 0) << image.err;
  TempDir tmp;
  const int ssh_port = FreePort();
  const int agent_port = FreePort();
  SystemdHost host(tmp, ssh_port);
  ASSERT_TRUE(host.ok()) << host.Problem();
  ASSERT_TRUE(WaitFor([&] { return host.Exec("systemctl is-active ssh").out == "active\n"; }, 60s))
      << host.Exec("systemctl status ssh; systemctl is-system-running").out;

  Controller controller(tmp.path(), {"--agent-bundle", BinaryDir() + "/agent-bundle",
                                     "--report-timeout", "10", "--agent-report-interval", "2", "--resync", "3"});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  auto fleet = [&](const std::string& collectors) {
    return "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key}\ntype: ssh-auth\n"
           "stringData:\n  ssh-privatekey: |\n" + Indent(ReadFile((tmp.path() / "client_key").string()), 4) +
           "---\napiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
           "  collectors: {enabled: [" + collectors + "], container: {enabled: false}}\n---\n"
           "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: vps-systemd}\nspec:\n"
           "  address: 127.0.0.1\n  profile: standard\n  installDir: /opt/vpsfleet\n"
           "  ssh: {port: " + std::to_string(ssh_port) + ", user: root, keySecretRef: key, hostKey: '" +
           host.HostKey() + "'}\n"
           "  vars: {httpListen: '127.0.0.1:" + std::to_string(agent_port) + "'}\n";
  };
  auto condition = [&](const std::string& type) {
    CommandResult got = controller.Fleetctl({"get", "host", "vps-systemd", "-o", "json"});
    if (got.exit_code != 0) return std::string();
    const auto status = nlohmann::json::parse(got.out).value("status", nlohmann::json::object());
    for (const auto& c : status.value("conditions", nlohmann::json::array())) {
      if (c["type"] == type) return c["status"].get<std::string>();
    }
    return std::string();
  };
  CommandResult applied = controller.Fleetctl({"apply", "-f", "-"}, fleet("loadavg"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  ASSERT_TRUE(WaitFor([&] { return condition("Healthy") == "True"; }, 180s))
      << controller.Fleetctl({"describe", "host", "vps-systemd"}).out << controller.Log();

  // A unit, enabled and running the installed agent; nothing under the bundled supervisor.
  EXPECT_EQ(host.Exec("systemctl is-active fleet-agent").out, "active\n");
  EXPECT_EQ(host.Exec("systemctl is-enabled fleet-agent").out, "enabled\n");
  EXPECT_NE(host.Exec("systemctl cat fleet-agent").out.find("--config \"/opt/vpsfleet/"), std::string::npos);
  EXPECT_NE(host.Exec("test -e /opt/vpsfleet/run/supervisor.pid").exit_code, 0);
  const std::string pid = host.Exec("systemctl show -p MainPID --value fleet-agent").out;
  ASSERT_NE(pid, "0\n");

  // A changed profile: the unit is reloaded (SIGHUP), the same process serves the new collectors.
  applied = controller.Fleetctl({"apply", "-f", "-"}, fleet("loadavg, meminfo"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_TRUE(WaitFor([&] {
    return Http("GET", agent_port, "/metrics").body.find("\nnode_memory_MemTotal_bytes ") != std::string::npos;
  }, 60s)) << controller.Log();
  EXPECT_EQ(host.Exec("systemctl show -p MainPID --value fleet-agent").out, pid) << "restarted, not reloaded";

  // Deleting the Host stops and disables the unit and removes it.
  CommandResult deleted = controller.Fleetctl({"delete", "host", "vps-systemd"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err << controller.Log();
  EXPECT_NE(host.Exec("systemctl is-active fleet-agent").out, "active\n");
  EXPECT_NE(host.Exec("test -e /etc/systemd/system/fleet-agent.service").exit_code, 0);
  EXPECT_EQ(Http("GET", agent_port, "/-/healthy").status, 0) << "the agent still answers";
}

}  // namespace
}  // namespace e2e
