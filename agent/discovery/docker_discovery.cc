#include "agent/discovery/docker_discovery.h"

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include "fleet/core/metric_names.h"

namespace agent::discovery {
namespace {

using docker::Container;
using docker::NetworkEndpoint;
using LabelMap = std::map<std::string, std::string>;  // by name: sorted, each name once

constexpr std::string_view kPrefix = "__meta_docker_";

// An address in the form Go's netip.Addr.String() writes (inet_ntop's is the same: RFC 5952 for
// IPv6); nullopt when text is not an address (netip.Addr.IsValid() false).
std::optional<std::string> CanonicalIp(const std::string& text) {
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), bytes) == 1 && inet_ntop(family, bytes, out, sizeof out)) {
      return std::string(out);
    }
  }
  return std::nullopt;
}

// The endpoint's IPv4 address, else its global IPv6 address, else "".
std::string EndpointIp(const NetworkEndpoint& endpoint) {
  if (auto ip = CanonicalIp(endpoint.ip_address)) return *ip;
  return CanonicalIp(endpoint.global_ipv6_address).value_or("");
}

// Go's net.JoinHostPort: an IPv6 address in brackets.
std::string JoinHostPort(const std::string& host, int port) {
  const std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

// Adds prefix + SanitizeLabelName(name) for each of labels, within the bounds.
void AddLabels(const std::map<std::string, std::string>& labels, const std::string& prefix,
               LabelMap* out, DockerDiscoveryCounts* dropped) {
  size_t added = 0;
  for (const auto& [name, value] : labels) {
    if (added == kMaxDockerLabels || value.size() > kMaxDockerLabelValueBytes) {
      ++dropped->labels_dropped;
      continue;
    }
    (*out)[prefix + fleet::metrics::SanitizeLabelName(name)] = value;
    ++added;
  }
}

// The network labels of each network ID, as upstream's getNetworksLabels.
std::map<std::string, LabelMap> NetworkLabels(const std::vector<docker::Network>& networks,
                                              DockerDiscoveryCounts* dropped) {
  const std::string p(kPrefix);
  std::map<std::string, LabelMap> out;
  for (const auto& n : networks) {
    LabelMap labels = {
        {p + "network_id", n.id},
        {p + "network_name", n.name},
        {p + "network_scope", n.scope},
        {p + "network_internal", n.internal ? "true" : "false"},
        {p + "network_ingress", n.ingress ? "true" : "false"},
    };
    AddLabels(n.labels, p + "network_label_", &labels, dropped);
    out[n.id] = std::move(labels);
  }
  return out;
}

// The container's own networks, or when it has none, those of the container whose network stack
// it shares ("container:<id>"), followed through such links as upstream does.
const std::map<std::string, std::optional<NetworkEndpoint>>& NetworksOf(
    const Container& c, const std::map<std::string, const Container*>& by_id) {
  const Container* current = &c;
  // One hop per listed container at most: a cycle of shared stacks ends here.
  for (size_t hops = 0; current->networks.empty() && hops < by_id.size(); ++hops) {
    constexpr std::string_view kShared = "container:";
    if (!current->network_mode.starts_with(kShared)) break;
    const auto it = by_id.find(current->network_mode.substr(kShared.size()));
    if (it == by_id.end()) break;
    current = it->second;
  }
  return current->networks.empty() ? c.networks : current->networks;
}

scrape::DiscoveredTarget ToTarget(LabelMap labels) {
  scrape::DiscoveredTarget target;
  target.reserve(labels.size());
  for (auto& [name, value] : labels) target.push_back({name, std::move(value)});
  return target;
}

}  // namespace

DockerTargets DockerTargetsFrom(const std::vector<Container>& containers,
                                const std::vector<docker::Network>& networks,
                                const DockerDiscoveryOptions& options) {
  const std::string p(kPrefix);
  DockerTargets out;
  const std::map<std::string, LabelMap> network_labels = NetworkLabels(networks, &out.dropped);
  std::map<std::string, const Container*> by_id;  // of a repeated ID the last, as upstream
  for (const auto& c : containers) by_id[c.id] = &c;

  auto add = [&](LabelMap labels) {
    if (out.targets.size() == kMaxDockerTargets) {
      ++out.dropped.targets_dropped;
      return;
    }
    out.targets.push_back(ToTarget(std::move(labels)));
  };

  for (const Container& c : containers) {
    if (c.name.empty()) continue;  // upstream skips a container without names
    LabelMap common = {
        {p + "container_id", c.id},
        {p + "container_name", "/" + c.name},
        {p + "container_network_mode", c.network_mode},
    };
    if (!c.image.empty()) common[p + "container_image"] = c.image;
    if (!c.image_id.empty()) common[p + "container_image_id"] = c.image_id;
    AddLabels(c.labels, p + "container_label_", &common, &out.dropped);

    // By name, so with match_first_network the first non-null one is the first found.
    std::map<std::string, std::optional<NetworkEndpoint>> used = NetworksOf(c, by_id);
    if (options.match_first_network && used.size() > 1) {
      const auto first = std::find_if(used.begin(), used.end(),
                                      [](const auto& entry) { return entry.second.has_value(); });
      if (first != used.end()) used = {*first};  // the initializer list copies it first
    }

    for (const auto& [name, endpoint] : used) {
      if (!endpoint) continue;
      const std::string ip = EndpointIp(*endpoint);
      LabelMap base = common;
      base[p + "network_ip"] = ip;
      if (const auto it = network_labels.find(endpoint->network_id); it != network_labels.end()) {
        base.insert(it->second.begin(), it->second.end());
      }
      bool added = false;
      for (const auto& port : c.ports) {
        if (port.type != "tcp") continue;
        LabelMap labels = base;
        labels[p + "port_private"] = std::to_string(port.private_port);
        if (port.public_port > 0) {
          labels[p + "port_public"] = std::to_string(port.public_port);
          labels[p + "port_public_ip"] = CanonicalIp(port.ip).value_or("");
        }
        labels["__address__"] = JoinHostPort(ip, port.private_port);
        add(std::move(labels));
        added = true;
      }
      if (!added) {
        // No TCP port: the configured one, or for host networking (whose containers list no
        // ports) the configured host.
        base["__address__"] = c.network_mode != "host" ? JoinHostPort(ip, options.port)
                                                       : options.host_networking_host;
        add(std::move(base));
      }
    }
  }
  return out;
}

namespace {

docker::ContainerFilters FiltersOf(const std::vector<DockerFilter>& filters) {
  docker::ContainerFilters out;
  for (const auto& f : filters) out[f.name].insert(f.values.begin(), f.values.end());
  return out;
}

}  // namespace

DockerDiscoverer::DockerDiscoverer(DockerDiscoveryOptions options)
    : options_(std::move(options)),
      // A refresh waits at most one interval for the daemon, as upstream's client does.
      client_(options_.host, options_.refresh_interval.count() > 0 ? options_.refresh_interval
                                                                   : docker::kDefaultRequestTimeout),
      filters_(FiltersOf(options_.filters)) {}

fleet::Result<std::vector<scrape::DiscoveredTarget>> DockerDiscoverer::Discover() {
  auto containers = client_.ListContainers(/*all=*/false, filters_);
  if (!containers.ok()) return containers.status();
  auto networks = client_.ListNetworks();
  if (!networks.ok()) return networks.status();
  DockerTargets found = DockerTargetsFrom(*containers, *networks, options_);
  std::lock_guard lock(mu_);
  last_dropped_ = found.dropped;
  return std::move(found.targets);
}

DockerDiscoveryCounts DockerDiscoverer::last_dropped() const {
  std::lock_guard lock(mu_);
  return last_dropped_;
}

}  // namespace agent::discovery
