// Docker Engine API client over the daemon's unix socket (Boost.Beast HTTP/1.1): list, inspect,
// the events stream and the logs stream, and the network list. Calls block, each at most its
// client's request timeout; a streaming call runs until the stream ends, fails, or its
// StreamCancel is cancelled from another thread.
//
// Bounds on what the daemon sends (it is a peer like any other): a response other than a stream
// is at most kMaxResponseBytes, and its JSON nests at most kMaxResponseDepth levels; beyond either
// the call fails. Strings are valid UTF-8 because the JSON parser refuses anything else (the
// daemon's Go encoder writes U+FFFD for invalid bytes), so a body with a stray byte fails the
// call rather than reaching a label, a log line or the store.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agent/docker/log_demuxer.h"
#include "fleet/core/status.h"

namespace agent::docker {

// 8 MiB: Beast's default for a response body, made explicit. A container in the list is 1-3 KiB
// of JSON, so a few thousand containers fit.
inline constexpr size_t kMaxResponseBytes = 8 << 20;
// The container list nests 6 levels (list, container, NetworkSettings, Networks, endpoint,
// IPAMConfig); the rest is headroom for fields a later API version adds.
inline constexpr int kMaxResponseDepth = 32;

// One of a listed container's ports (the list's Ports: an exposed port once, a published one
// once per host address it is bound to).
struct ContainerPort {
  uint16_t private_port = 0;
  uint16_t public_port = 0;  // 0: not published
  std::string ip;            // the host address it is published on, "" when none
  std::string type;          // tcp, udp, sctp
  bool operator==(const ContainerPort&) const = default;
};

// A listed container's endpoint on one network (NetworkSettings.Networks.<name>).
struct NetworkEndpoint {
  std::string network_id;
  std::string ip_address;           // IPv4, "" when none
  std::string global_ipv6_address;  // "" when none
  bool operator==(const NetworkEndpoint&) const = default;
};

struct Container {
  std::string id;
  std::string name;   // without Docker's leading slash
  std::string image;  // as the user named it (Config.Image / list's Image)
  std::string image_id;
  std::string state;  // running, exited, ...
  std::map<std::string, std::string> labels;
  // Filled from the list only (Inspect leaves them empty):
  std::string network_mode;  // HostConfig.NetworkMode: bridge, host, none, container:<id>, <network>
  std::vector<ContainerPort> ports;
  // By network name; nullopt for a network the daemon listed as null.
  std::map<std::string, std::optional<NetworkEndpoint>> networks;
};

// One of the daemon's networks (GET /networks).
struct Network {
  std::string id;
  std::string name;
  std::string scope;  // local, global, swarm
  bool internal = false;
  bool ingress = false;
  std::map<std::string, std::string> labels;
};

// Filters for the container list as the Engine API takes them: filter name (label, name,
// network, status, ...) -> values, any of which matches. Sent as JSON in the query, never through
// a shell.
using ContainerFilters = std::map<std::string, std::set<std::string>>;

// The JSON bodies of GET /containers/json and GET /networks, parsed (within the bounds above).
// Separate from the calls so that what a daemon answers can be tested without one.
fleet::Result<std::vector<Container>> ParseContainerList(std::string_view body);
fleet::Result<std::vector<Network>> ParseNetworkList(std::string_view body);

struct ContainerDetails : Container {
  bool tty = false;
  int pid = 0;  // 0 when not running
  int64_t started_at_ns = 0;
  int64_t finished_at_ns = 0;
  std::string upper_dir;      // GraphDriver.Data.UpperDir: overlay2's writable layer; "" if none
  std::string hostname_path;  // HostnamePath: a file in the daemon's directory of the container
  // HostConfig.LogConfig: dockerd rotates the log it keeps (json-file with a max-size; local,
  // which rotates unless max-size is -1), so a follower can meet a rotation.
  bool log_rotates = false;
};

struct Event {
  std::string action;  // start, die, ...
  std::string id;
  std::string name;
  int64_t time_ns = 0;
};

struct LogsRequest {
  bool tty = false;         // from Inspect: a TTY container's stream is not multiplexed
  bool follow = true;
  int64_t since_ns = 0;     // 0 = from the start; else lines at or after this time
};

// Lets another thread end a blocking stream: Cancel shuts the socket down.
class StreamCancel {
 public:
  void Cancel();
  bool cancelled() const { return cancelled_; }
  // For DockerClient: the socket to shut down while a stream is open (-1 when none).
  void Attach(int fd);

 private:
  std::mutex mu_;
  int fd_ = -1;
  std::atomic<bool> cancelled_ = false;
};

// How long a call other than a stream waits for the daemon's whole answer by default.
inline constexpr std::chrono::milliseconds kDefaultRequestTimeout = std::chrono::seconds(60);

class DockerClient {
 public:
  // request_timeout bounds each call but the streams: a daemon that hangs fails the call
  // (Unavailable) instead of blocking its caller for good.
  explicit DockerClient(std::string socket_path,
                        std::chrono::milliseconds request_timeout = kDefaultRequestTimeout)
      : socket_path_(std::move(socket_path)), request_timeout_(request_timeout) {}

  // Running containers (all: stopped ones too); with filters, those the daemon matches to them
  // (different filter names must all match).
  fleet::Result<std::vector<Container>> ListContainers(bool all, const ContainerFilters& filters = {}) const;
  fleet::Result<std::vector<Network>> ListNetworks() const;
  fleet::Result<ContainerDetails> Inspect(const std::string& id) const;

  // Calls on_event for each container start/die event from since_ns on (those the daemon still
  // holds, then live ones) until the stream ends or is cancelled. on_subscribed runs when the
  // response head arrives. dockerd sends that head before it subscribes, so an event in between
  // reaches the client only as one replayed from since_ns: to miss none, take since_ns before the
  // call and list what on_subscribed needs inside it.
  fleet::Status FollowEvents(int64_t since_ns, const std::function<void()>& on_subscribed,
                             const std::function<void(const Event&)>& on_event,
                             StreamCancel& cancel) const;

  // Streams a container's logs with timestamps, stdout and stderr. on_line gets each line;
  // on_idle runs whenever everything received so far was delivered and the socket has nothing
  // more waiting (a good moment to flush a batch).
  fleet::Status StreamLogs(const std::string& id, const LogsRequest& request,
                           const LogDemuxer::LineFn& on_line, const std::function<void()>& on_idle,
                           StreamCancel& cancel) const;

 private:
  fleet::Result<std::string> Get(const std::string& target) const;
  fleet::Status Stream(const std::string& target, const std::function<void(std::string_view)>& on_data,
                       const std::function<void()>& on_idle, const std::function<void()>& on_open,
                       StreamCancel& cancel) const;

  std::string socket_path_;
  std::chrono::milliseconds request_timeout_;
};

}  // namespace agent::docker
