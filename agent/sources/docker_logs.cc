#include "agent/sources/docker_logs.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "agent/sinks/retry.h"
#include "agent/sources/docker_log_replay.h"
#include "logproto/push.pb.h"

namespace agent {
namespace {

// Reads of a rotating log without following, before the follow (StreamContainer says why): the
// first takes what was written before, each next one what was written during the last; they stop
// at one that takes fewer than kFewCatchUpLines, or after kMaxCatchUpReads (a container writing
// as fast as they read).
constexpr int kMaxCatchUpReads = 3;
constexpr uint64_t kFewCatchUpLines = 64;

// The wall clock, as dockerd stamps events and log lines on the same host.
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// Lines of one container accumulating into one buffer record.
class DockerLogSource::Batch {
 public:
  Batch(std::string container_id, const std::string labels[2], LogPosition position)
      : container_id_(std::move(container_id)), labels_{labels[0], labels[1]}, position_(position) {}

  void Add(docker::LogLine&& line) {
    const int s = static_cast<int>(line.stream);
    if (!streams_[s]) {
      streams_[s] = request_.add_streams();
      streams_[s]->set_labels(labels_[s]);
    }
    auto* entry = streams_[s]->add_entries();
    entry->mutable_timestamp()->set_seconds(line.timestamp_ns / 1000000000);
    entry->mutable_timestamp()->set_nanos(static_cast<int32_t>(line.timestamp_ns % 1000000000));
    bytes_ += line.text.size() + 32;
    entry->set_line(std::move(line.text));
    ++lines_;
  }
  LogPosition& position() { return position_; }
  size_t bytes() const { return bytes_; }
  uint32_t lines() const { return lines_; }
  LogRecord Record() const {
    return {container_id_, position_, lines_, request_.SerializeAsString()};
  }
  void Clear() {
    request_.Clear();
    streams_[0] = streams_[1] = nullptr;
    bytes_ = 0;
    lines_ = 0;
  }

 private:
  const std::string container_id_;
  const std::string labels_[2];  // per docker::LogStream
  LogPosition position_;
  logproto::PushRequest request_;
  logproto::StreamAdapter* streams_[2] = {nullptr, nullptr};
  size_t bytes_ = 0;
  uint32_t lines_ = 0;
};

DockerLogSource::DockerLogSource(DockerLogsOptions options, SegmentBuffer& buffer,
                                 ForwardMetrics& metrics)
    : options_(std::move(options)), buffer_(buffer), metrics_(metrics),
      status_(options_.status ? options_.status
                              : std::make_shared<status::Component>(
                                    "docker_logs", "source", std::vector<std::string>{"lines", "bytes"})),
      buffer_status_(options_.buffer_status ? options_.buffer_status
                                            : std::make_shared<status::Component>(
                                                  "logs", "buffer", std::vector<std::string>{})),
      client_(options_.socket) {}

DockerLogSource::~DockerLogSource() { Stop(); }

fleet::Status DockerLogSource::Start() {
  auto loaded = LoadLogPositions(options_.positions_file);
  if (!loaded.ok()) {
    // Without positions every container would be re-read from the start: duplicates, not loss.
    spdlog::error("docker logs: {}; starting without positions", loaded.status().ToString());
  } else {
    positions_ = std::move(*loaded);
  }
  if (auto newest = buffer_.LastRecord()) {
    if (auto record = DecodeLogRecord(*newest); record.ok()) {
      LogPosition& p = positions_[record->container_id];
      if (PositionAfter(record->position, p)) p = record->position;
    }
  }
  watcher_ = std::thread([this] { Watch(); });
  return fleet::Status::Ok();
}

void DockerLogSource::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_ && !watcher_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  events_cancel_.Cancel();
  if (watcher_.joinable()) watcher_.join();
  std::map<std::string, std::unique_ptr<Follower>> followers;
  {
    std::lock_guard lock(followers_mu_);
    followers.swap(followers_);
  }
  for (auto& [id, f] : followers) f->cancel.Cancel();
  for (auto& [id, f] : followers) {
    if (f->thread.joinable()) f->thread.join();
  }
}

bool DockerLogSource::SleepUnlessStopping(std::chrono::milliseconds d) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void DockerLogSource::Watch() {
  // Without dockerd (not installed, restarting) retry quietly: up to 30 s between attempts.
  Backoff backoff(std::chrono::seconds(1), std::chrono::seconds(30));
  while (true) {
    // Containers started from here on come as events (replayed from this time if they started
    // before dockerd subscribed); the ones running before are in OnSubscribed's list.
    const int64_t since = NowNs();
    auto status = client_.FollowEvents(
        since,
        [this, &backoff] {
          backoff.Reset();
          OnSubscribed();
        },
        [this](const docker::Event& e) {
          if (e.action == "start") Follow(e.id, e.time_ns);
        },
        events_cancel_);
    if (events_cancel_.cancelled()) return;
    const auto wait = backoff.Next();
    spdlog::warn("docker logs: events stream ended ({}); retrying in {} ms",
                 status.ok() ? "closed" : status.ToString(), wait.count());
    status_->Failed("Docker events stream ended (" + (status.ok() ? std::string("closed") : status.ToString()) +
                    "); retrying");
    if (!SleepUnlessStopping(wait)) return;
  }
}

void DockerLogSource::OnSubscribed() {
  auto containers = client_.ListContainers(true);
  if (!containers.ok()) {
    spdlog::warn("docker logs: listing containers: {}", containers.status().ToString());
    status_->Failed("listing containers: " + containers.status().ToString());
    return;
  }
  status_->Succeeded();
  std::set<std::string> existing;
  for (const auto& c : *containers) existing.insert(c.id);
  std::vector<std::string> to_follow;
  {
    std::lock_guard lock(commit_mu_);
    std::erase_if(positions_, [&](const auto& kv) { return !existing.count(kv.first); });
    for (const auto& c : *containers) {
      // Running ones, and stopped ones with a position: they may have logged past it while the
      // agent was down.
      if (c.state == "running" || positions_.count(c.id)) to_follow.push_back(c.id);
    }
  }
  for (const auto& id : to_follow) Follow(id, 0);
}

void DockerLogSource::Follow(const std::string& id, int64_t started_ns) {
  std::lock_guard lock(followers_mu_);
  {
    std::lock_guard stop_lock(stop_mu_);
    if (stopping_) return;
  }
  auto it = followers_.find(id);
  if (it != followers_.end()) {
    if (!it->second->done) {
      // A start before the follower began (an event replayed after the list found the container
      // running) is the run it streams. A later one, while it drains the previous run: it
      // streams once more.
      if (started_ns == 0 || started_ns >= it->second->created_ns) it->second->again = true;
      return;
    }
    it->second->thread.join();
    followers_.erase(it);
  }
  auto follower = std::make_unique<Follower>();
  follower->created_ns = NowNs();
  Follower& f = *follower;
  followers_[id] = std::move(follower);
  f.thread = std::thread([this, id, &f] { RunFollower(id, f); });
}

bool DockerLogSource::FinishFollower(Follower& follower) {
  std::lock_guard lock(followers_mu_);
  if (follower.again && !follower.cancel.cancelled()) {
    follower.again = false;
    return false;
  }
  follower.done = true;
  return true;
}

LogPosition DockerLogSource::PositionOf(const std::string& id) {
  std::lock_guard lock(commit_mu_);
  auto it = positions_.find(id);
  return it == positions_.end() ? LogPosition{} : it->second;
}

void DockerLogSource::RunFollower(const std::string& id, Follower& follower) {
  do {
    while (!follower.cancel.cancelled()) {
      auto details = client_.Inspect(id);
      if (!details.ok()) {
        if (details.status().code() != fleet::Code::kNotFound) {
          spdlog::warn("docker logs: inspect {}: {}", id.substr(0, 12), details.status().ToString());
        }
        break;
      }
      // The stream ends when the container stops; a restart (start event) asks for another run.
      auto status = StreamContainer(*details, follower);
      if (follower.cancel.cancelled()) break;
      if (status.code() == fleet::Code::kBadRequest) {
        // Its logging driver (none, syslog, ...) keeps no log dockerd can read: the container's
        // own choice, not a failure of the source, and asking again would only fail again.
        spdlog::info("docker logs: {}: {}; its logs are not forwarded", details->name, status.ToString());
        break;
      }
      // Conflict: the container is dead or being removed, so its stream ended as at a stop.
      if (status.ok() || status.code() == fleet::Code::kConflict) {
        // dockerd also ends the stream of a container that still runs, as if it had stopped:
        // 20.10 gives up following a json-file log when a line it reads stays half-written for
        // ~10,000 tries (a writer held up by I/O pressure). Only a stopped container is done.
        auto now = client_.Inspect(id);
        if (!now.ok() || (now->state != "running" && now->state != "paused")) break;
        if (now->started_at_ns != details->started_at_ns) continue;  // restarted since: its new run
        status = fleet::Status::Unavailable("dockerd ended the logs stream of a running container");
      }
      spdlog::warn("docker logs: {}: {}; resuming from its position", details->name, status.ToString());
      status_->Failed(details->name + ": " + status.ToString() + "; resuming from its position");
      if (!SleepUnlessStopping(std::chrono::seconds(1))) break;
    }
  } while (!FinishFollower(follower));
}

fleet::Status DockerLogSource::StreamContainer(const docker::ContainerDetails& details,
                                               Follower& follower) {
  fleet::metrics::Labels labels = options_.labels;
  labels.push_back({"container", details.name});
  for (const auto& [docker_label, loki_label] : options_.docker_labels) {
    if (auto it = details.labels.find(docker_label); it != details.labels.end()) {
      labels.push_back({loki_label, it->second});
    }
  }
  std::string stream_labels[2];
  for (auto stream : {docker::LogStream::kStdout, docker::LogStream::kStderr}) {
    auto with_stream = labels;
    with_stream.push_back({"stream", docker::LogStreamName(stream)});
    stream_labels[static_cast<int>(stream)] = LabelSetString(with_stream);
  }

  const LogPosition resume = PositionOf(details.id);
  uint32_t to_skip = resume.lines_at_timestamp;
  Batch batch(details.id, stream_labels, resume);
  MemoryGuard* const memory = options_.memory;
  auto pressure = [&] { return memory ? memory->pressure() : MemoryPressure::kNone; };
  auto flush = [&] {
    if (batch.lines() == 0) return;
    // Until the buffer takes the batch, the stream waits (back-pressure on dockerd, not loss).
    // Stopping here loses nothing either: the position has not moved past these lines.
    for (fleet::Status st = Commit(batch); !st.ok(); st = Commit(batch)) {
      spdlog::error("docker logs: {}: buffering: {}", details.name, st.ToString());
      status_->Failed(details.name + ": buffering: " + st.ToString());
      buffer_status_->Failed("appending: " + st.ToString());
      if (!SleepUnlessStopping(std::chrono::seconds(1))) return;
    }
    batch.Clear();
  };
  // Lines dockerd sends again when a json-file log rotates under the follower, per stream.
  DockerLogReplayFilter replays[2];
  auto wait_for_memory = [&] {
    if (pressure() != MemoryPressure::kOver) return;
    if (batch.lines() > 0) memory->CountShed("docker_logs", batch.bytes());
    flush();
    memory->CountPause("docker_logs");
    while (pressure() == MemoryPressure::kOver && !follower.cancel.cancelled() &&
           SleepUnlessStopping(std::chrono::milliseconds(50))) {
    }
  };
  uint64_t taken = 0;  // lines buffered from this run's requests
  auto on_line = [&](docker::LogLine&& line) {
    wait_for_memory();
    // A line without dockerd's time (none could be parsed) gets the agent's for Loki, but the
    // repeat check and the position go by dockerd's order only: a time of the agent's, later than
    // dockerd's, would make every later line of the stream look like a repeat, or skip it at a
    // resume. (Sent again at a resume, such a line is buffered twice: a duplicate, never a loss.)
    const bool stamped = line.timestamp_ns != 0;
    if (!stamped) line.timestamp_ns = NowNs();
    if (stamped && !replays[static_cast<int>(line.stream)].Take(line)) {
      metrics_.log_lines_skipped.Add({"repeat"}, 1);
      return;
    }
    if (stamped && (line.timestamp_ns < resume.timestamp_ns ||
                    (line.timestamp_ns == resume.timestamp_ns && to_skip > 0))) {
      if (line.timestamp_ns == resume.timestamp_ns) --to_skip;
      metrics_.log_lines_skipped.Add({"before_position"}, 1);
      return;
    }
    if (status_->Watched()) {
      status_->Observe(details.name + " " + docker::LogStreamName(line.stream) + ": " + line.text);
    }
    LogPosition& p = batch.position();
    if (stamped && line.timestamp_ns > p.timestamp_ns) {
      p = {line.timestamp_ns, 1};
    } else if (stamped && line.timestamp_ns == p.timestamp_ns) {
      ++p.lines_at_timestamp;
    }
    batch.Add(std::move(line));
    ++taken;
    if (batch.bytes() >= options_.max_record_bytes) {
      flush();
    } else if (pressure() != MemoryPressure::kNone && batch.bytes() >= options_.max_record_bytes / 16) {
      memory->CountShed("docker_logs", batch.bytes());
      flush();
    }
  };
  // dockerd 20.10 subscribes a follower to the log's rotations only after it has sent every line
  // already written since the time asked (ReadLogs' tail phase, which waits on this reader). A
  // rotation meanwhile, likely where a container writes fast into a small max-size, leaves the
  // follower on the renamed file until the next rotation, and the whole file between is never
  // sent (e2e: 102 lines of a restarted container lost under load). A read that does not follow
  // has no such window. So where the log rotates, what is written is read first, in passes until
  // one finds few lines, and the follow asks from the newest time taken: its tail phase holds only
  // the lines of that last moment. Lines both send again (at that time) are repeats to `replays`.
  int64_t since = resume.timestamp_ns;
  for (int pass = 0; details.log_rotates && pass < kMaxCatchUpReads; ++pass) {
    const uint64_t taken_before = taken;
    auto status = client_.StreamLogs(details.id, {details.tty, false, since}, on_line, flush, follower.cancel);
    flush();
    if (!status.ok() || follower.cancel.cancelled()) return status;
    since = std::max(since, batch.position().timestamp_ns);
    if (taken - taken_before < kFewCatchUpLines) break;
  }
  auto status = client_.StreamLogs(details.id, {details.tty, true, since}, on_line, flush, follower.cancel);
  flush();
  return status;
}

fleet::Status DockerLogSource::Commit(const Batch& batch) {
  const LogRecord record = batch.Record();
  const std::string encoded = EncodeLogRecord(record);
  std::lock_guard lock(commit_mu_);
  FLEET_RETURN_IF_ERROR(buffer_.Append(encoded));
  positions_[record.container_id] = record.position;
  metrics_.log_lines_read.Add({}, record.lines);
  status_->Add("lines", record.lines);
  status_->Add("bytes", encoded.size());
  status_->Succeeded();
  buffer_status_->Add("records", 1);
  buffer_status_->Add("bytes", encoded.size());
  buffer_status_->Succeeded();
  if (buffer_status_->Watched()) {
    buffer_status_->Observe("appended " + std::to_string(record.lines) + " lines of container " +
                            record.container_id.substr(0, 12));
  }
  if (auto st = SaveLogPositions(options_.positions_file, positions_); !st.ok()) {
    // The record carries the position too; only an older file is left behind.
    spdlog::warn("docker logs: {}", st.ToString());
  }
  return fleet::Status::Ok();
}

}  // namespace agent
