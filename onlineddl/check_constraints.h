// MySQL's ALTER TABLE ... DROP CHECK name on MariaDB, which says DROP
// CONSTRAINT name (and refuses DROP CHECK as a syntax error): the ALTER
// applied to the shadow (or, instant, to the table) is rewritten, for a
// name that is one of the table's CHECK constraints and nothing else.
//
// Thread-safe; DropCheckForMariadb uses the connection it is given.
#ifndef SIDECUT_ONLINEDDL_CHECK_CONSTRAINTS_H_
#define SIDECUT_ONLINEDDL_CHECK_CONSTRAINTS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// Whether `alter_clauses` holds a DROP CHECK clause. InvalidArgument if
// the clauses do not tokenize.
absl::StatusOr<bool> HasDropCheck(absl::string_view alter_clauses);

// `alter_clauses` with each DROP CHECK [IF EXISTS] name clause written DROP
// CONSTRAINT [IF EXISTS] name. `checks`: the lower-case names of the
// table's table-level CHECK constraints; `others`: those of its indexes and
// foreign keys (which MariaDB's DROP CONSTRAINT may drop too).
// FailedPrecondition for a name in `others`, or (without IF EXISTS) not in
// `checks`; InvalidArgument if the clauses do not tokenize.
absl::StatusOr<std::string> DropCheckAsDropConstraint(
    absl::string_view alter_clauses, const std::set<std::string>& checks,
    const std::set<std::string>& others);

// DropCheckAsDropConstraint on `*clauses` for `db`.`table` as it is now
// (its CHECK constraints, indexes and foreign keys read through `conn`);
// nothing is read if the clauses hold no DROP CHECK.
absl::Status DropCheckForMariadb(mysql::Connection& conn, const std::string& db,
                                 const std::string& table,
                                 std::string* clauses);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_CHECK_CONSTRAINTS_H_
