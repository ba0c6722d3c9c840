#include "agent/container/container_collector.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "agent/container/fs_usage.h"
#include "agent/container/process_stats.h"
#include "agent/procfs.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Type;

enum Metric {
  kCpuUsage, kCpuUser, kCpuSystem, kCfsPeriods, kCfsThrottledPeriods, kCfsThrottledSeconds,
  kMemUsage, kMemWorkingSet, kMemRss, kMemCache, kMemSwap, kMemFailcnt, kMemMaxUsage, kOom,
  kSpecMemLimit, kSpecCpuQuota, kSpecCpuPeriod, kSpecCpuShares,
  kNetRxBytes, kNetRxPackets, kNetRxErrors, kNetRxDropped,
  kNetTxBytes, kNetTxPackets, kNetTxErrors, kNetTxDropped,
  kFsReads, kFsWrites, kProcesses, kThreads, kLastSeen, kStartTime,
  kMemFailures, kFileDescriptors, kSockets, kTasksState, kFsUsage, kFsLimit, kMetricCount
};

struct MetricDef {
  const char* name;
  const char* help;
  Type type;
};

// cAdvisor's names, help texts and types, indexed by Metric.
const MetricDef kMetrics[kMetricCount] = {
    {"container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", Type::kCounter},
    {"container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", Type::kCounter},
    {"container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.", Type::kCounter},
    {"container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", Type::kCounter},
    {"container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", Type::kCounter},
    {"container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.", Type::kCounter},
    {"container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed", Type::kGauge},
    {"container_memory_working_set_bytes", "Current working set in bytes.", Type::kGauge},
    {"container_memory_rss", "Size of RSS in bytes.", Type::kGauge},
    {"container_memory_cache", "Number of bytes of page cache memory.", Type::kGauge},
    {"container_memory_swap", "Container swap usage in bytes.", Type::kGauge},
    {"container_memory_failcnt", "Number of memory usage hits limits", Type::kCounter},
    {"container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", Type::kGauge},
    {"container_oom_events_total", "Count of out of memory events observed for the container", Type::kCounter},
    {"container_spec_memory_limit_bytes", "Memory limit for the container.", Type::kGauge},
    {"container_spec_cpu_quota", "CPU quota of the container.", Type::kGauge},
    {"container_spec_cpu_period", "CPU period of the container.", Type::kGauge},
    {"container_spec_cpu_shares", "CPU share of the container.", Type::kGauge},
    {"container_network_receive_bytes_total", "Cumulative count of bytes received", Type::kCounter},
    {"container_network_receive_packets_total", "Cumulative count of packets received", Type::kCounter},
    {"container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", Type::kCounter},
    {"container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", Type::kCounter},
    {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", Type::kCounter},
    {"container_network_transmit_packets_total", "Cumulative count of packets transmitted", Type::kCounter},
    {"container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", Type::kCounter},
    {"container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", Type::kCounter},
    {"container_fs_reads_bytes_total", "Cumulative count of bytes read", Type::kCounter},
    {"container_fs_writes_bytes_total", "Cumulative count of bytes written", Type::kCounter},
    {"container_processes", "Number of processes running inside the container.", Type::kGauge},
    {"container_threads", "Number of threads running inside the container", Type::kGauge},
    {"container_last_seen", "Last time a container was seen by the exporter", Type::kGauge},
    {"container_start_time_seconds", "Start time of the container since unix epoch in seconds.", Type::kGauge},
    {"container_memory_failures_total", "Cumulative count of memory allocation failures.", Type::kCounter},
    {"container_file_descriptors", "Number of open file descriptors for the container.", Type::kGauge},
    {"container_sockets", "Number of open sockets for the container.", Type::kGauge},
    {"container_tasks_state", "Number of tasks in given state", Type::kGauge},
    {"container_fs_usage_bytes", "Number of bytes that are consumed by the container on this filesystem.", Type::kGauge},
    {"container_fs_limit_bytes", "Number of bytes that can be consumed by the container on this filesystem.", Type::kGauge},
};

// /proc/<pid>/net/dev columns used: rx bytes, packets, errs, drop (1-4); tx the same (9-12).
struct NetCounters {
  std::string interface;
  double v[8] = {};
};

class ContainerCollector : public Collector {
 public:
  ContainerCollector(std::unique_ptr<ContainerLister> lister, std::unique_ptr<Cgroups> cgroups,
                     ContainerCollectorOptions options)
      : lister_(std::move(lister)),
        cgroups_(std::move(cgroups)),
        options_(std::move(options)),
        processes_(options_.paths.procfs) {
    if (options_.fs_usage_period.count() > 0) {
      fs_usage_ = std::make_unique<FsUsageTracker>(options_.fs_usage_period,
                                                   options_.paths.Proc("self/mountinfo"));
    }
  }

  fleet::Status Collect(std::vector<Family>* out) override {
    const fleet::Status listed = RefreshContainers();
    std::vector<Family> families;
    for (const MetricDef& m : kMetrics) families.push_back({m.name, m.help, m.type, {}});
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const ContainerInfo& c : containers_) {
      Known* known = Learn(c);
      if (known == nullptr) continue;  // started or stopped while we looked
      auto stats = cgroups_->Read(known->cgroup);
      if (!stats.ok()) {
        Unlearn(c.id);  // stopped, or restarted into a new cgroup: learn it afresh
        continue;
      }
      Emit(*known, *stats, Network(*known, *stats),
           fs_usage_ ? fs_usage_->Usage(c.id) : std::vector<FsUsage>{}, now,
           /*walk_processes=*/true, &families);
    }
    for (auto& [cgroup, known] : system_cgroups_) {
      auto stats = cgroups_->Read(cgroup);
      if (!stats.ok()) continue;  // a unit stopped since the listing
      // Only the root has interfaces of its own (the host's); a unit shares the host's.
      const bool root = cgroup == "/";
      Emit(known, *stats,
           root ? Network(known, *stats) : std::vector<NetCounters>{},
           root && fs_usage_ ? fs_usage_->Usage("/") : std::vector<FsUsage>{}, now,
           /*walk_processes=*/false, &families);
    }
    processes_.CloseUnused();
    for (Family& f : families) out->push_back(std::move(f));
    return listed;
  }

 private:
  struct Known;

  // One cgroup's samples. base labels are sorted by name; the one extra label (cpu, interface,
  // device, state...) goes in its place. walk_processes: read each process's descriptors and
  // each thread's state from /proc (containers only: the root cgroup holds every kernel thread
  // and whatever runs outside a unit, which cost 2.8 ms a scrape to walk on a 2-core host, and
  // cAdvisor serves these families for no cgroup by default).
  void Emit(const Known& known, const CgroupStats& s, const std::vector<NetCounters>& network,
            const std::vector<FsUsage>& filesystems, double now, bool walk_processes,
            std::vector<Family>* families) {
    const CgroupSpec& spec = known.spec;
    auto add = [&](Metric m, double v, Labels extra = {}) {
      Labels labels;
      labels.reserve(known.labels.size() + extra.size());
      labels = known.labels;
      for (fleet::metrics::Label& l : extra) {
        auto at = std::lower_bound(labels.begin(), labels.end(), l.name,
                                   [](const auto& a, const std::string& n) { return a.name < n; });
        labels.insert(at, std::move(l));
      }
      (*families)[m].samples.push_back({"", std::move(labels), v});
    };
    add(kCpuUsage, s.cpu_usage_seconds, {{"cpu", "total"}});
    add(kCpuUser, s.cpu_user_seconds);
    add(kCpuSystem, s.cpu_system_seconds);
    add(kCfsPeriods, double(s.cfs_periods));
    add(kCfsThrottledPeriods, double(s.cfs_throttled_periods));
    add(kCfsThrottledSeconds, s.cfs_throttled_seconds);
    add(kMemUsage, double(s.memory_usage));
    add(kMemWorkingSet, double(s.memory_working_set));
    add(kMemRss, double(s.memory_rss));
    add(kMemCache, double(s.memory_cache));
    add(kMemSwap, double(s.memory_swap));
    add(kMemFailcnt, double(s.memory_failcnt));
    if (s.memory_max_usage) add(kMemMaxUsage, double(*s.memory_max_usage));
    add(kOom, double(s.oom_events));
    // cAdvisor reads both scopes from the cgroup's own pgfault/pgmajfault.
    for (const char* scope : {"container", "hierarchy"}) {
      add(kMemFailures, double(s.pgfault), {{"failure_type", "pgfault"}, {"scope", scope}});
      add(kMemFailures, double(s.pgmajfault), {{"failure_type", "pgmajfault"}, {"scope", scope}});
    }
    add(kSpecMemLimit, spec.memory_limit);
    if (spec.cpu_quota) add(kSpecCpuQuota, *spec.cpu_quota);
    add(kSpecCpuPeriod, spec.cpu_period);
    add(kSpecCpuShares, spec.cpu_shares);
    for (const NetCounters& n : network) {
      for (int i = 0; i < 8; ++i) {
        add(static_cast<Metric>(kNetRxBytes + i), n.v[i], {{"interface", n.interface}});
      }
    }
    for (const auto& [dev, io] : s.io) {
      const std::string& device = DeviceName(dev);
      add(kFsReads, double(io.read_bytes), {{"device", device}});
      add(kFsWrites, double(io.write_bytes), {{"device", device}});
    }
    for (const FsUsage& fs : filesystems) {
      add(kFsUsage, double(fs.usage_bytes), {{"device", fs.device}});
      add(kFsLimit, double(fs.limit_bytes), {{"device", fs.device}});
    }
    add(kProcesses, double(s.pids.size()));
    add(kThreads, double(s.tids.size()));
    if (walk_processes) {
      const ProcessStats p = processes_.Read(s.pids, s.tids);
      add(kFileDescriptors, double(p.file_descriptors));
      add(kSockets, double(p.sockets));
      add(kTasksState, double(p.sleeping), {{"state", "sleeping"}});
      add(kTasksState, double(p.running), {{"state", "running"}});
      add(kTasksState, double(p.stopped), {{"state", "stopped"}});
      add(kTasksState, double(p.uninterruptible), {{"state", "uninterruptible"}});
      add(kTasksState, 0, {{"state", "iowaiting"}});
    }
    add(kLastSeen, now);
    add(kStartTime, spec.creation_time);
  }

  // The root and systemd cgroups (cAdvisor's raw containers), listed with the containers: when
  // they change and at least every relist_interval.
  void RefreshSystemCgroups() {
    std::map<std::string, Known> listed;
    for (const std::string& cgroup : cgroups_->SystemCgroups()) {
      auto it = system_cgroups_.find(cgroup);
      if (it != system_cgroups_.end() && it->second.net_pid > 0) {
        net_files_.ForgetContaining(NetDevPath(it->second.net_pid));
      }
      listed.emplace(cgroup, Known{cgroup, cgroups_->ReadSpec(cgroup), {{"id", cgroup}}});
    }
    system_cgroups_ = std::move(listed);
    if (fs_usage_ && system_cgroups_.count("/")) fs_usage_->Track("/", {});
  }

  // Asks the lister when the set of container cgroups differs from the containers it last
  // returned, and every relist_interval (for renames): most scrapes cost no Docker API call.
  fleet::Status RefreshContainers() {
    const std::set<std::string> ids = cgroups_->DockerIds();
    const auto asked_at = options_.now();
    if (listed_ && ids == listed_ids_ && asked_at - listed_at_ < options_.relist_interval) {
      return fleet::Status::Ok();
    }
    if (options_.system_cgroups) RefreshSystemCgroups();
    auto running = lister_->Running();
    if (!running.ok()) {
      containers_.clear();  // the root and system cgroups are still served
      known_.clear();
      listed_ = false;
      return running.status();
    }
    containers_ = std::move(*running);
    std::set<std::string> now;
    for (const ContainerInfo& c : containers_) now.insert(c.id);
    for (const std::string& gone : listed_ids_) {
      if (now.count(gone)) continue;
      storage_tracked_.erase(gone);
      for (const std::string& cgroup : DockerCgroupCandidates(gone)) cgroups_->Forget(cgroup);
    }
    if (fs_usage_) {
      std::vector<std::string> keep(now.begin(), now.end());
      keep.push_back("/");
      fs_usage_->Retain(keep);
    }
    listed_ids_ = std::move(now);
    listed_ = true;
    listed_at_ = asked_at;
    known_.clear();
    net_files_.ForgetContaining("");  // every one: the pids are learnt again with the containers
    return fleet::Status::Ok();
  }

  // What the collector keeps of a running container (or system cgroup) between scrapes.
  struct Known {
    std::string cgroup;
    CgroupSpec spec;
    Labels labels;  // id, image, name and the Docker labels, sorted by name
    int net_pid = 0;  // the process whose net/dev is kept open in net_files_, 0 if none
  };

  // The container's cgroup path (two stat calls), spec and labels, learnt once per container
  // listing: the path and labels cannot change while the container runs, and the spec (limits)
  // only by `docker update`, which shows at the next listing, within relist_interval.
  Known* Learn(const ContainerInfo& c) {
    if (auto it = known_.find(c.id); it != known_.end()) return &it->second;
    auto cgroup = cgroups_->Find(c.id);
    if (!cgroup.ok()) return nullptr;
    Known known{*cgroup, cgroups_->ReadSpec(*cgroup), BaseLabels(c, *cgroup)};
    if (fs_usage_) TrackStorage(c.id);
    return &known_.emplace(c.id, std::move(known)).first->second;
  }

  // Asks Docker once per container where its storage is (an inspect) and hands the dirs to the
  // tracker, which keeps them until the container is no longer listed.
  void TrackStorage(const std::string& id) {
    if (storage_tracked_.count(id)) return;
    auto dirs = lister_->StorageDirs(id);
    if (!dirs.ok()) {
      spdlog::debug("container {}: no filesystem usage: {}", id, dirs.status().ToString());
      storage_tracked_.insert(id);  // not asked again while it runs
      return;
    }
    if (options_.paths.rootfs != "/") {
      for (std::string& dir : *dirs) dir = options_.paths.rootfs + dir;
    }
    fs_usage_->Track(id, std::move(*dirs));
    storage_tracked_.insert(id);
  }

  void Unlearn(const std::string& id) {
    auto it = known_.find(id);
    if (it == known_.end()) return;
    if (it->second.net_pid > 0) net_files_.ForgetContaining(NetDevPath(it->second.net_pid));
    known_.erase(it);
  }

  std::string NetDevPath(int pid) const { return options_.paths.Proc(std::to_string(pid) + "/net/dev"); }

  Labels BaseLabels(const ContainerInfo& c, const std::string& cgroup) const {
    Labels labels;
    if (options_.docker_labels) {
      for (const auto& [k, v] : c.labels) labels.push_back({ContainerLabelName(k), v});
    }
    labels.push_back({"id", cgroup});
    labels.push_back({"image", c.image});
    labels.push_back({"name", c.name});
    std::sort(labels.begin(), labels.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return labels;
  }

  // The container's interfaces as seen from inside its network namespace; loopback and the
  // host-side veth/docker devices are skipped, as cAdvisor does. The file stays open between
  // scrapes, as the cgroup files do. An open net/dev keeps showing the namespace its process had
  // at open, so it is reopened when the container's first process changes and closed when the
  // container is forgotten.
  std::vector<NetCounters> Network(Known& known, const CgroupStats& stats) {
    std::vector<NetCounters> out;
    const int pid = stats.pids.empty() ? 0 : stats.pids.front();
    if (known.net_pid != pid && known.net_pid > 0) net_files_.ForgetContaining(NetDevPath(known.net_pid));
    known.net_pid = pid;
    if (pid <= 0) return out;
    auto text = net_files_.Read(NetDevPath(pid));
    if (!text.ok()) return out;
    for (std::string_view line : Lines(*text)) {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;  // the two header lines
      auto name = Fields(line.substr(0, colon));
      auto f = Fields(line.substr(colon + 1));
      if (name.size() != 1 || f.size() < 12) continue;
      const std::string iface(name[0]);
      if (iface == "lo" || iface.rfind("veth", 0) == 0 || iface.rfind("docker", 0) == 0) continue;
      NetCounters n{iface, {}};
      static const int kColumns[8] = {0, 1, 2, 3, 8, 9, 10, 11};
      for (int i = 0; i < 8; ++i) ParseDouble(f[kColumns[i]], &n.v[i]);
      out.push_back(std::move(n));
    }
    return out;
  }

  // "/dev/vda" for "254:0", from the block device's uevent; the numbers when unknown. Read once
  // per device: every container reports the same few devices on every scrape.
  const std::string& DeviceName(const std::string& major_minor) {
    auto [it, inserted] = device_names_.try_emplace(major_minor, major_minor);
    if (!inserted) return it->second;
    auto text = fleet::ReadKernelFile(options_.paths.Sys("dev/block/" + major_minor + "/uevent"));
    if (text.ok()) {
      for (std::string_view line : Lines(*text)) {
        if (line.substr(0, 8) == "DEVNAME=") it->second = "/dev/" + std::string(line.substr(8));
      }
    }
    return it->second;
  }

  std::unique_ptr<ContainerLister> lister_;
  std::unique_ptr<Cgroups> cgroups_;
  ContainerCollectorOptions options_;
  ProcessWalker processes_;  // the containers' /proc/<pid>/fd and /proc/<tid>/stat
  bool listed_ = false;
  std::chrono::steady_clock::time_point listed_at_{};
  std::vector<ContainerInfo> containers_;
  std::set<std::string> listed_ids_;
  std::map<std::string, Known> known_;               // container id -> what is known of it
  OpenFiles net_files_;                              // /proc/<pid>/net/dev of each container
  std::map<std::string, std::string> device_names_;  // "major:minor" -> "/dev/name"
  std::map<std::string, Known> system_cgroups_;      // cgroup path -> what is known of it
  std::unique_ptr<FsUsageTracker> fs_usage_;         // null when not measured
  std::set<std::string> storage_tracked_;            // container ids handed to fs_usage_
};

}  // namespace

std::string ContainerLabelName(const std::string& docker_label) {
  std::string out = "container_label_";
  for (char c : docker_label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_';
    out.push_back(ok ? c : '_');
  }
  return out;
}

std::unique_ptr<Collector> NewContainerCollector(std::unique_ptr<ContainerLister> lister,
                                                 std::unique_ptr<Cgroups> cgroups,
                                                 ContainerCollectorOptions options) {
  return std::make_unique<ContainerCollector>(std::move(lister), std::move(cgroups),
                                              std::move(options));
}

}  // namespace agent
