#include "schemadiff/schemadiff_conformance.h"

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/corpus_path.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

// Floors: what the runner reaches today on the shared corpus. Raise them
// as coverage grows; a drop is a regression.
struct CorpusFloor {
  std::string file;
  int min_passed;
  int max_failed;
};
const std::vector<CorpusFloor>& Floors() {
  static const auto* floors = new std::vector<CorpusFloor>{
      {"schemadiff/table_test.jsonl", 295, 2},
      {"schemadiff/diff_test.jsonl", 63, 1},
      {"schemadiff/schema_test.jsonl", 77, 0},
      {"schemadiff/view_test.jsonl", 19, 1},
      {"schemadiff/schema_diff_test.jsonl", 63, 0},
      {"schemadiff/capability_test.jsonl", 45, 0},
      {"schemadiff/column_test.jsonl", 51, 0},
      {"schemadiff/onlineddl_test.jsonl", 70, 0},
      {"schemadiff/key_test.jsonl", 15, 0},
      {"schemadiff/analysis_test.jsonl", 7, 0},
  };
  return *floors;
}

TEST(SchemadiffConformanceTest, SharedCorpus) {
  const char* env = std::getenv("SCHEMADIFF_CORPUS");
  if (env != nullptr && *env != '\0') {
    std::ostringstream log;
    ASSERT_OK_AND_ASSIGN(SchemadiffSummary s,
                         RunSchemadiffConformance(env, log));
    EXPECT_EQ(s.failed, 0) << log.str();
    return;
  }
  for (const CorpusFloor& f : Floors()) {
    SCOPED_TRACE(f.file);
    std::string path = SharedCorpusPath("schemadiff/BUILD.bazel", f.file);
    std::ostringstream log;
    absl::StatusOr<SchemadiffSummary> s = RunSchemadiffConformance(path, log);
    ASSERT_OK(s) << "corpus " << path
                 << " not found: set SCHEMADIFF_CORPUS or put shared/ beside "
                    "the workspace";
    std::string failures;
    std::istringstream lines(log.str());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("FAIL", 0) == 0) failures += line + "\n";
    }
    EXPECT_GE(s->passed, f.min_passed) << failures;
    EXPECT_LE(s->failed, f.max_failed) << failures;
    std::cout << f.file << ": " << s->passed << " passed, " << s->failed
              << " failed, " << s->skipped << " skipped\n";
  }
}

JsonValue Case(const std::string& json) {
  absl::StatusOr<JsonValue> v = ParseJson(json);
  EXPECT_OK(v);
  return v.ok() ? *v : JsonValue();
}

TEST(SchemadiffConformanceTest, Verdicts) {
  using Outcome = SchemadiffVerdict::Outcome;
  struct TestCase {
    std::string name;
    std::string json;
    Outcome want;
  };
  const std::vector<TestCase> cases = {
      {"diff matches",
       R"j({"id":"a","test_func":"TestCreateTableDiff","from":"create table t (a int)","to":"create table t (a int, b int)","expected_diff":"alter table t add column b int","expected_cdiff":"ALTER TABLE `t` ADD COLUMN `b` int","expected_error":false,"mysql_only_syntax_hints":[]})j",
       Outcome::kPass},
      {"diff differs",
       R"j({"id":"b","test_func":"TestCreateTableDiff","from":"create table t (a int)","to":"create table t (a int, b int)","expected_diff":"","expected_error":false,"mysql_only_syntax_hints":[]})j",
       Outcome::kFail},
      {"error contains",
       R"j({"id":"c","test_func":"TestCreateTableDiff","from":"create table t (a int)","to":"create table t (a int, u char(36) default (uuid()))","expected_diff":null,"expected_error":"non-deterministic","expected_error_match":"contains","mysql_only_syntax_hints":[]})j",
       Outcome::kPass},
      {"normalize",
       R"j({"id":"d","test_func":"TestNormalize","from":"create table t (a int(11))","expect":{"normalized":"CREATE TABLE `t` (\n\t`a` int\n)"},"mysql_only_syntax_hints":[]})j",
       Outcome::kPass},
      {"mysql only skipped",
       R"j({"id":"e","test_func":"TestNormalize","from":"x","mysql_only_syntax_hints":["h"]})j",
       Outcome::kSkip},
      {"unhandled test_func skipped",
       R"j({"id":"f","test_func":"TestSomethingElse","mysql_only_syntax_hints":[]})j",
       Outcome::kSkip},
  };
  for (const TestCase& c : cases) {
    SCOPED_TRACE(c.name);
    SchemadiffVerdict v = RunSchemadiffCase(Case(c.json));
    EXPECT_EQ(v.outcome, c.want) << v.detail;
  }
}

TEST(SchemadiffConformanceTest, HintsFromJson) {
  JsonValue hints = Case(
      R"j({"ColumnRenameStrategy":"ColumnRenameHeuristicStatement","AutoIncrementStrategy":"AutoIncrementApplyAlways","RangeRotationStrategy":"RangeRotationIgnore"})j");
  DiffHints h = DiffHintsFromJson(&hints);
  EXPECT_EQ(h.column_rename, ColumnRenameStrategy::kHeuristicStatement);
  EXPECT_EQ(h.auto_increment, AutoIncrementStrategy::kApplyAlways);
  EXPECT_EQ(h.range_rotation, RangeRotationStrategy::kIgnore);
  EXPECT_EQ(h.subsequent, SubsequentDiffStrategy::kAllow);
  EXPECT_EQ(DiffHintsFromJson(nullptr).fulltext,
            FullTextKeyStrategy::kDistinctStatements);
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
