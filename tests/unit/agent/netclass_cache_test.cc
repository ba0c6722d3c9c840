// The netclass collector serves its last read again only while nothing says it is out of date:
// no link change reported, the same interfaces listed, rtnetlink naming the interfaces sysfs
// shows, and the read younger than its maximum age. A table of what changes between two scrapes
// and whether the second must see it, on a sysfs tree in a temporary directory.
#include <gtest/gtest.h>

#include <filesystem>

#include "agent/collectors/collectors.h"
#include "fleet/core/metrics.h"
#include "tests/common/temp_dir.h"

namespace agent {
namespace {

using namespace std::chrono_literals;

class FakeLinkChanges : public LinkChanges {
 public:
  explicit FakeLinkChanges(bool* pending) : pending_(pending) {}
  bool Changed() override { return std::exchange(*pending_, false); }

 private:
  bool* pending_;
};

struct Case {
  std::string name;
  bool watched = true;                         // a LinkChanges is given
  std::vector<std::string> link_names = {"eth0"};  // what rtnetlink names
  std::chrono::steady_clock::duration max_age = 1h;
  bool change_reported = false;  // between the scrapes
  bool device_added = false;     // eth1 appears between the scrapes
  bool second_sees_new_mtu;
};

TEST(NetclassCache, TheLastReadIsServedAgainOnlyWhileNothingSaysItChanged) {
  const std::vector<Case> cases = {
      {"nothing changed", true, {"eth0"}, 1h, false, false, false},
      {"a link change reported", true, {"eth0"}, 1h, true, false, true},
      {"an interface added, not (yet) reported", true, {"eth0"}, 1h, false, true, true},
      {"rtnetlink names other interfaces", true, {"eth0", "wg0"}, 1h, false, false, true},
      {"the read is as old as the maximum age", true, {"eth0"}, 0s, false, false, true},
      {"no rtnetlink", false, {"eth0"}, 1h, false, false, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    testsupport::TempDir dir;
    auto write_device = [&](const std::string& device, const std::string& mtu) {
      dir.Write("class/net/" + device + "/mtu", mtu + "\n");
      dir.Write("class/net/" + device + "/operstate", "up\n");
      dir.Write("class/net/" + device + "/address", "02:00:00:00:00:01\n");
    };
    write_device("eth0", "1500");
    CollectorOptions options;
    options.paths.sysfs = dir.path().string();
    bool pending = false;
    NetclassCache cache;
    if (c.watched) cache.changes = std::make_unique<FakeLinkChanges>(&pending);
    cache.link_names = [&] { return std::optional<std::vector<std::string>>(c.link_names); };
    cache.max_age = c.max_age;
    auto collector = NewNetclassCollectorWithCache(options, std::move(cache));

    auto scrape = [&] {
      std::vector<fleet::metrics::Family> families;
      EXPECT_TRUE(collector->Collect(&families).ok());
      std::string text;
      fleet::metrics::WriteText(families, &text);
      return text;
    };
    ASSERT_NE(scrape().find("node_network_mtu_bytes{device=\"eth0\"} 1500"), std::string::npos);

    write_device("eth0", "9000");
    if (c.device_added) write_device("eth1", "1400");
    pending = c.change_reported;
    const std::string second = scrape();
    EXPECT_EQ(second.find("node_network_mtu_bytes{device=\"eth0\"} 9000") != std::string::npos,
              c.second_sees_new_mtu)
        << second;
    EXPECT_EQ(second.find("node_network_mtu_bytes{device=\"eth1\"} 1400") != std::string::npos,
              c.device_added)
        << second;
  }
}

}  // namespace
}  // namespace agent
