#include "onlineddl/disk_check.h"

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/testing/scripted_connection.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(DiskCheckTest, HumanBytes) {
  EXPECT_EQ(HumanBytes(80), "80 B");
  EXPECT_EQ(HumanBytes(12 * 1024), "12.0 KiB");
  EXPECT_EQ(HumanBytes(uint64_t{300} << 20), "300.0 MiB");
  EXPECT_EQ(HumanBytes(uint64_t{3} << 29), "1.5 GiB");
}

TEST(DiskCheckTest, LocalFilesystems) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  ASSERT_OK_AND_ASSIGN(FsSpace here, LocalFsSpace(dir));
  ASSERT_OK_AND_ASSIGN(FsSpace again, LocalFsSpace(dir + "/."));
  EXPECT_EQ(again.device, here.device);
  EXPECT_THAT(LocalFsSpace("/nonexistent/dir").status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("cannot look at /nonexistent/dir")));
}

// Answers the two queries CheckDiskForCopy makes: a table of 1 GiB of
// rows and 512 MiB of secondary indexes, the datadir, binlog and tmpdir
// paths.
mysql::testing::ScriptedConnection Server() {
  mysql::testing::ScriptedConnection server;
  server.script().answers["DATA_LENGTH"] = mysql::testing::OneRow(
      {{"DATA_LENGTH", std::to_string(uint64_t{1} << 30)},
       {"INDEX_LENGTH", std::to_string(uint64_t{1} << 29)}});
  server.script().answers["@@datadir"] =
      mysql::testing::OneRow({{"@@datadir", "/data/"},
                              {"@@log_bin_basename", "/logs/bin"},
                              {"tmpdir", "/sort:/tmp"}});
  return server;
}

constexpr uint64_t kGiB = uint64_t{1} << 30;

// Datadir and binlog on separate filesystems: each must hold its part.
TEST(DiskCheckTest, EachFilesystemHoldsItsPart) {
  mysql::testing::ScriptedConnection server = Server();
  std::map<std::string, FsSpace> fs = {{"/data/shop", {1, 2 * kGiB}},
                                       {"/logs", {2, 2 * kGiB}},
                                       {"/sort", {3, kGiB}}};
  FsSpaceFn space = [&](const std::string& path) -> absl::StatusOr<FsSpace> {
    auto it = fs.find(path);
    if (it == fs.end()) return absl::NotFoundError(path);
    return it->second;
  };
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space), IsOkAndHolds(""));
  fs["/data/shop"].free_bytes = kGiB + (kGiB >> 2);  // < 1.5 GiB + 64 MiB
  EXPECT_THAT(
      CheckDiskForCopy(server, "shop", "t", space),
      IsOkAndHolds(AllOf(HasSubstr("the database's directory /data/shop"),
                         HasSubstr("1.5 GiB for the shadow table"),
                         Not(HasSubstr("binlog")))));
  fs["/data/shop"].free_bytes = 2 * kGiB;
  fs["/logs"].free_bytes = kGiB;  // < 1 GiB + 64 MiB
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space),
              IsOkAndHolds(AllOf(HasSubstr("the binlog /logs"),
                                 HasSubstr("1.0 GiB for its rows in the "
                                           "binlog"))));
  // One filesystem for both: the sum.
  fs["/logs"] = {1, 2 * kGiB};
  fs["/data/shop"] = {1, 2 * kGiB};  // < 2.5 GiB + 64 MiB
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space),
              IsOkAndHolds(HasSubstr("1.5 GiB for the shadow table and "
                                     "1.0 GiB for its rows in the binlog")));
  // A database directory not seen here (another container's server), or a
  // name stored encoded: no check.
  std::string skipped;
  EXPECT_THAT(CheckDiskForCopy(server, "other", "t", space, &skipped),
              IsOkAndHolds(""));
  EXPECT_EQ(skipped, "/data/other");  // the seam's NotFound message
  EXPECT_THAT(CheckDiskForCopy(server, "sh-op", "t", space, &skipped),
              IsOkAndHolds(""));
  EXPECT_THAT(skipped, HasSubstr("stored encoded"));
  skipped.clear();
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space, &skipped),
              IsOkAndHolds(HasSubstr("not enough disk")));
  EXPECT_EQ(skipped, "");
}

// Copies under way (side by side) have the rest of their rows, their
// indexes and the rest of their binlog still to write: counted too.
TEST(DiskCheckTest, CopiesUnderWayCount) {
  mysql::testing::ScriptedConnection server = Server();  // 1 + 0.5 GiB each
  std::map<std::string, FsSpace> fs = {{"/data/shop", {1, 4 * kGiB}},
                                       {"/logs", {1, 4 * kGiB}},
                                       {"/sort", {3, 4 * kGiB}}};
  FsSpaceFn space = [&](const std::string& path) -> absl::StatusOr<FsSpace> {
    return fs.at(path);
  };
  // Alone: 1.5 GiB + 1 GiB + 64 MiB fits in 4 GiB.
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space), IsOkAndHolds(""));
  // One other copy half done: its 0.5 GiB of rows, 0.5 GiB of indexes and
  // 0.5 GiB of binlog more: 4.0 GiB + 64 MiB do not fit.
  EXPECT_THAT(
      CheckDiskForCopy(server, "shop", "t", space, nullptr,
                       {CopyUnderWay{"u", 0.5}}),
      IsOkAndHolds(AllOf(HasSubstr("it needs about 4.1 GiB"),
                         HasSubstr("and 1.5 GiB yet to be written by 1 other "
                                   "copy under way"))));
  // Once it has copied its rows only its indexes are left: 3.0 GiB fit.
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space, nullptr,
                               {CopyUnderWay{"u", 1.0}}),
              IsOkAndHolds(""));
  // Separate filesystems: each counts its part of the others'.
  fs["/logs"] = {2, kGiB + (kGiB >> 2)};
  fs["/data/shop"] = {1, 8 * kGiB};
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space), IsOkAndHolds(""));
  EXPECT_THAT(
      CheckDiskForCopy(server, "shop", "t", space, nullptr,
                       {CopyUnderWay{"u", 0.5}, CopyUnderWay{"v", 0.75}}),
      IsOkAndHolds(AllOf(HasSubstr("the binlog /logs"),
                         HasSubstr("1.0 GiB for its rows in the binlog, and "
                                   "768.0 MiB yet to be written by 2 other "
                                   "copies under way"))));
  // A table gone since (its migration ended) counts for nothing (the key
  // sorts before DATA_LENGTH: answers are tried in key order).
  server.script().answers["AND TABLE_NAME = 'gone'"] = mysql::Result();
  EXPECT_THAT(
      CheckDiskForCopy(server, "shop", "t", space, nullptr,
                       {CopyUnderWay{"u", 0.5}, CopyUnderWay{"gone", 0}}),
      IsOkAndHolds(HasSubstr("and 512.0 MiB yet to be written by 1 other copy "
                             "under way")));
}

// The secondary indexes are built after the rows, sorting in files of
// about their size under tmpdir (innodb_tmpdir, else the first of
// tmpdir's list): counted where tmpdir is on the datadir's filesystem
// (it filled the disk). Elsewhere not checked: the path seen here may not
// be the server's (a sidecar's container shares the data volume, not
// /tmp): a small /tmp here refuses nothing.
TEST(DiskCheckTest, TheIndexBuildSortsInTmpdir) {
  mysql::testing::ScriptedConnection server = Server();  // 1 + 0.5 GiB
  std::map<std::string, FsSpace> fs = {{"/data/shop", {1, 4 * kGiB}},
                                       {"/logs", {2, 4 * kGiB}},
                                       {"/sort", {3, 1 << 20}}};
  FsSpaceFn space = [&](const std::string& path) -> absl::StatusOr<FsSpace> {
    return fs.at(path);
  };
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space), IsOkAndHolds(""));
  // tmpdir on the datadir's filesystem: 1.5 + 0.5 GiB + 64 MiB there.
  fs["/sort"] = {1, 2 * kGiB};
  fs["/data/shop"] = {1, 2 * kGiB};
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space),
              IsOkAndHolds(AllOf(
                  HasSubstr("the database's directory /data/shop"),
                  HasSubstr("1.5 GiB for the shadow table and 512.0 MiB for "
                            "sorting its secondary indexes"),
                  HasSubstr("it needs about 2.1 GiB"))));
  fs["/data/shop"].free_bytes = fs["/sort"].free_bytes = 3 * kGiB;
  EXPECT_THAT(CheckDiskForCopy(server, "shop", "t", space), IsOkAndHolds(""));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
