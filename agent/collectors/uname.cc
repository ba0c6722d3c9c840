// node_uname_info from uname(2): the kernel answers for the host even inside a container.
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

class UnameCollector : public Collector {
 public:
  fleet::Status Collect(std::vector<Family>* out) override {
    utsname u{};
    if (::uname(&u) != 0) return fleet::Status::Internal(std::string("uname: ") + strerror(errno));
    out->push_back(Single(Type::kGauge, "node_uname_info",
                          "Labeled system information as provided by the uname system call.", 1,
                          {{"domainname", u.domainname},
                           {"machine", u.machine},
                           {"nodename", u.nodename},
                           {"release", u.release},
                           {"sysname", u.sysname},
                           {"version", u.version}}));
    return fleet::Status::Ok();
  }
};

}  // namespace

std::unique_ptr<Collector> NewUnameCollector(const CollectorOptions&) {
  return std::make_unique<UnameCollector>();
}

}  // namespace agent
