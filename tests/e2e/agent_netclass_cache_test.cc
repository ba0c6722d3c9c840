// fleet-agent's netclass collector on a real kernel (netclass-run.sh, in namespaces of its own):
// it serves its last read again until rtnetlink reports a change, so a property the kernel does
// not notify (netdev_group written through sysfs) shows only with the next notified change (or
// after kNetclassMaxCacheAge), and a notified one (the MTU) shows at the next scrape.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/e2e/harness.h"

namespace e2e {
namespace {

TEST(AgentNetclassCache, ANotifiedChangeShowsAtOnceAndTheCacheServesTheRest) {
  for (const char* tool : {"/usr/bin/unshare", "/usr/sbin/ip", "/usr/bin/curl"}) {
    ASSERT_TRUE(std::filesystem::exists(tool)) << tool << " is missing; scripts/install-deps.sh installs it";
  }
  TempDir dir;
  const std::string listen = "127.0.0.1:" + std::to_string(FreePort());
  const std::string config = dir.Write("agent.yaml",
                                       "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: e2e\n"
                                       "collectors: {enabled: [netclass], container: {enabled: false}}\n"
                                       "http: {listen: \"" + listen + "\"}\n");
  CommandResult r = e2e::Run({"unshare", "-n", "-m", "sh", SourceDir() + "/tests/e2e/netclass-run.sh", Bin("fleet-agent"),
                         config, listen},
                             "", {}, std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "first: mtu_bytes=1500 net_dev_group=0\n"
            "group written: mtu_bytes=1500 net_dev_group=0\n"
            "mtu set: mtu_bytes=1400 net_dev_group=5\n")
      << r.err;
}

}  // namespace
}  // namespace e2e
