// NiceServerThread against a real local MariaDB: the thread serving the
// connection gets the niceness; bad values change nothing.
#include "mysql/server_thread.h"

#include <sys/resource.h>

#include <cerrno>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/harness/shared_instance_test.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

class ServerThreadTest : public harness::SharedInstanceTest {};

int NicenessOf(Connection& conn) {
  absl::StatusOr<int64_t> tid = ServerThreadId(conn);
  if (!tid.ok()) return -100;
  errno = 0;
  int n = getpriority(PRIO_PROCESS, static_cast<id_t>(*tid));
  return errno == 0 ? n : -100;
}

TEST_F(ServerThreadTest, RenicesTheConnectionsThreadOnly) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<MysqlConnection> copy,
      MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<MysqlConnection> other,
      MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  const int before = NicenessOf(*other);
  ASSERT_NE(before, -100);
  EXPECT_TRUE(absl::IsInvalidArgument(NiceServerThread(*copy, 0)));
  EXPECT_TRUE(absl::IsInvalidArgument(NiceServerThread(*copy, 20)));
  EXPECT_EQ(NicenessOf(*copy), before);
  ASSERT_OK(NiceServerThread(*copy, 15));
  EXPECT_EQ(NicenessOf(*copy), 15);
  EXPECT_EQ(NicenessOf(*other), before);  // other connections keep theirs
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
