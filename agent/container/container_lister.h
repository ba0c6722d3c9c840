// Which containers are running, with the names, images and labels the metrics are labelled by.
// Behind an interface so the collector is tested with a fake list and real cgroup fixtures.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fleet/core/status.h"

namespace agent {

struct ContainerInfo {
  std::string id;     // full 64-hex id
  std::string name;   // without Docker's leading slash
  std::string image;  // as the user named it
  std::map<std::string, std::string> labels;
};

class ContainerLister {
 public:
  virtual ~ContainerLister() = default;
  virtual fleet::Result<std::vector<ContainerInfo>> Running() = 0;
  // The directories whose size is the container's container_fs_usage_bytes, as cAdvisor sums
  // them: its writable layer, then the daemon's directory of it (json logs, hostname,
  // resolv.conf). Absolute paths without "..".
  virtual fleet::Result<std::vector<std::string>> StorageDirs(const std::string& id) = 0;
};

// The dirs of StorageDirs from what Docker's inspect says, or Invalid for a path that is
// not absolute, has a ".." or a NUL, or is longer than PATH_MAX.
fleet::Result<std::vector<std::string>> DockerStorageDirs(const std::string& upper_dir,
                                                          const std::string& hostname_path);

// Asks the Docker Engine API (agent/docker's client) on the unix socket; one request per call.
std::unique_ptr<ContainerLister> NewDockerLister(const std::string& socket_path);

}  // namespace agent
