#include "onlineddl/foreign_keys.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

constexpr char kUuid[] = "6ace8bce_f732_11ea_87e9_f875a4d24e90";

TEST(ShadowForeignKeyNameTest, AddsASuffixOfTheUuidAndReplacesAnEarlierOne) {
  const std::string once = ShadowForeignKeyName("fc_ibfk_1", kUuid);
  ASSERT_EQ(once.size(), std::string("fc_ibfk_1").size() + 9);
  EXPECT_EQ(once.substr(0, 10), "fc_ibfk_1_");
  // The same UUID, the same name; another UUID, another one.
  EXPECT_EQ(ShadowForeignKeyName("fc_ibfk_1", kUuid), once);
  const std::string other =
      ShadowForeignKeyName("fc_ibfk_1", "7bdf9cdf_f732_11ea_87e9_f875a4d24e90");
  EXPECT_NE(other, once);
  // A second migration replaces the first's suffix: names do not grow.
  EXPECT_EQ(ShadowForeignKeyName(once, "7bdf9cdf_f732_11ea_87e9_f875a4d24e90"),
            other);
  // Not a suffix of ours: kept.
  EXPECT_EQ(ShadowForeignKeyName("fk_DEADBEEF", kUuid).substr(0, 12),
            "fk_DEADBEEF_");
}

TEST(ShadowForeignKeyNameTest, StaysWithin64Characters) {
  const std::string long_name(64, 'x');
  EXPECT_EQ(ShadowForeignKeyName(long_name, kUuid).size(), 64u);
  // 60 two-byte characters: cut to 55 characters, not bytes, and never
  // inside one.
  std::string accented;
  for (int i = 0; i < 60; ++i) accented += "\xC3\xA9";  // é
  const std::string n = ShadowForeignKeyName(accented, kUuid);
  EXPECT_EQ(n.size(), 55u * 2 + 9);
  EXPECT_EQ(n.substr(0, 110), accented.substr(0, 110));
}

TEST(AddForeignKeyClauseTest, QuotesEveryNameAndChecksTheActions) {
  ForeignKey fk;
  fk.name = "old";
  fk.columns = {"a", "b`c"};
  fk.referenced_schema = "d b";
  fk.referenced_table = "pa`rent";
  fk.referenced_columns = {"x", "y"};
  fk.on_delete = "CASCADE";
  fk.on_update = "set null";
  ASSERT_OK_AND_ASSIGN(std::string clause, AddForeignKeyClause(fk, "n`ew"));
  EXPECT_EQ(clause,
            "ADD CONSTRAINT `n``ew` FOREIGN KEY (`a`, `b``c`) REFERENCES "
            "`d b`.`pa``rent` (`x`, `y`) ON DELETE CASCADE ON UPDATE SET NULL");
  fk.on_update = "RESTRICT; DROP TABLE t";
  EXPECT_THAT(AddForeignKeyClause(fk, "n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RenameDroppedForeignKeysTest, PointsDropsAtTheShadowsNames) {
  const std::map<std::string, std::string> renamed = {
      {"fk_p", "fk_p_1234abcd"}, {"we`ird", "we`ird_1234abcd"}};
  ASSERT_OK_AND_ASSIGN(
      std::string out,
      RenameDroppedForeignKeys(
          "ADD COLUMN x INT, DROP FOREIGN KEY FK_P, drop constraint if "
          "exists `we``ird`, DROP FOREIGN KEY other, COMMENT 'DROP FOREIGN "
          "KEY fk_p'",
          renamed));
  EXPECT_EQ(out,
            "ADD COLUMN x INT, DROP FOREIGN KEY `fk_p_1234abcd`, drop "
            "constraint if exists `we``ird_1234abcd`, DROP FOREIGN KEY other, "
            "COMMENT 'DROP FOREIGN KEY fk_p'");
  // Nothing to rename: as written.
  ASSERT_OK_AND_ASSIGN(out,
                       RenameDroppedForeignKeys("DROP COLUMN fk_p", renamed));
  EXPECT_EQ(out, "DROP COLUMN fk_p");
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
