#include "agent/docker/docker_client.h"

#include <sys/socket.h>

#include <limits>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "agent/http_client.h"
#include "fleet/core/json_parse.h"
#include "fleet/core/text.h"

namespace agent::docker {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::local::stream_protocol::socket;
using nlohmann::json;

std::string StripSlash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

std::map<std::string, std::string> LabelsFrom(const json& labels) {
  std::map<std::string, std::string> out;
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

// The string at key, "" when absent or not a string (the list's fields are optional by API version).
std::string StringAt(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool BoolAt(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// A port number at key: nullopt when absent, negative, or past 65535.
std::optional<uint16_t> PortAt(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned() || it->get<uint64_t>() > 65535) return std::nullopt;
  return static_cast<uint16_t>(it->get<uint64_t>());
}

int64_t TimeNs(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return 0;
  return ParseDockerTimestamp(j[key].get<std::string>()).value_or(0);
}

// Of an error answer to a stream request, what is read for its message.
constexpr size_t kMaxErrorBodyBytes = 4096;

// Docker's `since` takes seconds with an optional nanosecond fraction.
std::string SinceParam(int64_t ns) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000));
  return buf;
}

fleet::Status Connect(Socket& socket, const std::string& path,
                      const std::string& target) {
  beast::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(path), ec);
  if (ec) return fleet::Status::Unavailable("docker socket " + path + ": " + ec.message());
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "docker");
  request.set(http::field::user_agent, "fleet-agent");
  http::write(socket, request, ec);
  if (ec) return fleet::Status::Unavailable("docker " + target + ": " + ec.message());
  return fleet::Status::Ok();
}

fleet::Status StatusFor(unsigned code, const std::string& target, const std::string& body) {
  std::string message = "docker " + target + ": HTTP " + std::to_string(code);
  try {
    message += ": " + json::parse(body).value("message", "");
  } catch (const json::exception&) {
  }
  // dockerd's errdefs: NotFound 404; InvalidParameter 400 and NotImplemented 501 (logs of a
  // container whose logging driver keeps none) are requests not worth repeating; Conflict 409
  // (logs of a container dead or being removed).
  if (code == 404) return fleet::Status::NotFound(message);
  if (code == 400 || code == 501) return fleet::Status::BadRequest(message);
  if (code == 409) return fleet::Status::Conflict(message);
  return fleet::Status::Unavailable(message);
}

// Whether the container's logging driver rotates its file: json-file only with a max-size (the
// daemon's log-opts are merged into the container's at creation), local unless max-size is -1.
bool LogRotates(const json& inspect) {
  const auto host = inspect.find("HostConfig");
  if (host == inspect.end() || !host->is_object()) return false;
  const auto log = host->find("LogConfig");
  if (log == host->end() || !log->is_object()) return false;
  const std::string type = StringAt(*log, "Type");
  std::string max_size;
  if (const auto config = log->find("Config"); config != log->end() && config->is_object()) {
    max_size = StringAt(*config, "max-size");
  }
  if (type == "json-file") return !max_size.empty() && max_size != "-1";
  return type == "local" && max_size != "-1";
}

Container ContainerFromList(const json& j) {
  Container c;
  c.id = StringAt(j, "Id");
  if (j.contains("Names") && j["Names"].is_array() && !j["Names"].empty() && j["Names"][0].is_string()) {
    c.name = StripSlash(j["Names"][0].get<std::string>());
  }
  c.image = StringAt(j, "Image");
  c.image_id = StringAt(j, "ImageID");
  c.state = StringAt(j, "State");
  c.labels = LabelsFrom(j.value("Labels", json::object()));
  if (const auto host = j.find("HostConfig"); host != j.end() && host->is_object()) {
    c.network_mode = StringAt(*host, "NetworkMode");
  }
  if (const auto ports = j.find("Ports"); ports != j.end() && ports->is_array()) {
    for (const json& p : *ports) {
      if (!p.is_object()) continue;
      const auto private_port = PortAt(p, "PrivatePort");
      if (!private_port) continue;  // not a port a target can have
      c.ports.push_back({*private_port, PortAt(p, "PublicPort").value_or(0), StringAt(p, "IP"),
                         StringAt(p, "Type")});
    }
  }
  if (const auto settings = j.find("NetworkSettings"); settings != j.end() && settings->is_object()) {
    if (const auto networks = settings->find("Networks");
        networks != settings->end() && networks->is_object()) {
      for (const auto& [name, n] : networks->items()) {
        if (!n.is_object()) {
          c.networks[name] = std::nullopt;
          continue;
        }
        c.networks[name] = NetworkEndpoint{StringAt(n, "NetworkID"), StringAt(n, "IPAddress"),
                                           StringAt(n, "GlobalIPv6Address")};
      }
    }
  }
  return c;
}

Network NetworkFromList(const json& j) {
  Network n;
  n.id = StringAt(j, "Id");
  n.name = StringAt(j, "Name");
  n.scope = StringAt(j, "Scope");
  n.internal = BoolAt(j, "Internal");
  n.ingress = BoolAt(j, "Ingress");
  n.labels = LabelsFrom(j.value("Labels", json::object()));
  return n;
}

// A list response: a JSON array of objects, each made into a T.
template <typename T>
fleet::Result<std::vector<T>> ParseList(std::string_view body, const char* what,
                                        T (*from)(const json&)) {
  auto parsed = fleet::ParseUntrustedJson(body, kMaxResponseDepth);
  if (!parsed.ok()) return fleet::Status::Internal(std::string("docker ") + what + ": " + parsed.status().message());
  if (!parsed->is_array()) return fleet::Status::Internal(std::string("docker ") + what + ": not a JSON array");
  std::vector<T> out;
  out.reserve(parsed->size());
  for (const json& item : *parsed) {
    if (item.is_object()) out.push_back(from(item));
  }
  return out;
}

}  // namespace

fleet::Result<std::vector<Container>> ParseContainerList(std::string_view body) {
  return ParseList<Container>(body, "/containers/json", ContainerFromList);
}

fleet::Result<std::vector<Network>> ParseNetworkList(std::string_view body) {
  return ParseList<Network>(body, "/networks", NetworkFromList);
}

void StreamCancel::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void StreamCancel::Attach(int fd) {
  std::lock_guard lock(mu_);
  fd_ = fd;
  if (cancelled_ && fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

fleet::Result<std::string> DockerClient::Get(const std::string& target) const {
  asio::io_context io;
  Socket socket(io);
  FLEET_RETURN_IF_ERROR(Connect(socket, socket_path_, target));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  beast::error_code ec;
  bool answered = false;
  http::async_read(socket, buffer, parser, [&](beast::error_code e, size_t) {
    ec = e;
    answered = true;
  });
  io.run_for(request_timeout_);
  if (!answered) {
    socket.close();  // completes the read with operation_aborted
    io.run();
    return fleet::Status::Unavailable("docker " + target + ": no answer in " +
                                      std::to_string(request_timeout_.count()) + " ms");
  }
  if (ec == http::error::body_limit) {
    return fleet::Status::Unavailable("docker " + target + ": response larger than " +
                                      std::to_string(kMaxResponseBytes >> 20) + " MiB");
  }
  if (ec) return fleet::Status::Unavailable("docker " + target + ": " + ec.message());
  auto& response = parser.get();
  if (response.result_int() != 200) return StatusFor(response.result_int(), target, response.body());
  return std::move(response.body());
}

fleet::Status DockerClient::Stream(const std::string& target,
                                   const std::function<void(std::string_view)>& on_data,
                                   const std::function<void()>& on_idle,
                                   const std::function<void()>& on_open,
                                   StreamCancel& cancel) const {
  asio::io_context io;
  Socket socket(io);
  FLEET_RETURN_IF_ERROR(Connect(socket, socket_path_, target));
  cancel.Attach(socket.native_handle());
  struct Detach {
    StreamCancel& c;
    ~Detach() { c.Attach(-1); }
  } detach{cancel};

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // a stream has no end
  beast::error_code ec;
  http::read_header(socket, buffer, parser, ec);
  if (cancel.cancelled()) return fleet::Status::Ok();
  if (ec) return fleet::Status::Unavailable("docker " + target + ": " + ec.message());
  if (parser.get().result_int() != 200) {
    // The error's JSON message, as much of it as one small read gives.
    char body[kMaxErrorBodyBytes];
    parser.get().body().data = body;
    parser.get().body().size = sizeof body;
    if (!parser.is_done()) http::read_some(socket, buffer, parser, ec);
    return StatusFor(parser.get().result_int(), target,
                     std::string(body, sizeof body - parser.get().body().size));
  }
  if (on_open) on_open();
  char chunk[64 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read_some(socket, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    const size_t got = sizeof chunk - parser.get().body().size;
    if (got > 0) on_data(std::string_view(chunk, got));
    if (ec) {
      if (cancel.cancelled() || ec == http::error::end_of_stream || ec == asio::error::eof) break;
      return fleet::Status::Unavailable("docker " + target + ": " + ec.message());
    }
    // Idle: the parser had room for more body than it got and the socket has nothing waiting.
    // (The read buffer may still hold a partial chunk header; that is not body yet.)
    if (on_idle && got < sizeof chunk && socket.available(ec) == 0) on_idle();
  }
  return fleet::Status::Ok();
}

fleet::Result<std::vector<Container>> DockerClient::ListContainers(
    bool all, const ContainerFilters& filters) const {
  std::string target = "/containers/json";
  std::string query = all ? "all=1" : "";
  if (!filters.empty()) {
    // The form the daemon's Go client sends ({"label":{"a=b":true}}), which every API version reads.
    json encoded = json::object();
    for (const auto& [name, values] : filters) {
      for (const auto& value : values) encoded[name][value] = true;
    }
    query += (query.empty() ? "" : "&") + std::string("filters=") + PercentEncode(fleet::DumpJson(encoded));
  }
  if (!query.empty()) target += "?" + query;
  auto body = Get(target);
  if (!body.ok()) return body.status();
  return ParseContainerList(*body);
}

fleet::Result<std::vector<Network>> DockerClient::ListNetworks() const {
  auto body = Get("/networks");
  if (!body.ok()) return body.status();
  return ParseNetworkList(*body);
}

fleet::Result<ContainerDetails> DockerClient::Inspect(const std::string& id) const {
  const std::string target = "/containers/" + PercentEncode(id) + "/json";
  auto body = Get(target);
  if (!body.ok()) return body.status();
  try {
    const json j = json::parse(*body);
    const json& config = j.at("Config");
    const json& state = j.at("State");
    ContainerDetails d;
    d.id = j.value("Id", "");
    d.name = StripSlash(j.value("Name", ""));
    d.image = config.value("Image", "");
    d.image_id = j.value("Image", "");
    d.state = state.value("Status", "");
    d.labels = LabelsFrom(config.value("Labels", json::object()));
    d.tty = config.value("Tty", false);
    d.pid = state.value("Pid", 0);
    d.started_at_ns = TimeNs(state, "StartedAt");
    d.finished_at_ns = TimeNs(state, "FinishedAt");
    const json& driver = j.contains("GraphDriver") ? j["GraphDriver"] : json();
    if (driver.is_object() && driver.contains("Data") && driver["Data"].is_object()) {
      d.upper_dir = driver["Data"].value("UpperDir", "");
    }
    if (j.contains("HostnamePath") && j["HostnamePath"].is_string()) {
      d.hostname_path = j["HostnamePath"].get<std::string>();
    }
    d.log_rotates = LogRotates(j);
    return d;
  } catch (const json::exception& e) {
    return fleet::Status::Internal("docker " + target + ": " + e.what());
  }
}

fleet::Status DockerClient::FollowEvents(int64_t since_ns, const std::function<void()>& on_subscribed,
                                         const std::function<void(const Event&)>& on_event,
                                         StreamCancel& cancel) const {
  const std::string filters = R"({"type":["container"],"event":["start","die"]})";
  std::string pending;
  auto on_data = [&](std::string_view data) {
    pending.append(data);
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      try {
        const json j = json::parse(line);
        Event event;
        event.action = j.value("Action", j.value("status", ""));
        const json actor = j.value("Actor", json::object());
        event.id = actor.value("ID", j.value("id", ""));
        event.name = actor.value("Attributes", json::object()).value("name", "");
        event.time_ns = j.value("timeNano", int64_t{0});
        on_event(event);
      } catch (const json::exception&) {
        // Not an event object (the daemon only sends events); skip it rather than stop.
      }
    }
  };
  return Stream("/events?since=" + SinceParam(since_ns) + "&filters=" + PercentEncode(filters), on_data, nullptr,
                on_subscribed, cancel);
}

fleet::Status DockerClient::StreamLogs(const std::string& id, const LogsRequest& request,
                                       const LogDemuxer::LineFn& on_line,
                                       const std::function<void()>& on_idle,
                                       StreamCancel& cancel) const {
  std::string target = "/containers/" + PercentEncode(id) + "/logs?stdout=1&stderr=1&timestamps=1";
  if (request.follow) target += "&follow=1";
  if (request.since_ns > 0) target += "&since=" + SinceParam(request.since_ns);
  LogDemuxer demuxer(request.tty, on_line);
  auto status = Stream(
      target, [&](std::string_view data) { demuxer.Feed(data); }, on_idle, nullptr, cancel);
  // A cancelled stream may stop mid-line; that partial line is read again on resume.
  if (status.ok() && !cancel.cancelled()) demuxer.Finish();
  if (on_idle) on_idle();
  return status;
}

}  // namespace agent::docker
