// node_md_* per software RAID device from /proc/mdstat (node_exporter's mdadm collector, with
// procfs's reading of the file: the device line, the status line after it, and the optional
// bitmap and sync lines).
#include <re2/re2.h>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

size_t Count(std::string_view s, std::string_view what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string_view::npos; at = s.find(what, at + what.size()))
    ++n;
  return n;
}

bool Contains(std::string_view s, std::string_view what) { return s.find(what) != s.npos; }

struct MdDevice {
  std::string name, state;
  uint64_t active = 0, total = 0, failed = 0, spare = 0, blocks = 0, synced = 0;
};

class MdadmCollector : public Collector {
 public:
  explicit MdadmCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    // Without the md driver the file does not exist: no data, as in node_exporter.
    auto text = files_.Read(paths_.Proc("mdstat"));
    if (!text.ok()) return NoDataIfAbsent(text.status(), paths_.Proc("mdstat"));
    std::vector<MdDevice> devices;
    if (auto s = Parse(*text, &devices); !s.ok()) return s;

    Family blocks{"node_md_blocks", "Total number of blocks on device.", Type::kGauge, {}};
    Family synced{"node_md_blocks_synced", "Number of blocks synced on device.", Type::kGauge, {}};
    Family disks{
        "node_md_disks", "Number of active/failed/spare disks of device.", Type::kGauge, {}};
    Family required{"node_md_disks_required", "Total number of disks of device.", Type::kGauge, {}};
    Family state{"node_md_state", "Indicates the state of md-device.", Type::kGauge, {}};
    for (const MdDevice& d : devices) {
      const std::string device = fleet::ValidUtf8(d.name);
      blocks.samples.push_back({"", {{"device", device}}, double(d.blocks)});
      synced.samples.push_back({"", {{"device", device}}, double(d.synced)});
      required.samples.push_back({"", {{"device", device}}, double(d.total)});
      disks.samples.push_back({"", {{"device", device}, {"state", "active"}}, double(d.active)});
      disks.samples.push_back({"", {{"device", device}, {"state", "failed"}}, double(d.failed)});
      disks.samples.push_back({"", {{"device", device}, {"state", "spare"}}, double(d.spare)});
      // The parsed state "resyncing"/"checking" is served as state="resync"/"check".
      const std::pair<const char*, const char*> kStates[] = {{"active", "active"},
                                                             {"inactive", "inactive"},
                                                             {"recovering", "recovering"},
                                                             {"resyncing", "resync"},
                                                             {"checking", "check"}};
      for (const auto& [parsed, served] : kStates) {
        state.samples.push_back(
            {"", {{"device", device}, {"state", served}}, d.state == parsed ? 1.0 : 0.0});
      }
    }
    out->push_back(std::move(blocks));
    out->push_back(std::move(synced));
    out->push_back(std::move(disks));
    out->push_back(std::move(required));
    out->push_back(std::move(state));
    return fleet::Status::Ok();
  }

 private:
  static fleet::Status Parse(std::string_view text, std::vector<MdDevice>* out) {
    static const RE2 kStatus(R"re((\d+) blocks .*\[(\d+)/(\d+)\] \[([U_]+)\])re");
    static const RE2 kSyncedBlocks(R"re(\((\d+)/\d+\))re");
    std::vector<std::string_view> lines;  // blank lines kept: positions after a device matter
    for (size_t start = 0; start <= text.size();) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      lines.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string_view line = lines[i];
      if (Fields(line).empty() || line[0] == ' ' || line.substr(0, 13) == "Personalities" ||
          line.substr(0, 6) == "unused") {
        continue;
      }
      const auto fields = Fields(line);
      if (fields.size() < 3) return fleet::Status::Invalid("/proc/mdstat: short device line");
      if (lines.size() <= i + 3) return fleet::Status::Invalid("/proc/mdstat: too few lines");
      MdDevice d;
      d.name = std::string(fields[0]);
      d.state = std::string(fields[2]);
      d.failed = Count(line, "(F)");
      d.spare = Count(line, "(S)");
      const auto status = Fields(lines[i + 1]);
      if (status.empty() || !ParseU64(status[0], &d.blocks)) {
        return fleet::Status::Invalid("/proc/mdstat: unexpected status line of " + d.name);
      }
      if (Contains(line, "raid0") || Contains(line, "linear")) {
        d.total = d.active = Count(line, "[");  // only member disks carry a [n]
      } else if (!Contains(line, "inactive")) {
        std::string total, active, up;
        if (!RE2::PartialMatch(lines[i + 1], kStatus, nullptr, &total, &active, &up) ||
            !ParseU64(total, &d.total) || !ParseU64(active, &d.active)) {
          return fleet::Status::Invalid("/proc/mdstat: unexpected status line of " + d.name);
        }
      }
      d.synced = d.blocks;
      std::string_view sync = lines[i + 2];
      if (Contains(sync, "bitmap")) sync = lines[i + 3];
      const bool recovering = Contains(sync, "recovery"), resyncing = Contains(sync, "resync"),
                 checking = Contains(sync, "check");
      if (recovering || resyncing || checking) {
        d.state = recovering ? "recovering" : checking ? "checking" : "resyncing";
        if (Contains(sync, "PENDING") || Contains(sync, "DELAYED")) {
          d.synced = 0;
        } else {
          std::string done;
          if (!RE2::PartialMatch(sync, kSyncedBlocks, &done) || !ParseU64(done, &d.synced)) {
            return fleet::Status::Invalid("/proc/mdstat: unexpected sync line of " + d.name);
          }
        }
      }
      out->push_back(std::move(d));
    }
    return fleet::Status::Ok();
  }

  HostPaths paths_;
  OpenFiles files_;
};

}  // namespace

std::unique_ptr<Collector> NewMdadmCollector(const CollectorOptions& o) {
  return std::make_unique<MdadmCollector>(o.paths);
}

}  // namespace agent
