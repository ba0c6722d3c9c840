// The container collector over cgroup v1 and v2 fixture trees with a fake container list:
// cAdvisor's families, label names and units for both cgroup versions.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/container/cgroups.h"
#include "agent/container/container_collector.h"
#include "fleet/core/metrics.h"

namespace agent {
namespace {

const std::string kFixtures = std::string(VPSFLEET_SOURCE_DIR) + "/tests/e2e/fixtures";
const std::string kId1(64, '1');
const std::string kId2(64, '2');

class FakeLister : public ContainerLister {
 public:
  explicit FakeLister(std::vector<ContainerInfo> containers, int* calls = nullptr)
      : containers_(std::move(containers)), calls_(calls) {}
  fleet::Result<std::vector<ContainerInfo>> Running() override {
    if (calls_) ++*calls_;
    return containers_;
  }
  void Set(std::vector<ContainerInfo> containers) { containers_ = std::move(containers); }

 private:
  std::vector<ContainerInfo> containers_;
  int* calls_;
};

std::string Collect(const std::string& cgroup_root, const std::vector<ContainerInfo>& running,
                    bool docker_labels = true) {
  HostPaths paths;
  paths.procfs = kFixtures + "/host/proc";
  paths.sysfs = kFixtures + "/host/sys";
  auto collector = NewContainerCollector(std::make_unique<FakeLister>(running),
                                         DetectCgroups(cgroup_root), {paths, docker_labels});
  std::vector<fleet::metrics::Family> families;
  EXPECT_TRUE(collector->Collect(&families).ok());
  std::string text = "\n";
  fleet::metrics::WriteText(families, &text);
  return text;
}

struct Case {
  const char* name;
  std::string root;
  ContainerInfo container;
  std::string cgroup;  // the id label
  std::vector<std::string> samples;  // "<family>{<extra labels, then base>} <value>" built below
};

TEST(DetectCgroups, PicksVersionFromRoot) {
  EXPECT_EQ(DetectCgroups(kFixtures + "/cgroup1")->version(), 1);
  EXPECT_EQ(DetectCgroups(kFixtures + "/cgroup2")->version(), 2);
}

TEST(ContainerCollector, CadvisorFamiliesForBothCgroupVersions) {
  const Case cases[] = {
      {"v1",
       kFixtures + "/cgroup1",
       {kId1, "web", "nginx:1.25", {{"com.example.team", "core"}}},
       "/docker/" + kId1,
       {"container_cpu_user_seconds_total 2", "container_cpu_system_seconds_total 1",
        "container_cpu_cfs_periods_total 30", "container_cpu_cfs_throttled_periods_total 12",
        "container_cpu_cfs_throttled_seconds_total 1.5", "container_memory_usage_bytes 10485760",
        "container_memory_working_set_bytes 9437184", "container_memory_rss 6291456",
        "container_memory_cache 2097152", "container_memory_swap 4096",
        "container_memory_failcnt 3", "container_memory_max_usage_bytes 16777216",
        "container_oom_events_total 1", "container_spec_memory_limit_bytes 16777216",
        "container_spec_cpu_quota 10000", "container_spec_cpu_period 100000",
        "container_spec_cpu_shares 512", "container_processes 1", "container_threads 2"}},
      {"v2",
       kFixtures + "/cgroup2",
       {kId2, "db", "postgres:16", {{"com.example.team", "core"}}},
       "/system.slice/docker-" + kId2 + ".scope",
       {"container_cpu_user_seconds_total 1.5", "container_cpu_system_seconds_total 1",
        "container_cpu_cfs_periods_total 40", "container_cpu_cfs_throttled_periods_total 7",
        "container_cpu_cfs_throttled_seconds_total 0.35", "container_memory_usage_bytes 8388608",
        "container_memory_working_set_bytes 7340032", "container_memory_rss 4194304",
        "container_memory_cache 3145728", "container_memory_swap 4096",
        "container_memory_failcnt 5", "container_memory_max_usage_bytes 12582912",
        "container_oom_events_total 2", "container_spec_memory_limit_bytes 16777216",
        "container_spec_cpu_quota 10000", "container_spec_cpu_period 100000",
        "container_spec_cpu_shares 2597", "container_processes 2", "container_threads 3"}},
  };
  for (const Case& c : cases) {
    const std::string base = "container_label_com_example_team=\"core\",id=\"" + c.cgroup +
                             "\",image=\"" + c.container.image + "\",name=\"" +
                             c.container.name + "\"";
    const std::string text = Collect(c.root, {c.container});
    std::vector<std::string> want;
    for (const std::string& s : c.samples) {
      const size_t space = s.find(' ');
      want.push_back(s.substr(0, space) + "{" + base + "}" + s.substr(space));
    }
    const std::string usage = c.name == std::string("v1") ? "3" : "2.5";
    want.push_back("container_cpu_usage_seconds_total{container_label_com_example_team=\"core\","
                   "cpu=\"total\",id=\"" + c.cgroup + "\",image=\"" + c.container.image +
                   "\",name=\"" + c.container.name + "\"} " + usage);
    const std::string net = "container_label_com_example_team=\"core\",id=\"" + c.cgroup +
                            "\",image=\"" + c.container.image + "\",interface=\"eth0\",name=\"" +
                            c.container.name + "\"";
    for (const char* s : {"container_network_receive_bytes_total{%} 1462",
                          "container_network_receive_packets_total{%} 17",
                          "container_network_receive_errors_total{%} 1",
                          "container_network_receive_packets_dropped_total{%} 2",
                          "container_network_transmit_bytes_total{%} 700",
                          "container_network_transmit_packets_total{%} 9",
                          "container_network_transmit_errors_total{%} 3",
                          "container_network_transmit_packets_dropped_total{%} 4"}) {
      std::string line = s;
      line.replace(line.find('%'), 1, net);
      want.push_back(line);
    }
    const std::string dev = "container_label_com_example_team=\"core\",device=\"/dev/vda\",id=\"" +
                            c.cgroup + "\",image=\"" + c.container.image + "\",name=\"" +
                            c.container.name + "\"";
    want.push_back("container_fs_reads_bytes_total{" + dev + "} 40960");
    want.push_back("container_fs_writes_bytes_total{" + dev + "} 8192");
    want.push_back("# TYPE container_oom_events_total counter");
    want.push_back("# TYPE container_memory_usage_bytes gauge");
    for (const std::string& line : want) {
      EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos)
          << c.name << ": missing\n  " << line << "\nin:\n" << text;
    }
    EXPECT_EQ(text.find("interface=\"lo\""), std::string::npos) << c.name;
  }
}

TEST(ContainerCollector, StartTimeIsCgroupCreationTime) {
  const std::string dir = kFixtures + "/cgroup2/system.slice/docker-" + kId2 + ".scope";
  // git does not keep mtimes, so set the one the test expects.
  const auto when = std::chrono::file_clock::from_sys(
      std::chrono::sys_seconds(std::chrono::seconds(1767323045)));
  std::filesystem::last_write_time(dir, when);
  const std::string text = Collect(kFixtures + "/cgroup2", {{kId2, "db", "postgres:16", {}}});
  EXPECT_NE(text.find("\ncontainer_start_time_seconds{id=\"/system.slice/docker-" + kId2 +
                      ".scope\",image=\"postgres:16\",name=\"db\"} 1767323045\n"),
            std::string::npos)
      << text;
}

TEST(ContainerCollector, LabelsOffAndUnknownContainersSkipped) {
  const std::string text =
      Collect(kFixtures + "/cgroup1",
              {{kId1, "web", "nginx", {{"a", "b"}}}, {std::string(64, 'f'), "gone", "x", {}}},
              /*docker_labels=*/false);
  EXPECT_EQ(text.find("container_label_"), std::string::npos);
  EXPECT_EQ(text.find("name=\"gone\""), std::string::npos);
  EXPECT_NE(text.find("name=\"web\""), std::string::npos);
}

TEST(ContainerCollector, AsksTheListerOnlyWhenCgroupsChange) {
  const struct {
    const char* name;
    std::vector<ContainerInfo> listed;
    int want_calls_for_three_scrapes;
  } cases[] = {
      {"list matches the cgroups: asked once", {{kId1, "web", "nginx", {}}}, 1},
      {"a listed container has no cgroup yet: asked every time",
       {{kId1, "web", "nginx", {}}, {std::string(64, 'a'), "new", "x", {}}}, 3},
  };
  for (const auto& c : cases) {
    int calls = 0;
    auto collector = NewContainerCollector(std::make_unique<FakeLister>(c.listed, &calls),
                                           DetectCgroups(kFixtures + "/cgroup1"), {});
    for (int i = 0; i < 3; ++i) {
      std::vector<fleet::metrics::Family> families;
      ASSERT_TRUE(collector->Collect(&families).ok());
    }
    EXPECT_EQ(calls, c.want_calls_for_three_scrapes) << c.name;
  }
}

// A rename changes no cgroup: the collector asks Docker again after relist_interval anyway.
TEST(ContainerCollector, AsksAgainAfterTheRelistIntervalAndSeesARename) {
  std::chrono::steady_clock::time_point now{};
  ContainerCollectorOptions options;
  options.paths.procfs = kFixtures + "/host/proc";
  options.paths.sysfs = kFixtures + "/host/sys";
  options.now = [&] { return now; };
  int calls = 0;
  auto lister = std::make_unique<FakeLister>(std::vector<ContainerInfo>{{kId1, "web", "nginx", {}}}, &calls);
  FakeLister* docker = lister.get();
  auto collector = NewContainerCollector(std::move(lister), DetectCgroups(kFixtures + "/cgroup1"), options);
  auto names = [&] {
    std::vector<fleet::metrics::Family> families;
    EXPECT_TRUE(collector->Collect(&families).ok());
    std::string text;
    fleet::metrics::WriteText(families, &text);
    return std::make_pair(text.find("name=\"web\"") != std::string::npos,
                          text.find("name=\"frontend\"") != std::string::npos);
  };
  EXPECT_EQ(names(), std::make_pair(true, false));
  docker->Set({{kId1, "frontend", "nginx", {}}});  // docker rename web frontend
  now += std::chrono::seconds(59);
  EXPECT_EQ(names(), std::make_pair(true, false)) << "within the interval the listing is reused";
  EXPECT_EQ(calls, 1);
  now += std::chrono::seconds(2);
  EXPECT_EQ(names(), std::make_pair(false, true)) << "the new name, and the old one's series are gone";
  EXPECT_EQ(calls, 2);
}

// Limits are read when the collector learns a container, not on every scrape: a `docker update`
// shows at the next listing; a container that restarts into a new cgroup is learnt afresh.
TEST(ContainerCollector, SpecIsReadAgainAtTheNextListing) {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("vpsfleet-cgroup1-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::copy(kFixtures + "/cgroup1", root, std::filesystem::copy_options::recursive);
  const std::filesystem::path limit = root / "memory/docker" / kId1 / "memory.limit_in_bytes";
  std::chrono::steady_clock::time_point now{};
  ContainerCollectorOptions options;
  options.paths.procfs = kFixtures + "/host/proc";
  options.paths.sysfs = kFixtures + "/host/sys";
  options.now = [&] { return now; };
  auto collector = NewContainerCollector(
      std::make_unique<FakeLister>(std::vector<ContainerInfo>{{kId1, "web", "nginx", {}}}),
      DetectCgroups(root.string()), options);
  auto limit_served = [&] {
    std::vector<fleet::metrics::Family> families;
    EXPECT_TRUE(collector->Collect(&families).ok());
    for (const auto& f : families) {
      if (f.name == "container_spec_memory_limit_bytes" && f.samples.size() == 1) return f.samples[0].value;
    }
    return -1.0;
  };
  EXPECT_EQ(limit_served(), 16777216);
  std::ofstream(limit) << "33554432\n";  // docker update --memory 32m
  now += std::chrono::seconds(30);
  EXPECT_EQ(limit_served(), 16777216) << "within the relist interval the learnt spec is served";
  now += std::chrono::seconds(31);
  EXPECT_EQ(limit_served(), 33554432) << "the next listing reads it again";
  std::filesystem::remove_all(root);
}

TEST(KeyValues, LooksUpLinesOfAKeyValueFile) {
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / ("vpsfleet-kv-" + std::to_string(::getpid()));
  std::ofstream(file) << "cache 4096\nrss 8192\ntotal_rss 12288\nbroken line here\nnovalue\n";
  OpenFiles files;
  const KeyValues kv(files, file.string());
  EXPECT_EQ(kv["rss"], 8192u);
  EXPECT_EQ(kv["total_rss"], 12288u) << "a key that ends like another is its own";
  EXPECT_EQ(kv["absent"], 0u);
  EXPECT_TRUE(kv.Has("cache"));
  EXPECT_FALSE(kv.Has("broken"));
  EXPECT_FALSE(kv.Has("novalue"));
  const KeyValues missing(files, file.string() + ".missing");
  EXPECT_FALSE(missing.Has("rss"));
  std::filesystem::remove(file);
}

TEST(DockerIdsUnder, BothDrivers) {
  EXPECT_EQ(DetectCgroups(kFixtures + "/cgroup1")->DockerIds(), std::set<std::string>{kId1});
  EXPECT_EQ(DetectCgroups(kFixtures + "/cgroup2")->DockerIds(), std::set<std::string>{kId2});
}

TEST(ContainerLabelName, SanitizesLikeCadvisor) {
  EXPECT_EQ(ContainerLabelName("com.docker.compose.project"),
            "container_label_com_docker_compose_project");
  EXPECT_EQ(ContainerLabelName("a-b/c:d_E9"), "container_label_a_b_c_d_E9");
}

}  // namespace
}  // namespace agent
