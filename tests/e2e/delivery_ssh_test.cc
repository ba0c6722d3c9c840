// Delivery over real sshd hosts on loopback: host key policies, atomic upload, hashing, quoted
// commands, failure codes, and (below) installing and restarting the agent.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "controller/agent_service.h"
#include "controller/bundle.h"
#include "controller/session_pool.h"
#include "controller/tailscale.h"
#include "controller/transport.h"
#include "fleet/core/crypto.h"
#include "tests/e2e/ssh_hosts.h"

namespace e2e {
namespace {

using controller::SshTarget;
using fleet::Code;

class DeliverySsh : public ::testing::Test {
 protected:
  std::unique_ptr<controller::RemoteSession> ConnectOrDie(const SshTarget& target) {
    auto session = transport_->Connect(target);
    EXPECT_TRUE(session.ok()) << session.status().ToString() << host_.Log();
    return session.ok() ? std::move(session).value() : nullptr;
  }

  SshHost host_;
  std::unique_ptr<controller::Transport> transport_ = controller::NewSshTransport();
};

TEST_F(DeliverySsh, PinnedKeyConnectsAndReportsTheKeySeen) {
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  EXPECT_EQ(session->host_key(), host_.host_public_key());
}

TEST_F(DeliverySsh, HostKeyPoliciesTable) {
  const std::string known_hosts = host_.dir() / "known_hosts";
  std::ofstream(known_hosts) << "[127.0.0.1]:" << host_.port() << " " << host_.host_public_key()
                             << "\n";
  const std::string other_known_hosts = host_.dir() / "other_known_hosts";
  std::ofstream(other_known_hosts) << "[127.0.0.1]:" << host_.port()
                                   << " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmdhkz7cUXgvUR8lAkk6/pv4SmOsgdnjzDyIZn2h47u\n";
  using Policy = SshTarget::HostKeyPolicy;
  const struct {
    const char* name;
    bool pin;
    std::string known_hosts_file;
    Policy policy;
    std::string want_prefix;  // "" = connects
  } cases[] = {
      {"pinned", true, "", Policy::kStrict, ""},
      {"strict without key", false, "", Policy::kStrict, "host key unknown"},
      {"accept-new without key", false, "", Policy::kAcceptNew, ""},
      {"known_hosts entry", false, known_hosts, Policy::kStrict, ""},
      {"known_hosts other key", false, other_known_hosts, Policy::kAcceptNew, "host key mismatch"},
  };
  for (const auto& c : cases) {
    SshTarget target = TargetFor(host_);
    if (!c.pin) target.expected_host_key.clear();
    target.known_hosts_file = c.known_hosts_file;
    target.policy = c.policy;
    auto session = transport_->Connect(target);
    if (c.want_prefix.empty()) {
      ASSERT_TRUE(session.ok()) << c.name << ": " << session.status().ToString();
      EXPECT_EQ((*session)->host_key(), host_.host_public_key()) << c.name;
    } else {
      ASSERT_FALSE(session.ok()) << c.name;
      EXPECT_EQ(session.status().code(), Code::kForbidden) << c.name;
      EXPECT_EQ(session.status().message().rfind(c.want_prefix, 0), 0u)
          << c.name << ": " << session.status().message();
    }
  }
}

TEST_F(DeliverySsh, RotatedHostKeyIsRefusedAndNothingIsWritten) {
  const SshTarget pinned = TargetFor(host_);
  const std::string file = host_.install_dir() + "/agent.yaml";
  {
    auto session = ConnectOrDie(pinned);
    ASSERT_TRUE(session);
    ASSERT_TRUE(session->Upload(file, "revision: 1\n", 0600).ok());
  }
  host_.RotateHostKey();
  auto refused = transport_->Connect(pinned);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kForbidden);
  EXPECT_EQ(refused.status().message().rfind("host key mismatch", 0), 0u)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find(host_.host_public_key()), std::string::npos)
      << "the message names the key now presented";
  EXPECT_EQ(ReadFile(file), "revision: 1\n");
}

TEST_F(DeliverySsh, PinnedKeysOfOtherTypesTable) {
  for (const char* type : {"rsa", "ecdsa", "ed25519"}) {
    host_.RotateHostKey(type);
    auto session = transport_->Connect(TargetFor(host_));
    ASSERT_TRUE(session.ok()) << type << ": " << session.status().ToString();
    EXPECT_EQ((*session)->host_key(), host_.host_public_key()) << type;
  }
}

TEST_F(DeliverySsh, WrongClientKeyIsUnauthorized) {
  SshTarget target = TargetFor(host_);
  SshHost other;
  target.private_key = other.client_private_key();
  auto session = transport_->Connect(target);
  EXPECT_EQ(session.status().code(), Code::kUnauthorized) << session.status().ToString();
  target.private_key = "-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n";
  session = transport_->Connect(target);
  EXPECT_EQ(session.status().code(), Code::kInvalid);
  EXPECT_EQ(session.status().message().find("garbage"), std::string::npos) << "key never echoed";
}

TEST_F(DeliverySsh, AuthenticatesThroughSshAgent) {
  const std::string socket = host_.dir() / "agent.sock";
  Process agent({"ssh-agent", "-D", "-a", socket});
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(socket); }, std::chrono::seconds(5)));
  const std::string key_file = host_.dir() / "client_key";
  CommandResult added = e2e::Run({"ssh-add", key_file}, "", {{"SSH_AUTH_SOCK", socket}});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ::setenv("SSH_AUTH_SOCK", socket.c_str(), 1);
  SshTarget target = TargetFor(host_);
  target.private_key.clear();
  target.use_agent = true;
  auto session = transport_->Connect(target);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  target.use_agent = false;
  EXPECT_EQ(transport_->Connect(target).status().code(), Code::kInvalid) << "no key, no agent";
  ::unsetenv("SSH_AUTH_SOCK");
}

// A server that accepts the TCP connection and then says nothing (hung sshd, tarpit).
TEST_F(DeliverySsh, SilentServerTimesOutWithinTheTimeout) {
  const int port = FreePort();
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  SshTarget target = TargetFor(host_);
  target.port = port;
  target.timeout = std::chrono::seconds(2);
  const auto started = std::chrono::steady_clock::now();
  auto session = transport_->Connect(target);
  const auto took = std::chrono::steady_clock::now() - started;
  ::close(listener);
  EXPECT_EQ(session.status().code(), Code::kDeadlineExceeded) << session.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(3));
}

// A host that accepted the connection and then hung: every step ends within the timeout.
TEST_F(DeliverySsh, HungHostTimesOutEachStep) {
  SshTarget target = TargetFor(host_);
  target.timeout = std::chrono::seconds(2);
  auto session = ConnectOrDie(target);
  ASSERT_TRUE(session);
  const std::vector<int> frozen = host_.SessionPids();
  ASSERT_FALSE(frozen.empty());
  for (int pid : frozen) ::kill(pid, SIGSTOP);
  const struct {
    const char* name;
    std::function<fleet::Status()> step;
  } steps[] = {
      {"Exec", [&] { return session->Exec({"true"}).status(); }},
      {"Sha256", [&] { return session->Sha256(host_.install_dir() + "/a").status(); }},
      {"Upload", [&] { return session->Upload(host_.install_dir() + "/a", "x", 0644); }},
  };
  for (const auto& s : steps) {
    const auto started = std::chrono::steady_clock::now();
    fleet::Status status = s.step();
    EXPECT_EQ(status.code(), Code::kDeadlineExceeded) << s.name << ": " << status.ToString();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << s.name;
  }
  for (int pid : frozen) ::kill(pid, SIGCONT);
}

// The host hangs in the middle of an SFTP transfer (libssh itself would wait forever there).
TEST_F(DeliverySsh, HostHangingMidUploadTimesOut) {
  SshTarget target = TargetFor(host_);
  target.timeout = std::chrono::seconds(2);
  auto session = ConnectOrDie(target);
  ASSERT_TRUE(session);
  const std::string path = host_.install_dir() + "/big.bin";
  std::vector<int> frozen;
  std::thread freezer([&] {
    // Freeze once the temporary file is being written.
    WaitFor([&] {
      for (const auto& entry : std::filesystem::directory_iterator(host_.install_dir())) {
        if (entry.path().filename().string().rfind("big.bin.tmp-", 0) == 0 &&
            entry.file_size() > 0) {
          return true;
        }
      }
      return false;
    }, std::chrono::seconds(10));
    frozen = host_.SessionPids();
    for (int pid : frozen) ::kill(pid, SIGSTOP);
  });
  const auto started = std::chrono::steady_clock::now();
  fleet::Status uploaded = session->Upload(path, std::string(256 << 20, 'x'), 0644);
  const auto took = std::chrono::steady_clock::now() - started;
  freezer.join();
  for (int pid : frozen) ::kill(pid, SIGCONT);
  EXPECT_EQ(uploaded.code(), Code::kDeadlineExceeded) << uploaded.ToString();
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_FALSE(std::filesystem::exists(path)) << "nothing at the real path";
}

TEST_F(DeliverySsh, StoppedSshdIsUnavailableWithinTheTimeout) {
  host_.Stop();
  const auto started = std::chrono::steady_clock::now();
  auto session = transport_->Connect(TargetFor(host_));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(session.status().code(), Code::kUnavailable) << session.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(6));
  host_.Start();
  EXPECT_TRUE(ConnectOrDie(TargetFor(host_))) << "same key and port after restart";
}

// The controller's session pool against a real sshd: the same TCP connection (SSH_CONNECTION
// names the client port) serves the next reconcile; when the host dropped it (sshd and its
// sessions gone, then back), the next call reconnects on its own; with pooling off every
// reconcile connects afresh.
TEST_F(DeliverySsh, PooledSessionsAreReusedAndReplacedWhenTheHostDroppedThem) {
  auto connection_of = [&](controller::Transport& transport) -> std::string {
    auto session = transport.Connect(TargetFor(host_));
    if (!session.ok()) return "connect failed: " + session.status().ToString();
    auto r = (*session)->Exec({"printenv", "SSH_CONNECTION"});
    if (!r.ok()) return "exec failed: " + r.status().ToString();
    return r->out;
  };
  controller::PooledTransport pool(controller::NewSshTransport(), {});
  const std::string first = connection_of(pool);
  ASSERT_NE(first.find("127.0.0.1"), std::string::npos) << first;
  EXPECT_EQ(connection_of(pool), first) << "the kept session served the second use";
  EXPECT_EQ(pool.idle(), 1u);

  host_.Stop();
  host_.Start();
  const std::string after = connection_of(pool);
  EXPECT_NE(after.find("127.0.0.1"), std::string::npos) << "reconnected by itself: " << after;
  EXPECT_NE(after, first);

  controller::PooledTransport unpooled(controller::NewSshTransport(), {.max_idle = 0});
  const std::string a = connection_of(unpooled);
  EXPECT_NE(connection_of(unpooled), a);
  EXPECT_EQ(unpooled.idle(), 0u);
}

TEST_F(DeliverySsh, Sha256OfPresentAndAbsentFiles) {
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  const std::string path = host_.install_dir() + "/dir with space/it's.txt";
  auto absent = session->Sha256(path);
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_EQ(*absent, "");
  ASSERT_TRUE(session->Upload(path, "hello\n", 0640).ok());
  auto present = session->Sha256(path);
  ASSERT_TRUE(present.ok()) << present.status().ToString();
  EXPECT_EQ(*present, fleet::Sha256Hex("hello\n"));
  EXPECT_EQ(std::filesystem::status(path).permissions(),
            std::filesystem::perms(0640));
  EXPECT_EQ(session->Sha256("relative/path").status().code(), Code::kInvalid);
}

TEST_F(DeliverySsh, PrefetchHashesManyFilesInOneCommandAndEachAnswerServesOnce) {
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  const std::string dir = host_.install_dir();
  const std::string present = dir + "/p q/it's $(id).txt", absent = dir + "/absent",
                    directory = dir + "/a-directory", changed = dir + "/changed";
  std::filesystem::create_directories(dir + "/p q");
  std::filesystem::create_directories(directory);
  std::ofstream(present) << "one";
  std::ofstream(changed) << "before";
  std::ofstream(changed + ".tmp-0badc0ffee00") << "partial";  // an upload that died half-way
  ASSERT_TRUE(session->Prefetch({present, absent, directory, changed}).ok());
  EXPECT_FALSE(std::filesystem::exists(changed + ".tmp-0badc0ffee00")) << "removed by the prefetch";
  std::ofstream(changed) << "after";  // changed behind the session's back after the prefetch

  struct Row {
    std::string path;
    std::string want;  // "error" = Sha256 fails
  };
  const Row rows[] = {{present, fleet::Sha256Hex("one")},
                      {absent, ""},
                      {directory, "error"},  // not prefetched: asked again, and it fails
                      {changed, fleet::Sha256Hex("before")},  // the prefetched answer
                      {changed, fleet::Sha256Hex("after")}};  // served once: the host again
  for (const Row& row : rows) {
    auto hash = session->Sha256(row.path);
    if (row.want == "error") {
      EXPECT_FALSE(hash.ok()) << row.path;
    } else {
      ASSERT_TRUE(hash.ok()) << row.path << ": " << hash.status().ToString();
      EXPECT_EQ(*hash, row.want) << row.path;
    }
  }
  EXPECT_EQ(session->Prefetch({"relative"}).code(), Code::kInvalid);
  // A prefetched path uploads without preparing (its directory exists, stale files are gone).
  ASSERT_TRUE(session->Prefetch({changed}).ok());
  ASSERT_TRUE(session->Upload(changed, "new", 0640).ok());
  EXPECT_EQ(ReadFile(changed), "new");
}

TEST_F(DeliverySsh, UploadReplacesAtomicallyWhileAReaderWatches) {
  const std::string path = host_.install_dir() + "/big.bin";
  const std::string old_content(5 << 20, 'a');
  std::string new_content(5 << 20, 'b');
  new_content.back() = 'c';
  const std::set<std::string> allowed = {fleet::Sha256Hex(old_content),
                                         fleet::Sha256Hex(new_content)};
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->Upload(path, old_content, 0755).ok());
  // What an upload killed half-way leaves behind; the next upload removes it.
  std::ofstream(path + ".tmp-0badc0ffee00") << "partial";

  std::atomic<bool> done{false};
  std::set<std::string> seen;
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done) {
      seen.insert(fleet::Sha256Hex(ReadFile(path)));
      ++reads;
    }
  });
  // Upload back and forth until the reader has watched several replacements (a loaded machine
  // may starve it for a while), at least 4 times and at most 40.
  for (int i = 0; i < 40 && (i < 4 || reads < 8); ++i) {
    ASSERT_TRUE(session->Upload(path, i % 2 ? old_content : new_content, 0755).ok());
  }
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 4);
  for (const std::string& hash : seen) EXPECT_TRUE(allowed.count(hash)) << "partial content seen";
  EXPECT_EQ(seen, allowed) << "the reader should have seen both versions";
  int leftovers = 0;
  for (const auto& entry : std::filesystem::directory_iterator(host_.install_dir())) {
    leftovers += entry.path().filename() != "big.bin";
  }
  EXPECT_EQ(leftovers, 0) << "no temporary files left behind, stale ones removed";
}

size_t CountOf(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// Replacing a file takes SFTP requests only (posix-rename@openssh.com): no remote command, which
// would cost the host a session process and a shell.
// An upload replaces the file in one rename: by posix-rename@openssh.com where the SFTP server
// offers it (OpenSSH's does: no remote command at all), else by mv on the host. Either way a
// directory in the file's place is refused, nothing is moved into it and no temporary file stays.
TEST(DeliverySftp, UploadReplacesAndRefusesADirectoryInItsPlaceWithAndWithoutPosixRename) {
  const struct {
    const char* name;
    std::string subsystem;
    size_t commands;  // remote commands the replacing upload starts
  } servers[] = {
      {"OpenSSH's sftp server", "internal-sftp", 0},
      {"an sftp server without extensions",
       SourceDir() + "/tests/e2e/fixtures/sftp/without-extensions /usr/lib/openssh/sftp-server", 1},
  };
  for (const auto& server : servers) {
    SCOPED_TRACE(server.name);
    SshHost host(server.subsystem);
    auto session = controller::NewSshTransport()->Connect(TargetFor(host));
    ASSERT_TRUE(session.ok()) << session.status().ToString() << host.Log();
    const std::string path = host.install_dir() + "/config.yaml";
    ASSERT_TRUE((*session)->Upload(path, "revision: 1\n", 0600).ok());
    fleet::Status replaced = (*session)->Upload(path, "revision: 2\n", 0640);
    ASSERT_TRUE(replaced.ok()) << replaced.ToString();
    EXPECT_EQ(ReadFile(path), "revision: 2\n");
    EXPECT_EQ(std::filesystem::status(path).permissions(), std::filesystem::perms(0640));
    EXPECT_EQ(CountOf(host.Log(), "Starting session: command"), server.commands) << host.Log();

    const std::string directory = host.install_dir() + "/a-directory";
    std::filesystem::create_directories(directory + "/not-empty");
    fleet::Status refused = (*session)->Upload(directory, "x", 0644);
    EXPECT_FALSE(refused.ok());
    EXPECT_NE(refused.message().find("renaming"), std::string::npos) << refused.ToString();
    std::vector<std::string> inside;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
      inside.push_back(entry.path().filename());
    }
    EXPECT_EQ(inside, std::vector<std::string>{"not-empty"}) << "nothing moved into the directory";
    for (const auto& entry : std::filesystem::directory_iterator(host.install_dir())) {
      EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
    }
  }
}

TEST_F(DeliverySsh, ExecPassesHostileArgumentsLiterally) {
  std::filesystem::remove("/tmp/pwned");
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  const std::vector<std::string> hostile = {
      "/tmp/x; touch /tmp/pwned", "$(touch /tmp/pwned)", "`touch /tmp/pwned`",
      "' ; touch /tmp/pwned ; '", "a\nb", "|| touch /tmp/pwned", "*", "~root", "$HOME"};
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  auto r = session->Exec(argv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  std::string want;
  for (const std::string& h : hostile) want += h + '\0';
  EXPECT_EQ(r->out, want);
  EXPECT_FALSE(std::filesystem::exists("/tmp/pwned"));
}

TEST_F(DeliverySsh, ExecReportsExitCodesStderrAndTimeouts) {
  SshTarget target = TargetFor(host_);
  target.timeout = std::chrono::seconds(1);
  auto session = ConnectOrDie(target);
  ASSERT_TRUE(session);
  auto failed = session->Exec({"sh", "-c", "echo out; echo err >&2; exit 7"});
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->exit_code, 7);
  EXPECT_EQ(failed->out, "out\n");
  EXPECT_EQ(failed->err, "err\n");
  const auto started = std::chrono::steady_clock::now();
  auto slow = session->Exec({"sleep", "5"});
  EXPECT_EQ(slow.status().code(), Code::kDeadlineExceeded) << slow.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

// transport: tailscale — the name is resolved through the (stand-in) tailscale CLI, then the
// connection is the ordinary SSH one.
TEST_F(DeliverySsh, TailnetNameResolvesThroughTheTailscaleCliThenSsh) {
  const std::string status = host_.dir() / "tailscale-status.json";
  std::ofstream(status) << R"({"BackendState": "Running", "Self": {"HostName": "controller",
      "DNSName": "controller.tail0.ts.net.", "TailscaleIPs": ["100.64.0.1"], "Online": true},
      "Peer": {"nodekey:01": {"HostName": "edge-1", "DNSName": "edge-1.tail0.ts.net.",
      "TailscaleIPs": ["fd7a:115c:a1e0::2", "127.0.0.1"], "Online": true},
      "nodekey:02": {"HostName": "edge-2", "DNSName": "edge-2.tail0.ts.net.",
      "TailscaleIPs": ["100.64.0.3"], "Online": false, "LastSeen": "2024-03-01T12:00:00Z"}}})";
  ::setenv("FAKE_TAILSCALE_STATUS", status.c_str(), 1);
  const std::string cli = SourceDir() + "/tests/e2e/fake-tailscale";

  auto address = controller::ResolveTailnetAddress(cli, "edge-1.tail0.ts.net");
  ASSERT_TRUE(address.ok()) << address.status().ToString();
  SshTarget target = TargetFor(host_);
  target.address = *address;
  EXPECT_TRUE(ConnectOrDie(target));

  EXPECT_EQ(controller::ResolveTailnetAddress(cli, "edge-2").status().code(), Code::kUnavailable);
  EXPECT_EQ(controller::ResolveTailnetAddress(cli, "edge-3").status().code(), Code::kNotFound);
  EXPECT_EQ(controller::ResolveTailnetAddress("/nonexistent/tailscale", "edge-1").status().code(),
            Code::kUnavailable);
  ::unsetenv("FAKE_TAILSCALE_STATUS");
  auto unset = controller::ResolveTailnetAddress(cli, "edge-1");
  EXPECT_EQ(unset.status().code(), Code::kUnavailable);
  EXPECT_NE(unset.status().message().find("FAKE_TAILSCALE_STATUS"), std::string::npos);
}

// Ten hosts at once, one thread each: a config push, then the no-change pass a reconcile makes
// (connect, compare the remote hash, upload nothing).
TEST(DeliverySshFleet, TenHostsInParallelPushThenSkip) {
  using Clock = std::chrono::steady_clock;
  constexpr int kHosts = 10;
  auto started = Clock::now();
  std::vector<std::unique_ptr<SshHost>> hosts;
  for (int i = 0; i < kHosts; ++i) hosts.push_back(std::make_unique<SshHost>());
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  std::cout << kHosts << " sshd hosts started in " << ms(Clock::now() - started) << " ms\n";

  auto transport = controller::NewSshTransport();
  const std::string config(4096, 'c');
  auto each_host = [&](const std::function<fleet::Status(controller::RemoteSession&, SshHost&)>& step) {
    std::vector<fleet::Status> results(kHosts);
    std::vector<std::thread> threads;
    for (int i = 0; i < kHosts; ++i) {
      threads.emplace_back([&, i] {
        auto session = transport->Connect(TargetFor(*hosts[i]));
        results[i] = session.ok() ? step(**session, *hosts[i]) : session.status();
      });
    }
    for (auto& t : threads) t.join();
    return results;
  };
  auto push = [&](controller::RemoteSession& s, SshHost& h) -> fleet::Status {
    auto remote = s.Sha256(h.install_dir() + "/agent.yaml");
    if (!remote.ok()) return remote.status();
    if (*remote == fleet::Sha256Hex(config)) return {Code::kAlreadyExists, "unchanged"};
    return s.Upload(h.install_dir() + "/agent.yaml", config, 0600);
  };
  started = Clock::now();
  for (const fleet::Status& st : each_host(push)) EXPECT_TRUE(st.ok()) << st.ToString();
  const auto push_took = Clock::now() - started;
  started = Clock::now();
  for (const fleet::Status& st : each_host(push)) EXPECT_EQ(st.code(), Code::kAlreadyExists);
  const auto skip_took = Clock::now() - started;
  std::cout << kHosts << " hosts: push " << ms(push_took) << " ms, no-change pass "
            << ms(skip_took) << " ms\n";
  for (const auto& h : hosts) EXPECT_EQ(ReadFile(h->install_dir() + "/agent.yaml"), config);
  EXPECT_LT(skip_took, std::chrono::seconds(1)) << "the issue's no-change target, for 50 hosts";
}

int ReadPid(const std::string& path) { return std::atoi(ReadFile(path).c_str()); }

// A zombie has exited; it only waits for this sandbox's init, which reaps lazily.
bool ProcessRuns(int pid) {
  if (pid <= 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  auto close = line.rfind(") ");
  return close != std::string::npos && line.compare(close + 2, 1, "Z") != 0;
}

// The agent bundle built by fleet-agent-bundle, installed and run through sshd on this machine,
// in an install dir whose name is made of shell syntax that must never be executed.
TEST_F(DeliverySsh, BundleInstallsByChecksumAndAgentRunsUnderTheSupervisor) {
  std::filesystem::remove("/tmp/pwned");
  auto bundle = controller::LoadBundle(BinaryDir() + "/agent-bundle");
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  const std::string dir = host_.install_dir() + "/x; touch /tmp/pwned $(touch /tmp/pwned) `id`";

  auto started = std::chrono::steady_clock::now();
  auto uploaded = controller::InstallBundle(*session, *bundle, dir);
  ASSERT_TRUE(uploaded.ok()) << uploaded.status().ToString();
  std::cout << "fresh bundle install (" << bundle->files.size() << " files): "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started).count() << " ms\n";
  EXPECT_EQ(uploaded->size(), bundle->files.size() + 1);
  auto again = controller::InstallBundle(*session, *bundle, dir);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty()) << "unchanged bundle: nothing uploaded";

  // A host where one of the bundle's libraries was damaged and the install never finished (no
  // MANIFEST).
  const auto library = std::find_if(bundle->files.begin(), bundle->files.end(),
                                    [](const controller::BundleFile& f) { return f.path.rfind("lib/", 0) == 0; });
  ASSERT_NE(library, bundle->files.end()) << "the bundle carries libc and its loader";
  std::ofstream(dir + "/" + library->path) << "damaged";
  std::filesystem::remove(dir + "/MANIFEST");
  auto repaired = controller::InstallBundle(*session, *bundle, dir);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_EQ(*repaired, (std::vector<std::string>{library->path, "MANIFEST"}));

  const int port = FreePort();
  const std::string config = dir + "/agent.yaml";
  ASSERT_TRUE(session->Upload(config,
                              "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\n"
                              "http: {listen: \"127.0.0.1:" + std::to_string(port) + "\"}\n"
                              "collectors: {container: {enabled: false}}\n", 0600).ok());
  auto metrics_served = [&] {
    HttpResponse r = Http("GET", port, "/metrics");
    return r.status == 200 && r.body.find("\nnode_load1 ") != std::string::npos;
  };
  started = std::chrono::steady_clock::now();
  fleet::Status restarted = controller::RestartAgent(*session, dir, config);
  ASSERT_TRUE(restarted.ok()) << restarted.ToString() << ReadFile(dir + "/log/agent.log");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3))
      << "the exec returns once the agent is started, not when it ends";
  ASSERT_TRUE(WaitFor(metrics_served, std::chrono::seconds(15))) << ReadFile(dir + "/log/agent.log");
  const int first_agent = ReadPid(dir + "/run/agent.pid");
  const int supervisor = ReadPid(dir + "/run/supervisor.pid");

  ASSERT_TRUE(controller::RestartAgent(*session, dir, config).ok());
  ASSERT_TRUE(WaitFor(metrics_served, std::chrono::seconds(15)));
  const int second_agent = ReadPid(dir + "/run/agent.pid");
  EXPECT_NE(second_agent, first_agent);
  EXPECT_FALSE(ProcessRuns(supervisor)) << "the old supervisor was stopped";

  ::kill(second_agent, SIGKILL);  // a crash: the supervisor starts it again
  ASSERT_TRUE(WaitFor([&] {
    const int pid = ReadPid(dir + "/run/agent.pid");
    return pid != second_agent && ProcessRuns(pid) && metrics_served();
  }, std::chrono::seconds(15))) << ReadFile(dir + "/log/agent.log");

  const int third_agent = ReadPid(dir + "/run/agent.pid");
  ASSERT_TRUE(controller::StopAgent(*session, dir).ok());
  EXPECT_TRUE(WaitFor([&] { return !ProcessRuns(third_agent); }, std::chrono::seconds(5)));
  EXPECT_EQ(Http("GET", port, "/metrics").status, 0);
  EXPECT_FALSE(std::filesystem::exists(dir + "/run/agent.pid"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/pwned"));
}

// A config change reaches the running agent as a SIGHUP (the same process re-reads its config),
// found with shell builtins. Pid files are trusted only while they name this install's agent:
// after a reboot they may name any process, which is left alone (a restart instead).
TEST_F(DeliverySsh, ReloadSignalsTheRunningAgentAndNeverWhatAStalePidFileNames) {
  std::filesystem::remove("/tmp/pwned");
  auto bundle = controller::LoadBundle(BinaryDir() + "/agent-bundle");
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto session = ConnectOrDie(TargetFor(host_));
  ASSERT_TRUE(session);
  const std::string dir = host_.install_dir() + "/agent $(touch /tmp/pwned)";
  ASSERT_TRUE(controller::InstallBundle(*session, *bundle, dir).ok());
  const std::string config = dir + "/agent.yaml", log = dir + "/log/agent.log";
  const int port = FreePort();
  auto write_config = [&](const std::string& revision) {
    return session->Upload(config,
                           "apiVersion: vpsfleet.io/v1alpha1\nkind: AgentConfig\nrevision: " +
                               revision + "\nhttp: {listen: \"127.0.0.1:" + std::to_string(port) +
                               "\"}\ncollectors: {container: {enabled: false}}\n",
                           0600);
  };
  auto serves = [&] { return Http("GET", port, "/metrics").status == 200; };
  ASSERT_TRUE(write_config("r1").ok());
  ASSERT_TRUE(controller::ReloadAgent(*session, dir, config).ok()) << ReadFile(log);
  ASSERT_TRUE(WaitFor(serves, std::chrono::seconds(15))) << "no agent ran: reload started one";
  const int agent = ReadPid(dir + "/run/agent.pid");
  const int supervisor = ReadPid(dir + "/run/supervisor.pid");

  ASSERT_TRUE(write_config("r2").ok());
  ASSERT_TRUE(controller::ReloadAgent(*session, dir, config).ok()) << ReadFile(log);
  EXPECT_TRUE(WaitFor([&] { return ReadFile(log).find("config reloaded (SIGHUP): revision r1 -> r2") !=
                                   std::string::npos; },
                      std::chrono::seconds(10))) << ReadFile(log);
  EXPECT_EQ(ReadPid(dir + "/run/agent.pid"), agent) << "reloaded in place, not restarted";
  EXPECT_EQ(ReadPid(dir + "/run/supervisor.pid"), supervisor);

  // Another config path: the running agent does not read it, so it is restarted with it.
  const std::string other_config = dir + "/other.yaml";
  std::filesystem::copy_file(config, other_config);
  ASSERT_TRUE(controller::ReloadAgent(*session, dir, other_config).ok()) << ReadFile(log);
  EXPECT_FALSE(ProcessRuns(agent));
  ASSERT_TRUE(WaitFor(serves, std::chrono::seconds(15))) << ReadFile(log);
  ASSERT_TRUE(controller::StopAgent(*session, dir).ok());
  ASSERT_TRUE(WaitFor([&] { return !serves(); }, std::chrono::seconds(5)));

  // After a "reboot": the pid files name processes of someone else, which a SIGHUP or a TERM
  // would end. They are left alone, and an agent is started.
  Process stranger({"/bin/sleep", "600"}, {}, (host_.dir() / "stranger.log").string());
  Process other_stranger({"/bin/sleep", "600"}, {}, (host_.dir() / "other-stranger.log").string());
  std::filesystem::create_directories(dir + "/run");
  std::ofstream(dir + "/run/supervisor.pid") << stranger.pid() << "\n";
  std::ofstream(dir + "/run/agent.pid") << other_stranger.pid() << "\n";
  std::ofstream(dir + "/run/config") << config << "\n";
  ASSERT_TRUE(controller::ReloadAgent(*session, dir, config).ok()) << ReadFile(log);
  ASSERT_TRUE(WaitFor(serves, std::chrono::seconds(15))) << ReadFile(log);
  EXPECT_TRUE(stranger.Running());
  EXPECT_TRUE(other_stranger.Running());

  // An upgrade replaced the binaries the running agent was started from: a reload restarts it
  // on the new ones, and the old agent is found and stopped.
  const int old_agent = ReadPid(dir + "/run/agent.pid");
  for (const char* replaced : {"/lib/ld-linux-x86-64.so.2", "/bin/fleet-agent"}) {
    const std::string path = dir + replaced;
    std::filesystem::copy_file(path, path + ".new");
    std::filesystem::rename(path + ".new", path);
  }
  ASSERT_TRUE(controller::ReloadAgent(*session, dir, config).ok()) << ReadFile(log);
  EXPECT_TRUE(WaitFor([&] { return !ProcessRuns(old_agent); }, std::chrono::seconds(5)));
  EXPECT_NE(ReadPid(dir + "/run/agent.pid"), old_agent);
  ASSERT_TRUE(WaitFor(serves, std::chrono::seconds(15))) << ReadFile(log);
  EXPECT_FALSE(std::filesystem::exists("/tmp/pwned"));
}

}  // namespace
}  // namespace e2e
