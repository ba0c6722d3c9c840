#include "fleetctl/input.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "fleet/core/files.h"
#include "fleet/resource.h"

namespace fleetctl {
namespace fs = std::filesystem;

namespace {

fleet::Status ParseInto(const std::string& text, const std::string& source,
                        std::vector<fleet::Document>* out) {
  auto docs = fleet::ParseYamlDocuments(text, source);
  if (!docs.ok()) return docs.status();
  for (auto& d : *docs) out->push_back(std::move(d));
  return fleet::Status::Ok();
}

}  // namespace

fleet::Result<std::vector<fleet::Document>> LoadInputs(const std::vector<std::string>& paths,
                                                       bool recursive) {
  std::vector<fleet::Document> docs;
  for (const auto& p : paths) {
    if (p == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      FLEET_RETURN_IF_ERROR(ParseInto(ss.str(), "<stdin>", &docs));
      continue;
    }
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_directory(p, ec)) {
      auto add = [&](const fs::directory_entry& e) {
        auto ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
          files.push_back(e.path().string());
        }
      };
      if (recursive) {
        for (const auto& e : fs::recursive_directory_iterator(p, ec)) add(e);
      } else {
        for (const auto& e : fs::directory_iterator(p, ec)) add(e);
      }
      std::sort(files.begin(), files.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      return fleet::Status::NotFound(p + ": no such file or directory");
    }
    for (const auto& f : files) {
      auto text = fleet::ReadFileText(f);
      if (!text.ok()) return fleet::Status::NotFound(f + ": cannot read");
      FLEET_RETURN_IF_ERROR(ParseInto(*text, f, &docs));
    }
  }
  if (docs.empty()) return fleet::Status::Invalid("no objects found in the given files");
  return docs;
}

fleet::Result<std::vector<fleet::Document>> LoadValidated(const std::vector<std::string>& paths,
                                                          bool recursive) {
  auto docs = LoadInputs(paths, recursive);
  if (!docs.ok()) return docs.status();
  auto causes = fleet::ValidateDocuments(*docs, false);
  if (!causes.empty()) return fleet::Status::Invalid("", std::move(causes));
  return docs;
}

fleet::Status PlacedInFiles(const fleet::Status& status, const std::vector<fleet::Document>& docs) {
  if (status.causes().empty()) return status;
  std::vector<fleet::Cause> causes;
  for (fleet::Cause c : status.causes()) {
    if (c.item >= 0 && static_cast<size_t>(c.item) < docs.size()) c = fleet::Placed(docs[c.item], std::move(c));
    causes.push_back(std::move(c));
  }
  return fleet::Status::WithCauses(status.code(), "", std::move(causes));
}

}  // namespace fleetctl
