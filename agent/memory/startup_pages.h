// Gives back the pages of code and read-only data that the agent touched once, starting up or
// loading a config, and will not run again.
//
// VmRSS counts every page of a file mapping a process has touched, and a process touches its
// pages 64 KiB at a time (the kernel maps the pages around each fault, `fault_around_bytes`).
// Starting up runs code nothing runs again: static initialisers of every library, the config
// parser and its JSON schema validation, the CLI. Those pages are clean copies of the binary and
// its libraries, which the kernel could drop under pressure anyway, but until it has to they
// stay in the agent's RSS: measured with bench/agent_metrics.sh (20 containers, 2 app targets,
// remote write), 2.0-2.4 MiB of the agent's 12.2 MiB after two minutes.
//
// ReleaseStartupPages unmaps them with madvise(MADV_DONTNEED), keeping the pages in the page cache:
// what the agent runs afterwards faults back in from there (a minor fault, no I/O), so what stays
// resident is its working set. Only mappings that are safe to drop are touched: backed by a file,
// not writable, and holding no private (copy-on-write) page — a relocated read-only segment
// (RELRO) does, and dropping its pages would put back the file's unrelocated bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/status.h"

namespace agent {

struct ReleasedPages {
  size_t mappings = 0;  // how many mappings were given back
  uint64_t bytes = 0;   // their resident bytes before
};

// The mappings to give back, from the text of /proc/<pid>/smaps; exposed for tests.
struct FileMapping {
  uintptr_t start = 0, end = 0;
  uint64_t rss_bytes = 0;
};
std::vector<FileMapping> CleanFileMappings(std::string_view smaps);

// Reads /proc/self/smaps (the agent's own: not the host's procfs a containerised agent is given)
// and gives back every clean file mapping.
fleet::Result<ReleasedPages> ReleaseStartupPages();

}  // namespace agent
