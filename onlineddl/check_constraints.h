// MySQL's ALTER TABLE ... DROP CHECK name on MariaDB, which says DROP
// CONSTRAINT name (and refuses DROP CHECK as a syntax error): the shadow's
// ALTER is rewritten, for a name that is one of the table's CHECK
// constraints and nothing else.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_ONLINEDDL_CHECK_CONSTRAINTS_H_
#define SIDECUT_ONLINEDDL_CHECK_CONSTRAINTS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace onlineddl {

// Whether `alter_clauses` holds a DROP CHECK clause. InvalidArgument if
// the clauses do not tokenize.
absl::StatusOr<bool> HasDropCheck(absl::string_view alter_clauses);

// `alter_clauses` with each DROP CHECK name clause written DROP CONSTRAINT
// name. `checks`: the lower-case names of the table's table-level CHECK
// constraints; `others`: those of its indexes and foreign keys (which
// MariaDB's DROP CONSTRAINT may drop too). FailedPrecondition for a name
// that is not in `checks`, or also in `others`; InvalidArgument if the
// clauses do not tokenize.
absl::StatusOr<std::string> DropCheckAsDropConstraint(
    absl::string_view alter_clauses, const std::set<std::string>& checks,
    const std::set<std::string>& others);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_CHECK_CONSTRAINTS_H_
