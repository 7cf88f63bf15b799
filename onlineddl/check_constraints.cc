#include "onlineddl/check_constraints.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

// The indexes of the CHECK tokens of the DROP CHECK name clauses in
// `tokens` (at a clause's start: the first token, or after a comma outside
// parentheses; followed by a name).
std::vector<size_t> DropCheckTokens(
    const std::vector<schemadiff::Token>& tokens) {
  std::vector<size_t> out;
  int depth = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].IsOp("(")) ++depth;
    if (tokens[i].IsOp(")")) --depth;
    const bool starts = i == 0 || tokens[i - 1].IsOp(",");
    if (depth == 0 && starts && i + 2 < tokens.size() &&
        tokens[i].IsWord("DROP") && tokens[i + 1].IsWord("CHECK") &&
        tokens[i + 2].IsIdentLike()) {
      out.push_back(i + 1);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<bool> HasDropCheck(absl::string_view alter_clauses) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::Token> tokens,
                      schemadiff::Tokenize(alter_clauses));
  return !DropCheckTokens(tokens).empty();
}

absl::StatusOr<std::string> DropCheckAsDropConstraint(
    absl::string_view alter_clauses, const std::set<std::string>& checks,
    const std::set<std::string>& others) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::Token> tokens,
                      schemadiff::Tokenize(alter_clauses));
  std::string out;
  size_t copied = 0;  // alter_clauses[0, copied) is in `out`
  for (size_t i : DropCheckTokens(tokens)) {
    const std::string& name = tokens[i + 1].text;
    const std::string lower = absl::AsciiStrToLower(name);
    if (checks.count(lower) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("DROP CHECK ", mysql::QuoteIdentifier(name),
                       ": the table has no CHECK constraint of that name"));
    }
    if (others.count(lower) > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "DROP CHECK ", mysql::QuoteIdentifier(name),
          ": MariaDB drops CHECK constraints with DROP CONSTRAINT, and that "
          "name is also an index or a foreign key of the table; rename one "
          "first"));
    }
    absl::StrAppend(&out,
                    alter_clauses.substr(copied, tokens[i].offset - copied),
                    "CONSTRAINT");
    copied = tokens[i].end;
  }
  absl::StrAppend(&out, alter_clauses.substr(copied));
  return out;
}

}  // namespace onlineddl
}  // namespace sidecut
