// The host collectors' options that mirror node_exporter's flags, over small trees written per
// test: diskstats' udev properties (a database entry missing, too long, not UTF-8, rewritten) and
// device exclude, arp's device exclude, netclass's ignored devices and invalid speed. (The fixture
// test, node_exporter_fixture_test.cc, runs them over node_exporter's own tree.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "agent/collector.h"
#include "agent/collectors/collectors.h"
#include "fleet/core/metrics.h"
#include "tests/common/temp_dir.h"

namespace agent {
namespace {

using testing::HasSubstr;
using testing::Not;

// Two devices: sda (8:0) and loop0 (7:0), which diskstats' default exclude leaves out.
constexpr char kDiskstats[] =
    "   8       0 sda 1 0 8 1 2 0 16 2 0 3 3 0 0 0 0 0 0\n"
    "   7       0 loop0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

class CollectorOptionsTest : public testing::Test {
 protected:
  CollectorOptionsTest() {
    options_.paths.procfs = (dir_.path() / "proc").string();
    options_.paths.sysfs = (dir_.path() / "sys").string();
    options_.paths.udev_data = (dir_.path() / "udev").string();
    dir_.Write("proc/diskstats", kDiskstats);
  }

  // The collector's exposition text; the collection must succeed.
  std::string Collect(const char* name) {
    for (const CollectorEntry& e : HostCollectors()) {
      if (name != std::string(e.name)) continue;
      std::vector<fleet::metrics::Family> families;
      const fleet::Status status = e.make(options_)->Collect(&families);
      EXPECT_TRUE(status.ok()) << status.ToString();
      std::string text;
      fleet::metrics::WriteText(families, &text);
      return text;
    }
    ADD_FAILURE() << "no collector " << name;
    return "";
  }

  // The database entry of block device 8:0 (sda), written as udevd does: a new file renamed
  // over the old one.
  void WriteUdev(const std::string& content) {
    const std::string written = dir_.Write("udev/b8:0.tmp", content);
    ASSERT_EQ(std::rename(written.c_str(), (dir_.path() / "udev/b8:0").c_str()), 0);
  }

  testsupport::TempDir dir_;
  CollectorOptions options_;
};

// sda's node_disk_info without udev properties.
const std::string kEmptyInfo =
    "node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"\",path=\"\",revision=\"\","
    "serial=\"\",wwn=\"\"} 1";

TEST_F(CollectorOptionsTest, DiskstatsUdevProperties) {
  const struct {
    const char* name;
    std::string udev;                  // sda's database entry; none when empty
    std::vector<std::string> present;  // whole lines
    std::vector<std::string> absent;   // substrings
  } cases[] = {
      {"AnEntryGivesEveryFamily",
       "S:disk/by-id/ata-X\nE:ID_MODEL=X_SSD\nE:ID_PATH=pci-0000:00:1f.2-ata-1\r\n"
       "E:ID_SERIAL_SHORT=S1\nE:ID_WWN=0x1\nE:ID_REVISION=0R\nE:ID_ATA=1\n"
       "E:ID_ATA_ROTATION_RATE_RPM=7200\nE:ID_ATA_WRITE_CACHE=1\nE:ID_ATA_WRITE_CACHE_ENABLED=0\n"
       "E:ID_FS_TYPE=ext4\nE:ID_FS_USAGE=filesystem\nE:ID_FS_UUID=u-1\nE:ID_FS_VERSION=1.0\n"
       "E:DM_NAME=vg-root\nE:DM_UUID=LVM-1\nE:DM_VG_NAME=vg\nE:DM_LV_NAME=root\n",
       {"node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"X_SSD\","
        "path=\"pci-0000:00:1f.2-ata-1\",revision=\"0R\",serial=\"S1\",wwn=\"0x1\"} 1",
        "node_disk_ata_rotation_rate_rpm{device=\"sda\"} 7200",
        "node_disk_ata_write_cache{device=\"sda\"} 1",
        "node_disk_ata_write_cache_enabled{device=\"sda\"} 0",
        "node_disk_filesystem_info{device=\"sda\",type=\"ext4\",usage=\"filesystem\",uuid=\"u-1\","
        "version=\"1.0\"} 1",
        "node_disk_device_mapper_info{device=\"sda\",lv_layer=\"\",lv_name=\"root\","
        "name=\"vg-root\",uuid=\"LVM-1\",vg_name=\"vg\"} 1"},
       {"loop0"}},
      {"NoEntryGivesEmptyInfoLabelsOnly",
       "",
       {kEmptyInfo},
       {"node_disk_filesystem_info", "node_disk_device_mapper_info", "node_disk_ata_"}},
      {"AnEntryLongerThan64KiBIsNotRead",
       "E:ID_MODEL=X_SSD\nE:ID_FS_TYPE=ext4\n" + std::string(64 * 1024, 'x') + "\n",
       {kEmptyInfo},
       {"X_SSD", "node_disk_filesystem_info"}},
      {"InvalidUtf8BecomesOneReplacementCharacterPerRun",
       "E:ID_MODEL=a\xff\xfe" "b\nE:DM_NAME=\xc3\n",
       {"node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"a\xef\xbf\xbd" "b\","
        "path=\"\",revision=\"\",serial=\"\",wwn=\"\"} 1",
        "node_disk_device_mapper_info{device=\"sda\",lv_layer=\"\",lv_name=\"\","
        "name=\"\xef\xbf\xbd\",uuid=\"\",vg_name=\"\"} 1"},
       {}},
      {"AtaValuesOnlyForAnAtaDiskAndOnlyNumbers",
       "E:ID_ATA=1\nE:ID_ATA_ROTATION_RATE_RPM=fast\nE:ID_ATA_WRITE_CACHE=1\n",
       {"node_disk_ata_write_cache{device=\"sda\"} 1"},
       {"node_disk_ata_rotation_rate_rpm", "node_disk_ata_write_cache_enabled"}},
      {"NoAtaValuesWithoutIdAta", "E:ID_ATA_ROTATION_RATE_RPM=0\n", {}, {"node_disk_ata_"}},
      {"EmptyFilesystemTypeAndDmNameGiveNoSample",
       "E:ID_FS_TYPE=\nE:ID_FS_UUID=u\nE:DM_NAME=\nE:DM_UUID=d\nE:ID_ATA=\n"
       "E:ID_ATA_WRITE_CACHE=1\nE:ID_MODEL=m\nI:123\nE:NOEQUALS\n",
       {"node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"m\",path=\"\",revision=\"\","
        "serial=\"\",wwn=\"\"} 1"},
       {"node_disk_filesystem_info", "node_disk_device_mapper_info", "node_disk_ata_"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove_all(dir_.path() / "udev");
    if (!c.udev.empty()) WriteUdev(c.udev);
    const std::string text = Collect("diskstats");
    EXPECT_THAT(text, HasSubstr("node_disk_reads_completed_total{device=\"sda\"} 1\n"));
    for (const std::string& line : c.present) EXPECT_THAT(text, HasSubstr(line + "\n"));
    for (const std::string& part : c.absent) EXPECT_THAT(text, Not(HasSubstr(part)));
  }
}

// A device's properties are those of its database entry at this scrape: udevd rewrites the entry
// when a filesystem is created on the device, and the labels follow.
TEST_F(CollectorOptionsTest, DiskstatsUdevEntryRewrittenBetweenScrapes) {
  std::vector<fleet::metrics::Family> families;
  auto collector = NewDiskstatsCollector(options_);
  WriteUdev("E:ID_MODEL=m\n");
  auto scrape = [&] {
    families.clear();
    EXPECT_TRUE(collector->Collect(&families).ok());
    std::string text;
    fleet::metrics::WriteText(families, &text);
    return text;
  };
  EXPECT_THAT(scrape(), Not(HasSubstr("node_disk_filesystem_info")));
  WriteUdev("E:ID_MODEL=m\nE:ID_FS_TYPE=xfs\n");
  EXPECT_THAT(scrape(), HasSubstr("node_disk_filesystem_info{device=\"sda\",type=\"xfs\""));
  std::filesystem::remove(dir_.path() / "udev/b8:0");
  EXPECT_THAT(scrape(), HasSubstr(kEmptyInfo + "\n"));
}

// node_exporter's device filters take an empty exclude as none (collector/device_filter.go).
TEST_F(CollectorOptionsTest, DiskstatsDeviceExclude) {
  const struct {
    std::string exclude;
    bool sda, loop0;
  } cases[] = {
      {CollectorOptions{}.diskstats_device_exclude, true, false},
      {"", true, true},
      {"^sd", false, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.exclude);
    options_.diskstats_device_exclude = c.exclude;
    const std::string text = Collect("diskstats");
    EXPECT_EQ(text.find("device=\"sda\"") != std::string::npos, c.sda);
    EXPECT_EQ(text.find("device=\"loop0\"") != std::string::npos, c.loop0);
  }
}

TEST_F(CollectorOptionsTest, ArpDeviceExclude) {
  dir_.Write("proc/net/arp",
             "IP address       HW type     Flags       HW address            Mask     Device\n"
             "192.168.1.1      0x1         0x2         cc:aa:dd:ee:aa:bb     *        eth0\n"
             "10.0.0.1         0x1         0x2         cc:aa:dd:ee:aa:bb     *        eth1\n"
             "10.0.0.2         0x1         0x2         cc:aa:dd:ee:aa:bc     *        eth1\n");
  const struct {
    std::string exclude;
    std::string want;
  } cases[] = {
      {"", "node_arp_entries{device=\"eth0\"} 1\nnode_arp_entries{device=\"eth1\"} 2\n"},
      {"^eth0$", "node_arp_entries{device=\"eth1\"} 2\n"},
      {"eth", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.exclude);
    options_.arp_device_exclude = c.exclude;
    std::string text = Collect("arp");
    EXPECT_EQ(text.substr(std::min(text.size(), text.find("\nnode_arp_entries") + 1)), c.want);
  }
}

TEST_F(CollectorOptionsTest, NetclassIgnoredDevicesAndInvalidSpeed) {
  for (const char* device : {"eth0", "bond0"}) {
    dir_.Write(std::string("sys/class/net/") + device + "/operstate", "up\n");
    dir_.Write(std::string("sys/class/net/") + device + "/mtu", "1500\n");
  }
  dir_.Write("sys/class/net/eth0/speed", "1000\n");
  dir_.Write("sys/class/net/bond0/speed", "-1\n");
  const struct {
    std::string ignored;
    bool ignore_invalid_speed;
    std::vector<std::string> present, absent;
  } cases[] = {
      {"^$", false,
       {"node_network_speed_bytes{device=\"eth0\"} 125000000",
        "node_network_speed_bytes{device=\"bond0\"} -125000",
        "node_network_mtu_bytes{device=\"bond0\"} 1500"},
       {}},
      {"^$", true,
       {"node_network_speed_bytes{device=\"eth0\"} 125000000",
        "node_network_mtu_bytes{device=\"bond0\"} 1500"},
       {"node_network_speed_bytes{device=\"bond0\"}"}},
      {"^bond", false, {"node_network_mtu_bytes{device=\"eth0\"} 1500"}, {"bond0"}},
      // A Go regexp: an empty one matches every device.
      {"", false, {}, {"eth0", "bond0"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ignored + (c.ignore_invalid_speed ? " ignore-invalid-speed" : ""));
    options_.netclass_ignored_devices = c.ignored;
    options_.netclass_ignore_invalid_speed = c.ignore_invalid_speed;
    const std::string text = Collect("netclass");
    for (const std::string& line : c.present) EXPECT_THAT(text, HasSubstr(line + "\n"));
    for (const std::string& part : c.absent) EXPECT_THAT(text, Not(HasSubstr(part)));
  }
}

}  // namespace
}  // namespace agent
