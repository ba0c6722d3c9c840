#include "fleetctl/printer.h"

#include <algorithm>
#include <sstream>

#include "fleet/jsonpath.h"
#include "fleet/types/conditions.h"
#include "fleet/core/text.h"
#include "fleet/core/time.h"

namespace fleetctl {
namespace {

// The age of a timestamp the API server wrote; kubectl's "<unknown>" when it is none.
std::string AgeOf(const std::string& text, std::time_t now) {
  const auto t = fleet::ParseRfc3339(text);
  return t.ok() ? fleet::HumanAge(std::chrono::system_clock::from_time_t(now) - *t) : "<unknown>";
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string Cell(const fleet::Json& v, const std::string& type, std::time_t now) {
  if (v.is_null()) return "<none>";
  if (type == "date" && v.is_string()) {
    return fleet::ParseRfc3339(v.get<std::string>()).ok() ? AgeOf(v.get<std::string>(), now)
                                                          : v.get<std::string>();
  }
  if (v.is_string()) return v.get<std::string>();
  return fleet::DumpJson(v);
}

std::string Indent(const std::string& text, int n) {
  std::string pad(n, ' '), out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out += pad + line + "\n";
  return out;
}

std::string Columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

fleet::Result<OutputFormat> ParseOutputFormat(const std::string& s) {
  if (s.empty()) return OutputFormat::kTable;
  if (s == "wide") return OutputFormat::kWide;
  if (s == "yaml") return OutputFormat::kYaml;
  if (s == "json") return OutputFormat::kJson;
  if (s == "name") return OutputFormat::kName;
  return fleet::Status::Invalid("--output: unknown format \"" + s + "\" (wide, yaml, json, name)");
}

std::string FormatTable(const fleet::KindInfo& kind, const std::vector<fleet::Json>& items,
                        bool wide, std::time_t now) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"NAME"};
  for (const auto& c : kind.columns) {
    if (c.priority == 0 || wide) header.push_back(Upper(c.name));
  }
  rows.push_back(header);
  for (const auto& item : items) {
    std::vector<std::string> row = {item["metadata"].value("name", "")};
    // An object waiting for its finalizers reads Terminating where its readiness would be, as
    // kubectl shows a terminating pod's status.
    const bool terminating = item["metadata"].contains("deletionTimestamp");
    for (const auto& c : kind.columns) {
      if (c.priority != 0 && !wide) continue;
      row.push_back(terminating && c.name == "Ready" ? "Terminating"
                                                     : Cell(fleet::EvalJsonPath(item, c.json_path), c.type, now));
    }
    rows.push_back(row);
  }
  return Columns(rows);
}

std::string FormatObjects(const std::vector<fleet::Json>& items, bool as_list, OutputFormat f) {
  if (f == OutputFormat::kName) {
    std::string out;
    for (const auto& i : items) out += fleet::RefString(i) + "\n";
    return out;
  }
  fleet::Json value = as_list ? fleet::Json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}
                              : items.at(0);
  return f == OutputFormat::kJson ? fleet::ToPrettyJson(value) : fleet::ToYaml(value);
}

std::string Describe(const fleet::KindInfo& kind, const fleet::Json& object,
                     const fleet::Json& events, std::time_t now) {
  const auto& meta = object["metadata"];
  auto map_lines = [](const fleet::Json& m) {
    std::vector<std::string> lines;
    for (auto& [k, v] : m.items()) lines.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : fleet::DumpJson(v)));
    return lines;
  };
  std::ostringstream out;
  auto field = [&](const std::string& name, const std::string& value) {
    out << name << ":" << std::string(std::max<int>(1, 14 - static_cast<int>(name.size())), ' ')
        << value << "\n";
  };
  field("Name", meta.value("name", ""));
  field("Kind", kind.kind);
  for (const char* which : {"labels", "annotations"}) {
    auto lines = map_lines(meta.value(which, fleet::Json::object()));
    std::string title = which == std::string("labels") ? "Labels" : "Annotations";
    if (lines.empty()) {
      field(title, "<none>");
    } else {
      field(title, lines[0]);
      for (size_t i = 1; i < lines.size(); ++i) out << std::string(15, ' ') << lines[i] << "\n";
    }
  }
  std::string created = meta.value("creationTimestamp", "");
  field("Created", created + " (" + AgeOf(created, now) + " ago)");
  field("Generation", std::to_string(meta.value("generation", 0)));
  field("Version", meta.value("resourceVersion", ""));
  for (const auto& ref : meta.value("ownerReferences", fleet::Json::array())) {
    field("Controlled By", ref.value("kind", "") + "/" + ref.value("name", ""));
  }
  if (meta.contains("deletionTimestamp")) {
    const std::string since = meta.value("deletionTimestamp", "");
    field("Terminating", "since " + since + " (" + AgeOf(since, now) + " ago)");
  }
  std::string finalizers;
  for (const auto& f : meta.value("finalizers", fleet::Json::array())) {
    finalizers += (finalizers.empty() ? "" : ", ") + f.get<std::string>();
  }
  if (!finalizers.empty()) field("Finalizers", finalizers);
  fleet::Json body = object;
  body.erase("apiVersion");
  body.erase("kind");
  body.erase("metadata");
  fleet::Json status = body.contains("status") ? body["status"] : fleet::Json();
  body.erase("status");
  fleet::Json conditions;
  if (status.is_object() && status.contains("conditions")) {
    conditions = status["conditions"];
    status.erase("conditions");
  }
  for (auto& [k, v] : body.items()) {
    std::string title = k;
    title[0] = static_cast<char>(std::toupper(title[0]));
    out << title << ":\n" << Indent(fleet::ToYaml(v), 2);
  }
  out << "Status:\n";
  if (status.is_object() && !status.empty()) {
    out << Indent(fleet::ToYaml(status), 2);
  } else {
    out << "  <none>\n";
  }
  out << "Conditions:\n";
  if (conditions.is_array() && !conditions.empty()) {
    std::vector<std::vector<std::string>> rows = {{"TYPE", "STATUS", "REASON", "AGE", "MESSAGE"}};
    for (const auto& c : conditions.get<std::vector<fleet::Condition>>()) {
      const std::string& t = c.last_transition_time;
      rows.push_back({c.type, c.status, c.reason, t.empty() ? "" : AgeOf(t, now), c.message});
    }
    out << Indent(Columns(rows), 2);
  } else {
    out << "  <none>\n";
  }
  if (events.is_array()) {
    out << "Events:\n";
    if (events.empty()) {
      out << "  <none>\n";
    } else {
      std::vector<std::vector<std::string>> rows = {{"TYPE", "REASON", "AGE", "MESSAGE"}};
      for (const auto& e : events) {
        std::string age = AgeOf(e.value("lastTimestamp", ""), now);
        int count = e.value("count", 1);
        if (count > 1) {
          age += " (x" + std::to_string(count) + " over " +
                 AgeOf(e.value("firstTimestamp", ""), now) + ")";
        }
        rows.push_back({e.value("type", ""), e.value("reason", ""), age, e.value("message", "")});
      }
      out << Indent(Columns(rows), 2);
    }
  }
  return out.str();
}

}  // namespace fleetctl
