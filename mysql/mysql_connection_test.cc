// MysqlConnection against a real MariaDB instance.
#include "mysql/mysql_connection.h"

#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/harness/shared_instance_test.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MysqlConnectionTest : public harness::SharedInstanceTest {
 protected:
  void SetUp() override {
    harness::SharedInstanceTest::SetUp();
    if (HasFatalFailure()) return;
  }
};

TEST_F(MysqlConnectionTest, ExecuteReturnsFieldsRowsAndCounts) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS t1"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE t1.a (id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT, "
      "v VARCHAR(10) NULL)"));
  ASSERT_OK_AND_ASSIGN(Result ins,
                       conn_->Execute("INSERT INTO t1.a (v) VALUES ('x'), "
                                      "(NULL), ('z')"));
  EXPECT_EQ(ins.affected_rows, 3u);
  EXPECT_EQ(ins.insert_id, 1u);
  ASSERT_OK_AND_ASSIGN(Result r,
                       conn_->Execute("SELECT id, v FROM t1.a ORDER BY id"));
  ASSERT_EQ(r.fields.size(), 2u);
  EXPECT_EQ(r.fields[0].name, "id");
  EXPECT_EQ(r.fields[0].org_table, "a");
  EXPECT_EQ(r.fields[0].database, "t1");
  EXPECT_EQ(r.ColumnIndex("V"), 1);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_THAT(r.rows[2].GetUint64(0), IsOkAndHolds(3u));
  EXPECT_TRUE(r.rows[1].IsNull(1));
  EXPECT_EQ(r.rows[0].Get(1), "x");
  EXPECT_THAT(QueryValue(*conn_, "SELECT @@character_set_client"),
              IsOkAndHolds("utf8mb4"));
  EXPECT_GT(conn_->ConnectionId(), 0u);
}

TEST_F(MysqlConnectionTest, ErrorsCarryErrnoAndStatement) {
  absl::Status syntax = conn_->Execute("SELEC 1").status();
  EXPECT_THAT(syntax, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("SELEC 1")));
  EXPECT_EQ(MysqlErrno(syntax), kErParseError);
  absl::Status missing =
      conn_->Execute("SELECT * FROM no_such_db.no_such_table").status();
  EXPECT_THAT(missing, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(MysqlErrno(missing) == kErNoSuchTable ||
              MysqlErrno(missing) == 1049)
      << missing;
  // The session stays usable after errors.
  EXPECT_THAT(QueryValue(*conn_, "SELECT 1+1"), IsOkAndHolds("2"));
}

TEST_F(MysqlConnectionTest, ConnectFailureIsUnavailable) {
  ConnectParams p = harness::ConnectParamsFor(*instance_);
  p.port = 1;  // nothing listens there
  auto c = MysqlConnection::Connect(p);
  EXPECT_THAT(
      c, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
  p = harness::ConnectParamsFor(*instance_);
  p.user = "nobody";
  EXPECT_THAT(MysqlConnection::Connect(p),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// A session restricted to some authentication plugins refuses a server
// asking for another (here root's mysql_native_password when only ed25519
// is allowed); kNoCleartextAuth takes mysql_native_password.
TEST_F(MysqlConnectionTest, RestrictedAuthenticationRefusesOtherPlugins) {
  ConnectParams p = harness::ConnectParamsFor(*instance_);
  p.restricted_auth = "client_ed25519";
  absl::StatusOr<std::unique_ptr<MysqlConnection>> refused =
      MysqlConnection::Connect(p);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("mysql_native_password"));
  p.restricted_auth = kNoCleartextAuth;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MysqlConnection> c,
                       MysqlConnection::Connect(p));
  EXPECT_OK(c->Execute("SELECT 1").status());
}

TEST_F(MysqlConnectionTest, NamesWithQuotesBackticksAndUnicodeRoundTrip) {
  const std::string db = "d`b 'x\" é";
  const std::string table = "tä`b'le\"表";
  const std::string column = "c`o'l\"ü";
  const std::string value =
      std::string("it's \"q\" \\ \n\r\x1a nul:\0 日本", 26);
  ASSERT_OK(
      conn_->Execute(absl::StrCat("CREATE DATABASE ", QuoteIdentifier(db))));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE ", QuoteQualified(db, table), " (id INT PRIMARY KEY, ",
      QuoteIdentifier(column), " VARBINARY(100))")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO ", QuoteQualified(db, table), " VALUES (1, ",
                   QuoteString(value), "), (2, ", QuoteHex(value), ")")));
  ASSERT_OK_AND_ASSIGN(
      Result r,
      conn_->Execute(absl::StrCat("SELECT ", QuoteIdentifier(column), " FROM ",
                                  QuoteQualified(db, table), " ORDER BY id")));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.fields[0].name, column);
  EXPECT_EQ(r.rows[0].Get(0), value);
  EXPECT_EQ(r.rows[1].Get(0), value);
}

// QuoteString escapes with backslashes; a server whose global sql_mode has
// NO_BACKSLASH_ESCAPES would read 'z\') OR 1=1 #' as a closed string and
// SQL. Our sessions drop that mode when they connect, and
// PAD_CHAR_TO_FULL_LENGTH (a CHAR read padded is copied padded).
TEST_F(MysqlConnectionTest, SessionsNeverUseNoBackslashEscapes) {
  ASSERT_OK_AND_ASSIGN(std::string global,
                       QueryValue(*conn_, "SELECT @@GLOBAL.sql_mode"));
  ASSERT_OK(
      conn_->Execute("SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, "
                     "',NO_BACKSLASH_ESCAPES,PAD_CHAR_TO_FULL_LENGTH')"));
  struct Restore {
    MysqlConnection* conn;
    std::string mode;
    ~Restore() {
      conn->Execute(absl::StrCat("SET GLOBAL sql_mode = ", QuoteString(mode)))
          .status()
          .IgnoreError();
    }
  } restore{conn_.get(), global};
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<MysqlConnection> c,
      MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK_AND_ASSIGN(std::string mode,
                       QueryValue(*c, "SELECT @@SESSION.sql_mode"));
  EXPECT_THAT(mode, ::testing::Not(::testing::HasSubstr("NO_BACKSLASH")));
  EXPECT_THAT(mode, ::testing::Not(::testing::HasSubstr("PAD_CHAR")));
  ASSERT_OK(c->Execute("CREATE DATABASE IF NOT EXISTS pad"));
  ASSERT_OK(c->Execute("CREATE TABLE pad.c (id INT PRIMARY KEY, c CHAR(4))"));
  ASSERT_OK(c->Execute("INSERT INTO pad.c VALUES (1, 'a')"));
  EXPECT_THAT(QueryValue(*c, "SELECT CONCAT('[', c, ']') FROM pad.c"),
              IsOkAndHolds("[a]"));
  ASSERT_OK(c->Execute("DROP DATABASE pad"));
  const std::string tricky = "z') OR 1=1 # \\ \"q\" \n";
  ASSERT_OK_AND_ASSIGN(
      std::string back,
      QueryValue(*c, absl::StrCat("SELECT ", QuoteString(tricky))));
  EXPECT_EQ(back, tricky);
}

TEST_F(MysqlConnectionTest, StreamsLargeResultsRowByRow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS s"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE s.big (id INT PRIMARY KEY, pad CHAR(100)) "
      "SELECT seq AS id, REPEAT('p', 100) AS pad FROM s.seq_1_to_50000"));
  int64_t rows = 0, sum = 0;
  size_t nfields = 0;
  ASSERT_OK(conn_->ExecuteStreaming(
      "SELECT id, pad FROM s.big ORDER BY id",
      [&](const std::vector<Field>& f) {
        nfields = f.size();
        return absl::OkStatus();
      },
      [&](const Row& row) {
        ++rows;
        sum += row.GetInt64(0).value();
        return absl::OkStatus();
      }));
  EXPECT_EQ(nfields, 2u);
  EXPECT_EQ(rows, 50000);
  EXPECT_EQ(sum, 50000LL * 50001 / 2);

  // A callback error stops the stream; the session remains usable.
  rows = 0;
  absl::Status s = conn_->ExecuteStreaming(
      "SELECT id FROM s.big ORDER BY id",
      [](const std::vector<Field>&) { return absl::OkStatus(); },
      [&](const Row&) {
        return ++rows == 10 ? absl::CancelledError("enough") : absl::OkStatus();
      });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(rows, 10);
  EXPECT_THAT(QueryValue(*conn_, "SELECT COUNT(*) FROM s.big"),
              IsOkAndHolds("50000"));
}

// Sessions count as Sidecut's own (spared by a forced cut-over) while they
// live: not once closed, not once the server ended them (a restarted server
// hands their thread ids to other sessions), never when made as an
// application's stand-in.
TEST_F(MysqlConnectionTest, OwnSessionsAreThoseAlive) {
  ConnectParams p = harness::ConnectParamsFor(*instance_);
  MysqlConnectionFactory factory(p);
  auto has = [&](uint64_t id) {
    std::vector<uint64_t> ids = factory.OwnSessionIds();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Connection> ours, factory.Connect());
  const uint64_t id = ours->ConnectionId();
  EXPECT_TRUE(has(id));
  ASSERT_OK(conn_->Execute(absl::StrCat("KILL CONNECTION ", id)).status());
  EXPECT_FALSE(ours->Execute("SELECT 1").ok());
  EXPECT_FALSE(has(id));
  ConnectParams app = p;
  app.own_session = false;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MysqlConnection> theirs,
                       MysqlConnection::Connect(app));
  EXPECT_FALSE(has(theirs->ConnectionId()));
}

TEST_F(MysqlConnectionTest, ClosedConnectionFailsCleanly) {
  conn_->Close();
  EXPECT_THAT(conn_->Execute("SELECT 1"), Not(IsOk()));
  conn_->Close();
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
