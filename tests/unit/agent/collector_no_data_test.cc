// A collector whose subsystem is absent from the host (node_exporter's ErrNoData) serves
// node_scrape_collector_success 0, as node_exporter does, without failing the agent's health;
// a real failure still fails it.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/collector.h"
#include "agent/scraper.h"
#include "agent/status/component_status.h"
#include "tests/common/temp_dir.h"

namespace agent {
namespace {

std::unique_ptr<Collector> Make(const std::string& name, const CollectorOptions& options) {
  for (const CollectorEntry& e : HostCollectors()) {
    if (name == e.name) return e.make(options);
  }
  return nullptr;
}

CollectorOptions EmptyHost(const testsupport::TempDir& dir) {
  CollectorOptions o;
  o.paths = {(dir.path() / "proc").string(), (dir.path() / "sys").string(), dir.path().string()};
  return o;
}

TEST(CollectorNoData, AbsentSubsystemsAreNoDataNotFailures) {
  testsupport::TempDir dir;
  dir.Write("proc/.keep", "");
  dir.Write("sys/class/.keep", "");
  for (const char* name : {"bonding", "dmi", "fibrechannel", "hwmon", "infiniband", "ipvs", "mdadm", "nfs", "nfsd",
                           "nvme", "powersupplyclass", "rapl", "schedstat", "tapestats", "zfs"}) {
    SCOPED_TRACE(name);
    auto collector = Make(name, EmptyHost(dir));
    ASSERT_NE(collector, nullptr);
    std::vector<fleet::metrics::Family> families;
    const fleet::Status st = collector->Collect(&families);
    EXPECT_TRUE(IsNoData(st)) << st.ToString();
    EXPECT_TRUE(families.empty());
  }
}

// node_exporter serves these with no series and success 1 when the host has none (no error at all).
TEST(CollectorNoData, FilesystemCollectorsWithNothingMountedSucceedEmpty) {
  testsupport::TempDir dir;
  dir.Write("sys/fs/.keep", "");
  for (const char* name : {"bcache", "btrfs", "xfs"}) {
    SCOPED_TRACE(name);
    std::vector<fleet::metrics::Family> families;
    EXPECT_TRUE(Make(name, EmptyHost(dir))->Collect(&families).ok());
    for (const auto& f : families) EXPECT_TRUE(f.samples.empty()) << f.name;
  }
}

TEST(CollectorNoData, AMalformedFileIsStillAFailure) {
  testsupport::TempDir dir;
  dir.Write("proc/mdstat", "md0 : active raid1\n");  // a device line with nothing after it
  auto collector = Make("mdadm", EmptyHost(dir));
  std::vector<fleet::metrics::Family> families;
  const fleet::Status st = collector->Collect(&families);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(IsNoData(st)) << st.ToString();
}

// A kernel file whose layout changed fails the scrape rather than misattributing counters.
TEST(CollectorNoData, AKernelFileWhoseLayoutChangedIsAFailure) {
  const struct {
    const char* collector;
    const char* file;
    const char* text;
  } cases[] = {
      {"nfs", "proc/net/rpc/nfs", "net 1 2 3\n"},                 // four values expected
      {"nfs", "proc/net/rpc/nfs", "proc3 22 1 2\n"},              // says 22, has 2
      {"nfs", "proc/net/rpc/nfs", "frobs 1 2\n"},                 // a line procfs does not know
      {"nfsd", "proc/net/rpc/nfsd", "th 8\n"},                    // th needs two counters
      {"nfsd", "proc/net/rpc/nfsd", "proc4ops 2 0 0\n"},          // fewer than 39 operations
      {"ipvs", "proc/net/ip_vs_stats", "a\nb\n 1 2 3\n\n"},    // five totals expected
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.collector) + ": " + c.text);
    testsupport::TempDir dir;
    dir.Write(c.file, c.text);
    std::vector<fleet::metrics::Family> families;
    const fleet::Status st = Make(c.collector, EmptyHost(dir))->Collect(&families);
    EXPECT_FALSE(st.ok());
    EXPECT_FALSE(IsNoData(st)) << st.ToString();
  }
}

double Success(const std::vector<fleet::metrics::Family>& families, const std::string& collector) {
  for (const auto& f : families) {
    if (f.name != "node_scrape_collector_success") continue;
    for (const auto& s : f.samples) {
      if (s.labels.front().value == collector) return s.value;
    }
  }
  return -1;
}

TEST(CollectorNoData, ScrapeServesSuccessZeroAndTheComponentStaysHealthy) {
  testsupport::TempDir dir;
  dir.Write("proc/.keep", "");
  dir.Write("proc/mdstat", "md0 : active raid1\n");
  std::vector<NamedCollector> collectors;
  collectors.push_back({"nvme", Make("nvme", EmptyHost(dir))});
  collectors.push_back({"mdadm", Make("mdadm", EmptyHost(dir))});
  status::Registry registry;
  Scraper scraper(std::move(collectors), &registry);
  const auto families = scraper.Scrape();
  EXPECT_EQ(Success(families, "nvme"), 0);
  EXPECT_EQ(Success(families, "mdadm"), 0);
  for (const auto& component : registry.Components()) {
    const auto snapshot = component->Snapshot();
    SCOPED_TRACE(snapshot.name);
    EXPECT_EQ(snapshot.health, snapshot.name == "collector/nvme" ? status::Health::kOk : status::Health::kError);
  }
  EXPECT_EQ(registry.Components().size(), 2u);
}

}  // namespace
}  // namespace agent
