// What the nfs and nfsd collectors share: /proc/net/rpc/nfs (client) and /proc/net/rpc/nfsd
// (server) are the same kind of file, a key then unsigned counters per line, read as procfs'
// nfs package reads them, and NFSv2/v3 procedure counts in the same order in both.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent {

struct RpcStatsLine {
  std::string_view key;          // net, rpc, proc3, ...
  std::vector<uint64_t> values;  // for nfsd's "th" line, only the first two (the rest are
                                 // floats procfs ignores)
};

// The file's lines; an error for a line with no value or a value that is not a counter.
fleet::Result<std::vector<RpcStatsLine>> ParseRpcStats(std::string_view text);

// A procN line: its first value counts the values after it, which must be at least `min`.
bool IsProcedureLine(const std::vector<uint64_t>& values, size_t min);

// The counts of a procN line (checked by IsProcedureLine) into *out; a line shorter than the table
// (an older kernel's proc4) leaves the rest 0, as procfs pads it.
template <size_t N>
void TakeProcedures(const std::vector<uint64_t>& values, std::array<uint64_t, N>* out) {
  for (size_t i = 0; i < N && i + 1 < values.size(); ++i) (*out)[i] = values[i + 1];
}

// A line of exactly N counters into *out.
template <size_t N>
bool TakeExactly(const std::vector<uint64_t>& values, std::array<uint64_t, N>* out) {
  if (values.size() != N) return false;
  std::copy(values.begin(), values.end(), out->begin());
  return true;
}

// One {method, proto} sample per procedure from `first` on; procedures named "" are not exported.
void AddProcedureSamples(const char* proto, std::span<const std::string_view> names,
                         std::span<const uint64_t> counts, size_t first, fleet::metrics::Family* out);

// The procedures of a proc2 and a proc3 line, in the kernel's order, named as procfs names them.
inline constexpr std::array<std::string_view, 18> kNfsV2Procedures = {
    "Null",   "GetAttr", "SetAttr", "Root", "Lookup",  "ReadLink", "Read",  "WrCache", "Write",
    "Create", "Remove",  "Rename",  "Link", "SymLink", "MkDir",    "RmDir", "ReadDir", "FsStat"};
inline constexpr std::array<std::string_view, 22> kNfsV3Procedures = {
    "Null",   "GetAttr", "SetAttr", "Lookup", "Access",  "ReadLink",    "Read",   "Write",
    "Create", "MkDir",   "SymLink", "MkNod",  "Remove",  "RmDir",       "Rename", "Link",
    "ReadDir", "ReadDirPlus", "FsStat", "FsInfo", "PathConf", "Commit"};

// The proc2 and proc3 counts both files have.
struct NfsV2V3Counts {
  std::array<uint64_t, kNfsV2Procedures.size()> v2{};
  std::array<uint64_t, kNfsV3Procedures.size()> v3{};
};

// A proc2 or proc3 line into *out: nullopt when `key` is neither, else whether the line was
// valid (procfs' checks: the count matches, and at least the table's procedures are there).
std::optional<bool> TakeV2V3Line(std::string_view key, const std::vector<uint64_t>& values, NfsV2V3Counts* out);

}  // namespace agent
