// Reading files into strings, from tokens and configs to the kernel's procfs, sysfs and cgroupfs
// files the agent scrapes; the limit on open files.
#pragma once

#include <cstdint>
#include <string>

#include "fleet/core/status.h"

namespace fleet {

enum class FileKind {
  kAny,     // read until read(2) returns 0: regular files, pipes (--token-file <(...))
  kKernel,  // procfs, sysfs, cgroupfs: size reported 0 or 4096, filled as far as the content goes
            // in one read, so a short read is the end (a syscall saved per file, ~1,000 a scrape)
};

// The whole file, read with read(2) (no stream, no static buffer);
// kNotFound when it cannot be opened, kUnavailable when reading fails, kInvalid when it is longer
// than max_bytes.
Result<std::string> ReadFileText(const std::string& path, size_t max_bytes = SIZE_MAX,
                                 FileKind kind = FileKind::kAny);
inline Result<std::string> ReadKernelFile(const std::string& path) {
  return ReadFileText(path, SIZE_MAX, FileKind::kKernel);
}
// The file without trailing whitespace (a token written with a newline).
Result<std::string> ReadTrimmedFile(const std::string& path);

// Raises the soft limit on open files to the hard limit, as the Go runtime does for every
// program: systemd starts services with a soft limit of 1024, which the agent's cgroup files or
// the controller's client connections outgrow.
void RaiseOpenFileLimit();

}  // namespace fleet
