// Docker service discovery (agent/discovery) against the real dockerd: busybox containers with
// labels, an exposed port, a published port, host networking and a shared network stack, found
// through a label filter, with the labels Prometheus's docker_sd_config gives them and the network
// IP `docker inspect` reports. Needs tests/e2e/ensure-dockerd.sh (run by the suite set-up).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "agent/discovery/docker_discovery.h"
#include "tests/e2e/forward_peers.h"
#include "tests/e2e/harness.h"

namespace {

using LabelSet = std::map<std::string, std::string>;

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// `docker inspect -f <format> <name>`, trimmed ("" on failure, which the comparisons then show).
std::string Inspect(const std::string& name, const std::string& format) {
  auto r = e2e::Docker({"inspect", "-f", format, name});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Trimmed(r.out);
}

class DockerDiscoveryTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string output;
    ASSERT_TRUE(e2e::EnsureDockerd(&output)) << output;
  }

  // The targets of containers named name, by __address__ then the rest.
  static std::vector<LabelSet> TargetsOf(const std::vector<agent::scrape::DiscoveredTarget>& targets,
                                         const std::string& name) {
    std::vector<LabelSet> out;
    for (const auto& target : targets) {
      LabelSet set;
      for (const auto& l : target) set[l.name] = l.value;
      if (set["__meta_docker_container_name"] == "/" + name) out.push_back(std::move(set));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  const std::string run_ = std::to_string(::getpid());
  e2e::TestContainers containers_{"docker-sd"};
};

TEST_F(DockerDiscoveryTest, FindsFilteredContainersWithUpstreamsLabels) {
  const std::vector<std::string> label = {"--label", "vpsfleet.dsd=" + run_};
  auto with_label = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), label.begin(), label.end());
    return flags;
  };
  const std::string exposed =
      containers_.Run("sleep 300", with_label({"--label", "com.example.role=web", "--expose", "8080"}));
  const std::string published = containers_.Run("sleep 300", with_label({"-p", "127.0.0.1::9100"}));
  const std::string sharing =
      containers_.Run("sleep 300", with_label({"--network", "container:" + exposed}));
  const std::string unlabelled = containers_.Run("sleep 300", {"--expose", "8080"});
  // Host networking, where the daemon allows it (the test checks it only then).
  const std::string host = containers_.Run("sleep 300", with_label({"--network", "host"}));
  const bool host_runs = Inspect(host, "{{.State.Running}}") == "true";
  const std::string exposed_id = Inspect(exposed, "{{.Id}}");
  const std::string exposed_ip = Inspect(exposed, "{{.NetworkSettings.Networks.bridge.IPAddress}}");
  const std::string published_ip = Inspect(published, "{{.NetworkSettings.Networks.bridge.IPAddress}}");
  const std::string bridge_id = Inspect(exposed, "{{.NetworkSettings.Networks.bridge.NetworkID}}");
  ASSERT_FALSE(exposed_ip.empty());
  ASSERT_FALSE(published_ip.empty());
  const std::string public_port =  // "127.0.0.1:49153"
      Trimmed(e2e::Docker({"port", published, "9100/tcp"}).out);
  ASSERT_TRUE(public_port.starts_with("127.0.0.1:")) << public_port;

  agent::discovery::DockerDiscoveryOptions options;
  options.filters = {{"label", {"vpsfleet.dsd=" + run_}}};
  agent::discovery::DockerDiscoverer discoverer(options);
  auto targets = discoverer.Discover();
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  EXPECT_EQ(targets->size(), host_runs ? 4u : 3u);
  EXPECT_TRUE(TargetsOf(*targets, unlabelled).empty()) << "the filter lets an unlabelled container through";
  EXPECT_EQ(discoverer.last_dropped(), agent::discovery::DockerDiscoveryCounts{});

  const LabelSet bridge = {{"__meta_docker_network_id", bridge_id},
                           {"__meta_docker_network_name", "bridge"},
                           {"__meta_docker_network_scope", "local"},
                           {"__meta_docker_network_internal", "false"},
                           {"__meta_docker_network_ingress", "false"}};
  auto expect = [&](const std::string& name, LabelSet own, LabelSet network) {
    LabelSet set = {{"__meta_docker_container_id", Inspect(name, "{{.Id}}")},
                    {"__meta_docker_container_name", "/" + name},
                    {"__meta_docker_container_image", "vpsfleet-busybox:latest"},
                    {"__meta_docker_container_image_id", Inspect(name, "{{.Image}}")},
                    {"__meta_docker_container_label_vpsfleet_dsd", run_}};
    set.merge(own);
    set.merge(network);
    return set;
  };

  EXPECT_EQ(TargetsOf(*targets, exposed),
            std::vector<LabelSet>{expect(exposed,
                                         {{"__address__", exposed_ip + ":8080"},
                                          {"__meta_docker_container_network_mode", "default"},
                                          {"__meta_docker_container_label_com_example_role", "web"},
                                          {"__meta_docker_network_ip", exposed_ip},
                                          {"__meta_docker_port_private", "8080"}},
                                         bridge)});
  EXPECT_EQ(TargetsOf(*targets, published),
            std::vector<LabelSet>{expect(published,
                                         {{"__address__", published_ip + ":9100"},
                                          {"__meta_docker_container_network_mode", "default"},
                                          {"__meta_docker_network_ip", published_ip},
                                          {"__meta_docker_port_private", "9100"},
                                          {"__meta_docker_port_public", public_port.substr(10)},
                                          {"__meta_docker_port_public_ip", "127.0.0.1"}},
                                         bridge)});
  // No networks of its own: the exposed container's, at the default port (it lists no ports).
  EXPECT_EQ(TargetsOf(*targets, sharing),
            std::vector<LabelSet>{expect(sharing,
                                         {{"__address__", exposed_ip + ":80"},
                                          {"__meta_docker_container_network_mode", "container:" + exposed_id},
                                          {"__meta_docker_network_ip", exposed_ip}},
                                         bridge)});
  if (host_runs) {
    EXPECT_EQ(TargetsOf(*targets, host),
              std::vector<LabelSet>{expect(host,
                                           {{"__address__", "localhost"},
                                            {"__meta_docker_container_network_mode", "host"},
                                            {"__meta_docker_network_ip", ""},
                                            {"__meta_docker_network_id", Inspect(host, "{{.NetworkSettings.Networks.host.NetworkID}}")},
                                            {"__meta_docker_network_name", "host"},
                                            {"__meta_docker_network_scope", "local"},
                                            {"__meta_docker_network_internal", "false"},
                                            {"__meta_docker_network_ingress", "false"}},
                                           {})});
  }
}

TEST_F(DockerDiscoveryTest, UnreachableDaemonIsAnError) {
  agent::discovery::DockerDiscoveryOptions options;
  options.host = "/nonexistent/docker.sock";
  auto targets = agent::discovery::DockerDiscoverer(options).Discover();
  EXPECT_FALSE(targets.ok());
  EXPECT_NE(targets.status().message().find("/nonexistent/docker.sock"), std::string::npos)
      << targets.status().ToString();
}

}  // namespace
