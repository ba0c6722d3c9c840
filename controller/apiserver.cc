#include "controller/apiserver.h"

#include <malloc.h>

#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include "ansible-compat/inventory.h"
#include "controller/serving_certificate.h"
#include "fleet/core/crypto.h"
#include "fleet/core/json_parse.h"
#include "fleet/core/metrics.h"
#include "fleet/resource.h"
#include "fleet/status_json.h"
#include "fleet/core/text.h"

namespace controller {

using fleet::Code;
using fleet::Json;
using fleet::Status;
using web::http::http_request;
using web::http::http_response;
using web::http::methods;

namespace {

constexpr size_t kWatchBacklogLimit = 8 << 20;  // bytes unread by a watcher before it is cut off
constexpr int kDefaultWatchSeconds = 1800;
// The methods some path takes. cpprestsdk answers TRACE (echoing the request, Authorization
// header included) and OPTIONS itself unless they are routed to us, so every method is.
const std::vector<std::string> kRoutedMethods = {methods::GET, methods::POST, methods::PUT,
                                                 methods::DEL};

bool IsOpenPath(const std::vector<std::string>& seg) {
  return seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "livez" || seg[0] == "readyz" ||
                             seg[0] == "metrics" || seg[0] == "version");
}

bool IsApiPath(const std::vector<std::string>& seg) {
  return seg.size() >= 3 && seg[0] == "apis" && seg[1] == fleet::kGroup && seg[2] == fleet::kVersion;
}

// The kind whose plural is seg[3] of an API path; nullptr for anything else.
const fleet::KindInfo* KindAt(const std::vector<std::string>& seg) {
  if (!IsApiPath(seg) || seg.size() < 4) return nullptr;
  for (const auto& k : fleet::Kinds()) {
    if (k.plural == seg[3]) return &k;
  }
  return nullptr;
}

// The resource label of fleet_apiserver_requests_total, from a closed set whatever the path:
// it is recorded before authentication, so a path's own text would let anyone add series.
std::string ResourceLabel(const std::vector<std::string>& seg) {
  if (IsOpenPath(seg)) return seg[0];
  if (!IsApiPath(seg)) return "unknown";
  if (seg.size() == 3) return "discovery";
  if (seg[3] == "apply" || seg[3] == "inventory") return seg[3];
  return KindAt(seg) ? seg[3] : "unknown";
}

// The methods an API path takes (empty: no such path).
std::vector<std::string> AllowedMethods(const std::vector<std::string>& seg,
                                        const fleet::KindInfo* kind) {
  if (seg.size() == 3) return {methods::GET};
  if (seg.size() == 4 && seg[3] == "apply") return {methods::POST};
  if (seg.size() == 4 && seg[3] == "inventory") return {methods::GET};
  if (!kind) return {};
  if (seg.size() == 4) return {methods::GET, methods::POST};
  if (seg.size() == 5) return {methods::GET, methods::PUT, methods::DEL};
  if (seg.size() != 6) return {};
  if (seg[5] == "status" && kind->status_subresource) return {methods::GET, methods::PUT};
  if (kind->kind != "Host") return {};
  if (seg[5] == "events" || seg[5] == "support") return {methods::GET};
  if (seg[5] == "report") return {methods::POST};
  return {};
}

std::string Joined(const std::vector<std::string>& methods) {
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(web::uri::decode(path.substr(i, j - i)));
    i = j + 1;
  }
  return out;
}

// with_objects: include each object (10,000 hosts make ~20 MB of JSON; callers that only print
// "host/x created" do not ask for it).
Json ApplyResultJson(const fleet::ApplyResult& r, bool dry_run, bool with_objects) {
  Json results = Json::array();
  for (const auto& o : r.objects) {
    Json item = {{"ref", o.ref}, {"action", o.action}};
    if (with_objects) item["object"] = o.object;
    if (!o.via.empty()) item["via"] = o.via;
    results.push_back(std::move(item));
  }
  return {{"apiVersion", fleet::kApiVersion},
          {"kind", "ApplyResult"},
          {"metadata", {{"resourceVersion", std::to_string(r.revision)}}},
          {"dryRun", dry_run},
          {"results", results}};
}

// One streaming watch: store events are queued by the store's callback and written to the
// response by the session's own thread, so a slow client never blocks a commit.
class WatchSession {
 public:
  WatchSession(const fleet::LabelSelector& selector, fleet::Registry& registry,
               std::chrono::seconds timeout)
      : selector_(selector), registry_(registry),
        deadline_(std::chrono::steady_clock::now() + timeout) {}

  ~WatchSession() {
    Finish();
    if (thread_.joinable()) thread_.join();
  }

  concurrency::streams::istream Stream() { return buffer_.create_istream(); }

  void Push(const fleet::WatchEvent& e) {
    if (!selector_.MatchesObject(e.object)) return;
    std::string line =
        fleet::DumpJson(Json{{"type", fleet::EventTypeName(e.type)}, {"object", registry_.Redact(e.object)}}) +
        "\n";
    std::lock_guard lock(mu_);
    if (done_) return;
    queued_bytes_ += line.size();
    if (queued_bytes_ > kWatchBacklogLimit) {
      done_ = true;  // the client is not reading; end the stream rather than grow without bound
    } else {
      lines_.push_back(std::move(line));
    }
    cv_.notify_one();
  }

  void Attach(std::unique_ptr<fleet::Watch> watch) {
    std::lock_guard lock(mu_);
    watch_ = std::move(watch);
  }

  void Run() {
    thread_ = std::thread([this] { Loop(); });
  }

  void Finish() {
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_one();
  }

  bool Finished() {
    std::lock_guard lock(mu_);
    return finished_;
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait_until(lock, deadline_, [&] { return done_ || !lines_.empty(); });
      while (!lines_.empty()) {
        std::string line = std::move(lines_.front());
        lines_.pop_front();
        queued_bytes_ -= line.size();
        lock.unlock();
        bool backlog = buffer_.in_avail() > kWatchBacklogLimit;
        if (!backlog) {
          buffer_.putn_nocopy(reinterpret_cast<const uint8_t*>(line.data()), line.size()).wait();
          // sync() lets the server's pending read return what is there now, not a full chunk.
          buffer_.sync().wait();
        }
        lock.lock();
        if (backlog) done_ = true;
      }
      if (done_ || std::chrono::steady_clock::now() >= deadline_) break;
    }
    std::unique_ptr<fleet::Watch> watch = std::move(watch_);
    lock.unlock();
    watch.reset();  // unsubscribe before closing, outside our lock (the store calls Push)
    buffer_.close(std::ios_base::out).wait();
    lock.lock();
    finished_ = true;
  }

  fleet::LabelSelector selector_;
  fleet::Registry& registry_;
  std::chrono::steady_clock::time_point deadline_;
  concurrency::streams::producer_consumer_buffer<uint8_t> buffer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> lines_;
  size_t queued_bytes_ = 0;
  bool done_ = false;
  bool finished_ = false;
  std::unique_ptr<fleet::Watch> watch_;
  std::thread thread_;
};

struct Request {
  http_request http;
  std::string verb;      // Kubernetes verb: get, list, watch, create, update, delete, or other
  std::string resource;  // ResourceLabel
  std::map<std::string, std::string> query;
  bool body_read = false;        // to its end, by WithBody
  std::string allow;             // the Allow header of a 405
  std::string kind{}, name{};    // the object the request is about, for an error's details
};

// Whether the client sends a body (which cpprestsdk reads into memory unless told to stop).
bool HasBody(const http_request& http) {
  return http.headers().has(web::http::header_names::transfer_encoding) ||
         http.headers().content_length() > 0;
}

// Makes cpprestsdk stop reading a body we will not read: it writes what arrives into the
// request's stream buffer, keeping all of it in memory; once the buffer is closed with an error
// its next write fails and it reads no more. The reply must then close the connection, since
// the rest of the body is still on its way.
void AbandonBody(http_request& http) {
  try {
    http.body()
        .streambuf()
        .close(std::ios_base::in | std::ios_base::out,
               std::make_exception_ptr(std::runtime_error("request body refused")))
        .wait();
  } catch (const std::exception& e) {
    spdlog::debug("abandoning a request body: {}", e.what());
  }
}

Status BodyTooLarge(size_t max, const char* flag, const std::string& size) {
  return Status::TooLarge("request body" + size + " is larger than the limit of " +
                          std::to_string(max) + " bytes (" + flag + ")");
}

// One body being read: as it arrives, in continuations, so that a slow client holds no thread
// (cpprestsdk has 40 for every connection; blocking on extract_string held one per sender).
struct BodyRead {
  concurrency::streams::streambuf<uint8_t> in;
  size_t max;
  const char* flag;
  size_t declared;  // Content-Length, 0 when chunked
  std::function<void(fleet::Result<std::string>)> done;
  std::string text;
  std::vector<uint8_t> chunk;
};

void ReadMore(std::shared_ptr<BodyRead> b) {
  b->in.getn(b->chunk.data(), b->chunk.size()).then([b](pplx::task<size_t> t) {
    size_t n = 0;
    try {
      n = t.get();
    } catch (const std::exception& e) {
      return b->done(Status::BadRequest(std::string("reading the request body: ") + e.what()));
    }
    if (n == 0 && b->declared && b->text.size() != b->declared) {
      // The connection ended early (cpprestsdk ends the stream rather than failing it).
      return b->done(Status::BadRequest("request body ended after " + std::to_string(b->text.size()) +
                                        " of " + std::to_string(b->declared) + " bytes"));
    }
    if (n == 0) return b->done(std::move(b->text));
    if (b->text.size() + n > b->max) return b->done(BodyTooLarge(b->max, b->flag, ""));
    b->text.append(reinterpret_cast<const char*>(b->chunk.data()), n);
    ReadMore(b);
  });
}

// Calls done with the whole body, or with kTooLarge past max bytes (declared: at once, unread).
void ReadBody(const http_request& http, size_t max, const char* flag,
              std::function<void(fleet::Result<std::string>)> done) {
  const auto declared = http.headers().content_length();
  if (declared > max) return done(BodyTooLarge(max, flag, " of " + std::to_string(declared) + " bytes"));
  ReadMore(std::make_shared<BodyRead>(BodyRead{http.body().streambuf(), max, flag,
                                                static_cast<size_t>(declared), std::move(done), "",
                                                std::vector<uint8_t>(64 << 10)}));
}

}  // namespace

struct ApiServer::Impl {
  Impl(fleet::Registry& r, std::string t) : registry(r), token(std::move(t)) {}

  fleet::Registry& registry;
  const std::string token;
  ApiLimits limits;
  AgentReportHooks reports;
  ApiServer::SupportBundleFetch support;
  std::function<void(std::vector<fleet::metrics::Family>*)> extra_metrics;
  ServingCertificate* certificate = nullptr;
  std::unique_ptr<web::http::experimental::listener::http_listener> listener;
  fleet::metrics::CounterVec requests{"fleet_apiserver_requests_total",
                                      "API requests by verb, resource and HTTP code.",
                                      {"verb", "resource", "code"}};
  fleet::metrics::HistogramVec latency{"fleet_apiserver_request_duration_seconds",
                                       "API request latency (for watches, until the stream starts).",
                                       fleet::metrics::HistogramVec::DefaultBuckets(),
                                       {"verb", "resource"}};
  std::mutex watches_mu;
  std::list<std::unique_ptr<WatchSession>> watches;
  // Bodies being read (WithBody): Stop waits for them, as their continuations use this Impl.
  std::mutex body_reads_mu;
  std::condition_variable body_reads_cv;
  int body_reads = 0;

  void Reply(Request& r, int code, const std::string& body, const std::string& content_type,
             std::chrono::steady_clock::time_point start) {
    http_response resp(static_cast<web::http::status_code>(code));
    resp.set_body(body, content_type);
    if (!r.allow.empty()) resp.headers().add(web::http::header_names::allow, r.allow);
    EndUnreadBody(r, resp);
    // Counted before the answer leaves, so a client that has its answer finds its request in
    // /metrics (a test read /metrics twice and, under load, the first read's series appeared
    // only after the second). reply() only queues the write: the latency is the same.
    Observe(r, code, start);
    r.http.reply(resp).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception& e) {
        spdlog::debug("reply failed: {}", e.what());
      }
    });
  }

  // A body we did not read (refused before reading, or too large) is abandoned and the
  // connection closed after the reply, so that no client can make us buffer what it sends.
  static void EndUnreadBody(Request& r, http_response& resp) {
    if (r.body_read || !HasBody(r.http)) return;
    AbandonBody(r.http);
    resp.headers().add(web::http::header_names::connection, "close");
  }

  void Observe(const Request& r, int code, std::chrono::steady_clock::time_point start) {
    requests.Add({r.verb, r.resource, std::to_string(code)});
    latency.Observe({r.verb, r.resource},
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  void ReplyJson(Request& r, int code, const Json& body, std::chrono::steady_clock::time_point s) {
    Reply(r, code, fleet::DumpJson(body), "application/json", s);
  }

  void ReplyStatus(Request& r, const Status& st, std::chrono::steady_clock::time_point s) {
    if (st.code() == Code::kInternal || st.code() == Code::kUnavailable) {
      spdlog::error("{} {}: {}", r.verb, r.resource, st.ToString());
    }
    ReplyJson(r, st.ok() ? 200 : fleet::HttpStatusFor(st.code()), fleet::StatusToJson(st, r.kind, r.name), s);
  }

  bool Authorized(const http_request& req) {
    auto h = req.headers().find("Authorization");
    if (h == req.headers().end()) return false;
    const std::string& v = h->second;
    return v.rfind("Bearer ", 0) == 0 && fleet::ConstantTimeEquals(v.substr(7), token);
  }

  void Handle(http_request http) {
    auto start = std::chrono::steady_clock::now();
    Request r{http, "other", "unknown", {}, false, ""};
    Guarded(r, start, [&] {
      for (auto& [k, v] : web::uri::split_query(http.request_uri().query())) {
        r.query[web::uri::decode(k)] = web::uri::decode(v);
      }
      Route(r, SplitPath(http.relative_uri().path()), http.method(), start);
    });
  }

  // Handles a request (or its part after the body arrived) with fn.
  void Guarded(Request& r, std::chrono::steady_clock::time_point start, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const web::uri_exception& e) {
      ReplyStatus(r, Status::BadRequest(std::string("request URI: ") + e.what()), start);
    } catch (const std::exception& e) {
      // cpprestsdk and nlohmann report through exceptions; nothing may escape a handler.
      ReplyStatus(r, Status::Internal(e.what()), start);
    }
    // A large apply or list allocates hundreds of MB of short-lived JSON; give it back to the
    // OS now instead of keeping it in malloc's free lists for the life of the process.
    if (r.verb == "apply" || r.verb == "list") malloc_trim(0);
  }

  // Reads the body without holding a thread while it arrives, parses it, and calls use with it
  // on a pool thread; a body too large or not JSON is answered here.
  void WithBody(Request& r, std::chrono::steady_clock::time_point start,
                std::function<void(Request&, Json)> use) {
    const bool apply = r.verb == "apply";
    {
      std::lock_guard lock(body_reads_mu);
      ++body_reads;
    }
    ReadBody(r.http, apply ? limits.max_apply_bytes : limits.max_request_bytes,
             apply ? "--max-apply-bytes" : "--max-request-bytes",
             [this, r, start, use = std::move(use)](fleet::Result<std::string> text) mutable {
               r.body_read = text.ok();
               Guarded(r, start, [&] {
                 if (!text.ok()) return ReplyStatus(r, text.status(), start);
                 auto parsed = fleet::ParseUntrustedJson(*text);
                 if (!parsed.ok()) {
                   return ReplyStatus(r, parsed.status().WithContext("request body"), start);
                 }
                 std::string().swap(*text);
                 use(r, std::move(*parsed));
               });
               std::lock_guard lock(body_reads_mu);
               if (--body_reads == 0) body_reads_cv.notify_all();
             });
  }

  void Route(Request& r, const std::vector<std::string>& seg, const std::string& method,
             std::chrono::steady_clock::time_point start) {
    r.resource = ResourceLabel(seg);
    r.verb = "other";
    if (std::find(kRoutedMethods.begin(), kRoutedMethods.end(), method) == kRoutedMethods.end()) {
      return MethodNotAllowed(r, method, kRoutedMethods, start);
    }
    if (IsOpenPath(seg)) {
      r.verb = "get";
      if (method != methods::GET) return MethodNotAllowed(r, method, {methods::GET}, start);
      return OpenPath(r, seg[0], start);
    }
    const fleet::KindInfo* kind = KindAt(seg);
    if (kind && kind->kind == "Host" && seg.size() == 6 && seg[5] == "report" &&
        method == methods::POST) {
      r.verb = "report";
      return Report(r, seg[4], start);
    }
    bool collection = seg.size() == 4;
    bool watch = r.query["watch"] == "true" || r.query["watch"] == "1";
    r.verb = method == methods::GET    ? (collection ? (watch ? "watch" : "list") : "get")
             : method == methods::POST ? "create"
             : method == methods::PUT  ? "update"
                                       : "delete";
    if (!Authorized(r.http)) {
      return ReplyStatus(r, Status::Unauthorized("a valid bearer token is required"), start);
    }
    if (!IsApiPath(seg)) {
      return ReplyStatus(r, Status::NotFound("no such path; resources are under /apis/" +
                                             std::string(fleet::kApiVersion) + "/"), start);
    }
    const auto allowed = AllowedMethods(seg, kind);
    if (allowed.empty()) return ReplyStatus(r, Status::NotFound(NoSuchPath(seg, kind)), start);
    if (std::find(allowed.begin(), allowed.end(), method) == allowed.end()) {
      return MethodNotAllowed(r, method, allowed, start);
    }
    bool dry_run = r.query.count("dryRun") && r.query["dryRun"] == "All";
    if (r.query.count("dryRun") && !dry_run) {
      return ReplyStatus(r, Status::Invalid("", {{fleet::kFieldValueNotSupported, "dryRun", "supported values: \"All\""}}),
                         start);
    }
    if (seg.size() == 3) return Discovery(r, start);
    if (seg[3] == "inventory") return Inventory(r, start);
    if (seg[3] == "apply") {
      r.verb = "apply";
      return WithBody(r, start, [this, dry_run, start](Request& r, Json body) {
        BulkApply(r, dry_run, start, std::move(body));
      });
    }
    if (seg.size() == 4) {
      if (method == methods::GET) return ListOrWatch(r, *kind, start);
      r.kind = kind->kind;
      return WithBody(r, start, [this, kind, dry_run, start](Request& r, Json body) {
        if (!body.is_object()) return ReplyStatus(r, NotAnObject(*kind), start);
        Respond(r, registry.Create(*kind, std::move(body), dry_run), 201, start);
      });
    }
    if (seg.size() == 6 && seg[5] == "events") {
      auto host = registry.Get(*kind, seg[4]);
      if (!host.ok()) return ReplyStatus(r, host.status(), start);
      Json items = reports.events ? reports.events(seg[4]) : Json::array();
      return ReplyJson(r, 200, {{"apiVersion", "v1"}, {"kind", "EventList"}, {"items", items}}, start);
    }
    if (seg.size() == 6 && seg[5] == "support") {
      r.verb = "support";
      return SupportBundle(r, seg[4], start);
    }
    const std::string name = seg[4];
    const bool status = seg.size() == 6;
    r.kind = kind->kind;
    r.name = name;
    if (method == methods::GET) {
      auto got = registry.Get(*kind, name);
      if (got.ok() && kind->kind == "Host") *got = Overlaid(std::move(*got));
      return Respond(r, std::move(got), 200, start);
    }
    if (method == methods::PUT) {
      return WithBody(r, start, [this, kind, name, status, dry_run, start](Request& r, Json body) {
        if (!body.is_object()) return ReplyStatus(r, NotAnObject(*kind), start);
        Respond(r, status ? registry.UpdateStatus(*kind, name, std::move(body), dry_run)
                          : registry.Update(*kind, name, std::move(body), dry_run),
                200, start);
      });
    }
    // DELETE; ?force=true: gone now, finalizers or not (for a host that will never be reachable).
    const bool force = r.query.count("force") && r.query["force"] == "true";
    auto res = registry.Delete(*kind, name, dry_run, force);
    if (!res.ok()) return ReplyStatus(r, res.status(), start);
    ReplyJson(r, 200, ApplyResultJson(*res, dry_run, true), start);
  }

  // JSON that cannot be decoded into an object at all is a bad request, as kube-apiserver
  // answers it (400); an object with invalid fields is 422.
  static Status NotAnObject(const fleet::KindInfo& kind) {
    return Status::BadRequest("the body must be a JSON object (a " + kind.kind + ")");
  }

  static std::string NoSuchPath(const std::vector<std::string>& seg, const fleet::KindInfo* kind) {
    if (!kind) return "the server has no resource \"" + seg[3] + "\"";
    if (seg.size() == 6 && seg[5] == "status") return kind->plural + " have no status subresource";
    return "no such path under " + kind->plural;
  }

  void MethodNotAllowed(Request& r, const std::string& method, const std::vector<std::string>& allowed,
                        std::chrono::steady_clock::time_point start) {
    r.allow = Joined(allowed);
    ReplyStatus(r, Status(Code::kMethodNotAllowed,
                          "method " + method + " is not allowed here; allowed: " + r.allow),
                start);
  }

  void OpenPath(Request& r, const std::string& path, std::chrono::steady_clock::time_point start) {
    if (path == "metrics") {
      std::string text;
      std::vector<fleet::metrics::Family> families = {requests.Collect(), latency.Collect()};
      if (extra_metrics) extra_metrics(&families);
      fleet::metrics::WriteText(families, &text);
      return Reply(r, 200, text, fleet::metrics::kTextContentType, start);
    }
    if (path == "version") return ReplyJson(r, 200, {{"version", VPSFLEET_VERSION}}, start);
    // healthz, livez, readyz: the store is opened before the listener starts, so serving at all
    // means ready.
    Reply(r, 200, "ok", "text/plain", start);
  }

  void SupportBundle(Request& r, const std::string& host,
                     std::chrono::steady_clock::time_point start) {
    if (!support) {
      return ReplyStatus(r, Status::Unavailable("support bundles travel the delivery path; "
                                                "start the controller with --agent-bundle"),
                         start);
    }
    int duration = 0;
    const std::string d = r.query["duration"];
    if (!d.empty()) {
      if (d.size() > 3 || !std::all_of(d.begin(), d.end(), ::isdigit)) {
        return ReplyStatus(r, Status::Invalid("duration: a whole number of seconds"), start);
      }
      duration = std::stoi(d);
    }
    auto bundle = support(host, duration);
    if (!bundle.ok()) return ReplyStatus(r, bundle.status(), start);
    Reply(r, 200, *bundle, "application/gzip", start);
  }

  // Agents authenticate with their host's own token, not the user token; the token is checked
  // before the body is read, so that no unauthenticated client makes us read or parse anything.
  void Report(Request& r, const std::string& host, std::chrono::steady_clock::time_point start) {
    if (!reports.receive) {
      return ReplyStatus(r, Status::NotFound("this controller takes no health reports: it was "
                                             "started without --agent-bundle"), start);
    }
    auto h = r.http.headers().find("Authorization");
    std::string bearer;
    if (h != r.http.headers().end() && h->second.rfind("Bearer ", 0) == 0) bearer = h->second.substr(7);
    if (Status st = reports.authenticate(host, bearer); !st.ok()) return ReplyStatus(r, st, start);
    WithBody(r, start, [this, host, bearer, start](Request& r, Json body) {
      Status st = reports.receive(host, bearer, body);
      if (!st.ok()) return ReplyStatus(r, st, start);
      ReplyJson(r, 200, {{"kind", "Status"}, {"status", "Success"}}, start);
    });
  }

  Json Overlaid(Json host) {
    if (reports.overlay) reports.overlay(host);
    return host;
  }

  void Respond(Request& r, fleet::Result<Json> result, int ok_code,
               std::chrono::steady_clock::time_point start) {
    if (!result.ok()) return ReplyStatus(r, result.status(), start);
    ReplyJson(r, ok_code, *result, start);
  }

  void Discovery(Request& r, std::chrono::steady_clock::time_point start) {
    Json resources = Json::array();
    for (const auto& k : fleet::Kinds()) {
      resources.push_back({{"name", k.plural},
                           {"singularName", k.singular},
                           {"kind", k.kind},
                           {"namespaced", false},
                           {"shortNames", k.short_names},
                           {"verbs", {"create", "delete", "get", "list", "update", "watch"}}});
      if (k.status_subresource) {
        resources.push_back({{"name", k.plural + "/status"},
                             {"kind", k.kind},
                             {"namespaced", false},
                             {"verbs", {"get", "update"}}});
      }
    }
    ReplyJson(r, 200, {{"kind", "APIResourceList"}, {"groupVersion", fleet::kApiVersion},
                       {"resources", resources}}, start);
  }

  // The Hosts labelSelector selects as an Ansible dynamic inventory: ?host=NAME for one host's
  // variables (--host), else the whole answer to --list.
  void Inventory(Request& r, std::chrono::steady_clock::time_point start) {
    const fleet::KindInfo& hosts = *fleet::FindKind("Host");
    auto selector = fleet::LabelSelector::Parse(r.query["labelSelector"]);
    if (!selector.ok()) return ReplyStatus(r, selector.status(), start);
    const std::string name = r.query["host"];
    r.verb = name.empty() ? "list" : "get";
    if (!name.empty()) {
      auto host = registry.Get(hosts, name);
      if (host.status().code() == fleet::Code::kNotFound) {
        // An imported host is known to Ansible by the hostname it was imported under.
        auto all = registry.List(hosts, fleet::LabelSelector());
        if (!all.ok()) return ReplyStatus(r, all.status(), start);
        for (const Json& item : all->items) {
          if (ansible_compat::InventoryHostname(item) == name) host = item;
        }
      }
      if (!host.ok()) return ReplyStatus(r, host.status(), start);
      if (!selector->MatchesObject(*host)) {
        return ReplyStatus(r, Status::NotFound("host \"" + name + "\" is not selected by \"" +
                                               fleet::ShownName(r.query["labelSelector"]) + "\""),
                           start);
      }
      return ReplyJson(r, 200, ansible_compat::HostVars(*host), start);
    }
    auto list = registry.List(hosts, *selector);
    if (!list.ok()) return ReplyStatus(r, list.status(), start);
    ReplyJson(r, 200, ansible_compat::InventoryList(list->items), start);
  }

  void BulkApply(Request& r, bool dry_run, std::chrono::steady_clock::time_point start,
                 Json body) {
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) {
      return ReplyStatus(r, Status::BadRequest("body must be a List with items"), start);
    }
    std::vector<Json> items;
    for (auto& i : body["items"]) items.push_back(std::move(i));
    auto res = registry.Apply(std::move(items), dry_run);
    if (!res.ok()) return ReplyStatus(r, res.status(), start);
    ReplyJson(r, 200, ApplyResultJson(*res, dry_run, r.query["objects"] == "true"), start);
  }

  void ListOrWatch(Request& r, const fleet::KindInfo& kind,
                   std::chrono::steady_clock::time_point start) {
    auto selector = fleet::LabelSelector::Parse(r.query["labelSelector"]);
    if (!selector.ok()) return ReplyStatus(r, selector.status(), start);
    if (r.verb == "list") {
      auto list = registry.List(kind, *selector);
      if (!list.ok()) return ReplyStatus(r, list.status(), start);
      if (kind.kind == "Host") {
        for (auto& item : list->items) item = Overlaid(std::move(item));
      }
      Json body = {{"apiVersion", fleet::kApiVersion},
                   {"kind", kind.list_kind},
                   {"metadata", {{"resourceVersion", std::to_string(list->revision)}}},
                   {"items", std::move(list->items)}};
      return ReplyJson(r, 200, body, start);
    }
    int64_t from = 0;
    int timeout = kDefaultWatchSeconds;
    try {
      if (!r.query["resourceVersion"].empty()) from = std::stoll(r.query["resourceVersion"]);
      if (!r.query["timeoutSeconds"].empty()) timeout = std::stoi(r.query["timeoutSeconds"]);
    } catch (const std::exception&) {
      return ReplyStatus(r, Status::BadRequest("resourceVersion and timeoutSeconds must be integers"), start);
    }
    auto session = std::make_unique<WatchSession>(*selector, registry, std::chrono::seconds(timeout));
    WatchSession* s = session.get();
    if (from == 0) {
      // Like Kubernetes: no resourceVersion means "current state as ADDED events, then changes".
      auto list = registry.store().List(kind.kind);
      if (!list.ok()) return ReplyStatus(r, list.status(), start);
      for (auto& item : list->items) {
        s->Push({fleet::EventType::kAdded, list->revision, kind.kind, std::move(item)});
      }
      from = list->revision;
    }
    auto w = registry.store().WatchFrom(kind.kind, from, [s](const fleet::WatchEvent& e) { s->Push(e); });
    if (!w.ok()) {
      return ReplyStatus(r, Status(Code::kInvalid, "watch: " + w.status().message()), start);
    }
    s->Attach(std::move(*w));
    http_response resp(200);
    resp.headers().set_content_type("application/json");
    resp.set_body(s->Stream());
    EndUnreadBody(r, resp);
    Observe(r, 200, start);  // before the stream starts, as Reply does
    r.http.reply(resp).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (const std::exception& e) {
        spdlog::debug("watch stream ended: {}", e.what());
      }
    });
    s->Run();
    std::lock_guard lock(watches_mu);
    watches.remove_if([](const std::unique_ptr<WatchSession>& w) { return w->Finished(); });
    watches.push_back(std::move(session));
  }
};

void ApiServer::SetSupportBundleFetch(SupportBundleFetch fetch) {
  impl_->support = std::move(fetch);
}

ApiServer::ApiServer(fleet::Registry& registry, std::string bearer_token)
    : impl_(std::make_unique<Impl>(registry, std::move(bearer_token))) {}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::SetLimits(ApiLimits limits) { impl_->limits = limits; }

void ApiServer::SetAgentReportHooks(AgentReportHooks hooks) { impl_->reports = std::move(hooks); }

void ApiServer::SetExtraMetrics(std::function<void(std::vector<fleet::metrics::Family>*)> gather) {
  impl_->extra_metrics = std::move(gather);
}

void ApiServer::SetServingCertificate(ServingCertificate* certificate) {
  impl_->certificate = certificate;
}

Status ApiServer::Start(const std::string& address) {
  using web::http::experimental::listener::http_listener;
  web::http::experimental::listener::http_listener_config config;
  if (ServingCertificate* certificate = impl_->certificate) {
    // cpprestsdk builds a context per connection and calls this for it, so each connection
    // gets the certificate files as they are now. A system_error drops only that connection.
    config.set_ssl_context_callback([certificate](boost::asio::ssl::context& ctx) {
      if (fleet::Status st = certificate->Configure(ctx.native_handle()); !st.ok()) {
        spdlog::error("{}", st.message());
        throw boost::system::system_error(boost::asio::error::no_protocol_option);
      }
    });
  }
  try {
    impl_->listener = std::make_unique<http_listener>(
        web::uri((impl_->certificate ? "https://" : "http://") + address), config);
    impl_->listener->support([this](http_request req) { impl_->Handle(std::move(req)); });
    // cpprestsdk answers these itself (TRACE echoing the request) unless they have handlers.
    for (const auto& m : {methods::TRCE, methods::OPTIONS}) {
      impl_->listener->support(m, [this](http_request req) { impl_->Handle(std::move(req)); });
    }
    impl_->listener->open().wait();
  } catch (const std::exception& e) {
    impl_->listener.reset();
    return Status::Unavailable("listening on " + address + ": " + e.what());
  }
  return Status::Ok();
}

void ApiServer::Stop() {
  if (!impl_->listener) return;
  {
    std::lock_guard lock(impl_->watches_mu);
    for (auto& w : impl_->watches) w->Finish();
    impl_->watches.clear();  // joins each session's thread
  }
  try {
    impl_->listener->close().wait();
  } catch (const std::exception& e) {
    spdlog::warn("closing listener: {}", e.what());
  }
  {
    // Closing the connections ended the bodies still arriving.
    std::unique_lock lock(impl_->body_reads_mu);
    impl_->body_reads_cv.wait(lock, [this] { return impl_->body_reads == 0; });
  }
  impl_->listener.reset();
}

}  // namespace controller
