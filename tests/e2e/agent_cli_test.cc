// The fleet-agent command line: check-config, bad configs exit non-zero naming the field,
// --version, and node_exporter-style --path.* flags overriding the config.
#include <gtest/gtest.h>

#include "tests/e2e/agent_exposition.h"
#include "tests/e2e/harness.h"

namespace e2e {
namespace {

const char kHeader[] = "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n";

TEST(AgentCli, CheckConfigTable) {
  const struct {
    const char* body;
    int want_exit;
    const char* want_stderr;  // substring
  } cases[] = {
      {"scrapeInterval: 15s\n", 0, ""},
      {"collectors: {enabledd: [cpu]}\n", 1, "agent.yaml:3:14: collectors.enabledd: unknown field"},
      {"http: {listen: \"nope\"}\n", 1, "agent.yaml:3:16: http.listen: must be host:port"},
      {"collectors: {enabled: [cpu, gpu]}\n", 1,
       "agent.yaml:3:29: collectors.enabled[1]: must be one of: arp, bcache,"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    const std::string path = dir.Write("agent.yaml", std::string(kHeader) + c.body);
    CommandResult r = e2e::Run({Bin("fleet-agent"), "check-config", path});
    EXPECT_EQ(r.exit_code, c.want_exit) << c.body << r.err;
    EXPECT_NE(r.err.find(c.want_stderr), std::string::npos) << r.err;
  }
  CommandResult missing = e2e::Run({Bin("fleet-agent"), "check-config", (dir.path() / "absent.yaml").string()});
  EXPECT_NE(missing.exit_code, 0);
}

TEST(AgentCli, DaemonRefusesBadConfig) {
  TempDir dir;
  const std::string path = dir.Write("agent.yaml", std::string(kHeader) + "logging: {level: loud}\n");
  CommandResult r = e2e::Run({Bin("fleet-agent"), "--config", path}, "", {}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("logging.level: must be one of"), std::string::npos) << r.err;
}

TEST(AgentCli, Version) {
  CommandResult r = e2e::Run({Bin("fleet-agent"), "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("fleet-agent ", 0), 0u) << r.out;
}

TEST(AgentCli, PathFlagsOverrideConfig) {
  const std::string fixture = SourceDir() + "/tests/e2e/fixtures/host";
  const int port = FreePort();
  TempDir dir;
  const std::string path = dir.Write(
      "agent.yaml", std::string(kHeader) + "paths: {procfs: /nonexistent}\n"
                                           "collectors: {enabled: [loadavg], container: {enabled: false}}\n");
  Process agent({Bin("fleet-agent"), "--config", path, "--path.procfs", fixture + "/proc",
                 "--web.listen-address", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(WaitFor([&] { return Http("GET", port, "/-/ready").status == 200; },
                      std::chrono::seconds(10)))
      << agent.Log();
  const std::string body = Http("GET", port, "/metrics").body;
  EXPECT_NE(body.find("\nnode_load1 0.06\n"), std::string::npos) << body;
  EXPECT_EQ(agent.Stop(), 0) << "SIGTERM should end the agent cleanly";
}

TEST(AgentCli, DockerDownFailsOnlyTheContainerCollector) {
  AgentUnderTest agent(
      "collectors: {enabled: [loadavg]}\ndocker: {socket: /nonexistent/docker.sock}\n");
  ASSERT_TRUE(agent.Ready()) << agent.Log();
  const std::string body = agent.Scrape();
  EXPECT_NE(body.find("node_scrape_collector_success{collector=\"container\"} 0\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("node_scrape_collector_success{collector=\"loadavg\"} 1\n"),
            std::string::npos);
  EXPECT_NE(body.find("\nnode_load1 "), std::string::npos);
}

}  // namespace
}  // namespace e2e
