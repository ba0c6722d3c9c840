// The textfile collector: the *.prom files in a directory (or in every directory a glob matches),
// in the Prometheus text format, served with the host metrics; node_textfile_mtime_seconds per
// file read and node_textfile_scrape_error, as node_exporter's --collector.textfile.directory.
#include "agent/collectors/textfile.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/scrape/exposition_parser.h"
#include "fleet/core/files.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Sample;
using fleet::metrics::Type;

// Bounds on what an operator's scripts can make the agent hold per scrape.
constexpr size_t kMaxFileBytes = 4 << 20;
constexpr size_t kMaxFiles = 256;

// The directories a --collector.textfile.directory value names: its glob matches, or the value
// itself when it matches nothing (node_exporter then reads it as a plain directory).
std::vector<std::string> Directories(const std::string& pattern) {
  std::vector<std::string> out = pattern.empty() ? std::vector<std::string>{} : Glob(pattern);
  if (out.empty()) out.push_back(pattern);
  return out;
}

// Every series of a family gets every label name used in the family, "" where it had none: the
// Prometheus client refuses a family whose series have different label names.
void FillMissingLabels(Family* f) {
  std::vector<std::string> names;
  for (const auto& s : f->samples) {
    for (const auto& l : s.labels) {
      if (std::find(names.begin(), names.end(), l.name) == names.end()) names.push_back(l.name);
    }
  }
  for (auto& s : f->samples) {
    for (const std::string& name : names) {
      auto has = [&](const fleet::metrics::Label& l) { return l.name == name; };
      if (std::none_of(s.labels.begin(), s.labels.end(), has)) s.labels.push_back({name, ""});
    }
  }
}

// expfmt's TextParser over the parser's samples and metadata: families kept by name, the HELP and
// TYPE rules, and the histogram/summary membership of a name, decided as expfmt decides it (by the
// type declared for the name without the suffix).
class TextfileParse {
 public:
  fleet::Result<std::vector<TextFamily>> Run(std::string_view text) {
    scrape::ExpositionLimits limits;
    limits.max_labels = kMaxTextLabels;
    limits.max_line_bytes = text.size();  // expfmt bounds neither: the caller bounds the file
    limits.max_label_value_bytes = text.size();
    limits.refuse_unknown_escapes = true;
    limits.normalize_bounds = false;  // node_exporter serves le="1" as the file has it
    const scrape::ParseError error = scrape::ParseExposition(
        text, scrape::Format::kPrometheusText, limits,
        [this](const Family& family, size_t, Sample& sample) { OnSample(family, sample); },
        [this](scrape::MetadataKind kind, const Family& family) { return OnMetadata(kind, family); });
    if (!error.ok()) {
      return fleet::Status::Invalid("line " + std::to_string(error.line) + ": " + error.message);
    }
    if (!broken_.empty()) return fleet::Status::Invalid(broken_);
    std::erase_if(families_, [](const TextFamily& f) { return f.family.samples.empty(); });
    return std::move(families_);
  }

 private:
  TextFamily& FamilyNamed(const std::string& name) {
    auto [it, added] = index_.emplace(name, families_.size());
    if (added) {
      families_.emplace_back();
      families_.back().family.name = name;
    }
    return families_[it->second];
  }

  std::string OnMetadata(scrape::MetadataKind kind, const Family& parsed) {
    TextFamily& f = FamilyNamed(parsed.name);
    if (kind == scrape::MetadataKind::kHelp) {
      std::string_view help = parsed.help;
      while (!help.empty() && (help.front() == ' ' || help.front() == '\t')) help.remove_prefix(1);
      if (help.empty()) return {};
      if (f.help_given) return "second HELP for " + f.family.name;
      f.family.help = std::string(help);
      f.help_given = true;
    } else if (kind == scrape::MetadataKind::kType) {
      if (!typed_.insert(f.family.name).second) return "second TYPE for " + f.family.name;
      if (!f.family.samples.empty()) return "TYPE for " + f.family.name + " after its samples";
      f.family.type = parsed.type;
    }
    return {};
  }

  // The parser has grouped the sample by Prometheus' rules; expfmt's are by name, so it is
  // placed again from its full name. Only the first broken rule is kept: the file is refused.
  void OnSample(const Family& parsed, Sample& sample) {
    if (!broken_.empty()) return;
    const std::string name = parsed.name + sample.suffix;
    if (sample.timestamp_ms) {
      broken_ = name + ": client-side timestamps are not supported";
      return;
    }
    std::string family_name = name;
    sample.suffix.clear();
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
      auto it = index_.find(name.substr(0, name.size() - suffix.size()));
      if (it == index_.end()) continue;
      const Type t = families_[it->second].family.type;
      if (t == Type::kHistogram || (t == Type::kSummary && suffix != "_bucket")) {
        family_name = it->first;
        sample.suffix = std::string(suffix);
      }
    }
    TextFamily& f = FamilyNamed(family_name);
    auto has_label = [&](const char* label) {
      return std::any_of(sample.labels.begin(), sample.labels.end(),
                         [&](const fleet::metrics::Label& l) { return l.name == label; });
    };
    if (f.family.type == Type::kHistogram && sample.suffix.empty()) {
      broken_ = "histogram " + f.family.name + " sample without _bucket, _sum or _count";
    } else if (f.family.type == Type::kHistogram && sample.suffix == "_bucket" && !has_label("le")) {
      broken_ = "histogram " + f.family.name + ": bucket without le";
    } else if (f.family.type == Type::kSummary && sample.suffix.empty() && !has_label("quantile")) {
      broken_ = "summary " + f.family.name + ": sample without quantile";
    } else {
      f.family.samples.push_back(std::move(sample));
    }
  }

  std::vector<TextFamily> families_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_set<std::string> typed_;
  std::string broken_;  // the first rule a sample broke
};

class TextfileCollector : public Collector {
 public:
  explicit TextfileCollector(std::string directory) : directory_(std::move(directory)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    bool errored = false;
    std::vector<TextFamily> families;
    std::map<std::string, std::string> files_of;  // family -> "a.prom, b.prom", for HELP
    Family mtimes{"node_textfile_mtime_seconds",
                  "Unixtime mtime of textfiles successfully read.",
                  Type::kGauge,
                  {}};
    size_t files = 0;
    for (std::string dir : Directories(directory_)) {
      std::error_code ec;
      std::vector<std::string> names;
      // increment(ec), not ++: a directory that vanishes mid-listing is an error, not a throw.
      for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
           it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".prom") == 0)
          names.push_back(name);
      }
      // An unset directory reads nothing and is no error, as in node_exporter.
      if (ec && !dir.empty()) errored = true;
      std::sort(names.begin(), names.end());
      while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      for (const std::string& name : names) {
        if (++files > kMaxFiles) {
          errored = true;
          break;
        }
        const std::string path = dir + "/" + name;
        auto parsed = ReadFile(path);
        if (!parsed.ok()) {
          errored = true;
          continue;
        }
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
          errored = true;
          continue;
        }
        for (TextFamily& f : *parsed) {
          std::string& list = files_of[f.family.name];
          list += (list.empty() ? "" : ", ") + path;
          families.push_back(std::move(f));
        }
        mtimes.samples.push_back({"", {{"file", path}}, double(st.st_mtim.tv_sec)});
      }
    }
    for (TextFamily& f : families) {
      if (!f.help_given) f.family.help = "Metric read from " + files_of[f.family.name];
      FillMissingLabels(&f.family);
      out->push_back(std::move(f.family));
    }
    out->push_back(std::move(mtimes));
    out->push_back(Single(Type::kGauge, "node_textfile_scrape_error",
                          "1 if there was an error opening or reading a file, 0 otherwise",
                          errored ? 1 : 0));
    return fleet::Status::Ok();
  }

 private:
  static fleet::Result<std::vector<TextFamily>> ReadFile(const std::string& path) {
    auto text = fleet::ReadFileText(path, kMaxFileBytes);
    if (!text.ok()) return text.status();
    return ParseTextfile(*text);
  }

  const std::string directory_;
};

}  // namespace

fleet::Result<std::vector<TextFamily>> ParseTextfile(std::string_view text) {
  return TextfileParse().Run(text);
}

std::unique_ptr<Collector> NewTextfileCollector(const CollectorOptions& o) {
  return std::make_unique<TextfileCollector>(o.textfile_directory);
}

}  // namespace agent
