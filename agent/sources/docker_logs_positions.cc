#include "agent/sources/docker_logs_positions.h"
#include "fleet/core/files.h"
#include "fleet/core/text.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace agent {

fleet::Result<LogPositions> LoadLogPositions(const std::filesystem::path& path) {
  const auto text = fleet::ReadFileText(path.string());
  if (!text.ok()) return LogPositions{};
  try {
    LogPositions out;
    const nlohmann::json j = nlohmann::json::parse(*text);
    for (const auto& [id, p] : j.items()) {
      out[id] = {p.at("ts").get<int64_t>(), p.at("n").get<uint32_t>()};
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    return fleet::Status::Invalid("positions file " + path.string() + ": " + e.what());
  }
}

fleet::Status SaveLogPositions(const std::filesystem::path& path, const LogPositions& positions) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [id, p] : positions) j[id] = {{"ts", p.timestamp_ns}, {"n", p.lines_at_timestamp}};
  const std::string text = fleet::DumpJson(j);
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fleet::Status::Internal("write " + tmp + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return fleet::Status::Internal("write " + path.string() + ": " + std::strerror(errno));
  }
  return fleet::Status::Ok();
}

bool PositionAfter(const LogPosition& a, const LogPosition& b) {
  return a.timestamp_ns > b.timestamp_ns ||
         (a.timestamp_ns == b.timestamp_ns && a.lines_at_timestamp > b.lines_at_timestamp);
}

}  // namespace agent
