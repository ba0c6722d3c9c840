// The support bundle from a real agent: GET /-/support on its listener (behind basic auth), the
// local `fleet-agent support` command, and `fleetctl support HOST` through a real controller that
// reaches the host over SSH (a real sshd) — each checked with GNU tar.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "tests/e2e/harness.h"
#include "tests/e2e/ssh_hosts.h"

namespace e2e {
namespace {

using namespace std::chrono_literals;

const char kPassword[] = "hunter2-'$(touch pwned)\"";
const std::vector<std::string> kMembers = {"cgroup.txt",  "config.yaml",    "limits.txt",
                                           "logs.txt",    "metrics.txt",    "os-release.txt",
                                           "runtime.json", "status.json"};

// Member names of a tar.gz as GNU tar lists them (sorted), or the error.
std::vector<std::string> TarList(const std::string& path, std::string* error) {
  CommandResult r = e2e::Run({"tar", "-tzf", path});
  *error = r.err;
  std::vector<std::string> names;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) names.push_back(line);
  std::sort(names.begin(), names.end());
  return r.exit_code == 0 ? names : std::vector<std::string>{};
}

std::string TarMember(const std::string& path, const std::string& member) {
  return e2e::Run({"tar", "-xzOf", path, member}).out;
}

TEST(AgentSupport, BundleFromTheListenerAndFromTheLocalCommand) {
  TempDir dir;
  const int port = FreePort();
  const std::string password = dir.Write("secrets/password", kPassword, 0600);
  const std::string config = dir.Write(
      "agent.yaml",
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: e2e\n"
      "logging: {level: info}\n"
      "paths: {procfs: " + SourceDir() + "/tests/e2e/fixtures/host/proc}\n"
      "collectors: {enabled: [loadavg], container: {enabled: false}}\n"
      "remoteWrite: {url: 'http://metrics:hunter2-in-url@127.0.0.1:1/api/v1/write'}\n"
      "http:\n  listen: \"127.0.0.1:" + std::to_string(port) + "\"\n"
      "  basicAuth: {username: admin, passwordFile: " + password + "}\n"
      "  unauthenticatedPaths: [/-/healthy]\n");
  Process agent({Bin("fleet-agent"), "--config", config});
  ASSERT_TRUE(WaitFor([&] { return Http("GET", port, "/-/healthy").status == 200; }, 15s)) << agent.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/-/support";
  const std::string user = std::string("admin:") + kPassword;

  EXPECT_EQ(e2e::Run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", url}).out, "401");
  EXPECT_EQ(e2e::Run({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-u", user, url + "?duration=301"}).out,
            "400");

  // While the bundle collects for 2 s, a refused request logs a debug line: it must be in the
  // bundle's logs although the agent logs at info (so not on stderr). It is answered while the
  // bundle still collects: a slow handler holds up no other request.
  const std::string bundle = (dir.path() / "bundle.tar.gz").string();
  std::chrono::steady_clock::time_point refused_answered;
  std::thread refused([&] {
    std::this_thread::sleep_for(700ms);
    Http("GET", port, "/-/ready");
    refused_answered = std::chrono::steady_clock::now();
  });
  const auto started = std::chrono::steady_clock::now();
  CommandResult fetched = e2e::Run({"curl", "-sS", "-o", bundle, "-w", "%{http_code} %{content_type}",
                               "-u", user, url + "?duration=2"});
  const auto bundle_answered = std::chrono::steady_clock::now();
  refused.join();
  EXPECT_GE(bundle_answered - started, 2s);
  EXPECT_LT(refused_answered, bundle_answered) << "a request waited for the support bundle";
  ASSERT_EQ(fetched.out, "200 application/gzip") << fetched.err << agent.Log();
  std::string error;
  EXPECT_EQ(TarList(bundle, &error), kMembers) << error;
  const std::string logs = TarMember(bundle, "logs.txt");
  EXPECT_NE(logs.find("401 for GET /-/ready"), std::string::npos) << logs;
  EXPECT_NE(logs.find("fleet-agent " VPSFLEET_VERSION " listening"), std::string::npos) << logs;
  EXPECT_EQ(agent.Log().find("401 for GET"), std::string::npos) << "debug lines stay off stderr";
  const std::string cfg = TarMember(bundle, "config.yaml");
  EXPECT_NE(cfg.find("passwordFile: " + password), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("metrics:<redacted>@127.0.0.1:1"), std::string::npos) << cfg;
  EXPECT_NE(TarMember(bundle, "metrics.txt").find("\nnode_load1 0.06\n"), std::string::npos);
  const auto runtime = nlohmann::json::parse(TarMember(bundle, "runtime.json"));
  EXPECT_EQ(runtime["pid"], agent.pid());
  EXPECT_EQ(runtime["version"], VPSFLEET_VERSION);

  // The command the controller runs over SSH: same bundle, to stdout.
  CommandResult local = e2e::Run({Bin("fleet-agent"), "support", "--config", config});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  const std::string local_path = dir.Write("local.tar.gz", local.out);
  EXPECT_EQ(TarList(local_path, &error), kMembers) << error;

  for (const std::string& path : {bundle, local_path}) {
    CommandResult all = e2e::Run({"sh", "-c", "tar -xzOf \"$1\"", "sh", path});
    EXPECT_EQ(all.out.find("hunter2"), std::string::npos) << "a secret is in " << path;
  }
  EXPECT_EQ(agent.Log().find("hunter2"), std::string::npos) << agent.Log();
}

TEST(AgentSupport, FleetctlFetchesThroughTheControllersSshPath) {
  SshHost host;
  TempDir tmp;
  const int agent_port = FreePort();
  Controller controller(tmp.path(), {"--agent-bundle", BinaryDir() + "/agent-bundle", "--report-timeout", "10",
                                     "--agent-report-interval", "2",
                                     "--resync", "3"});
  ASSERT_TRUE(controller.Start()) << controller.Log();
  CommandResult cert = e2e::Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                            "/CN=vps-0", "-keyout", (tmp.path() / "tls.key").string(), "-out",
                            (tmp.path() / "tls.crt").string()});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  auto fleetctl = [&](std::vector<std::string> args, const std::string& in = "") {
    return controller.Fleetctl(std::move(args), in);
  };
  // The listener runs with basic auth and TLS 1.3 from Secrets, so the bundle has to pass both.
  const std::string fleet =
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: key}\ntype: ssh-auth\n"
      "stringData:\n  ssh-privatekey: |\n" + Indent(host.client_private_key(), 4) + "---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: listener-auth}\n"
      "stringData: {password: " + nlohmann::json(kPassword).dump() + "}\n---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Secret\nmetadata: {name: listener-tls}\ntype: tls\n"
      "stringData:\n  tls.crt: |\n" + Indent(ReadFile((tmp.path() / "tls.crt").string()), 4) +
      "  tls.key: |\n" + Indent(ReadFile((tmp.path() / "tls.key").string()), 4) + "---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentProfile\nmetadata: {name: standard}\nspec:\n"
      "  collectors: {enabled: [loadavg], container: {enabled: false}}\n"
      "  http:\n"
      "    basicAuth: {username: ops, passwordSecretRef: listener-auth}\n"
      "    tls: {secretRef: listener-tls, minVersion: TLS13}\n---\n"
      "apiVersion: vpsfleet.io/v1alpha1\nkind: Host\nmetadata: {name: vps-0}\nspec:\n"
      "  address: 127.0.0.1\n  profile: standard\n  installDir: " + host.install_dir() + "\n"
      "  ssh: {port: " + std::to_string(host.port()) + ", user: root, keySecretRef: key, hostKey: '" +
      host.host_public_key() + "'}\n"
      "  vars: {httpListen: '127.0.0.1:" + std::to_string(agent_port) + "'}\n";
  CommandResult applied = fleetctl({"apply", "-f", "-"}, fleet);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  auto healthy = [&] {
    CommandResult got = fleetctl({"get", "host", "vps-0", "-o", "json"});
    if (got.exit_code != 0) return false;
    // No status at all until the controller's first write (the finalizer comes before it).
    const nlohmann::json status = nlohmann::json::parse(got.out).value("status", nlohmann::json::object());
    for (const auto& c : status.value("conditions", nlohmann::json::array())) {
      if (c["type"] == "Healthy") return c["status"] == "True";
    }
    return false;
  };
  ASSERT_TRUE(WaitFor(healthy, 120s)) << fleetctl({"get", "host", "vps-0", "-o", "yaml"}).out
                                      << controller.Log();

  const std::string out = (tmp.path() / "f.tgz").string();
  CommandResult support = fleetctl({"support", "vps-0", "-o", out, "--duration", "1"});
  ASSERT_EQ(support.exit_code, 0) << support.err << controller.Log();
  std::string error;
  EXPECT_EQ(TarList(out, &error), kMembers) << error;
  EXPECT_EQ(std::filesystem::status(out).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string cfg = TarMember(out, "config.yaml");
  EXPECT_NE(cfg.find("instance: vps-0"), std::string::npos) << cfg;
  EXPECT_NE(cfg.find("minVersion: TLS13"), std::string::npos) << cfg;
  EXPECT_NE(TarMember(out, "metrics.txt").find("\nnode_load1 "), std::string::npos);
  CommandResult all = e2e::Run({"sh", "-c", "tar -xzOf \"$1\"", "sh", out});
  EXPECT_EQ(all.out.find("hunter2"), std::string::npos) << "the listener password is in the bundle";
  EXPECT_EQ(all.out.find("PRIVATE KEY"), std::string::npos) << "the TLS key is in the bundle";
  EXPECT_FALSE(std::filesystem::exists(host.dir() / "pwned"));
  EXPECT_FALSE(std::filesystem::exists(host.install_dir() + "/pwned"));

  // Errors come back as messages and a non-zero exit.
  CommandResult missing = fleetctl({"support", "nope", "-o", (tmp.path() / "x.tgz").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
  CommandResult too_long = fleetctl({"support", "vps-0", "--duration", "301"});
  EXPECT_NE(too_long.exit_code, 0);
}

}  // namespace
}  // namespace e2e
