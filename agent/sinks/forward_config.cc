#include "agent/sinks/forward_config.h"

#include <set>

#include "agent/config.h"

namespace agent {
namespace {

// Reads one mapping node; every accessor records the key, Finish reports unknown keys.
class SectionReader {
 public:
  SectionReader(YAML::Node node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}

  fleet::Status Error(const std::string& key, const std::string& what) const {
    return fleet::Status::Invalid(Path(key) + ": " + what);
  }
  std::string Path(const std::string& key) const { return path_ + "." + key; }

  YAML::Node Child(const std::string& key) {
    seen_.insert(key);
    return node_.IsMap() ? node_[key] : YAML::Node();
  }

  fleet::Status String(const std::string& key, std::string* out) {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return fleet::Status::Ok();
    if (!n.IsScalar()) return Error(key, "must be a string");
    *out = n.Scalar();
    return fleet::Status::Ok();
  }

  fleet::Status Duration(const std::string& key, std::chrono::milliseconds* out) {
    std::string text;
    FLEET_RETURN_IF_ERROR(String(key, &text));
    if (text.empty()) return fleet::Status::Ok();
    auto d = ParseDuration(text);
    if (!d.ok()) return Error(key, d.status().message());
    *out = *d;
    return fleet::Status::Ok();
  }

  fleet::Status Bytes(const std::string& key, uint64_t* out) {
    std::string text;
    FLEET_RETURN_IF_ERROR(String(key, &text));
    if (text.empty()) return fleet::Status::Ok();
    auto b = ParseBytes(text);
    if (!b.ok()) return Error(key, b.status().message());
    *out = *b;
    return fleet::Status::Ok();
  }

  fleet::Status Number(const std::string& key, double* out) {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return fleet::Status::Ok();
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, *out)) return Error(key, "must be a number");
    return fleet::Status::Ok();
  }

  fleet::Status Bool(const std::string& key, bool* out) {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return fleet::Status::Ok();
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, *out)) return Error(key, "must be true or false");
    return fleet::Status::Ok();
  }

  fleet::Status StringMap(const std::string& key, std::map<std::string, std::string>* out) {
    YAML::Node n = Child(key);
    if (!n || n.IsNull()) return fleet::Status::Ok();
    if (!n.IsMap()) return Error(key, "must be a mapping of strings");
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) return Error(key + "." + kv.first.Scalar(), "must be a string");
      (*out)[kv.first.Scalar()] = kv.second.Scalar();
    }
    return fleet::Status::Ok();
  }

  fleet::Status Finish() const {
    if (!node_ || node_.IsNull()) return fleet::Status::Ok();
    if (!node_.IsMap()) return fleet::Status::Invalid(path_ + ": must be a mapping");
    for (const auto& kv : node_) {
      if (!seen_.count(kv.first.Scalar())) return Error(kv.first.Scalar(), "unknown field");
    }
    return fleet::Status::Ok();
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
};

fleet::Status ParseLabels(SectionReader& r, const std::string& key, fleet::metrics::Labels* out) {
  std::map<std::string, std::string> labels;
  FLEET_RETURN_IF_ERROR(r.StringMap(key, &labels));
  for (auto& [name, value] : labels) out->push_back({name, value});
  return fleet::Status::Ok();
}

// url, basicAuth, headers, tls: what both push sinks share.
fleet::Status ParseEndpoint(SectionReader& r, PushEndpoint* e) {
  FLEET_RETURN_IF_ERROR(r.String("url", &e->url));
  if (e->url.empty()) return r.Error("url", "required");
  if (e->url.rfind("http://", 0) != 0 && e->url.rfind("https://", 0) != 0) {
    return r.Error("url", "must start with http:// or https://");
  }
  SectionReader auth(r.Child("basicAuth"), r.Path("basicAuth"));
  FLEET_RETURN_IF_ERROR(auth.String("username", &e->basic_auth.username));
  FLEET_RETURN_IF_ERROR(auth.String("passwordFile", &e->basic_auth.password_file));
  if (!e->basic_auth.username.empty() && e->basic_auth.password_file.empty()) {
    return auth.Error("passwordFile", "required with username");
  }
  FLEET_RETURN_IF_ERROR(auth.Finish());
  FLEET_RETURN_IF_ERROR(r.StringMap("headers", &e->headers));
  SectionReader tls(r.Child("tls"), r.Path("tls"));
  FLEET_RETURN_IF_ERROR(tls.String("caFile", &e->ca_file));
  FLEET_RETURN_IF_ERROR(tls.Bool("insecureSkipVerify", &e->insecure_skip_verify));
  FLEET_RETURN_IF_ERROR(tls.Finish());
  return r.Duration("timeout", &e->timeout);
}

fleet::Status ParseBackoff(SectionReader& r, std::chrono::milliseconds* min, std::chrono::milliseconds* max) {
  FLEET_RETURN_IF_ERROR(r.Duration("minBackoff", min));
  FLEET_RETURN_IF_ERROR(r.Duration("maxBackoff", max));
  if (*max < *min) return r.Error("maxBackoff", "must not be less than minBackoff");
  return fleet::Status::Ok();
}

fleet::Result<RemoteWriteConfig> ParseRemoteWrite(const YAML::Node& node) {
  RemoteWriteConfig c;
  SectionReader r(node, "remoteWrite");
  FLEET_RETURN_IF_ERROR(ParseEndpoint(r, &c.endpoint));
  FLEET_RETURN_IF_ERROR(ParseLabels(r, "externalLabels", &c.external_labels));
  SectionReader q(r.Child("queue"), r.Path("queue"));
  uint64_t max_samples = c.max_samples_per_send;
  FLEET_RETURN_IF_ERROR(q.Bytes("maxSamplesPerSend", &max_samples));
  if (max_samples == 0) return q.Error("maxSamplesPerSend", "must be positive");
  c.max_samples_per_send = max_samples;
  FLEET_RETURN_IF_ERROR(q.Duration("batchSendDeadline", &c.batch_send_deadline));
  FLEET_RETURN_IF_ERROR(ParseBackoff(q, &c.min_backoff, &c.max_backoff));
  // capacity bounds Prometheus' in-memory shard queues; here the disk buffer is the queue.
  uint64_t capacity = 0;
  FLEET_RETURN_IF_ERROR(q.Bytes("capacity", &capacity));
  FLEET_RETURN_IF_ERROR(q.Finish());
  FLEET_RETURN_IF_ERROR(r.Finish());
  return c;
}

fleet::Result<LokiConfig> ParseLoki(const YAML::Node& node) {
  LokiConfig c;
  SectionReader r(node, "loki");
  FLEET_RETURN_IF_ERROR(ParseEndpoint(r, &c.endpoint));
  FLEET_RETURN_IF_ERROR(r.String("tenantId", &c.tenant_id));
  FLEET_RETURN_IF_ERROR(ParseLabels(r, "externalLabels", &c.external_labels));
  uint64_t batch_size = c.batch_size;
  FLEET_RETURN_IF_ERROR(r.Bytes("batchSize", &batch_size));
  if (batch_size == 0) return r.Error("batchSize", "must be positive");
  c.batch_size = batch_size;
  FLEET_RETURN_IF_ERROR(r.Duration("batchWait", &c.batch_wait));
  std::string format = "protobuf";
  FLEET_RETURN_IF_ERROR(r.String("format", &format));
  if (format != "protobuf" && format != "json") return r.Error("format", "must be protobuf or json");
  c.format = format == "json" ? LokiFormat::kJson : LokiFormat::kProtobuf;
  FLEET_RETURN_IF_ERROR(r.StringMap("dockerLabels", &c.docker_labels));
  FLEET_RETURN_IF_ERROR(ParseBackoff(r, &c.min_backoff, &c.max_backoff));
  FLEET_RETURN_IF_ERROR(r.Finish());
  return c;
}

fleet::Result<BufferConfig> ParseBuffer(const YAML::Node& node) {
  BufferConfig c;
  SectionReader r(node, "buffer");
  FLEET_RETURN_IF_ERROR(r.String("dir", &c.dir));
  FLEET_RETURN_IF_ERROR(r.Bytes("maxBytes", &c.max_bytes));
  if (c.max_bytes < (1 << 20)) return r.Error("maxBytes", "must be at least 1Mi");
  std::string fsync = "interval";
  FLEET_RETURN_IF_ERROR(r.String("fsync", &fsync));
  if (fsync == "always") {
    c.fsync = FsyncPolicy::kAlways;
  } else if (fsync == "never") {
    c.fsync = FsyncPolicy::kNever;
  } else if (fsync != "interval") {
    return r.Error("fsync", "must be always, interval or never");
  }
  FLEET_RETURN_IF_ERROR(r.Duration("fsyncInterval", &c.fsync_interval));
  FLEET_RETURN_IF_ERROR(r.Finish());
  return c;
}

fleet::Result<MemoryConfig> ParseMemory(const YAML::Node& node) {
  MemoryConfig c;
  SectionReader r(node, "memory");
  uint64_t limit = 0;
  FLEET_RETURN_IF_ERROR(r.Bytes("limit", &limit));
  if (r.Child("limit") && !r.Child("limit").IsNull()) {
    if (limit < (16 << 20)) return r.Error("limit", "must be at least 16Mi");
    c.limit = limit;
  }
  FLEET_RETURN_IF_ERROR(r.Number("limitFraction", &c.limit_fraction));
  // As the AgentProfile CRD bounds it: some room is always left for the kernel's share.
  if (!(c.limit_fraction >= 0.05 && c.limit_fraction <= 0.95)) {
    return r.Error("limitFraction", "must be between 0.05 and 0.95");
  }
  FLEET_RETURN_IF_ERROR(r.Duration("checkInterval", &c.check_interval));
  if (c.check_interval.count() <= 0) return r.Error("checkInterval", "must be positive");
  FLEET_RETURN_IF_ERROR(r.Finish());
  return c;
}

}  // namespace

fleet::Result<uint64_t> ParseBytes(const std::string& text) {
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1},           {"k", 1000},       {"K", 1000},           {"KB", 1000},
      {"M", 1000000},    {"MB", 1000000},   {"G", 1000000000},     {"GB", 1000000000},
      {"Ki", 1ull << 10}, {"KiB", 1ull << 10}, {"Mi", 1ull << 20}, {"MiB", 1ull << 20},
      {"Gi", 1ull << 30}, {"GiB", 1ull << 30}, {"Ti", 1ull << 40}, {"TiB", 1ull << 40}};
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  auto unit = kUnits.find(text.substr(digits));
  if (digits == 0 || digits > 18 || unit == kUnits.end()) {
    return fleet::Status::Invalid("not a size (like 1048576, 512Mi, 1Gi): \"" + text + "\"");
  }
  return std::stoull(text.substr(0, digits)) * unit->second;
}

fleet::Result<ForwardConfig> ParseForwardConfig(const std::map<std::string, YAML::Node>& sections) {
  ForwardConfig config;
  if (auto it = sections.find("remoteWrite"); it != sections.end()) {
    auto rw = ParseRemoteWrite(it->second);
    if (!rw.ok()) return rw.status();
    config.remote_write = std::move(*rw);
  }
  if (auto it = sections.find("loki"); it != sections.end()) {
    auto loki = ParseLoki(it->second);
    if (!loki.ok()) return loki.status();
    config.loki = std::move(*loki);
  }
  if (auto it = sections.find("buffer"); it != sections.end()) {
    auto buffer = ParseBuffer(it->second);
    if (!buffer.ok()) return buffer.status();
    config.buffer = std::move(*buffer);
  }
  if (auto it = sections.find("memory"); it != sections.end()) {
    auto memory = ParseMemory(it->second);
    if (!memory.ok()) return memory.status();
    config.memory = std::move(*memory);
  }
  return config;
}

}  // namespace agent
