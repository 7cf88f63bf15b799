#include "vreplication/prepared_xa.h"

#include "mysql/mysql_error.h"

namespace sidecut {
namespace vreplication {

absl::StatusOr<absl::optional<size_t>> PreparedXaCount(
    mysql::Connection& conn) {
  absl::StatusOr<mysql::Result> xa = conn.Execute("XA RECOVER");
  if (!xa.ok() &&
      (mysql::MysqlErrno(xa.status()) == mysql::kErSpecificAccessDenied ||
       mysql::MysqlErrno(xa.status()) == mysql::kErDbAccessDenied)) {
    return absl::optional<size_t>();
  }
  if (!xa.ok()) return xa.status();
  return absl::optional<size_t>(xa->rows.size());
}

}  // namespace vreplication
}  // namespace sidecut
