#include "fleetctl/diff.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "fleet/core/subprocess.h"
#include "fleet/core/text.h"

namespace fleetctl {

fleet::Result<std::string> UnifiedDiff(const std::string& label, const std::string& live,
                                       const std::string& merged) {
  char dir_template[] = "/tmp/fleetctl-diff-XXXXXX";
  if (!::mkdtemp(dir_template)) return fleet::Status::Unavailable("cannot create a temp dir for diff");
  const std::string dir = dir_template;
  std::ofstream(dir + "/live") << live;
  std::ofstream(dir + "/merged") << merged;
  // Two YAML renderings of one object: their diff is at most about their sum.
  fleet::SubprocessLimits limits{std::chrono::seconds(60), 2 * (live.size() + merged.size()) + 4096};
  auto ran = fleet::RunSubprocess({"diff", "-u", "-N", "--label", "live/" + label, "--label",
                                   "merged/" + label, dir + "/live", dir + "/merged"},
                                  limits);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  if (!ran.ok()) return ran.status().WithContext("diff");
  if (ran->exit_code != 0 && ran->exit_code != 1) {
    return fleet::Status::Unavailable("diff failed (is diffutils installed?): " +
                                      fleet::ForeignText(ran->err));
  }
  return std::move(ran->out);
}

}  // namespace fleetctl
