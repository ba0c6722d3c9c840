#include "agent/gzip_body.h"

#include <zlib.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

namespace agent {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// The q value of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent or unreadable
// (a client that garbles its q still asked for the coding).
double Quality(std::string_view params) {
  while (!params.empty()) {
    const size_t semi = params.find(';');
    std::string_view param = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const std::string value(param.substr(2, 8));
      char* end = nullptr;
      const double q = std::strtod(value.c_str(), &end);
      if (end != value.c_str()) return q;
    }
  }
  return 1;
}

// The deflate stream of one response body; freed with the writer that owns it.
struct GzipState {
  z_stream z{};
  BodyWriter inner;
  std::string input;
  bool finished = false;
  ~GzipState() { deflateEnd(&z); }

  // Compresses input (all of it) into *out; with finish, ends the stream.
  bool Deflate(bool finish, std::string* out) {
    z.next_in = reinterpret_cast<Bytef*>(input.data());
    z.avail_in = static_cast<uInt>(input.size());
    char buffer[16 * 1024];
    int rc = Z_OK;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof(buffer);
      rc = deflate(&z, finish ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) return false;
      out->append(buffer, sizeof(buffer) - z.avail_out);
    } while (z.avail_out == 0 || (finish && rc != Z_STREAM_END));
    return true;
  }
};

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<double> gzip, any;
  while (!accept_encoding.empty()) {
    const size_t comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    const size_t semi = element.find(';');
    const std::string_view coding = Trim(element.substr(0, semi));
    const double q = semi == std::string_view::npos ? 1 : Quality(element.substr(semi + 1));
    if (EqualsIgnoringCase(coding, "gzip") || EqualsIgnoringCase(coding, "x-gzip")) gzip = q;
    if (coding == "*") any = q;
  }
  if (gzip) return *gzip > 0;
  return any && *any > 0;
}

fleet::Result<BodyWriter> GzipBody(BodyWriter inner) {
  auto state = std::make_shared<GzipState>();
  // windowBits 15 + 16: a gzip wrapper rather than zlib's; memLevel 8 is zlib's default.
  if (deflateInit2(&state->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return fleet::Status::Internal("deflateInit2 failed");
  }
  state->inner = std::move(inner);
  return BodyWriter([state](std::string* piece) {
    // Deflate holds input back until it has a block's worth, so pull pieces until some output
    // is ready (or the body ends): an empty piece in mid-stream would end a chunked reply early.
    while (!state->finished) {
      state->input.clear();
      const bool more = state->inner(&state->input);
      if (!state->Deflate(!more, piece)) {
        state->finished = true;  // cannot happen with a valid stream; end it rather than loop
        return false;
      }
      state->finished = !more;
      if (!piece->empty()) break;
    }
    return !state->finished;
  });
}

}  // namespace agent
