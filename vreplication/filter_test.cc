#include "vreplication/filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace vreplication {
namespace {

using ::testing::HasSubstr;

TEST(ParseFilterTest, Items) {
  ASSERT_OK_AND_ASSIGN(
      FilterSpec f,
      ParseFilter("t2",
                  "select id, `na``me`, 0 as x, t.v vv, concat(a, 'b') "
                  "AS c from t where id % 2 = 0 and (a > 1)"));
  EXPECT_EQ(f.source_table, "t");
  ASSERT_EQ(f.items.size(), 5u);
  EXPECT_EQ(f.items[0].column, "id");
  EXPECT_EQ(f.items[0].alias, "id");
  EXPECT_EQ(f.items[1].column, "na`me");
  EXPECT_EQ(f.items[2].expr, "0");
  EXPECT_EQ(f.items[2].alias, "x");
  EXPECT_EQ(f.items[2].column, "");
  EXPECT_EQ(f.items[3].column, "v");
  EXPECT_EQ(f.items[3].alias, "vv");
  EXPECT_EQ(f.items[4].expr, "concat(a, 'b')");
  EXPECT_EQ(f.items[4].alias, "c");
  EXPECT_EQ(f.where, "id % 2 = 0 and (a > 1)");
}

TEST(ParseFilterTest, EmptyAndStar) {
  ASSERT_OK_AND_ASSIGN(FilterSpec f, ParseFilter("users", ""));
  EXPECT_EQ(f.source_table, "users");
  ASSERT_EQ(f.items.size(), 1u);
  EXPECT_TRUE(f.items[0].star);
  ASSERT_OK_AND_ASSIGN(f, ParseFilter("x", "select * from `we``ird`"));
  EXPECT_EQ(f.source_table, "we`ird");
}

TEST(ParseFilterTest, Errors) {
  for (const char* bad : {"delete from t", "select id", "select from t",
                          "select id+1 from t", "select id from t limit 1"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseFilter("t", bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("invalid filter")));
  }
}

TEST(ExprTemplateTest, SubstitutesColumnReferencesOnly) {
  ASSERT_OK_AND_ASSIGN(
      ExprTemplate t,
      ExprTemplate::Parse("concat(name, 'name', t.id) + id * length(`name`)",
                          {"id", "name"}));
  std::string out = t.Render([](int c) { return c == 0 ? "7" : "'n'"; });
  EXPECT_EQ(out, "concat(('n'), 'name', (7)) + (7) * length(('n'))");
  EXPECT_EQ(t.Columns().size(), 4u);
}

TEST(StatementTouchesDatabaseTest, SessionOrQualifiedNames) {
  EXPECT_TRUE(StatementTouchesDatabase("ALTER TABLE t ADD x INT", "d", "d"));
  EXPECT_TRUE(StatementTouchesDatabase("ALTER TABLE d.t ADD x INT", "", "d"));
  EXPECT_TRUE(
      StatementTouchesDatabase("RENAME TABLE `D`.a TO `d`.b", "x", "d"));
  EXPECT_FALSE(StatementTouchesDatabase("ALTER TABLE e.t ADD d INT", "", "d"));
  EXPECT_FALSE(StatementTouchesDatabase("CREATE TABLE t (d INT)", "e", "d"));
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
