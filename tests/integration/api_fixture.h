// fleetctl's own command line (Main) against the controller's real API server in this process,
// on a free port, with its SQLite store in a scratch directory.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "controller/apiserver.h"
#include "fleet/registry.h"
#include "fleetctl/commands.h"
#include "tests/e2e/harness.h"

namespace fleetctl {

class ApiServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(fleet::OpenSqliteStore(tmp_.path().string()).value());
    registry_ = std::make_unique<fleet::Registry>(*store_, "k");
    server_ = std::make_unique<controller::ApiServer>(*registry_, kToken);
    port_ = e2e::FreePort();
    ASSERT_TRUE(server_->Start("127.0.0.1:" + std::to_string(port_)).ok());
  }
  void TearDown() override { server_->Stop(); }

  struct Outcome {
    int rc;
    std::string out, err;
  };
  Outcome Fleetctl(std::vector<std::string> args) {
    std::vector<std::string> argv = {"fleetctl", "--server", "http://127.0.0.1:" + std::to_string(port_),
                                     "--token", kToken};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    int rc = Main(static_cast<int>(cargv.size()), cargv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    return {rc, out.str(), err.str()};
  }

  static constexpr const char* kToken = "test-token-0123456789";
  e2e::TempDir tmp_;
  std::unique_ptr<fleet::Store> store_;
  std::unique_ptr<fleet::Registry> registry_;
  std::unique_ptr<controller::ApiServer> server_;
  int port_ = 0;
};

}  // namespace fleetctl
