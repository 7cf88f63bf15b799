// Runs one DDL statement with a short metadata-lock wait. The wait is set
// for the session around it (SET SESSION, then put back), not with SET
// STATEMENT: that text goes to the binlog with a DDL, and a replica's
// applier would then give up on a lock after the same short wait
// (stopping replication) where the primary merely retries.
#ifndef SIDECUT_MYSQL_SHORT_LOCK_WAIT_H_
#define SIDECUT_MYSQL_SHORT_LOCK_WAIT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "mysql/connection.h"

namespace sidecut {
namespace mysql {

// Executes `ddl` on `conn` waiting at most `wait` (whole seconds, at least
// 1) for metadata locks (errno 1205 when it could not get them), then
// puts the session's lock_wait_timeout back.
absl::Status ExecuteWithLockWait(Connection& conn, absl::string_view ddl,
                                 absl::Duration wait);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_SHORT_LOCK_WAIT_H_
