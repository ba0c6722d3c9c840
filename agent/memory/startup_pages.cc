#include "agent/memory/startup_pages.h"

#include <sys/mman.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>

#include "agent/procfs.h"
#include "fleet/core/files.h"

namespace agent {
namespace {

// smaps of a process with a few hundred mappings is ~100 KiB; a bound that leaves room for many
// more, and keeps a runaway read from growing the agent.
constexpr size_t kMaxSmapsBytes = 8 << 20;

// "Rss:                 123 kB" -> 123 * 1024; nullopt when the line is not `field`.
std::optional<uint64_t> KiBField(std::string_view line, std::string_view field) {
  if (!line.starts_with(field) || line.size() <= field.size() || line[field.size()] != ':') return std::nullopt;
  line.remove_prefix(field.size() + 1);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  uint64_t kib = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), kib);
  if (ec != std::errc() || std::string_view(end, line.data() + line.size()) != " kB") return std::nullopt;
  return kib * 1024;
}

}  // namespace

std::vector<FileMapping> CleanFileMappings(std::string_view smaps) {
  std::vector<FileMapping> out;
  // The mapping being read, while it still qualifies.
  std::optional<FileMapping> current;
  bool file_backed_read_only = false;
  std::optional<uint64_t> anonymous;
  auto finish = [&] {
    if (current && file_backed_read_only && anonymous == 0u && current->rss_bytes > 0) out.push_back(*current);
    current.reset();
    file_backed_read_only = false;
    anonymous.reset();
  };
  for (std::string_view line : Lines(smaps)) {
    // A mapping's header: "start-end perms offset dev inode [path]"; field lines start with a
    // capitalised name and a colon.
    const size_t dash = line.find('-');
    const size_t space = line.find(' ');
    uint64_t start = 0, end = 0;
    if (dash != std::string_view::npos && space != std::string_view::npos && dash < space &&
        ParseU64(line.substr(0, dash), &start, 16) && ParseU64(line.substr(dash + 1, space - dash - 1), &end, 16)) {
      finish();
      const std::string_view perms = line.substr(space + 1, 4);
      const size_t path = line.find(" /");
      current = FileMapping{start, end, 0};
      file_backed_read_only = perms.size() == 4 && perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' &&
                              path != std::string_view::npos;
      continue;
    }
    if (!current) continue;
    if (auto rss = KiBField(line, "Rss")) current->rss_bytes = *rss;
    if (auto anon = KiBField(line, "Anonymous")) anonymous = *anon;
  }
  finish();
  return out;
}

fleet::Result<ReleasedPages> ReleaseStartupPages() {
  // Read to the end: smaps is a seq_file that hands out a few mappings per read, so a short read
  // is not its end (FileKind::kKernel would stop there).
  auto smaps = fleet::ReadFileText("/proc/self/smaps", kMaxSmapsBytes);
  if (!smaps.ok()) return smaps.status();
  ReleasedPages released;
  for (const FileMapping& m : CleanFileMappings(*smaps)) {
    if (::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) != 0) {
      return fleet::Status::Internal(std::string("madvise(MADV_DONTNEED): ") + std::strerror(errno));
    }
    ++released.mappings;
    released.bytes += m.rss_bytes;
  }
  return released;
}

}  // namespace agent
