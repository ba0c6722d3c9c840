// Target building, Prometheus' PopulateLabels: the cases of Prometheus' own TestPopulateLabels
// (scrape/manager_test.go, v3; without the native histogram labels, which the agent has no
// settings for), plus a target relabelConfigs drop and the labels a target's series carry.
#include "agent/scrape/target_labels.h"

#include <gtest/gtest.h>

namespace agent::scrape {
namespace {

using fleet::metrics::Labels;

ScrapeConfig Config(std::vector<relabel::Rule> rules = {}) {
  ScrapeConfig c;
  c.scheme = "https";
  c.metrics_path = "/metrics";
  c.job_name = "job";
  c.scrape_interval = c.scrape_timeout = std::chrono::seconds(1);
  auto compiled = relabel::CompiledRules::Compile(std::move(rules));
  EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
  c.relabel = *compiled;
  return c;
}

Labels Sorted(Labels labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return labels;
}

TEST(PopulateTargetLabels, PrometheusCases) {
  relabel::Rule address_from_custom;
  address_from_custom.source_labels = {"custom"};
  address_from_custom.regex = "(.*)";
  address_from_custom.replacement = "${1}";
  address_from_custom.target_label = "__address__";
  const struct {
    const char* name;
    Labels in;
    ScrapeConfig config;
    Labels want;      // empty: no target
    const char* err;  // "": none
  } cases[] = {
      {"regular population of scrape config options",
       {{"__address__", "1.2.3.4:1000"}, {"custom", "value"}},
       Config(),
       {{"__address__", "1.2.3.4:1000"}, {"instance", "1.2.3.4:1000"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}, {"custom", "value"}},
       ""},
      {"pre-defined scrape config labels win; no default port",
       {{"__address__", "1.2.3.4"}, {"__scheme__", "http"}, {"__metrics_path__", "/custom"},
        {"job", "custom-job"}, {"__scrape_interval__", "2s"}, {"__scrape_timeout__", "2s"}},
       Config(),
       {{"__address__", "1.2.3.4"}, {"instance", "1.2.3.4"}, {"__scheme__", "http"},
        {"__metrics_path__", "/custom"}, {"job", "custom-job"}, {"__scrape_interval__", "2s"},
        {"__scrape_timeout__", "2s"}},
       ""},
      {"an instance label of its own, IPv6 without a port",
       {{"__address__", "[::1]"}, {"instance", "custom-instance"}},
       Config(),
       {{"__address__", "[::1]"}, {"instance", "custom-instance"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       ""},
      {"address label missing", {{"custom", "value"}}, Config(), {}, "no address"},
      {"address label missing, but added in relabelling",
       {{"custom", "host:1234"}},
       Config({address_from_custom}),
       {{"__address__", "host:1234"}, {"instance", "host:1234"}, {"__scheme__", "https"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}, {"custom", "host:1234"}},
       ""},
      {"invalid UTF-8 in a label",
       {{"__address__", "1.2.3.4:1000"}, {"custom", "\xbd"}},
       Config(), {}, "invalid label value for \"custom\": \"\xef\xbf\xbd\""},
      {"invalid duration in the interval label",
       {{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "2notseconds"}},
       Config(), {}, "error parsing scrape interval: not a duration (like 15s, 1m30s, 500ms): \"2notseconds\""},
      {"invalid duration in the timeout label",
       {{"__address__", "1.2.3.4:1000"}, {"__scrape_timeout__", "2notseconds"}},
       Config(), {}, "error parsing scrape timeout: not a duration (like 15s, 1m30s, 500ms): \"2notseconds\""},
      {"0 interval", {{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "0s"}}, Config(), {},
       "scrape interval cannot be 0"},
      {"0 timeout", {{"__address__", "1.2.3.4:1000"}, {"__scrape_timeout__", "0s"}}, Config(), {},
       "scrape timeout cannot be 0"},
      {"timeout greater than interval",
       {{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "1s"}, {"__scrape_timeout__", "2s"}},
       Config(), {}, "scrape timeout cannot be greater than scrape interval (\"2s\" > \"1s\")"},
      {"the default port is not removed (http)",
       {{"__address__", "1.2.3.4:80"}},
       [] { ScrapeConfig c = Config(); c.scheme = "http"; return c; }(),
       {{"__address__", "1.2.3.4:80"}, {"instance", "1.2.3.4:80"}, {"__scheme__", "http"},
        {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
        {"__scrape_timeout__", "1s"}},
       ""},
      {"an address that is a URL", {{"__address__", "http://h:1/metrics"}}, Config(), {},
       "\"http://h:1/metrics\" is not a valid hostname"},
      {"__meta_ labels are gone after relabelling",
       {{"__address__", "h:1"}, {"__meta_docker_container_name", "web"}},
       Config(), {{"__address__", "h:1"}, {"instance", "h:1"}, {"__scheme__", "https"},
                  {"__metrics_path__", "/metrics"}, {"job", "job"}, {"__scrape_interval__", "1s"},
                  {"__scrape_timeout__", "1s"}},
       ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto got = PopulateTargetLabels(Sorted(c.in), c.config);
    if (*c.err) {
      ASSERT_FALSE(got.ok());
      EXPECT_EQ(got.status().message(), c.err);
      continue;
    }
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ((*got)->labels, Sorted(c.want));
  }
}

TEST(PopulateTargetLabels, TheTargetsSeriesLabelsUrlAndTimes) {
  relabel::Rule drop_staging;
  drop_staging.action = relabel::Action::kDrop;
  drop_staging.source_labels = {"env"};
  drop_staging.regex = "staging";
  relabel::Rule path_from_meta;
  path_from_meta.source_labels = {"__meta_path"};
  path_from_meta.regex = "(.+)";
  path_from_meta.target_label = "__metrics_path__";
  ScrapeConfig config = Config({drop_staging, path_from_meta});
  config.scrape_interval = std::chrono::seconds(30);
  config.scrape_timeout = std::chrono::seconds(10);

  auto dropped = PopulateTargetLabels(Sorted({{"__address__", "h:1"}, {"env", "staging"}}), config);
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(dropped->has_value()) << "a target relabelConfigs drops is no target, and no error";

  auto kept = PopulateTargetLabels(Sorted({{"__address__", "h:1"}, {"env", "prod"}, {"__meta_path", "/m"}}), config);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  ASSERT_TRUE(kept->has_value());
  const ScrapeTarget& t = **kept;
  EXPECT_EQ(t.public_labels, (Labels{{"env", "prod"}, {"instance", "h:1"}, {"job", "job"}}));
  EXPECT_EQ(t.url, "https://h:1/m");
  EXPECT_EQ(t.interval, std::chrono::seconds(30));
  EXPECT_EQ(t.timeout, std::chrono::seconds(10));
  EXPECT_EQ(TargetComponentName(t), "scrape/job/h:1");
}

}  // namespace
}  // namespace agent::scrape
