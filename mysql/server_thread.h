// The operating-system thread serving a connection, when the server runs on
// this machine: lets a sidecar lower the CPU priority of its own background
// work (a copy) below the server's foreground connections.
#ifndef SIDECUT_MYSQL_SERVER_THREAD_H_
#define SIDECUT_MYSQL_SERVER_THREAD_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mysql/connection.h"

namespace sidecut {
namespace mysql {

// The operating-system thread id the server reports for `conn`
// (information_schema.PROCESSLIST.TID); an error when it reports none.
absl::StatusOr<int64_t> ServerThreadId(Connection& conn);

// Sets the niceness (1..19: lower CPU priority) of the server thread that
// serves `conn`. Only where that is well defined and ours to change:
// one thread per connection (@@thread_handling), the thread id the server
// reports (information_schema.PROCESSLIST.TID) belonging to a local
// mariadbd/mysqld process, and permission to renice it. Otherwise an error
// saying which, and nothing changes. Raising the priority again needs
// CAP_SYS_NICE, so a connection given a niceness keeps it.
absl::Status NiceServerThread(Connection& conn, int niceness);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_SERVER_THREAD_H_
