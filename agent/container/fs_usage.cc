#include "agent/container/fs_usage.h"

#include <ftw.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include "agent/procfs.h"
#include "fleet/core/files.h"

namespace agent {
namespace {

// cAdvisor doubles a failing walk's period up to this factor.
constexpr int kMaxBackoff = 20;

// nftw's callback takes no argument of ours: the walk under way on this thread.
struct Walk {
  DirUsage usage;
  std::unordered_set<ino_t> linked;  // hard-linked files already counted
  size_t max_linked = 0;
  bool too_many_links = false;
};
thread_local Walk* current_walk = nullptr;

int CountEntry(const char*, const struct stat* st, int type, struct FTW*) {
  if (type == FTW_NS) return FTW_CONTINUE;  // gone between readdir and stat: files come and go
  Walk& walk = *current_walk;
  // A directory cannot be hard-linked, so only files need remembering (a layer's millions of
  // directories would otherwise all be kept in the set).
  if (st->st_nlink > 1 && !S_ISDIR(st->st_mode)) {
    // What a container writes is untrusted: millions of hard links would grow the set without end.
    if (walk.linked.size() >= walk.max_linked && !walk.linked.count(st->st_ino)) {
      walk.too_many_links = true;
      return FTW_STOP;
    }
    if (!walk.linked.insert(st->st_ino).second) return FTW_CONTINUE;
  }
  walk.usage.bytes += static_cast<uint64_t>(st->st_blocks) * 512;
  ++walk.usage.inodes;
  return FTW_CONTINUE;
}

struct Capacity {
  uint64_t total = 0, used = 0;
};
// Sizes in statfs's f_bsize units, as cAdvisor's getVfsStats computes them.
fleet::Result<Capacity> StatCapacity(const std::string& path) {
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) {
    return fleet::Status::Unavailable("statfs " + path + ": " + std::strerror(errno));
  }
  const uint64_t bsize = static_cast<uint64_t>(fs.f_bsize);
  return Capacity{fs.f_blocks * bsize, (fs.f_blocks - std::min(fs.f_bfree, fs.f_blocks)) * bsize};
}

// Every block-device filesystem once (a device mounted twice is one filesystem), as cAdvisor's
// root container reports them.
fleet::Result<std::vector<FsUsage>> MeasureMachine(const std::vector<MountInfo>& mounts) {
  std::vector<FsUsage> out;
  std::set<std::pair<unsigned, unsigned>> seen;
  for (const MountInfo& m : mounts) {
    if (m.source.rfind("/dev/", 0) != 0 || !seen.insert({m.major, m.minor}).second) continue;
    auto capacity = StatCapacity(m.mount_point);
    if (!capacity.ok()) continue;  // a mount we may not see into; the others still count
    out.push_back({m.source, capacity->total, capacity->used});
  }
  return out;
}

fleet::Result<std::vector<FsUsage>> MeasureContainer(const std::vector<std::string>& dirs,
                                                     const std::vector<MountInfo>& mounts) {
  struct stat st {};
  if (::stat(dirs.front().c_str(), &st) != 0) {
    return fleet::Status::NotFound("stat " + dirs.front() + ": " + std::strerror(errno));
  }
  FsUsage usage;
  for (const MountInfo& m : mounts) {
    if (m.major == major(st.st_dev) && m.minor == minor(st.st_dev)) usage.device = m.source;
  }
  if (usage.device.empty()) {
    return fleet::Status::NotFound("no mount of device " + std::to_string(major(st.st_dev)) + ":" +
                                   std::to_string(minor(st.st_dev)) + " holds " + dirs.front());
  }
  auto capacity = StatCapacity(dirs.front());
  if (!capacity.ok()) return capacity.status();
  usage.limit_bytes = capacity->total;
  for (const std::string& dir : dirs) {
    auto measured = MeasureDir(dir);
    if (!measured.ok()) return measured.status();
    usage.usage_bytes += measured->bytes;
  }
  return std::vector<FsUsage>{usage};
}

}  // namespace

fleet::Result<DirUsage> MeasureDir(const std::string& dir, size_t max_linked_files) {
  Walk walk;
  walk.max_linked = max_linked_files;
  current_walk = &walk;
  // FTW_PHYS: symlinks are not followed; FTW_MOUNT: other filesystems are not entered. nftw
  // keeps at most 16 directories open however deep the tree.
  const int rc = ::nftw(dir.c_str(), CountEntry, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
  const int error = errno;
  current_walk = nullptr;
  if (walk.too_many_links) {
    return fleet::Status::TooLarge("walk " + dir + ": more than " + std::to_string(max_linked_files) +
                                   " hard-linked files");
  }
  if (rc != 0) return fleet::Status::Unavailable("walk " + dir + ": " + std::strerror(error));
  return walk.usage;
}

std::vector<MountInfo> ParseMountInfo(std::string_view text) {
  std::vector<MountInfo> out;
  for (std::string_view line : Lines(text)) {
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
    auto f = Fields(line);
    auto dash = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || dash == f.end() || f.end() - dash < 3) continue;
    const size_t colon = f[2].find(':');
    uint64_t major_number = 0, minor_number = 0;
    if (colon == std::string_view::npos || !ParseU64(f[2].substr(0, colon), &major_number) ||
        !ParseU64(f[2].substr(colon + 1), &minor_number)) {
      continue;
    }
    out.push_back({static_cast<unsigned>(major_number), static_cast<unsigned>(minor_number),
                   DecodeMountEscapes(f[4]), DecodeMountEscapes(*(dash + 2))});
  }
  return out;
}

struct FsUsageTracker::State {
  struct Entry {
    std::vector<std::string> dirs;
    std::chrono::steady_clock::time_point due;
    int backoff = 1;
    std::vector<FsUsage> usage;
  };

  std::chrono::milliseconds period;
  std::string mountinfo;
  std::mutex mu;
  std::condition_variable wake;
  bool stop = false;
  std::map<std::string, Entry> entries;

  fleet::Result<std::vector<FsUsage>> Measure(const std::vector<std::string>& dirs) {
    auto text = fleet::ReadKernelFile(mountinfo);
    if (!text.ok()) return text.status();
    const std::vector<MountInfo> mounts = ParseMountInfo(*text);
    return dirs.empty() ? MeasureMachine(mounts) : MeasureContainer(dirs, mounts);
  }

  // Walks the entry that is due soonest, one at a time, until stopped.
  void Run() {
    std::unique_lock lock(mu);
    while (!stop) {
      auto next = entries.end();
      for (auto it = entries.begin(); it != entries.end(); ++it) {
        if (next == entries.end() || it->second.due < next->second.due) next = it;
      }
      const auto now = std::chrono::steady_clock::now();
      if (next == entries.end() || next->second.due > now) {
        wake.wait_until(lock, next == entries.end() ? now + period : next->second.due);
        continue;
      }
      const std::string key = next->first;
      const std::vector<std::string> dirs = next->second.dirs;
      lock.unlock();
      auto measured = Measure(dirs);
      lock.lock();
      auto it = entries.find(key);
      if (it == entries.end() || it->second.dirs != dirs) continue;  // changed while we walked
      State::Entry& e = it->second;
      if (measured.ok()) {
        e.usage = std::move(*measured);
        e.backoff = 1;
      } else {
        spdlog::debug("container filesystem usage of {}: {}", key, measured.status().ToString());
        e.backoff = std::min(e.backoff * 2, kMaxBackoff);
      }
      e.due = std::chrono::steady_clock::now() + period * e.backoff;
    }
  }
};

FsUsageTracker::FsUsageTracker(std::chrono::milliseconds period, std::string mountinfo)
    : state_(std::make_shared<State>()) {
  state_->period = period;
  state_->mountinfo = std::move(mountinfo);
  // Detached, holding the state: a walk stuck on a dead mount must not hold up the agent's
  // reload or exit; the thread ends at its next look at `stop`.
  std::thread([state = state_] { state->Run(); }).detach();
}

FsUsageTracker::~FsUsageTracker() {
  std::lock_guard lock(state_->mu);
  state_->stop = true;
  state_->wake.notify_all();
}

void FsUsageTracker::Track(const std::string& key, std::vector<std::string> dirs) {
  std::lock_guard lock(state_->mu);
  auto [it, added] = state_->entries.try_emplace(key);
  if (!added && it->second.dirs == dirs) return;
  it->second = State::Entry{std::move(dirs), std::chrono::steady_clock::now(), 1, {}};
  state_->wake.notify_all();
}

void FsUsageTracker::Retain(const std::vector<std::string>& keep) {
  std::lock_guard lock(state_->mu);
  std::erase_if(state_->entries, [&](const auto& e) {
    return std::find(keep.begin(), keep.end(), e.first) == keep.end();
  });
}

std::vector<FsUsage> FsUsageTracker::Usage(const std::string& key) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->entries.find(key);
  return it == state_->entries.end() ? std::vector<FsUsage>{} : it->second.usage;
}

}  // namespace agent
