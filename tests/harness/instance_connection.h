// Connecting to harness instances with Sidecut's own MySQL layer.
#ifndef SIDECUT_TESTS_HARNESS_INSTANCE_CONNECTION_H_
#define SIDECUT_TESTS_HARNESS_INSTANCE_CONNECTION_H_

#include <memory>

#include "absl/status/statusor.h"
#include "mysql/connection.h"
#include "mysql/mysql_connection.h"
#include "tests/harness/mariadb_instance.h"

namespace sidecut {
namespace harness {

// TCP connection parameters for `instance` (user root, no database).
mysql::ConnectParams ConnectParamsFor(const MariaDbInstance& instance);

// Opens a session on `instance`.
absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> ConnectTo(
    const MariaDbInstance& instance);

// How many threads of `instance`'s mariadbd have CPU niceness `n` (-1 when
// its threads cannot be listed).
int ServerThreadsWithNiceness(const MariaDbInstance& instance, int n);

}  // namespace harness
}  // namespace sidecut

#endif  // SIDECUT_TESTS_HARNESS_INSTANCE_CONNECTION_H_
