// What the kernel says about the network interfaces of the agent's network namespace, over
// rtnetlink: whether any changed since the last look (RTMGRP_LINK notifications, read without
// blocking, so no thread waits on them), and all of them with their counters (one RTM_GETLINK
// dump, as node_exporter's netdev collector reads them).
//
// The kernel notifies every change of an interface's state that /sys/class/net shows as a
// property (operstate, carrier and its counters, flags, mtu, address, alias, queue length) and
// every interface added or removed; statistics are not notified, and are not properties.
#pragma once

#include <linux/if_link.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fleet/core/status.h"

namespace agent {

class LinkChanges {
 public:
  virtual ~LinkChanges() = default;
  // Whether an interface was added, removed or changed since the last call (the first call: since
  // the watch was opened). Also true when notifications were lost (the socket's queue overflowed).
  virtual bool Changed() = 0;
};

// The rtnetlink watch; nullptr where rtnetlink cannot be opened (a sandbox without it).
std::unique_ptr<LinkChanges> OpenLinkChanges();

struct Link {
  std::string name;
  std::optional<rtnl_link_stats64> stats;  // IFLA_STATS64, when the kernel sent it
};
// Every interface of the namespace, in the kernel's order.
fleet::Result<std::vector<Link>> DumpLinks();

// The names of the namespace's interfaces, sorted; nullopt when the dump fails.
std::optional<std::vector<std::string>> LinkNames();

}  // namespace agent
