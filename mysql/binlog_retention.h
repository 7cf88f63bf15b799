// Whether a server still has the binlogs to stream from a position: a
// stream (a parked reverse stream, say) resumed from a position whose
// transactions were purged fails only once it reads; callers that want to
// refuse up front ask here.
//
// Thread-safe except OldestBinlogPosition, which uses the connection.
#ifndef SIDECUT_MYSQL_BINLOG_RETENTION_H_
#define SIDECUT_MYSQL_BINLOG_RETENTION_H_

#include "absl/status/statusor.h"
#include "mysql/connection.h"
#include "mysql/gtid.h"

namespace sidecut {
namespace mysql {

// MariaDB: the GTID position at the start of the server's oldest binlog
// (BINLOG_GTID_POS of its first event): every transaction after it is in
// the binlogs the server has.
absl::StatusOr<MariadbGtidPos> OldestBinlogPosition(Connection& conn);

// The domains where `pos` is behind `oldest`: the transactions between them
// were purged, and a stream from `pos` cannot resume. Empty when it can.
MariadbGtidPos PurgedSince(const MariadbGtidPos& pos,
                           const MariadbGtidPos& oldest);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_BINLOG_RETENTION_H_
