// Proof that the agent bundle is self-contained: it runs and serves /metrics inside the offline
// busybox image, which has no libc, no loader and no libraries at all.
#include <gtest/gtest.h>

#include "fleet/core/crypto.h"
#include "tests/e2e/harness.h"

namespace e2e {
namespace {

// A detached container, removed (docker rm -f) on destruction.
class Container {
 public:
  explicit Container(std::vector<std::string> run_args)
      : name_("vpsfleet-bundle-" + fleet::RandomHex(4)) {
    std::vector<std::string> argv = {"docker", "run", "-d", "--name", name_};
    argv.insert(argv.end(), run_args.begin(), run_args.end());
    started_ = e2e::Run(argv, "", {}, std::chrono::seconds(60));
  }
  ~Container() { e2e::Run({"docker", "rm", "-f", name_}); }
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  const CommandResult& started() const { return started_; }
  std::string Logs() const {
    CommandResult r = e2e::Run({"docker", "logs", name_});
    return r.out + r.err;
  }

 private:
  std::string name_;
  CommandResult started_;
};

TEST(DeliveryBundle, RunsAndServesMetricsInABusyboxContainerWithoutLibc) {
  CommandResult docker = e2e::Run({SourceDir() + "/tests/e2e/ensure-dockerd.sh"}, "", {},
                                  std::chrono::seconds(120));
  ASSERT_EQ(docker.exit_code, 0) << "dockerd unavailable: " << docker.out << docker.err;
  const std::string bundle = BinaryDir() + "/agent-bundle";
  ASSERT_TRUE(std::filesystem::exists(bundle + "/MANIFEST")) << "build fleet-agent-bundle";

  // The image really lacks what the agent binary needs from a host.
  CommandResult libc = e2e::Run({"docker", "run", "--rm", "vpsfleet-busybox:latest", "sh", "-c",
                                 "ls /lib /lib64 /usr/lib 2>/dev/null | grep -c 'libc\\|ld-linux'"});
  EXPECT_EQ(libc.out, "0\n") << libc.err;
  CommandResult bare = e2e::Run({"docker", "run", "--rm", "-v",
                                 bundle + "/libexec:/opt/bare:ro", "vpsfleet-busybox:latest",
                                 "/opt/bare/fleet-agent", "--version"});
  EXPECT_NE(bare.exit_code, 0) << "the bare binary should not run there: " << bare.out;
  CommandResult wrapped = e2e::Run({"docker", "run", "--rm", "-v", bundle + ":/opt/fleet-agent:ro",
                                    "vpsfleet-busybox:latest", "/opt/fleet-agent/bin/fleet-agent",
                                    "--version"});
  EXPECT_EQ(wrapped.exit_code, 0) << wrapped.err;
  EXPECT_EQ(wrapped.out.rfind("fleet-agent ", 0), 0u) << wrapped.out;

  TempDir config_dir;
  const int port = FreePort();
  config_dir.Write("agent.yaml", "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n"
                                 "http: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n"
                                 "collectors: {container: {enabled: false}}\n");
  Container agent({"--network", "host", "-v", bundle + ":/opt/fleet-agent:ro", "-v",
                   config_dir.path().string() + ":/etc/fleet:ro", "vpsfleet-busybox:latest",
                   "/opt/fleet-agent/bin/fleet-agent", "--config", "/etc/fleet/agent.yaml"});
  ASSERT_EQ(agent.started().exit_code, 0) << agent.started().err;

  HttpResponse metrics;
  ASSERT_TRUE(WaitFor([&] {
    metrics = Http("GET", port, "/metrics");
    return metrics.status == 200;
  }, std::chrono::seconds(20))) << agent.Logs();
  for (const char* family : {"\nnode_load1 ", "\nnode_memory_MemTotal_bytes ",
                             "\n# TYPE node_cpu_seconds_total counter\n"}) {
    EXPECT_NE(metrics.body.find(family), std::string::npos) << family;
  }
}

}  // namespace
}  // namespace e2e
