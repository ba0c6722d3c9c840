// How the textfile collector reads a *.prom file: the exposition parser (agent/scrape/) with the
// rules of expfmt's TextParser on top, which node_exporter 1.5's textfile collector parses with
// (collector/textfile.go; prometheus/common expfmt/text_parse.go).
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

// The file's families in first-seen order, each with every sample of its name wherever it is in
// the file (expfmt keeps families by name). A histogram's _bucket/_sum/_count and a summary's
// _sum/_count samples go to their declared family with that suffix; a family with no samples (a
// HELP or TYPE alone) is left out, as expfmt leaves it out. A HELP line without text is ignored,
// as expfmt ignores it. kInvalid ("line N: ..." for what the parser refuses) and no families when
// expfmt refuses the file: a syntax error, a label value or HELP that is not UTF-8 or has an
// escape other than \\, \n (and \" in label values), a second HELP or TYPE for a name, a TYPE
// after its name's samples, a histogram sample that is no _bucket/_sum/_count, a bucket without
// le, a summary sample without quantile; or a client-side timestamp, which node_exporter refuses
// in textfiles. Bounded by the text's size and kMaxTextLabels labels per sample.
inline constexpr size_t kMaxTextLabels = 64;
fleet::Result<std::vector<TextFamily>> ParseTextfile(std::string_view text);

}  // namespace agent
