#include "schemadiff/parser.h"

#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename T>
T ParseAs(const std::string& sql, const ParseOptions& options = {}) {
  absl::StatusOr<Statement> stmt = ParseStatement(sql, options);
  EXPECT_OK(stmt);
  if (!stmt.ok() || !std::holds_alternative<T>(*stmt)) {
    ADD_FAILURE() << "unexpected statement kind for " << sql;
    return T();
  }
  return std::get<T>(*std::move(stmt));
}

TEST(ParserTest, CreateTableColumns) {
  auto ct = ParseAs<CreateTable>(
      "CREATE TABLE IF NOT EXISTS db.`t 1` (\n"
      "  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
      "  name varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin "
      "DEFAULT 'x' COMMENT 'the name',\n"
      "  ts timestamp(3) NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE "
      "CURRENT_TIMESTAMP(3),\n"
      "  e enum('a','b') INVISIBLE,\n"
      "  g int AS (id + 1) STORED NOT NULL,\n"
      "  PRIMARY KEY (id)\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  EXPECT_TRUE(ct.if_not_exists);
  EXPECT_EQ(ct.name.qualifier, "db");
  EXPECT_EQ(ct.name.name, "t 1");
  ASSERT_TRUE(ct.spec.has_value());
  ASSERT_EQ(ct.spec->columns.size(), 5u);
  const ColumnDefinition& id = ct.spec->columns[0];
  EXPECT_EQ(id.type.name, "bigint");
  EXPECT_EQ(id.type.length, "20");
  EXPECT_TRUE(id.type.is_unsigned);
  EXPECT_EQ(id.nullable, false);
  EXPECT_TRUE(id.auto_increment);
  const ColumnDefinition& name = ct.spec->columns[1];
  EXPECT_EQ(name.type.charset, "utf8mb4");
  EXPECT_EQ(name.type.collate.text, "utf8mb4_bin");
  EXPECT_EQ(name.comment, "the name");
  ASSERT_TRUE(name.default_value.has_value());
  EXPECT_FALSE(name.default_value->parenthesized);
  EXPECT_TRUE(ct.spec->columns[2].on_update.has_value());
  EXPECT_THAT(ct.spec->columns[3].type.values, ElementsAre("a", "b"));
  EXPECT_EQ(ct.spec->columns[3].visible, false);
  EXPECT_TRUE(ct.spec->columns[4].generated.has_value());
  EXPECT_TRUE(ct.spec->columns[4].stored);
  ASSERT_EQ(ct.spec->indexes.size(), 1u);
  EXPECT_EQ(ct.spec->indexes[0].kind, IndexKind::kPrimary);
  ASSERT_EQ(ct.spec->options.size(), 2u);
  EXPECT_EQ(ct.spec->options[0].name, "ENGINE");
  EXPECT_EQ(ct.spec->options[1].name, "CHARSET");
}

TEST(ParserTest, IndexesAndConstraints) {
  auto ct = ParseAs<CreateTable>(
      "create table t (a int, b text, c json,"
      " unique key uk (a desc, b(10)) using btree comment 'u',"
      " fulltext index ft (b) with parser ngram,"
      " key fx ((cast(c->'$.x' as unsigned)), a),"
      " constraint fk foreign key (a) references p (id) on update cascade"
      " on delete set null,"
      " constraint ck check (a > 0) not enforced, c2 int check (c2 < 3))");
  ASSERT_TRUE(ct.spec.has_value());
  ASSERT_EQ(ct.spec->indexes.size(), 3u);
  const IndexDefinition& uk = ct.spec->indexes[0];
  EXPECT_EQ(uk.kind, IndexKind::kUnique);
  EXPECT_TRUE(uk.parts[0].desc);
  EXPECT_EQ(uk.parts[1].length, "10");
  ASSERT_EQ(uk.options.size(), 2u);
  EXPECT_EQ(uk.options[0].name, "using");
  EXPECT_EQ(ct.spec->indexes[1].kind, IndexKind::kFulltext);
  EXPECT_TRUE(ct.spec->indexes[2].parts[0].expr.has_value());
  ASSERT_EQ(ct.spec->constraints.size(), 3u);
  const auto& fk =
      std::get<ForeignKeyDefinition>(ct.spec->constraints[0].details);
  EXPECT_EQ(fk.reference.table.name, "p");
  EXPECT_EQ(fk.reference.on_delete, "set null");
  EXPECT_EQ(fk.reference.on_update, "cascade");
  const auto& ck = std::get<CheckDefinition>(ct.spec->constraints[1].details);
  EXPECT_EQ(ck.enforced, false);
  // The column-level CHECK becomes a table constraint.
  EXPECT_TRUE(
      std::holds_alternative<CheckDefinition>(ct.spec->constraints[2].details));
}

TEST(ParserTest, Partitions) {
  auto ct = ParseAs<CreateTable>(
      "create table t (d date) partition by range columns (d) "
      "subpartition by hash (to_days(d)) subpartitions 2 ("
      "partition p0 values less than ('2020-01-01') engine = innodb,"
      "partition p1 values less than maxvalue)");
  ASSERT_TRUE(ct.spec && ct.spec->partition);
  const PartitionOption& p = *ct.spec->partition;
  EXPECT_EQ(p.method.type, "range");
  EXPECT_TRUE(p.method.columns);
  ASSERT_TRUE(p.sub.has_value());
  EXPECT_EQ(p.sub->count, "2");
  ASSERT_EQ(p.definitions.size(), 2u);
  EXPECT_EQ(p.definitions[0].options.engine, "innodb");
  EXPECT_TRUE(p.definitions[1].maxvalue);
}

TEST(ParserTest, AlterTable) {
  auto alter = ParseAs<AlterTable>(
      "alter table t add column x int after y, drop index i, "
      "modify c varchar(3) first, change a b int, rename column d to e, "
      "rename key k1 to k2, alter column f set default 1, algorithm=inplace, "
      "lock=none, engine=innodb, convert to character set utf8mb4, force");
  using K = AlterOption::Kind;
  std::vector<K> kinds;
  for (const AlterOption& o : alter.options) kinds.push_back(o.kind);
  EXPECT_THAT(kinds,
              ElementsAre(K::kAddColumns, K::kDropIndex, K::kModifyColumn,
                          K::kChangeColumn, K::kRenameColumn, K::kRenameIndex,
                          K::kAlterColumnDefault, K::kAlgorithm, K::kLock,
                          K::kTableOptions, K::kConvertCharset, K::kForce));
  EXPECT_EQ(alter.options[0].after, "y");
  EXPECT_EQ(alter.options[3].name, "a");
  EXPECT_EQ(alter.options[3].columns[0].name, "b");
}

TEST(ParserTest, ViewsReadTables) {
  auto view = ParseAs<CreateView>(
      "create or replace view v (a, b) as select x.a, y.b from db.x "
      "join y on x.id = y.id, z as zz where x.a in (select a from w)");
  EXPECT_TRUE(view.or_replace);
  EXPECT_THAT(view.columns, ElementsAre("a", "b"));
  std::vector<std::string> tables;
  for (const TableName& t : view.select.tables) {
    tables.push_back(t.qualifier.empty() ? t.name : t.qualifier + "." + t.name);
  }
  EXPECT_THAT(tables, ElementsAre("db.x", "y", "z", "w"));
}

TEST(ParserTest, DropAndRename) {
  auto drop = ParseAs<DropTable>("drop table if exists a, b.c");
  EXPECT_TRUE(drop.if_exists);
  EXPECT_EQ(drop.tables.size(), 2u);
  auto rename = ParseAs<RenameTable>("rename table a to b, c to d");
  EXPECT_EQ(rename.pairs.size(), 2u);
  auto dv = ParseAs<DropView>("drop view if exists v1");
  EXPECT_EQ(dv.views.size(), 1u);
}

TEST(ParserTest, LenientModeKeepsTableName) {
  ParseOptions lenient;
  lenient.strict = false;
  auto ct = ParseAs<CreateTable>("create table a (a int, c garbage)", lenient);
  EXPECT_EQ(ct.name.name, "a");
  EXPECT_FALSE(ct.spec.has_value());
  EXPECT_FALSE(ParseStatement("create table a bb; select 1", lenient).ok());
}

TEST(ParserTest, MultipleStatements) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<Statement> stmts,
      ParseStatements("create table a (id int);; create view v as select 1;"));
  EXPECT_EQ(stmts.size(), 2u);
}

// Every prefix of a statement either parses or fails cleanly (no crash, no
// hang); run under ASan this covers the parser's error paths.
TEST(ParserTest, TruncatedInputsFailCleanly) {
  const std::string sql =
      "create table if not exists `t` (id int unsigned not null "
      "auto_increment comment 'c', v varchar(10) character set utf8mb4 "
      "collate utf8mb4_bin default (concat('a', \"b\")) invisible, "
      "g int as (id * 2) stored, primary key (id), key k (v(3) desc) using "
      "btree, constraint f foreign key (id) references p (id) on delete "
      "cascade, check (id > 0)) engine=innodb partition by range (id) "
      "(partition p0 values less than (10), partition p1 values less than "
      "maxvalue); alter table t add column c int first, drop key k, "
      "algorithm=inplace; create view v as select * from t where id in (1)";
  ParseOptions lenient;
  lenient.strict = false;
  for (size_t n = 0; n <= sql.size(); ++n) {
    SCOPED_TRACE(sql.substr(0, n));
    absl::StatusOr<std::vector<Statement>> strict =
        ParseStatements(sql.substr(0, n));
    absl::StatusOr<std::vector<Statement>> loose =
        ParseStatements(sql.substr(0, n), lenient);
    for (const auto* result : {&strict, &loose}) {
      if (!result->ok()) {
        EXPECT_EQ(result->status().code(), absl::StatusCode::kInvalidArgument);
      }
    }
  }
  EXPECT_OK(ParseStatements(sql));
}

struct ErrorCase {
  std::string name;
  std::string sql;
  std::string want;  // substring: position and offending token
};

TEST(ParserTest, ErrorsPointAtTheOffendingToken) {
  const std::vector<ErrorCase> cases = {
      {"unknown type", "create table t (a int,\n  b garbage)",
       "line 2, column 5 (offset 27) near 'garbage': expected a column data"},
      {"missing paren", "create table t (a int",
       "near end of input: expected ')'"},
      {"reserved word as column", "create table t (select int)",
       "near 'select': expected column name"},
      {"bad reference action",
       "create table t (a int references p (id) "
       "on delete explode)",
       "near 'explode': expected RESTRICT"},
      {"partition op after comma",
       "alter table t add column c int, drop partition p1",
       "near 'drop': partition operations cannot be combined"},
      {"two partition ops",
       "alter table t add partition (partition a values less than (1)), "
       "add partition (partition b values less than (2))",
       "near ',': expected ',' or the end"},
      {"trailing garbage", "drop table a b", "near 'b': extra characters"},
      {"not ddl", "select 1", "near 'select': expected CREATE"},
      {"lexer error", "create table t (a int default 'x)",
       "unterminated string"},
      {"qualified name with number", "create table 2t.3t2 (c1 int)",
       "near '.3': expected '('"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        ParseStatement(c.sql),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
