#include "schemadiff/corpus_path.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
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

absl::StatusOr<std::vector<std::string>> CorpusFiles(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    files.push_back(path);
    return files;
  }
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    if (entry.path().extension() == ".jsonl") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat("no .jsonl files in ", path));
  }
  return files;
}

}  // namespace schemadiff
}  // namespace sidecut
