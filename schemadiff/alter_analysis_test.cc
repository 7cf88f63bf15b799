#include "schemadiff/alter_analysis.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

template <typename T>
T Parse(const std::string& sql) {
  absl::StatusOr<Statement> s = ParseStatement(sql);
  EXPECT_OK(s);
  return std::get<T>(*s);
}

TEST(AlterAnalysisTest, AnalyzesAlter) {
  AlterTableAnalysis a = AnalyzeAlterTable(Parse<AlterTable>(
      "alter table t change a b int, rename column c to d, change e e int, "
      "drop column f, drop key k, auto_increment = 5"));
  EXPECT_EQ(a.column_renames, (std::map<std::string, std::string>{
                                  {"a", "b"}, {"c", "d"}, {"e", "e"}}));
  EXPECT_EQ(a.dropped_columns, (std::set<std::string>{"f"}));
  EXPECT_TRUE(a.sets_auto_increment);
  EXPECT_FALSE(a.is_rename);
  EXPECT_TRUE(AnalyzeAlterTable(Parse<AlterTable>("alter table t rename to u"))
                  .is_rename);
}

TEST(AlterAnalysisTest, RangeRotation) {
  EXPECT_TRUE(AlterTableRotatesRangePartition(Parse<AlterTable>(
      "alter table t add partition (partition p9 values less than (90))")));
  EXPECT_TRUE(AlterTableRotatesRangePartition(
      Parse<AlterTable>("alter table t drop partition p1")));
  EXPECT_FALSE(AlterTableRotatesRangePartition(
      Parse<AlterTable>("alter table t truncate partition p1")));
  EXPECT_FALSE(AlterTableRotatesRangePartition(
      Parse<AlterTable>("alter table t add column c int")));
}

TEST(AlterAnalysisTest, AddsInstantAlgorithm) {
  AlterTable a = Parse<AlterTable>(
      "alter table t add column c int, algorithm = copy, lock = none");
  AddInstantAlgorithm(&a);
  EXPECT_EQ(ToCanonicalString(a),
            "ALTER TABLE `t` ADD COLUMN `c` int, ALGORITHM = INSTANT, LOCK "
            "NONE");
  AlterTable b = Parse<AlterTable>("alter table t add column c int");
  AddInstantAlgorithm(&b);
  EXPECT_EQ(ToCanonicalString(b),
            "ALTER TABLE `t` ADD COLUMN `c` int, ALGORITHM = INSTANT");
}

TEST(AlterAnalysisTest, RemovedForeignKeys) {
  const char* kBefore =
      "create table t (id int primary key, a int, b int, "
      "constraint fa foreign key (a) references p (id), "
      "constraint fb foreign key (b) references p (id))";
  // fa renamed (kept), fb dropped.
  EXPECT_EQ(RemovedForeignKeyNames(
                Parse<CreateTable>(kBefore),
                Parse<CreateTable>("create table t (id int primary key, a "
                                   "int, b int, constraint fa2 foreign key "
                                   "(a) references p (id))")),
            (std::vector<std::string>{"fb"}));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
