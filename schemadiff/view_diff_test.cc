#include "schemadiff/view_diff.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

CreateView View(const std::string& sql) {
  absl::StatusOr<Statement> stmt = ParseStatement(sql);
  EXPECT_OK(stmt) << sql;
  if (!stmt.ok() || !std::holds_alternative<CreateView>(*stmt)) return {};
  return std::get<CreateView>(*stmt);
}

TEST(ViewDiffTest, Normalize) {
  struct Case {
    std::string name;
    std::string sql;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"default algorithm dropped",
       "create algorithm = UNDEFINED view v as select a from t",
       "create view v as select a from t"},
      {"select without from reads dual", "create view v as select 1 + 2",
       "create view v as select 1 + 2 from dual"},
      {"DUAL lower-cased", "create view v as select 1 from DUAL",
       "create view v as select 1 from dual"},
      {"dual before the clauses after the select list",
       "create view v as select 'red' as c union all select 'green' order by "
       "c",
       "create view v as select 'red' as c from dual union all select "
       "'green' order by c"},
      {"dual before a limit", "create view v as select (1) as x limit 1",
       "create view v as select (1) as x from dual limit 1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CreateView v = View(c.sql);
    NormalizeCreateView(&v);
    EXPECT_EQ(ToString(v), c.want);
  }
}

TEST(ViewDiffTest, Diffs) {
  struct Case {
    std::string name;
    std::optional<std::string> from;
    std::optional<std::string> to;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"same up to case and quoting",
       "create view v as SELECT `a` FROM t",
       "create view w as select a from t",
       {}},
      {"changed select",
       "create view v as select a from t",
       "create view w as select a, b from t",
       {"alter view v as select a, b from t"}},
      {"changed algorithm",
       "create view v as select a from t",
       "create algorithm = merge view v as select a from t",
       {"alter algorithm = merge view v as select a from t"}},
      {"created",
       std::nullopt,
       "create view v as select 1",
       {"create view v as select 1 from dual"}},
      {"dropped", "create view v as select 1", std::nullopt, {"drop view v"}},
      {"neither", std::nullopt, std::nullopt, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<CreateView> from, to;
    if (c.from) from = View(*c.from);
    if (c.to) to = View(*c.to);
    std::vector<std::string> got;
    for (const Statement& s :
         DiffViewEntities(from ? &*from : nullptr, to ? &*to : nullptr)) {
      got.push_back(ToString(s));
    }
    EXPECT_EQ(got, c.want);
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
