// Every host collector over node_exporter 1.5.0's own fixture tree (tests/fixtures/node_exporter),
// compared family by family and sample by sample with node_exporter's output over that tree
// (e2e-output.txt): node_exporter is the reference. Also reports which of node_exporter's default
// Linux collectors the agent does not have yet.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "agent/collector.h"
#include "fleet/core/files.h"
#include "fleet/core/metrics.h"
#include "tests/common/temp_dir.h"
#include "tests/common/ttar.h"

namespace agent {
namespace {

const std::string kTree = std::string(VPSFLEET_SOURCE_DIR) + "/tests/fixtures/node_exporter";

// The collectors node_exporter 1.5.0 enables by default on Linux.
const std::vector<std::string> kNodeExporterDefaults = {
    "arp",        "bcache",       "bonding",          "btrfs",      "conntrack",
    "cpu",        "cpufreq",      "diskstats",        "dmi",        "edac",
    "entropy",    "fibrechannel", "filefd",           "filesystem", "hwmon",
    "infiniband", "ipvs",         "loadavg",          "mdadm",      "meminfo",
    "netclass",   "netdev",       "netstat",          "nfs",        "nfsd",
    "nvme",       "os",           "powersupplyclass", "pressure",   "rapl",
    "schedstat",  "selinux",      "sockstat",         "softnet",    "stat",
    "tapestats",  "textfile",     "thermal_zone",     "time",       "timex",
    "udp_queues", "uname",        "vmstat",           "xfs",        "zfs"};

// Collectors whose fixture output cannot be compared, and why. (host_collectors_test.cc checks
// them against tests/e2e/fixtures/host.)
const std::map<std::string, const char*> kNotComparable = {
    {"filesystem", "disabled in end-to-end-test.sh"},
    {"timex", "disabled in end-to-end-test.sh"},
    {"uname", "disabled in end-to-end-test.sh"},
    // node_exporter 1.5 reads netdev counters over rtnetlink, from the host the test ran on (hence
    // --collector.netdev.device-include=lo and the skipped byte/packet counters); the fixture tree
    // has no lo.
    {"netdev", "its samples in e2e-output.txt come from the CI host's lo, not the fixture tree"},
};

// end-to-end-test.sh drops these lines before comparing (they vary by run, or, for the netdev
// byte and packet counters, by the host's byte order); so do we.
const RE2 kSkipped(
    "^(go_|node_exporter_build_info|node_scrape_collector_duration_seconds|process_|"
    "node_textfile_mtime_seconds|node_time_(zone|seconds)|"
    "node_network_(receive|transmit)_(bytes|packets)_total)");

struct ParsedFamily {
  std::string help, type;
  std::map<std::string, std::string> samples;  // name{sorted labels} -> value text
};
using Parsed = std::map<std::string, ParsedFamily>;

// A sample line's series key with its labels sorted (node_exporter sorts them; the agent keeps the
// order it builds them in), and its value. False for a line that is not a sample.
bool ParseSample(const std::string& line, std::string* key, std::string* value) {
  size_t i = line.find_first_of("{ ");
  if (i == std::string::npos) return false;
  const std::string name = line.substr(0, i);
  std::vector<std::string> labels;
  if (line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const size_t eq = line.find("=\"", i);
      if (eq == std::string::npos) return false;
      size_t j = eq + 2;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      labels.push_back(line.substr(i, j + 1 - i));
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    ++i;  // '}'
  }
  std::sort(labels.begin(), labels.end());
  *key = name + "{";
  for (size_t l = 0; l < labels.size(); ++l) *key += (l ? "," : "") + labels[l];
  *key += "}";
  *value = line.substr(std::min(line.size(), i + 1));
  return true;
}

// The text exposition format as node_exporter writes it: HELP and TYPE before each family's
// samples.
Parsed ParseExposition(const std::string& text) {
  Parsed out;
  std::istringstream in(text);
  std::string line, family;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const size_t sp = line.find(' ', 7);
      family = line.substr(7, sp - 7);
      (line[2] == 'H' ? out[family].help : out[family].type) =
          sp == std::string::npos ? "" : line.substr(sp + 1);
      continue;
    }
    std::string key, value;
    if (line.empty() || line[0] == '#' || !ParseSample(line, &key, &value)) continue;
    const std::string name = key.substr(0, key.find('{'));
    // A histogram's or summary's _bucket/_sum/_count samples belong to the family above them.
    out[name.rfind(family, 0) == 0 ? family : name].samples[key] = value;
  }
  return out;
}

bool SameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const double x = std::strtod(a.c_str(), nullptr), y = std::strtod(b.c_str(), nullptr);
  return x == y || (std::isnan(x) && std::isnan(y));
}

struct Tally {
  int matched = 0, mismatched = 0, missing = 0, extra = 0, skipped = 0;
  std::vector<std::string> notes;  // the first few differences, for the failure message
  void Note(const std::string& s) {
    if (notes.size() < 12) notes.push_back(s);
  }
};

Tally Compare(const Parsed& got, const Parsed& want) {
  Tally t;
  for (const auto& [name, family] : got) {
    if (RE2::PartialMatch(name, kSkipped)) {
      t.skipped += static_cast<int>(family.samples.size());
      continue;
    }
    auto w = want.find(name);
    if (w == want.end()) {
      t.extra += static_cast<int>(family.samples.size());
      t.Note("family not in node_exporter's output: " + name);
      continue;
    }
    if (family.help != w->second.help) {
      ++t.mismatched;
      t.Note("HELP " + name + ": got \"" + family.help + "\", want \"" + w->second.help + "\"");
    }
    if (family.type != w->second.type) {
      ++t.mismatched;
      t.Note("TYPE " + name + ": got " + family.type + ", want " + w->second.type);
    }
    for (const auto& [key, value] : family.samples) {
      auto s = w->second.samples.find(key);
      if (s == w->second.samples.end()) {
        ++t.extra;
        t.Note("extra " + key + " " + value);
      } else if (SameValue(value, s->second)) {
        ++t.matched;
      } else {
        ++t.mismatched;
        t.Note(key + ": got " + value + ", want " + s->second);
      }
    }
    for (const auto& [key, value] : w->second.samples) {
      if (!family.samples.count(key)) {
        ++t.missing;
        t.Note("missing " + key + " " + value);
      }
    }
  }
  return t;
}

class NodeExporterFixture : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new testsupport::TempDir();
    for (const char* archive : {"sys.ttar", "udev.ttar"}) {
      const std::string error = testsupport::ExtractTtar(kTree + "/" + archive, scratch_->path());
      ASSERT_EQ(error, "");
    }
    auto text = fleet::ReadFileText(kTree + "/e2e-output.txt");
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    want_ = new Parsed(ParseExposition(*text));
  }
  static void TearDownTestSuite() {
    delete want_;
    delete scratch_;
  }

  // The paths and flags of node_exporter's end-to-end-test.sh, as far as the agent has them.
  static CollectorOptions Options() {
    CollectorOptions o;
    o.paths.procfs = kTree + "/proc";
    o.paths.sysfs = (scratch_->path() / "sys").string();
    o.paths.rootfs = kTree;
    o.paths.udev_data = (scratch_->path() / "udev/data").string();
    // --collector.netdev.device-include="lo": the agent has only the exclude side, so exclude
    // every name but "lo".
    o.netdev_device_exclude = "^(.?|[^l].*|l[^o].*|lo.+)$";
    o.arp_device_exclude = "nope";
    o.netclass_ignored_devices = "(dmz|int)";
    o.netclass_ignore_invalid_speed = true;
    o.textfile_directory = kTree + "/textfile/two_metric_files/";
    return o;
  }

  static Parsed CollectParsed(const CollectorEntry& entry, fleet::Status* status) {
    std::vector<fleet::metrics::Family> families;
    *status = entry.make(Options())->Collect(&families);
    std::string text;
    fleet::metrics::WriteText(families, &text);
    // node_exporter ran in its checkout with relative paths, which textfile's HELP and rapl's path
    // label show.
    for (const std::string& root : {kTree, scratch_->path().string()}) {
      for (size_t at; (at = text.find(root)) != std::string::npos;) {
        text.replace(at, root.size(), "collector/fixtures");
      }
    }
    return ParseExposition(text);
  }

  static testsupport::TempDir* scratch_;
  static Parsed* want_;
};
testsupport::TempDir* NodeExporterFixture::scratch_ = nullptr;
Parsed* NodeExporterFixture::want_ = nullptr;

TEST_F(NodeExporterFixture, EveryCollectorMatchesNodeExporterOutput) {
  int total_matched = 0;
  std::set<std::string> claimed;  // the fixture's families some agent collector serves
  for (const CollectorEntry& entry : HostCollectors()) {
    if (kNotComparable.count(entry.name)) continue;
    fleet::Status status;
    const Parsed got = CollectParsed(entry, &status);
    for (const auto& [name, family] : got) claimed.insert(name);
    EXPECT_TRUE(status.ok()) << entry.name << ": " << status.ToString();
    const Tally t = Compare(got, *want_);
    total_matched += t.matched;
    std::cout << "[fixture] " << entry.name << ": matched " << t.matched << ", mismatched "
              << t.mismatched << ", missing " << t.missing << ", extra " << t.extra << ", skipped "
              << t.skipped << "\n";
    std::string notes;
    for (const std::string& n : t.notes) notes += "\n  " + n;
    EXPECT_GT(t.matched, 0) << entry.name << " produced nothing comparable";
    EXPECT_EQ(t.mismatched + t.missing + t.extra, 0) << entry.name << ":" << notes;
  }
  EXPECT_GT(total_matched, 0);

  // What the agent does not serve yet, by family prefix: collectors it lacks, and families of
  // collectors it has that come from non-default flags (cpu.info, stat.softirq) or are not
  // implemented (cpu's thermal throttle counters).
  std::map<std::string, int> unclaimed;
  int unclaimed_samples = 0;
  for (const auto& [name, family] : *want_) {
    if (claimed.count(name) || RE2::PartialMatch(name, kSkipped) || family.samples.empty())
      continue;
    const size_t second = name.find('_', name.find('_') + 1);
    unclaimed[name.substr(0, second)] += static_cast<int>(family.samples.size());
    unclaimed_samples += static_cast<int>(family.samples.size());
  }
  std::cout << "[fixture] samples in node_exporter's output no agent collector serves: "
            << unclaimed_samples << " (";
  for (const auto& [prefix, count] : unclaimed) std::cout << prefix << " " << count << "; ";
  std::cout << ")\n";
}

TEST_F(NodeExporterFixture, ReportsDefaultCollectorsStillMissing) {
  std::vector<std::string> missing;
  for (const std::string& name : kNodeExporterDefaults) {
    if (std::none_of(HostCollectors().begin(), HostCollectors().end(),
                     [&](const CollectorEntry& e) { return name == e.name; })) {
      missing.push_back(name);
    }
  }
  std::cout << "[fixture] node_exporter default collectors missing (" << missing.size() << "/"
            << kNodeExporterDefaults.size() << "):";
  for (const std::string& name : missing) std::cout << " " << name;
  std::cout << "\n";
  // Every agent collector is one of node_exporter's defaults, under node_exporter's name.
  for (const CollectorEntry& e : HostCollectors()) {
    EXPECT_NE(std::find(kNodeExporterDefaults.begin(), kNodeExporterDefaults.end(), e.name),
              kNodeExporterDefaults.end())
        << e.name;
  }
}

TEST(Ttar, ExtractsFilesSymlinksAndMarkers) {
  testsupport::TempDir dir;
  const std::string archive =
      dir.Write("a.ttar",
                "# comment\nDirectory: t\nMode: 755\n# ttar - - -\nPath: t/f\nLines: 2\nx\\EOFy\n"
                "zNULLBYTEwEOF\nMode: 644\n# ttar - - -\nPath: t/l\nSymlinkTo: f\n");
  ASSERT_EQ(testsupport::ExtractTtar(archive, dir.path() / "out"), "");
  auto f = fleet::ReadFileText((dir.path() / "out/t/f").string());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, std::string("xEOFy\nz\0w", 9));
  auto l = fleet::ReadFileText((dir.path() / "out/t/l").string());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(*l, *f);
  const std::string escaping = dir.Write("b.ttar", "Path: ../up\nLines: 0\n");
  EXPECT_NE(testsupport::ExtractTtar(escaping, dir.path() / "out"), "");
}

}  // namespace
}  // namespace agent
