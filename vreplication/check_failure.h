// Clearer errors for a row that fails a CHECK constraint of a target table
// (MariaDB's errno 4025: "CONSTRAINT `t.c` failed for `db`.`t`"): which
// constraint, on which table, with its clause. MariaDB's JSON type is a
// LONGTEXT with a column-level json_valid() check, so a value that is not
// valid JSON fails as such a constraint; that case says so in MySQL's
// words ("Invalid JSON text"), as an operator reading the migration's
// message looks for.
#ifndef SIDECUT_VREPLICATION_CHECK_FAILURE_H_
#define SIDECUT_VREPLICATION_CHECK_FAILURE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"

namespace sidecut {
namespace vreplication {

// The parts of MariaDB's ER_CONSTRAINT_FAILED text: `name` is the
// constraint's ("table.column" for a column-level one), `db`.`table` the
// table it belongs to.
struct FailedCheck {
  std::string name;
  std::string db;
  std::string table;
};

// Finds the last "CONSTRAINT `name` failed for `db`.`table`" in `message`
// (quoted names may hold doubled backticks); nullopt if it is not there.
absl::optional<FailedCheck> ParseFailedCheck(absl::string_view message);

// `s` with the constraint explained in front of its message (same code and
// payloads). Unchanged unless `s` is errno 4025 and the constraint can be
// read from information_schema.CHECK_CONSTRAINTS through `conn`.
absl::Status ExplainCheckFailure(mysql::Connection& conn, absl::Status s);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_CHECK_FAILURE_H_
