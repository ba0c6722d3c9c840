// Every host collector against the procfs/sysfs/rootfs fixture tree in tests/e2e/fixtures/host:
// the lines each must print (node_exporter 1.5.0's names, labels, HELP, TYPE and units) and the
// series each must leave out (node_exporter's default exclusions).
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/collector.h"
#include "agent/config/agent_config.h"
#include "agent/daemon.h"
#include "agent/scraper.h"
#include "fleet/core/metrics.h"

// Relabel rules below name only the fields that differ from the defaults; GCC 12 warns about the
// members a designated initializer leaves to their default initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace agent {
namespace {

const std::string kFixture = std::string(VPSFLEET_SOURCE_DIR) + "/tests/e2e/fixtures/host";

CollectorOptions FixtureOptions() {
  AgentConfig defaults;
  defaults.paths = {kFixture + "/proc", kFixture + "/sys", kFixture + "/rootfs"};
  CollectorOptions o = OptionsFromConfig(defaults);
  o.paths.udev_data = kFixture + "/udev";
  return o;
}

std::string CollectText(const std::string& name, fleet::Status* status) {
  for (const CollectorEntry& e : HostCollectors()) {
    if (name != e.name) continue;
    std::vector<fleet::metrics::Family> families;
    *status = e.make(FixtureOptions())->Collect(&families);
    std::string text;
    fleet::metrics::WriteText(families, &text);
    return text;
  }
  *status = fleet::Status::NotFound(name);
  return "";
}

struct Case {
  const char* collector;
  std::vector<std::string> present;  // whole lines
  std::vector<std::string> absent;   // substrings
};

const Case kCases[] = {
    {"cpu",
     {"# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.",
      "# TYPE node_cpu_seconds_total counter",
      "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 10",
      "node_cpu_seconds_total{cpu=\"1\",mode=\"system\"} 8",
      "node_cpu_seconds_total{cpu=\"0\",mode=\"softirq\"} 0.2",
      "node_cpu_seconds_total{cpu=\"1\",mode=\"steal\"} 0.02",
      "node_cpu_guest_seconds_total{cpu=\"1\",mode=\"user\"} 0.07",
      "node_cpu_guest_seconds_total{cpu=\"1\",mode=\"nice\"} 0.01"},
     {"cpu=\"\""}},
    {"stat",
     {"node_boot_time_seconds 1795614036", "# TYPE node_context_switches_total counter",
      "node_context_switches_total 499263", "node_forks_total 5166", "node_intr_total 242166",
      "node_procs_running 3", "node_procs_blocked 1"},
     {}},
    {"loadavg", {"node_load1 0.06", "node_load5 0.11", "node_load15 0.05"}, {}},
    {"filefd", {"node_filefd_allocated 474", "node_filefd_maximum 2466177"}, {}},
    {"meminfo",
     {"# HELP node_memory_MemTotal_bytes Memory information field MemTotal_bytes.",
      "# TYPE node_memory_MemTotal_bytes gauge", "node_memory_MemTotal_bytes 25276510208",
      "node_memory_Active_anon_bytes 1572864", "node_memory_Inactive_file_bytes 301961216",
      "node_memory_HugePages_Total 0", "node_memory_Hugepagesize_bytes 2097152"},
     {"(anon)"}},
    {"netstat",
     {"# HELP node_netstat_Tcp_InSegs Statistic TcpInSegs.", "# TYPE node_netstat_Tcp_InSegs untyped",
      "node_netstat_Tcp_InSegs 2603", "node_netstat_Tcp_CurrEstab 2", "node_netstat_Ip_Forwarding 1",
      "node_netstat_IpExt_InOctets 141572929", "node_netstat_TcpExt_ListenDrops 4",
      "node_netstat_TcpExt_TCPSynRetrans 1", "node_netstat_Udp_InErrors 0",
      "node_netstat_Ip6_InOctets 128", "node_netstat_Udp6_InDatagrams 7",
      "node_netstat_Icmp6_InMsgs 1"},
     {"TCPHPHits", "Ip_DefaultTTL", "Ip6_InReceives", "Udp_InCsumErrors", "RtoAlgorithm"}},
    {"sockstat",
     {"# HELP node_sockstat_sockets_used Number of IPv4 sockets in use.",
      "node_sockstat_sockets_used 28",
      "# HELP node_sockstat_TCP_inuse Number of TCP sockets in state inuse.",
      "node_sockstat_TCP_inuse 2", "node_sockstat_TCP_tw 1", "node_sockstat_TCP_mem 3",
      "node_sockstat_TCP_mem_bytes " + fleet::metrics::FormatValue(3.0 * 4096),
      "node_sockstat_UDP_mem_bytes 4096", "node_sockstat_FRAG_memory 0",
      "node_sockstat_TCP6_inuse 5", "node_sockstat_FRAG6_memory 0"},
     {"FRAG_memory_bytes"}},
    {"vmstat",
     {"# HELP node_vmstat_pgfault /proc/vmstat information field pgfault.",
      "# TYPE node_vmstat_pgfault untyped", "node_vmstat_pgfault 2258928",
      "node_vmstat_pgmajfault 992", "node_vmstat_pgpgin 1263093", "node_vmstat_pswpin 0",
      "node_vmstat_oom_kill 2"},
     {"nr_free_pages", "nr_dirty"}},
    {"pressure",
     {"# TYPE node_pressure_cpu_waiting_seconds_total counter",
      // Microseconds divided by 1000 twice, as node_exporter does: 5.2140569999999995.
      "node_pressure_cpu_waiting_seconds_total " + fleet::metrics::FormatValue(5214057 / 1000.0 / 1000.0),
      "node_pressure_io_waiting_seconds_total 1.833034",
      "node_pressure_io_stalled_seconds_total 1.699215",
      "node_pressure_memory_waiting_seconds_total 1", "node_pressure_memory_stalled_seconds_total 0.5"},
     {"cpu_stalled"}},
    {"diskstats",
     {"node_disk_info{device=\"vda\",major=\"254\",minor=\"0\",model=\"QEMU_HARDDISK\",path=\"pci-0000:00:05.0\",revision=\"\",serial=\"QM0001\",wwn=\"\"} 1",
      "node_disk_reads_completed_total{device=\"vda\"} 30530",
      "node_disk_read_bytes_total{device=\"vda\"} " + fleet::metrics::FormatValue(2526594.0 * 512),
      "node_disk_read_time_seconds_total{device=\"vda\"} 6.065",
      "node_disk_written_bytes_total{device=\"vda\"} " + fleet::metrics::FormatValue(3536856.0 * 512),
      "node_disk_io_now{device=\"vda\"} 1", "# TYPE node_disk_io_now gauge",
      "node_disk_io_time_weighted_seconds_total{device=\"vda\"} 12.111",
      "node_disk_discarded_sectors_total{device=\"vda\"} 127952",
      "node_disk_flush_requests_total{device=\"vda\"} 1843",
      "node_disk_flush_requests_time_seconds_total{device=\"vda\"} " +
          fleet::metrics::FormatValue(52 * 0.001),  // 0.052000000000000005, as node_exporter
      "node_disk_io_time_seconds_total{device=\"sdb\"} 0.02"},
     {"loop0", "vda1", "discards_completed_total{device=\"sdb\"}"}},
    {"filesystem",
     {"# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.",
      "node_filesystem_readonly{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/\"} 0",
      "node_filesystem_readonly{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/data\"} 1",
      "node_filesystem_device_error{device=\"/dev/vda\",fstype=\"ext4\",mountpoint=\"/data\"} 0",
      "node_filesystem_device_error{device=\"/dev/vdb\",fstype=\"xfs\",mountpoint=\"/with space\"} 0",
      "node_filesystem_device_error{device=\"/dev/vdc\",fstype=\"ext4\",mountpoint=\"/gone\"} 1",
      "node_filesystem_readonly{device=\"/dev/vdc\",fstype=\"ext4\",mountpoint=\"/gone\"} 0"},
     {"mountpoint=\"/proc\"", "mountpoint=\"/run\"", "overlay",
      "node_filesystem_size_bytes{device=\"/dev/vdc\""}},
    {"netdev",
     {"# HELP node_network_receive_bytes_total Network device statistic receive_bytes.",
      "# TYPE node_network_receive_bytes_total counter",
      "node_network_receive_bytes_total{device=\"eth0\"} 141605870",
      "node_network_receive_packets_total{device=\"eth0\"} 2601",
      "node_network_transmit_bytes_total{device=\"eth0\"} 102026",
      "node_network_transmit_drop_total{device=\"eth0\"} 2",
      "node_network_receive_nohandler_total{device=\"eth0\"} 0",
      "node_network_transmit_colls_total{device=\"eth0\"} 0"},
     {"device=\"lo\""}},
    {"time",
     {"node_time_clocksource_available_info{clocksource=\"hpet\",device=\"0\"} 1",
      "node_time_clocksource_current_info{clocksource=\"tsc\",device=\"0\"} 1",
      "# TYPE node_time_seconds gauge"},
     {}},
    {"os",
     {"node_os_info{build_id=\"\",id=\"debian\",id_like=\"\",image_id=\"\",image_version=\"\",name=\"Debian GNU/Linux\",pretty_name=\"Debian GNU/Linux 12 (bookworm)\",variant=\"\",variant_id=\"\",version=\"12 (bookworm)\",version_codename=\"bookworm\",version_id=\"12\"} 1",
      "node_os_version{id=\"debian\",id_like=\"\",name=\"Debian GNU/Linux\"} 12"},
     {}},
    {"uname", {"# TYPE node_uname_info gauge"}, {}},
};

class HostCollectorTest : public testing::TestWithParam<Case> {};

TEST_P(HostCollectorTest, PrintsNodeExporterLines) {
  const Case& c = GetParam();
  fleet::Status status;
  // A leading newline lets every expected line be matched as "\n<line>\n", the first one too.
  const std::string text = "\n" + CollectText(c.collector, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  for (const std::string& line : c.present) {
    EXPECT_NE(text.find("\n" + line + "\n"), std::string::npos)
        << c.collector << ": missing line\n  " << line << "\nin:\n" << text;
  }
  for (const std::string& s : c.absent) {
    EXPECT_EQ(text.find(s), std::string::npos) << c.collector << ": should not contain " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixture, HostCollectorTest, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.collector);
                         });

TEST(HostCollectors, MissingProcfsFailsTheCollector) {
  CollectorOptions o = FixtureOptions();
  o.paths.procfs = kFixture + "/does-not-exist";
  for (const char* name : {"cpu", "stat", "loadavg", "meminfo", "vmstat", "pressure"}) {
    for (const CollectorEntry& e : HostCollectors()) {
      if (std::string(name) != e.name) continue;
      std::vector<fleet::metrics::Family> families;
      EXPECT_FALSE(e.make(o)->Collect(&families).ok()) << name;
    }
  }
}

TEST(Scraper, AddsScrapeFamiliesAndMarksFailures) {
  CollectorOptions o = FixtureOptions();
  o.paths.procfs = kFixture + "/does-not-exist";  // loadavg fails, uname does not need procfs
  CollectorsConfig selection;
  selection.enabled = std::vector<std::string>{"loadavg", "uname"};
  auto collectors = BuildHostCollectors(selection, o);
  ASSERT_TRUE(collectors.ok());
  Scraper scraper(std::move(*collectors));
  std::string text;
  fleet::metrics::WriteText(scraper.Scrape(), &text);
  EXPECT_NE(text.find("node_scrape_collector_success{collector=\"loadavg\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("node_scrape_collector_success{collector=\"uname\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE node_scrape_collector_duration_seconds gauge\n"), std::string::npos);
}

// A collector that returns the same families on every scrape.
class FixedCollector : public Collector {
 public:
  explicit FixedCollector(std::vector<fleet::metrics::Family> families) : families_(std::move(families)) {}
  fleet::Status Collect(std::vector<fleet::metrics::Family>* out) override {
    out->insert(out->end(), families_.begin(), families_.end());
    return fleet::Status::Ok();
  }

 private:
  std::vector<fleet::metrics::Family> families_;
};

// metricRelabelConfigs run on what the scrape returns, node_scrape_collector_* included: a rule
// renames a series (into a family of its own, sorted into place), another drops one.
TEST(Scraper, AppliesMetricRelabelConfigsToEveryFamily) {
  using fleet::metrics::Type;
  auto rules = relabel::CompiledRules::Compile({
      {.source_labels = {"__name__"}, .regex = "node_load1", .target_label = "__name__", .replacement = "host_load1"},
      {.action = relabel::Action::kDrop, .source_labels = {"__name__"}, .regex = "node_load5|node_scrape_collector_duration_seconds"},
  });
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<NamedCollector> collectors;
  collectors.push_back({"fixed", std::make_unique<FixedCollector>(std::vector<fleet::metrics::Family>{
                                     {"node_load1", "1m load average.", Type::kGauge, {{"", {}, 0.5}}},
                                     {"node_load5", "5m load average.", Type::kGauge, {{"", {}, 0.25}}}})});
  Scraper scraper(std::move(collectors), nullptr, *rules);
  std::string text;
  fleet::metrics::WriteText(scraper.Scrape(), &text);
  EXPECT_EQ(text,
            "# HELP host_load1 1m load average.\n# TYPE host_load1 gauge\nhost_load1 0.5\n"
            "# HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.\n"
            "# TYPE node_scrape_collector_success gauge\nnode_scrape_collector_success{collector=\"fixed\"} 1\n");
}

// The config's paths and collector flags reach the collectors (--path.udev.data overriding
// paths.udevData), and the config's defaults are CollectorOptions' own.
TEST(OptionsFromConfig, CarriesPathsAndCollectorFlags) {
  AgentConfig config;
  config.paths.udev_data = "/host/run/udev/data";
  config.arp.device_exclude = "^eth9$";
  config.diskstats.device_exclude = "^loop";
  config.netclass.ignored_devices = "^veth";
  config.netclass.ignore_invalid_speed = true;
  CollectorOptions o = OptionsFromConfig(config);
  EXPECT_EQ(o.paths.udev_data, "/host/run/udev/data");
  EXPECT_EQ(o.arp_device_exclude, "^eth9$");
  EXPECT_EQ(o.diskstats_device_exclude, "^loop");
  EXPECT_EQ(o.netclass_ignored_devices, "^veth");
  EXPECT_TRUE(o.netclass_ignore_invalid_speed);
  ApplyOverrides({.udev_data = "/udev"}, &config);
  EXPECT_EQ(OptionsFromConfig(config).paths.udev_data, "/udev");

  const CollectorOptions from_defaults = OptionsFromConfig(AgentConfig{}), plain;
  EXPECT_EQ(from_defaults.paths.udev_data, plain.paths.udev_data);
  EXPECT_EQ(from_defaults.arp_device_exclude, plain.arp_device_exclude);
  EXPECT_EQ(from_defaults.diskstats_device_exclude, plain.diskstats_device_exclude);
  EXPECT_EQ(from_defaults.netclass_ignored_devices, plain.netclass_ignored_devices);
  EXPECT_EQ(from_defaults.netclass_ignore_invalid_speed, plain.netclass_ignore_invalid_speed);
}

TEST(BuildHostCollectors, SelectionTable) {
  const struct {
    const char* name;
    std::optional<std::vector<std::string>> enabled;
    std::vector<std::string> disabled;
    size_t want_count;  // 0 with want_error
    const char* want_error;
  } cases[] = {
      {"defaults", std::nullopt, {}, HostCollectors().size(), ""},
      {"enabled list", std::vector<std::string>{"cpu", "time"}, {}, 2, ""},
      {"disabled list", std::nullopt, {"cpu"}, HostCollectors().size() - 1, ""},
      {"unknown enabled", std::vector<std::string>{"cpu", "cpux"}, {}, 0,
       "collectors.enabled[1]: unknown collector \"cpux\""},
      {"unknown disabled", std::nullopt, {"nope"}, 0,
       "collectors.disabled[0]: unknown collector \"nope\""},
  };
  for (const auto& c : cases) {
    CollectorsConfig config;
    config.enabled = c.enabled;
    config.disabled = c.disabled;
    auto got = BuildHostCollectors(config, FixtureOptions());
    if (*c.want_error) {
      ASSERT_FALSE(got.ok()) << c.name;
      EXPECT_EQ(got.status().message(), c.want_error) << c.name;
    } else {
      ASSERT_TRUE(got.ok()) << c.name << ": " << got.status().ToString();
      EXPECT_EQ(got->size(), c.want_count) << c.name;
    }
  }
}

TEST(SortAndMerge, MergesSameNameAndSorts) {
  std::vector<fleet::metrics::Family> f = {
      {"b", "B.", fleet::metrics::Type::kGauge, {{"", {{"x", "1"}}, 1}}},
      {"a", "A.", fleet::metrics::Type::kGauge, {{"", {}, 2}}},
      {"b", "B.", fleet::metrics::Type::kGauge, {{"", {{"x", "2"}}, 3}}},
  };
  SortAndMerge(&f);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].name, "a");
  EXPECT_EQ(f[1].samples.size(), 2u);
}

}  // namespace
}  // namespace agent
