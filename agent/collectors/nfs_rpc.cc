#include "agent/collectors/nfs_rpc.h"

#include <string>

#include "agent/procfs.h"

namespace agent {

fleet::Result<std::vector<RpcStatsLine>> ParseRpcStats(std::string_view text) {
  std::vector<RpcStatsLine> lines;
  for (std::string_view line : Lines(text)) {
    const auto parts = Fields(line);
    if (parts.empty()) continue;
    if (parts.size() < 2 || (parts[0] == "th" && parts.size() < 3)) {
      return fleet::Status::Invalid("invalid metric line \"" + std::string(parts[0]) + "\"");
    }
    const size_t end = parts[0] == "th" ? 3 : parts.size();
    RpcStatsLine out{parts[0], std::vector<uint64_t>(end - 1)};
    for (size_t i = 1; i < end; ++i) {
      if (!ParseU64(parts[i], &out.values[i - 1])) {
        return fleet::Status::Invalid("invalid number in metric line \"" + std::string(parts[0]) + "\"");
      }
    }
    lines.push_back(std::move(out));
  }
  return lines;
}

bool IsProcedureLine(const std::vector<uint64_t>& values, size_t min) {
  return !values.empty() && values[0] == values.size() - 1 && values[0] >= min;
}

std::optional<bool> TakeV2V3Line(std::string_view key, const std::vector<uint64_t>& values, NfsV2V3Counts* out) {
  if (key == "proc2") {
    if (!IsProcedureLine(values, out->v2.size())) return false;
    TakeProcedures(values, &out->v2);
    return true;
  }
  if (key == "proc3") {
    if (!IsProcedureLine(values, out->v3.size())) return false;
    TakeProcedures(values, &out->v3);
    return true;
  }
  return std::nullopt;
}

void AddProcedureSamples(const char* proto, std::span<const std::string_view> names,
                         std::span<const uint64_t> counts, size_t first, fleet::metrics::Family* out) {
  for (size_t i = first; i < names.size() && i < counts.size(); ++i) {
    if (names[i].empty()) continue;
    out->samples.push_back({"", {{"method", std::string(names[i])}, {"proto", proto}}, double(counts[i])});
  }
}

}  // namespace agent
