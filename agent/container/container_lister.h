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
};

// Asks the Docker Engine API (agent/docker's client) on the unix socket; one request per call.
std::unique_ptr<ContainerLister> NewDockerLister(const std::string& socket_path);

}  // namespace agent
