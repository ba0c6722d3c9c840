// The two host collectors that read no file node_exporter's fixture tree has: timex (adjtimex(2))
// and selinux when SELinux is on (the fixture host had it off).
#include <gtest/gtest.h>

#include <map>

#include "agent/collector.h"
#include "agent/collectors/timex.h"
#include "tests/common/temp_dir.h"

namespace agent {
namespace {

std::map<std::string, double> Values(const std::vector<fleet::metrics::Family>& families) {
  std::map<std::string, double> out;
  for (const auto& f : families) {
    for (const auto& s : f.samples) out[f.name] = s.value;
  }
  return out;
}

TEST(Timex, ScalesAsNodeExporter) {
  struct timex t {};
  t.offset = 1500;         // µs without STA_NANO
  t.freq = 65536 * 10;     // 10 ppm with a 16-bit fraction
  t.maxerror = 250000;     // µs
  t.esterror = 1000;
  t.status = 0x2001;       // STA_PLL | STA_NANO
  t.tick = 10000;
  t.tai = 37;
  t.jitter = 2000;
  const struct {
    long status;
    int state;
    double offset, jitter, sync;
  } cases[] = {
      {0x0001, TIME_OK, 1500e-6, 2000e-6, 1},       // microseconds
      {0x2001, TIME_OK, 1500e-9, 2000e-9, 1},       // STA_NANO: nanoseconds
      {0x0041, TIME_ERROR, 1500e-6, 2000e-6, 0},    // the kernel says the clock is unsynchronised
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    t.status = int(c.status);
    const auto v = Values(TimexFamilies(t, c.state));
    EXPECT_EQ(v.size(), 17u);
    EXPECT_DOUBLE_EQ(v.at("node_timex_offset_seconds"), c.offset);
    EXPECT_DOUBLE_EQ(v.at("node_timex_pps_jitter_seconds"), c.jitter);
    EXPECT_EQ(v.at("node_timex_sync_status"), c.sync);
    EXPECT_DOUBLE_EQ(v.at("node_timex_frequency_adjustment_ratio"), 1.00001);
    EXPECT_DOUBLE_EQ(v.at("node_timex_maxerror_seconds"), 0.25);
    EXPECT_DOUBLE_EQ(v.at("node_timex_tick_seconds"), 0.01);
    EXPECT_EQ(v.at("node_timex_tai_offset_seconds"), 37);
    EXPECT_EQ(v.at("node_timex_status"), double(c.status));
  }
}

TEST(Timex, ReadsThisHostsClock) {
  for (const CollectorEntry& e : HostCollectors()) {
    if (std::string(e.name) != "timex") continue;
    std::vector<fleet::metrics::Family> families;
    const fleet::Status st = e.make(CollectorOptions{})->Collect(&families);
    ASSERT_TRUE(st.ok() || IsNoData(st)) << st.ToString();  // a sandbox may refuse adjtimex
    if (st.ok()) {
      EXPECT_EQ(Values(families).count("node_timex_sync_status"), 1u);
    }
    return;
  }
  FAIL() << "no timex collector";
}

TEST(Selinux, ReportsModesWhenEnabled) {
  const struct {
    const char* enforce;  // selinuxfs' enforce, nullptr: selinuxfs not mounted
    const char* context;  // /proc/self/attr/current
    const char* config;   // /etc/selinux/config
    std::map<std::string, double> want;
  } cases[] = {
      {nullptr, "kernel", nullptr, {{"node_selinux_enabled", 0}}},
      {"1", "kernel\0", "SELINUX=enforcing\n", {{"node_selinux_enabled", 0}}},  // no policy loaded
      {"1", "system_u:system_r:init_t:s0", "# c\nSELINUX=permissive\nSELINUXTYPE=targeted\n",
       {{"node_selinux_enabled", 1}, {"node_selinux_config_mode", 0}, {"node_selinux_current_mode", 1}}},
      {"0", "system_u:system_r:init_t:s0", "SELINUX=enforcing\n",
       {{"node_selinux_enabled", 1}, {"node_selinux_config_mode", 1}, {"node_selinux_current_mode", 0}}},
      {"0", "system_u:system_r:init_t:s0", nullptr,
       {{"node_selinux_enabled", 1}, {"node_selinux_config_mode", -1}, {"node_selinux_current_mode", 0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.enforce ? c.enforce : "-") + " " + c.context);
    testsupport::TempDir dir;
    dir.Write("proc/self/attr/current", c.context);
    dir.Write("sys/fs/.keep", "");
    if (c.enforce) dir.Write("sys/fs/selinux/enforce", c.enforce);
    if (c.config) dir.Write("etc/selinux/config", c.config);
    CollectorOptions o;
    o.paths = {(dir.path() / "proc").string(), (dir.path() / "sys").string(), dir.path().string()};
    for (const CollectorEntry& e : HostCollectors()) {
      if (std::string(e.name) != "selinux") continue;
      std::vector<fleet::metrics::Family> families;
      ASSERT_TRUE(e.make(o)->Collect(&families).ok());
      EXPECT_EQ(Values(families), c.want);
    }
  }
}

}  // namespace
}  // namespace agent
