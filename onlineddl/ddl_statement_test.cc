#include "onlineddl/ddl_statement.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;

TEST(ParseDdlTest, ClassifiesStatements) {
  struct Case {
    std::string sql;
    DdlStatement::Action action;
    bool is_view;
    std::string table;
    std::string clauses;
  };
  const Case cases[] = {
      {"ALTER TABLE t ADD COLUMN c INT", DdlStatement::Action::kAlter, false,
       "t", "ADD COLUMN c INT"},
      {"alter table `d`.`we``ird` engine=innodb;", DdlStatement::Action::kAlter,
       false, "we`ird", "engine=innodb"},
      {"CREATE TABLE t (id INT PRIMARY KEY)", DdlStatement::Action::kCreate,
       false, "t", ""},
      {"CREATE VIEW v AS SELECT 1", DdlStatement::Action::kCreate, true, "v",
       ""},
      {"ALTER VIEW v AS SELECT 2", DdlStatement::Action::kAlter, true, "v", ""},
      {"DROP VIEW IF EXISTS v", DdlStatement::Action::kDrop, true, "v", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    ASSERT_OK_AND_ASSIGN(std::vector<DdlStatement> s, ParseDdl(c.sql, "d"));
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].action, c.action);
    EXPECT_EQ(s[0].is_view, c.is_view);
    EXPECT_EQ(s[0].table, c.table);
    EXPECT_EQ(s[0].alter_clauses, c.clauses);
  }
}

TEST(ParseDdlTest, SplitsStatementsAndMultiTableDrops) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<DdlStatement> s,
      ParseDdl("create table a (id int primary key); drop table if exists b, "
               "`c d`;",
               "db"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1].sql, "DROP TABLE IF EXISTS `b`");
  EXPECT_EQ(s[2].sql, "DROP TABLE IF EXISTS `c d`");
  EXPECT_TRUE(s[2].if_exists);
}

TEST(ParseDdlTest, RejectsWhatOnlineDdlCannotRun) {
  EXPECT_THAT(ParseDdl("ALTER TABLE t ADD COLUMN", "d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("syntax error at position")));
  // Position counts from the start of the whole text.
  EXPECT_THAT(
      ParseDdl("create table a (id int); alter table t add column", "d"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("syntax error at position 50")));
  EXPECT_THAT(ParseDdl("ALTER TABLE t RENAME TO u", "d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("RENAME is not supported in online DDL")));
  EXPECT_THAT(ParseDdl("RENAME TABLE t TO u", "d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("RENAME is not supported")));
  EXPECT_THAT(ParseDdl("ALTER TABLE other.t ADD c INT", "d"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not in this tablet's database")));
  EXPECT_THAT(ParseDdl("  ;  ", "d"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
