#include "onlineddl/disk_check.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

TEST(DiskCheckTest, HumanBytes) {
  EXPECT_EQ(HumanBytes(80), "80 B");
  EXPECT_EQ(HumanBytes(12 * 1024), "12.0 KiB");
  EXPECT_EQ(HumanBytes(uint64_t{300} << 20), "300.0 MiB");
  EXPECT_EQ(HumanBytes(uint64_t{3} << 29), "1.5 GiB");
}

TEST(DiskCheckTest, LocalFilesystems) {
  ASSERT_OK_AND_ASSIGN(FsSpace root, LocalFsSpace("/"));
  EXPECT_GT(root.free_bytes, 0u);
  ASSERT_OK_AND_ASSIGN(FsSpace again, LocalFsSpace("/"));
  EXPECT_EQ(again.device, root.device);
  EXPECT_THAT(
      LocalFsSpace("/nonexistent/dir").status(),
      StatusIs(absl::StatusCode::kNotFound,
               ::testing::HasSubstr("cannot look at /nonexistent/dir")));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
