// node_os_info and node_os_version from os-release under the root filesystem path.
#include <cctype>
#include <map>
#include <regex>

#include "agent/collectors/collectors.h"
#include "agent/procfs.h"
#include "agent/regex_filter.h"

namespace agent {
namespace {

using fleet::metrics::Family;
using fleet::metrics::Type;

// os-release values may be quoted ("..." or '...') with backslash escapes inside.
std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

class OsCollector : public Collector {
 public:
  explicit OsCollector(HostPaths paths) : paths_(std::move(paths)) {}

  fleet::Status Collect(std::vector<Family>* out) override {
    fleet::Result<std::string> text = fleet::ReadFileText(paths_.rootfs + "/etc/os-release");
    if (!text.ok()) text = fleet::ReadFileText(paths_.rootfs + "/usr/lib/os-release");
    if (!text.ok()) return text.status();
    std::map<std::string, std::string> kv;
    for (std::string_view line : Lines(*text)) {
      size_t eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string_view::npos) continue;
      kv[std::string(line.substr(0, eq))] = Unquote(line.substr(eq + 1));
    }
    static const char* const kInfoKeys[] = {"build_id",      "id",         "id_like",
                                            "image_id",      "image_version", "name",
                                            "pretty_name",   "variant",    "variant_id",
                                            "version",       "version_codename", "version_id"};
    fleet::metrics::Labels labels;
    for (const char* key : kInfoKeys) {
      std::string upper(key);
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      labels.push_back({key, kv[upper]});
    }
    out->push_back(Single(Type::kGauge, "node_os_info",
                          "A metric with a constant '1' value labeled by build_id, id, id_like, "
                          "image_id, image_version, name, pretty_name, variant, variant_id, "
                          "version, version_codename, version_id.",
                          1, std::move(labels)));
    static const std::regex kMajorMinor(R"(^[0-9]+(\.[0-9]+)?)");
    std::smatch m;
    double version = 0;
    const std::string version_id = kv["VERSION_ID"].substr(0, kMaxRegexInput);
    if (std::regex_search(version_id, m, kMajorMinor)) ParseDouble(m.str(), &version);
    out->push_back(Single(Type::kGauge, "node_os_version",
                          "Metric containing the major.minor part of the OS version.", version,
                          {{"id", kv["ID"]}, {"id_like", kv["ID_LIKE"]}, {"name", kv["NAME"]}}));
    return fleet::Status::Ok();
  }

 private:
  HostPaths paths_;
};

}  // namespace

std::unique_ptr<Collector> NewOsCollector(const CollectorOptions& o) {
  return std::make_unique<OsCollector>(o.paths);
}

}  // namespace agent
