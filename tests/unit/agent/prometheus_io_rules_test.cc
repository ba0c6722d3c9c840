// agent/discovery PrometheusIoDockerRules: the prometheus.io/* container label convention applied
// (agent/relabel) to what Docker discovery yields for containers that carry it or not.
#include "agent/discovery/prometheus_io_rules.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "agent/discovery/docker_discovery.h"

namespace agent::discovery {
namespace {

using LabelSet = std::map<std::string, std::string>;

struct RulesCase {
  const char* name;
  std::string container;  // one container of GET /containers/json, on network "n" (10.0.0.2)
  std::vector<std::optional<LabelSet>> expected;  // per discovered target: nullopt when dropped
};
void PrintTo(const RulesCase& c, std::ostream* os) { *os << c.name; }

class PrometheusIoRules : public testing::TestWithParam<RulesCase> {};

// Of each kept target, the labels the scrape manager reads (the __meta_ labels set aside).
TEST_P(PrometheusIoRules, KeepDropAndShapeTargets) {
  const RulesCase& c = GetParam();
  auto containers = docker::ParseContainerList("[" + c.container + "]");
  ASSERT_TRUE(containers.ok()) << containers.status().ToString();
  auto rules = relabel::CompiledRules::Compile(PrometheusIoDockerRules());
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  const DockerTargets found = DockerTargetsFrom(*containers, {}, {});
  ASSERT_EQ(found.targets.size(), c.expected.size());
  for (size_t i = 0; i < found.targets.size(); ++i) {
    SCOPED_TRACE(i);
    fleet::metrics::Labels labels = found.targets[i];
    const bool kept = rules->Process(&labels);
    ASSERT_EQ(kept, c.expected[i].has_value());
    if (!kept) continue;
    LabelSet got;
    for (const auto& l : labels) {
      if (!l.name.starts_with("__meta_")) got[l.name] = l.value;
    }
    EXPECT_EQ(got, *c.expected[i]);
  }
}

std::string Container(const std::string& labels, const std::string& ports, const std::string& mode = "n",
                      const std::string& ip = R"("IPAddress": "10.0.0.2")") {
  return R"({"Id": "c1", "Names": ["/app"], "HostConfig": {"NetworkMode": ")" + mode + R"("},
             "Labels": {)" + labels + R"(}, "Ports": [)" + ports + R"(],
             "NetworkSettings": {"Networks": {"n": {"NetworkID": "n1", )" + ip + "}}}}";
}

constexpr const char* kAll = R"("prometheus.io/scrape": "true", "prometheus.io/port": "9100",
                                "prometheus.io/path": "/custom/metrics", "prometheus.io/scheme": "https")";
constexpr const char* kTwoPorts = R"({"PrivatePort": 80, "Type": "tcp"}, {"PrivatePort": 9100, "Type": "tcp"})";

INSTANTIATE_TEST_SUITE_P(
    DockerDiscovery, PrometheusIoRules,
    testing::Values(
        RulesCase{"NotLabelledIsDropped", Container(R"("app": "x")", kTwoPorts), {std::nullopt, std::nullopt}},
        RulesCase{"ScrapeOtherThanTrueIsDropped", Container(R"("prometheus.io/scrape": "false")", ""),
                  {std::nullopt}},
        RulesCase{"ScrapeTrueAloneKeepsEachPortAsDiscovered",
                  Container(R"("prometheus.io/scrape": "true")", kTwoPorts),
                  {LabelSet{{"__address__", "10.0.0.2:80"}}, LabelSet{{"__address__", "10.0.0.2:9100"}}}},
        RulesCase{"AllLabelsSetPortPathScheme", Container(kAll, kTwoPorts),
                  {LabelSet{{"__address__", "10.0.0.2:9100"},
                            {"__metrics_path__", "/custom/metrics"},
                            {"__scheme__", "https"}},
                   LabelSet{{"__address__", "10.0.0.2:9100"},
                            {"__metrics_path__", "/custom/metrics"},
                            {"__scheme__", "https"}}}},
        RulesCase{"PortOnAContainerWithoutPorts",
                  Container(R"("prometheus.io/scrape": "true", "prometheus.io/port": "8080")", ""),
                  {LabelSet{{"__address__", "10.0.0.2:8080"}}}},
        RulesCase{"PortOnHostNetworkingAddsOne",
                  Container(R"("prometheus.io/scrape": "true", "prometheus.io/port": "8080")", "", "host",
                            R"("IPAddress": "")"),
                  {LabelSet{{"__address__", "localhost:8080"}}}},
        RulesCase{"PortOnIpv6KeepsBrackets",
                  Container(R"("prometheus.io/scrape": "true", "prometheus.io/port": "8080")",
                            R"({"PrivatePort": 80, "Type": "tcp"})", "n",
                            R"("IPAddress": "", "GlobalIPv6Address": "fc00::2")"),
                  {LabelSet{{"__address__", "[fc00::2]:8080"}}}},
        RulesCase{"PortNotANumberIsIgnored",
                  Container(R"("prometheus.io/scrape": "true", "prometheus.io/port": "http")",
                            R"({"PrivatePort": 80, "Type": "tcp"})"),
                  {LabelSet{{"__address__", "10.0.0.2:80"}}}},
        RulesCase{"SchemeOtherThanHttpOrHttpsIsIgnored_EmptyPathIgnored",
                  Container(R"("prometheus.io/scrape": "true", "prometheus.io/scheme": "ftp",
                               "prometheus.io/path": "")",
                            R"({"PrivatePort": 80, "Type": "tcp"})"),
                  {LabelSet{{"__address__", "10.0.0.2:80"}}}}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace agent::discovery
