#include "schemadiff/revertibility.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/column_expansion.h"
#include "schemadiff/parser.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

CreateTable Table(const std::string& body) {
  absl::StatusOr<Statement> s = ParseStatement("create table t (" + body + ")");
  EXPECT_OK(s);
  return std::get<CreateTable>(*s);
}

ColumnExpansion Expands(const std::string& from, const std::string& to) {
  return ColumnChangeExpandsDataRange(Table("c " + from).spec->columns[0],
                                      Table("c " + to).spec->columns[0]);
}

TEST(ColumnExpansionTest, Rules) {
  struct Case {
    std::string from, to;
    bool expands;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"int", "int", false, ""},
      {"int(11)", "int", false, ""},  // a display width is no range
      {"int", "int(11)", false, ""},
      {"int not null", "int", true, "target is NULL-able, source is not"},
      {"varchar(5)", "varchar(6)", true, "increased length"},
      {"varchar(6)", "varchar(5)", false, ""},
      {"decimal(10,2)", "decimal(10,3)", true, "increased decimal range"},
      {"decimal(10,2)", "decimal(9,1)", false, ""},
      {"int unsigned", "bigint", true, "source is unsigned, target is signed"},
      {"smallint", "int", true, "increased integer range"},
      {"int", "int unsigned", true,
       "target unsigned value exceeds source unsigned value"},
      {"bigint", "int unsigned", false, ""},
      {"double", "float", false, ""},
      {"bigint", "double", true, "target is floating point, source is not"},
      {"text", "longblob", true, "increased blob range"},
      {"date", "timestamp", true, "target is expanded data type of source"},
      {"datetime", "timestamp", false, ""},
      {"enum('a','b')", "enum('a')", false, ""},
      {"enum('a','b')", "enum('b','a')", true,
       "target enum/set expands or reorders source enum/set"},
      {"enum('a','b')", "tinyint", true, "target is not the source's enum/set"},
      {"int", "tinytext", true, "target is textual, source is not"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.from + " -> " + c.to);
    ColumnExpansion e = Expands(c.from, c.to);
    EXPECT_EQ(e.expands, c.expands);
    EXPECT_EQ(e.reason, c.reason);
  }
}

TEST(RevertibilityTest, Analysis) {
  RevertibilityAnalysis r = AnalyzeRevertibility(
      Table("id int primary key, a int not null, b int not null default 1, "
            "c int, v varchar(10), w varchar(30), unique key a_u (a), "
            "unique key v_u (v(5)), unique key w_u (w, id)"),
      Table("id int primary key, v varchar(20), w varchar(30), "
            "unique key v_u (v(6)), unique key w_u (w)"));
  // a_u is gone; v_u on a longer prefix constrains less; w_u on fewer
  // columns constrains more.
  EXPECT_EQ(r.removed_unique_key_names,
            (std::vector<std::string>{"a_u", "v_u"}));
  // a had no default; b and c (DEFAULT NULL) do.
  EXPECT_EQ(r.dropped_no_default_column_names, (std::vector<std::string>{"a"}));
  EXPECT_EQ(r.expanded_column_names, (std::vector<std::string>{"v"}));
  // Nothing changed, nothing to note.
  RevertibilityAnalysis same = AnalyzeRevertibility(
      Table("id int primary key, v int"), Table("id int primary key, v int"));
  EXPECT_TRUE(same.removed_unique_key_names.empty());
  EXPECT_TRUE(same.dropped_no_default_column_names.empty());
  EXPECT_TRUE(same.expanded_column_names.empty());
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
