#include "agent/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace agent {
namespace {

// %* in a pattern: the line's syslog priority as sd-daemon(3) prefixes it, "<3>" .. "<7>".
class JournalPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char* prefix = JournalPriorityPrefix(msg.level);
    dest.append(prefix, prefix + std::strlen(prefix));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JournalPriorityFlag>();
  }
};

std::unique_ptr<spdlog::formatter> Formatter(const std::string& format, LogTarget target) {
  // The journal stamps entries itself; a second timestamp would only be noise there.
  const std::string ts = target == LogTarget::kJournal ? "" : "%Y-%m-%dT%H:%M:%S.%eZ";
  std::string pattern;
  if (format == "json") {
    pattern = target == LogTarget::kJournal ? R"({"level":"%l","msg":"%v"})"
                                            : R"({"ts":")" + ts + R"(","level":"%l","msg":"%v"})";
  } else {
    pattern = (target == LogTarget::kJournal ? "" : "ts=" + ts + " ") + "level=%l msg=\"%v\"";
  }
  if (target == LogTarget::kJournal) pattern = "%*" + pattern;
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<JournalPriorityFlag>('*').set_pattern(pattern);
  return f;
}

}  // namespace

LogTarget ChooseLogTarget(const char* journal_stream, dev_t stderr_dev, ino_t stderr_ino) {
  if (journal_stream == nullptr) return LogTarget::kStderr;
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2) return LogTarget::kStderr;
  return dev == stderr_dev && ino == stderr_ino ? LogTarget::kJournal : LogTarget::kStderr;
}

const char* JournalPriorityPrefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return "<2>";
    case spdlog::level::err: return "<3>";
    case spdlog::level::warn: return "<4>";
    case spdlog::level::info: return "<6>";
    default: return "<7>";  // debug, trace
  }
}

std::string FormatForTest(const std::string& format, LogTarget target,
                          spdlog::level::level_enum level, const std::string& message) {
  spdlog::details::log_msg msg("", level, message);
  spdlog::memory_buf_t out;
  Formatter(format, target)->format(msg, out);
  return std::string(out.data(), out.size());
}

std::vector<std::string> RecentLinesSink::Lines() {
  std::lock_guard lock(mutex_);
  return {lines_.begin(), lines_.end()};
}

void RecentLinesSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  lines_.emplace_back(formatted.data(), formatted.size());
  bytes_ += lines_.back().size();
  while (lines_.size() > max_lines_ || (bytes_ > max_bytes_ && lines_.size() > 1)) {
    bytes_ -= lines_.front().size();
    lines_.pop_front();
  }
}

LogRing::LogRing() : sink_(std::make_shared<RecentLinesSink>(kLines, kBytes)) {}

std::vector<std::string> LogRing::Lines() const { return sink_->Lines(); }

void LogRing::SetLevel(spdlog::level::level_enum configured) {
  std::lock_guard lock(mu_);
  configured_ = configured;
  ApplyLocked();
}

void LogRing::ApplyLocked() {
  const auto ring = verbose_ > 0 ? spdlog::level::debug : configured_;
  sink_->set_level(ring);
  // The logger filters first, so it lets through the lower of the two; the output sink keeps
  // the configured level.
  spdlog::default_logger()->set_level(std::min(ring, configured_));
  for (const auto& s : spdlog::default_logger()->sinks()) {
    if (s != sink_) s->set_level(configured_);
  }
}

LogRing::Verbose::Verbose(LogRing& ring) : ring_(ring) {
  std::lock_guard lock(ring_.mu_);
  ++ring_.verbose_;
  ring_.ApplyLocked();
}

LogRing::Verbose::~Verbose() {
  std::lock_guard lock(ring_.mu_);
  --ring_.verbose_;
  ring_.ApplyLocked();
}

std::shared_ptr<LogRing> SetUpLogging(const LoggingConfig& logging) {
  static LogTarget target = [] {
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return LogTarget::kStderr;
    return ChooseLogTarget(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
  }();
  static std::shared_ptr<spdlog::sinks::stderr_sink_mt> out =
      std::make_shared<spdlog::sinks::stderr_sink_mt>();
  static std::shared_ptr<LogRing> ring = [] {
    auto r = std::make_shared<LogRing>();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "fleet-agent", spdlog::sinks_init_list{out, r->sink_}));
    return r;
  }();
  out->set_formatter(Formatter(logging.format, target));
  // The ring is read by people, not by journald: always timestamped, never prefixed.
  ring->sink_->set_formatter(Formatter(logging.format, LogTarget::kStderr));
  ring->SetLevel(spdlog::level::from_str(logging.level == "warn" ? "warning" : logging.level));
  return ring;
}

}  // namespace agent
