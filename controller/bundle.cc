#include "controller/bundle.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fleet/crypto.h"

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

fleet::Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fleet::Status::NotFound("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
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
  fleet::Result<std::string> manifest = ReadWholeFile(dir + "/" + kBundleManifestName);
  if (!manifest.ok()) return manifest.status();
  bundle.manifest = std::move(manifest).value();
  bundle.digest = fleet::Sha256Hex(bundle.manifest);
  fleet::Result<std::vector<BundleFile>> files = ParseBundleManifest(bundle.manifest);
  if (!files.ok()) return files.status().WithContext(dir);
  bundle.files = std::move(files).value();
  for (BundleFile& file : bundle.files) {
    fleet::Result<std::string> content = ReadWholeFile(dir + "/" + file.path);
    if (!content.ok()) return content.status();
    if (fleet::Sha256Hex(*content) != file.sha256) {
      return fleet::Status::Invalid(dir + "/" + file.path + ": sha256 differs from MANIFEST");
    }
    file.content = std::move(content).value();
  }
  return bundle;
}

}  // namespace controller
