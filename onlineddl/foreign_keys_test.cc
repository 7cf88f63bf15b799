#include "onlineddl/foreign_keys.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

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

TEST(RenameForeignKeysInAlterTest, PointsDropsAtTheShadowsNames) {
  const std::map<std::string, std::string> renamed = {
      {"fk_p", "fk_p_1234abcd"}, {"we`ird", "we`ird_1234abcd"}};
  ASSERT_OK_AND_ASSIGN(
      std::string out,
      RenameForeignKeysInAlter(
          "ADD COLUMN x INT, DROP FOREIGN KEY FK_P, drop constraint if "
          "exists `we``ird`, DROP FOREIGN KEY other, COMMENT 'DROP FOREIGN "
          "KEY fk_p'",
          renamed, {}));
  EXPECT_EQ(out,
            "ADD COLUMN x INT, DROP FOREIGN KEY `fk_p_1234abcd`, drop "
            "constraint if exists `we``ird_1234abcd`, DROP FOREIGN KEY other, "
            "COMMENT 'DROP FOREIGN KEY fk_p'");
  // Nothing to rename: as written.
  ASSERT_OK_AND_ASSIGN(
      out, RenameForeignKeysInAlter("DROP COLUMN fk_p", renamed, {}));
  EXPECT_EQ(out, "DROP COLUMN fk_p");
}

// A key dropped and added again under its own name: the added one gets a
// name of its own (the live table holds the old one).
TEST(RenameForeignKeysInAlterTest, GivesAKeyAddedAgainANewName) {
  ASSERT_OK_AND_ASSIGN(
      std::string out,
      RenameForeignKeysInAlter(
          "DROP FOREIGN KEY fk_p, ADD CONSTRAINT fk_p FOREIGN KEY (p) "
          "REFERENCES fp (id) ON DELETE CASCADE, ADD CONSTRAINT fk_p CHECK "
          "(p > 0), ADD CONSTRAINT IF NOT EXISTS `FK_P` FOREIGN KEY (q) "
          "REFERENCES fp (id)",
          {{"fk_p", "fk_p_dropped"}}, {{"fk_p", "fk_p_added"}}));
  EXPECT_EQ(out,
            "DROP FOREIGN KEY `fk_p_dropped`, ADD CONSTRAINT `fk_p_added` "
            "FOREIGN KEY (p) REFERENCES fp (id) ON DELETE CASCADE, ADD "
            "CONSTRAINT fk_p CHECK (p > 0), ADD CONSTRAINT IF NOT EXISTS "
            "`fk_p_added` FOREIGN KEY (q) REFERENCES fp (id)");
  // Not dropped here: as written (the server refuses the duplicate name).
  ASSERT_OK_AND_ASSIGN(
      out, RenameForeignKeysInAlter(
               "ADD CONSTRAINT fk_p FOREIGN KEY (p) REFERENCES fp (id)",
               {{"fk_p", "fk_p_dropped"}}, {{"fk_p", "fk_p_added"}}));
  EXPECT_EQ(out, "ADD CONSTRAINT fk_p FOREIGN KEY (p) REFERENCES fp (id)");
}

TEST(AddedForeignKeyNamesTest, ListsNamedForeignKeysAddedOnly) {
  ASSERT_OK_AND_ASSIGN(
      std::set<std::string> names,
      AddedForeignKeyNames(
          "ADD COLUMN z INT, ADD CONSTRAINT `FK_Z` FOREIGN KEY (z) REFERENCES "
          "fp (id), ADD CONSTRAINT IF NOT EXISTS fk_q FOREIGN KEY (q) "
          "REFERENCES fp (id), ADD CONSTRAINT c CHECK (z > 0), DROP FOREIGN "
          "KEY fk_p, ADD FOREIGN KEY (r) REFERENCES fp (id)"));
  EXPECT_THAT(names, ::testing::ElementsAre("fk_q", "fk_z"));
  EXPECT_FALSE(AddedForeignKeyNames("ADD COLUMN `z INT").ok());
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
