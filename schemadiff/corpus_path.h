// Locating the shared acceptance corpora (../shared/corpus beside the
// workspace; see /work/shared/corpus/README.md).
//
// The workspace directory is found, in order, from:
//   1. $BUILD_WORKSPACE_DIRECTORY (set by `bazel run`);
//   2. inside `bazel test`: the runfile $TEST_SRCDIR/$TEST_WORKSPACE/<anchor>
//      is a symlink into the source tree; resolving it (realpath) and
//      stripping <anchor> gives the workspace directory;
//   3. otherwise the current directory.
// Thread-safe (reads the environment only).
#ifndef SIDECUT_SCHEMADIFF_CORPUS_PATH_H_
#define SIDECUT_SCHEMADIFF_CORPUS_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

// Returns the workspace directory. `anchor` is a workspace-relative path of
// a source file listed in the test's `data` (used by method 2).
std::string FindWorkspaceDirectory(absl::string_view anchor);

// Returns <workspace>/../shared/corpus/<relative>.
std::string SharedCorpusPath(absl::string_view anchor,
                             absl::string_view relative);

// The corpus files a conformance runner reads from `path`: the file itself,
// or every *.jsonl file of a directory in name order (kNotFound if none).
absl::StatusOr<std::vector<std::string>> CorpusFiles(const std::string& path);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_CORPUS_PATH_H_
