// The memory limit of the cgroup this process runs in, the way a container runtime enforces it:
// cgroup v1 `memory.limit_in_bytes` or v2 `memory.max`, found through /proc/self/cgroup and the
// mount table (/proc/self/mountinfo), so it works on a host, in a Docker container (where the
// container's cgroup is mounted as the root of /sys/fs/cgroup/memory) and on hybrid hosts (v1
// memory controller plus a cgroup2 mount without it).
//
// A limit set on an ancestor cgroup binds too, so the effective limit is the lowest one from the
// process's cgroup up to the top of the mounted hierarchy. v1's "unlimited" (a huge number near
// 2^63) and v2's "max" count as no limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fleet/core/status.h"

namespace agent {

struct CgroupMemoryLimit {
  int version = 0;  // 1 or 2; 0 when no memory cgroup was found at all
  std::optional<uint64_t> bytes;  // nullopt: no limit
  std::string file;  // the file the limit was read from (the binding one when nested)
};

// Where to look. The defaults are this process's; tests point them at a fixture tree (root is
// prepended to the mount points named in mountinfo).
struct CgroupProbe {
  std::string self_cgroup = "/proc/self/cgroup";
  std::string mountinfo = "/proc/self/mountinfo";
  std::string root;
};

// An error only when /proc/self/cgroup cannot be read; a missing mount or limit file is "no limit".
fleet::Result<CgroupMemoryLimit> DetectCgroupMemoryLimit(const CgroupProbe& probe = {});

}  // namespace agent
