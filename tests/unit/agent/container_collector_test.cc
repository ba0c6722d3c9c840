// The container collector over cgroup v1 and v2 fixture trees with a fake container list:
// cAdvisor's families, label names and units for both cgroup versions.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "agent/container/cgroups.h"
#include "agent/container/container_collector.h"
#include "agent/container/fs_usage.h"
#include "agent/container/machine_collector.h"
#include "agent/container/process_stats.h"
#include "fleet/core/metrics.h"
#include "tests/common/temp_dir.h"

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
  fleet::Result<std::vector<std::string>> StorageDirs(const std::string&) override {
    return fleet::Status::NotFound("no storage in this fake");
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
                                         DetectCgroups(cgroup_root, paths.procfs),
                                         {paths, docker_labels});
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

// A sample line as WriteText writes it: labels in name order (a std::map's order).
std::string Line(const std::string& family, const std::map<std::string, std::string>& labels,
                 const std::string& value) {
  std::string line = family + "{";
  for (const auto& [name, v] : labels) {
    line += (line.back() == '{' ? "" : ",") + name + "=\"" + v + "\"";
  }
  return line + "} " + value;
}

// The families cAdvisor adds from memory.stat's fault counters and from /proc (descriptors,
// sockets, tasks by state), for both cgroup versions; the fixture's pids are in
// tests/e2e/fixtures/host/proc (4250's command name holds ") R (" to trip a naive parser).
TEST(ContainerCollector, FaultsDescriptorsSocketsAndTaskStates) {
  const struct {
    const char* name;
    std::string root;
    ContainerInfo container;
    std::string cgroup;
    std::string pgfault, pgmajfault, fds, sockets, sleeping, running, stopped, uninterruptible;
  } cases[] = {
      {"v1: pid 4242 (4 fds, 2 sockets), threads 4242 S and 4250 R",
       kFixtures + "/cgroup1", {kId1, "web", "nginx", {}}, "/docker/" + kId1,
       "1234", "12", "4", "2", "1", "1", "0", "0"},
      {"v2: pids 4242 and 4243 (5 fds, 3 sockets), threads S, D and T",
       kFixtures + "/cgroup2", {kId2, "db", "postgres", {}}, "/system.slice/docker-" + kId2 + ".scope",
       "5678", "34", "5", "3", "1", "0", "1", "1"},
  };
  for (const auto& c : cases) {
    const std::string text = Collect(c.root, {c.container});
    std::map<std::string, std::string> base = {
        {"id", c.cgroup}, {"image", c.container.image}, {"name", c.container.name}};
    auto with = [&](std::map<std::string, std::string> extra) {
      extra.insert(base.begin(), base.end());
      return extra;
    };
    std::vector<std::string> want = {
        Line("container_file_descriptors", base, c.fds),
        Line("container_sockets", base, c.sockets),
        Line("container_tasks_state", with({{"state", "sleeping"}}), c.sleeping),
        Line("container_tasks_state", with({{"state", "running"}}), c.running),
        Line("container_tasks_state", with({{"state", "stopped"}}), c.stopped),
        Line("container_tasks_state", with({{"state", "uninterruptible"}}), c.uninterruptible),
        Line("container_tasks_state", with({{"state", "iowaiting"}}), "0"),
        "# TYPE container_memory_failures_total counter",
    };
    for (const char* scope : {"container", "hierarchy"}) {
      want.push_back(Line("container_memory_failures_total",
                          with({{"failure_type", "pgfault"}, {"scope", scope}}), c.pgfault));
      want.push_back(Line("container_memory_failures_total",
                          with({{"failure_type", "pgmajfault"}, {"scope", scope}}), c.pgmajfault));
    }
    for (const std::string& line : want) {
      EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos)
          << c.name << ": missing\n  " << line << "\nin:\n" << text;
    }
  }
}

TEST(ProcStatState, TheFieldAfterTheLastParenthesis) {
  const struct {
    const char* stat;
    char want;
  } cases[] = {
      {"1 (init) S 0 1 1", 'S'},
      {"7 (a) R (b) D 1 7", 'D'},
      {"8 ((x)) T 1", 'T'},
      {"9 (noclose S 1", '\0'},
      {"10 (ends)", '\0'},
      {"11 (nospace)R 1", '\0'},
      {"", '\0'},
  };
  for (const auto& c : cases) EXPECT_EQ(ProcStatState(c.stat), c.want) << c.stat;
}

// cAdvisor's raw containers: the root (its memory from /proc/meminfo on cgroup v2, which has no
// memory.current at the root) and each systemd unit, labelled by id alone; Docker's own scopes
// are containers, not units. Turned off by system_cgroups.
TEST(ContainerCollector, RootAndSystemdUnitCgroups) {
  EXPECT_EQ(DetectCgroups(kFixtures + "/cgroup2")->SystemCgroups(),
            (std::vector<std::string>{"/", "/system.slice", "/system.slice/ssh.service"}));
  const std::string text = Collect(kFixtures + "/cgroup2", {});
  // MemTotal - MemFree of tests/e2e/fixtures/host/proc/meminfo, in bytes.
  const std::string root_usage = std::to_string((24684092ull - 23972484ull) * 1024);
  for (const std::string& line : {
           Line("container_cpu_usage_seconds_total", {{"cpu", "total"}, {"id", "/"}}, "9"),
           Line("container_memory_usage_bytes", {{"id", "/"}}, root_usage),
           Line("container_memory_rss", {{"id", "/"}}, "104857600"),
           Line("container_memory_failures_total",
                {{"failure_type", "pgmajfault"}, {"id", "/"}, {"scope", "container"}}, "9"),
           Line("container_cpu_usage_seconds_total",
                {{"cpu", "total"}, {"id", "/system.slice/ssh.service"}}, "0.7"),
           Line("container_memory_usage_bytes", {{"id", "/system.slice/ssh.service"}}, "5242880"),
           Line("container_processes", {{"id", "/system.slice/ssh.service"}}, "1"),
       }) {
    EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos) << "missing\n  " << line << "\nin:\n" << text;
  }
  for (const char* family : {"container_tasks_state", "container_file_descriptors", "container_sockets"}) {
    EXPECT_EQ(text.find(std::string("\n") + family + "{id=\"/"), std::string::npos)
        << family << ": /proc is walked for containers only";
  }
  EXPECT_EQ(text.find("id=\"/system.slice/docker-"), std::string::npos)
      << "a Docker scope is served only as a listed container";

  ContainerCollectorOptions off;
  off.paths.procfs = kFixtures + "/host/proc";
  off.system_cgroups = false;
  auto collector = NewContainerCollector(std::make_unique<FakeLister>(std::vector<ContainerInfo>{}),
                                         DetectCgroups(kFixtures + "/cgroup2"), off);
  std::vector<fleet::metrics::Family> families;
  ASSERT_TRUE(collector->Collect(&families).ok());
  for (const auto& f : families) EXPECT_TRUE(f.samples.empty()) << f.name;
}

TEST(MeasureDir, CountsBlocksLikeDuHardLinksOnceSymlinksNotFollowed) {
  testsupport::TempDir dir;
  const std::string big(256 * 1024, 'x');
  dir.Write("layer/a", big);
  dir.Write("layer/sub/deeper/b", big);
  ASSERT_EQ(::link((dir.path() / "layer/a").c_str(), (dir.path() / "layer/sub/a-again").c_str()), 0);
  dir.Write("outside", std::string(1024 * 1024, 'y'));
  std::filesystem::create_symlink(dir.path() / "outside", dir.path() / "layer/link");
  auto usage = MeasureDir((dir.path() / "layer").string());
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  // a, b, a-again (the same inode as a), link, and the directories layer, sub, deeper.
  EXPECT_EQ(usage->inodes, 6u);
  EXPECT_GE(usage->bytes, 2 * big.size()) << "both files' blocks";
  EXPECT_LT(usage->bytes, 2 * big.size() + 1024 * 1024) << "not a-again twice, not what link points to";
  EXPECT_FALSE(MeasureDir((dir.path() / "absent").string()).ok());

  // The set of hard-linked inodes is bounded: as from a container that writes millions of links.
  // layer has one hard-linked inode (a, a-again); a second makes two.
  ASSERT_EQ(::link((dir.path() / "layer/sub/deeper/b").c_str(), (dir.path() / "layer/b-again").c_str()), 0);
  EXPECT_TRUE(MeasureDir((dir.path() / "layer").string(), 2).ok()) << "two linked inodes fit in 2";
  auto capped = MeasureDir((dir.path() / "layer").string(), 1);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.status().code(), fleet::Code::kTooLarge) << capped.status().ToString();
}

TEST(ParseMountInfo, DevicesMountPointsAndSources) {
  const auto mounts = ParseMountInfo(
      "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
      "40 22 0:21 / /mnt/with\\040space rw - nfs server:/export rw\n"
      "41 22 8:16 / /data rw master:3 propagate_from:2 - xfs /dev/sdb rw\n"
      "garbage line\n"
      "42 22 x:y / /bad rw - ext4 /dev/sdc rw\n");
  ASSERT_EQ(mounts.size(), 3u);
  EXPECT_EQ(mounts[0].major, 254u);
  EXPECT_EQ(mounts[0].minor, 1u);
  EXPECT_EQ(mounts[0].source, "/dev/vda1");
  EXPECT_EQ(mounts[1].mount_point, "/mnt/with space");
  EXPECT_EQ(mounts[1].source, "server:/export");
  EXPECT_EQ(mounts[2].mount_point, "/data") << "optional fields before the dash are skipped";
  EXPECT_EQ(mounts[2].source, "/dev/sdb");
}

// The tracker measures on its own thread: what a scrape reads appears after the first walk.
TEST(FsUsageTracker, MeasuresTrackedDirsOffTheCallersThreadAndForgetsUntracked) {
  testsupport::TempDir dir;
  dir.Write("layer/file", std::string(512 * 1024, 'z'));
  FsUsageTracker tracker(std::chrono::milliseconds(50), "/proc/self/mountinfo");
  tracker.Track("c1", {(dir.path() / "layer").string()});
  std::vector<FsUsage> usage;
  for (int i = 0; i < 400 && usage.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    usage = tracker.Usage("c1");
  }
  ASSERT_EQ(usage.size(), 1u) << "no result within 10 s";
  EXPECT_GE(usage[0].usage_bytes, 512u * 1024);
  EXPECT_GT(usage[0].limit_bytes, usage[0].usage_bytes);
  EXPECT_FALSE(usage[0].device.empty());
  tracker.Retain({"other"});
  EXPECT_TRUE(tracker.Usage("c1").empty());
}

TEST(DockerStorageDirs, WritableLayerThenContainerDirectory) {
  const std::string layer = "/var/lib/docker/overlay2/abc/diff";
  const std::string hostname = "/var/lib/docker/containers/abc/hostname";
  auto dirs = DockerStorageDirs(layer, hostname);
  ASSERT_TRUE(dirs.ok());
  EXPECT_EQ(*dirs, (std::vector<std::string>{layer, "/var/lib/docker/containers/abc"}));
  EXPECT_EQ(DockerStorageDirs("", hostname)->size(), 1u) << "no overlay2 layer (another driver)";
  EXPECT_FALSE(DockerStorageDirs("", "").ok());
  for (const std::string& bad : {std::string("relative/diff"), std::string("/a/../etc"),
                                 std::string("/a/.."), std::string("/a\0b", 4)}) {
    EXPECT_FALSE(DockerStorageDirs(bad, hostname).ok()) << bad;
  }
}

TEST(MachineCollector, CoresSocketsMemoryAndIdentity) {
  testsupport::TempDir dir;
  // Two packages, two cores each, two threads per core: 8 logical, 4 physical, 2 sockets; cpu8
  // is offline (no topology).
  for (int cpu = 0; cpu < 8; ++cpu) {
    const std::string topology = "sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    dir.Write(topology + "physical_package_id", std::to_string(cpu / 4) + "\n");
    dir.Write(topology + "core_id", std::to_string(cpu % 4 / 2) + "\n");
  }
  dir.Write("sys/devices/system/cpu/cpu8/online", "0\n");
  dir.Write("sys/devices/system/cpu/cpufreq/policy0", "");
  dir.Write("sys/class/dmi/id/product_uuid", "4c4c4544-0042\n");
  dir.Write("proc/meminfo", "MemTotal:       2048 kB\nMemFree: 1024 kB\nSwapTotal:  512 kB\n");
  dir.Write("proc/sys/kernel/random/boot_id", "b00t\n");
  dir.Write("etc/machine-id", "m\xff\n");
  MachineCollectorOptions options;
  options.paths.procfs = (dir.path() / "proc").string();
  options.paths.sysfs = (dir.path() / "sys").string();
  options.paths.rootfs = dir.path().string();
  std::vector<fleet::metrics::Family> families;
  ASSERT_TRUE(NewMachineCollector(options)->Collect(&families).ok());
  std::string text = "\n";
  fleet::metrics::WriteText(families, &text);
  const std::map<std::string, std::string> id = {
      {"boot_id", "b00t"}, {"machine_id", "m\xef\xbf\xbd"}, {"system_uuid", "4c4c4544-0042"}};
  for (const std::string& line : {Line("machine_cpu_cores", id, "8"),
                                  Line("machine_cpu_physical_cores", id, "4"),
                                  Line("machine_cpu_sockets", id, "2"),
                                  Line("machine_memory_bytes", id, "2097152"),
                                  Line("machine_swap_bytes", id, "524288")}) {
    EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos) << "missing\n  " << line << "\nin:\n" << text;
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
