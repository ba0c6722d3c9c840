// agent/discovery Docker discovery without a daemon: DockerClient's list parsing
// (ParseContainerList, ParseNetworkList) fed with Engine API JSON, then DockerTargetsFrom.
// Fixtures: Prometheus's own docker_sd test data and the target label sets its
// discovery/moby/docker_test.go expects (tests/fixtures/docker_sd/README.md); then the edges
// upstream's fixtures do not reach, and the bounds.
#include "agent/discovery/docker_discovery.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "fleet/core/files.h"

namespace agent::discovery {
namespace {

using docker::Container;
using docker::Network;
using docker::NetworkEndpoint;
using LabelSet = std::map<std::string, std::string>;

const std::string kFixtures = std::string(VPSFLEET_SOURCE_DIR) + "/tests/fixtures/docker_sd/";

std::string Fixture(const std::string& name) {
  auto text = fleet::ReadFileText(kFixtures + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

// Targets as label maps, sorted, so that two lists compare whatever their order; each target is
// also checked to be sorted by name with names unique, as scrape::DiscoveredTarget promises.
std::vector<LabelSet> Sets(const std::vector<scrape::DiscoveredTarget>& targets) {
  std::vector<LabelSet> out;
  for (const auto& target : targets) {
    LabelSet set;
    for (size_t i = 0; i < target.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(target[i - 1].name, target[i].name) << "not sorted or not unique";
      }
      set[target[i].name] = target[i].value;
    }
    out.push_back(std::move(set));
  }
  std::sort(out.begin(), out.end());
  return out;
}

DockerTargets FromJson(const std::string& containers_json, const std::string& networks_json,
                       const DockerDiscoveryOptions& options) {
  auto containers = docker::ParseContainerList(containers_json);
  auto networks = docker::ParseNetworkList(networks_json);
  EXPECT_TRUE(containers.ok()) << containers.status().ToString();
  EXPECT_TRUE(networks.ok()) << networks.status().ToString();
  if (!containers.ok() || !networks.ok()) return {};
  return DockerTargetsFrom(*containers, *networks, options);
}

struct UpstreamCase {
  const char* name;
  const char* fixture;  // <fixture>_containers.json, <fixture>_networks.json
  bool match_first_network;
  const char* expected;  // <expected>_expected.json
};
void PrintTo(const UpstreamCase& c, std::ostream* os) { *os << c.name; }

class UpstreamFixtures : public testing::TestWithParam<UpstreamCase> {};

TEST_P(UpstreamFixtures, YieldUpstreamsTargets) {
  const UpstreamCase& c = GetParam();
  DockerDiscoveryOptions options;
  options.match_first_network = c.match_first_network;
  const DockerTargets got = FromJson(Fixture(std::string(c.fixture) + "_containers.json"),
                                     Fixture(std::string(c.fixture) + "_networks.json"), options);
  std::vector<LabelSet> expected =
      nlohmann::json::parse(Fixture(std::string(c.expected) + "_expected.json")).get<std::vector<LabelSet>>();
  std::sort(expected.begin(), expected.end());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(Sets(got.targets), expected);
  EXPECT_EQ(got.dropped, DockerDiscoveryCounts{});
}

INSTANTIATE_TEST_SUITE_P(
    DockerDiscovery, UpstreamFixtures,
    testing::Values(UpstreamCase{"MatchFirstNetwork", "dockerprom", true, "dockerprom_match_first_network"},
                    UpstreamCase{"MatchAllNetworks", "dockerprom", false, "dockerprom_match_all_networks"},
                    UpstreamCase{"Ipv6Only", "dockeripv6", true, "dockeripv6"}),
    [](const auto& info) { return std::string(info.param.name); });

// The edges, each a container list (JSON as the daemon sends it) with one network, "net1".
constexpr const char* kNetworks = R"([
  {"Name": "net1", "Id": "n1", "Scope": "local", "Internal": true, "Ingress": false,
   "Labels": {"com.example.tier": "back"}},
  {"Name": "net2", "Id": "n2", "Scope": "swarm", "Internal": false, "Ingress": true}])";

LabelSet Net1(LabelSet extra) {
  LabelSet set = {{"__meta_docker_network_id", "n1"},
                  {"__meta_docker_network_name", "net1"},
                  {"__meta_docker_network_scope", "local"},
                  {"__meta_docker_network_internal", "true"},
                  {"__meta_docker_network_ingress", "false"},
                  {"__meta_docker_network_label_com_example_tier", "back"}};
  set.merge(extra);
  return set;
}

LabelSet Container1(const std::string& network_mode, LabelSet extra) {
  LabelSet set = {{"__meta_docker_container_id", "c1"},
                  {"__meta_docker_container_name", "/one"},
                  {"__meta_docker_container_network_mode", network_mode}};
  set.merge(extra);
  return set;
}

struct EdgeCase {
  const char* name;
  std::string containers;
  std::vector<LabelSet> expected;
  DockerDiscoveryOptions options = {};
};
void PrintTo(const EdgeCase& c, std::ostream* os) { *os << c.name; }

class Edges : public testing::TestWithParam<EdgeCase> {};

TEST_P(Edges, AsUpstream) {
  const EdgeCase& c = GetParam();
  std::vector<LabelSet> expected = c.expected;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Sets(FromJson(c.containers, kNetworks, c.options).targets), expected);
}

DockerDiscoveryOptions HostOptions() {
  DockerDiscoveryOptions options;
  options.port = 9000;
  options.host_networking_host = "host.docker.internal";
  return options;
}

DockerDiscoveryOptions AllNetworks() {
  DockerDiscoveryOptions options;
  options.match_first_network = false;
  return options;
}

INSTANTIATE_TEST_SUITE_P(
    DockerDiscovery, Edges,
    testing::Values(
        EdgeCase{"PublishedOnTwoAddressesIsTwoTargetsUdpNone",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "net1"},
                      "Ports": [{"IP": "0.0.0.0", "PrivatePort": 8080, "PublicPort": 18080, "Type": "tcp"},
                                {"IP": "::", "PrivatePort": 8080, "PublicPort": 18080, "Type": "tcp"},
                                {"PrivatePort": 53, "Type": "udp"}],
                      "NetworkSettings": {"Networks": {"net1": {"NetworkID": "n1", "IPAddress": "10.0.0.2"}}}}])",
                 {Net1(Container1("net1", {{"__address__", "10.0.0.2:8080"},
                                           {"__meta_docker_network_ip", "10.0.0.2"},
                                           {"__meta_docker_port_private", "8080"},
                                           {"__meta_docker_port_public", "18080"},
                                           {"__meta_docker_port_public_ip", "0.0.0.0"}})),
                  Net1(Container1("net1", {{"__address__", "10.0.0.2:8080"},
                                           {"__meta_docker_network_ip", "10.0.0.2"},
                                           {"__meta_docker_port_private", "8080"},
                                           {"__meta_docker_port_public", "18080"},
                                           {"__meta_docker_port_public_ip", "::"}}))}},
        EdgeCase{"PublishedWithoutAddressHasEmptyPublicIp",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "net1"},
                      "Ports": [{"PrivatePort": 80, "PublicPort": 8000, "Type": "tcp"}],
                      "NetworkSettings": {"Networks": {"net1": {"NetworkID": "n1", "IPAddress": "10.0.0.2"}}}}])",
                 {Net1(Container1("net1", {{"__address__", "10.0.0.2:80"},
                                           {"__meta_docker_network_ip", "10.0.0.2"},
                                           {"__meta_docker_port_private", "80"},
                                           {"__meta_docker_port_public", "8000"},
                                           {"__meta_docker_port_public_ip", ""}}))}},
        EdgeCase{"OnlyUdpPortsFallBackToTheConfiguredPort",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "net1"},
                      "Ports": [{"PrivatePort": 53, "Type": "udp"}],
                      "NetworkSettings": {"Networks": {"net1": {"NetworkID": "n1", "IPAddress": "10.0.0.2"}}}}])",
                 {Net1(Container1("net1", {{"__address__", "10.0.0.2:9000"},
                                           {"__meta_docker_network_ip", "10.0.0.2"}}))},
                 HostOptions()},
        EdgeCase{"HostNetworkingUsesTheConfiguredHost",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "host"},
                      "NetworkSettings": {"Networks": {"host": {"NetworkID": "unlisted", "IPAddress": ""}}}}])",
                 {Container1("host", {{"__address__", "host.docker.internal"},
                                      {"__meta_docker_network_ip", ""}})},
                 HostOptions()},
        EdgeCase{"UnknownNetworkIdHasNoNetworkLabels_BadIpIsNoIp",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "x"},
                      "NetworkSettings": {"Networks": {"x": {"NetworkID": "gone", "IPAddress": "not-an-ip"}}}}])",
                 {Container1("x", {{"__address__", ":80"}, {"__meta_docker_network_ip", ""}})}},
        EdgeCase{"Ipv6IsWrittenCanonicallyAndBracketed",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "net1"},
                      "Ports": [{"PrivatePort": 9100, "Type": "tcp"}],
                      "NetworkSettings": {"Networks": {"net1": {"NetworkID": "n1", "IPAddress": "",
                                                                "GlobalIPv6Address": "2001:DB8:0:0::7"}}}}])",
                 {Net1(Container1("net1", {{"__address__", "[2001:db8::7]:9100"},
                                           {"__meta_docker_network_ip", "2001:db8::7"},
                                           {"__meta_docker_port_private", "9100"}}))}},
        EdgeCase{"ContainerWithoutNamesIsSkipped",
                 R"([{"Id": "c1", "Names": [], "HostConfig": {"NetworkMode": "net1"},
                      "NetworkSettings": {"Networks": {"net1": {"NetworkID": "n1", "IPAddress": "10.0.0.2"}}}}])",
                 {}},
        EdgeCase{"LabelNamesSanitizedPerCharacterLastByNameWins",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "x"},
                      "Labels": {"a-b": "dash", "a.b": "dot", "caf\u00e9": "accent", "9lives": "digit"},
                      "NetworkSettings": {"Networks": {"x": {"NetworkID": "gone", "IPAddress": "10.0.0.2"}}}}])",
                 {Container1("x", {{"__address__", "10.0.0.2:80"},
                                   {"__meta_docker_network_ip", "10.0.0.2"},
                                   {"__meta_docker_container_label_a_b", "dot"},
                                   {"__meta_docker_container_label_caf_", "accent"},
                                   {"__meta_docker_container_label_9lives", "digit"}})}},
        EdgeCase{"NullNetworkIsSkipped_MatchFirstTakesFirstNonNull",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "net1"},
                      "NetworkSettings": {"Networks": {"a": null, "net1": {"NetworkID": "n1", "IPAddress": "10.0.0.2"},
                                                       "z": {"NetworkID": "n2", "IPAddress": "10.1.0.2"}}}}])",
                 {Net1(Container1("net1", {{"__address__", "10.0.0.2:80"},
                                           {"__meta_docker_network_ip", "10.0.0.2"}}))}},
        EdgeCase{"AllNetworksOneTargetEach",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "net1"},
                      "NetworkSettings": {"Networks": {"a": null, "net1": {"NetworkID": "n1", "IPAddress": "10.0.0.2"},
                                                       "z": {"NetworkID": "n2", "IPAddress": "10.1.0.2"}}}}])",
                 {Net1(Container1("net1", {{"__address__", "10.0.0.2:80"},
                                           {"__meta_docker_network_ip", "10.0.0.2"}})),
                  Container1("net1", {{"__address__", "10.1.0.2:80"},
                                      {"__meta_docker_network_ip", "10.1.0.2"},
                                      {"__meta_docker_network_id", "n2"},
                                      {"__meta_docker_network_name", "net2"},
                                      {"__meta_docker_network_scope", "swarm"},
                                      {"__meta_docker_network_internal", "false"},
                                      {"__meta_docker_network_ingress", "true"}})},
                 AllNetworks()},
        EdgeCase{"SharedNetworkStackFollowedThroughTwoLinks",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "container:c2"},
                      "Ports": [{"PrivatePort": 9104, "Type": "tcp"}], "NetworkSettings": {"Networks": {}}},
                     {"Id": "c2", "Names": ["/two"], "HostConfig": {"NetworkMode": "container:c3"},
                      "NetworkSettings": {"Networks": {}}},
                     {"Id": "c3", "Names": ["/three"], "HostConfig": {"NetworkMode": "net1"},
                      "NetworkSettings": {"Networks": {"net1": {"NetworkID": "n1", "IPAddress": "10.0.0.3"}}}}])",
                 {Net1(Container1("container:c2", {{"__address__", "10.0.0.3:9104"},
                                                   {"__meta_docker_network_ip", "10.0.0.3"},
                                                   {"__meta_docker_port_private", "9104"}})),
                  Net1({{"__meta_docker_container_id", "c2"},
                        {"__meta_docker_container_name", "/two"},
                        {"__meta_docker_container_network_mode", "container:c3"},
                        {"__address__", "10.0.0.3:80"},
                        {"__meta_docker_network_ip", "10.0.0.3"}}),
                  Net1({{"__meta_docker_container_id", "c3"},
                        {"__meta_docker_container_name", "/three"},
                        {"__meta_docker_container_network_mode", "net1"},
                        {"__address__", "10.0.0.3:80"},
                        {"__meta_docker_network_ip", "10.0.0.3"}})}},
        EdgeCase{"SharedNetworkCycleEndsWithoutTargets",
                 R"([{"Id": "c1", "Names": ["/one"], "HostConfig": {"NetworkMode": "container:c2"},
                      "NetworkSettings": {"Networks": {}}},
                     {"Id": "c2", "Names": ["/two"], "HostConfig": {"NetworkMode": "container:c1"},
                      "NetworkSettings": {"Networks": {}}}])",
                 {}}),
    [](const auto& info) { return std::string(info.param.name); });

// Containers each on one network with no port: one target each.
std::vector<Container> Containers(size_t n) {
  std::vector<Container> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].id = "c" + std::to_string(i);
    out[i].name = out[i].id;
    out[i].network_mode = "bridge";
    out[i].networks["bridge"] = NetworkEndpoint{"b", "172.17.0.2", ""};
  }
  return out;
}

TEST(DockerDiscoveryBounds, TargetsPastTheLimitAreDroppedAndCounted) {
  const DockerTargets got = DockerTargetsFrom(Containers(kMaxDockerTargets + 3), {}, {});
  EXPECT_EQ(got.targets.size(), kMaxDockerTargets);
  EXPECT_EQ(got.dropped.targets_dropped, 3u);
}

TEST(DockerDiscoveryBounds, LabelsPastTheLimitOrTooLongAreDroppedAndCounted) {
  std::vector<Container> containers = Containers(1);
  for (size_t i = 0; i < kMaxDockerLabels + 5; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "l%04zu", i);  // sorted as numbered
    containers[0].labels[name] = "v";
  }
  containers[0].labels["a_long"] = std::string(kMaxDockerLabelValueBytes + 1, 'x');
  containers[0].labels["a_max"] = std::string(kMaxDockerLabelValueBytes, 'x');
  Network network{"b", "bridge", "local", false, false, containers[0].labels};
  const DockerTargets got = DockerTargetsFrom(containers, {network}, {});
  ASSERT_EQ(got.targets.size(), 1u);
  const LabelSet set = Sets(got.targets)[0];
  // Per object: a_long left out, then a_max and the first 255 numbered kept, 6 numbered dropped.
  EXPECT_EQ(got.dropped.labels_dropped, 2u * 7);
  EXPECT_EQ(set.count("__meta_docker_container_label_a_long"), 0u);
  EXPECT_EQ(set.at("__meta_docker_container_label_a_max").size(), kMaxDockerLabelValueBytes);
  EXPECT_EQ(set.count("__meta_docker_container_label_l0254"), 1u);
  EXPECT_EQ(set.count("__meta_docker_container_label_l0255"), 0u);
  EXPECT_EQ(set.count("__meta_docker_network_label_l0254"), 1u);
  EXPECT_EQ(set.count("__meta_docker_network_label_l0255"), 0u);
}

// The list parsing: what the daemon may send that is not a container discovery can use.
struct ParseCase {
  const char* name;
  std::string body;
  bool ok;
};
void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

class ParseList : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseList, RefusesWhatIsNotAList) {
  const ParseCase& c = GetParam();
  EXPECT_EQ(docker::ParseContainerList(c.body).ok(), c.ok) << docker::ParseContainerList(c.body).status().ToString();
  EXPECT_EQ(docker::ParseNetworkList(c.body).ok(), c.ok);
}

INSTANTIATE_TEST_SUITE_P(
    DockerClient, ParseList,
    testing::Values(ParseCase{"EmptyList", "[]", true},
                    ParseCase{"NotAnArray", R"({"message": "x"})", false},
                    ParseCase{"NotJson", "[{", false},
                    ParseCase{"InvalidUtf8", "[{\"Id\": \"a\xFF\"}]", false},
                    ParseCase{"NestedPastTheBound", std::string(docker::kMaxResponseDepth + 1, '[') +
                                                        std::string(docker::kMaxResponseDepth + 1, ']'),
                              false},
                    ParseCase{"NestedWithinTheBound", "[" + std::string(docker::kMaxResponseDepth - 1, '[') +
                                                          std::string(docker::kMaxResponseDepth - 1, ']') + "]",
                              true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DockerClientParse, FieldsOfOtherTypesAreAbsentAndBadPortsLeftOut) {
  auto list = docker::ParseContainerList(R"([{"Id": 7, "Names": [1], "Labels": null, "HostConfig": null,
      "Ports": [{"PrivatePort": 70000, "Type": "tcp"}, {"PrivatePort": -1, "Type": "tcp"},
                {"PrivatePort": 80, "PublicPort": "x", "Type": "tcp"}],
      "NetworkSettings": {"Networks": {"n": null, "m": {"NetworkID": "m1", "IPAddress": 5}}}}])");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  const Container& c = (*list)[0];
  EXPECT_EQ(c.id, "");
  EXPECT_EQ(c.name, "");
  EXPECT_TRUE(c.labels.empty());
  EXPECT_EQ(c.network_mode, "");
  EXPECT_EQ(c.ports, (std::vector<docker::ContainerPort>{{80, 0, "", "tcp"}}));
  EXPECT_FALSE(c.networks.at("n").has_value());
  EXPECT_EQ(c.networks.at("m"), (NetworkEndpoint{"m1", "", ""}));
}

}  // namespace
}  // namespace agent::discovery
