// Extracts a ttar archive (the plain-text archive node_exporter and procfs keep their sysfs and
// udev fixture trees in) into a directory, so a test runs collectors over a tree that git could
// not hold as files (symlinks into directories, names with ':', files without a final newline).
#pragma once

#include <filesystem>
#include <string>

namespace testsupport {

// Format, one entry per block, blocks separated by "# ..." comment lines:
//   "Directory: <path>" then "Mode: <octal>";
//   "Path: <path>" then "SymlinkTo: <target>";
//   "Path: <path>", "Lines: <n>", n content lines, "Mode: <octal>".
// A content line ending in an unescaped "EOF" has no newline in the file; "NULLBYTE" stands for
// a 0 byte; "\EOF" and "\NULLBYTE" are the literal words. Paths are relative; one that is
// absolute or climbs with ".." is refused. Returns "" on success, else what went wrong.
std::string ExtractTtar(const std::filesystem::path& archive, const std::filesystem::path& into);

}  // namespace testsupport
