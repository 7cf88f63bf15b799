#include "schemadiff/expr_columns.h"

#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::ElementsAreArray;

// The expression of `check (...)` in a one-column table.
Expr CheckExpr(const std::string& expr) {
  absl::StatusOr<Statement> stmt = ParseStatement(
      "create table t (x int, constraint c check (" + expr + "))");
  EXPECT_OK(stmt);
  if (!stmt.ok()) return {};
  const CreateTable& t = std::get<CreateTable>(*stmt);
  return std::get<CheckDefinition>(t.spec->constraints[0].details).expr;
}

TEST(ExprColumnsTest, ReferencedColumns) {
  struct Case {
    std::string expr;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"a > 0", {"a"}},
      {"`b` is not null and c < 3", {"b", "c"}},
      {"json_valid(doc)", {"doc"}},
      {"if(d is null, 0, e)", {"d", "e"}},
      {"t.f = 1", {"f"}},
      {"g < '1970-01-01'", {"g"}},
      {"1 + 2", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expr);
    EXPECT_THAT(ReferencedColumns(CheckExpr(c.expr)), ElementsAreArray(c.want));
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
