#include "agent/scrape/exposition_parser.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include "fleet/core/text.h"

namespace agent::scrape {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Labels;
using fleet::metrics::Sample;
using fleet::metrics::Type;

// Prometheus' value.NormalNaN: every NaN a body holds is stored as this one, so that no body can
// produce the stale marker (value.StaleNaN), which only the scrape core writes.
constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001;
// Quoted text in an error message: enough to find the line, bounded whatever the line is.
constexpr size_t kQuoteMax = 120;

// The metric types of both formats; the data model has fewer (see ModelType).
enum class Kind { kCounter, kGauge, kHistogram, kGaugeHistogram, kSummary, kInfo, kStateSet, kUnknown };

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLabelNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsLabelNameChar(char c) { return IsLabelNameStart(c) || IsDigit(c); }
bool IsMetricNameStart(char c) { return IsLabelNameStart(c) || c == ':'; }
bool IsMetricNameChar(char c) { return IsMetricNameStart(c) || IsDigit(c); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// Go's strconv.ParseFloat as textparse calls it: decimal with optional sign, fraction and
// exponent, or inf/infinity (signed or not) and nan in any case; no hex floats, no underscores;
// out of range is an error.
bool ParseValue(std::string_view text, double* out) {
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (EqualsIgnoringCase(digits, "inf") || EqualsIgnoringCase(digits, "infinity")) {
    *out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (EqualsIgnoringCase(text, "nan")) {  // Go takes no sign on NaN
    *out = std::bit_cast<double>(kNormalNaNBits);
    return true;
  }
  if (digits.empty() || !(IsDigit(digits[0]) || digits[0] == '.')) return false;
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                         std::chars_format::general);
  if (ec != std::errc() || end != digits.data() + digits.size()) return false;
  *out = negative ? -value : value;
  return true;
}

}  // namespace

std::string FormatOpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  // Go's FormatFloat(f, 'g', -1, 64): the shortest digits that round-trip, in %e form when the
  // decimal exponent is < -4 or >= 6 (Go's rule for the shortest precision), %f otherwise.
  char sci[32];
  const auto sci_end = std::to_chars(sci, sci + sizeof sci, f, std::chars_format::scientific).ptr;
  const std::string_view s(sci, sci_end - sci);  // "-1.2345e+06"
  const size_t e = s.find('e');
  int exponent = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exponent);
  std::string out;
  if (exponent < -4 || exponent >= 6) {
    out.assign(s);
  } else {
    const size_t mantissa_digits = e - (f < 0 ? 1 : 0) - (s.find('.') != std::string_view::npos ? 1 : 0);
    const int decimals = std::max(static_cast<int>(mantissa_digits) - 1 - exponent, 0);
    char fixed[64];
    const auto fixed_end =
        std::to_chars(fixed, fixed + sizeof fixed, f, std::chars_format::fixed, decimals).ptr;
    out.assign(fixed, fixed_end);
  }
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

namespace {

// Text format timestamps: milliseconds, digits only (the lexer takes no sign), int64.
bool ParseTextTimestamp(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// OpenMetrics timestamps: seconds as a float, finite, to milliseconds truncated as Go's int64().
bool ParseOpenMetricsTimestamp(std::string_view text, int64_t* out) {
  double seconds = 0;
  if (!ParseValue(text, &seconds) || !std::isfinite(seconds)) return false;
  const double ms = seconds * 1000;
  // 2^63 is exactly representable; anything at or past it does not fit an int64.
  if (ms >= 9223372036854775808.0 || ms < -9223372036854775808.0) return false;
  *out = static_cast<int64_t>(ms);
  return true;
}

// Label values (both formats) and OpenMetrics HELP: \\, \" and \n; the text format's HELP: \\ and
// \n. Any other backslash pair stays as it is, as Prometheus' replacer leaves it.
std::string Unescape(std::string_view raw, bool quote_escape) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char next = raw[i + 1];
      if (next == '\\' || next == 'n' || (quote_escape && next == '"')) {
        out.push_back(next == 'n' ? '\n' : next);
        ++i;
        continue;
      }
    }
    out.push_back(raw[i]);
  }
  return out;
}

// Whether raw holds a backslash pair Unescape would keep as it is (or a lone trailing backslash).
bool HasUnknownEscape(std::string_view raw, bool quote_escape) {
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') continue;
    if (i + 1 == raw.size()) return true;
    const char next = raw[++i];
    if (next != '\\' && next != 'n' && !(quote_escape && next == '"')) return true;
  }
  return false;
}

Type ModelType(Kind kind) {
  switch (kind) {
    case Kind::kCounter: return Type::kCounter;
    case Kind::kGauge: return Type::kGauge;
    case Kind::kHistogram: return Type::kHistogram;
    case Kind::kSummary: return Type::kSummary;
    // OpenMetrics' info and stateset series are gauges (value 1, or 0/1 per state).
    case Kind::kInfo:
    case Kind::kStateSet: return Type::kGauge;
    // A gauge histogram's _gsum/_gcount are not a histogram's; the model has no type for it.
    case Kind::kGaugeHistogram:
    case Kind::kUnknown: return Type::kUntyped;
  }
  return Type::kUntyped;
}

// Whether a sample named family + suffix belongs to a family of this kind.
bool SuffixBelongs(Kind kind, bool open_metrics, std::string_view suffix) {
  const bool created = open_metrics && suffix == "_created";
  switch (kind) {
    case Kind::kCounter: return suffix.empty() || suffix == "_total" || created;
    case Kind::kHistogram: return suffix == "_bucket" || suffix == "_sum" || suffix == "_count" || created;
    case Kind::kGaugeHistogram: return suffix == "_bucket" || suffix == "_gsum" || suffix == "_gcount";
    case Kind::kSummary: return suffix.empty() || suffix == "_sum" || suffix == "_count" || created;
    case Kind::kInfo: return suffix == "_info";
    case Kind::kGauge:
    case Kind::kStateSet:
    case Kind::kUnknown: return suffix.empty();
  }
  return false;
}

std::string Quote(std::string_view text) { return "\"" + fleet::ForeignText(text, kQuoteMax) + "\""; }

class Parser {
 public:
  Parser(std::string_view body, Format format, const ExpositionLimits& limits,
         const SampleCallback& on_sample, const MetadataCallback& on_metadata)
      : body_(body), open_metrics_(format == Format::kOpenMetrics), limits_(limits), on_sample_(on_sample),
        on_metadata_(on_metadata) {}

  ParseError Run() {
    if (limits_.max_body_bytes > 0 && body_.size() > limits_.max_body_bytes) {
      return {ParseErrorKind::kBodyTooLarge, 0,
              "body of " + std::to_string(body_.size()) + " bytes is over the limit of " +
                  std::to_string(limits_.max_body_bytes)};
    }
    size_t pos = 0;
    bool eof_seen = false;
    while (pos < body_.size()) {
      ++line_number_;
      if (eof_seen) return Error(ParseErrorKind::kDataAfterEof, "data after # EOF");
      const size_t newline = body_.find('\n', pos);
      const bool terminated = newline != std::string_view::npos;
      const size_t end = terminated ? newline : body_.size();
      line_ = body_.substr(pos, end - pos);
      pos = terminated ? end + 1 : end;
      if (line_.size() > limits_.max_line_bytes) {
        return Error(ParseErrorKind::kLineTooLong, "line of " + std::to_string(line_.size()) +
                                                       " bytes is over the limit of " +
                                                       std::to_string(limits_.max_line_bytes));
      }
      ParseError error;
      if (open_metrics_) {
        if (line_ == "# EOF") {
          eof_seen = true;
          continue;
        }
        if (line_.starts_with("# EOF")) return Error(ParseErrorKind::kDataAfterEof, "data after # EOF");
        if (!terminated) return Error(ParseErrorKind::kMissingEof, "the body does not end with # EOF");
        error = OpenMetricsLine();
      } else {
        error = TextLine();
      }
      if (!error.ok()) return error;
    }
    if (open_metrics_ && !eof_seen) {
      return {ParseErrorKind::kMissingEof, line_number_, "the body does not end with # EOF"};
    }
    return {};
  }

 private:
  enum class Meta { kHelp, kType, kUnit };

  ParseError Error(ParseErrorKind kind, const std::string& what) const {
    return {kind, line_number_, what + " in line " + Quote(line_)};
  }

  size_t SkipBlanks(size_t i) const {
    if (!open_metrics_) {
      while (i < line_.size() && IsBlank(line_[i])) ++i;
    }
    return i;
  }

  size_t ScanMetricName(size_t i) const {
    if (i >= line_.size() || !IsMetricNameStart(line_[i])) return i;
    while (i < line_.size() && IsMetricNameChar(line_[i])) ++i;
    return i;
  }

  ParseError TextLine() {
    size_t i = SkipBlanks(0);
    if (i == line_.size()) return {};  // blank lines are allowed
    if (line_[i] != '#') return SampleLine(i);
    const size_t word = SkipBlanks(i + 1);
    if (word == i + 1) return {};  // "#text": a comment
    const std::string_view rest = line_.substr(word);
    Meta meta;
    if (rest.starts_with("HELP")) {
      meta = Meta::kHelp;
    } else if (rest.starts_with("TYPE")) {
      meta = Meta::kType;
    } else {
      return {};  // any other comment
    }
    if (rest.size() == 4 || !IsBlank(rest[4])) return {};  // "# HELPER ...": a comment too
    const size_t name_start = SkipBlanks(word + 5);
    const size_t name_end = ScanMetricName(name_start);
    if (name_end == name_start) return Error(ParseErrorKind::kSyntax, "expected a metric name after HELP or TYPE");
    std::string_view text;
    if (name_end < line_.size()) {
      if (!IsBlank(line_[name_end])) return Error(ParseErrorKind::kSyntax, "expected a blank after the metric name");
      text = line_.substr(name_end + 1);
    }
    return Metadata(meta, line_.substr(name_start, name_end - name_start), text);
  }

  ParseError OpenMetricsLine() {
    if (line_.empty()) return Error(ParseErrorKind::kSyntax, "blank line");
    if (line_[0] != '#') return SampleLine(0);
    Meta meta;
    if (line_.starts_with("# HELP ")) {
      meta = Meta::kHelp;
    } else if (line_.starts_with("# TYPE ")) {
      meta = Meta::kType;
    } else if (line_.starts_with("# UNIT ")) {
      meta = Meta::kUnit;
    } else {
      return Error(ParseErrorKind::kSyntax, "OpenMetrics has no comments but HELP, TYPE, UNIT and EOF");
    }
    const size_t name_start = 7;
    const size_t name_end = ScanMetricName(name_start);
    if (name_end == name_start) return Error(ParseErrorKind::kSyntax, "expected a metric name after " + std::string(line_.substr(2, 4)));
    if (name_end == line_.size() || line_[name_end] != ' ') {
      return Error(ParseErrorKind::kSyntax, "expected a space and text after the metric name");
    }
    return Metadata(meta, line_.substr(name_start, name_end - name_start), line_.substr(name_end + 1));
  }

  ParseError Metadata(Meta meta, std::string_view name, std::string_view text) {
    if (name != family_.name || family_has_samples_ || !any_family_) StartFamily(name);
    MetadataKind kind = MetadataKind::kUnit;
    switch (meta) {
      case Meta::kHelp:
        if (!fleet::IsUtf8(text)) return Error(ParseErrorKind::kInvalidUtf8, "HELP text is not UTF-8");
        if (limits_.refuse_unknown_escapes && HasUnknownEscape(text, /*quote_escape=*/open_metrics_)) {
          return Error(ParseErrorKind::kSyntax, "invalid escape sequence in HELP text");
        }
        family_.help = Unescape(text, /*quote_escape=*/open_metrics_);
        kind = MetadataKind::kHelp;
        break;
      case Meta::kType: {
        std::optional<Kind> type = KindNamed(text);
        if (!type) return Error(ParseErrorKind::kSyntax, "invalid metric type " + Quote(text));
        kind_ = *type;
        family_.type = ModelType(kind_);
        kind = MetadataKind::kType;
        break;
      }
      case Meta::kUnit:
        // OpenMetrics: a family with a unit has it as its name's last part.
        if (!text.empty() && !(name.size() > text.size() && name.ends_with(text) &&
                               name[name.size() - text.size() - 1] == '_')) {
          return Error(ParseErrorKind::kSyntax, "unit is not a suffix of the metric name");
        }
        break;
    }
    if (on_metadata_) {
      if (const std::string broken = on_metadata_(kind, family_); !broken.empty()) {
        return Error(ParseErrorKind::kSyntax, broken);
      }
    }
    return {};
  }

  std::optional<Kind> KindNamed(std::string_view text) const {
    if (text == "counter") return Kind::kCounter;
    if (text == "gauge") return Kind::kGauge;
    if (text == "histogram") return Kind::kHistogram;
    if (text == "summary") return Kind::kSummary;
    if (open_metrics_) {
      if (text == "gaugehistogram") return Kind::kGaugeHistogram;
      if (text == "info") return Kind::kInfo;
      if (text == "stateset") return Kind::kStateSet;
      if (text == "unknown") return Kind::kUnknown;
    } else if (text == "untyped") {
      return Kind::kUnknown;
    }
    return std::nullopt;
  }

  void StartFamily(std::string_view name) {
    if (any_family_) ++family_index_;
    any_family_ = true;
    family_has_samples_ = false;
    family_.name.assign(name);
    family_.help.clear();
    family_.type = Type::kUntyped;
    kind_ = Kind::kUnknown;
  }

  // One token: up to a blank (the text format) or a space (OpenMetrics), or the line's end.
  std::string_view Token(size_t* i) const {
    const size_t start = *i;
    while (*i < line_.size() && line_[*i] != ' ' && (open_metrics_ || line_[*i] != '\t')) ++*i;
    return line_.substr(start, *i - start);
  }

  ParseError SampleLine(size_t start) {
    if (line_[start] == '{') {
      return Error(ParseErrorKind::kSyntax, "metric name not set (quoted metric names are not supported)");
    }
    size_t i = ScanMetricName(start);
    if (i == start) return Error(ParseErrorKind::kSyntax, "expected a metric name, HELP, TYPE or a comment");
    const std::string_view name = line_.substr(start, i - start);
    sample_.labels.clear();
    sample_.timestamp_ms.reset();
    i = SkipBlanks(i);
    if (i < line_.size() && line_[i] == '{') {
      if (ParseError error = ParseLabels(&i, &sample_.labels); !error.ok()) return error;
    }
    if (open_metrics_) {
      if (i >= line_.size() || line_[i] != ' ') return Error(ParseErrorKind::kSyntax, "expected a space and a value after the metric");
      ++i;
    } else {
      i = SkipBlanks(i);
    }
    const std::string_view value = Token(&i);
    if (value.empty()) return Error(ParseErrorKind::kSyntax, "expected a value after the metric");
    if (!ParseValue(value, &sample_.value)) return Error(ParseErrorKind::kInvalidValue, "invalid value " + Quote(value));
    if (ParseError error = open_metrics_ ? OpenMetricsLineEnd(i) : TextLineEnd(i); !error.ok()) return error;
    return Deliver(name);
  }

  ParseError TextLineEnd(size_t i) {
    i = SkipBlanks(i);
    if (i == line_.size()) return {};
    const std::string_view timestamp = Token(&i);
    int64_t ms = 0;
    if (!ParseTextTimestamp(timestamp, &ms)) return Error(ParseErrorKind::kInvalidTimestamp, "invalid timestamp " + Quote(timestamp));
    sample_.timestamp_ms = ms;
    if (SkipBlanks(i) != line_.size()) return Error(ParseErrorKind::kSyntax, "expected the line to end after the timestamp");
    return {};
  }

  ParseError OpenMetricsLineEnd(size_t i) {
    if (i == line_.size()) return {};
    ++i;  // the space Token stopped at
    if (i < line_.size() && line_[i] != '#') {
      const std::string_view timestamp = Token(&i);
      int64_t ms = 0;
      if (!ParseOpenMetricsTimestamp(timestamp, &ms)) return Error(ParseErrorKind::kInvalidTimestamp, "invalid timestamp " + Quote(timestamp));
      sample_.timestamp_ms = ms;
      if (i == line_.size()) return {};
      ++i;
    }
    if (line_.substr(i, 3) != "# {") return Error(ParseErrorKind::kSyntax, "expected the line to end, or an exemplar");
    return SkipExemplar(i + 2);
  }

  // ` # {labels} value [timestamp]`: parsed to the same limits, then dropped (the agent stores no
  // exemplars).
  ParseError SkipExemplar(size_t i) {
    exemplar_labels_.clear();
    if (ParseError error = ParseLabels(&i, &exemplar_labels_); !error.ok()) return error;
    if (i >= line_.size() || line_[i] != ' ') return Error(ParseErrorKind::kSyntax, "expected a value after the exemplar's labels");
    ++i;
    double value = 0;
    const std::string_view value_text = Token(&i);
    if (!ParseValue(value_text, &value)) return Error(ParseErrorKind::kInvalidValue, "invalid exemplar value " + Quote(value_text));
    if (i == line_.size()) return {};
    ++i;
    int64_t ms = 0;
    const std::string_view timestamp = Token(&i);
    if (!ParseOpenMetricsTimestamp(timestamp, &ms)) return Error(ParseErrorKind::kInvalidTimestamp, "invalid exemplar timestamp " + Quote(timestamp));
    if (i != line_.size()) return Error(ParseErrorKind::kSyntax, "expected the line to end after the exemplar");
    return {};
  }

  // From the '{' to past the '}'.
  ParseError ParseLabels(size_t* pos, Labels* labels) {
    size_t i = *pos + 1;
    while (true) {
      i = SkipBlanks(i);
      if (i >= line_.size()) return Error(ParseErrorKind::kSyntax, "unterminated label set");
      if (line_[i] == '}') {
        *pos = i + 1;
        return {};
      }
      if (line_[i] == '"') return Error(ParseErrorKind::kSyntax, "quoted label names are not supported");
      const size_t name_start = i;
      if (!IsLabelNameStart(line_[i])) return Error(ParseErrorKind::kSyntax, "expected a label name");
      while (i < line_.size() && IsLabelNameChar(line_[i])) ++i;
      const std::string_view name = line_.substr(name_start, i - name_start);
      if (name.size() > limits_.max_label_name_bytes) return Error(ParseErrorKind::kLabelNameTooLong, "label name over " + std::to_string(limits_.max_label_name_bytes) + " bytes");
      i = SkipBlanks(i);
      if (i >= line_.size() || line_[i] != '=') return Error(ParseErrorKind::kSyntax, "expected = after the label name");
      i = SkipBlanks(i + 1);
      if (i >= line_.size() || line_[i] != '"') return Error(ParseErrorKind::kSyntax, "expected a quoted label value");
      size_t end = i + 1;
      while (end < line_.size() && line_[end] != '"') end += line_[end] == '\\' ? 2 : 1;
      if (end >= line_.size()) return Error(ParseErrorKind::kSyntax, "unterminated label value");
      const std::string_view raw = line_.substr(i + 1, end - i - 1);
      i = end + 1;
      if (!fleet::IsUtf8(raw)) return Error(ParseErrorKind::kInvalidUtf8, "label value is not UTF-8");
      if (limits_.refuse_unknown_escapes && HasUnknownEscape(raw, /*quote_escape=*/true)) {
        return Error(ParseErrorKind::kSyntax, "invalid escape sequence in label value");
      }
      if (labels->size() >= limits_.max_labels) return Error(ParseErrorKind::kTooManyLabels, "more than " + std::to_string(limits_.max_labels) + " labels");
      if (name == "__name__") return Error(ParseErrorKind::kDuplicateLabelName, "__name__ given as a label");
      for (const auto& label : *labels) {
        if (label.name == name) return Error(ParseErrorKind::kDuplicateLabelName, "label " + std::string(name) + " given twice");
      }
      std::string value = Unescape(raw, /*quote_escape=*/true);
      // Prometheus 3 stores a classic histogram's le and a summary's quantile in one spelling
      // (le="1" and le="1.0" are the same bucket): its textparse normalizeFloatsInLabelValues.
      double bound = 0;
      if (limits_.normalize_bounds &&
          ((kind_ == Kind::kHistogram && name == "le") ||
           (kind_ == Kind::kSummary && name == "quantile")) &&
          ParseValue(value, &bound)) {
        value = FormatOpenMetricsFloat(bound);
      }
      if (value.size() > limits_.max_label_value_bytes) return Error(ParseErrorKind::kLabelValueTooLong, "label value over " + std::to_string(limits_.max_label_value_bytes) + " bytes");
      labels->push_back({std::string(name), std::move(value)});
      i = SkipBlanks(i);
      if (i < line_.size() && line_[i] == ',') {
        ++i;  // a trailing comma before '}' is allowed in both formats
      } else if (i >= line_.size() || line_[i] != '}') {
        return Error(ParseErrorKind::kSyntax, "expected , or } after a label");
      }
    }
  }

  ParseError Deliver(std::string_view name) {
    if (limits_.max_samples > 0 && ++samples_ > limits_.max_samples) {
      return Error(ParseErrorKind::kTooManySamples, "more than " + std::to_string(limits_.max_samples) + " samples");
    }
    const bool belongs = any_family_ && name.starts_with(family_.name) &&
                         SuffixBelongs(kind_, open_metrics_, name.substr(family_.name.size()));
    if (!belongs) StartFamily(name);
    sample_.suffix.assign(name.substr(family_.name.size()));
    family_has_samples_ = true;
    on_sample_(family_, family_index_, sample_);
    return {};
  }

  const std::string_view body_;
  const bool open_metrics_;
  const ExpositionLimits& limits_;
  const SampleCallback& on_sample_;
  const MetadataCallback& on_metadata_;
  std::string_view line_;
  size_t line_number_ = 0;
  size_t samples_ = 0;
  // The current family: its metadata and how samples are matched to it.
  Family family_;
  Kind kind_ = Kind::kUnknown;
  size_t family_index_ = 0;
  bool any_family_ = false;
  bool family_has_samples_ = false;
  // Reused from line to line.
  Sample sample_;
  Labels exemplar_labels_;
};

}  // namespace

const char* ParseErrorKindName(ParseErrorKind kind) {
  switch (kind) {
    case ParseErrorKind::kNone: return "none";
    case ParseErrorKind::kUnsupportedContentType: return "unsupported_content_type";
    case ParseErrorKind::kBodyTooLarge: return "body_too_large";
    case ParseErrorKind::kTooManySamples: return "too_many_samples";
    case ParseErrorKind::kLineTooLong: return "line_too_long";
    case ParseErrorKind::kSyntax: return "syntax";
    case ParseErrorKind::kInvalidUtf8: return "invalid_utf8";
    case ParseErrorKind::kTooManyLabels: return "too_many_labels";
    case ParseErrorKind::kLabelNameTooLong: return "label_name_too_long";
    case ParseErrorKind::kLabelValueTooLong: return "label_value_too_long";
    case ParseErrorKind::kDuplicateLabelName: return "duplicate_label_name";
    case ParseErrorKind::kInvalidValue: return "invalid_value";
    case ParseErrorKind::kInvalidTimestamp: return "invalid_timestamp";
    case ParseErrorKind::kMissingEof: return "missing_eof";
    case ParseErrorKind::kDataAfterEof: return "data_after_eof";
  }
  return "unknown";
}

FormatChoice FormatForContentType(std::string_view content_type, std::optional<Format> fallback) {
  std::string_view media_type = content_type.substr(0, content_type.find(';'));
  while (!media_type.empty() && IsBlank(media_type.front())) media_type.remove_prefix(1);
  while (!media_type.empty() && IsBlank(media_type.back())) media_type.remove_suffix(1);
  if (EqualsIgnoringCase(media_type, "application/openmetrics-text")) return {Format::kOpenMetrics, {}};
  if (EqualsIgnoringCase(media_type, "text/plain")) return {Format::kPrometheusText, {}};
  if (fallback) return {*fallback, {}};
  return {Format::kPrometheusText,
          {ParseErrorKind::kUnsupportedContentType, 0,
           "unsupported Content-Type " + Quote(content_type) + " and no fallback format"}};
}

ParseError ParseExposition(std::string_view body, Format format, const ExpositionLimits& limits,
                           const SampleCallback& on_sample, const MetadataCallback& on_metadata) {
  return Parser(body, format, limits, on_sample, on_metadata).Run();
}

ParseError ParseFamilies(std::string_view body, Format format, const ExpositionLimits& limits,
                         std::vector<Family>* families) {
  size_t last_index = 0;
  return ParseExposition(body, format, limits,
                         [&](const Family& family, size_t family_index, Sample& sample) {
                           if (families->empty() || family_index != last_index) {
                             families->push_back({family.name, family.help, family.type, {}});
                             last_index = family_index;
                           }
                           families->back().samples.push_back(std::move(sample));
                         });
}

}  // namespace agent::scrape
