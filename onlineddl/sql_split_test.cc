#include "onlineddl/sql_split.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/corpus_path.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> Texts(const std::vector<SqlStatement>& statements) {
  std::vector<std::string> texts;
  for (const SqlStatement& s : statements) texts.push_back(s.text);
  return texts;
}

TEST(SplitSqlStatementsTest, Splits) {
  struct Case {
    std::string name;
    std::string sql;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"empty", "", {}},
      {"blanks and comments only", "  \n-- c\n# d\n/* e */ ;;\n", {}},
      {"one without delimiter", "select 1", {"select 1"}},
      {"two", "select 1; select 2;", {"select 1", "select 2"}},
      {"empty statements dropped", ";;select 1;;;", {"select 1"}},
      {"semicolon in strings",
       "insert into t values ('a;b', \"c;d\", `e;f`); select 2",
       {"insert into t values ('a;b', \"c;d\", `e;f`)", "select 2"}},
      {"escaped and doubled quotes",
       R"(select 'it''s; \'x;\' ', "q\";" ; select 3)",
       {R"(select 'it''s; \'x;\' ', "q\";")", "select 3"}},
      {"doubled backtick",
       "create table `a``;b` (id int); x",
       {"create table `a``;b` (id int)", "x"}},
      {"comments hide delimiters",
       "select 1 -- not; here\n+ 1; # nor; here\nselect /* or; here */ 2;",
       {"select 1 -- not; here\n+ 1", "select /* or; here */ 2"}},
      {"leading comments are not statement text",
       "-- heading\n  /* note */ select 1;",
       {"select 1"}},
      {"double dash needs a blank",
       "select 1--1; select 2",
       {"select 1--1", "select 2"}},
      {"double dash at end of input", "select 1 --", {"select 1 --"}},
      {"executable comment is content",
       "/*!40101 SET NAMES utf8 */;",
       {"/*!40101 SET NAMES utf8 */"}},
      {"delimiter command",
       "drop event if exists e;\ndelimiter ;;\ncreate event e do begin\n"
       "  insert into t values (1);\n  update t set a=2;\nend ;;\n"
       "delimiter ;\nselect 1;",
       {"drop event if exists e",
        "create event e do begin\n  insert into t values (1);\n  update t "
        "set a=2;\nend",
        "select 1"}},
      {"uppercase delimiter and multi-char",
       "DELIMITER $$\nselect 1$$ "
       "select 2 $$\nDelimiter //\nselect 3 //",
       {"select 1", "select 2", "select 3"}},
      {"delimiter word inside a statement is text",
       "select delimiter from t; select 1",
       {"select delimiter from t", "select 1"}},
      {"delimiter after a statement on the same line",
       "select 1; delimiter ;;\nselect 2;;",
       {"select 1", "select 2"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(std::vector<SqlStatement> got,
                         SplitSqlStatements(c.sql));
    EXPECT_THAT(Texts(got), ElementsAreArray(c.want));
    for (const SqlStatement& s : got) {
      EXPECT_EQ(c.sql.substr(s.offset, s.text.size()), s.text);
    }
  }
}

TEST(SplitSqlStatementsTest, Lines) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<SqlStatement> got,
      SplitSqlStatements("select 1;\n\n  select\n 2;\ndelimiter ;;\n"
                         "-- x\nselect 3;;"));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].line, 1);
  EXPECT_EQ(got[1].line, 3);
  EXPECT_EQ(got[1].offset, 13u);
  EXPECT_EQ(got[2].line, 7);
}

TEST(SplitSqlStatementsTest, NoBackslashEscapes) {
  SqlSplitOptions options;
  options.backslash_escapes = false;
  ASSERT_OK_AND_ASSIGN(std::vector<SqlStatement> got,
                       SplitSqlStatements(R"(select 'a\'; select 2)", options));
  EXPECT_THAT(Texts(got), ElementsAreArray({R"(select 'a\')", "select 2"}));
}

TEST(SplitSqlStatementsTest, Errors) {
  struct Case {
    std::string sql;
    std::string error;
  };
  const Case cases[] = {
      {"select 1;\nselect 'abc",
       "unterminated string literal (') starting "
       "at line 2"},
      {"select \"abc\\\"", "unterminated string literal (\")"},
      {"select `a", "unterminated quoted identifier (`) starting at line 1"},
      {"select 1 /* never closed", "unterminated /* comment"},
      {"delimiter \nselect 1",
       "DELIMITER command without a delimiter at "
       "line 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    EXPECT_THAT(
        SplitSqlStatements(c.sql),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The vitess vrepl_suite create.sql files: DROP/CREATE TABLE, INSERTs and
// usually a CREATE EVENT written between `delimiter ;;` and `end ;;`.
TEST(SplitSqlStatementsTest, OnlineDdlCorpusCreateFiles) {
  std::filesystem::path dir =
      schemadiff::SharedCorpusPath("onlineddl/BUILD.bazel", "onlineddl");
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::path create = entry.path() / "create.sql";
    if (std::filesystem::exists(create)) files.push_back(create);
  }
  ASSERT_FALSE(ec) << "cannot read the corpus at " << dir << ": "
                   << ec.message();
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 100u) << "corpus at " << dir;
  int events = 0;
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    std::string sql = ReadFile(file);
    ASSERT_OK_AND_ASSIGN(std::vector<SqlStatement> got,
                         SplitSqlStatements(sql));
    EXPECT_GE(got.size(), 2u);
    int event_statements = 0;
    for (const SqlStatement& s : got) {
      EXPECT_FALSE(s.text.empty());
      EXPECT_FALSE(absl::StartsWithIgnoreCase(s.text, "delimiter")) << s.text;
      if (!absl::StartsWithIgnoreCase(s.text, "create event")) continue;
      ++event_statements;
      // The whole body, from CREATE EVENT to its END, is one statement.
      size_t begin = sql.find(s.text);
      size_t end = sql.find("end ;;", begin);
      ASSERT_NE(end, std::string::npos);
      EXPECT_EQ(s.text, sql.substr(begin, end + 3 - begin));
      EXPECT_TRUE(absl::EndsWithIgnoreCase(s.text, "end"));
    }
    bool has_event =
        absl::StrContains(absl::AsciiStrToLower(sql), "create event");
    EXPECT_EQ(event_statements, has_event ? 1 : 0);
    events += event_statements;
  }
  EXPECT_GE(events, 80);
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
