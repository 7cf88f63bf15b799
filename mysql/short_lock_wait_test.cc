// ExecuteWithLockWait against a real MariaDB: the DDL gives up on a table
// a transaction holds after the short wait, the session's own wait is put
// back, and the binlog gets the statement as written (no SET STATEMENT
// that a replica's applier would obey too).
#include "mysql/short_lock_wait.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_error.h"
#include "mysql/statement_in_binlog.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/shared_instance_test.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

class ShortLockWaitTest : public harness::SharedInstanceTest {};

TEST_F(ShortLockWaitTest, GivesUpSoonAndLeavesNothingBehind) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS slw"));
  ASSERT_OK(conn_->Execute("USE slw"));
  ASSERT_OK(conn_->Execute("CREATE OR REPLACE TABLE held (id INT)"));
  ASSERT_OK(conn_->Execute("SET SESSION lock_wait_timeout = 30"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MysqlConnection> holder,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(holder->Execute("BEGIN"));
  ASSERT_OK(holder->Execute("SELECT COUNT(*) FROM slw.held"));
  const absl::Time t0 = absl::Now();
  absl::Status s =
      ExecuteWithLockWait(*conn_, "DROP TABLE held", absl::Seconds(1));
  EXPECT_EQ(MysqlErrno(s), 1205) << s;
  EXPECT_LT(absl::Now() - t0, absl::Seconds(10));
  EXPECT_THAT(QueryValue(*conn_, "SELECT @@SESSION.lock_wait_timeout"),
              IsOkAndHolds("30"));
  ASSERT_OK(holder->Execute("COMMIT"));

  ASSERT_OK_AND_ASSIGN(std::optional<BinlogCoordinates> at,
                       BinlogEndCoordinates(*conn_));
  ASSERT_TRUE(at.has_value());
  // (A RENAME is logged as written; a DROP TABLE the server rewrites.)
  ASSERT_OK(ExecuteWithLockWait(*conn_, "RENAME TABLE held TO moved",
                                absl::Seconds(1)));
  EXPECT_THAT(
      StatementLoggedSince(*conn_, *at, "slw", "RENAME TABLE held TO moved"),
      IsOkAndHolds(true));
  EXPECT_THAT(QueryValue(*conn_, "SELECT @@SESSION.lock_wait_timeout"),
              IsOkAndHolds("30"));
  ASSERT_OK(conn_->Execute("DROP DATABASE slw"));
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
