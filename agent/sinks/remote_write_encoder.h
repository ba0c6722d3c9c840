// Collected metric families -> Prometheus remote write 1.0 WriteRequest bytes (uncompressed; the
// sender snappy-compresses the whole batch). Each encoded collection is one buffer record.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/relabel/relabel.h"
#include "fleet/core/metrics.h"

namespace agent {

struct EncodedWrite {
  std::string write_request;  // serialized prometheus.WriteRequest
  size_t samples = 0;
};

// One series per sample, with one Sample at timestamp_ms (or the sample's own timestamp_ms, which
// a scraped exposition may give). The value goes out bit for bit: a stale marker (Prometheus'
// StaleNaN) stays one. Labels: the sample's own, `__name__`
// (family name + suffix), then external labels for names the series does not already carry (as
// Prometheus does, a series' own label wins), sorted by name as the spec requires. Then, as
// Prometheus's write_relabel_configs, `write_relabel` applies to those labels: a series it drops
// is not written. Collections larger than max_samples are split into several requests of at most
// max_samples series each.
std::vector<EncodedWrite> EncodeWriteRequests(const std::vector<fleet::metrics::Family>& families,
                                              const fleet::metrics::Labels& external_labels,
                                              int64_t timestamp_ms, size_t max_samples,
                                              const relabel::CompiledRules& write_relabel = {});

}  // namespace agent
