// The textfile collector: the *.prom files in a directory (or in every directory a glob matches),
// in the Prometheus text format, served with the host metrics; node_textfile_mtime_seconds per
// file read and node_textfile_scrape_error, as node_exporter's --collector.textfile.directory.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "agent/collectors/collectors.h"
#include "agent/collectors/textfile_format.h"
#include "agent/procfs.h"
#include "fleet/core/files.h"

namespace agent {
namespace {

using fleet::metrics::Family;
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
    return ParseTextFormat(*text);
  }

  const std::string directory_;
};

}  // namespace

std::unique_ptr<Collector> NewTextfileCollector(const CollectorOptions& o) {
  return std::make_unique<TextfileCollector>(o.textfile_directory);
}

}  // namespace agent
