#include "onlineddl/alter_analysis.h"

#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using vreplication::ColumnInfo;
using vreplication::TableSchema;
using vreplication::UniqueKey;

ColumnInfo Col(const std::string& name, const std::string& type = "int",
               bool nullable = false) {
  ColumnInfo c;
  c.name = name;
  c.data_type = type;
  c.column_type = type;
  c.nullable = nullable;
  return c;
}

TableSchema Table(const std::string& name, std::vector<ColumnInfo> cols,
                  std::vector<UniqueKey> keys) {
  TableSchema t;
  t.db = "d";
  t.table = name;
  t.columns = std::move(cols);
  t.unique_keys = std::move(keys);
  return t;
}

TEST(ColumnRenamesTest, FindsChangeAndRenameColumn) {
  ASSERT_OK_AND_ASSIGN(
      schemadiff::Statement s,
      schemadiff::ParseStatement("alter table t change a a2 int, rename "
                                 "column b to b2, change c c int, modify d "
                                 "bigint"));
  EXPECT_THAT(ColumnRenames(std::get<schemadiff::AlterTable>(s)),
              ElementsAre(Pair("a", "a2"), Pair("b", "b2")));
}

TEST(AnalyzeAlterTest, MapsColumnsAndBuildsTheRule) {
  TableSchema src = Table("t", {Col("id"), Col("a"), Col("b"), Col("gone")},
                          {UniqueKey{"PRIMARY", {0}}});
  TableSchema dst = Table(
      "_vt_vrp_x_", {Col("id"), Col("a2"), Col("b", "bigint"), Col("added")},
      {UniqueKey{"PRIMARY", {0}}, UniqueKey{"u", {3}}});
  ASSERT_OK_AND_ASSIGN(AlterAnalysis a, AnalyzeAlter(src, dst, {{"a", "a2"}}));
  EXPECT_THAT(a.shared_columns,
              ElementsAre(Pair("id", "id"), Pair("a", "a2"), Pair("b", "b")));
  EXPECT_THAT(a.dropped_columns, ElementsAre("gone"));
  EXPECT_THAT(a.added_columns, ElementsAre("added"));
  EXPECT_THAT(a.changed_type_columns, ElementsAre("b"));
  EXPECT_EQ(a.added_unique_keys, 1);
  EXPECT_EQ(a.removed_unique_keys, 0);
  EXPECT_EQ(a.rule.match(), "_vt_vrp_x_");
  EXPECT_EQ(a.rule.filter(), "select `id`, `a` AS `a2`, `b` from `t`");
  EXPECT_EQ(a.rule.source_unique_key_columns(), "id");
  EXPECT_FALSE(a.revertible_notes.empty());
}

TEST(AnalyzeAlterTest, IteratesOnAKeyBothTablesShare) {
  // The primary key changes from (id) to (id, k): the unique key on the
  // renamed column is what both have.
  TableSchema src = Table("t", {Col("id"), Col("k"), Col("u")},
                          {UniqueKey{"PRIMARY", {0}}, UniqueKey{"uk", {2}}});
  TableSchema dst = Table("s", {Col("id"), Col("k"), Col("u2")},
                          {UniqueKey{"PRIMARY", {0, 1}}, UniqueKey{"uk", {2}}});
  ASSERT_OK_AND_ASSIGN(AlterAnalysis a, AnalyzeAlter(src, dst, {{"u", "u2"}}));
  EXPECT_EQ(a.source_key_name, "uk");
  EXPECT_EQ(a.rule.source_unique_key_columns(), "u");
  EXPECT_EQ(a.rule.target_unique_key_columns(), "u2");
  EXPECT_EQ(a.rule.source_unique_key_target_columns(), "u2");
  EXPECT_EQ(a.removed_unique_keys, 1);
  EXPECT_EQ(a.added_unique_keys, 1);
}

TEST(AnalyzeAlterTest, KeysMayDifferWhenBothAreMadeOfCopiedColumns) {
  // PRIMARY (id) becomes PRIMARY (id, k): iterate on the source's id.
  TableSchema src =
      Table("t", {Col("id"), Col("k")}, {UniqueKey{"PRIMARY", {0}}});
  TableSchema dst =
      Table("s", {Col("id"), Col("k")}, {UniqueKey{"PRIMARY", {0, 1}}});
  ASSERT_OK_AND_ASSIGN(AlterAnalysis a, AnalyzeAlter(src, dst, {}));
  EXPECT_EQ(a.rule.source_unique_key_columns(), "id");
  EXPECT_EQ(a.rule.target_unique_key_columns(), "id,k");
  // A target key on an added column cannot be derived from the source.
  TableSchema added =
      Table("s", {Col("id"), Col("k"), Col("n")}, {UniqueKey{"PRIMARY", {2}}});
  EXPECT_THAT(AnalyzeAlter(src, added, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(AnalyzeAlterTest, RefusesWithoutASharedUsableKey) {
  TableSchema src = Table("t", {Col("id"), Col("f", "float")},
                          {UniqueKey{"PRIMARY", {0}}, UniqueKey{"fk", {1}}});
  TableSchema no_pk =
      Table("s", {Col("id"), Col("f", "float")}, {UniqueKey{"fk", {1}}});
  EXPECT_THAT(AnalyzeAlter(src, no_pk, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("found no possible unique key")));
  TableSchema none = Table("s", {Col("id")}, {});
  EXPECT_THAT(AnalyzeAlter(src, none, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Rows are found in the shadow by the source key's values: a key column
// whose values the ALTER rounds (a DATETIME losing fractional digits, a
// DECIMAL losing scale) cannot be iterated on; widening an integer,
// lengthening a string, adding fractional digits can. Another unchanged
// key serves when there is one.
TEST(AnalyzeAlterTest, KeyColumnsWhoseValuesTheAlterRoundsAreNotIteratedOn) {
  auto with = [](const std::string& data_type, const std::string& column_type) {
    ColumnInfo c = Col("k", data_type);
    c.column_type = column_type;
    return c;
  };
  auto collated = [&](const std::string& column_type,
                      const std::string& collation) {
    ColumnInfo c =
        with(column_type.substr(0, column_type.find('(')), column_type);
    c.charset = "utf8mb4";
    c.collation = collation;
    return c;
  };
  auto keyed = [&](ColumnInfo k) {
    return Table("t", {Col("id"), std::move(k)}, {UniqueKey{"PRIMARY", {1}}});
  };
  struct Case {
    ColumnInfo from, to;
    bool ok;
  };
  const Case cases[] = {
      {with("int", "int(11)"), with("bigint", "bigint(20) unsigned"), true},
      {with("varchar", "varchar(10)"), with("varchar", "varchar(20)"), true},
      {with("datetime", "datetime"), with("datetime", "datetime(6)"), true},
      {with("decimal", "decimal(10,2)"), with("decimal", "decimal(12,2)"),
       true},
      {with("datetime", "datetime(6)"), with("datetime", "datetime"), false},
      {with("decimal", "decimal(10,3)"), with("decimal", "decimal(10,2)"),
       false},
      {with("datetime", "datetime"), with("timestamp", "timestamp"), true},
      {with("date", "date"), with("datetime", "datetime"), true},
      {with("datetime", "datetime"), with("date", "date"), false},
      {with("char", "char(16)"), with("varchar", "varchar(32)"), true},
      {with("varchar", "varchar(16)"), with("binary", "binary(16)"), false},
      {with("binary", "binary(16)"), with("binary", "binary(20)"), false},
      {with("timestamp", "timestamp(3)"), with("datetime", "datetime"), false},
      // A shorter column drops excess trailing spaces: under NO PAD the
      // source's value no longer finds the row.
      {collated("varchar(10)", "utf8mb4_nopad_bin"),
       collated("varchar(5)", "utf8mb4_nopad_bin"), false},
      {collated("varchar(10)", "utf8mb4_bin"),
       collated("varchar(5)", "utf8mb4_nopad_bin"), false},
      {collated("varchar(10)", "utf8mb4_nopad_bin"),
       collated("varchar(20)", "utf8mb4_nopad_bin"), true},
      {collated("varchar(10)", "utf8mb4_bin"),
       collated("varchar(5)", "utf8mb4_bin"), true},
      {collated("text", "utf8mb4_nopad_bin"),
       collated("varchar(100)", "utf8mb4_nopad_bin"), false},
      {collated("varchar(255)", "utf8mb4_nopad_bin"),
       collated("tinytext", "utf8mb4_nopad_bin"), false},
      {collated("varchar(255)", "utf8mb4_nopad_bin"),
       collated("text", "utf8mb4_nopad_bin"), true},
      // A CHAR is read without trailing spaces: 'a ' is no longer found.
      {collated("varchar(10)", "utf8mb4_nopad_bin"),
       collated("char(10)", "utf8mb4_nopad_bin"), false},
      {collated("varchar(10)", "utf8mb4_bin"),
       collated("char(10)", "utf8mb4_bin"), true},
      {collated("char(10)", "utf8mb4_nopad_bin"),
       collated("char(20)", "utf8mb4_nopad_bin"), true},
  };
  for (const Case& c : cases) {
    absl::StatusOr<AlterAnalysis> a =
        AnalyzeAlter(keyed(c.from), keyed(c.to), {});
    EXPECT_EQ(a.ok(), c.ok) << c.from.column_type << " -> " << c.to.column_type
                            << ": " << a.status();
  }
  // With the id also unique, it serves instead.
  TableSchema src = Table("t", {Col("id"), with("datetime", "datetime(6)")},
                          {UniqueKey{"PRIMARY", {1}}, UniqueKey{"id", {0}}});
  TableSchema dst = Table("s", {Col("id"), with("datetime", "datetime")},
                          {UniqueKey{"PRIMARY", {1}}, UniqueKey{"id", {0}}});
  ASSERT_OK_AND_ASSIGN(AlterAnalysis a, AnalyzeAlter(src, dst, {}));
  EXPECT_EQ(a.source_key_name, "id");
}

// The key replaced (PRIMARY (code) becomes PRIMARY (id)) while its column
// comes to compare more values as equal: refused, naming the column. A
// replayed DELETE of 'a' found its row by `code` = 'a' in the shadow,
// where utf8mb4_general_ci matched 'A' too, and deleted both. Kept, the
// collation does not stand in the way.
TEST(AnalyzeAlterTest, AReplacedKeyMustCompareAsItDidInTheSource) {
  auto code = [](const std::string& type, const std::string& collation) {
    ColumnInfo c = Col("code", type.substr(0, type.find('(')));
    c.column_type = type;
    c.charset = collation.empty() ? "" : "utf8mb4";
    c.collation = collation;
    return c;
  };
  auto table = [&](const std::string& name, ColumnInfo c, int key) {
    return Table(name, {std::move(c), Col("id")},
                 {UniqueKey{"PRIMARY", {key}}});
  };
  const TableSchema src = table("t", code("varchar(16)", "utf8mb4_bin"), 0);
  EXPECT_THAT(
      AnalyzeAlter(
          src, table("s", code("varchar(16)", "utf8mb4_general_ci"), 1), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("changes how its column `code` compares")));
  EXPECT_THAT(
      AnalyzeAlter(table("t", code("varbinary(16)", ""), 0),
                   table("s", code("varchar(16)", "utf8mb4_bin"), 1), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("(binary to utf8mb4_bin)")));
  EXPECT_THAT(
      AnalyzeAlter(table("t", code("varchar(16)", "utf8mb4_nopad_bin"), 0),
                   table("s", code("varchar(16)", "utf8mb4_bin"), 1), {}),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  // The same name in another charset is not the same order: latin1's
  // general_ci tells 'a' from 'á', utf8mb4's does not.
  EXPECT_THAT(AnalyzeAlter(
                  table("t", code("varchar(16)", "latin1_general_ci"), 0),
                  table("s", code("varchar(16)", "utf8mb4_general_ci"), 1), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("(latin1_general_ci to utf8mb4_general_ci)")));
  // Values apart stay apart: kept, or the same collation of another
  // charset, or a stricter one.
  const std::pair<ColumnInfo, ColumnInfo> fine[] = {
      {code("varchar(16)", "utf8mb4_bin"), code("varchar(32)", "utf8mb4_bin")},
      {code("varchar(16)", "utf8mb3_general_ci"),
       code("varchar(16)", "utf8mb4_general_ci")},
      {code("varchar(16)", "utf8mb4_general_ci"),
       code("varchar(16)", "utf8mb4_bin")},
      {code("varchar(16)", "utf8mb4_bin"), code("varbinary(64)", "")},
  };
  for (const auto& [from, to] : fine) {
    SCOPED_TRACE(from.collation + " -> " + to.collation);
    ASSERT_OK_AND_ASSIGN(AlterAnalysis a, AnalyzeAlter(table("t", from, 0),
                                                       table("s", to, 1), {}));
    EXPECT_EQ(a.source_key_name, "PRIMARY");
    EXPECT_EQ(a.rule.source_unique_key_columns(), "code");
    EXPECT_EQ(a.rule.target_unique_key_columns(), "id");
  }
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
