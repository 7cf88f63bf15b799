#include "schemadiff/instant_capability.h"

#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

struct Case {
  std::string name;
  std::string create;
  std::string alter;
  bool mysql;
  bool mariadb;
};

TEST(InstantCapabilityTest, ByFlavor) {
  const std::string t =
      "create table t (id int primary key, i int, "
      "v varchar(10), e enum('a','b'), k int, key (k))";
  const std::vector<Case> cases = {
      {"add column", t, "alter table t add column j int", true, true},
      {"add column after", t, "alter table t add column j int after id", true,
       true},
      {"add column expression default", t,
       "alter table t add column j int default (1)", false, false},
      {"add stored generated", t,
       "alter table t add column j int as (i + 1) stored", false, false},
      {"add not null datetime", t,
       "alter table t add column d datetime not null", false, false},
      {"drop column", t, "alter table t drop column i", true, true},
      {"drop indexed column", t, "alter table t drop column k", false, false},
      {"fulltext table", "create table t (id int, s text, fulltext key (s))",
       "alter table t add column j int", false, false},
      {"compressed", "create table t (id int) row_format=compressed",
       "alter table t add column j int", false, false},
      {"change default", t, "alter table t modify column i int default 3", true,
       true},
      {"int to bigint", t, "alter table t modify column i bigint", false,
       false},
      {"enum append", t, "alter table t modify column e enum('a','b','c')",
       true, true},
      {"enum reorder", t, "alter table t modify column e enum('b','a')", false,
       false},
      {"varchar within 255 bytes", t,
       "alter table t modify column v varchar(60)", false, true},
      {"varchar past 255 bytes", t,
       "alter table t modify column v varchar(100)", false, false},
      {"reorder column", t, "alter table t modify column i int first", false,
       true},
      {"add index", t, "alter table t add key (i)", false, false},
      {"algorithm copy", t, "alter table t add column j int, algorithm=copy",
       false, false},
      {"drop default", t, "alter table t alter column i drop default", true,
       true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(Statement create, ParseStatement(c.create));
    ASSERT_OK_AND_ASSIGN(Statement alter, ParseStatement(c.alter));
    const auto& table = std::get<CreateTable>(create);
    const auto& a = std::get<AlterTable>(alter);
    EXPECT_EQ(CapableOfInstantDdl(table, a, ServerFlavor::kMySQL80), c.mysql);
    EXPECT_EQ(CapableOfInstantDdl(table, a, ServerFlavor::kMariaDB1011),
              c.mariadb);
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
