#include "agent/link_changes.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace agent {
namespace {

// A NETLINK_ROUTE socket bound to the given multicast groups; -1 on failure.
int RouteSocket(uint32_t groups) {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -1;
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class NetlinkLinkChanges final : public LinkChanges {
 public:
  explicit NetlinkLinkChanges(int fd) : fd_(fd) {}
  ~NetlinkLinkChanges() override { ::close(fd_); }

  bool Changed() override {
    bool changed = false;
    char buf[4096];
    while (true) {
      // Only link notifications are subscribed: any message is one (its content is not needed).
      const ssize_t got = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
      if (got > 0) {
        changed = true;
        continue;
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return changed;
      return true;  // ENOBUFS (notifications lost) or a broken socket: nothing can be vouched for
    }
  }

 private:
  const int fd_;
};

}  // namespace

std::unique_ptr<LinkChanges> OpenLinkChanges() {
  const int fd = RouteSocket(RTMGRP_LINK);
  if (fd < 0) return nullptr;
  return std::make_unique<NetlinkLinkChanges>(fd);
}

fleet::Result<std::vector<Link>> DumpLinks() {
  const int fd = RouteSocket(0);
  if (fd < 0) return fleet::Status::Unavailable(std::string("netlink: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const timeval timeout{1, 0};  // the kernel answers at once; this only bounds a broken socket
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.ifi_family = AF_UNSPEC;
  if (::send(fd, &request, sizeof request, 0) != static_cast<ssize_t>(sizeof request)) {
    return fleet::Status::Unavailable(std::string("netlink send: ") + std::strerror(errno));
  }

  std::vector<Link> links;
  std::vector<char> buf(64 * 1024);  // a dump message is at most a page or two
  while (true) {
    const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return fleet::Status::Unavailable(std::string("netlink recv: ") + std::strerror(errno));
    const size_t size = static_cast<size_t>(got);
    for (size_t at = 0; at + sizeof(nlmsghdr) <= size;) {
      nlmsghdr header;
      std::memcpy(&header, buf.data() + at, sizeof header);
      if (header.nlmsg_len < sizeof header || at + header.nlmsg_len > size) {
        return fleet::Status::Unavailable("netlink: a malformed message in the link dump");
      }
      if (header.nlmsg_type == NLMSG_DONE) return links;
      if (header.nlmsg_type == NLMSG_ERROR) return fleet::Status::Unavailable("netlink: the link dump failed");
      if (header.nlmsg_type == RTM_NEWLINK && header.nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg))) {
        // The attributes after the ifinfomsg.
        Link link;
        size_t attr = at + NLMSG_LENGTH(NLMSG_ALIGN(sizeof(ifinfomsg)));
        const size_t end = at + header.nlmsg_len;
        while (attr + sizeof(rtattr) <= end) {
          rtattr a;
          std::memcpy(&a, buf.data() + attr, sizeof a);
          if (a.rta_len < sizeof a || attr + a.rta_len > end) break;
          const char* value = buf.data() + attr + RTA_LENGTH(0);
          const size_t value_size = a.rta_len - RTA_LENGTH(0);
          if (a.rta_type == IFLA_IFNAME) link.name.assign(value, ::strnlen(value, value_size));
          if (a.rta_type == IFLA_STATS64) {
            rtnl_link_stats64 stats{};
            std::memcpy(&stats, value, std::min(sizeof stats, value_size));
            link.stats = stats;
          }
          attr += RTA_ALIGN(a.rta_len);
        }
        if (!link.name.empty()) links.push_back(std::move(link));
      }
      at += NLMSG_ALIGN(header.nlmsg_len);
    }
  }
}

std::optional<std::vector<std::string>> LinkNames() {
  auto links = DumpLinks();
  if (!links.ok()) return std::nullopt;
  std::vector<std::string> names;
  for (const Link& link : *links) names.push_back(link.name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace agent
