// fleet/core/files: the one file reader, for regular files, pipes and the kernel's pseudo files.
#include "fleet/core/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/unit/fleet/testing.h"

namespace fleet {
namespace {

TEST(FilesTest, ReadFileTextTable) {
  testing::ScratchDir dir;
  const std::string big(20000, 'x');  // more than one read
  std::ofstream(dir.path() + "/small") << "token\n";
  std::ofstream(dir.path() + "/big") << big;
  std::ofstream(dir.path() + "/empty");
  const struct {
    const char* name;
    std::string path;
    size_t max_bytes;
    FileKind kind;
    Code code;
    std::string want;
  } cases[] = {
      {"small", dir.path() + "/small", SIZE_MAX, FileKind::kAny, Code::kOk, "token\n"},
      {"big", dir.path() + "/big", SIZE_MAX, FileKind::kAny, Code::kOk, big},
      {"big as a kernel file: a regular file reads short only at its end", dir.path() + "/big",
       SIZE_MAX, FileKind::kKernel, Code::kOk, big},
      {"empty", dir.path() + "/empty", SIZE_MAX, FileKind::kAny, Code::kOk, ""},
      {"exactly the limit", dir.path() + "/small", 6, FileKind::kAny, Code::kOk, "token\n"},
      {"over the limit", dir.path() + "/small", 5, FileKind::kAny, Code::kInvalid, ""},
      {"over the limit after many reads", dir.path() + "/big", 19999, FileKind::kAny,
       Code::kInvalid, ""},
      {"missing", dir.path() + "/absent", SIZE_MAX, FileKind::kAny, Code::kNotFound, ""},
      {"a directory", dir.path(), SIZE_MAX, FileKind::kAny, Code::kUnavailable, ""},
  };
  for (const auto& c : cases) {
    const auto got = ReadFileText(c.path, c.max_bytes, c.kind);
    EXPECT_EQ(got.status().code(), c.code) << c.name << ": " << got.status().message();
    if (got.ok()) {
      EXPECT_EQ(*got, c.want) << c.name;
    }
  }
  EXPECT_EQ(ReadFileText(dir.path() + "/absent").status().message(), "cannot read " + dir.path() + "/absent");
}

// procfs reports size 0: the reader goes by what read(2) returns, not by the size.
TEST(FilesTest, KernelFileReportingSizeZeroIsReadWhole) {
  struct stat st{};
  ASSERT_EQ(::stat("/proc/self/status", &st), 0);
  ASSERT_EQ(st.st_size, 0);
  for (const FileKind kind : {FileKind::kAny, FileKind::kKernel}) {
    const auto status = ReadFileText("/proc/self/status", SIZE_MAX, kind);
    ASSERT_TRUE(status.ok()) << status.status().message();
    EXPECT_EQ(status->rfind("Name:", 0), 0u);
    EXPECT_NE(status->find("\nVmRSS:"), std::string::npos) << "read to the end";
  }
  // status has counters (context switches, RSS) that move between two reads; limits does not.
  EXPECT_EQ(*ReadKernelFile("/proc/self/limits"), *ReadFileText("/proc/self/limits")) << "same content";
}

// A pipe delivers what was written so far: a short read there is not the end.
TEST(FilesTest, PipeIsReadUntilItsWriterCloses) {
  testing::ScratchDir dir;
  const std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream out(fifo);
    out << "first " << std::flush;
    out << "second";
  });
  const auto text = ReadFileText(fifo);
  writer.join();
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "first second");
}

TEST(FilesTest, ReadTrimmedFileDropsTrailingWhitespace) {
  testing::ScratchDir dir;
  std::ofstream(dir.path() + "/token") << " secret \r\n\n";
  EXPECT_EQ(*ReadTrimmedFile(dir.path() + "/token"), " secret");
}

}  // namespace
}  // namespace fleet
