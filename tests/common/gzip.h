// gzip of a whole string, for tests that need a compressed body (a scrape target's answer, a
// gzip bomb): zlib's deflate with a gzip header, level 9.
#pragma once

#include <string>

namespace testsupport {

std::string Gzip(const std::string& text);

}  // namespace testsupport
