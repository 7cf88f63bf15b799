#include "mysql/short_lock_wait.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {

absl::Status ExecuteWithLockWait(Connection& conn, absl::string_view ddl,
                                 absl::Duration wait) {
  SC_ASSIGN_OR_RETURN(std::string before,
                      QueryValue(conn, "SELECT @@SESSION.lock_wait_timeout"));
  if (before.empty() || !std::all_of(before.begin(), before.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.';
      })) {
    return absl::InternalError(
        absl::StrCat("unexpected lock_wait_timeout '", before, "'"));
  }
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  SC_RETURN_IF_ERROR(
      conn.Execute(absl::StrCat("SET SESSION lock_wait_timeout = ", seconds))
          .status());
  absl::Status s = conn.Execute(ddl).status();
  absl::Status restored =
      conn.Execute(absl::StrCat("SET SESSION lock_wait_timeout = ", before))
          .status();
  return s.ok() ? restored : s;
}

}  // namespace mysql
}  // namespace sidecut
