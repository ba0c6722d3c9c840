#include "agent/container/container_lister.h"
#include "agent/docker/docker_client.h"

namespace agent {
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

 private:
  docker::DockerClient client_;
};

}  // namespace

std::unique_ptr<ContainerLister> NewDockerLister(const std::string& socket_path) {
  return std::make_unique<DockerLister>(socket_path);
}

}  // namespace agent
