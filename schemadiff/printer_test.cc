#include "schemadiff/printer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "schemadiff/sql_writer.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

struct PrintCase {
  std::string name;
  std::string sql;
  std::string want;
};

void ExpectPrints(const std::vector<PrintCase>& cases, OutputMode mode) {
  for (const PrintCase& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(Statement stmt, ParseStatement(c.sql));
    std::string got = Print(stmt, mode);
    EXPECT_EQ(got, c.want);
    // The printed form parses back to the same text.
    ASSERT_OK_AND_ASSIGN(Statement again, ParseStatement(got));
    EXPECT_EQ(Print(again, mode), got);
  }
}

TEST(PrinterTest, String) {
  const std::vector<PrintCase> cases = {
      {"layout and quoting",
       "CREATE TABLE `Orders` (`order` INT NOT NULL, `x y` int, "
       "PRIMARY KEY(`order`)) ENGINE=InnoDB DEFAULT CHARSET=latin1",
       "create table Orders (\n\t`order` INT not null,\n\t`x y` int,\n"
       "\tprimary key (`order`)\n) ENGINE InnoDB,\n  CHARSET latin1"},
      {"column CHECK in ALTER stays on the column",
       "alter table t modify j longtext not null check (json_valid(j)), add "
       "column (k int check (k > 0))",
       "alter table t modify column j longtext not null check "
       "(json_valid(j)), add column (k int check (k > 0))"},
      {"attribute order is normalized",
       "create table t (a int comment 'c' default 3 null auto_increment)",
       "create table t (\n\ta int null default 3 auto_increment "
       "comment 'c'\n)"},
      {"defaults",
       "create table t (a datetime default now, b bit(2) default b'10', "
       "c varchar(3) default \"q'\", d int default (1+2), e float default "
       "-1.5)",
       "create table t (\n\ta datetime default now(),\n"
       "\tb bit(2) default 0b10,\n\tc varchar(3) default 'q\\'',\n"
       "\td int default (1 + 2),\n\te float default -1.5\n)"},
      {"generated column and check",
       "create table t (a int, b int generated always as (a*2) virtual, "
       "check (a <> b))",
       "create table t (\n\ta int,\n\tb int as (a * 2) virtual,\n"
       "\tcheck (a != b)\n)"},
      {"indexes",
       "create table t (a int, b text, index ix (a, b(8) desc) "
       "comment 'i', unique uq (a), fulltext (b))",
       "create table t (\n\ta int,\n\tb text,\n"
       "\tkey ix (a, b(8) desc) comment 'i',\n\tunique key uq (a),\n"
       "\tfulltext key (b)\n)"},
      {"partitions",
       "create table t (a int) partition by list (a) "
       "(partition p1 values in (1,2), partition p2 values in (3))",
       "create table t (\n\ta int\n)\npartition by list (a)\n"
       "(partition p1 values in (1, 2),\n partition p2 values in (3))"},
      {"alter table",
       "ALTER TABLE t ADD INDEX i (a), DROP INDEX j, "
       "CHANGE a b INT NULL AFTER c, ALGORITHM=INPLACE, LOCK=NONE",
       "alter table t add key i (a), drop key j, change column a b INT null "
       "after c, algorithm = INPLACE, lock none"},
      {"mariadb if exists",
       "alter table t add column if not exists c int, drop column if exists "
       "d, drop index if exists i, modify column if exists e int",
       "alter table t add column if not exists c int, drop column if exists "
       "d, drop key if exists i, modify column if exists e int"},
      {"alter table options and partition by",
       "alter table t engine=innodb row_format=compact, add column c int "
       "partition by hash (c) partitions 2",
       "alter table t engine innodb row_format compact, add column c int "
       "\npartition by hash (c) partitions 2"},
      {"alter partition", "alter table t coalesce partition 2",
       "alter table t coalesce partition 2"},
      {"view",
       "CREATE VIEW v AS SELECT a, COUNT(*) AS n FROM t "
       "WHERE b IS NOT NULL GROUP BY a",
       "create view v as select a, count(*) as n from t where b is not null "
       "group by a"},
      {"drop and rename", "DROP TABLE IF EXISTS a, `b c`",
       "drop table if exists a, `b c`"},
      {"rename", "RENAME TABLE a TO b", "rename table a to b"},
  };
  ExpectPrints(cases, OutputMode::kString);
}

TEST(PrinterTest, Canonical) {
  const std::vector<PrintCase> cases = {
      {"create table",
       "create table t (id int unsigned not null, v varchar(8) default 'a', "
       "key k (v)) engine=InnoDB row_format=dynamic",
       "CREATE TABLE `t` (\n\t`id` int unsigned NOT NULL,\n"
       "\t`v` varchar(8) DEFAULT 'a',\n\tKEY `k` (`v`)\n) ENGINE InnoDB,\n"
       "  ROW_FORMAT DYNAMIC"},
      {"alter table", "alter table t drop column c, add column d int first",
       "ALTER TABLE `t` DROP COLUMN `c`, ADD COLUMN `d` int FIRST"},
      {"view", "create sql security invoker view v as select a from t",
       "CREATE SQL SECURITY INVOKER VIEW `v` AS SELECT `a` FROM `t`"},
  };
  ExpectPrints(cases, OutputMode::kCanonical);
}

TEST(SqlWriterTest, FormatIdent) {
  struct Case {
    std::string in;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"abc", "abc"},
      {"Abc_1$", "Abc_1$"},
      {"select", "`select`"},
      {"STATUS", "`STATUS`"},
      {"1abc", "`1abc`"},
      {"a b", "`a b`"},
      {"a`b", "`a``b`"},
      {"", "``"},
      {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"},
      // Reserved by MariaDB, not MySQL: a bare `purge` column fails the
      // statement, a bare current_role in an expression calls the function.
      {"CURRENT_ROLE", "`CURRENT_ROLE`"},
      {"purge", "`purge`"},
      {"delete_domain_id", "`delete_domain_id`"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(FormatIdent(c.in), c.want);
  }
  EXPECT_EQ(FormatIdent("abc", /*always_quote=*/true), "`abc`");
}

TEST(SqlWriterTest, EncodeString) {
  EXPECT_EQ(EncodeString("a'b\"c\\d\n"), "'a\\'b\\\"c\\\\d\\n'");
}

// Words MariaDB reports in its own definitions print as keywords, not as
// quoted identifiers; its reserved words used as names are quoted; IGNORED
// keys parse and print.
TEST(PrinterTest, MariaDbWords) {
  ExpectPrints(
      {{"maxvalue in a column list",
        "create table t (a int, b int) partition by range columns (a, b) "
        "(partition p0 values less than (10, 20), partition p1 values less "
        "than (maxvalue, maxvalue))",
        "create table t (\n\ta int,\n\tb int\n)\npartition by range columns "
        "(a, b)\n(partition p0 values less than (10, 20),\n partition p1 "
        "values less than (maxvalue, maxvalue))"},
       {"trim leading",
        "create view v as select trim(leading '0' from code) as c from t",
        "create view v as select trim(leading '0' from `code`) as c from t"},
       {"set operators in a view",
        "create view v as select a from t except select a from u",
        "create view v as select a from t except select a from u"},
       {"reserved words quoted",
        "create table t (`except` int, `intersect` int)",
        "create table t (\n\t`except` int,\n\t`intersect` int\n)"},
       {"ignored keys",
        "create table t (a int, key k (a) ignored, key k2 (a) not ignored)",
        "create table t (\n\ta int,\n\tkey k (a) ignored,\n\tkey k2 "
        "(a)\n)"}},
      OutputMode::kString);
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
