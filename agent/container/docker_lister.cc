#include <climits>

#include "agent/container/container_lister.h"
#include "agent/docker/docker_client.h"
#include "fleet/core/text.h"

namespace agent {

fleet::Result<std::vector<std::string>> DockerStorageDirs(const std::string& upper_dir,
                                                          const std::string& hostname_path) {
  std::vector<std::string> dirs;
  const size_t slash = hostname_path.rfind('/');
  for (const std::string& dir :
       {upper_dir, slash == std::string::npos ? std::string() : hostname_path.substr(0, slash)}) {
    if (dir.empty()) continue;
    if (dir[0] != '/' || dir.size() >= PATH_MAX || dir.find('\0') != std::string::npos ||
        dir.find("/../") != std::string::npos || dir.ends_with("/..")) {
      return fleet::Status::Invalid("docker storage path \"" + fleet::ForeignText(dir, 256) +
                                            "\" is not a clean absolute path");
    }
    dirs.push_back(dir);
  }
  if (dirs.empty()) return fleet::Status::NotFound("docker reports no storage directory");
  return dirs;
}

namespace {

class DockerLister : public ContainerLister {
 public:
  explicit DockerLister(const std::string& socket) : client_(socket) {}

  fleet::Result<std::vector<ContainerInfo>> Running() override {
    auto list = client_.ListContainers(/*all=*/false);
    if (!list.ok()) return list.status();
    std::vector<ContainerInfo> out;
    for (docker::Container& c : *list) {
      out.push_back({std::move(c.id), std::move(c.name), std::move(c.image), std::move(c.labels)});
    }
    return out;
  }

  fleet::Result<std::vector<std::string>> StorageDirs(const std::string& id) override {
    auto details = client_.Inspect(id);
    if (!details.ok()) return details.status();
    return DockerStorageDirs(details->upper_dir, details->hostname_path);
  }

 private:
  docker::DockerClient client_;
};

}  // namespace

std::unique_ptr<ContainerLister> NewDockerLister(const std::string& socket_path) {
  return std::make_unique<DockerLister>(socket_path);
}

}  // namespace agent
