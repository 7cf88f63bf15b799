#include "schemadiff/corpus_path.h"

#include <climits>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

std::string FindWorkspaceDirectory(absl::string_view anchor) {
  std::string ws = Env("BUILD_WORKSPACE_DIRECTORY");
  if (!ws.empty()) return ws;
  std::string srcdir = Env("TEST_SRCDIR");
  if (!srcdir.empty()) {
    std::string workspace = Env("TEST_WORKSPACE");
    std::string runfile = absl::StrCat(srcdir, "/", workspace, "/", anchor);
    char resolved[PATH_MAX];
    if (realpath(runfile.c_str(), resolved) != nullptr) {
      std::string real(resolved);
      std::string suffix = absl::StrCat("/", anchor);
      if (absl::EndsWith(real, suffix)) {
        return real.substr(0, real.size() - suffix.size());
      }
    }
  }
  return ".";
}

std::string SharedCorpusPath(absl::string_view anchor,
                             absl::string_view relative) {
  return absl::StrCat(FindWorkspaceDirectory(anchor), "/../shared/corpus/",
                      relative);
}

}  // namespace schemadiff
}  // namespace sidecut
