#include "mysql/connection.h"

#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {

std::string ConnectParams::Describe() const {
  if (!socket.empty()) return absl::StrCat(user, "@", socket);
  return absl::StrCat(user, "@", host, ":", port);
}

absl::StatusOr<std::string> QueryValue(Connection& conn,
                                       absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(Result r, conn.Execute(sql));
  if (r.rows.empty() || r.rows[0].size() == 0) {
    return absl::NotFoundError(absl::StrCat("no rows from: ", sql));
  }
  return std::string(r.rows[0].Get(0));
}

}  // namespace mysql
}  // namespace sidecut
