#include "onlineddl/lock_waiters.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "mysql/quoting.h"

namespace sidecut {
namespace onlineddl {

std::string MetadataLockWaitersSql(const std::vector<std::string>& tables,
                                   const std::vector<uint64_t>& own) {
  std::string named;
  for (const std::string& t : tables) {
    // \Q...\E quotes the name; an \E inside it ends and restarts quoting.
    const std::string literal =
        absl::StrReplaceAll(t, {{"\\E", "\\E\\\\E\\Q"}});
    absl::StrAppend(
        &named, named.empty() ? "" : " OR ", "INFO REGEXP ",
        mysql::QuoteString(absl::StrCat("(?<![[:alnum:]_$])\\Q", literal,
                                        "\\E(?![[:alnum:]_$])")));
  }
  if (named.empty()) named = "FALSE";
  std::string ours = "CONNECTION_ID()";
  for (uint64_t id : own) absl::StrAppend(&ours, ", ", id);
  // The statement's verb, past leading comments and SET STATEMENT ... FOR.
  const std::string ddl = mysql::QuoteString(
      "(?is)^\\s*(/\\*.*?\\*/\\s*|(--\\s|#)[^\\n]*\\n\\s*)*"
      "(set\\s+statement\\s.*?\\sfor\\s+)?"
      "(alter|create|drop|rename|truncate|optimize|repair|lock|flush)\\b");
  return absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID NOT IN (",
      ours, ") AND STATE = 'Waiting for table metadata lock' AND INFO REGEXP ",
      ddl, " AND (", named, ")");
}

}  // namespace onlineddl
}  // namespace sidecut
