#include "tests/common/ttar.h"

#include <sys/stat.h>

#include <charconv>
#include <fstream>
#include <system_error>

namespace testsupport {
namespace fs = std::filesystem;
namespace {

bool StartsWith(const std::string& s, const char* prefix, std::string* rest) {
  const std::string p(prefix);
  if (s.compare(0, p.size(), p) != 0) return false;
  *rest = s.substr(p.size());
  return true;
}

// One archived content line back to its bytes; *newline tells whether the file has a newline
// after it (false when the line ends in an unescaped EOF marker).
std::string DecodeLine(const std::string& line, bool* newline) {
  std::string out;
  *newline = true;
  for (size_t i = 0; i < line.size();) {
    if (line.compare(i, 9, "\\NULLBYTE") == 0) {
      out += "NULLBYTE";
      i += 9;
    } else if (line.compare(i, 4, "\\EOF") == 0) {
      out += "EOF";
      i += 4;
    } else if (line.compare(i, 8, "NULLBYTE") == 0) {
      out += '\0';
      i += 8;
    } else if (line.compare(i, 3, "EOF") == 0 && i + 3 == line.size()) {
      *newline = false;
      i += 3;
    } else {
      out += line[i++];
    }
  }
  return out;
}

bool ParseNumber(const std::string& s, int base, long* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool SafeRelative(const std::string& p) {
  if (p.empty() || p[0] == '/') return false;
  for (const auto& part : fs::path(p)) {
    if (part == "..") return false;
  }
  return true;
}

}  // namespace

std::string ExtractTtar(const fs::path& archive, const fs::path& into) {
  std::ifstream in(archive, std::ios::binary);
  if (!in) return "cannot open " + archive.string();
  std::string line, value, path;
  size_t line_no = 0;
  std::error_code ec;
  auto where = [&] { return archive.string() + ":" + std::to_string(line_no) + ": "; };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (StartsWith(line, "Directory: ", &value) || StartsWith(line, "Path: ", &value)) {
      if (!SafeRelative(value)) return where() + "unsafe path " + value;
      path = value;
      if (line[0] == 'D') {
        fs::create_directories(into / path, ec);
        if (ec) return where() + ec.message();
      }
    } else if (StartsWith(line, "SymlinkTo: ", &value)) {
      fs::create_directories((into / path).parent_path(), ec);
      fs::create_symlink(value, into / path, ec);
      if (ec) return where() + path + ": " + ec.message();
    } else if (StartsWith(line, "Lines: ", &value)) {
      long count = 0;
      if (!ParseNumber(value, 10, &count) || count < 0) return where() + "bad line count";
      fs::create_directories((into / path).parent_path(), ec);
      std::ofstream out(into / path, std::ios::binary | std::ios::trunc);
      if (!out) return where() + "cannot create " + path;
      for (long i = 0; i < count; ++i) {
        if (!std::getline(in, line)) return where() + "archive ends inside " + path;
        ++line_no;
        bool newline = true;
        out << DecodeLine(line, &newline);
        if (newline) out << '\n';
      }
    } else if (StartsWith(line, "Mode: ", &value)) {
      // Directories stay writable so the tree can be removed; files keep their mode (a fixture
      // may be unreadable on purpose).
      long mode = 0;
      if (!ParseNumber(value, 8, &mode)) return where() + "bad mode " + value;
      if (!fs::is_directory(into / path)) ::chmod((into / path).c_str(), static_cast<mode_t>(mode));
    } else {
      return where() + "unknown keyword: " + line;
    }
  }
  return "";
}

}  // namespace testsupport
