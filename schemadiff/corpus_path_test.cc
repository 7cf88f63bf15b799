#include "schemadiff/corpus_path.h"

#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

TEST(CorpusPathTest, FindsWorkspaceThroughRunfileSymlink) {
  // Inside `bazel test`, BUILD.bazel (in `data`) resolves into the source
  // tree, which holds this package.
  std::string ws = FindWorkspaceDirectory("schemadiff/BUILD.bazel");
  EXPECT_NE(ws, ".");
  EXPECT_THAT(SharedCorpusPath("schemadiff/BUILD.bazel", "x/y.jsonl"),
              EndsWith("/../shared/corpus/x/y.jsonl"));
}

TEST(CorpusPathTest, BuildWorkspaceDirectoryWins) {
  ASSERT_EQ(setenv("BUILD_WORKSPACE_DIRECTORY", "/some/ws", 1), 0);
  EXPECT_EQ(FindWorkspaceDirectory("schemadiff/BUILD.bazel"), "/some/ws");
  EXPECT_THAT(SharedCorpusPath("schemadiff/BUILD.bazel", "a.jsonl"),
              HasSubstr("/some/ws/../shared/corpus/a.jsonl"));
  unsetenv("BUILD_WORKSPACE_DIRECTORY");
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
