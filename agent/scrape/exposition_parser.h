// A scrape target's /metrics body -> samples: the Prometheus text format 0.0.4 and OpenMetrics 1.0
// text, the format chosen by the response's Content-Type as Prometheus chooses it. The body is
// untrusted: every limit below is checked before anything is kept, and a body that breaks the
// grammar or a limit ends the parse with a typed error (Prometheus fails the whole scrape on any
// parse error; so does the scrape core).
//
// Grammar, as Prometheus' model/textparse reads it:
//   text 0.0.4   `# HELP name text`, `# TYPE name type` (spaces or tabs between the words), other
//                `#` lines are comments, blank lines are skipped; samples are
//                `name{label="value",...} value [timestamp_ms]`, whitespace allowed between tokens.
//                HELP unescapes \\ and \n; label values \\, \" and \n. The last line may lack
//                its newline (expfmt accepts that).
//   OpenMetrics  single spaces, no blank lines, no comments but HELP/TYPE/UNIT, and the body must
//                end with `# EOF`; the timestamp is in seconds (a float); a sample may carry an
//                exemplar (` # {labels} value [timestamp]`), which is checked and skipped.
//                `_created` samples are kept as samples, as Prometheus keeps them unless its
//                created-timestamp ingestion is on.
// Values are Go's ParseFloat without hex or underscores: NaN, +Inf, -Inf are values. Any NaN is
// stored as Prometheus' ordinary NaN (value.NormalNaN), so an exposition cannot forge a stale marker.
// Not accepted (Prometheus 3 accepts them): quoted UTF-8 metric and label names, and labels not
// separated by commas in the text format (expfmt refuses those too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/core/metrics.h"

namespace agent::scrape {

enum class Format { kPrometheusText, kOpenMetrics };

enum class ParseErrorKind {
  kNone,
  kUnsupportedContentType,  // and no fallback format
  kBodyTooLarge,
  kTooManySamples,
  kLineTooLong,
  kSyntax,
  kInvalidUtf8,             // a label value or HELP text
  kTooManyLabels,
  kLabelNameTooLong,
  kLabelValueTooLong,
  kDuplicateLabelName,      // within one series (a `__name__` label repeats the name)
  kInvalidValue,
  kInvalidTimestamp,
  kMissingEof,              // OpenMetrics
  kDataAfterEof,            // OpenMetrics
};

// Prometheus's labels.FormatOpenMetricsFloat: Go's shortest %g spelling of f, with ".0" added
// when it has neither a '.' nor an 'e' ("1.0", "0.25", "1e+06", "+Inf"). The parser spells a
// classic histogram's le and a summary's quantile label values this way, as Prometheus 3 does.
std::string FormatOpenMetricsFloat(double f);

// "syntax", "label_value_too_long", ...: for logs and a status page.
const char* ParseErrorKindName(ParseErrorKind kind);

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::kNone;
  size_t line = 0;      // 1-based; 0 when the error is about the whole body
  std::string message;  // says what and quotes (bounded, UTF-8) the offending text
  bool ok() const { return kind == ParseErrorKind::kNone; }
};

// Every bound is in bytes or items; 0 means none for the two the scrape config sets
// (body_size_limit) or the caller bounds otherwise (max_samples). The defaults are for a body
// that is a scrape target's, not a limit Prometheus has: its lines are short, and a line or label
// longer than these is an exporter bug or an attack.
struct ExpositionLimits {
  size_t max_body_bytes = 0;
  size_t max_samples = 0;
  size_t max_line_bytes = 64 * 1024;
  size_t max_labels = 64;  // per series, not counting the metric name
  size_t max_label_name_bytes = 1024;
  size_t max_label_value_bytes = 16 * 1024;
  // Prometheus' textparse keeps a backslash before any other character as it is; expfmt's
  // TextParser (client_golang, node_exporter's textfile collector) refuses it: "invalid escape
  // sequence". True refuses (kSyntax) what expfmt refuses, in label values and HELP text.
  bool refuse_unknown_escapes = false;
  // Prometheus 3 spells a classic histogram's le and a summary's quantile as
  // FormatOpenMetricsFloat does (le="1" is stored as le="1.0"); expfmt keeps them as written.
  bool normalize_bounds = true;
};

// The Content-Type's media type picks the format, as Prometheus does: application/openmetrics-text
// and text/plain; anything else (blank, unparseable, another type) is kUnsupportedContentType
// unless a fallback is given (Prometheus' fallback_scrape_protocol).
struct FormatChoice {
  Format format = Format::kPrometheusText;
  ParseError error;
};
FormatChoice FormatForContentType(std::string_view content_type, std::optional<Format> fallback);

// Called once per sample, in body order. family: the metric family the sample belongs to (name,
// help, type; its samples are empty), family_index: counts up from 0, changing when a new family
// starts. The sample's suffix is what its name adds to the family's ("_bucket", "_total", ...),
// labels are in body order without the name, and timestamp_ms is set when the line has one. The
// callee may move from the sample.
using SampleCallback =
    std::function<void(const fleet::metrics::Family& family, size_t family_index,
                       fleet::metrics::Sample& sample)>;

// Called for each HELP, TYPE and UNIT line once it has been applied to `family` (the current
// family's metadata: help unescaped, type set; its samples are empty). Prometheus needs no more
// than the samples; a caller that follows expfmt's TextParser instead (node_exporter's textfile
// collector: one HELP and one TYPE per name, no TYPE after the name's samples) checks its rules
// here. A non-empty return is the broken rule: the parse stops there with kSyntax.
enum class MetadataKind { kHelp, kType, kUnit };
using MetadataCallback =
    std::function<std::string(MetadataKind kind, const fleet::metrics::Family& family)>;

// Parses body, calling on_sample for each sample (and on_metadata, when given, for each HELP,
// TYPE and UNIT line) until the body ends or an error. Keeps nothing itself but the current
// family's metadata: the caller decides what to store.
ParseError ParseExposition(std::string_view body, Format format, const ExpositionLimits& limits,
                           const SampleCallback& on_sample,
                           const MetadataCallback& on_metadata = nullptr);

// ParseExposition into families (samples of one family together); limits.max_samples should be
// set, since everything is kept. On error *families holds what was parsed before it.
ParseError ParseFamilies(std::string_view body, Format format, const ExpositionLimits& limits,
                         std::vector<fleet::metrics::Family>* families);

}  // namespace agent::scrape
