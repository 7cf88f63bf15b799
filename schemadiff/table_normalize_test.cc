#include "schemadiff/table_normalize.h"

#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::string NormalizedString(const std::string& sql) {
  absl::StatusOr<Statement> stmt = ParseStatement(sql);
  EXPECT_OK(stmt);
  if (!stmt.ok()) return "";
  CreateTable table = std::get<CreateTable>(*stmt);
  NormalizeCreateTable(&table);
  return ToString(table);
}

TEST(TableNormalizeTest, CanonicalForms) {
  struct Case {
    std::string name;
    std::string sql;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"inline primary key hoisted",
       "create table a (x int primary key, y int)",
       "create table a (\n\tx int,\n\ty int,\n\tprimary key (x)\n)"},
      {"inline unique key named after the column",
       "create table a (x int, y int unique)",
       "create table a (\n\tx int,\n\ty int,\n\tunique key y (y)\n)"},
      {"integer widths dropped, tinyint(1) kept",
       "create table a (x INTEGER(11), y tinyint(1), z bigint(20) unsigned)",
       "create table a (\n\tx int,\n\ty tinyint(1),\n\tz bigint unsigned\n)"},
      {"bool and float aliases",
       "create table a (b bool default true, f float(30), r real)",
       "create table a (\n\tb tinyint(1) default '1',\n\tf double,\n\tr "
       "double\n)"},
      {"explicit null and default null dropped",
       "create table a (x int null default null, y int not null default 3)",
       "create table a (\n\tx int,\n\ty int not null default 3\n)"},
      {"timestamp keeps null", "create table a (t timestamp default null)",
       "create table a (\n\tt timestamp null\n)"},
      {"text length picks the type by table charset",
       "create table a (s text(100)) charset latin1",
       "create table a (\n\ts tinytext\n) charset latin1"},
      {"text length picks the type by the charset its collation names",
       "create table a (s text(100) collate utf8mb4_bin) charset latin1",
       "create table a (\n\ts text collate utf8mb4_bin\n) charset latin1"},
      {"column charset equal to the table's dropped",
       "create table a (s varchar(3) charset UTF8) default charset=utf8",
       "create table a (\n\ts varchar(3)\n) charset utf8mb3"},
      {"column charset different from the table's kept",
       "create table a (s varchar(3) charset latin1)",
       "create table a (\n\ts varchar(3) character set latin1\n)"},
      {"unnamed keys named, taken names skipped",
       "create table a (x int, y int, key x (y), index (x), key (x))",
       "create table a (\n\tx int,\n\ty int,\n\tkey x (y),\n\tkey x_2 "
       "(x),\n\tkey x_3 (x)\n)"},
      {"default index options dropped",
       "create table a (x int, key kx (x) using btree visible)",
       "create table a (\n\tx int,\n\tkey kx (x)\n)"},
      {"unnamed checks named, outer parentheses dropped",
       "create table a (x int, check ((x > 0)), constraint a_chk_1 check (x < "
       "9))",
       "create table a (\n\tx int,\n\tconstraint a_chk_2 check (x > "
       "0),\n\tconstraint a_chk_1 check (x < 9)\n)"},
      {"foreign key gets a constraint name and an index",
       "create table c (id int, p int, foreign key (p) references par (id))",
       "create table c (\n\tid int,\n\tp int,\n\tkey p (p),\n\tconstraint "
       "c_ibfk_1 foreign key (p) references par (id)\n)"},
      {"foreign key covered by an existing index adds none",
       "create table c (p int, q int, key pq (p, q), constraint fk foreign key "
       "(p) references par (id))",
       "create table c (\n\tp int,\n\tq int,\n\tkey pq (p, q),\n\tconstraint "
       "fk foreign key (p) references par (id)\n)"},
      {"unnamed column CHECK stays on the column",
       "create table a (j longtext check (json_valid(j)), x int constraint "
       "cx check (x > 0))",
       "create table a (\n\tj longtext check (json_valid(j)),\n\tx "
       "int,\n\tconstraint cx check (x > 0)\n)"},
      {"table options canonical case",
       "create table a (x int) ENGINE=innodb ROW_FORMAT=dynamic CHARACTER "
       "SET=UTF8MB4",
       "create table a (\n\tx int\n) engine InnoDB,\n  row_format "
       "DYNAMIC,\n  charset utf8mb4"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(NormalizedString(c.sql), c.want);
  }
}

TEST(TableNormalizeTest, IsIdempotent) {
  const std::string sql =
      "create table a (id int auto_increment primary key, s text(70), k "
      "int, key (k), foreign key (k) references b (id), check (k > 1))";
  std::string once = NormalizedString(sql);
  EXPECT_EQ(NormalizedString(once), once);
}

TEST(TableNormalizeTest, IndexCoversColumns) {
  IndexDefinition index;
  index.parts.resize(2);
  index.parts[0].column = "A";
  index.parts[1].column = "b";
  EXPECT_TRUE(IndexCoversColumns(index, {"a"}));
  EXPECT_TRUE(IndexCoversColumns(index, {"a", "B"}));
  EXPECT_FALSE(IndexCoversColumns(index, {"b"}));
  EXPECT_FALSE(IndexCoversColumns(index, {"a", "b", "c"}));
  index.kind = IndexKind::kFulltext;
  EXPECT_FALSE(IndexCoversColumns(index, {"a"}));
}

// The key a foreign key needs is named after its constraint even when a
// column CHECK before it moved out of the constraint list.
TEST(TableNormalizeTest, ForeignKeyIndexAfterAColumnCheck) {
  EXPECT_THAT(NormalizedString("create table c (id int primary key, q int "
                               "check (q > 0), p int, constraint fk_p foreign "
                               "key (p) references par (id))"),
              ::testing::HasSubstr("key fk_p (p)"));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
