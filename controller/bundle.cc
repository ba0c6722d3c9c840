#include "controller/bundle.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "fleet/core/crypto.h"
#include "fleet/core/files.h"
#include "fleet/resource.h"

namespace controller {
namespace {

bool SafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  const bool allowed_chars = std::all_of(path.begin(), path.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '+' || c == '-' || c == '/';
  });
  if (!allowed_chars) return false;
  std::istringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

bool IsLowerHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

fleet::Result<std::vector<BundleFile>> ParseBundleManifest(std::string_view text) {
  std::vector<BundleFile> files;
  std::istringstream lines{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const std::string where = std::string(kBundleManifestName) + ":" + std::to_string(number);
    std::istringstream fields(line);
    BundleFile file;
    std::string mode, extra;
    if (!(fields >> file.sha256 >> mode >> file.path) || (fields >> extra)) {
      return fleet::Status::Invalid(where + ": want \"sha256 mode path\"");
    }
    if (!IsLowerHex64(file.sha256)) return fleet::Status::Invalid(where + ": bad sha256");
    if (mode.empty() || mode.size() > 4 ||
        mode.find_first_not_of("01234567") != std::string::npos) {
      return fleet::Status::Invalid(where + ": bad mode " + mode);
    }
    file.mode = std::stoi(mode, nullptr, 8);
    if (!SafeRelativePath(file.path) || file.path == kBundleManifestName) {
      return fleet::Status::Invalid(where + ": unsafe path " + file.path);
    }
    if (!files.empty() && files.back().path >= file.path) {
      return fleet::Status::Invalid(where + ": paths must be sorted and unique");
    }
    files.push_back(std::move(file));
  }
  if (files.empty()) return fleet::Status::Invalid("MANIFEST lists no files");
  return files;
}

fleet::Result<Bundle> LoadBundle(const std::string& dir) {
  Bundle bundle;
  fleet::Result<std::string> manifest = fleet::ReadFileText(dir + "/" + kBundleManifestName);
  if (!manifest.ok()) return manifest.status();
  bundle.manifest = std::move(manifest).value();
  bundle.digest = fleet::Sha256Hex(bundle.manifest);
  fleet::Result<std::vector<BundleFile>> files = ParseBundleManifest(bundle.manifest);
  if (!files.ok()) return files.status().WithContext(dir);
  bundle.files = std::move(files).value();
  for (BundleFile& file : bundle.files) {
    fleet::Result<std::string> content = fleet::ReadFileText(dir + "/" + file.path);
    if (!content.ok()) return content.status();
    if (fleet::Sha256Hex(*content) != file.sha256) {
      return fleet::Status::Invalid(dir + "/" + file.path + ": sha256 differs from MANIFEST");
    }
    file.content = std::move(content).value();
    // make-bundle.sh VERSION lists the file, so it is installed and checked like the others.
    if (file.path == "VERSION") {
      bundle.version = file.content.substr(0, file.content.find_last_not_of(" \n") + 1);
    }
  }
  return bundle;
}

namespace {

// A version directory's name is what spec.agent.version names: checked against the CRD's schema
// for that field, so the rule is the one users are held to.
bool IsAgentVersion(const std::string& name) {
  const fleet::Json& schema = fleet::FindKind("AgentProfile")
                                  ->schema["properties"]["spec"]["properties"]["agent"]["properties"]["version"];
  fleet::Json value = name;
  std::vector<fleet::FieldError> errors;
  fleet::ValidateSchema(schema, value, "", false, &errors);
  return errors.empty();
}

}  // namespace

fleet::Result<AgentBundles> LoadAgentBundles(const std::string& single, const std::string& versions_dir,
                                             const std::string& fallback_version) {
  AgentBundles bundles;
  bundles.default_version = fallback_version;
  if (!single.empty()) {
    auto bundle = LoadBundle(single);
    if (!bundle.ok()) return bundle.status();
    if (!bundle->version.empty()) bundles.default_version = bundle->version;
    bundle->version = bundles.default_version;
    bundles.by_version[bundles.default_version] = std::move(*bundle);
  }
  if (!versions_dir.empty()) {
    std::error_code ec;
    std::vector<std::filesystem::path> dirs;
    for (const auto& entry : std::filesystem::directory_iterator(versions_dir, ec)) {
      if (entry.is_directory()) dirs.push_back(entry.path());
    }
    if (ec) return fleet::Status::NotFound("cannot list " + versions_dir + ": " + ec.message());
    for (const auto& path : dirs) {
      const std::string version = path.filename().string();
      if (!IsAgentVersion(version)) {
        return fleet::Status::Invalid(path.string() + ": directory name must be the agent version (x.y.z)");
      }
      auto bundle = LoadBundle(path.string());
      if (!bundle.ok()) return bundle.status();
      if (!bundle->version.empty() && bundle->version != version) {
        return fleet::Status::Invalid(path.string() + "/VERSION says " + bundle->version);
      }
      if (bundles.by_version.count(version) && bundles.by_version[version].digest != bundle->digest) {
        return fleet::Status::Invalid(path.string() + ": version " + version +
                                      " differs from the --agent-bundle of the same version");
      }
      bundle->version = version;
      bundles.by_version[version] = std::move(*bundle);
    }
  }
  if (!bundles.by_version.empty() && !bundles.by_version.count(bundles.default_version)) {
    return fleet::Status::NotFound("no bundle for the default agent version " + bundles.default_version +
                                   " in " + versions_dir);
  }
  return bundles;
}

}  // namespace controller
