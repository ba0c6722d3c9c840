// fleet-agent's container collector against real dockerd (cgroup v1 here): names, images and
// labels of running containers, containers coming and going without an agent restart, OOM kills
// and CFS throttling. Needs tests/e2e/ensure-dockerd.sh (run by the suite set-up).
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "tests/e2e/agent_exposition.h"
#include "tests/e2e/harness.h"

namespace e2e {
namespace {

const char kImage[] = "vpsfleet-busybox:latest";

// A detached container removed (with its cgroup and series) on destruction.
class Container {
 public:
  Container(const std::string& name, const std::vector<std::string>& docker_args,
            const std::string& command)
      : name_("vpsfleet-agent-e2e-" + std::to_string(::getpid()) + "-" + name) {
    std::vector<std::string> argv = {"docker", "run", "-d", "--name", name_,
                                     "--label", "vpsfleet.e2e=agent"};
    argv.insert(argv.end(), docker_args.begin(), docker_args.end());
    argv.insert(argv.end(), {kImage, "sh", "-c", command});
    CommandResult r = Run(argv);
    id_ = r.out.substr(0, r.out.find('\n'));
    error_ = r.exit_code == 0 ? "" : r.err;
  }
  ~Container() { Remove(); }
  void Remove() {
    if (!removed_) Run({"docker", "rm", "-f", name_});
    removed_ = true;
  }
  const std::string& name() const { return name_; }
  const std::string& id() const { return id_; }
  const std::string& error() const { return error_; }

 private:
  std::string name_, id_, error_;
  bool removed_ = false;
};

// The value of family{name=container} in one scrape, or -1 when there is no such series.
double ValueFor(const std::map<std::string, ParsedFamily>& families, const std::string& family,
                const std::string& container) {
  auto it = families.find(family);
  if (it == families.end()) return -1;
  for (const Series& s : it->second.series) {
    auto n = s.labels.find("name");
    if (n != s.labels.end() && n->second == container) return s.value;
  }
  return -1;
}

class AgentContainers : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    CommandResult r = e2e::Run({SourceDir() + "/tests/e2e/ensure-dockerd.sh"}, "", {},
                          std::chrono::seconds(120));
    docker_error_ = r.exit_code == 0 ? "" : r.out + r.err;
  }
  void SetUp() override {
    ASSERT_EQ(docker_error_, "") << "dockerd unavailable";
    agent_ = std::make_unique<AgentUnderTest>(
        "collectors: {enabled: [cpu], container: {enabled: true, dockerLabels: true, "
        "fsUsageInterval: 1s}}\n");
    ASSERT_TRUE(agent_->Ready()) << agent_->Log();
  }
  std::map<std::string, ParsedFamily> Scrape() { return ParseExposition(agent_->Scrape()); }

  static std::string docker_error_;
  std::unique_ptr<AgentUnderTest> agent_;
};
std::string AgentContainers::docker_error_;

TEST_F(AgentContainers, FiveContainersHaveEveryFamilyWithNameImageAndLabels) {
  std::vector<std::unique_ptr<Container>> containers;
  for (int i = 0; i < 5; ++i) {
    containers.push_back(std::make_unique<Container>("five-" + std::to_string(i),
                                                     std::vector<std::string>{}, "sleep 300"));
    ASSERT_EQ(containers.back()->error(), "");
  }
  const char* const kFamilies[] = {
      "container_cpu_usage_seconds_total", "container_cpu_user_seconds_total",
      "container_cpu_system_seconds_total", "container_cpu_cfs_periods_total",
      "container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_throttled_seconds_total",
      "container_memory_usage_bytes", "container_memory_working_set_bytes",
      "container_memory_rss", "container_memory_cache", "container_memory_swap",
      "container_memory_failcnt", "container_memory_max_usage_bytes",
      "container_oom_events_total", "container_spec_memory_limit_bytes",
      "container_spec_cpu_period", "container_spec_cpu_shares",
      "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
      "container_network_receive_packets_total", "container_network_transmit_packets_total",
      "container_network_receive_errors_total", "container_network_transmit_errors_total",
      "container_network_receive_packets_dropped_total",
      "container_network_transmit_packets_dropped_total", "container_processes",
      "container_threads", "container_last_seen", "container_start_time_seconds"};
  const auto families = Scrape();
  for (const auto& c : containers) {
    for (const char* family : kFamilies) {
      SCOPED_TRACE(std::string(family) + " " + c->name());
      auto it = families.find(family);
      ASSERT_NE(it, families.end());
      const Series* found = nullptr;
      for (const Series& s : it->second.series) {
        if (s.labels.count("name") && s.labels.at("name") == c->name()) found = &s;
      }
      ASSERT_NE(found, nullptr);
      EXPECT_EQ(found->labels.at("image"), kImage);
      EXPECT_EQ(found->labels.at("id"), "/docker/" + c->id());
      EXPECT_EQ(found->labels.at("container_label_vpsfleet_e2e"), "agent");
    }
    EXPECT_GE(ValueFor(families, "container_processes", c->name()), 1);
    EXPECT_GT(ValueFor(families, "container_memory_usage_bytes", c->name()), 0);
    // Unlimited: the kernel's page-rounded LLONG_MAX, as cAdvisor reports it on cgroup v1.
    EXPECT_GT(ValueFor(families, "container_spec_memory_limit_bytes", c->name()), 1e18);
  }
}

TEST_F(AgentContainers, StartedAndStoppedContainersAreFollowedWithoutRestart) {
  auto before = Scrape();
  Container late("late", {}, "sleep 300");
  ASSERT_EQ(late.error(), "");
  EXPECT_EQ(ValueFor(before, "container_last_seen", late.name()), -1);
  EXPECT_GT(ValueFor(Scrape(), "container_last_seen", late.name()), 0);
  late.Remove();
  EXPECT_EQ(ValueFor(Scrape(), "container_last_seen", late.name()), -1)
      << "a stopped container's series must disappear";
}

TEST_F(AgentContainers, RestartedContainerIsReadFromItsNewCgroup) {
  // A restart keeps the id but replaces the cgroup; the agent keeps cgroup files open between
  // scrapes, so this checks that it lets go of the old ones.
  Container c("restart", {}, "sleep 300");
  ASSERT_EQ(c.error(), "");
  const double first_start = ValueFor(Scrape(), "container_start_time_seconds", c.name());
  ASSERT_GT(first_start, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_EQ(e2e::Run({"docker", "restart", "-t", "0", c.name()}).exit_code, 0);
  double start = 0, processes = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        const auto families = Scrape();
        start = ValueFor(families, "container_start_time_seconds", c.name());
        processes = ValueFor(families, "container_processes", c.name());
        return start > first_start && processes >= 1;
      },
      std::chrono::seconds(10)))
      << "start time " << start << " (was " << first_start << "), processes " << processes;
}

TEST_F(AgentContainers, OomKillIncreasesOomEvents) {
  // dd's 64 MiB buffer cannot fit under a 16 MiB limit: the kernel OOM-kills dd, the shell lives
  // on, so the cgroup (and its counter) stay for the agent to read.
  Container oom("oom", {"--memory", "16m", "--memory-swap", "16m"},
                "sleep 2; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 300");
  ASSERT_EQ(oom.error(), "");
  EXPECT_EQ(ValueFor(Scrape(), "container_oom_events_total", oom.name()), 0);
  double oom_events = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        oom_events = ValueFor(Scrape(), "container_oom_events_total", oom.name());
        return oom_events >= 1;
      },
      std::chrono::seconds(20)))
      << "container_oom_events_total stayed at " << oom_events;
  EXPECT_EQ(ValueFor(Scrape(), "container_spec_memory_limit_bytes", oom.name()), 16 << 20);
}

TEST_F(AgentContainers, CpuLimitedBusyLoopIsThrottled) {
  Container busy("busy", {"--cpus", "0.1"}, "while :; do :; done");
  ASSERT_EQ(busy.error(), "");
  double first = -1;
  ASSERT_TRUE(WaitFor(
      [&] { return (first = ValueFor(Scrape(), "container_cpu_cfs_throttled_periods_total",
                                     busy.name())) > 0; },
      std::chrono::seconds(10)));
  double later = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        later = ValueFor(Scrape(), "container_cpu_cfs_throttled_periods_total", busy.name());
        return later > first;
      },
      std::chrono::seconds(10)));
  const auto families = Scrape();
  EXPECT_EQ(ValueFor(families, "container_spec_cpu_quota", busy.name()), 10000);
  EXPECT_EQ(ValueFor(families, "container_spec_cpu_period", busy.name()), 100000);
  EXPECT_GT(ValueFor(families, "container_cpu_cfs_throttled_seconds_total", busy.name()), 0);
}

// The value of family{id=cgroup, <extra label>}, or -1.
double ValueForCgroup(const std::map<std::string, ParsedFamily>& families, const std::string& family,
                      const std::string& cgroup, const std::string& label = "",
                      const std::string& value = "") {
  auto it = families.find(family);
  if (it == families.end()) return -1;
  for (const Series& s : it->second.series) {
    if (s.labels.count("id") && s.labels.at("id") == cgroup &&
        (label.empty() || (s.labels.count(label) && s.labels.at(label) == value))) {
      return s.value;
    }
  }
  return -1;
}

// cAdvisor's fs, process and fault families for a real container (its writable layer grows by
// the 8 MiB it writes; a listening nc holds a socket), the machine's, and the root cgroup's.
TEST_F(AgentContainers, WritableLayerSocketsTasksFaultsMachineAndRoot) {
  Container c("fs", {}, "dd if=/dev/zero of=/written bs=1M count=8 && nc -l -p 8080 & sleep 300");
  ASSERT_EQ(c.error(), "");
  const std::string cgroup = "/docker/" + c.id();
  std::map<std::string, ParsedFamily> families;
  double usage = -1, sockets = -1;
  EXPECT_TRUE(WaitFor(
      [&] {
        families = Scrape();
        usage = ValueFor(families, "container_fs_usage_bytes", c.name());
        sockets = ValueFor(families, "container_sockets", c.name());
        return usage >= 8 << 20 && sockets >= 1;
      },
      std::chrono::seconds(30)))
      << "container_fs_usage_bytes " << usage << ", container_sockets " << sockets;
  const double limit = ValueFor(families, "container_fs_limit_bytes", c.name());
  EXPECT_GT(limit, usage);
  for (const Series& s : families["container_fs_usage_bytes"].series) {
    if (s.labels.count("name") && s.labels.at("name") == c.name()) {
      EXPECT_FALSE(s.labels.at("device").empty()) << "the device holding /var/lib/docker";
    }
  }
  EXPECT_GE(ValueFor(families, "container_file_descriptors", c.name()), sockets + 2);
  EXPECT_GE(ValueForCgroup(families, "container_tasks_state", cgroup, "state", "sleeping"), 2)
      << "sh and nc wait";
  EXPECT_EQ(ValueForCgroup(families, "container_tasks_state", cgroup, "state", "stopped"), 0);
  EXPECT_GT(ValueForCgroup(families, "container_memory_failures_total", cgroup, "failure_type",
                           "pgfault"),
            0);

  const auto machine = families.find("machine_cpu_cores");
  ASSERT_NE(machine, families.end());
  ASSERT_EQ(machine->second.series.size(), 1u);
  EXPECT_EQ(machine->second.series[0].value, static_cast<double>(::sysconf(_SC_NPROCESSORS_ONLN)));
  ASSERT_EQ(families["machine_memory_bytes"].series.size(), 1u);
  EXPECT_EQ(families["machine_memory_bytes"].series[0].value,
            static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGESIZE))
      << "MemTotal";

  EXPECT_GT(ValueForCgroup(families, "container_cpu_usage_seconds_total", "/"), 0);
  EXPECT_GT(ValueForCgroup(families, "container_memory_usage_bytes", "/"), 0);
}

}  // namespace
}  // namespace e2e
