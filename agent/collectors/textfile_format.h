// A strict, bounded parser of the Prometheus text exposition format 0.0.4 for the textfile
// collector's *.prom files. Minimal on purpose: the general scrape parser (agent/scrape/) is being
// written separately; this one takes only what node_exporter's textfile collector accepts and
// refuses a whole file on the first error, as node_exporter does.
#pragma once

#include <string_view>
#include <vector>

#include "fleet/core/metrics.h"
#include "fleet/core/status.h"

namespace agent {

struct TextFamily {
  fleet::metrics::Family family;
  bool help_given = false;  // the textfile collector writes its own HELP when the file has none
};

// The file's families in first-seen order; a histogram's or summary's _bucket/_sum/_count samples
// go to their declared family with that suffix. kInvalid ("line N: ...") on a syntax error, an
// invalid name, a label value that is not UTF-8, a duplicate label, HELP or TYPE, a TYPE after its
// samples, more than kMaxTextLabels labels on a sample, or a timestamp (node_exporter refuses
// client-side timestamps in textfiles).
inline constexpr size_t kMaxTextLabels = 64;
fleet::Result<std::vector<TextFamily>> ParseTextFormat(std::string_view text);

}  // namespace agent
