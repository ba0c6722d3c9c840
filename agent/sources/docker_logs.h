// The Docker log source: follows every running container's logs through the Docker Engine API
// (and picks up containers as they start, from the events stream), turns lines into Loki streams
// labelled container/instance/job/stream (+ configured Docker labels), and appends them to the
// logs buffer in batches.
//
// No line lost, none duplicated across restarts: each container's position (the timestamp of the
// last line taken and how many lines had exactly that timestamp) is advanced only after its batch
// is in the buffer, and it travels inside the buffer record too. Appending and saving the
// positions file happen under one lock, so at most the newest buffer record can be ahead of the
// file; Start() reads that record back. On resume, logs are requested `since` the position and
// lines up to it are skipped. Log rotation is the daemon's business (the API reads across rotated
// files); a restarted container is followed again from its position, and so is one whose stream
// dockerd ended while it still runs.
//
// Under memory pressure (agent/memory/memory_guard.h) batches go to the buffer at a sixteenth of
// max_record_bytes; over the budget a follower writes out what it holds and stops reading until
// memory is back under it — Docker keeps the unread lines in its own log files, and the position
// has not moved past them, so the pause loses nothing.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/buffer/segment_buffer.h"
#include "agent/docker/docker_client.h"
#include "agent/memory/memory_guard.h"
#include "agent/sinks/forward_metrics.h"
#include "agent/sources/docker_logs_positions.h"
#include "agent/status/component_status.h"
#include "fleet/core/metrics.h"

namespace agent {

struct DockerLogsOptions {
  std::string socket = "/var/run/docker.sock";
  fleet::metrics::Labels labels;  // on every stream: instance, job, configured external labels
  std::map<std::string, std::string> docker_labels;  // Docker label -> Loki label
  std::filesystem::path positions_file;
  size_t max_record_bytes = 256 * 1024;  // a batch is appended when it reaches this or the
                                         // stream has nothing more waiting
  // Status of this source (lines, bytes) and of the buffer it appends to; its own when not given.
  std::shared_ptr<status::Component> status = nullptr, buffer_status = nullptr;
  MemoryGuard* memory = nullptr;  // null: no budget
};

class DockerLogSource {
 public:
  DockerLogSource(DockerLogsOptions options, SegmentBuffer& buffer, ForwardMetrics& metrics);
  ~DockerLogSource();  // stops
  fleet::Status Start();
  void Stop();

 private:
  struct Follower {
    std::thread thread;
    docker::StreamCancel cancel;
    std::atomic<bool> done = false;
    bool again = false;  // a start event came while this run was ending (under followers_mu_)
    int64_t created_ns = 0;  // wall clock
  };
  class Batch;

  void Watch();
  void OnSubscribed();
  // started_ns: the start event's time; 0 for a container found running in the list.
  void Follow(const std::string& id, int64_t started_ns);
  void RunFollower(const std::string& id, Follower& follower);
  // Marks the follower done unless another run was asked for meanwhile (then false).
  bool FinishFollower(Follower& follower);
  // Streams one container's logs from its position until the stream ends.
  fleet::Status StreamContainer(const docker::ContainerDetails& details, Follower& follower);
  fleet::Status Commit(const Batch& batch);
  LogPosition PositionOf(const std::string& id);
  bool SleepUnlessStopping(std::chrono::milliseconds d);

  const DockerLogsOptions options_;
  SegmentBuffer& buffer_;
  ForwardMetrics& metrics_;
  const std::shared_ptr<status::Component> status_, buffer_status_;
  docker::DockerClient client_;

  std::mutex commit_mu_;  // buffer append + positions save, in that order, atomically
  LogPositions positions_;

  std::mutex followers_mu_;
  std::map<std::string, std::unique_ptr<Follower>> followers_;
  docker::StreamCancel events_cancel_;
  std::thread watcher_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace agent
