// The DDL statements online DDL accepts, classified: CREATE/ALTER/DROP of a
// table or a view, one table per statement (DROP TABLE a, b becomes two).
// For ALTER TABLE it keeps the user's text after the table name so the same
// clauses can be applied to the shadow table verbatim.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_ONLINEDDL_DDL_STATEMENT_H_
#define SIDECUT_ONLINEDDL_DDL_STATEMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace onlineddl {

struct DdlStatement {
  enum class Action { kCreate, kAlter, kDrop };
  Action action = Action::kAlter;
  bool is_view = false;
  bool if_exists = false;      // DROP ... IF EXISTS
  bool if_not_exists = false;  // CREATE TABLE ... IF NOT EXISTS
  bool or_replace = false;     // CREATE OR REPLACE TABLE or VIEW
  std::string table;           // the table or view
  std::string sql;             // this statement alone
  // ALTER TABLE: the clauses after the table name, as written.
  std::string alter_clauses;
  schemadiff::Statement parsed;
};

// "create", "alter" or "drop" (the ddl_action column).
absl::string_view ActionName(DdlStatement::Action action);

// Parses one or more ';'-separated statements. Errors (kInvalidArgument):
// "syntax error at position N …", "RENAME is not supported in online DDL",
// a qualified name in another database, or a statement that is not DDL.
absl::StatusOr<std::vector<DdlStatement>> ParseDdl(absl::string_view sql,
                                                   absl::string_view db);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_DDL_STATEMENT_H_
