// The alloy-compose stack's remote script (controller/compose_stack.cc) run by a real sh, with fake
// `docker` and `docker-compose` programs first in PATH that log how they were called: which
// compose it picks, the arguments it passes, and what it does where there is no stack.
#include "controller/compose_stack.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/common/temp_dir.h"
#include "tests/e2e/harness.h"

namespace controller {
namespace {

// Runs each command on this machine, with extra_env.
class LocalSession final : public RemoteSession {
 public:
  explicit LocalSession(std::map<std::string, std::string> env) : env_(std::move(env)) {}
  const std::string& host_key() const override { return key_; }
  fleet::Result<std::string> Sha256(const std::string&) override { return std::string(); }
  fleet::Status Upload(const std::string&, std::string_view, int) override { return {}; }
  fleet::Result<ExecResult> Exec(const std::vector<std::string>& argv) override {
    auto r = e2e::Run(argv, "", env_);
    return ExecResult{r.exit_code, r.out, r.err};
  }

 private:
  std::map<std::string, std::string> env_;
  std::string key_;
};

struct Machine {
  bool v1 = true;   // docker-compose installed
  bool v2 = false;  // the docker compose plugin answers
};

class ComposeScriptTest : public ::testing::Test {
 protected:
  // Fake programs for machine, logging "<program> <args>" a line per call.
  LocalSession Session(const Machine& m) {
    const std::string bin = (tmp_.path() / "bin").string();
    std::filesystem::remove_all(bin);
    std::filesystem::create_directories(bin);
    std::ofstream(bin + "/docker") << "#!/bin/sh\n"
                                      "if [ \"$1 $2\" = \"compose version\" ]; then exit " << (m.v2 ? 0 : 1) << "; fi\n"
                                      "echo \"docker $*\" >> \"$FAKE_LOG\"\n"
                                      "case \"$*\" in *' ps '*) echo id-a; echo id-b ;; inspect*) echo '[{\"Id\": \"id-a\"}]' ;; esac\n";
    if (m.v1) {
      std::ofstream(bin + "/docker-compose") << "#!/bin/sh\necho \"docker-compose $*\" >> \"$FAKE_LOG\"\n"
                                                "case \"$*\" in *' ps '*) echo id-a; echo id-b ;; esac\n";
    }
    for (const auto& entry : std::filesystem::directory_iterator(bin)) {
      std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all);
    }
    // PATH holds nothing else (so the machine's own compose is not found): the shell and rm.
    for (const char* tool : {"sh", "rm"}) {
      std::filesystem::create_symlink(std::string("/bin/") + tool, bin + "/" + tool);
    }
    return LocalSession({{"PATH", bin}, {"FAKE_LOG", Log()}});
  }
  std::string Log() const { return (tmp_.path() / "calls.log").string(); }
  std::string Calls() {
    std::ifstream in(Log());
    std::string out((std::istreambuf_iterator<char>(in)), {});
    std::filesystem::remove(Log());
    return out;
  }
  std::string StackDir(bool with_compose_file) {
    const std::string dir = (tmp_.path() / "install/alloy-compose").string();
    std::filesystem::create_directories(dir);
    if (with_compose_file) std::ofstream(dir + "/compose.yaml") << "services: {}\n";
    std::ofstream(dir + "/.env") << "BASIC_AUTH_PASS='x'\n";
    return dir;
  }

  testsupport::TempDir tmp_;
};

TEST_F(ComposeScriptTest, UsesThePluginWhereItAnswersElseDockerCompose) {
  const std::string dir = StackDir(true);
  auto v1 = Session({.v1 = true, .v2 = false});
  ASSERT_TRUE(ComposeUp(v1, dir, "p1", false).ok());
  EXPECT_EQ(Calls(), "docker-compose -p p1 -f " + dir + "/compose.yaml up -d --remove-orphans\n");
  ASSERT_TRUE(ComposeUp(v1, dir, "p1", true).ok());
  EXPECT_EQ(Calls(), "docker-compose -p p1 -f " + dir + "/compose.yaml up -d --remove-orphans\n"
                     "docker-compose -p p1 -f " + dir + "/compose.yaml restart alloy\n");
  auto listed = ComposeContainers(v1, dir, "p1");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->dump(), R"([{"Id":"id-a"}])");
  EXPECT_EQ(Calls(), "docker-compose -p p1 -f " + dir + "/compose.yaml ps -q\ndocker inspect id-a id-b\n")
      << "v1 lists stopped containers without -a";

  auto v2 = Session({.v1 = true, .v2 = true});
  ASSERT_TRUE(ComposeContainers(v2, dir, "p1").ok());
  EXPECT_EQ(Calls(), "docker compose -p p1 -f " + dir + "/compose.yaml ps -a -q\ndocker inspect id-a id-b\n");
  ASSERT_TRUE(ComposeDown(v2, dir, "p1", false).ok());
  EXPECT_EQ(Calls(), "docker compose -p p1 -f " + dir + "/compose.yaml down --remove-orphans\n");
  EXPECT_TRUE(std::filesystem::exists(dir + "/.env")) << "down keeps the files a rollback needs";

  auto none = Session({.v1 = false, .v2 = false});
  auto refused = ComposeUp(none, dir, "p1", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "compose up exited 127: neither docker compose nor docker-compose is installed\n");
}

TEST_F(ComposeScriptTest, WhereThereIsNoStackNothingRunsAndOnlyRemoveDeletesFiles) {
  auto session = Session({});
  std::string dir = StackDir(false);  // a .env, no compose.yaml
  ASSERT_TRUE(ComposeDown(session, dir, "p1", false).ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/.env")) << "down never deletes";
  auto listed = ComposeContainers(session, dir, "p1");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, fleet::Json::array());
  ASSERT_TRUE(ComposeDown(session, dir, "p1", true).ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(Calls(), "") << "no compose command without a compose file";

  // A stack stopped after a move to fleet-agent (no project recorded): remove deletes its files.
  dir = StackDir(true);
  ASSERT_TRUE(ComposeDown(session, dir, "", true).ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(Calls(), "");
  // A directory that is not one is refused before anything runs.
  EXPECT_FALSE(ComposeDown(session, "relative/dir", "p1", true).ok());
}

}  // namespace
}  // namespace controller
