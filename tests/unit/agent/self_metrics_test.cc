// The agent's own process_* metrics, read from this test process's /proc/self.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/self_metrics.h"

namespace agent {
namespace {

double OpenFdsServed() {
  std::vector<fleet::metrics::Family> families;
  AppendProcessMetrics("/proc", &families);
  for (const auto& f : families) {
    if (f.name == "process_open_fds" && f.samples.size() == 1) return f.samples[0].value;
  }
  return -1;
}

size_t OpenFdsListed() {  // the directory iterator's own descriptor left out
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;
}

TEST(ProcessMetrics, OpenFdsCountsEveryDescriptor) {
  const double before = OpenFdsServed();
  EXPECT_EQ(before, static_cast<double>(OpenFdsListed()));
  std::vector<int> fds;
  for (int i = 0; i < 50; ++i) fds.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(OpenFdsServed(), before + 50);
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(OpenFdsServed(), before);
}

}  // namespace
}  // namespace agent
