// Statement-logged copy chunks (WorkflowOptions::statement_copy) against a
// real primary and a replica that replays its binlog: under concurrent
// writes the copy and the tail leave the target equal to the source on the
// primary, and the replica, running the chunks' INSERT ... SELECT
// statements itself, ends with exactly the primary's rows. Where a
// statement could compute other values on the replica (a column default
// like UUID(), a computed column) the copy is logged as rows instead.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "re2/re2.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/copy_throttle.h"
#include "vreplication/engine.h"
#include "vreplication/testing/vr_test_util.h"

namespace sidecut {
namespace vreplication {
namespace {

using ::testing::AllOf;
using testing::Checksum;
using ::testing::HasSubstr;
using testing::WaitCaughtUp;
using testing::WaitCopied;
using testing::Writer;

class StatementCopyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = harness::StartInstances(2, harness::InstanceOptions());
    ASSERT_OK(started.status());
    instances_ = new std::vector<std::unique_ptr<harness::MariaDbInstance>>(
        std::move(*started));
    ASSERT_OK_AND_ASSIGN(auto replica, harness::ConnectTo(*instances_->at(1)));
    ASSERT_OK(replica->Execute(absl::StrCat(
        "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ",
        instances_->at(0)->port(),
        ", MASTER_USER = 'root', MASTER_USE_GTID = slave_pos")));
    ASSERT_OK(replica->Execute("START SLAVE"));
  }
  static void TearDownTestSuite() {
    delete instances_;
    instances_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(instances_, nullptr) << "the instances did not start";
    ASSERT_OK_AND_ASSIGN(primary_, harness::ConnectTo(*instances_->at(0)));
    ASSERT_OK_AND_ASSIGN(replica_, harness::ConnectTo(*instances_->at(1)));
    options_.connect = harness::ConnectParamsFor(*instances_->at(0));
    options_.copy_batch_rows = 500;
    options_.copy_batch_min_rows = 100;
    options_.copy_batch_max_rows = 2000;
    options_.copy_phase_duration = absl::Milliseconds(300);
    options_.heartbeat_period = absl::Milliseconds(250);
    options_.statement_copy = true;
  }

  // Waits until the replica has applied everything the primary logged.
  absl::Status WaitReplica() {
    SC_ASSIGN_OR_RETURN(mysql::Result pos,
                        primary_->Execute("SELECT @@gtid_binlog_pos"));
    SC_ASSIGN_OR_RETURN(mysql::Result waited,
                        replica_->Execute(absl::StrCat(
                            "SELECT MASTER_GTID_WAIT(",
                            mysql::QuoteString(pos.rows[0].Get(0)), ", 60)")));
    if (waited.rows[0].Get(0) != "0") {
      SC_ASSIGN_OR_RETURN(mysql::Result status,
                          replica_->Execute("SHOW SLAVE STATUS"));
      std::string error;
      for (size_t i = 0; i < status.fields.size(); ++i) {
        if (status.fields[i].name == "Last_SQL_Error" && !status.rows.empty()) {
          error = std::string(status.rows[0].Get(i));
        }
      }
      return absl::DeadlineExceededError(
          absl::StrCat("the replica did not catch up: ", error));
    }
    return absl::OkStatus();
  }

  // What the primary's binlog holds for db.dst after `from`: how many
  // statements copy rows into it with INSERT ... SELECT (Query events, not
  // the Annotate_rows before row events), and whether rows of it are logged
  // after the last of them.
  struct CopyLog {
    int statements = 0;
    bool rows_after = false;
  };
  absl::StatusOr<CopyLog> ReadCopyLog(const std::string& db,
                                      const testing::BinlogMark& from) {
    SC_ASSIGN_OR_RETURN(mysql::Result events,
                        testing::BinlogEventsSince(*primary_, from));
    const std::string insert =
        absl::StrCat("INSERT INTO ", mysql::QuoteQualified(db, "dst"), " (");
    CopyLog log;
    for (const mysql::Row& row : events.rows) {
      const std::string info(row.Get(row.size() - 1));
      if (row.Get(2) == "Query" && absl::StrContains(info, insert) &&
          absl::StrContains(info, "LOCK IN SHARE MODE")) {
        ++log.statements;
        log.rows_after = false;
      } else if (row.Get(2) == "Table_map" &&
                 absl::StrContains(info, absl::StrCat("(", db, ".dst)"))) {
        log.rows_after = true;
      }
    }
    return log;
  }

  // Copies db.`source` (20k rows, written to meanwhile) into db.dst with
  // `filter`, then tails until caught up; the writer stops before.
  void CopyUnderWrites(const std::string& db, const std::string& dst_columns,
                       const std::string& filter,
                       const std::string& source = "src") {
    const std::string src = absl::StrCat(db, ".", source);
    ASSERT_OK(primary_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(primary_->Execute(absl::StrCat(
        "CREATE TABLE ", src,
        " (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, "
        "val INT, ts TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))")));
    ASSERT_OK(primary_->Execute(
        absl::StrCat("CREATE TABLE ", db, ".dst (", dst_columns, ")")));
    ASSERT_OK(primary_->Execute(absl::StrCat(
        "INSERT INTO ", src,
        " (id, name, val) SELECT seq, CONCAT('n', seq), seq % 1000 FROM ", db,
        ".seq_1_to_20000")));
    Writer writer(options_.connect, src, 22000);
    writer.Start();
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    binlogdata::BinlogSource source;
    binlogdata::Rule* r = source.mutable_filter()->add_rules();
    r->set_match("dst");
    r->set_filter(filter);
    ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf_" + db, source, db, 0));
    ASSERT_OK(WaitCopied(engine, id, absl::Seconds(120)));
    Clock::Real()->SleepFor(absl::Milliseconds(300));
    ASSERT_OK(writer.Stop());
    EXPECT_GT(writer.statements(), 100);
    ASSERT_OK(WaitCaughtUp(*primary_, id, absl::Seconds(60)));
    ASSERT_OK(engine.Stop(id));
  }

  static inline std::vector<std::unique_ptr<harness::MariaDbInstance>>*
      instances_ = nullptr;
  std::unique_ptr<mysql::MysqlConnection> primary_;
  std::unique_ptr<mysql::MysqlConnection> replica_;
  WorkflowOptions options_;
};

// The copy throttler (copy_throttle.h) against the real replica: while
// its SQL thread is stopped, the copy stands still after its first chunk
// and says why, its tail still applying changes to the rows copied; once
// the replica runs again the copy goes on and the replica gets every row.
TEST_F(StatementCopyTest, ACopyWaitsWhileTheReplicaStopsReplicating) {
  const std::string db = "thr";
  ASSERT_OK(primary_->Execute(absl::StrCat("CREATE DATABASE ", db)));
  ASSERT_OK(primary_->Execute(
      absl::StrCat("CREATE TABLE ", db, ".src (id INT PRIMARY KEY, val INT)")));
  ASSERT_OK(primary_->Execute(
      absl::StrCat("CREATE TABLE ", db, ".dst (id INT PRIMARY KEY, val INT)")));
  ASSERT_OK(primary_->Execute(absl::StrCat(
      "INSERT INTO ", db, ".src SELECT seq, seq FROM ", db, ".seq_1_to_3000")));
  ASSERT_OK(WaitReplica());
  ASSERT_OK(replica_->Execute("STOP SLAVE SQL_THREAD"));
  // Restarted whatever happens: the suite's other tests share the replica.
  struct Restart {
    mysql::MysqlConnection* replica;
    ~Restart() { replica->Execute("START SLAVE SQL_THREAD").IgnoreError(); }
  } restart{replica_.get()};
  CopyThrottleOptions t;
  t.replicas.push_back(harness::ConnectParamsFor(*instances_->at(1)));
  auto throttle = std::make_shared<CopyThrottle>(t, Clock::Real());
  // The first check lets the first chunk through: the hold then comes
  // mid-copy, with a position the tail must keep current.
  auto calls = std::make_shared<std::atomic<int>>(0);
  options_.statement_copy = false;
  options_.copy_batch_rows = 500;
  options_.copy_batch_max_rows = 500;
  options_.throttle_recheck = absl::Milliseconds(100);
  options_.throttle =
      [throttle,
       calls](mysql::Connection& conn) -> absl::StatusOr<std::string> {
    if (calls->fetch_add(1) == 0) return std::string();
    return throttle->Check(conn);
  };
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  binlogdata::BinlogSource source;
  source.mutable_filter()->add_rules()->set_match("dst");
  source.mutable_filter()->mutable_rules(0)->set_filter("select * from src");
  ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf_" + db, source, db, 0));
  ASSERT_OK(WaitFor(Clock::Real(), "the copy to be held",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
                      return absl::StrContains(row.reason_throttled,
                                               "Slave_SQL_Running is No");
                    }));
  // A change to a copied row reaches the target while the copy is held.
  ASSERT_OK(primary_->Execute("UPDATE thr.src SET val = -1 WHERE id = 1"));
  ASSERT_OK(
      WaitFor(Clock::Real(), "the held workflow's tail to apply it",
              [&]() -> absl::StatusOr<bool> {
                SC_ASSIGN_OR_RETURN(
                    std::string v,
                    mysql::QueryValue(*primary_,
                                      "SELECT val FROM thr.dst WHERE id = 1"));
                return v == "-1";
              }));
  ASSERT_OK_AND_ASSIGN(WorkflowRow held, engine.Read(id));
  EXPECT_EQ(held.rows_copied, 500);
  EXPECT_THAT(held.reason_throttled, HasSubstr("Slave_SQL_Running is No"));
  ASSERT_OK(replica_->Execute("START SLAVE SQL_THREAD"));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  ASSERT_OK(WaitCaughtUp(*primary_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(WorkflowRow after, engine.Read(id));
  EXPECT_EQ(after.reason_throttled, "");  // cleared once it went on
  ASSERT_OK(engine.Stop(id));
  ASSERT_OK(WaitReplica());
  ASSERT_OK_AND_ASSIGN(std::string src,
                       Checksum(*primary_, "thr.src", "id, val"));
  ASSERT_OK_AND_ASSIGN(std::string dst,
                       Checksum(*primary_, "thr.dst", "id, val"));
  EXPECT_EQ(dst, src);
  ASSERT_OK_AND_ASSIGN(std::string replica_dst,
                       Checksum(*replica_, "thr.dst", "id, val"));
  EXPECT_EQ(replica_dst, src);
}

// With discovery on, the throttle finds the replica in the primary's SHOW
// SLAVE HOSTS (nothing listed) and holds copies while its SQL thread is
// stopped, and while its IO thread is stopped, which takes it off that
// list.
TEST_F(StatementCopyTest, TheThrottleWatchesTheReplicasTheServerLists) {
  ASSERT_OK(WaitReplica());
  CopyThrottleOptions t;
  t.discover_replicas = true;
  t.discovered = harness::ConnectParamsFor(*instances_->at(0));
  t.rediscover = absl::ZeroDuration();
  t.cache = absl::ZeroDuration();
  CopyThrottle throttle(t, Clock::Real());
  EXPECT_THAT(throttle.Check(*primary_), IsOkAndHolds(""));
  struct Restart {
    mysql::MysqlConnection* replica;
    ~Restart() { replica->Execute("START SLAVE").IgnoreError(); }
  } restart{replica_.get()};
  const std::string found = absl::StrCat(":", instances_->at(1)->port(),
                                         " (found in SHOW SLAVE HOSTS)");
  ASSERT_OK(replica_->Execute("STOP SLAVE SQL_THREAD"));
  EXPECT_THAT(throttle.Check(*primary_),
              IsOkAndHolds(AllOf(HasSubstr(found),
                                 HasSubstr("Slave_SQL_Running is No"))));
  ASSERT_OK(replica_->Execute("START SLAVE SQL_THREAD"));
  EXPECT_THAT(throttle.Check(*primary_), IsOkAndHolds(""));
  ASSERT_OK(primary_->Execute("CREATE DATABASE IF NOT EXISTS found"));
  ASSERT_OK(primary_->Execute(
      "CREATE TABLE IF NOT EXISTS found.t (id INT AUTO_INCREMENT PRIMARY "
      "KEY)"));
  ASSERT_OK(replica_->Execute("STOP SLAVE IO_THREAD"));
  // The server notices a replica gone when it next sends it an event.
  ASSERT_OK(WaitFor(
      Clock::Real(), "the replica to leave SHOW SLAVE HOSTS",
      [&]() -> absl::StatusOr<bool> {
        SC_RETURN_IF_ERROR(
            primary_->Execute("INSERT INTO found.t VALUES ()").status());
        SC_ASSIGN_OR_RETURN(mysql::Result hosts,
                            primary_->Execute("SHOW SLAVE HOSTS"));
        return hosts.rows.empty();
      }));
  EXPECT_THAT(throttle.Check(*primary_),
              IsOkAndHolds(AllOf(HasSubstr(found),
                                 HasSubstr("Slave_IO_Running is No"))));
  ASSERT_OK(replica_->Execute("START SLAVE IO_THREAD"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the copies to go on", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::string reason, throttle.Check(*primary_));
        return reason.empty();
      }));
  ASSERT_OK(WaitReplica());
}

//
// The plan replays idempotently (the key is dst's only unique index), so
// its chunks commit at once, their position left where the last catch-up
// put it, and are caught up every copy_catchup_interval rather than
// before and inside each chunk: the replay from that position (of changes
// the chunks saw already, too) must leave both servers exact.
TEST_F(StatementCopyTest, ReplicaReplaysTheCopyStatementsExactly) {
  ASSERT_OK_AND_ASSIGN(auto from, testing::BinlogEnd(*primary_));
  options_.copy_catchup_interval = absl::Milliseconds(100);
  ::testing::internal::CaptureStderr();
  CopyUnderWrites("s1",
                  "id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT "
                  "NULL, val INT, ts TIMESTAMP(3) NOT NULL DEFAULT "
                  "CURRENT_TIMESTAMP(3), x INT NOT NULL DEFAULT 7",
                  "select * from src");
  const std::string stderr_log = ::testing::internal::GetCapturedStderr();
  if (HasFatalFailure()) return;
  int chunks = 0;
  int catchups = 0;
  ASSERT_TRUE(RE2::PartialMatch(
      stderr_log, R"(copied dst in \S+: (\d+) chunks .*, (\d+) catch-ups)",
      &chunks, &catchups))
      << stderr_log;
  EXPECT_GE(chunks, 10);
  EXPECT_LE(catchups, chunks / 2) << stderr_log;
  // The chunks went to the binlog as statements (20k rows, <= 2000 each).
  ASSERT_OK_AND_ASSIGN(CopyLog log, ReadCopyLog("s1", from));
  EXPECT_GE(log.statements, 10);
  // Only the chunks: the tail after them logs rows again.
  EXPECT_TRUE(log.rows_after);
  const std::string cols = "id, name, IFNULL(val, 'N'), ts, x";
  ASSERT_OK_AND_ASSIGN(std::string src, Checksum(*primary_, "s1.src",
                                                 "id, name, IFNULL(val, 'N'), "
                                                 "ts, 7"));
  ASSERT_OK_AND_ASSIGN(std::string dst, Checksum(*primary_, "s1.dst", cols));
  EXPECT_EQ(dst, src);
  ASSERT_OK(WaitReplica());
  ASSERT_OK_AND_ASSIGN(std::string replica_dst,
                       Checksum(*replica_, "s1.dst", cols));
  EXPECT_EQ(replica_dst, dst);
}

// A chunk's transaction logs its own bookkeeping as statements too
// (`UPDATE _vt.vreplication SET pos = ...`, the XA watch's `prepared`):
// they name a source table called like one of their columns, but change
// only _vt, and the copy goes on (it stopped as "logged as a statement").
TEST_F(StatementCopyTest, ASourceNamedLikeABookkeepingColumnCopies) {
  for (const char* source : {"pos", "prepared"}) {
    SCOPED_TRACE(source);
    const std::string db = absl::StrCat("s5", source);
    ASSERT_OK_AND_ASSIGN(auto from, testing::BinlogEnd(*primary_));
    const std::string cols =
        "id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, val "
        "INT, ts TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)";
    CopyUnderWrites(db, cols, absl::StrCat("select * from ", source), source);
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(CopyLog log, ReadCopyLog(db, from));
    EXPECT_GE(log.statements, 10);
    const std::string read = "id, name, IFNULL(val, 'N'), ts";
    ASSERT_OK_AND_ASSIGN(
        std::string want,
        Checksum(*primary_, absl::StrCat(db, ".", source), read));
    ASSERT_OK_AND_ASSIGN(std::string got,
                         Checksum(*primary_, absl::StrCat(db, ".dst"), read));
    EXPECT_EQ(got, want);
  }
}

// Another workflow's statement-logged chunks name the columns they copy
// (here `user`, like this workflow's source table) and read their own
// source, but write only their shadow: this workflow, tailing meanwhile,
// goes on (it stopped for good as "logged as a statement").
TEST_F(StatementCopyTest, AnotherWorkflowsChunksNamingASourceDoNotStopIt) {
  ASSERT_OK(primary_->Execute("CREATE DATABASE s6"));
  for (const char* sql : {
           "CREATE TABLE s6.user (id INT PRIMARY KEY, v INT)",
           "CREATE TABLE s6.user_dst (id INT PRIMARY KEY, v INT)",
           "CREATE TABLE s6.orders (id INT PRIMARY KEY, user INT, v INT)",
           "CREATE TABLE s6.dst (id INT PRIMARY KEY, user INT, v INT)",
           "INSERT INTO s6.user SELECT seq, seq FROM s6.seq_1_to_100",
           "INSERT INTO s6.orders SELECT seq, seq % 100, seq FROM "
           "s6.seq_1_to_20000",
       }) {
    ASSERT_OK(primary_->Execute(sql));
  }
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  auto rule = [](const char* match, const char* filter) {
    binlogdata::BinlogSource source;
    binlogdata::Rule* r = source.mutable_filter()->add_rules();
    r->set_match(match);
    r->set_filter(filter);
    return source;
  };
  ASSERT_OK_AND_ASSIGN(
      int64_t users,
      engine.Create("wf_s6u", rule("user_dst", "select * from user"), "s6", 0));
  ASSERT_OK(WaitCaughtUp(*primary_, users, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(auto from, testing::BinlogEnd(*primary_));
  ASSERT_OK_AND_ASSIGN(
      int64_t orders,
      engine.Create("wf_s6o", rule("dst", "select * from orders"), "s6", 0));
  ASSERT_OK(WaitCaughtUp(*primary_, orders, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(CopyLog log, ReadCopyLog("s6", from));
  EXPECT_GE(log.statements, 10);
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(users));
  EXPECT_EQ(row.state, kStateRunning) << row.message;
  ASSERT_OK(primary_->Execute("UPDATE s6.user SET v = -v WHERE id <= 10"));
  ASSERT_OK(WaitCaughtUp(*primary_, users, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want,
                       Checksum(*primary_, "s6.user", "id, v"));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       Checksum(*primary_, "s6.user_dst", "id, v"));
  EXPECT_EQ(got, want);
  ASSERT_OK_AND_ASSIGN(want, Checksum(*primary_, "s6.orders", "id, user, v"));
  ASSERT_OK_AND_ASSIGN(got, Checksum(*primary_, "s6.dst", "id, user, v"));
  EXPECT_EQ(got, want);
  ASSERT_OK(engine.Stop(users));
  ASSERT_OK(engine.Stop(orders));
}

TEST_F(StatementCopyTest, CopiesAsRowsWhereAStatementCouldDiffer) {
  // A default the replica would compute anew.
  ::testing::internal::CaptureStderr();
  ASSERT_OK_AND_ASSIGN(auto from, testing::BinlogEnd(*primary_));
  CopyUnderWrites("s2",
                  "id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT "
                  "NULL, val INT, ts TIMESTAMP(3) NOT NULL DEFAULT "
                  "CURRENT_TIMESTAMP(3), u CHAR(36) NOT NULL DEFAULT (UUID())",
                  "select * from src");
  // A computed column.
  ASSERT_OK_AND_ASSIGN(auto from3, testing::BinlogEnd(*primary_));
  CopyUnderWrites("s3",
                  "id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, val INT, "
                  "ts TIMESTAMP(3) NOT NULL",
                  "select id, upper(name) as name, val, ts from src");
  const std::string log = ::testing::internal::GetCapturedStderr();
  if (HasFatalFailure()) return;
  EXPECT_THAT(log, HasSubstr("copying dst as rows in the binlog: column u has "
                             "the default expression uuid()"));
  EXPECT_THAT(log, HasSubstr("copying dst as rows in the binlog: column name "
                             "is computed: upper(name)"));
  ASSERT_OK_AND_ASSIGN(CopyLog s2, ReadCopyLog("s2", from));
  EXPECT_EQ(s2.statements, 0);
  ASSERT_OK_AND_ASSIGN(CopyLog s3, ReadCopyLog("s3", from3));
  EXPECT_EQ(s3.statements, 0);
  // Rows in the binlog: the replica holds the primary's UUIDs.
  ASSERT_OK(WaitReplica());
  for (const char* table : {"s2.dst", "s3.dst"}) {
    const std::string cols = absl::StartsWith(table, "s2")
                                 ? "id, name, IFNULL(val, 'N'), ts, u"
                                 : "id, name, IFNULL(val, 'N'), ts";
    ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*primary_, table, cols));
    ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*replica_, table, cols));
    EXPECT_EQ(got, want) << table;
  }
  ASSERT_OK_AND_ASSIGN(
      std::string src,
      Checksum(*primary_, "s3.src", "id, UPPER(name), IFNULL(val, 'N'), ts"));
  ASSERT_OK_AND_ASSIGN(
      std::string dst,
      Checksum(*primary_, "s3.dst", "id, name, IFNULL(val, 'N'), ts"));
  EXPECT_EQ(dst, src);
}

// A chunk's own catch-up writes to every table of the workflow inside the
// chunk's statement-logged transaction: one table a statement could not
// replay alike keeps the whole workflow's copy in rows.
TEST_F(StatementCopyTest, EveryTableOfTheWorkflowMustReplayAlike) {
  ASSERT_OK(primary_->Execute("CREATE DATABASE s4"));
  for (const char* t : {"src", "src2", "dst"}) {
    ASSERT_OK(primary_->Execute(
        absl::StrCat("CREATE TABLE s4.", t, " (id INT PRIMARY KEY, v INT)")));
  }
  ASSERT_OK(
      primary_->Execute("CREATE TABLE s4.dst2 (id INT PRIMARY KEY, v INT, "
                        "u CHAR(36) NOT NULL DEFAULT (UUID()))"));
  for (const char* t : {"src", "src2"}) {
    ASSERT_OK(primary_->Execute(absl::StrCat(
        "INSERT INTO s4.", t, " SELECT seq, seq FROM s4.seq_1_to_3000")));
  }
  ::testing::internal::CaptureStderr();
  ASSERT_OK_AND_ASSIGN(auto from, testing::BinlogEnd(*primary_));
  {
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    binlogdata::BinlogSource source;
    binlogdata::Rule* r = source.mutable_filter()->add_rules();
    r->set_match("dst");
    r->set_filter("select * from src");
    r = source.mutable_filter()->add_rules();
    r->set_match("dst2");
    r->set_filter("select * from src2");
    ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf_s4", source, "s4", 0));
    ASSERT_OK(WaitCaughtUp(*primary_, id, absl::Seconds(60)));
    ASSERT_OK(engine.Stop(id));
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("copying dst as rows in the binlog: its chunks' "
                             "catch-up also writes to dst2: column u has the "
                             "default expression uuid()"));
  ASSERT_OK_AND_ASSIGN(CopyLog copied, ReadCopyLog("s4", from));
  EXPECT_EQ(copied.statements, 0);
  ASSERT_OK_AND_ASSIGN(std::string want,
                       Checksum(*primary_, "s4.src", "id, v"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*primary_, "s4.dst", "id, v"));
  EXPECT_EQ(got, want);
}

// A table in a foreign key between the workflow's tables (here its own)
// is copied without checks, its chunks prefixed with SET STATEMENT
// foreign_key_checks = 0: copied as rows. Logged as statements, the
// catch-up read the chunks back as a write to the source it could not
// replay, and the copy failed.
TEST_F(StatementCopyTest, ATableInAForeignKeyCopiesAsRows) {
  ASSERT_OK(primary_->Execute("CREATE DATABASE s7"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(primary_->Execute(absl::StrCat(
        "CREATE TABLE s7.", t, " (id INT PRIMARY KEY, up INT, CONSTRAINT ", t,
        "_up FOREIGN KEY (up) REFERENCES s7.", t, " (id))")));
  }
  ASSERT_OK(primary_->Execute(
      "INSERT INTO s7.src SELECT seq, NULLIF(seq - 1, 0) FROM "
      "s7.seq_1_to_3000"));
  ::testing::internal::CaptureStderr();
  {
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    binlogdata::BinlogSource source;
    binlogdata::Rule* r = source.mutable_filter()->add_rules();
    r->set_match("dst");
    r->set_filter("select * from src");
    ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf_s7", source, "s7", 0));
    EXPECT_OK(WaitCaughtUp(*primary_, id, absl::Seconds(60)));
    ASSERT_OK(engine.Stop(id));
  }
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("copying dst as rows in the binlog: it copies "
                             "without foreign key checks"));
  ASSERT_OK_AND_ASSIGN(std::string want,
                       Checksum(*primary_, "s7.src", "id, IFNULL(up, 'N')"));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       Checksum(*primary_, "s7.dst", "id, IFNULL(up, 'N')"));
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
