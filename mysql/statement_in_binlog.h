// Whether the server wrote a statement to its binlog after a position: how
// a daemon restarted while the server ran one of its DDL statements tells
// whether it applied. A DDL is written once it has applied (and not if it
// failed or was killed; under binlog_alter_two_phase an ALTER's
// "START ALTER" and "ROLLBACK ALTER" events do not count); one whose effect the
// table's definition does not show (FORCE, TRUNCATE PARTITION, ENGINE=<the
// same>) shows nowhere else. Read with SHOW BINARY LOGS and SHOW BINLOG EVENTS
// on an ordinary session.
#ifndef SIDECUT_MYSQL_STATEMENT_IN_BINLOG_H_
#define SIDECUT_MYSQL_STATEMENT_IN_BINLOG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/binlog_streamer.h"
#include "mysql/connection.h"

namespace sidecut {
namespace mysql {

// Where the server's binlog ends now; nullopt when it writes none (log_bin
// off) or may leave statements out (binlog-do-db, binlog-ignore-db).
absl::StatusOr<std::optional<BinlogCoordinates>> BinlogEndCoordinates(
    Connection& conn);

// Whether a Query event of `statement` run in database `db` (a session
// whose default database it is) was written at or after `from`. Reads at most
// `max_events` events, `page` at a time: ResourceExhausted beyond; NotFound if
// `from.file` is no longer on the server (purged).
absl::StatusOr<bool> StatementLoggedSince(Connection& conn,
                                          const BinlogCoordinates& from,
                                          absl::string_view db,
                                          absl::string_view statement,
                                          uint64_t max_events = 2000000,
                                          int page = 5000);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_STATEMENT_IN_BINLOG_H_
