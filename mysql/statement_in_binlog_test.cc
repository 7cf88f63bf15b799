// StatementLoggedSince against a real MariaDB: a DDL run after the
// position is found (also several files later), one before it or one that
// failed is not (also under binlog_alter_two_phase), and a purged starting
// file is NotFound.
#include "mysql/statement_in_binlog.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/harness/shared_instance_test.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

class StatementInBinlogTest : public harness::SharedInstanceTest {};

TEST_F(StatementInBinlogTest, FindsWhatRanAfterThePositionOnly) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS sib"));
  ASSERT_OK(conn_->Execute("USE sib"));
  ASSERT_OK(conn_->Execute("CREATE OR REPLACE TABLE t (id INT PRIMARY KEY)"));
  const std::string before = "ALTER TABLE t COMMENT 'before'";
  ASSERT_OK(conn_->Execute(before));
  ASSERT_OK_AND_ASSIGN(std::optional<BinlogCoordinates> at,
                       BinlogEndCoordinates(*conn_));
  ASSERT_TRUE(at.has_value());
  const std::string force = "ALTER TABLE t FORCE";
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", force),
              IsOkAndHolds(false));
  // A statement that failed is not written.
  const std::string failing = "ALTER TABLE t ADD COLUMN id INT";
  EXPECT_FALSE(conn_->Execute(failing).ok());
  // Later, in another binlog file, after many events.
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO t VALUES (", i, ")")));
  }
  ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
  // The same statement in another database is not this one's.
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS sib2"));
  ASSERT_OK(conn_->Execute("CREATE OR REPLACE TABLE sib2.t (id INT)"));
  ASSERT_OK(conn_->Execute("USE sib2"));
  ASSERT_OK(conn_->Execute(force));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", force),
              IsOkAndHolds(false));
  ASSERT_OK(conn_->Execute("USE sib"));
  ASSERT_OK(conn_->Execute(force));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", force),
              IsOkAndHolds(true));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", force, 1000, /*page=*/7),
              IsOkAndHolds(true));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", before),
              IsOkAndHolds(false));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", failing),
              IsOkAndHolds(false));
  // Reading no further than allowed.
  EXPECT_THAT(
      StatementLoggedSince(*conn_, *at, "sib", "ALTER TABLE t ENGINE=Aria",
                           /*max_events=*/5),
      StatusIs(absl::StatusCode::kResourceExhausted));
  // binlog_alter_two_phase writes an ALTER before it runs ("START
  // ALTER") and again as "ROLLBACK ALTER" when it fails: neither counts;
  // its "COMMIT ALTER" does.
  ASSERT_OK(conn_->Execute("SET SESSION binlog_alter_two_phase = 1"));
  ASSERT_OK(conn_->Execute("INSERT INTO t VALUES (1000)"));
  ASSERT_OK(
      conn_->Execute("ALTER TABLE t ADD COLUMN v INT NOT NULL DEFAULT 1"));
  const std::string duplicates = "ALTER TABLE t ADD UNIQUE KEY (v)";
  EXPECT_FALSE(conn_->Execute(duplicates).ok());
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", duplicates),
              IsOkAndHolds(false));
  const std::string committed = "ALTER TABLE t ADD KEY (v), ALGORITHM=COPY";
  ASSERT_OK(conn_->Execute(committed));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", committed),
              IsOkAndHolds(true));
  ASSERT_OK(conn_->Execute("SET SESSION binlog_alter_two_phase = 0"));
  // Compressed (log_bin_compress, statements over 256 bytes): a
  // Query_compressed event, shown with its text.
  ASSERT_OK_AND_ASSIGN(std::optional<BinlogCoordinates> mid,
                       BinlogEndCoordinates(*conn_));
  ASSERT_TRUE(mid.has_value());
  ASSERT_OK(conn_->Execute("SET GLOBAL log_bin_compress = ON"));
  const std::string long_one =
      absl::StrCat("ALTER TABLE t COMMENT '", std::string(400, 'c'), "'");
  absl::Status compressed = conn_->Execute(long_one).status();
  ASSERT_OK(conn_->Execute("SET GLOBAL log_bin_compress = OFF"));
  ASSERT_OK(compressed);
  ASSERT_OK_AND_ASSIGN(Result events,
                       conn_->Execute(absl::StrCat("SHOW BINLOG EVENTS IN ",
                                                   QuoteString(mid->file),
                                                   " FROM ", mid->offset)));
  const int type = events.ColumnIndex("Event_type");
  ASSERT_GE(type, 0);
  std::string kinds;
  for (const Row& row : events.rows)
    absl::StrAppend(&kinds, row.Get(type), " ");
  ASSERT_THAT(kinds, ::testing::HasSubstr("Query_compressed"));
  EXPECT_THAT(StatementLoggedSince(*conn_, *at, "sib", long_one),
              IsOkAndHolds(true));
  BinlogCoordinates gone = *at;
  gone.file = "no-such-binlog.000001";
  EXPECT_THAT(StatementLoggedSince(*conn_, gone, "sib", force),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(conn_->Execute("DROP DATABASE sib"));
  ASSERT_OK(conn_->Execute("DROP DATABASE sib2"));
}

// No position where an absence would tell nothing: a server writing no
// binlog, or one whose binlog-do-db / binlog-ignore-db may leave the
// statement out.
TEST(StatementInBinlogServerTest, NoPositionWhereTheBinlogMayLeaveItOut) {
  for (const char* option :
       {"skip-log-bin", "binlog-ignore-db=elsewhere", "binlog-do-db=sib"}) {
    SCOPED_TRACE(option);
    harness::InstanceOptions o;
    o.extra_config = {option};
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<harness::MariaDbInstance> inst,
                         harness::MariaDbInstance::Start(o));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<MysqlConnection> conn,
                         harness::ConnectTo(*inst));
    ASSERT_OK_AND_ASSIGN(std::optional<BinlogCoordinates> at,
                         BinlogEndCoordinates(*conn));
    EXPECT_FALSE(at.has_value()) << at->file;
  }
  // The same server without them has one.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<harness::MariaDbInstance> inst,
                       harness::MariaDbInstance::Start({}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MysqlConnection> conn,
                       harness::ConnectTo(*inst));
  ASSERT_OK_AND_ASSIGN(std::optional<BinlogCoordinates> at,
                       BinlogEndCoordinates(*conn));
  EXPECT_TRUE(at.has_value());
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
