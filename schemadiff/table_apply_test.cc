#include "schemadiff/table_apply.h"

#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/schema_errors.h"
#include "schemadiff/table_diff.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

template <typename T>
T Parse(const std::string& sql) {
  absl::StatusOr<Statement> stmt = ParseStatement(sql);
  EXPECT_OK(stmt) << sql;
  if (!stmt.ok() || !std::holds_alternative<T>(*stmt)) return T();
  return std::get<T>(*stmt);
}

absl::StatusOr<std::string> Apply(const std::string& table,
                                  const std::string& alter) {
  absl::StatusOr<CreateTable> got =
      ApplyAlterTable(Parse<CreateTable>(table), Parse<AlterTable>(alter));
  if (!got.ok()) return got.status();
  return ToString(*got);
}

TEST(TableApplyTest, Applies) {
  struct Case {
    std::string name;
    std::string table;
    std::string alter;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"add column after", "create table t (a int, c int)",
       "alter table t add column b int after a",
       "create table t (\n\ta int,\n\tb int,\n\tc int\n)"},
      {"drop column trims keys and its own check",
       "create table t (a int, b int, key ab (a, b), key b (b), constraint "
       "cb check (b > 0))",
       "alter table t drop column b",
       "create table t (\n\ta int,\n\tkey ab (a)\n)"},
      {"modify moves first", "create table t (a int, b int)",
       "alter table t modify column b bigint first",
       "create table t (\n\tb bigint,\n\ta int\n)"},
      {"rename column follows into keys", "create table t (a int, key k (a))",
       "alter table t rename column a to z",
       "create table t (\n\tz int,\n\tkey k (z)\n)"},
      {"add primary key goes first", "create table t (a int, key k (a))",
       "alter table t add primary key (a)",
       "create table t (\n\ta int,\n\tprimary key (a),\n\tkey k (a)\n)"},
      {"foreign key gets an implicit index", "create table t (a int)",
       "alter table t add constraint f foreign key (a) references p (id)",
       "create table t (\n\ta int,\n\tkey f (a),\n\tconstraint f foreign key "
       "(a) references p (id)\n)"},
      {"table options", "create table t (a int) comment 'x' engine=innodb",
       "alter table t comment 'y', row_format=dynamic",
       "create table t (\n\ta int\n) comment 'y',\n  engine InnoDB,\n  "
       "row_format DYNAMIC"},
      {"partitions",
       "create table t (a int) partition by range (a) (partition p1 values "
       "less than (10))",
       "alter table t add partition (partition p2 values less than (20))",
       "create table t (\n\ta int\n)\npartition by range (a)\n"
       "(partition p1 values less than (10),\n partition p2 values less than "
       "(20))"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(std::string got, Apply(c.table, c.alter));
    EXPECT_EQ(got, c.want);
  }
}

TEST(TableApplyTest, Rejects) {
  struct Case {
    std::string name;
    std::string table;
    std::string alter;
    SchemaErrorKind kind;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"duplicate column", "create table t (a int)",
       "alter table t add column A int", SchemaErrorKind::kDuplicateColumn,
       "duplicate column `A` in table `t`"},
      {"second primary key", "create table t (a int primary key, b int)",
       "alter table t add primary key (b)", SchemaErrorKind::kDuplicateKey,
       "duplicate key `PRIMARY` in table `t`"},
      {"key on missing column", "create table t (a int)",
       "alter table t add key k (a, zz)", SchemaErrorKind::kInvalidKeyColumn,
       "invalid column `zz` referenced by key `k` in table `t`"},
      {"column used by a generated column",
       "create table t (a int, g int as (a + 1))",
       "alter table t drop column a", SchemaErrorKind::kInvalidColumnReference,
       "invalid column `a` referenced by generated column `g` in table `t`"},
      {"column used by partitioning",
       "create table t (a int, b int) partition by hash (b) partitions 2",
       "alter table t drop column b", SchemaErrorKind::kInvalidColumnReference,
       "invalid column `b` referenced by partition in table `t`"},
      {"index needed by a foreign key",
       "create table t (a int, key k (a), constraint f foreign key (a) "
       "references p (id))",
       "alter table t drop key k", SchemaErrorKind::kInvalidAlter,
       "key `k` needed by a foreign key constraint in table `t`"},
      {"partition on unpartitioned table", "create table t (a int)",
       "alter table t add partition (partition p1 values less than (1))",
       SchemaErrorKind::kInvalidAlter, "no partitions in table `t`"},
      {"drop missing column", "create table t (a int)",
       "alter table t drop column b", SchemaErrorKind::kInvalidAlter,
       "cannot drop nonexistent column `b` in table `t`"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<std::string> got = Apply(c.table, c.alter);
    ASSERT_FALSE(got.ok()) << *got;
    EXPECT_EQ(GetSchemaErrorKind(got.status()), c.kind) << got.status();
    EXPECT_EQ(got.status().message(), c.message);
  }
}

// A diff applied to its `from` table yields its `to` table.
TEST(TableApplyTest, DiffRoundTrip) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"create table t (a int primary key, b int, c varchar(9), key kb (b))",
       "create table t (z int, a bigint primary key, c varchar(9) not null, "
       "b int, key kc (c), key kb2 (b, a))"},
      {"create table t (a int, b int, constraint c1 check (b > 0)) "
       "charset latin1",
       "create table t (b int, a int, constraint c2 check (b > 1)) row_format "
       "compressed charset utf8mb4"},
  };
  for (const auto& [from_sql, to_sql] : pairs) {
    SCOPED_TRACE(to_sql);
    CreateTable from = Parse<CreateTable>(from_sql);
    CreateTable to = Parse<CreateTable>(to_sql);
    DiffHints hints;
    hints.constraint_names = ConstraintNamesStrategy::kStrict;
    ASSERT_OK_AND_ASSIGN(std::vector<AlterTable> alters,
                         DiffCreateTables(from, to, hints));
    CreateTable current = from;
    for (const AlterTable& a : alters) {
      ASSERT_OK_AND_ASSIGN(current, ApplyAlterTable(current, a));
    }
    ASSERT_OK_AND_ASSIGN(std::vector<AlterTable> rest,
                         DiffCreateTables(current, to, hints));
    EXPECT_TRUE(rest.empty()) << ToString(rest[0]);
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
