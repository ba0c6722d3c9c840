// Persisted Docker log positions: round trip, missing and damaged files, ordering.
#include "agent/sources/docker_logs_positions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace agent {
namespace {

namespace fs = std::filesystem;

class PositionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("positions_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PositionsTest, SaveThenLoadRoundTrips) {
  const LogPositions positions = {{"abc", {1700000000123456789, 2}}, {"def", {5, 1}}};
  ASSERT_TRUE(SaveLogPositions(dir_ / "p.json", positions).ok());
  auto loaded = LoadLogPositions(dir_ / "p.json");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, positions);
  EXPECT_FALSE(fs::exists(dir_ / "p.json.tmp"));
}

TEST_F(PositionsTest, MissingFileIsEmptyDamagedFileIsAnError) {
  auto missing = LoadLogPositions(dir_ / "none.json");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
  for (const char* bad : {"{\"abc\": {\"ts\": 1}}", "{\"abc\":", "[1,2]x"}) {
    std::ofstream(dir_ / "bad.json") << bad;
    EXPECT_FALSE(LoadLogPositions(dir_ / "bad.json").ok()) << bad;
  }
}

TEST(PositionAfter, OrdersByTimestampThenLinesAtIt) {
  struct Case { LogPosition a, b; bool want; };
  for (const auto& c : std::vector<Case>{{{2, 1}, {1, 5}, true},
                                         {{1, 5}, {2, 1}, false},
                                         {{2, 3}, {2, 2}, true},
                                         {{2, 2}, {2, 2}, false}}) {
    EXPECT_EQ(PositionAfter(c.a, c.b), c.want) << c.a.timestamp_ns << "/" << c.a.lines_at_timestamp;
  }
}

}  // namespace
}  // namespace agent
