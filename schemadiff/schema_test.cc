#include "schemadiff/schema.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/charsets.h"
#include "schemadiff/schema_errors.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::ElementsAre;

TEST(SchemaTest, OrdersEntities) {
  ASSERT_OK_AND_ASSIGN(
      Schema s,
      Schema::FromSql("create view vb as select * from va, child;"
                      "create table child (id int primary key, p int, "
                      "constraint fk foreign key (p) references parent (id));"
                      "create view va as select 1;"
                      "create table parent (id int primary key);"
                      "create table alone (id int)"));
  EXPECT_THAT(s.TableNames(), ElementsAre("alone", "parent", "child"));
  EXPECT_THAT(s.ViewNames(), ElementsAre("va", "vb"));
  EXPECT_THAT(s.EntityNames(),
              ElementsAre("alone", "parent", "child", "va", "vb"));
  ASSERT_NE(s.FindTable("child"), nullptr);
  EXPECT_EQ(s.FindTable("CHILD"), nullptr);  // names are case-sensitive
  EXPECT_EQ(s.FindTable("va"), nullptr);
  ASSERT_NE(s.FindView("va"), nullptr);
  EXPECT_EQ(s.FindView("alone"), nullptr);
}

TEST(SchemaTest, ToSqlIsCanonicalAndNormalized) {
  ASSERT_OK_AND_ASSIGN(
      Schema s, Schema::FromSql("create table t (id int(11) primary key);"
                                "create view v as select id from t"));
  EXPECT_EQ(s.ToSql(),
            "CREATE TABLE `t` (\n\t`id` int,\n\tPRIMARY KEY (`id`)\n);\n"
            "CREATE VIEW `v` AS SELECT `id` FROM `t`;\n");
}

TEST(SchemaTest, ForeignKeyCyclesAndSelfReferencesAreValid) {
  EXPECT_OK(Schema::FromSql(
      "create table a (id int primary key, b_id int, key (b_id), constraint "
      "fa foreign key (b_id) references b (id));"
      "create table b (id int primary key, a_id int, key (a_id), constraint "
      "fb foreign key (a_id) references a (id));"
      "create table c (id int primary key, up int, constraint fc foreign key "
      "(up) references c (id))"));
}

TEST(SchemaTest, InvalidSchemas) {
  struct Case {
    std::string name;
    std::string sql;
    SchemaErrorKind kind;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"duplicate entity", "create table x (id int); create view x as select 1",
       SchemaErrorKind::kDuplicateEntity, "duplicate entity `x`"},
      {"duplicate column", "create table t (a int, A int)",
       SchemaErrorKind::kDuplicateColumn, "duplicate column `A` in table `t`"},
      {"key on missing column", "create table t (a int, key k (b))",
       SchemaErrorKind::kInvalidKeyColumn,
       "invalid column `b` referenced by key `k` in table `t`"},
      {"foreign key on missing column",
       "create table p (id int primary key); create table t (a int, "
       "constraint f foreign key (b) references p (id))",
       SchemaErrorKind::kInvalidForeignKeyColumn,
       "invalid column `b` covered by foreign key constraint `f` in table "
       "`t`"},
      {"foreign key to nonexistent table",
       "create table t (a int, constraint f foreign key (a) references p "
       "(id))",
       SchemaErrorKind::kForeignKeyNonexistentTable,
       "table `t` foreign key references nonexistent table `p`"},
      {"foreign key to a view",
       "create view p as select 1 as id; create table t (a int, constraint f "
       "foreign key (a) references p (id))",
       SchemaErrorKind::kForeignKeyReferencesView,
       "table `t` foreign key references view `p`"},
      {"foreign key column count",
       "create table p (id int primary key, x int); create table t (a int, "
       "constraint f foreign key (a) references p (id, x))",
       SchemaErrorKind::kForeignKeyColumnCount,
       "mismatching column count 2 referenced by foreign key constraint `f` "
       "in table `t`. Expected 1"},
      {"foreign key to missing parent column",
       "create table p (id int primary key); create table t (a int, "
       "constraint f foreign key (a) references p (nope))",
       SchemaErrorKind::kInvalidReferencedColumn,
       "invalid column `p`.`nope` referenced by foreign key constraint `f` "
       "in table `t`"},
      {"foreign key without parent index",
       "create table p (id int primary key, x int); create table t (a int, "
       "constraint f foreign key (a) references p (x))",
       SchemaErrorKind::kMissingForeignKeyIndex,
       "missing index in referenced table `p` for foreign key constraint `f` "
       "in table `t`"},
      {"foreign key type mismatch",
       "create table p (id bigint primary key); create table t (a int, "
       "constraint f foreign key (a) references p (id))",
       SchemaErrorKind::kForeignKeyColumnTypeMismatch,
       "mismatching column type `p`.`id` and `t`.`a` referenced by foreign "
       "key constraint `f` in table `t`"},
      {"foreign key charset mismatch",
       "create table p (id varchar(9) charset latin1 primary key); create "
       "table t (a varchar(9), constraint f foreign key (a) references p "
       "(id))",
       SchemaErrorKind::kForeignKeyColumnTypeMismatch,
       "mismatching column type `p`.`id` and `t`.`a` referenced by foreign "
       "key constraint `f` in table `t`"},
      {"duplicate check name",
       "create table a (x int, constraint c check (x > 0)); create table b "
       "(x int, constraint c check (x > 0))",
       SchemaErrorKind::kDuplicateConstraintName,
       "duplicate check constraint name `c` in table `b`"},
      {"view reads a missing table",
       "create table t (a int); create view v as select * from t, nope, "
       "nada",
       SchemaErrorKind::kViewDependencyUnresolved,
       "view `v` has unresolved/loop dependencies: `nope`, `nada`"},
      {"view loop",
       "create view v1 as select * from v2; create view v2 as select * from "
       "v1",
       SchemaErrorKind::kViewDependencyUnresolved,
       "view `v1` has unresolved/loop dependencies: `v2`"},
      {"unsupported statement", "drop table t",
       SchemaErrorKind::kUnsupportedStatement, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Schema> s = Schema::FromSql(c.sql);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(GetSchemaErrorKind(s.status()), c.kind) << s.status();
    if (!c.message.empty()) {
      EXPECT_EQ(s.status().message(), c.message);
    }
  }
}

// MariaDB names CHECKs per table (MySQL per schema): the same name in two
// tables is valid there, twice in one table is not.
// A view's column list naming a column twice, or of another length than
// its SELECT's, is refused as the server refuses it (it was planned, then
// failed as the deployment applied it).
TEST(SchemaTest, AViewsColumnListMustFitItsSelect) {
  EXPECT_THAT(Schema::FromSql("create table t (a int primary key, b int);"
                              "create view v (x, X) as select a, b from t"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("lists column `X` twice")));
  EXPECT_THAT(Schema::FromSql("create table t (a int primary key, b int);"
                              "create view v (x, y) as select a from t"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("lists 2 columns where its "
                                            "SELECT gives 1")));
  ASSERT_OK(Schema::FromSql("create table t (a int primary key, b int);"
                            "create view v (x, y) as select * from t;"
                            "create view w (n) as with c as (select 1 as p, "
                            "2 as q) select * from c")
                .status());
}

// A view's common table expressions are no tables: a schema with one
// (as MariaDB prints it) is valid, and the view depends on the table the
// expression reads. (It was "unresolved", failing every declarative
// deployment of the database.)
TEST(SchemaTest, CommonTableExpressionsInViewsAreNoTables) {
  ASSERT_OK_AND_ASSIGN(
      Schema s,
      Schema::FromSql(
          "create view v2 as select id from v;"
          "create view v as with `x` as (select `t`.`id` AS `id` from `t`), "
          "y (n) as (select 1) select `x`.`id` AS `id` from `x` join y;"
          "create table t (id int primary key)"));
  EXPECT_THAT(s.EntityNames(), ::testing::ElementsAre("t", "v", "v2"));
  EXPECT_THAT(s.ColumnNames("v2"), ::testing::ElementsAre("id"));
  // As MariaDB 10.11 prints it.
  ASSERT_OK_AND_ASSIGN(
      Schema printed,
      Schema::FromSql("create table ct (id int primary key);"
                      "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` "
                      "SQL SECURITY DEFINER VIEW `cv` AS with x as (select "
                      "`ct`.`id` AS `id` from `ct`), y(`n`) as (select 1 AS "
                      "`n`)select `x`.`id` AS `id` from (`x` join `y`)"));
  EXPECT_THAT(printed.ColumnNames("cv"), ::testing::ElementsAre("id"));
  // An expression named as the table it reads: the view reads the table
  // (ordered after it), and the expression's columns are its own.
  ASSERT_OK_AND_ASSIGN(
      Schema same_name,
      Schema::FromSql(
          "create view spent as with orders as (select customer, sum(total) "
          "as spent from orders group by customer) select spent from orders;"
          "create view everything as with x as (select 1 as a, 2 as b) "
          "select * from x;"
          "create view reads_it as select b from everything;"
          "create table orders (id int primary key, customer int, total "
          "int)"));
  EXPECT_THAT(
      same_name.EntityNames(),
      ::testing::ElementsAre("orders", "everything", "spent", "reads_it"));
  // Inside its own body the name is the table's, which must exist.
  EXPECT_THAT(Schema::FromSql("create view w as with gone as (select id from "
                              "gone) select id from gone"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("gone")));
  // The tables the expressions read must exist.
  EXPECT_THAT(Schema::FromSql("create view w as with x as (select id from "
                              "missing) select id from x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("missing")));
}

TEST(SchemaTest, MariaDbCheckNamesArePerTable) {
  const std::string two_tables =
      "create table a (x int, constraint CONSTRAINT_1 check (x > 0)); create "
      "table b (x int, constraint CONSTRAINT_1 check (x > 1))";
  EXPECT_EQ(GetSchemaErrorKind(Schema::FromSql(two_tables).status()),
            SchemaErrorKind::kDuplicateConstraintName);
  ServerDialect mariadb;
  mariadb.mariadb = true;
  ScopedServerDialect in_mariadb(std::move(mariadb));
  EXPECT_OK(Schema::FromSql(two_tables).status());
  EXPECT_EQ(GetSchemaErrorKind(
                Schema::FromSql("create table a (x int, constraint c check (x "
                                "> 0), constraint c check (x > 1))")
                    .status()),
            SchemaErrorKind::kDuplicateConstraintName);
}

TEST(SchemaTest, ErrorKindOnlyOnSchemaErrors) {
  EXPECT_EQ(GetSchemaErrorKind(absl::InvalidArgumentError("x")), std::nullopt);
  EXPECT_EQ(GetSchemaErrorKind(absl::OkStatus()), std::nullopt);
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
