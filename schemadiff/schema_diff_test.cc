#include "schemadiff/schema_diff.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/printer.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::vector<std::string> Diff(const std::string& from, const std::string& to,
                              const DiffHints& hints = {}) {
  absl::StatusOr<Schema> a = Schema::FromSql(from);
  absl::StatusOr<Schema> b = Schema::FromSql(to);
  EXPECT_OK(a);
  EXPECT_OK(b);
  if (!a.ok() || !b.ok()) return {};
  absl::StatusOr<std::vector<Statement>> diff = DiffSchemas(*a, *b, hints);
  EXPECT_OK(diff);
  std::vector<std::string> out;
  if (diff.ok()) {
    for (const Statement& s : *diff) out.push_back(ToString(s));
  }
  return out;
}

TEST(SchemaDiffTest, OrderedStatements) {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"identical",
       "create table t (id int); create view v as select 1",
       "create view v as select 1; create table t (id int)",
       {}},
      {"drop views before tables, children before parents",
       "create table p (id int primary key); create table c (id int, pid "
       "int, constraint f foreign key (pid) references p (id)); create view "
       "v1 as select * from c; create view v2 as select * from v1",
       "",
       {"drop view v2", "drop view v1", "drop table c", "drop table p"}},
      {"alter, then create views, then create tables",
       "create table a (x int)",
       "create table a (x bigint); create view w as select x from a; create "
       "table b (y int)",
       {"alter table a modify column x bigint",
        "create view w as select x from a", "create table b (\n\ty int\n)"}},
      {"table becomes a view",
       "create table t (id int); create table v (id int)",
       "create table t (id int); create view v as select id from t",
       {"drop table v", "create view v as select id from t"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Diff(c.from, c.to), c.want);
  }
}

TEST(SchemaDiffTest, RenameHeuristic) {
  DiffHints hints;
  hints.table_rename = TableRenameStrategy::kHeuristicStatement;
  EXPECT_EQ(Diff("create table a (x int, y int)",
                 "create table b (x int, y int)", hints),
            std::vector<std::string>{"rename table a to b"});
  EXPECT_EQ(
      Diff("create table a (x int, y int)", "create table b (x int, y int)"),
      (std::vector<std::string>{"drop table a",
                                "create table b (\n\tx int,\n\ty int\n)"}));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
