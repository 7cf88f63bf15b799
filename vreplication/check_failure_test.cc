#include "vreplication/check_failure.h"

#include "gtest/gtest.h"

namespace sidecut {
namespace vreplication {
namespace {

TEST(ParseFailedCheckTest, ReadsAColumnLevelConstraint) {
  absl::optional<FailedCheck> f = ParseFailedCheck(
      "copying: CONSTRAINT `x.t` failed for `d`.`x` (errno 4025, sqlstate "
      "23000)");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->name, "x.t");
  EXPECT_EQ(f->db, "d");
  EXPECT_EQ(f->table, "x");
}

TEST(ParseFailedCheckTest, ReadsDoubledBackticksAndUnicode) {
  absl::optional<FailedCheck> f = ParseFailedCheck(
      "CONSTRAINT `we``ird` failed for `d``b`.`t\xC3\xA9``'s`");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->name, "we`ird");
  EXPECT_EQ(f->db, "d`b");
  EXPECT_EQ(f->table, "t\xC3\xA9`'s");
}

// The statement before the server's text may hold the same words.
TEST(ParseFailedCheckTest, ReadsTheServersTextAfterTheStatement) {
  absl::optional<FailedCheck> f = ParseFailedCheck(
      "executing 'INSERT INTO t VALUES ('CONSTRAINT `a` failed for `b`.`c`', "
      "'CONSTRAINT `')': CONSTRAINT `t.j` failed for `d`.`t` (errno 4025)");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->name, "t.j");
  EXPECT_EQ(f->db, "d");
  EXPECT_EQ(f->table, "t");
}

TEST(ParseFailedCheckTest, RefusesOtherMessages) {
  EXPECT_FALSE(ParseFailedCheck("Duplicate entry '1' for key 'PRIMARY'"));
  EXPECT_FALSE(ParseFailedCheck("CONSTRAINT `c` failed"));
  EXPECT_FALSE(ParseFailedCheck("CONSTRAINT `c` failed for `d`"));
  EXPECT_FALSE(ParseFailedCheck("CONSTRAINT `c failed for `d`.`t`"));
  EXPECT_FALSE(ParseFailedCheck("CONSTRAINT `c` failed for `d`.`t"));
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
