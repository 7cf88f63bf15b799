#include "onlineddl/check_constraints.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;

TEST(DropCheckTest, WritesDropCheckAsDropConstraint) {
  const std::set<std::string> checks = {"check_1", "we`ird"};
  EXPECT_THAT(DropCheckAsDropConstraint("drop check `check_1`", checks, {}),
              IsOkAndHolds("drop CONSTRAINT `check_1`"));
  EXPECT_THAT(DropCheckAsDropConstraint(
                  "ADD COLUMN c INT, DROP CHECK Check_1 , drop check `we``ird`",
                  checks, {"k"}),
              IsOkAndHolds("ADD COLUMN c INT, DROP CONSTRAINT Check_1 , drop "
                           "CONSTRAINT `we``ird`"));
}

TEST(DropCheckTest, KeepsIfExists) {
  EXPECT_THAT(DropCheckAsDropConstraint("DROP CHECK IF EXISTS `c`", {"c"}, {}),
              IsOkAndHolds("DROP CONSTRAINT IF EXISTS `c`"));
  // No constraint of that name: nothing to drop, as MariaDB does it.
  EXPECT_THAT(DropCheckAsDropConstraint("DROP CHECK IF EXISTS nope", {}, {}),
              IsOkAndHolds("DROP CONSTRAINT IF EXISTS nope"));
  // An index of that name: MariaDB's DROP CONSTRAINT would drop it.
  EXPECT_THAT(
      DropCheckAsDropConstraint("DROP CHECK IF EXISTS k", {}, {"k"}).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("that name is an index or a foreign key")));
}

TEST(DropCheckTest, LeavesOtherClausesAlone) {
  // Not at a clause's start, inside parentheses, or another verb.
  const std::string clauses =
      "ADD COLUMN `drop` INT CHECK (`drop` > 0), ADD CONSTRAINT c CHECK (a "
      "> 0), DROP CONSTRAINT check_1, MODIFY d INT COMMENT 'drop check x'";
  EXPECT_THAT(HasDropCheck(clauses), IsOkAndHolds(false));
  EXPECT_THAT(DropCheckAsDropConstraint(clauses, {"check_1"}, {}),
              IsOkAndHolds(clauses));
  EXPECT_THAT(HasDropCheck("ENGINE=InnoDB, DROP CHECK c"), IsOkAndHolds(true));
}

TEST(DropCheckTest, RefusesANameThatIsNotOnlyACheckConstraint) {
  EXPECT_THAT(
      DropCheckAsDropConstraint("DROP CHECK nope", {"check_1"}, {}).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("no CHECK constraint of that name")));
  EXPECT_THAT(DropCheckAsDropConstraint("DROP CHECK k", {"k"}, {"k"}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("also an index or a foreign key")));
  EXPECT_THAT(DropCheckAsDropConstraint("DROP CHECK 'x", {}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
