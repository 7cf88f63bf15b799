// Parser for MySQL/MariaDB DDL: CREATE/ALTER/DROP/RENAME TABLE and
// CREATE/ALTER/DROP VIEW, producing the syntax tree of ast.h.
//
//   ASSIGN_OR_RETURN(Statement stmt, ParseStatement("create table t (...)"));
//
// Errors are absl::InvalidArgumentError naming the line, column, byte offset
// and text of the offending token. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_PARSER_H_
#define SIDECUT_SCHEMADIFF_PARSER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

struct ParseOptions {
  // When false (Vitess's lenient Parse), a CREATE TABLE or ALTER TABLE whose
  // body cannot be parsed yields a partial statement with only the table
  // name (as Vitess does), provided nothing follows the statement. When true
  // (the default), every syntax error is an error.
  bool strict = true;
};

// Parses exactly one statement, optionally followed by ';'. Anything after
// it is an error.
absl::StatusOr<Statement> ParseStatement(absl::string_view sql,
                                         const ParseOptions& options = {});

// Parses a ';'-separated list of statements (empty statements are skipped).
absl::StatusOr<std::vector<Statement>> ParseStatements(
    absl::string_view sql, const ParseOptions& options = {});

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_PARSER_H_
