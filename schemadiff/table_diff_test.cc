#include "schemadiff/table_diff.h"

#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/charsets.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::HasSubstr;

CreateTable Table(const std::string& sql) {
  absl::StatusOr<Statement> stmt = ParseStatement(sql);
  EXPECT_OK(stmt) << sql;
  if (!stmt.ok() || !std::holds_alternative<CreateTable>(*stmt)) return {};
  return std::get<CreateTable>(*stmt);
}

absl::StatusOr<std::vector<std::string>> Diff(const std::string& from,
                                              const std::string& to,
                                              const DiffHints& hints) {
  SC_ASSIGN_OR_RETURN(std::vector<AlterTable> alters,
                      DiffCreateTables(Table(from), Table(to), hints));
  std::vector<std::string> out;
  for (const AlterTable& a : alters) out.push_back(ToString(a));
  return out;
}

TEST(TableDiffTest, Statements) {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
    std::function<void(DiffHints*)> hints;
    std::vector<std::string> want;
  };
  auto none = [](DiffHints*) {};
  const std::vector<Case> cases = {
      {"equivalent spellings",
       "create table a (x int primary key, y int(11))",
       "create table b (x INT, y integer, primary key (x))",
       none,
       {}},
      {"add column at the end",
       "create table a (x int)",
       "create table a (x int, y int)",
       none,
       {"alter table a add column y int"}},
      {"add column in the middle and first",
       "create table a (x int, y int)",
       "create table a (w int, x int, v int, y int)",
       none,
       {"alter table a add column w int first, add column v int after x"}},
      {"drop and modify",
       "create table a (x int, y int, z int)",
       "create table a (x bigint, z int)",
       none,
       {"alter table a drop column y, modify column x bigint"}},
      {"move one column",
       "create table a (p int, q int, r int, s int)",
       "create table a (p int, r int, q int, s int)",
       none,
       {"alter table a modify column r int after p"}},
      {"rename by heuristic",
       "create table a (x int, old_y int, z int)",
       "create table a (x int, new_y int, z int)",
       [](DiffHints* h) {
         h->column_rename = ColumnRenameStrategy::kHeuristicStatement;
       },
       {"alter table a rename column old_y to new_y"}},
      {"rename assumed different",
       "create table a (x int, old_y int, z int)",
       "create table a (x int, new_y int, z int)",
       none,
       {"alter table a drop column old_y, add column new_y int after x"}},
      {"key added, dropped, renamed",
       "create table a (x int, y int, key kx (x), key ky (y))",
       "create table a (x int, y int, key kx2 (x), key kxy (x, y))",
       none,
       {"alter table a drop key ky, rename index kx to kx2, add key kxy (x, "
        "y)"}},
      {"primary key replaced",
       "create table a (x int primary key, y int)",
       "create table a (x int, y int primary key)",
       none,
       {"alter table a drop primary key, add primary key (y)"}},
      {"a primary key column is NOT NULL whether or not it says so",
       "create table a (id int not null auto_increment, x int, primary key "
       "(id))",
       "create table a (id int primary key auto_increment, x int)",
       none,
       {}},
      {"check changed and added",
       "create table a (x int, constraint c1 check (x > 0))",
       "create table a (x int, constraint c1 check (x > 1), constraint c2 "
       "check (x < 9))",
       none,
       {"alter table a drop check c1, add constraint c1 check (x > 1), add "
        "constraint c2 check (x < 9)"}},
      {"constraint names ignored",
       "create table a (x int, constraint c1 check (x > 0))",
       "create table a (x int, constraint other check (x > 0))",
       [](DiffHints* h) {
         h->constraint_names = ConstraintNamesStrategy::kIgnoreAll;
       },
       {}},
      {"table options",
       "create table a (x int) comment 'hi' checksum=1",
       "create table a (x int) row_format=dynamic checksum=0",
       none,
       {"alter table a comment '' checksum 0 row_format DYNAMIC"}},
      {"auto_increment ignored by default",
       "create table a (x int)",
       "create table a (x int) auto_increment=5",
       none,
       {}},
      {"auto_increment applied when higher",
       "create table a (x int) auto_increment=3",
       "create table a (x int) auto_increment=5",
       [](DiffHints* h) {
         h->auto_increment = AutoIncrementStrategy::kApplyHigher;
       },
       {"alter table a auto_increment 5"}},
      {"table charset change rebuilds inheriting textual columns",
       "create table a (s varchar(4), n int) charset latin1",
       "create table a (s varchar(4), n int) charset utf8mb4",
       none,
       {"alter table a modify column s varchar(4), charset utf8mb4"}},
      {"second fulltext key in its own statement",
       "create table a (s text, t text)",
       "create table a (s text, t text, fulltext key fs (s), fulltext key ft "
       "(t))",
       none,
       {"alter table a add fulltext key fs (s)",
        "alter table a add fulltext key ft (t)"}},
      {"column CHECK travels with the column",
       "create table a (j int)",
       "create table a (j longtext check (json_valid(j)))",
       none,
       {"alter table a modify column j longtext check (json_valid(j))"}},
      {"algorithm appended",
       "create table a (x int)",
       "create table a (x int, y int)",
       [](DiffHints* h) { h->algorithm = AlterTableAlgorithmStrategy::kCopy; },
       {"alter table a add column y int, algorithm = COPY"}},
      {"partitioning removed",
       "create table a (x int) partition by hash (x) partitions 2",
       "create table a (x int)",
       none,
       {"alter table a remove partitioning"}},
      {"range rotation as statements",
       "create table a (x int) partition by range (x) (partition p1 values "
       "less than (10), partition p2 values less than (20))",
       "create table a (x int) partition by range (x) (partition p2 values "
       "less than (20), partition p3 values less than (30))",
       [](DiffHints* h) {
         h->range_rotation = RangeRotationStrategy::kDistinctStatements;
       },
       {"alter table a drop partition p1",
        "alter table a add partition (partition p3 values less than (30))"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DiffHints hints;
    c.hints(&hints);
    absl::StatusOr<std::vector<std::string>> got = Diff(c.from, c.to, hints);
    ASSERT_OK(got);
    EXPECT_EQ(*got, c.want);
  }
}

TEST(TableDiffTest, Errors) {
  struct Case {
    std::string name;
    std::string from;
    std::string to;
    std::function<void(DiffHints*)> hints;
    std::string want;
  };
  auto none = [](DiffHints*) {};
  const std::vector<Case> cases = {
      {"non-deterministic default", "create table a (x int)",
       "create table a (x int, u varchar(36) default (uuid()))", none,
       "column `a`.`u` default value uses non-deterministic function: uuid"},
      {"enum reorder rejected", "create table a (e enum('x', 'y'))",
       "create table a (e enum('y', 'x'))",
       [](DiffHints* h) { h->enum_reorder = EnumReorderStrategy::kReject; },
       "ordinal of 'x' changed in enum or set column `a`.`e`, from 0 to 1"},
      {"subsequent diffs rejected", "create table a (s text, t text)",
       "create table a (s text, t text, fulltext key fs (s), fulltext key ft "
       "(t))",
       [](DiffHints* h) { h->subsequent = SubsequentDiffStrategy::kReject; },
       "multiple changes not allowed on table `a`"},
      {"unknown collation", "create table a (s varchar(3))",
       "create table a (s varchar(3) collate latin1_bogus)", none,
       "unable to determine charset for column `s`"},
      {"table without a body", "create table a (x int)",
       "create table b like a", none, "has no column definitions"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DiffHints hints;
    c.hints(&hints);
    EXPECT_THAT(
        Diff(c.from, c.to, hints),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
  }
}

TEST(TableDiffTest, EntityDiffs) {
  CreateTable a = Table("create table a (x int primary key)");
  ASSERT_OK_AND_ASSIGN(std::vector<Statement> create,
                       DiffTableEntities(nullptr, &a, {}));
  ASSERT_EQ(create.size(), 1u);
  EXPECT_EQ(ToString(create[0]),
            "create table a (\n\tx int,\n\tprimary key (x)\n)");
  ASSERT_OK_AND_ASSIGN(std::vector<Statement> drop,
                       DiffTableEntities(&a, nullptr, {}));
  ASSERT_EQ(drop.size(), 1u);
  EXPECT_EQ(ToString(drop[0]), "drop table a");
  ASSERT_OK_AND_ASSIGN(std::vector<Statement> same,
                       DiffTableEntities(&a, &a, {}));
  EXPECT_TRUE(same.empty());
}

// Under MariaDB's dialect (a deployment against a live server): its names,
// defaults and syntax; by default (MySQL 8.0 / Vitess) the same pairs differ
// or print as Vitess does.
TEST(TableDiffTest, MariaDbDialect) {
  DiffHints hints;
  const std::string live =
      "create table t (id int primary key, n varchar(10), z int(5) zerofill, "
      "constraint `CONSTRAINT_1` check (char_length(`n`) > 0), constraint "
      "positive check (id > 0)) default charset=utf8mb4 "
      "collate=utf8mb4_general_ci";
  const std::string desired =
      "create table t (id int primary key, n varchar(10), z int(5) zerofill, "
      "check (CHAR_LENGTH(n) > 0)) default charset=utf8mb4";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> mysql,
                       Diff(live, desired, hints));
  ASSERT_EQ(mysql.size(), 1u);
  EXPECT_THAT(mysql[0], ::testing::HasSubstr("drop check positive"));
  EXPECT_THAT(mysql[0], ::testing::HasSubstr("modify column n"));
  ServerDialect mariadb;
  mariadb.mariadb = true;
  mariadb.collations["utf8mb4"] = "utf8mb4_general_ci";
  ScopedServerDialect in_mariadb(std::move(mariadb));
  EXPECT_THAT(Diff(live, desired, hints),
              IsOkAndHolds(::testing::ElementsAre(
                  "alter table t drop constraint positive")));
  // A COLLATE dropped beside a kept CHARSET is that charset's default: said,
  // so that the column's MODIFY takes it (without it the column kept
  // utf8mb4_bin, and every later diff was the same MODIFY).
  EXPECT_THAT(Diff("create table t (id int primary key, n varchar(10)) default "
                   "charset=utf8mb4 collate=utf8mb4_bin",
                   "create table t (id int primary key, n varchar(10)) default "
                   "charset=utf8mb4",
                   hints),
              IsOkAndHolds(::testing::ElementsAre(
                  "alter table t modify column n varchar(10), collate "
                  "utf8mb4_general_ci")));
  // InnoDB keeps no RESTRICT, SET DEFAULT or MATCH: MariaDB prints the key
  // without them, which is no change (each was a DROP and ADD of the key).
  EXPECT_THAT(
      Diff("create table c (id int primary key, p int, key fk_c (p), "
           "constraint fk_c foreign key (p) references par (id) on update "
           "cascade)",
           "create table c (id int primary key, p int, constraint fk_c "
           "foreign key (p) references par (id) match full on delete "
           "restrict on update cascade)",
           hints),
      IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(
      Diff("create table c (id int primary key, p int, key fk_c (p), "
           "constraint fk_c foreign key (p) references par (id))",
           "create table c (id int primary key, p int, constraint fk_c "
           "foreign key (p) references par (id) on delete set default on "
           "update restrict)",
           hints),
      IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(Diff("create table c (id int primary key, p int, key fk_c (p), "
                   "constraint fk_c foreign key (p) references par (id))",
                   "create table c (id int primary key, p int, constraint fk_c "
                   "foreign key (p) references par (id) on delete no action)",
                   hints),
              IsOkAndHolds(::testing::SizeIs(1)));
  // Spellings MariaDB prints otherwise are no change: a number column's
  // quoted or boolean default, a DECIMAL's default without its scale, NOW()
  // and YEAR's width.
  EXPECT_THAT(
      Diff("create table d (id int primary key, b tinyint(1) DEFAULT 1, ts "
           "datetime DEFAULT current_timestamp() ON UPDATE "
           "current_timestamp(), n int(11) DEFAULT 0, m int(11) DEFAULT -5, "
           "d decimal(10,2) DEFAULT 0.00, e decimal(10,2) DEFAULT 1.50, f "
           "double DEFAULT 2.5, y year(4) DEFAULT NULL)",
           "create table d (id int primary key, b bool default true, ts "
           "datetime default now() on update localtimestamp(), n int "
           "default '0', m int default -5, d decimal(10,2) default 0, e "
           "decimal(10,2) default '1.5', f double default '2.5', y year)",
           hints),
      IsOkAndHolds(::testing::IsEmpty()));
  // Default sizes MariaDB prints are no change.
  EXPECT_THAT(
      Diff(
          "create table z (id int primary key, p decimal(10,0) DEFAULT NULL, "
          "q decimal(8,0) DEFAULT 3, c char(1) DEFAULT NULL, b binary(1) "
          "DEFAULT NULL, t bit(1) DEFAULT NULL, dt datetime DEFAULT NULL, tm "
          "time DEFAULT NULL, ts timestamp NULL DEFAULT NULL)",
          "create table z (id int primary key, p decimal, q decimal(8) default "
          "3, c char, b binary, t bit, dt datetime(0), tm time(0), ts "
          "timestamp(0) null)",
          hints),
      IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(Diff("create table z (id int primary key, p decimal(10,0))",
                   "create table z (id int primary key, p decimal(12))", hints),
              IsOkAndHolds(::testing::ElementsAre(
                  "alter table z modify column p decimal(12,0)")));
  // JSON is LONGTEXT in utf8mb4_bin checked by json_valid, as printed.
  EXPECT_THAT(
      Diff("create table j (id int primary key, `j``s` longtext CHARACTER SET "
           "utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK "
           "(json_valid(`j``s`))) DEFAULT CHARSET=latin1",
           "create table j (id int primary key, `j``s` JSON) DEFAULT "
           "CHARSET=latin1",
           hints),
      IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(
      Diff("create table j (id int primary key) DEFAULT CHARSET=latin1",
           "create table j (id int primary key, d json) DEFAULT "
           "CHARSET=latin1",
           hints),
      IsOkAndHolds(::testing::ElementsAre(
          "alter table j add column d longtext character set utf8mb4 collate "
          "utf8mb4_bin check (json_valid(d))")));
  // Engine-defined options as MariaDB prints them (quoted names, quoted
  // values) are the options written plainly; one removed is reset.
  EXPECT_THAT(Diff("create table pc (id int primary key) ENGINE=InnoDB "
                   "`page_compressed`='1' `page_compression_level`='3' "
                   "`encrypted`=yes",
                   "create table pc (id int primary key) engine=innodb "
                   "PAGE_COMPRESSED=1 page_compression_level=3 ENCRYPTED=YES",
                   hints),
              IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(Diff("create table pc (id int primary key) ENGINE=InnoDB "
                   "`page_compressed`='1' `page_compression_level`='3'",
                   "create table pc (id int primary key) engine=innodb "
                   "page_compressed=1",
                   hints),
              IsOkAndHolds(::testing::ElementsAre(
                  "alter table pc page_compression_level = DEFAULT")));
  // A default that differs still does.
  EXPECT_THAT(Diff("create table d (id int primary key, d decimal(10,2) "
                   "DEFAULT 0.00)",
                   "create table d (id int primary key, d decimal(10,2) "
                   "default '0.5')",
                   hints),
              IsOkAndHolds(::testing::ElementsAre(
                  "alter table d modify column d decimal(10,2) default "
                  "0.50")));
  // ZEROFILL pads to the display width on MariaDB: a width change is one.
  EXPECT_THAT(
      Diff("create table t (id int primary key, z int(5) zerofill)",
           "create table t (id int primary key, z int(8) zerofill)", hints),
      IsOkAndHolds(::testing::ElementsAre(
          "alter table t modify column z int(8) unsigned zerofill")));
  // As MariaDB reports a ZEROFILL column written without width or
  // UNSIGNED: no change.
  EXPECT_THAT(
      Diff("create table t (id int primary key, z int(10) unsigned "
           "zerofill)",
           "create table t (id int primary key, z int zerofill)", hints),
      IsOkAndHolds(::testing::IsEmpty()));
  // MariaDB prints each partition's engine; the table's is no change.
  EXPECT_THAT(
      Diff("create table p (id int primary key) engine=InnoDB partition by "
           "range (id) (partition p0 values less than (10) engine = InnoDB, "
           "partition p1 values less than maxvalue engine = InnoDB)",
           "create table p (id int primary key) partition by range (id) "
           "(partition p0 values less than (10), partition p1 values less "
           "than maxvalue)",
           hints),
      IsOkAndHolds(::testing::IsEmpty()));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
