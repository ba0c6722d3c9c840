#include "tests/e2e/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <random>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "fleet/core/files.h"

extern char** environ;

namespace e2e {
namespace fs = std::filesystem;

std::string SourceDir() { return VPSFLEET_SOURCE_DIR; }
std::string BinaryDir() { return VPSFLEET_BINARY_DIR; }
std::string Bin(const std::string& name) { return BinaryDir() + "/bin/" + name; }

namespace {

// The kernel's ephemeral range (ip_local_port_range): local ports of outgoing connections.
std::pair<int, int> EphemeralPorts() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 32768, hi = 60999;
  in >> lo >> hi;
  return {lo, hi};
}

bool Bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int FreePort() {
  // bind(0) hands out a port the moment an earlier holder closed it, and test binaries run side
  // by side: two of them drew the same port (a test then scraped another test's agent). So a
  // port is claimed with a lock file every test process checks, held (flock) until this process
  // exits, and drawn below the ephemeral range so no outgoing connection is using it either.
  static std::mutex mu;
  std::lock_guard lock(mu);
  static std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(::getpid()));
  const std::string dir = "/tmp/vpsfleet-test-ports";
  ::mkdir(dir.c_str(), 01777);
  const auto [ephemeral_lo, ephemeral_hi] = EphemeralPorts();
  const int lo = 10000, hi = std::max(lo + 1000, ephemeral_lo - 1);
  std::uniform_int_distribution<int> pick(lo, hi);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    const int port = pick(rng);
    if (port >= ephemeral_lo && port <= ephemeral_hi) continue;
    const std::string claim = dir + "/" + std::to_string(port);
    const int fd = ::open(claim.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || !Bindable(port)) {
      ::close(fd);
      continue;
    }
    return port;  // fd stays open: the claim lasts as long as this process
  }
  throw std::runtime_error("FreePort: no free port below the ephemeral range");
}

namespace {

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> MergedEnv(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// fork+exec with stdin/stdout/stderr redirected to the given fds; returns the child's pid.
int Spawn(std::vector<std::string> argv, const std::map<std::string, std::string>& extra_env,
          int in_fd, int out_fd, int err_fd) {
  auto env_strings = MergedEnv(extra_env);
  auto cargv = CStrings(argv);
  auto cenv = CStrings(env_strings);
  int pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);  // own process group, so Stop() reaches its children too
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execvpe(cargv[0], cargv.data(), cenv.data());  // PATH lookup for bare names (promtool)
    std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

}  // namespace

Process::Process(std::vector<std::string> argv, std::map<std::string, std::string> extra_env,
                 std::string log_path)
    : log_path_(std::move(log_path)) {
  if (log_path_.empty()) {
    char tmpl[] = "/tmp/vpsfleet-e2e-log-XXXXXX";
    int fd = ::mkstemp(tmpl);
    ::close(fd);
    log_path_ = tmpl;
    own_log_ = true;
  }
  int out = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_ = Spawn(std::move(argv), extra_env, devnull, out, out);
  ::close(out);
  ::close(devnull);
}

Process::~Process() {
  if (Running()) Stop(SIGTERM);
  if (own_log_) ::unlink(log_path_.c_str());
}

bool Process::Running() {
  if (reaped_) return false;
  int st = 0;
  int r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = st;
    return false;
  }
  return r == 0;
}

int Process::Stop(int sig, std::chrono::milliseconds timeout) {
  if (!Running()) return status_;
  ::kill(-pid_, sig);
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  reaped_ = true;
  status_ = st;
  return -1;
}

std::string Process::Log() const { return ReadFile(log_path_); }

CommandResult Run(const std::vector<std::string>& argv, const std::string& stdin_data,
                  std::map<std::string, std::string> extra_env, std::chrono::seconds timeout) {
  char in_t[] = "/tmp/vpsfleet-run-in-XXXXXX", out_t[] = "/tmp/vpsfleet-run-out-XXXXXX",
       err_t[] = "/tmp/vpsfleet-run-err-XXXXXX";
  int in = ::mkstemp(in_t), out = ::mkstemp(out_t), err = ::mkstemp(err_t);
  if (::write(in, stdin_data.data(), stdin_data.size()) < 0) { /* empty stdin then */ }
  ::lseek(in, 0, SEEK_SET);
  int pid = Spawn(argv, extra_env, in, out, err);
  ::close(in);
  ::close(out);
  ::close(err);
  CommandResult r;
  int st = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int w = ::waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      r.err = "timed out\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = ReadFile(out_t);
  r.err += ReadFile(err_t);
  ::unlink(in_t);
  ::unlink(out_t);
  ::unlink(err_t);
  return r;
}

namespace {

std::string DecodeChunked(const std::string& body) {
  std::string out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    size_t n = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
    if (n == 0) break;
    out.append(body, eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

}  // namespace

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  for (size_t pos = 0; pos < data.size();) {
    ssize_t n = ::send(fd, data.data() + pos, data.size() - pos, MSG_NOSIGNAL);
    if (n <= 0) return false;
    pos += n;
  }
  return true;
}

HttpResponse Http(const std::string& method, int port, const std::string& target,
                  const std::string& body, std::map<std::string, std::string> headers,
                  std::chrono::milliseconds timeout) {
  HttpResponse resp;
  int fd = ConnectLoopback(port);
  if (fd < 0) return resp;
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                    std::to_string(port) + "\r\nConnection: close\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n";
  for (auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return resp;
  }
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, n);
  }
  ::close(fd);
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return resp;
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  if (line.size() > 12) resp.status = std::stoi(line.substr(9, 3));
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, colon);
    for (auto& c : k) c = static_cast<char>(std::tolower(c));
    std::string v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    resp.headers[k] = v;
  }
  resp.body = raw.substr(head_end + 4);
  if (resp.headers["transfer-encoding"] == "chunked") resp.body = DecodeChunked(resp.body);
  return resp;
}

std::string ReadFile(const std::string& path) {
  auto text = fleet::ReadFileText(path);
  return text.ok() ? std::move(text).value() : "";
}

std::string Indent(const std::string& text, int n) {
  std::string out, pad(n, ' ');
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += pad + line + "\n";
  return out;
}

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

Controller::Controller(std::filesystem::path dir, std::vector<std::string> flags,
                       std::optional<ControllerTls> tls)
    : dir_(std::move(dir)), flags_(std::move(flags)), tls_(std::move(tls)), port_(FreePort()) {
  // FLEETCTL_SERVER and FLEETCTL_TOKEN override the context's server and token; the CA is its own.
  if (tls_) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "fleetctl.yaml")
        << "currentContext: harness\ncontexts:\n  harness: {certificateAuthority: '" << tls_->ca_file << "'}\n";
  }
}

bool Controller::Start(const std::vector<std::string>& extra_flags) {
  std::vector<std::string> argv = {Bin("fleet-controller"), "--data-dir", (dir_ / "controller").string(),
                                   "--listen", "127.0.0.1:" + std::to_string(port_)};
  if (tls_) argv.insert(argv.end(), {"--tls-cert-file", tls_->cert_file, "--tls-private-key-file", tls_->key_file});
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  process_.reset();  // a previous run, stopped or not
  process_ = std::make_unique<Process>(argv);
  auto ready = [&] {
    if (!tls_) return Http("GET", port_, "/readyz").status == 200;
    return Run({"curl", "-sf", "--max-time", "5", "--cacert", tls_->ca_file, url() + "/readyz"}).exit_code == 0;
  };
  return WaitFor(ready, std::chrono::seconds(15));
}

std::string Controller::token() const {
  std::string t = ReadFile(token_file());
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

std::map<std::string, std::string> Controller::FleetctlEnv() const {
  return {{"FLEETCTL_SERVER", url()},
          {"FLEETCTL_TOKEN", token()},
          {"FLEETCTL_CONFIG", (dir_ / "fleetctl.yaml").string()}};
}

CommandResult Controller::Fleetctl(std::vector<std::string> args, const std::string& stdin_data,
                                   std::chrono::seconds timeout) const {
  args.insert(args.begin(), Bin("fleetctl"));
  return Run(args, stdin_data, FleetctlEnv(), timeout);
}

}  // namespace e2e
