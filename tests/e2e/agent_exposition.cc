#include "tests/e2e/agent_exposition.h"

#include <sstream>

namespace e2e {
namespace {

// Reads a quoted label value starting after the opening quote; returns the index past the
// closing quote.
size_t ReadQuoted(const std::string& line, size_t i, std::string* out) {
  while (i < line.size() && line[i] != '"') {
    if (line[i] == '\\' && i + 1 < line.size()) {
      ++i;
      out->push_back(line[i] == 'n' ? '\n' : line[i]);
    } else {
      out->push_back(line[i]);
    }
    ++i;
  }
  return i + 1;
}

}  // namespace

std::map<std::string, ParsedFamily> ParseExposition(const std::string& text) {
  std::map<std::string, ParsedFamily> families;
  std::string current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const size_t name_end = line.find(' ', 7);
      const std::string name = line.substr(7, name_end - 7);
      const std::string rest = name_end == std::string::npos ? "" : line.substr(name_end + 1);
      (line[2] == 'H' ? families[name].help : families[name].type) = rest;
      current = name;
      continue;
    }
    if (line[0] == '#') continue;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    std::string name = line.substr(0, i);
    Series s;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t eq = line.find('=', i);
        const std::string label = line.substr(i, eq - i);
        std::string value;
        i = ReadQuoted(line, eq + 2, &value);
        s.labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;
    }
    s.value = std::stod(line.substr(i + 1));
    if (!current.empty() && name.rfind(current, 0) == 0) name = current;
    families[name].series.push_back(std::move(s));
  }
  return families;
}

std::string LabelNames(const Series& s) {
  std::string out;
  for (const auto& [k, v] : s.labels) out += (out.empty() ? "" : ",") + k;
  return out;
}

std::string LabelKey(const Series& s) {
  std::string out = "{";
  for (const auto& [k, v] : s.labels) out += (out.size() > 1 ? "," : "") + k + "=\"" + v + "\"";
  return out + "}";
}

AgentUnderTest::AgentUnderTest(const std::string& body) : port_(FreePort()) {
  const std::string config = dir_.Write(
      "agent.yaml", "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\ninstance: e2e\n"
                    "http: {listen: \"127.0.0.1:" + std::to_string(port_) + "\"}\n" + body);
  process_ = std::make_unique<Process>(
      std::vector<std::string>{Bin("fleet-agent"), "--config", config});
  ready_ = WaitFor([&] { return Http("GET", port_, "/-/ready").status == 200; },
                   std::chrono::seconds(10));
}

std::string AgentUnderTest::Scrape() const {
  HttpResponse r = Http("GET", port_, "/metrics");
  return r.status == 200 ? r.body : "";
}

}  // namespace e2e
