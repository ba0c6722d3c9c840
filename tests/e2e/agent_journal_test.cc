// fleet-agent's log lines in a real systemd-journald (started by journald-run.sh in a private
// mount namespace): run as systemd runs a service, with stderr on a journal stream and
// JOURNAL_STREAM naming it, each line carries its level as the journal's PRIORITY, and the
// message is the line without the prefix or a timestamp of its own (the journal has one).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

#include "tests/e2e/harness.h"

namespace e2e {
namespace {

TEST(AgentJournal, LevelsBecomeJournalPrioritiesInARealJournald) {
  for (const char* tool : {"/lib/systemd/systemd-journald", "/usr/bin/journalctl", "/usr/bin/systemd-cat",
                           "/usr/bin/unshare"}) {
    ASSERT_TRUE(std::filesystem::exists(tool)) << tool << " is missing; scripts/install-deps.sh installs it";
  }
  TempDir dir;
  const int port = FreePort();
  const std::string base = std::string("apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: e2e\n") +
                           "logging: {level: debug}\n"
                           "paths: {procfs: " + SourceDir() + "/tests/e2e/fixtures/host/proc}\n"
                           "collectors: {enabled: [loadavg], container: {enabled: false}}\n"
                           "http: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n";
  const std::string config = dir.Write("agent.yaml", base);
  const std::string bad = dir.Write("bad.yaml", base + "scrapeInterval: soon\n");
  CommandResult r = e2e::Run({"unshare", "-m", "sh", SourceDir() + "/tests/e2e/journald-run.sh", dir.path().string(),
                              Bin("fleet-agent"), config, bad, "127.0.0.1:" + std::to_string(port)},
                             "", {}, std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::map<std::string, int> by_priority;  // "3" (err), "6" (info), ...
  std::string refusal_priority;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    const std::string message = entry.value("MESSAGE", "");
    const std::string priority = entry.value("PRIORITY", "");
    ++by_priority[priority];
    EXPECT_NE(message.rfind("level=", 0), std::string::npos)
        << "the <N> prefix was taken off and no timestamp put first: " << message;
    EXPECT_EQ(message.find(" ts="), std::string::npos) << message;
    if (message.find("refused") != std::string::npos) refusal_priority = priority;
    const std::string level = message.substr(6, message.find(' ') - 6);
    const std::map<std::string, std::string> want = {{"error", "3"}, {"warning", "4"}, {"info", "6"}, {"debug", "7"}};
    ASSERT_TRUE(want.count(level)) << message;
    EXPECT_EQ(priority, want.at(level)) << message;
  }
  EXPECT_GT(by_priority["6"], 0) << r.out;
  EXPECT_EQ(refusal_priority, "3") << "the refused reload is an error in the journal: " << r.out;
}

}  // namespace
}  // namespace e2e
