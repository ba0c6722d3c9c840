// Docker Engine API client over the daemon's unix socket (Boost.Beast HTTP/1.1): list, inspect,
// the events stream and the logs stream. Calls block; a streaming call runs until the stream ends,
// fails, or its StreamCancel is cancelled from another thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/docker/log_demuxer.h"
#include "fleet/core/status.h"

namespace agent::docker {

struct Container {
  std::string id;
  std::string name;   // without Docker's leading slash
  std::string image;  // as the user named it (Config.Image / list's Image)
  std::string image_id;
  std::string state;  // running, exited, ...
  std::map<std::string, std::string> labels;
};

struct ContainerDetails : Container {
  bool tty = false;
  int pid = 0;  // 0 when not running
  int64_t started_at_ns = 0;
  int64_t finished_at_ns = 0;
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

class DockerClient {
 public:
  explicit DockerClient(std::string socket_path) : socket_path_(std::move(socket_path)) {}

  fleet::Result<std::vector<Container>> ListContainers(bool all) const;
  fleet::Result<ContainerDetails> Inspect(const std::string& id) const;

  // Calls on_event for each container start/die event until the stream ends or is cancelled.
  // on_subscribed runs once the daemon accepted the subscription: events after it are not missed.
  fleet::Status FollowEvents(const std::function<void()>& on_subscribed,
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
};

}  // namespace agent::docker
