#include "onlineddl/check_constraints.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "mysql/result.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

// A DROP CHECK [IF EXISTS] name clause: the indexes of its CHECK and name
// tokens.
struct DropCheck {
  size_t check = 0;
  size_t name = 0;
  bool if_exists = false;
};

// The DROP CHECK clauses of `tokens` (at a clause's start: the first token,
// or after a comma outside parentheses).
std::vector<DropCheck> DropCheckClauses(
    const std::vector<schemadiff::Token>& tokens) {
  std::vector<DropCheck> out;
  int depth = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].IsOp("(")) ++depth;
    if (tokens[i].IsOp(")")) --depth;
    const bool starts = i == 0 || tokens[i - 1].IsOp(",");
    if (depth != 0 || !starts || i + 2 >= tokens.size() ||
        !tokens[i].IsWord("DROP") || !tokens[i + 1].IsWord("CHECK")) {
      continue;
    }
    DropCheck d;
    d.check = i + 1;
    d.name = i + 2;
    if (i + 4 < tokens.size() && tokens[i + 2].IsWord("IF") &&
        tokens[i + 3].IsWord("EXISTS")) {
      d.if_exists = true;
      d.name = i + 4;
    }
    if (tokens[d.name].IsIdentLike()) out.push_back(d);
  }
  return out;
}

}  // namespace

absl::StatusOr<bool> HasDropCheck(absl::string_view alter_clauses) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::Token> tokens,
                      schemadiff::Tokenize(alter_clauses));
  return !DropCheckClauses(tokens).empty();
}

absl::StatusOr<std::string> DropCheckAsDropConstraint(
    absl::string_view alter_clauses, const std::set<std::string>& checks,
    const std::set<std::string>& others) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::Token> tokens,
                      schemadiff::Tokenize(alter_clauses));
  std::string out;
  size_t copied = 0;  // alter_clauses[0, copied) is in `out`
  for (const DropCheck& d : DropCheckClauses(tokens)) {
    const std::string& name = tokens[d.name].text;
    const std::string lower = absl::AsciiStrToLower(name);
    const bool check = checks.count(lower) > 0;
    if (others.count(lower) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "DROP CHECK ", mysql::QuoteIdentifier(name),
          ": MariaDB drops CHECK constraints with DROP CONSTRAINT, and that "
          "name is ",
          check ? "also " : "", "an index or a foreign key of the table",
          check ? "; rename one first" : ""));
    }
    // With IF EXISTS, no constraint of that name at all: DROP CONSTRAINT IF
    // EXISTS does nothing either.
    if (!check && !d.if_exists) {
      return absl::FailedPreconditionError(
          absl::StrCat("DROP CHECK ", mysql::QuoteIdentifier(name),
                       ": the table has no CHECK constraint of that name"));
    }
    absl::StrAppend(
        &out, alter_clauses.substr(copied, tokens[d.check].offset - copied),
        "CONSTRAINT");
    copied = tokens[d.check].end;
  }
  absl::StrAppend(&out, alter_clauses.substr(copied));
  return out;
}

absl::Status DropCheckForMariadb(mysql::Connection& conn, const std::string& db,
                                 const std::string& table,
                                 std::string* clauses) {
  SC_ASSIGN_OR_RETURN(bool has, HasDropCheck(*clauses));
  if (!has) return absl::OkStatus();
  const std::string where =
      absl::StrCat(" = ", mysql::QuoteString(db),
                   " AND TABLE_NAME = ", mysql::QuoteString(table));
  SC_ASSIGN_OR_RETURN(
      mysql::Result checks,
      conn.Execute(absl::StrCat(
          "SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS "
          "WHERE LEVEL = 'Table' AND CONSTRAINT_SCHEMA",
          where)));
  SC_ASSIGN_OR_RETURN(
      mysql::Result others,
      conn.Execute(absl::StrCat(
          "SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE "
          "TABLE_SCHEMA",
          where,
          " UNION SELECT CONSTRAINT_NAME FROM information_schema."
          "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA",
          where)));
  auto names = [](const mysql::Result& r) {
    std::set<std::string> out;
    for (const mysql::Row& row : r.rows) {
      out.insert(absl::AsciiStrToLower(row.Get(0)));
    }
    return out;
  };
  SC_ASSIGN_OR_RETURN(*clauses, DropCheckAsDropConstraint(
                                    *clauses, names(checks), names(others)));
  return absl::OkStatus();
}

}  // namespace onlineddl
}  // namespace sidecut
