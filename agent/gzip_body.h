// gzip for the listener's streamed bodies (/metrics), as node_exporter's promhttp does when the
// scraper sends `Accept-Encoding: gzip` (Prometheus always does): a scrape of 20 containers is
// ~250 KiB of text and ~25 KiB gzipped, which matters on a metered VPS link.
#pragma once

#include <string_view>

#include "agent/http_server.h"
#include "fleet/core/status.h"

namespace agent {

// Whether an Accept-Encoding header value accepts gzip (RFC 9110 12.5.3: codings are
// case-insensitive, `q=0` refuses one, `*` stands for every coding not named).
bool AcceptsGzip(std::string_view accept_encoding);

// A body writer yielding the gzip stream of what inner yields, compressed piece by piece (no
// buffer of the whole body). Level 1: a scrape's CPU is the agent's other headline figure, and
// exposition text compresses ~8x even at that level.
fleet::Result<BodyWriter> GzipBody(BodyWriter inner);

}  // namespace agent
