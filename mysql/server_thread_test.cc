// ServerThreadNiceness against a real local MariaDB: the thread serving the
// connection gets the niceness and gets its own back; bad values change
// nothing.
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

int NicenessOfThread(int64_t tid) {
  errno = 0;
  int n = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  return errno == 0 ? n : -100;
}

int NicenessOf(Connection& conn) {
  absl::StatusOr<int64_t> tid = ServerThreadId(conn);
  return tid.ok() ? NicenessOfThread(*tid) : -100;
}

TEST_F(ServerThreadTest, RenicesTheConnectionsThreadOnlyAndPutsItBack) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<MysqlConnection> copy,
      MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<MysqlConnection> other,
      MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  const int before = NicenessOf(*other);
  ASSERT_NE(before, -100);
  ASSERT_OK_AND_ASSIGN(const int64_t tid_of_other, ServerThreadId(*other));
  for (int bad : {0, 20, -21}) {
    EXPECT_TRUE(
        absl::IsInvalidArgument(ServerThreadNiceness::Set(*copy, bad).status()))
        << bad;
  }
  EXPECT_EQ(NicenessOf(*copy), before);
  if (!CanRaiseThreadPriority()) {
    // Could not be put back: refused, nothing changes.
    EXPECT_TRUE(absl::IsPermissionDenied(
        ServerThreadNiceness::Set(*copy, 15).status()));
    EXPECT_EQ(NicenessOf(*copy), before);
    return;
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerThreadNiceness> niced,
                       ServerThreadNiceness::Set(*copy, 15));
  EXPECT_EQ(NicenessOf(*copy), 15);
  EXPECT_EQ(NicenessOf(*other), before);  // other connections keep theirs
  ASSERT_OK(niced->Restore());
  EXPECT_EQ(NicenessOf(*copy), before);

  // Ahead of the foreground; put back when the object goes, before the
  // connection closes and the server caches its thread for others.
  ASSERT_OK_AND_ASSIGN(niced, ServerThreadNiceness::Set(*copy, -5));
  const int64_t tid = niced->thread_id();
  EXPECT_EQ(NicenessOfThread(tid), -5);
  niced.reset();
  copy.reset();
  EXPECT_EQ(NicenessOfThread(tid), before);

  // A thread left reniced (a sidecar killed before putting it back) gets
  // the server's own niceness back, not the one it was found with.
  ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(tid_of_other), 7), 0);
  ASSERT_OK_AND_ASSIGN(niced, ServerThreadNiceness::Set(*other, 12));
  EXPECT_EQ(NicenessOf(*other), 12);
  niced.reset();
  EXPECT_EQ(NicenessOf(*other), before);
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
