#include "mysql/result.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_error.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

using ::testing::HasSubstr;

TEST(RowTest, TypedAccess) {
  Row row({std::string("-5"), std::string("18446744073709551615"),
           std::string("2.5"), std::string("ON"), absl::nullopt,
           std::string("x1")});
  EXPECT_THAT(row.GetInt64(0), IsOkAndHolds(-5));
  EXPECT_THAT(row.GetUint64(1), IsOkAndHolds(18446744073709551615ull));
  EXPECT_THAT(row.GetDouble(2), IsOkAndHolds(2.5));
  EXPECT_THAT(row.GetBool(3), IsOkAndHolds(true));
  EXPECT_TRUE(row.IsNull(4));
  EXPECT_THAT(row.GetInt64(4), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(row.GetInt64(5),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x1")));
  EXPECT_THAT(row.GetUint64(0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(row.GetInt64(9), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(MysqlErrorTest, CarriesErrnoAndMapsCodes) {
  absl::Status s = MysqlError(1213, "40001", "Deadlock found", "on x");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(MysqlErrno(s), 1213);
  EXPECT_EQ(MysqlSqlState(s), "40001");
  EXPECT_THAT(std::string(s.message()), HasSubstr("Deadlock found"));
  EXPECT_EQ(MysqlErrno(absl::InternalError("plain")), 0);
  EXPECT_EQ(CodeForMysqlErrno(2013), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeForMysqlErrno(4031), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeForMysqlErrno(1146), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeForMysqlErrno(1205), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CodeForMysqlErrno(1236), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
