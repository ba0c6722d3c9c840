#include "agent/sinks/loki_payload.h"

#include <snappy.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "agent/version.h"
#include "logproto/push.pb.h"
#include "fleet/core/text.h"

namespace agent {
namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool Take(std::string_view* in, T* v) {
  if (in->size() < sizeof *v) return false;
  std::memcpy(v, in->data(), sizeof *v);
  in->remove_prefix(sizeof *v);
  return true;
}

// Loki's JSON push API takes the labels as an object; the protobuf string is parsed back.
nlohmann::json LabelsObject(const std::string& label_set) {
  nlohmann::json out = nlohmann::json::object();
  size_t pos = 1;  // after '{'
  while (pos < label_set.size() && label_set[pos] != '}') {
    const size_t eq = label_set.find("=\"", pos);
    if (eq == std::string::npos) break;
    std::string name = label_set.substr(pos, eq - pos);
    std::string value;
    size_t i = eq + 2;
    for (; i < label_set.size() && label_set[i] != '"'; ++i) {
      if (label_set[i] == '\\' && i + 1 < label_set.size()) {
        ++i;
        value += label_set[i] == 'n' ? '\n' : label_set[i];
      } else {
        value += label_set[i];
      }
    }
    out[name] = value;
    pos = i + 1;
    while (pos < label_set.size() && (label_set[pos] == ',' || label_set[pos] == ' ')) ++pos;
  }
  return out;
}

std::string JsonBody(const logproto::PushRequest& request) {
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& stream : request.streams()) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& entry : stream.entries()) {
      const int64_t ns = entry.timestamp().seconds() * 1000000000 + entry.timestamp().nanos();
      values.push_back({std::to_string(ns), entry.line()});
    }
    streams.push_back({{"stream", LabelsObject(stream.labels())}, {"values", std::move(values)}});
  }
  // Lines are bytes from containers: replace invalid UTF-8 rather than fail the whole batch.
  return fleet::DumpJson(nlohmann::json{{"streams", std::move(streams)}});
}

}  // namespace

std::string EncodeLogRecord(const LogRecord& record) {
  std::string out;
  Put(&out, static_cast<uint16_t>(record.container_id.size()));
  out += record.container_id;
  Put(&out, record.position.timestamp_ns);
  Put(&out, record.position.lines_at_timestamp);
  Put(&out, record.lines);
  return out + record.push_request;
}

fleet::Result<LogRecord> DecodeLogRecord(std::string_view in) {
  LogRecord record;
  uint16_t id_size = 0;
  if (!Take(&in, &id_size) || in.size() < id_size) return fleet::Status::Internal("short log record");
  record.container_id = std::string(in.substr(0, id_size));
  in.remove_prefix(id_size);
  if (!Take(&in, &record.position.timestamp_ns) || !Take(&in, &record.position.lines_at_timestamp) ||
      !Take(&in, &record.lines)) {
    return fleet::Status::Internal("short log record");
  }
  record.push_request = std::string(in);
  return record;
}

std::string LabelSetString(fleet::metrics::Labels labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string out = "{";
  for (const auto& label : labels) {
    if (out.size() > 1) out += ", ";
    out += label.name + "=\"";
    for (char c : label.value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

fleet::Result<Payload> EncodeLokiPayload(const std::vector<std::string>& records, LokiFormat format,
                                         const std::string& tenant_id) {
  std::string request;
  Payload payload;
  for (const auto& bytes : records) {
    auto record = DecodeLogRecord(bytes);
    if (!record.ok()) return record.status();
    request += record->push_request;
    payload.items += record->lines;
  }
  if (format == LokiFormat::kJson) {
    logproto::PushRequest parsed;
    if (!parsed.ParseFromString(request)) return fleet::Status::Internal("undecodable log records");
    payload.body = JsonBody(parsed);
    payload.headers["Content-Type"] = "application/json";
  } else {
    snappy::Compress(request.data(), request.size(), &payload.body);
    payload.headers["Content-Type"] = "application/x-protobuf";
  }
  payload.headers["User-Agent"] = "fleet-agent/" + Version();
  if (!tenant_id.empty()) payload.headers["X-Scope-OrgID"] = tenant_id;
  return payload;
}

}  // namespace agent
