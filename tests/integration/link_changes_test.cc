// LinkChanges and LinkNames against the kernel, in a network namespace of the test's own (a
// thread that unshares it; `ip`, run from that thread, acts in it): an interface added, changed
// and removed is reported once each, and the dump names what is there.
#include <sched.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "agent/link_changes.h"
#include "tests/e2e/harness.h"

namespace agent {
namespace {

int Ip(std::vector<std::string> args) {
  args.insert(args.begin(), "ip");
  return e2e::Run(args).exit_code;
}

TEST(LinkChanges, AddChangeAndRemoveAreReportedAndTheDumpNamesTheLinks) {
  std::thread in_namespace([] {
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0) << std::strerror(errno);
    auto changes = OpenLinkChanges();
    ASSERT_NE(changes, nullptr);
    EXPECT_FALSE(changes->Changed());
    EXPECT_EQ(LinkNames(), std::vector<std::string>{"lo"});

    ASSERT_EQ(Ip({"link", "add", "vpsf0", "type", "veth", "peer", "name", "vpsf1"}), 0);
    EXPECT_TRUE(changes->Changed());
    EXPECT_FALSE(changes->Changed()) << "one change is reported once";
    EXPECT_EQ(LinkNames(), (std::vector<std::string>{"lo", "vpsf0", "vpsf1"}));

    struct Step {
      const char* what;
      std::vector<std::string> ip;
    };
    for (const Step& step : std::vector<Step>{{"mtu", {"link", "set", "vpsf0", "mtu", "1400"}},
                                              {"up (operstate, flags)", {"link", "set", "vpsf0", "up"}},
                                              {"alias", {"link", "set", "vpsf0", "alias", "uplink"}},
                                              {"queue length", {"link", "set", "vpsf0", "txqueuelen", "500"}},
                                              {"address", {"link", "set", "vpsf0", "address", "02:00:00:00:00:07"}},
                                              {"removed", {"link", "del", "vpsf0"}}}) {
      ASSERT_EQ(Ip(step.ip), 0) << step.what;
      EXPECT_TRUE(changes->Changed()) << step.what;
    }
    EXPECT_FALSE(changes->Changed());
    EXPECT_EQ(LinkNames(), std::vector<std::string>{"lo"});
  });
  in_namespace.join();
}

}  // namespace
}  // namespace agent
