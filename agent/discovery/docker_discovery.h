// Docker service discovery: scrape targets from the containers a Docker daemon runs, with the
// labels of Prometheus's docker_sd_config (discovery/moby/docker.go, v3.x, which Alloy's
// discovery.docker runs too). One target per (container, network, TCP port):
//   __address__                            <network ip>:<private port>
//   __meta_docker_container_id             the container's ID
//   __meta_docker_container_name           its first name, with Docker's leading slash
//   __meta_docker_container_image          the image as listed (absent when the list has none)
//   __meta_docker_container_image_id       the image ID (absent when the list has none)
//   __meta_docker_container_network_mode   HostConfig.NetworkMode
//   __meta_docker_container_label_<name>   each container label, name sanitized (SanitizeLabelName)
//   __meta_docker_network_id, _name, _scope, _internal ("true"/"false"), _ingress, _label_<name>
//                                          the network's, when /networks lists its ID
//   __meta_docker_network_ip               the endpoint's IPv4 address, else its global IPv6
//                                          address, else "" (a label with an empty value)
//   __meta_docker_port_private             the container port
//   __meta_docker_port_public, _public_ip  when the port is published (_public_ip "" when the
//                                          daemon gives no address)
// A container on a network with no TCP port (none exposed, or only UDP) is one target without the
// port labels at <ip>:<options.port>, or at options.host_networking_host in host network mode. A
// container without networks of its own that shares another's ("container:<id>") takes that
// container's networks, following such links (upstream follows them without end on a cycle; here
// at most once per listed container). With match_first_network and more than one network, only
// the first network by name is used. Only running containers are listed, as upstream.
//
// Differences from upstream, each on input a daemon does not send: the name is "/" + the listed
// name (Docker always lists it with the slash); an IP that does not parse is no IP. Targets are in
// list order, a container's networks by name (upstream: Go map order).
//
// Bounds (each limit is counted in DockerDiscoveryCounts; the daemon's response is bounded in
// size and depth by the client): at most kMaxDockerTargets targets, kMaxDockerLabels labels of a
// container or a network (by name: the first ones are kept), label values of at most
// kMaxDockerLabelValueBytes (a longer label is left out). Label values are valid UTF-8 (the
// client's JSON parser guarantees it).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "agent/docker/docker_client.h"
#include "agent/scrape/discovery.h"
#include "fleet/core/status.h"

namespace agent::discovery {

inline constexpr size_t kMaxDockerTargets = 10000;
inline constexpr size_t kMaxDockerLabels = 256;
inline constexpr size_t kMaxDockerLabelValueBytes = 4096;

// A docker_sd_config filter: the Engine API filter `name` (label, name, network, status, ...)
// matching any of `values`; filters of one name are merged, as upstream does.
struct DockerFilter {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const DockerFilter&) const = default;
};

// docker_sd_config's fields and defaults (host is a unix socket path: the agent talks to the
// local daemon only).
struct DockerDiscoveryOptions {
  std::string host = "/var/run/docker.sock";
  int port = 80;  // of a target for a container with no TCP port
  std::string host_networking_host = "localhost";
  std::vector<DockerFilter> filters;
  bool match_first_network = true;
  std::chrono::milliseconds refresh_interval = std::chrono::seconds(60);  // the caller schedules
  bool operator==(const DockerDiscoveryOptions&) const = default;
};

// What one refresh left out to stay in its bounds.
struct DockerDiscoveryCounts {
  size_t targets_dropped = 0;  // past kMaxDockerTargets
  size_t labels_dropped = 0;   // past kMaxDockerLabels, or values past kMaxDockerLabelValueBytes
  bool operator==(const DockerDiscoveryCounts&) const = default;
};

struct DockerTargets {
  std::vector<scrape::DiscoveredTarget> targets;
  DockerDiscoveryCounts dropped;
};

// The targets of a container list and a network list (as the daemon answers them), without a
// daemon: the whole of the discovery but the two requests.
DockerTargets DockerTargetsFrom(const std::vector<docker::Container>& containers,
                                const std::vector<docker::Network>& networks,
                                const DockerDiscoveryOptions& options);

class DockerDiscoverer : public scrape::Discoverer {
 public:
  explicit DockerDiscoverer(DockerDiscoveryOptions options);

  // Lists the running containers (with the filters) and the networks, then DockerTargetsFrom.
  fleet::Result<std::vector<scrape::DiscoveredTarget>> Discover() override;

  const DockerDiscoveryOptions& options() const { return options_; }
  // What the last successful Discover left out (for the status page). Thread-safe.
  DockerDiscoveryCounts last_dropped() const;

 private:
  const DockerDiscoveryOptions options_;
  const docker::DockerClient client_;
  const docker::ContainerFilters filters_;
  mutable std::mutex mu_;
  DockerDiscoveryCounts last_dropped_;
};

}  // namespace agent::discovery
