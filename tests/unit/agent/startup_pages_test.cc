// ReleaseStartupPages: which mappings of /proc/self/smaps may be given back (file-backed, not
// writable, no copy-on-write page), and, on this test process, that a released mapping leaves
// the RSS and still reads the file's bytes.
#include "agent/memory/startup_pages.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "fleet/core/files.h"

namespace agent {
namespace {

std::string Mapping(const std::string& header, int rss_kib, int anonymous_kib) {
  return header + "\nSize:                100 kB\nRss:                 " + std::to_string(rss_kib) +
         " kB\nPss:                  10 kB\nAnonymous:           " + std::to_string(anonymous_kib) +
         " kB\nVmFlags: rd ex mr mw me\n";
}

TEST(StartupPages, OnlyCleanReadOnlyFileMappingsAreGivenBack) {
  const std::string smaps =
      Mapping("55d000000000-55d000100000 r-xp 00007000 fe:00 531 /usr/bin/fleet-agent", 400, 0) +   // text
      Mapping("55d000100000-55d000200000 r--p 00893000 fe:00 531 /usr/bin/fleet-agent", 200, 0) +   // rodata
      Mapping("55d000200000-55d000280000 r--p 00b36000 fe:00 531 /usr/bin/fleet-agent", 480, 480) + // RELRO
      Mapping("55d000280000-55d000290000 rw-p 00baf000 fe:00 531 /usr/bin/fleet-agent", 40, 12) +   // .data
      Mapping("55d000290000-55d0002a0000 r-xp 00000000 fe:00 532 /lib/libc.so.6", 0, 0) +           // not resident
      Mapping("55d0002a0000-55d0002b0000 r-xp 00000000 fe:00 533 /lib/with space.so (deleted)", 8, 0) +
      Mapping("7ff000000000-7ff000100000 rw-p 00000000 00:00 0 [heap]", 900, 900) +
      Mapping("7ff000100000-7ff000101000 r-xp 00000000 00:00 0 [vdso]", 4, 0) +
      Mapping("7ff000101000-7ff000102000 r--p 00000000 00:00 0 ", 4, 0) +                           // anonymous
      Mapping("7ff000102000-7ff000103000 r--s 00000000 fe:00 534 /dev/shm/shared", 4, 0);          // shared
  const auto mappings = CleanFileMappings(smaps);
  ASSERT_EQ(mappings.size(), 3u);
  EXPECT_EQ(mappings[0].start, 0x55d000000000u);
  EXPECT_EQ(mappings[0].end, 0x55d000100000u);
  EXPECT_EQ(mappings[0].rss_bytes, 400u * 1024);
  EXPECT_EQ(mappings[1].start, 0x55d000100000u);
  EXPECT_EQ(mappings[2].start, 0x55d0002a0000u);
  // A mapping whose Anonymous line is missing or unreadable is not known to be clean.
  EXPECT_TRUE(CleanFileMappings("55d000000000-55d000100000 r-xp 0 fe:00 1 /bin/x\nRss: 4 kB\n").empty());
  EXPECT_TRUE(CleanFileMappings("55d000000000-55d000100000 r-xp 0 fe:00 1 /bin/x\nRss: 4 kB\nAnonymous: x kB\n").empty());
  EXPECT_TRUE(CleanFileMappings("").empty());
}

// The Rss of the mapping that starts at `start`, from this process's smaps.
uint64_t RssOf(const void* start) {
  auto smaps = fleet::ReadFileText("/proc/self/smaps");
  EXPECT_TRUE(smaps.ok());
  char header[32];
  std::snprintf(header, sizeof header, "%lx-", reinterpret_cast<unsigned long>(start));
  const size_t at = smaps->find(header);
  if (at == std::string::npos) return 0;
  const size_t rss = smaps->find("\nRss:", at);
  return std::strtoull(smaps->c_str() + rss + 5, nullptr, 10) * 1024;
}

TEST(StartupPages, AReleasedMappingLeavesTheRssAndStillReadsTheFile) {
  char path[] = "/tmp/startup-pages-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const size_t size = 1 << 20;
  std::string content(size, '\0');
  for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(::write(fd, content.data(), size), static_cast<ssize_t>(size));
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  ASSERT_NE(map, MAP_FAILED);
  const char* bytes = static_cast<const char*>(map);
  size_t sum = 0;
  for (size_t i = 0; i < size; i += 4096) sum += static_cast<unsigned char>(bytes[i]);  // touch every page
  EXPECT_GT(sum, 0u);
  EXPECT_EQ(RssOf(map), size);

  auto released = ReleaseStartupPages();
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_GE(released->bytes, size);
  EXPECT_EQ(RssOf(map), 0u);
  EXPECT_EQ(std::memcmp(bytes, content.data(), size), 0);  // faulted back in from the file
  ::munmap(map, size);
  ::unlink(path);
}

}  // namespace
}  // namespace agent
