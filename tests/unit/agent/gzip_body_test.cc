// gzip of the listener's streamed bodies: which Accept-Encoding values ask for it, and that the
// pieces GzipBody yields are one gzip stream of exactly the inner body, however it is cut.
#include <zlib.h>

#include <gtest/gtest.h>

#include "agent/gzip_body.h"

namespace agent {
namespace {

TEST(AcceptsGzip, FollowsRfc9110) {
  const struct {
    const char* header;
    bool gzip;
  } kCases[] = {
      {"gzip", true},
      {"GZip", true},
      {"x-gzip", true},
      {"gzip, deflate", true},
      {"deflate, gzip;q=0.5", true},
      {"deflate,gzip ; q=1.0", true},
      {"gzip;q=0", false},
      {"gzip;q=0.000", false},
      {"*", true},
      {"*;q=0", false},
      {"gzip;q=0, *", false},  // named codings win over *
      {"*;q=0, gzip", true},
      {"identity", false},
      {"deflate", false},
      {"", false},
      {"gzipx", false},
      {"gzip;q=garbage", true},
  };
  for (const auto& c : kCases) EXPECT_EQ(AcceptsGzip(c.header), c.gzip) << "\"" << c.header << "\"";
}

std::string Gunzip(const std::string& compressed) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[4096];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "not one whole gzip stream";
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip stream";
  inflateEnd(&z);
  return out;
}

// An inner body of `pieces` pieces of `size` bytes each (exposition-like text).
BodyWriter Inner(int pieces, size_t size) {
  return [pieces, size, n = 0](std::string* piece) mutable {
    for (size_t i = 0; piece->size() < size; ++i) {
      piece->append("node_cpu_seconds_total{cpu=\"" + std::to_string(n) + "\",mode=\"idle\"} " +
                    std::to_string(n * 7919 + i) + "\n");
    }
    piece->resize(size);
    return ++n < pieces;
  };
}

TEST(GzipBody, YieldsOneGzipStreamOfTheWholeBodyInNonEmptyPieces) {
  const struct {
    int pieces;
    size_t size;
  } kCases[] = {{1, 0}, {1, 10}, {3, 1}, {40, 32 * 1024}, {1, 300 * 1024}, {200, 100}};
  for (const auto& c : kCases) {
    SCOPED_TRACE(std::to_string(c.pieces) + " x " + std::to_string(c.size));
    std::string plain;
    BodyWriter reference = Inner(c.pieces, c.size);
    for (bool more = true; more;) {
      std::string piece;
      more = reference(&piece);
      plain += piece;
    }
    auto gzip = GzipBody(Inner(c.pieces, c.size));
    ASSERT_TRUE(gzip.ok());
    std::string compressed;
    int calls = 0;
    for (bool more = true; more;) {
      std::string piece;
      more = (*gzip)(&piece);
      EXPECT_FALSE(piece.empty()) << "an empty piece would end a chunked reply";
      compressed += piece;
      ASSERT_LT(++calls, 10000);
    }
    EXPECT_EQ(Gunzip(compressed), plain);
    if (plain.size() > 64 * 1024) {
      EXPECT_LT(compressed.size(), plain.size() / 4);
    }
  }
}

}  // namespace
}  // namespace agent
