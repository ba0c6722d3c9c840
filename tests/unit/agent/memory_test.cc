// The memory cap: the cgroup memory limit found from fixture trees laid out like a host, a Docker
// container and a hybrid host (v1 and v2, unlimited, nested, escaped mount points); the budget
// taken from it; the guard's pressure levels from a scripted RSS; and a sink shedding a batch it
// holds for a retry back to the disk buffer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>

#include "agent/memory/cgroup_memory_limit.h"
#include "agent/memory/memory_guard.h"
#include "agent/sinks/delivery_loop.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ScratchDir {
 public:
  ScratchDir() : path_(fs::temp_directory_path() / ("memory_test_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void Write(const std::string& relative, const std::string& content) const {
    const fs::path p = path_ / fs::path(relative).relative_path();
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }

 private:
  fs::path path_;
};

constexpr const char* kDockerId = "8b9baeee0092d73b4c81ac091be88798cb91fb974348a9a63b0d2a2e5e79147c";

// What /proc/self/mountinfo shows for cgroup mounts (captured on Debian 12 hosts and in a
// Docker 20.10 container), reduced to the lines that matter plus one unrelated mount.
const std::string kRootMount = "22 1 8:1 / / rw,relatime - ext4 /dev/vda rw\n";
std::string V1MemoryMount(const std::string& root, const std::string& mount_point) {
  return "34 30 0:31 " + root + " " + mount_point +
         " rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory\n";
}
std::string V1CpuMount(const std::string& root) {
  return "31 30 0:28 " + root + " /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";
}
std::string V2Mount(const std::string& root, const std::string& mount_point) {
  return "40 30 0:37 " + root + " " + mount_point + " rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
}

struct LimitCase {
  const char* name;
  std::string self_cgroup;
  std::string mountinfo;
  std::map<std::string, std::string> files;  // path (as mounted) -> content
  int version;
  std::optional<uint64_t> bytes;
  std::string file;  // the binding limit's file, relative to the fixture root
};

class CgroupMemoryLimitTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(CgroupMemoryLimitTest, FindsTheBindingLimit) {
  const LimitCase& c = GetParam();
  ScratchDir dir;
  dir.Write("proc/self/cgroup", c.self_cgroup);
  dir.Write("proc/self/mountinfo", c.mountinfo);
  for (const auto& [path, content] : c.files) dir.Write(path, content);
  const std::string root = dir.path().string();
  auto limit = DetectCgroupMemoryLimit(
      {root + "/proc/self/cgroup", root + "/proc/self/mountinfo", root});
  ASSERT_TRUE(limit.ok()) << limit.status().ToString();
  EXPECT_EQ(limit->version, c.version);
  EXPECT_EQ(limit->bytes, c.bytes);
  EXPECT_EQ(limit->file, c.file.empty() ? "" : root + c.file);
}

const std::string kDockerPath = std::string("/docker/") + kDockerId;

INSTANTIATE_TEST_SUITE_P(
    Trees, CgroupMemoryLimitTest,
    ::testing::Values(
        // Inside `docker run --memory 64m` on a cgroup v1 host: the container's own cgroup is the
        // root of the mount.
        LimitCase{"V1DockerContainer",
                  "4:memory:" + kDockerPath + "\n1:cpu,cpuacct:" + kDockerPath + "\n0::" + kDockerPath + "\n",
                  kRootMount + V1CpuMount(kDockerPath) + V1MemoryMount(kDockerPath, "/sys/fs/cgroup/memory"),
                  {{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "67108864\n"}},
                  1, 67108864, "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
        // The same container seen from the host's mount namespace: the path is under the mount.
        LimitCase{"V1HostView",
                  "4:memory:" + kDockerPath + "\n",
                  kRootMount + V1MemoryMount("/", "/sys/fs/cgroup/memory"),
                  {{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"},
                   {"/sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "9223372036854771712\n"},
                   {"/sys/fs/cgroup/memory" + kDockerPath + "/memory.limit_in_bytes", "134217728\n"}},
                  1, 134217728, "/sys/fs/cgroup/memory" + kDockerPath + "/memory.limit_in_bytes"},
        // v1's "unlimited" is a page-aligned number near 2^63, on every level.
        LimitCase{"V1Unlimited",
                  "4:memory:/user.slice\n",
                  kRootMount + V1MemoryMount("/", "/sys/fs/cgroup/memory"),
                  {{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"},
                   {"/sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes", "9223372036854771712\n"}},
                  1, std::nullopt, ""},
        // A parent's lower limit binds a child that has none of its own (or a higher one).
        LimitCase{"V1NestedParentBinds",
                  "9:memory:/agents/fleet/worker\n",
                  kRootMount + V1MemoryMount("/", "/sys/fs/cgroup/memory"),
                  {{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"},
                   {"/sys/fs/cgroup/memory/agents/memory.limit_in_bytes", "1073741824\n"},
                   {"/sys/fs/cgroup/memory/agents/fleet/memory.limit_in_bytes", "268435456\n"},
                   {"/sys/fs/cgroup/memory/agents/fleet/worker/memory.limit_in_bytes", "9223372036854771712\n"}},
                  1, 268435456, "/sys/fs/cgroup/memory/agents/fleet/memory.limit_in_bytes"},
        // Controllers co-mounted in one v1 hierarchy.
        LimitCase{"V1CoMounted",
                  "5:memory,hugetlb:/batch\n",
                  kRootMount + "34 30 0:31 / /sys/fs/cgroup/memory,hugetlb rw - cgroup cgroup rw,memory,hugetlb\n",
                  {{"/sys/fs/cgroup/memory,hugetlb/batch/memory.limit_in_bytes", "52428800\n"}},
                  1, 52428800, "/sys/fs/cgroup/memory,hugetlb/batch/memory.limit_in_bytes"},
        // Hybrid host (this sandbox): v1 memory controller plus a cgroup2 mount without it.
        LimitCase{"HybridUsesV1",
                  "4:memory:/process_api/abc\n0::/\n",
                  kRootMount + V1MemoryMount("/", "/sys/fs/cgroup/memory") + V2Mount("/", "/sys/fs/cgroup/unified"),
                  {{"/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "2147483648\n"},
                   {"/sys/fs/cgroup/unified/cgroup.controllers", "\n"}},
                  1, 2147483648, "/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes"},
        // Unified v2 host, a systemd service with MemoryMax=.
        LimitCase{"V2Service",
                  "0::/system.slice/fleet-agent.service\n",
                  kRootMount + V2Mount("/", "/sys/fs/cgroup"),
                  {{"/sys/fs/cgroup/system.slice/memory.max", "max\n"},
                   {"/sys/fs/cgroup/system.slice/fleet-agent.service/memory.max", "536870912\n"}},
                  2, 536870912, "/sys/fs/cgroup/system.slice/fleet-agent.service/memory.max"},
        // v2 "max" everywhere (the root cgroup has no memory.max at all).
        LimitCase{"V2Max",
                  "0::/user.slice/session-1.scope\n",
                  kRootMount + V2Mount("/", "/sys/fs/cgroup"),
                  {{"/sys/fs/cgroup/user.slice/memory.max", "max\n"},
                   {"/sys/fs/cgroup/user.slice/session-1.scope/memory.max", "max\n"}},
                  2, std::nullopt, ""},
        // v2 nested: the slice's limit is lower than the service's.
        LimitCase{"V2NestedParentBinds",
                  "0::/fleet.slice/agent.service\n",
                  kRootMount + V2Mount("/", "/sys/fs/cgroup"),
                  {{"/sys/fs/cgroup/fleet.slice/memory.max", "100663296\n"},
                   {"/sys/fs/cgroup/fleet.slice/agent.service/memory.max", "201326592\n"}},
                  2, 100663296, "/sys/fs/cgroup/fleet.slice/memory.max"},
        // A v2 container with a cgroup namespace: /proc/self/cgroup says "/", the mount is the
        // container's cgroup.
        LimitCase{"V2CgroupNamespace",
                  "0::/\n",
                  kRootMount + V2Mount("/", "/sys/fs/cgroup"),
                  {{"/sys/fs/cgroup/memory.max", "33554432\n"}},
                  2, 33554432, "/sys/fs/cgroup/memory.max"},
        // A path outside the mount's root (cgroup namespace moved): the mount itself is used.
        LimitCase{"V2PathOutsideMountRoot",
                  "0::/../other\n",
                  kRootMount + V2Mount("/kubepods/pod1", "/sys/fs/cgroup"),
                  {{"/sys/fs/cgroup/memory.max", "75497472\n"}},
                  2, 75497472, "/sys/fs/cgroup/memory.max"},
        // mountinfo escapes a space in a mount point as \040.
        LimitCase{"EscapedMountPoint",
                  "0::/a\n",
                  kRootMount + V2Mount("/", "/mnt/cgroup\\040v2"),
                  {{"/mnt/cgroup v2/a/memory.max", "41943040\n"}},
                  2, 41943040, "/mnt/cgroup v2/a/memory.max"},
        // No memory cgroup mounted at all (a chroot without /sys/fs/cgroup).
        LimitCase{"NothingMounted", "4:memory:/x\n0::/x\n", kRootMount, {}, 0, std::nullopt, ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CgroupMemoryLimit, UnreadableProcIsAnError) {
  EXPECT_FALSE(DetectCgroupMemoryLimit({"/nonexistent/cgroup", "/nonexistent/mountinfo", ""}).ok());
}

TEST(CgroupMemoryLimit, ThisProcessHasAnAnswer) {
  auto limit = DetectCgroupMemoryLimit();
  ASSERT_TRUE(limit.ok()) << limit.status().ToString();
  EXPECT_TRUE(limit->version == 1 || limit->version == 2) << "a memory cgroup is mounted on every Linux this runs on";
  EXPECT_GT(limit->bytes.value_or(1), 0u);
}

TEST(MemoryBudget, LowerOfExplicitLimitAndFractionOfCgroup) {
  struct Case {
    std::optional<uint64_t> limit;
    double fraction;
    std::optional<uint64_t> cgroup;
    uint64_t want;
  };
  for (const auto& c : std::vector<Case>{{std::nullopt, 0.8, 100 << 20, 80 << 20},
                                         {std::nullopt, 0.5, 64 << 20, 32 << 20},
                                         {std::nullopt, 0.8, std::nullopt, 0},
                                         {50 << 20, 0.8, std::nullopt, 50 << 20},
                                         {50 << 20, 0.8, 100 << 20, 50 << 20},
                                         {90 << 20, 0.8, 100 << 20, 80 << 20}}) {
    CgroupMemoryLimit cgroup{c.cgroup ? 1 : 0, c.cgroup, c.cgroup ? "/x/memory.limit_in_bytes" : ""};
    const MemoryBudget budget = ComputeMemoryBudget({c.limit, c.fraction, 500ms}, cgroup);
    EXPECT_EQ(budget.bytes, c.want) << c.fraction;
    EXPECT_EQ(budget.source.empty(), c.want == 0);
  }
}

double Value(const MemoryGuard& guard, const std::string& family, const fleet::metrics::Labels& labels = {}) {
  std::vector<fleet::metrics::Family> families;
  guard.Collect(&families);
  for (const auto& f : families) {
    if (f.name != family) continue;
    for (const auto& s : f.samples) {
      if (s.labels == labels) return s.value;
    }
  }
  return 0;
}

TEST(MemoryGuard, PressureFollowsResidentMemory) {
  uint64_t rss = 0;
  MemoryGuard guard(1000, 1s, [&] { return rss; });
  struct Step {
    uint64_t rss;
    MemoryPressure want;
  };
  for (const auto& step : std::vector<Step>{{100, MemoryPressure::kNone},
                                            {899, MemoryPressure::kNone},
                                            {900, MemoryPressure::kHigh},
                                            {1000, MemoryPressure::kOver},
                                            {1500, MemoryPressure::kOver},
                                            {950, MemoryPressure::kHigh},
                                            {10, MemoryPressure::kNone}}) {
    rss = step.rss;
    EXPECT_EQ(guard.Check(), step.want) << step.rss;
    EXPECT_EQ(guard.pressure(), step.want) << step.rss;
  }
  EXPECT_EQ(Value(guard, "fleet_agent_memory_budget_bytes"), 1000);
  EXPECT_EQ(Value(guard, "fleet_agent_memory_over_budget_total"), 1);  // one episode
  EXPECT_EQ(Value(guard, "fleet_agent_memory_trims_total"), 1);        // at most one a second
}

TEST(MemoryGuard, TrimmingThatFreesEnoughAvoidsPressure) {
  std::deque<uint64_t> samples = {950, 700};  // before and after malloc_trim
  MemoryGuard guard(1000, 1s, [&] {
    const uint64_t v = samples.front();
    if (samples.size() > 1) samples.pop_front();
    return v;
  });
  EXPECT_EQ(guard.Check(), MemoryPressure::kNone);
  EXPECT_EQ(Value(guard, "fleet_agent_memory_trimmed_bytes_total"), 250);
}

TEST(MemoryGuard, WithoutABudgetNothingIsCapped) {
  MemoryGuard guard(0, 1s, [] { return uint64_t{1} << 40; });
  EXPECT_EQ(guard.Check(), MemoryPressure::kNone);
  EXPECT_EQ(guard.Cap(256 << 20, 32, 64 << 10), 256u << 20);
  guard.Start();  // no thread, nothing to stop
  guard.Stop();
}

TEST(MemoryGuard, CapIsAShareOfTheBudgetWithAFloor) {
  MemoryGuard guard(64 << 20, 1s, [] { return 0; });
  EXPECT_EQ(guard.Cap(256 << 20, 32, 64 << 10), 2u << 20);  // a large batchSize is cut down
  EXPECT_EQ(guard.Cap(1 << 20, 32, 64 << 10), 1u << 20);    // a small one is left alone
  EXPECT_EQ(guard.Cap(1 << 20, 4096, 64 << 10), 64u << 10);  // never below the floor
}

TEST(MemoryGuard, ReadsItsOwnResidentMemory) {
  const uint64_t rss = ReadOwnRss();
  EXPECT_GT(rss, 1u << 20);
  EXPECT_LT(rss, uint64_t{8} << 30);
}

// Fails the first `failures` posts (connection refused), then accepts; records every body.
class FlakyPusher : public HttpPusher {
 public:
  FlakyPusher(int failures, std::vector<std::string>* bodies, std::mutex* mu)
      : failures_(failures), bodies_(bodies), mu_(mu) {}
  PushResponse Post(const std::string& body, const std::map<std::string, std::string>&) override {
    std::lock_guard lock(*mu_);
    bodies_->push_back(body);
    if (failures_ > 0) {
      --failures_;
      return {0, "connection refused"};
    }
    return {200, ""};
  }

 private:
  int failures_;
  std::vector<std::string>* bodies_;
  std::mutex* mu_;
};

TEST(MemoryGuard, SinkUnderPressureReleasesItsBatchToTheBufferAndSendsSmallerOnes) {
  ScratchDir dir;
  auto buffer = SegmentBuffer::Open({dir.path() / "buffer", 1 << 20, 0, FsyncPolicy::kNever, {}});
  ASSERT_TRUE(buffer.ok());
  const std::vector<std::string> records = {"a", "b", "c", "d", "e", "f", "g", "h"};
  for (const auto& r : records) ASSERT_TRUE((*buffer)->Append(r).ok());
  MemoryGuard guard(1000, 1s, [] { return 950; });  // high: shedding, not over
  ASSERT_EQ(guard.Check(), MemoryPressure::kHigh);
  std::vector<std::string> bodies;
  std::mutex mu;
  ForwardMetrics metrics;
  auto join = [](const std::vector<std::string>& rs) {
    Payload p;
    for (const auto& r : rs) p.body += r;
    p.items = rs.size();
    return fleet::Result<Payload>(p);
  };
  DeliveryLoop loop({"test", [](std::string_view) { return 1; }, 8, 20ms, 1ms, 2ms}, **buffer,
                    std::make_unique<FlakyPusher>(2, &bodies, &mu), join, metrics, &guard);
  loop.Start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (metrics.items_sent.Value({"test"}) < records.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  loop.Stop();
  std::lock_guard lock(mu);
  // Batches of one (an eighth of 8); the first is let go of after each failed try and read again
  // from the buffer; every record arrives once, in order.
  EXPECT_EQ(bodies, (std::vector<std::string>{"a", "a", "a", "b", "c", "d", "e", "f", "g", "h"}));
  EXPECT_EQ(metrics.items_sent.Value({"test"}), 8);
  EXPECT_EQ(Value(guard, "fleet_agent_memory_shed_total", {{"component", "test"}}), 2);
  EXPECT_EQ(Value(guard, "fleet_agent_memory_shed_bytes_total", {{"component", "test"}}), 2);
}

}  // namespace
}  // namespace agent
