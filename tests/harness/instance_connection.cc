#include "tests/harness/instance_connection.h"

namespace sidecut {
namespace harness {

mysql::ConnectParams ConnectParamsFor(const MariaDbInstance& instance) {
  mysql::ConnectParams p;
  p.host = instance.params().host;
  p.port = instance.params().port;
  p.user = instance.params().user;
  p.password = instance.params().password;
  return p;
}

absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> ConnectTo(
    const MariaDbInstance& instance) {
  return mysql::MysqlConnection::Connect(ConnectParamsFor(instance));
}

}  // namespace harness
}  // namespace sidecut
