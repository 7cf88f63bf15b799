#include "vreplication/target_writes.h"

#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {

const char kTargetWritesTable[] = R"sql(
CREATE TABLE IF NOT EXISTS _vt.sidecut_target_writes (
  vrepl_id INT NOT NULL,
  target VARBINARY(256) NOT NULL,
  gtid VARBINARY(256) NOT NULL,
  PRIMARY KEY (vrepl_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
)sql";

std::string RecordTargetWriteSql(int64_t id, absl::string_view target,
                                 absl::string_view gtid) {
  return absl::StrCat(
      "REPLACE INTO _vt.sidecut_target_writes (vrepl_id, target, gtid) "
      "VALUES (",
      id, ", ", mysql::QuoteString(target), ", ", mysql::QuoteString(gtid),
      ")");
}

std::string ForgetTargetWritesSql(int64_t id) {
  return absl::StrCat("DELETE FROM _vt.sidecut_target_writes WHERE vrepl_id = ",
                      id);
}

absl::StatusOr<absl::optional<std::string>> RecordedTargetWrite(
    mysql::Connection& conn, int64_t id) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat("SELECT target, gtid FROM "
                                "_vt.sidecut_target_writes WHERE vrepl_id = ",
                                id)));
  if (r.rows.empty()) return absl::optional<std::string>();
  return absl::optional<std::string>(
      absl::StrCat(mysql::QuoteIdentifier(r.rows[0].Get(0)), " (GTID ",
                   r.rows[0].Get(1), ")"));
}

}  // namespace vreplication
}  // namespace sidecut
