#include "mysql/binlog_retention.h"

#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {

absl::StatusOr<MariadbGtidPos> OldestBinlogPosition(Connection& conn) {
  SC_ASSIGN_OR_RETURN(Result logs, conn.Execute("SHOW BINARY LOGS"));
  if (logs.rows.empty()) {
    return absl::FailedPreconditionError("the server has no binlogs");
  }
  SC_ASSIGN_OR_RETURN(
      std::string pos,
      QueryValue(conn,
                 absl::StrCat("SELECT IFNULL(BINLOG_GTID_POS(",
                              QuoteString(logs.rows[0].Get(0)), ", 4), '')")));
  return MariadbGtidPos::Parse(pos);
}

MariadbGtidPos PurgedSince(const MariadbGtidPos& pos,
                           const MariadbGtidPos& oldest) {
  MariadbGtidPos purged;
  for (const auto& [domain, gtid] : oldest.gtids()) {
    // A domain `pos` lacks began after it (a position names every domain
    // the server had logged): its transactions before the oldest binlog
    // were purged. A dump from `pos` would send that domain from the
    // binlog it starts at, silently skipping them.
    auto it = pos.gtids().find(domain);
    const uint64_t seen = it == pos.gtids().end() ? 0 : it->second.seq;
    if (seen < gtid.seq) purged.Update(gtid);
  }
  return purged;
}

}  // namespace mysql
}  // namespace sidecut
