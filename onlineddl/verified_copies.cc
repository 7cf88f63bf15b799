#include "onlineddl/verified_copies.h"

#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

using mysql::QuoteString;

absl::Status EnsureVerifiedCopiesTable(mysql::Connection& conn) {
  return conn
      .Execute(
          "CREATE TABLE IF NOT EXISTS _vt.sidecut_verified_copies ("
          "verify_key VARCHAR(128) NOT NULL, "
          "workflow_id BIGINT NOT NULL, "
          "summary TEXT NOT NULL, "
          "verified_timestamp TIMESTAMP(6) NOT NULL DEFAULT "
          "CURRENT_TIMESTAMP(6), "
          "PRIMARY KEY (verify_key, workflow_id)) ENGINE=InnoDB "
          "DEFAULT CHARSET=utf8mb4")
      .status();
}

absl::Status RecordVerified(mysql::Connection& conn, absl::string_view key,
                            int64_t workflow_id, absl::string_view summary) {
  return conn
      .Execute(absl::StrCat(
          "REPLACE INTO _vt.sidecut_verified_copies (verify_key, "
          "workflow_id, summary) VALUES (",
          QuoteString(key), ", ", workflow_id, ", ", QuoteString(summary), ")"))
      .status();
}

absl::StatusOr<absl::optional<std::string>> FindVerified(
    mysql::Connection& conn, absl::string_view key, int64_t workflow_id) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT summary FROM _vt.sidecut_verified_copies WHERE verify_key = ",
          QuoteString(key), " AND workflow_id = ", workflow_id)));
  if (r.rows.empty()) return absl::optional<std::string>();
  return absl::optional<std::string>(std::string(r.rows[0].Get(0)));
}

absl::Status ForgetVerified(mysql::Connection& conn, absl::string_view key,
                            int64_t workflow_id) {
  return conn
      .Execute(absl::StrCat(
          "DELETE FROM _vt.sidecut_verified_copies WHERE verify_key = ",
          QuoteString(key), " AND workflow_id = ", workflow_id))
      .status();
}

}  // namespace onlineddl
}  // namespace sidecut
