#include "vreplication/filter.h"

#include <map>
#include <string>
#include <vector>

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

TEST(ExprTemplateTest, BareColumn) {
  const std::vector<std::string> cols = {"id", "d"};
  auto bare = [&](absl::string_view expr) {
    absl::StatusOr<ExprTemplate> t = ExprTemplate::Parse(expr, cols);
    return t.ok() ? t->BareColumn() : -2;
  };
  EXPECT_EQ(bare("`d`"), 1);
  EXPECT_EQ(bare(" d "), 1);
  EXPECT_EQ(bare("src.id"), 0);
  EXPECT_EQ(bare("d + 0"), -1);
  EXPECT_EQ(bare("date(d)"), -1);
  EXPECT_EQ(bare("d, id"), -1);
  EXPECT_EQ(bare("7"), -1);
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

TEST(TableNameLessTest, FoldsOnlyWhenTheServerDoes) {
  std::map<std::string, int, TableNameLess> exact(TableNameLess{false});
  exact.emplace("Users", 1);
  EXPECT_EQ(exact.count(absl::string_view("Users")), 1u);
  EXPECT_EQ(exact.count(absl::string_view("users")), 0u);
  EXPECT_TRUE(exact.emplace("users", 2).second);  // two tables
  std::map<std::string, int, TableNameLess> folded(TableNameLess{true});
  folded.emplace("Users", 1);
  EXPECT_EQ(folded.count(absl::string_view("uSERS")), 1u);
  EXPECT_FALSE(folded.emplace("USERS", 2).second);  // one table
  EXPECT_EQ(folded.count(absl::string_view("Users2")), 0u);
  EXPECT_EQ(folded.count(absl::string_view("User")), 0u);
  // Folding keeps an order: names differing past their case still sort.
  folded.emplace("a_b", 3);
  folded.emplace("A", 4);
  std::vector<std::string> keys;
  for (const auto& [k, v] : folded) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"A", "a_b", "Users"}));
}

TEST(StatementTouchesDatabaseTest, SessionOrQualifiedNames) {
  EXPECT_TRUE(StatementTouchesDatabase("ALTER TABLE t ADD x INT", "d", "d"));
  // The server may fold the session's database (lower_case_table_names).
  EXPECT_TRUE(
      StatementTouchesDatabase("ALTER TABLE t ADD x INT", "app", "App"));
  EXPECT_TRUE(StatementTouchesDatabase("ALTER TABLE d.t ADD x INT", "", "d"));
  EXPECT_TRUE(
      StatementTouchesDatabase("RENAME TABLE `D`.a TO `d`.b", "x", "d"));
  EXPECT_FALSE(StatementTouchesDatabase("ALTER TABLE e.t ADD d INT", "", "d"));
  EXPECT_FALSE(StatementTouchesDatabase("CREATE TABLE t (d INT)", "e", "d"));
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut

namespace sidecut {
namespace vreplication {
namespace {

// A DML statement's "users" is a string (it counted as the table since
// DDL takes double quotes for names); a backquoted name still counts.
TEST(StatementMentionsTableTest, DoubleQuotedStringsInDmlAreNotNames) {
  EXPECT_FALSE(StatementMentionsTable(
      "UPDATE orders o SET o.note = \"users\" WHERE o.id = 1", "users"));
  EXPECT_TRUE(StatementMentionsTable(
      "UPDATE orders o JOIN `users` u ON u.id = o.uid SET o.note = 'x'",
      "users"));
}

TEST(SingleTableWrittenTest, TheTableOfASingleTableWrite) {
  struct Case {
    const char* sql;
    const char* database;
    const char* table;
  };
  for (const Case& c : std::vector<Case>{
           {"UPDATE _vt.vreplication SET pos = 'x' WHERE id = 1", "_vt",
            "vreplication"},
           {"update `_vt`.`copy_state` set lastpk = (select max(id) from src)",
            "_vt", "copy_state"},
           {"REPLACE INTO _vt.sidecut_xa_watch (vrepl_id, prepared) VALUES "
            "(1, '')",
            "_vt", "sidecut_xa_watch"},
           {"INSERT INTO `d`.`sh``x` (id, user) SELECT id, user FROM `d`.`o` "
            "WHERE id > 5 LOCK IN SHARE MODE;",
            "d", "sh`x"},
           {"DELETE FROM _vt.copy_state", "_vt", "copy_state"},
           {"DELETE LOW_PRIORITY QUICK IGNORE FROM t WHERE a = 1", "s", "t"},
           {"UPDATE IGNORE t SET a = 1", "s", "t"},
           {"INSERT IGNORE t VALUES (1)", "s", "t"},
           {"insert into t set a = 1", "s", "t"},
           {"REPLACE t SELECT * FROM src", "s", "t"},
       }) {
    absl::optional<WrittenTable> w = SingleTableWritten(c.sql, "s");
    ASSERT_TRUE(w.has_value()) << c.sql;
    EXPECT_EQ(w->database, c.database) << c.sql;
    EXPECT_EQ(w->table, c.table) << c.sql;
  }
  for (const char* sql : {
           "UPDATE _vt.vreplication, d.src SET pos = 1",
           "UPDATE _vt.vreplication v JOIN d.src s SET v.pos = s.id",
           "UPDATE _vt.vreplication v SET pos = 1",
           "DELETE FROM _vt.copy_state USING _vt.copy_state, d.src",
           "DELETE _vt.copy_state, src FROM _vt.copy_state JOIN src",
           "DELETE FROM t PARTITION (p0)",
           "UPDATE _vt.vreplication SET pos = 1; UPDATE d.src SET a = 1",
           "INSERT INTO _vt.t VALUES ('unterminated",
           "SELECT * FROM _vt.vreplication",
           "CREATE TABLE t (a INT)",
           "UPDATE _vt.",
           "UPDATE",
       }) {
    EXPECT_FALSE(SingleTableWritten(sql, "s").has_value()) << sql;
  }
}

TEST(RenamedToTest, FindsTheClauseRenamingTheTable) {
  EXPECT_EQ(RenamedTo("RENAME TABLE `d`.`t` TO `d`.`t~1a2b`, `d`.`s` TO "
                      "`d`.`t`, `d`.`t~1a2b` TO `d`.`s`",
                      "x", "d", "t"),
            "`d`.`t~1a2b`");
  EXPECT_EQ(RenamedTo("rename tables a to b, T to `new``name`", "d", "d", "t"),
            "`d`.`new``name`");
  EXPECT_EQ(RenamedTo("RENAME TABLE IF EXISTS t WAIT 3 TO e.u", "d", "d", "t"),
            "`e`.`u`");
  EXPECT_EQ(RenamedTo("RENAME TABLE t NOWAIT TO u", "d", "d", "t"), "`d`.`u`");
  // Another database's table of that name, or not renamed, or not a RENAME.
  EXPECT_EQ(RenamedTo("RENAME TABLE t TO u", "other", "d", "t"), absl::nullopt);
  EXPECT_EQ(RenamedTo("RENAME TABLE d.s TO d.t", "d", "d", "t"), absl::nullopt);
  EXPECT_EQ(RenamedTo("ALTER TABLE t RENAME TO u", "d", "d", "t"),
            absl::nullopt);
  EXPECT_EQ(RenamedTo("RENAME USER t TO u", "d", "d", "t"), absl::nullopt);
}

TEST(DdlDropsDatabaseTest, DropsOfThatDatabaseOnly) {
  for (const char* sql : {"DROP DATABASE d", "drop schema if exists `D`",
                          "CREATE OR REPLACE DATABASE d", "DROP DATABASE"}) {
    EXPECT_TRUE(DdlDropsDatabase(sql, "d")) << sql;
  }
  for (const char* sql :
       {"DROP DATABASE tmp_1", "DROP DATABASE IF EXISTS other",
        "CREATE DATABASE d", "CREATE OR REPLACE DATABASE d2",
        "ALTER DATABASE d CHARACTER SET utf8mb4", "DROP TABLE d.t"}) {
    EXPECT_FALSE(DdlDropsDatabase(sql, "d")) << sql;
  }
}

TEST(DdlChangesTableTest, OnlyTableDdlNamingTheTable) {
  struct Case {
    std::string sql;
    bool changes;
  };
  const Case cases[] = {
      {"ALTER TABLE t ADD c INT", true},
      {"alter online table `db`.`t` engine=innodb", true},
      {"RENAME TABLE `db`.`t` TO `db`.`x`, `db`.`s` TO `db`.`t`", true},
      {"DROP TABLE IF EXISTS `t` /* generated by server */", true},
      {"TRUNCATE t", true},
      {"CREATE INDEX i ON t (c)", true},
      {"CREATE OR REPLACE TABLE t (id INT)", true},
      {"ALTER TABLE other ADD c INT", false},
      {"ALTER TABLE IF EXISTS `db`.`t` ADD c INT", true},
      // Another table whose key or column is named like the table.
      {"ALTER TABLE `_vt_vrp_x_` ADD KEY `t` (`t`), ALGORITHM=INPLACE", false},
      {"ALTER TABLE `db`.`other` ADD COLUMN t INT", false},
      {"DROP TABLE `_vt_hld_0123_20260101000000_`", false},
      {"ALTER EVENT `db`.`t` DISABLE", false},
      {"DROP EVENT IF EXISTS t", false},
      {"CREATE DEFINER=`root`@`localhost` EVENT t ON SCHEDULE EVERY 1 SECOND "
       "DO UPDATE t SET c = 1",
       false},
      {"CREATE TRIGGER t BEFORE INSERT ON t FOR EACH ROW SET @x = 1", false},
      {"CREATE OR REPLACE VIEW t AS SELECT 1", false},
      {"GRANT SELECT ON t TO u", false},
      {"ANALYZE TABLE t", false},
      // A database named like the table: another table of it.
      {"CREATE TABLE `t`.`t~1a2b` (id INT)", false},
      {"DROP TABLE IF EXISTS `t`.`other`", false},
      {"CREATE INDEX i ON t.other (c)", false},
      {"DROP TABLE `t`.`t`", true},
      {"CREATE TABLE t.x (id INT, FOREIGN KEY (id) REFERENCES t.t (id))",
       false},
      {"RENAME TABLE t.x TO t.t", true},
      // Another table's ALTER that swaps rows with the table, makes it a
      // partition, or takes its name.
      {"ALTER TABLE arch EXCHANGE PARTITION p0 WITH TABLE t", true},
      {"ALTER TABLE arch CONVERT TABLE t TO PARTITION p1 VALUES LESS THAN "
       "(10)",
       true},
      {"ALTER TABLE x RENAME TO t", true},
      {"ALTER TABLE x RENAME TO y", false},
      {"ALTER TABLE x RENAME AS `db`.`t`", true},
      {"ALTER TABLE x RENAME t", true},
      {"ALTER TABLE x RENAME COLUMN t TO u", false},
      {"ALTER TABLE x RENAME INDEX t TO u", false},
      {"ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4", false},
      {"ALTER TABLE x EXCHANGE PARTITION t WITH TABLE y", false},
      // Another table's DDL naming a column, key or index like the table,
      // reading it, or making it a foreign key's parent: only the tables it
      // creates, drops, renames or indexes count.
      {"CREATE TABLE x (t INT, KEY t (t))", false},
      {"CREATE TABLE IF NOT EXISTS x LIKE t", false},
      {"CREATE TEMPORARY TABLE x AS SELECT t FROM t", false},
      {"CREATE TABLE x (id INT, FOREIGN KEY (id) REFERENCES t (id))", false},
      {"CREATE TABLE IF NOT EXISTS t (id INT)", true},
      {"CREATE TEMPORARY TABLE t SELECT 1", true},
      {"DROP TABLE x, y", false},
      {"DROP TABLE IF EXISTS x, t NOWAIT CASCADE", true},
      {"DROP TEMPORARY TABLE x", false},
      {"RENAME TABLE x TO y, z WAIT 2 TO w", false},
      {"RENAME TABLE x TO y, z TO t", true},
      {"CREATE INDEX t ON x (t)", false},
      {"CREATE UNIQUE INDEX IF NOT EXISTS i USING BTREE ON t (c)", true},
      {"DROP INDEX t ON x", false},
      {"DROP INDEX IF EXISTS i ON t", true},
      // A form not understood: any mention counts.
      {"DROP TABLE x t", true},
      {"RENAME TABLE x y, t", true},
      // Names in double quotes (ANSI_QUOTES; the server logs a DROP so).
      {"ALTER TABLE \"t\" ADD c INT", true},
      {"DROP TABLE \"t\" /* generated by server */", true},
      {"RENAME TABLE \"x\" TO \"t\"", true},
      {"CREATE INDEX i ON \"t\" (c)", true},
      {"CREATE TABLE x (c INT COMMENT \"t\")", false},
      // MariaDB's TABLES.
      {"RENAME TABLES x TO y, z TO t", true},
      {"DROP TABLES IF EXISTS x, t", true},
      {"RENAME TABLES x TO y", false},
      // An executable comment's body may or may not have run: names count
      // wherever they are.
      {"CREATE TABLE /*!80000 x */ t (id INT)", true},
      {"CREATE INDEX i ON /*!80000 x */ t (c)", true},
      {"ALTER TABLE /*!80000 x */ t ADD c INT", true},
      {"/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW v AS SELECT * "
       "FROM t */",
       false},
      // More than one statement: any mention.
      {"CREATE TABLE x (id INT); DROP TABLE t", true},
      {"CREATE TABLE x (id INT);", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    EXPECT_EQ(DdlChangesTable(c.sql, "t"), c.changes);
  }
  // A table named like an object word other than TABLE.
  EXPECT_TRUE(
      DdlChangesTable("RENAME TABLES user TO user_old, user_new TO "
                      "user",
                      "user"));
  EXPECT_TRUE(DdlChangesTable("DROP TABLES IF EXISTS event", "event"));
  EXPECT_FALSE(DdlChangesTable("RENAME TABLES event TO x", "user"));
}

// With the table's database: another database's table named like it does
// not count; unqualified names are of the statement's default database.
TEST(DdlChangesTableTest, OnlyTheDatabasesTable) {
  struct Case {
    std::string sql;
    std::string session_db;
    bool changes;
  };
  const Case cases[] = {
      {"CREATE TABLE other.t (id INT)", "app", false},
      {"ALTER TABLE `other`.`t` ADD c INT", "app", false},
      {"DROP TABLE IF EXISTS other.t", "app", false},
      {"RENAME TABLE other.t TO other.t2", "app", false},
      {"TRUNCATE other.t", "app", false},
      {"ALTER TABLE arch EXCHANGE PARTITION p0 WITH TABLE other.t", "app",
       false},
      {"ALTER TABLE other.x RENAME TO other.t", "app", false},
      {"ALTER TABLE t ADD c INT", "other", false},
      {"ALTER TABLE t ADD c INT", "app", true},
      {"ALTER TABLE app.t ADD c INT", "other", true},
      {"ALTER TABLE `APP`.`t` ADD c INT", "other", true},
      {"DROP TABLE IF EXISTS other.t, t", "app", true},
      {"RENAME TABLE other.t TO app.t", "other", true},
      {"ALTER TABLE arch EXCHANGE PARTITION p0 WITH TABLE app.t", "other",
       true},
      // Reading the table changes nothing of it.
      {"CREATE TABLE other.t LIKE t", "app", false},
      {"CREATE TABLE x SELECT * FROM t", "app", false},
      // An unqualified rename target lands in the default database.
      {"RENAME TABLE other.x TO t", "app", true},
      {"RENAME TABLE other.x TO t", "other", false},
      {"ALTER TABLE other.x RENAME TO t", "app", true},
      {"ALTER TABLE other.x RENAME TO t", "other", false},
      // No default database: unqualified names may be anyone's.
      {"ALTER TABLE t ADD c INT", "", true},
      {"DROP TABLE t", "", true},
      // Database names compare without case; a column of the table.
      {"ALTER TABLE t ADD c INT", "APP", true},
      {"CREATE TABLE other.x AS SELECT app.t.c FROM app.t", "other", false},
      // `.t`: the default database's table (the word before the dot is a
      // keyword, not a database).
      {"ALTER TABLE .t ADD c INT", "app", true},
      {"DROP TABLE .t", "app", true},
      {"RENAME TABLE x TO .t", "app", true},
      {"CREATE INDEX i ON .t (c)", "app", true},
      {"ALTER TABLE .t ADD c INT", "other", false},
      {"DROP TABLE x, .t", "app", true},
      {"DROP TABLE x, .t", "other", false},
      // A qualifier lexed as a string (ANSI_QUOTES): assumed to be ours.
      {"ALTER TABLE \"app\".t ADD c INT", "other", true},
      {"ALTER TABLE \"other\".\"t\" ADD c INT", "app", false},
      {"DROP TABLE \"app\".\"t\"", "other", true},
      {"TRUNCATE t", "", true},
      // Unparsable (an unterminated string): assumed to change it.
      {"CREATE TABLE other.t (c CHAR(1) DEFAULT 'x", "app", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql + " in " + c.session_db);
    EXPECT_EQ(DdlChangesTable(c.sql, c.session_db, "app", "t"), c.changes);
  }
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
