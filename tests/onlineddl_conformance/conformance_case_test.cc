// The pure parts of the runner: loading case directories, the SQL a case
// turns into, and the row and structure comparisons.
#include "tests/onlineddl_conformance/conformance_case.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/onlineddl_conformance/onlineddl_conformance.h"
#include "tests/onlineddl_conformance/table_checks.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl_conformance {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

std::filesystem::path MakeCase(const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "cases" / name;
  std::filesystem::create_directories(dir);
  WriteFile(dir / "create.sql", "create table onlineddl_test (id int);\n");
  return dir;
}

TEST(ConformanceCaseTest, LoadsOptionalFilesTrimmed) {
  std::filesystem::path dir = MakeCase("load-me");
  WriteFile(dir / "alter", "  add column c int\n");
  WriteFile(dir / "expect_failure", "");
  WriteFile(dir / "ddl_strategy", "--allow-zero-in-date\n");
  ASSERT_OK_AND_ASSIGN(ConformanceCase c, LoadCase(dir.string()));
  EXPECT_EQ(c.name, "load-me");
  EXPECT_EQ(c.alter, "add column c int");
  EXPECT_EQ(c.expect_failure, "");
  EXPECT_FALSE(c.expect_query_failure.has_value());
  EXPECT_EQ(AlterStatement(c), "ALTER TABLE `onlineddl_test` add column c int");
  EXPECT_EQ(Strategy(c), "vitess --postpone-completion --allow-zero-in-date");
  c.alter.reset();
  EXPECT_EQ(AlterStatement(c), "ALTER TABLE `onlineddl_test` engine=innodb");
}

TEST(ConformanceCaseTest, ListsCaseDirsAndFilters) {
  MakeCase("b-case");
  MakeCase("a-case");
  std::filesystem::create_directories(
      std::filesystem::path(::testing::TempDir()) / "cases" / "not-a-case");
  const std::string root = ::testing::TempDir() + "/cases";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> dirs, ListCaseDirs(root));
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_THAT(dirs[0], HasSubstr("a-case"));
  ASSERT_OK_AND_ASSIGN(std::vector<ConformanceCase> cases,
                       LoadCases(root, "^b-"));
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].name, "b-case");
  ASSERT_OK_AND_ASSIGN(dirs, ListCaseDirs(root + "/a-case"));
  EXPECT_EQ(dirs.size(), 1u);
  EXPECT_FALSE(ListCaseDirs(root + "/not-a-case").ok());
  EXPECT_FALSE(LoadCases(root, "(").ok());
}

TEST(ConformanceCaseTest, IgnoredOnVersion) {
  ConformanceCase c;
  EXPECT_THAT(IgnoredOnVersion(c, "10.11.19-MariaDB"), IsOkAndHolds(false));
  c.ignore_versions = "(5.5|5.6|5.7)";
  EXPECT_THAT(IgnoredOnVersion(c, "5.7.40-log"), IsOkAndHolds(true));
  EXPECT_THAT(IgnoredOnVersion(c, "10.11.19-MariaDB-0+deb12u1-log"),
              IsOkAndHolds(false));
  c.ignore_versions = "(";
  EXPECT_FALSE(IgnoredOnVersion(c, "8.0").ok());
}

TEST(ConformanceCaseTest, ShortensOnlyTheEventEnd) {
  const std::string sql =
      "create event e on schedule every 1 second\n"
      "  starts current_timestamp\n"
      "  ENDS current_timestamp + interval 60 second\n"
      "  do insert into t values (now() + interval 60 second);";
  EXPECT_EQ(ShortenEventSchedule(sql, 3),
            "create event e on schedule every 1 second\n"
            "  starts current_timestamp\n"
            "  ENDS current_timestamp + interval 3 second\n"
            "  do insert into t values (now() + interval 60 second);");
}

TEST(ConformanceCaseTest, ParsesColumnLists) {
  EXPECT_THAT(ParseColumnList("id, c1 ,`we``ird`"),
              IsOkAndHolds(ElementsAre("id", "c1", "we`ird")));
  EXPECT_FALSE(ParseColumnList("id, c1 + 1").ok());
  EXPECT_FALSE(ParseColumnList("id,").ok());
}

TEST(TableChecksTest, SharedColumnsKeepOldOrderAndEachSpelling) {
  ColumnPair p =
      SharedColumns({"id", "i", "gone", "Name"}, {"NAME", "ID", "x"});
  EXPECT_THAT(p.before, ElementsAre("id", "Name"));
  EXPECT_THAT(p.after, ElementsAre("ID", "NAME"));
}

TEST(TableChecksTest, CompareRows) {
  const RowValues a = {std::string("1"), absl::nullopt};
  const RowValues b = {std::string("2"), std::string("x")};
  EXPECT_OK(CompareRows({a, b}, {b, a}, /*ordered=*/false));
  EXPECT_THAT(CompareRows({a, b}, {b, a}, /*ordered=*/true),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("first difference at row 1: old ('1', NULL) "
                                 "vs new ('2', 'x')")));
  EXPECT_THAT(CompareRows({a, b}, {a}, /*ordered=*/true),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lacks old row ('2', 'x')")));
  EXPECT_THAT(CompareRows({a}, {a, a}, /*ordered=*/false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("extra row ('1', NULL)")));
}

TEST(TableChecksTest, TableStructure) {
  const std::string create =
      "CREATE TABLE `onlineddl_test` (\n  `id` int(11) NOT NULL,\n"
      "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB AUTO_INCREMENT=12 DEFAULT "
      "CHARSET=utf8mb4";
  EXPECT_TRUE(MatchesTableStructure(create, "AUTO_INCREMENT=([1-9][0-9])"));
  EXPECT_FALSE(MatchesTableStructure(create, "AUTO_INCREMENT=5"));
  EXPECT_TRUE(MatchesTableStructure(create, "primary  key (`id`)"));
  EXPECT_EQ(WithoutAutoIncrement(create),
            "CREATE TABLE `onlineddl_test` (\n  `id` int(11) NOT NULL,\n"
            "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
}

TEST(OnlineDdlConformanceTest, Formats) {
  CaseResult r{"trivial", Outcome::kPass, "", absl::Milliseconds(1240)};
  EXPECT_EQ(FormatResult(r), "PASS trivial (1.2s)");
  r.outcome = Outcome::kFail;
  r.reason = "rows differ";
  EXPECT_EQ(FormatResult(r), "FAIL trivial: rows differ (1.2s)");
  r.outcome = Outcome::kSkip;
  r.reason = "ignore_versions (5.5) matches 5.5.1";
  EXPECT_EQ(FormatResult(r),
            "SKIP trivial: ignore_versions (5.5) matches 5.5.1");
  std::vector<CaseResult> all(3, r);
  all[0].outcome = Outcome::kPass;
  all[1].outcome = Outcome::kFail;
  EXPECT_EQ(FormatSummary(Summarize(all)), "1 passed, 1 failed, 1 skipped");
}

}  // namespace
}  // namespace onlineddl_conformance
}  // namespace sidecut
