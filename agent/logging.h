// The agent's logging: level and format from the config, to stderr; and always a bounded
// in-memory ring of recent lines for the support bundle.
//
// When systemd connected stderr to the journal, each line starts with its syslog priority
// ("<3>" for error, sd-daemon(3)) and carries no timestamp: journald takes the priority from the
// prefix (SyslogLevelPrefix=, on by default) and stamps the entry itself. That is the journal's
// stream protocol, so the agent needs no libsystemd (which would add ~4.5 MB of libraries to
// every host's bundle) for entries with the right PRIORITY.
#pragma once

#include <spdlog/sinks/base_sink.h>
#include <sys/types.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/config/agent_config.h"

namespace agent {

enum class LogTarget { kStderr, kJournal };

// systemd sets JOURNAL_STREAM="<device>:<inode>" of the stream it connected stdout/stderr to.
// The journal is chosen only when stderr is still that stream (systemd.exec(5) says to check,
// since a child of the service inherits the variable but not necessarily the stream).
// INVOCATION_ID alone does not switch: systemd sets it with StandardError=null or a file too.
LogTarget ChooseLogTarget(const char* journal_stream, dev_t stderr_dev, ino_t stderr_ino);
// "<3>" for error .. "<7>" for debug.
const char* JournalPriorityPrefix(spdlog::level::level_enum level);
// One line as the output sink would write it (format: logfmt | json), without the newline
// handling of the sink; for tests of the patterns.
std::string FormatForTest(const std::string& format, LogTarget target,
                          spdlog::level::level_enum level, const std::string& message);

// A sink keeping the last lines formatted, at most max_lines of them and max_bytes in all. Unlike
// spdlog's ringbuffer_sink, which allocates and fills its whole ring up front (2000 slots of
// ~384 bytes: 750 KiB resident in an agent that has logged ten lines), it grows with what is
// logged.
class RecentLinesSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RecentLinesSink(size_t max_lines, size_t max_bytes) : max_lines_(max_lines), max_bytes_(max_bytes) {}
  std::vector<std::string> Lines();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  const size_t max_lines_, max_bytes_;
  std::deque<std::string> lines_;
  size_t bytes_ = 0;
};

// The last kLines lines logged (at most kBytes), formatted as on stderr, oldest first.
class LogRing {
 public:
  static constexpr size_t kLines = 2000;
  static constexpr size_t kBytes = 512 * 1024;
  LogRing();
  std::vector<std::string> Lines() const;

  // While one lives, the ring also keeps debug lines (stderr or the journal keep the configured
  // level); the support bundle holds one for its duration.
  class Verbose {
   public:
    explicit Verbose(LogRing& ring);
    ~Verbose();
    Verbose(const Verbose&) = delete;
    Verbose& operator=(const Verbose&) = delete;

   private:
    LogRing& ring_;
  };

 private:
  friend std::shared_ptr<LogRing> SetUpLogging(const LoggingConfig& logging);
  void SetLevel(spdlog::level::level_enum configured);
  void ApplyLocked();

  std::shared_ptr<RecentLinesSink> sink_;
  mutable std::mutex mu_;
  spdlog::level::level_enum configured_ = spdlog::level::info;
  int verbose_ = 0;
};

// Configures the default logger (safe to call again, e.g. on reload: the output sink is chosen
// once, level and format follow the config) and returns the ring, the same object every time.
std::shared_ptr<LogRing> SetUpLogging(const LoggingConfig& logging);

}  // namespace agent
