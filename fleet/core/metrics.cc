#include "fleet/core/metrics.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

namespace fleet::metrics {
namespace {

const char* TypeName(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
    case Type::kSummary: return "summary";
    case Type::kUntyped: return "untyped";
  }
  return "untyped";
}

// HELP text escapes backslash and newline; label values additionally escape the double quote.
// Nearly all text has none of these, so it is first searched with memchr (vectorised in glibc)
// and appended whole; only text that has one is copied a run at a time.
void AppendEscaped(std::string_view s, bool quote, std::string* out) {
  const auto has = [&](char c) { return std::memchr(s.data(), c, s.size()) != nullptr; };
  if (!has('\\') && !has('\n') && !(quote && has('"'))) {
    out->append(s);
    return;
  }
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\' && c != '\n' && (c != '"' || !quote)) continue;
    out->append(s.data() + start, i - start);
    out->append(c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\");
    start = i + 1;
  }
  out->append(s.data() + start, s.size() - start);
}

// FormatValue without the temporary string: this runs once per sample of every scrape.
void AppendValue(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[64];
    // Integral values up to 2^53 print exactly, without an exponent (counters read best that way).
    auto [end, ec] = v == std::floor(v) && std::fabs(v) < 9007199254740992.0
                         ? std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v))
                         : std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, end);
  }
}

// An upper estimate of WriteText's output, so the text is written into one allocation instead
// of being copied each time the string doubles (a scrape with containers is ~160 KiB).
size_t TextSize(const std::vector<Family>& families) {
  size_t n = 0;
  for (const Family& f : families) {
    n += 2 * f.name.size() + f.help.size() + 32;
    for (const Sample& s : f.samples) {
      n += f.name.size() + s.suffix.size() + 32;  // "{", "} ", the value (at most 24), "\n"
      for (const Label& l : s.labels) n += l.name.size() + l.value.size() + 4;
    }
  }
  return n + n / 16;  // room for escapes
}

Labels Zip(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  Labels labels;
  labels.reserve(names.size());
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    labels.push_back({names[i], values[i]});
  }
  return labels;
}

bool Matches(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  assert(names.size() == values.size() && "label values do not match label names");
  return names.size() == values.size();
}

}  // namespace

std::string FormatValue(double v) {
  std::string out;
  AppendValue(v, &out);
  return out;
}

void WriteText(const std::vector<Family>& families, std::string* out) {
  out->reserve(out->size() + TextSize(families));
  for (const Family& f : families) AppendFamilyText(f, out);
}

void AppendFamilyText(const Family& f, std::string* out) {
  if (f.samples.empty()) return;
  out->append("# HELP ").append(f.name).push_back(' ');
  AppendEscaped(f.help, /*quote=*/false, out);
  out->append("\n# TYPE ").append(f.name).push_back(' ');
  out->append(TypeName(f.type)).push_back('\n');
  for (const Sample& s : f.samples) {
    out->append(f.name).append(s.suffix);
    if (!s.labels.empty()) {
      out->push_back('{');
      for (size_t i = 0; i < s.labels.size(); ++i) {
        if (i > 0) out->push_back(',');
        out->append(s.labels[i].name).append("=\"");
        AppendEscaped(s.labels[i].value, /*quote=*/true, out);
        out->push_back('"');
      }
      out->push_back('}');
    }
    out->push_back(' ');
    AppendValue(s.value, out);
    out->push_back('\n');
  }
}

ValueVec::ValueVec(std::string name, std::string help, std::vector<std::string> label_names,
                   Type type)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      type_(type) {}

void ValueVec::Write(const std::vector<std::string>& label_values, double value, bool add) {
  if (!Matches(label_names_, label_values)) return;
  std::lock_guard lock(mu_);
  double& v = values_[label_values];
  v = add ? v + value : value;
}

void ValueVec::Erase(const std::vector<std::string>& label_values) {
  std::lock_guard lock(mu_);
  values_.erase(label_values);
}

double ValueVec::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

Family ValueVec::Collect() const {
  Family f{name_, help_, type_, {}};
  std::lock_guard lock(mu_);
  for (const auto& [values, v] : values_) f.samples.push_back({"", Zip(label_names_, values), v});
  return f;
}

HistogramVec::HistogramVec(std::string name, std::string help, std::vector<double> bounds,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      bounds_(std::move(bounds)),
      label_names_(std::move(label_names)) {}

std::vector<double> HistogramVec::DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

void HistogramVec::Observe(const std::vector<std::string>& label_values, double value) {
  if (!Matches(label_names_, label_values)) return;
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  std::lock_guard lock(mu_);
  Series& s = series_[label_values];
  if (s.counts.empty()) s.counts.assign(bounds_.size() + 1, 0);
  ++s.counts[bucket];
  s.sum += value;
  ++s.count;
}

Family HistogramVec::Collect() const {
  Family f{name_, help_, Type::kHistogram, {}};
  std::lock_guard lock(mu_);
  for (const auto& [values, s] : series_) {
    const Labels labels = Zip(label_names_, values);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.counts[i];
      Labels bucket_labels = labels;
      bucket_labels.push_back({"le", i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf"});
      f.samples.push_back({"_bucket", std::move(bucket_labels), static_cast<double>(cumulative)});
    }
    f.samples.push_back({"_sum", labels, s.sum});
    f.samples.push_back({"_count", labels, static_cast<double>(s.count)});
  }
  return f;
}

}  // namespace fleet::metrics
