// Helpers for the fleet-agent e2e tests: start the agent on a free port with a given config, and
// parse Prometheus text exposition into families for comparison with the real exporters.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace e2e {

struct Series {
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct ParsedFamily {
  std::string type;
  std::string help;
  std::vector<Series> series;
};

// Parses text format 0.0.4 (the subset exporters emit: no timestamps needed). Samples of a
// histogram or summary are kept under their family's name.
std::map<std::string, ParsedFamily> ParseExposition(const std::string& text);

// "a,b,c": the sorted label names of a series, for comparing label schemas.
std::string LabelNames(const Series& s);
// "{a=\"1\",b=\"2\"}": the series' labels, for matching series across exporters.
std::string LabelKey(const Series& s);

// A running fleet-agent with a config written to a scratch dir; stopped on destruction.
class AgentUnderTest {
 public:
  // body: YAML after apiVersion/kind/http (collectors, paths, ...).
  explicit AgentUnderTest(const std::string& body);
  int port() const { return port_; }
  bool Ready() const { return ready_; }
  std::string Scrape() const;  // GET /metrics body ("" on failure)
  std::string Log() const { return process_->Log(); }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

}  // namespace e2e
