#include "agent/tar_gz.h"

#include <zlib.h>

#include <cstdio>
#include <cstring>

namespace agent {
namespace {

constexpr size_t kBlock = 512;

// Octal, NUL-terminated, right-aligned in a field of `width` bytes.
void Octal(char* field, size_t width, unsigned long long value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
}

}  // namespace

fleet::Status TarGzWriter::Add(const std::string& name, std::string_view content, int mode) {
  if (name.empty() || name.size() > 100 || name[0] == '/' || name.find("..") != std::string::npos) {
    return fleet::Status::Invalid("tar member name not allowed: " + name);
  }
  char header[kBlock] = {};
  std::memcpy(header, name.data(), name.size());  // name[100]
  Octal(header + 100, 8, static_cast<unsigned>(mode) & 07777);  // mode
  Octal(header + 108, 8, 0);                                  // uid
  Octal(header + 116, 8, 0);                                  // gid
  Octal(header + 124, 12, content.size());                    // size
  Octal(header + 136, 12, static_cast<unsigned long long>(mtime_));
  header[156] = '0';                                          // typeflag: regular file
  std::memcpy(header + 257, "ustar", 6);                      // magic "ustar\0"
  std::memcpy(header + 263, "00", 2);                         // version
  std::memcpy(header + 265, "root", 4);                       // uname
  std::memcpy(header + 297, "root", 4);                       // gname
  // The checksum is computed with its own field as spaces, then written as 6 octal digits,
  // NUL, space.
  std::memset(header + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06o", sum);
  header[155] = ' ';
  tar_.append(header, kBlock);
  tar_.append(content);
  tar_.append((kBlock - content.size() % kBlock) % kBlock, '\0');
  return fleet::Status::Ok();
}

fleet::Result<std::string> TarGzWriter::Finish() {
  tar_.append(2 * kBlock, '\0');  // end of archive
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return fleet::Status::Internal("deflateInit2 failed");
  }
  std::string out(deflateBound(&z, tar_.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(tar_.data());
  z.avail_in = static_cast<uInt>(tar_.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return fleet::Status::Internal("deflate failed: " + std::to_string(rc));
  out.resize(written);
  tar_.clear();
  return out;
}

}  // namespace agent
