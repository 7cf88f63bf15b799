// Online DDL on a real MariaDB: ALTERs through a shadow table under live
// writes (checksummed), cut-over stall, immediate operations, commands, bad
// input, restart and table GC.
#include "onlineddl/executor.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/quoting.h"
#include "mysql/server_thread.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/lock_waiters.h"
#include "onlineddl/table_gc.h"
#include "onlineddl/testing/executor_fixture.h"
#include "tests/harness/instance_connection.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/testing/vr_test_util.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using vreplication::testing::Checksum;
using vreplication::testing::Writer;

class ExecutorTest : public testing::ExecutorFixture {
 protected:
  // Table `wide` (100k rows of two CHAR(40), key ab (a, b)): seconds of
  // comparing with WideOptions, and an index build long enough to watch.
  void CreateWide() {
    ASSERT_OK(conn_->Execute(
        "CREATE TABLE wide (id INT PRIMARY KEY, a CHAR(40) NOT NULL, b "
        "CHAR(40) NOT NULL, KEY ab (a, b)) CHARACTER SET latin1"));
    ASSERT_OK(conn_->Execute(
        "INSERT INTO wide SELECT seq, MD5(seq), MD5(seq + 1) FROM "
        "seq_1_to_100000"));
  }
  ExecutorOptions WideOptions() {
    ExecutorOptions o = Options();
    o.verify_chunk_rows = 100;  // seconds of comparing
    o.workflow.copy_batch_rows = 20000;
    o.tick = absl::Milliseconds(10);  // sees the stages as they change
    return o;
  }
  // Starts the executor with `o` and submits ALTER TABLE wide ADD COLUMN x
  // with its completion postponed; the UUIDs.
  absl::StatusOr<std::vector<std::string>> AlterWide(const ExecutorOptions& o) {
    StartExecutor(o);
    return executor_->Submit("ALTER TABLE wide ADD COLUMN x INT",
                             "vitess --postpone-completion", "");
  }
  // Waits until migration `uuid`'s cut-over was refused; the migration then.
  Migration WaitCutOverRefused(const std::string& uuid) {
    Migration held;
    EXPECT_OK(WaitFor(Clock::Real(), "the cut-over to be refused",
                      [&]() -> absl::StatusOr<bool> {
                        SC_ASSIGN_OR_RETURN(held, executor_->Get(uuid));
                        return absl::StrContains(held.message,
                                                 "cut-over refused");
                      }));
    return held;
  }
  // The old table (the migration's artifact) and `users` hold the same rows
  // (id, name, val): nothing was lost across the copy and the cut-over.
  void ExpectArtifactHoldsTheSameUsers(const Migration& m) {
    const std::string artifact = FirstArtifact(m);
    ASSERT_OK_AND_ASSIGN(
        std::string before,
        Checksum(*conn_, Qualified(artifact), "id, name, val"));
    ASSERT_OK_AND_ASSIGN(std::string after,
                         Checksum(*conn_, Qualified("users"), "id, name, val"));
    EXPECT_EQ(before, after);
  }
  // `users` (100 rows) and a postponed ALTER adding x to it, ready to
  // complete, with the executor started; its UUID.
  std::string ReadyAlterOfUsers() {
    CreateUsers(100);
    StartExecutor();
    absl::StatusOr<std::vector<std::string>> u =
        executor_->Submit("ALTER TABLE users ADD COLUMN x INT",
                          "vitess --postpone-completion", "");
    EXPECT_OK(u.status());
    if (!u.ok()) return "";
    EXPECT_OK(WaitReadyToComplete((*u)[0]));
    return (*u)[0];
  }
  // Writes row 5000 to `users` and expects it not to reach `shadow` (a
  // migration's) within a second: no stream runs (`why` if one does). The
  // query counting it there.
  std::string ExpectNoStreamCarriesANewRow(const std::string& shadow,
                                           const std::string& why) {
    EXPECT_OK(conn_->Execute(
        "INSERT INTO users (id, name, val) VALUES (5000, 'held', 1)"));
    const std::string copied =
        absl::StrCat("SELECT COUNT(*) FROM ", shadow, " WHERE id = 5000");
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(Value(copied), "0") << why;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return copied;
  }
  void CreateUsers(int rows) {
    ASSERT_OK(conn_
                  ->Execute("CREATE TABLE users (id INT PRIMARY KEY "
                            "AUTO_INCREMENT, name VARCHAR(64) NOT NULL, val "
                            "INT, title VARCHAR(32) DEFAULT 'mr', KEY (val))")
                  .status());
    ASSERT_OK(conn_
                  ->Execute(absl::StrCat(
                      "INSERT INTO users (name, val) SELECT "
                      "CONCAT('user', seq), seq % 1000 FROM seq_1_to_",
                      rows))
                  .status());
  }
};

// `expr` over the indexes recorded as deferred for migration `uuid`.
absl::StatusOr<std::string> Deferred(mysql::Connection& conn,
                                     const std::string& uuid,
                                     const std::string& expr) {
  return mysql::QueryValue(
      conn, absl::StrCat("SELECT ", expr,
                         " FROM _vt.sidecut_deferred_indexes WHERE "
                         "migration_uuid = '",
                         uuid, "'"));
}

TEST_F(ExecutorTest, AlterUnderWritesKeepsEveryRow) {
  CreateUsers(20000);
  ExecutorOptions o = Options();
  o.defer_secondary_indexes = false;  // the shadow keeps its index throughout
  // A new snapshot every chunk of the verification, under the writes.
  o.verify_chunk_rows = 3000;
  o.verify_snapshot_life = absl::ZeroDuration();
  StartExecutor(o);
  Writer writer(harness::ConnectParamsFor(*instance_), Qualified("users"),
                25000, 500);
  writer.Start();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> uuids,
      executor_->Submit("ALTER TABLE users ADD COLUMN extra INT NOT NULL "
                        "DEFAULT 7, MODIFY name VARCHAR(100) NOT NULL",
                        "vitess --postpone-completion", "ctx1"));
  ASSERT_EQ(uuids.size(), 1u);
  const std::string uuid = uuids[0];
  ASSERT_OK(WaitReadyToComplete(uuid));
  Migration running = *executor_->Get(uuid);
  EXPECT_EQ(running.status, kStatusRunning);
  // Ready only once the shadow was compared with the table under the
  // writes (VerifyShadow).
  EXPECT_THAT(running.stage,
              ContainsRegex("ready to complete \\(copy verified: 2[0-9]{4} "
                            "rows \\(([4-9]|1[0-9]) snapshots\\)\\)"));
  ASSERT_OK_AND_ASSIGN(std::string deferred,
                       Deferred(*conn_, uuid, "COUNT(*)"));
  EXPECT_EQ(deferred, "0");
  ASSERT_OK_AND_ASSIGN(
      std::string dropped,
      mysql::QueryValue(
          *conn_,
          "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
          "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_vt\\_%' "
          "AND TABLE_NAME NOT IN (SELECT TABLE_NAME FROM "
          "information_schema.STATISTICS WHERE TABLE_SCHEMA = "
          "DATABASE() AND INDEX_NAME = 'val')"));
  EXPECT_EQ(dropped, "0");
  EXPECT_EQ(running.progress, 100);
  EXPECT_GE(running.rows_copied, 20000);
  EXPECT_EQ(running.ddl_action, "alter");
  // Writes enough to matter, through the copy and the tail that follows
  // (a fast machine copies 20k rows in a fraction of a second).
  ASSERT_OK(WaitFor(
      Clock::Real(), "the writer's first 100 statements",
      [&]() -> absl::StatusOr<bool> { return writer.statements() > 100; },
      WaitOptions{.timeout = absl::Seconds(60)}));
  // Stop the writes so the old table (kept as the artifact) and the new one
  // can be compared after the cut-over.
  ASSERT_OK(writer.Stop());
  EXPECT_GT(writer.statements(), 100);
  ASSERT_OK_AND_ASSIGN(int n, executor_->Complete(uuid));
  EXPECT_EQ(n, 1);
  Migration m = WaitStatus(uuid, kStatusComplete);
  EXPECT_THAT(m.stage, HasSubstr("writes stalled"));
  ASSERT_FALSE(m.artifacts.empty());
  ExpectArtifactHoldsTheSameUsers(m);
  ASSERT_OK_AND_ASSIGN(std::string extra,
                       mysql::QueryValue(*conn_,
                                         "SELECT COUNT(*) FROM users "
                                         "WHERE extra <> 7"));
  EXPECT_EQ(extra, "0");
}

TEST_F(ExecutorTest, CutOverUnderWritesStallsBrieflyAndNoWriteFails) {
  CreateUsers(5000);
  StartExecutor();
  Writer writer(harness::ConnectParamsFor(*instance_), Qualified("users"), 6000,
                500);
  writer.Start();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> uuids,
      executor_->Submit("ALTER TABLE users ADD KEY name_idx (name)", "vitess",
                        ""));
  Migration m = WaitStatus(uuids[0], kStatusComplete);
  ASSERT_OK(writer.Stop());  // any failed write is an error here
  EXPECT_EQ(m.cutover_attempts, 1);
  ASSERT_OK_AND_ASSIGN(
      std::string create,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema."
                        "STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                        "AND TABLE_NAME = 'users' AND INDEX_NAME = "
                        "'name_idx'"));
  EXPECT_NE(create, "0");
  std::cerr << "cut-over stage: " << m.stage << "\n";
}

// Not beside a replica: a read_only server (the user's SUPER would pass
// it) gets no migrations and no table GC from this daemon.
TEST_F(ExecutorTest, RefusesToRunBesideAReadOnlyServer) {
  ASSERT_OK(conn_->Execute("SET GLOBAL read_only = 1"));
  absl::StatusOr<std::unique_ptr<Executor>> e =
      Executor::Start(Options(), Clock::Real());
  ASSERT_OK(conn_->Execute("SET GLOBAL read_only = 0"));
  EXPECT_THAT(e.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                   HasSubstr("read_only")));
  StartExecutor();
}

// A primary demoted while its daemon runs (read_only on): the streams stop
// (with SUPER they would go on writing on a replica) and migrations wait;
// writable again, they go on where they were, nothing lost.
TEST_F(ExecutorTest, ADemotedServerPausesItsMigrations) {
  CreateUsers(1000);
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("ALTER TABLE users ADD COLUMN note INT",
                                "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK_AND_ASSIGN(Migration ready, executor_->Get(u[0]));
  const std::string shadow = Qualified(FirstArtifact(ready));
  struct Writable {  // whatever the test's outcome
    mysql::Connection* conn;
    ~Writable() { conn->Execute("SET GLOBAL read_only = 0").IgnoreError(); }
  } writable{conn_.get()};
  ASSERT_OK(conn_->Execute("SET GLOBAL read_only = 1"));
  // Root passes read_only; nothing carries the row to the shadow, not
  // even a stream a command starts (a throttle ratio below 1 restarts
  // it: refused, as commands that write are), and no cut-over is
  // prepared.
  ASSERT_OK(executor_->Tick());  // a round that notices read_only
  EXPECT_THAT(executor_->Throttle(u[0], 0.5),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("read_only")));
  EXPECT_THAT(executor_->PrepareCutOver(u[0], absl::Seconds(5), false,
                                        absl::InfiniteFuture()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("read_only")));
  // Commands that write are refused: on a replica their writes (a
  // cancel's DDL on the shadow among them) are errant transactions.
  EXPECT_THAT(executor_->Cancel(u[0]),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("read_only")));
  EXPECT_THAT(
      executor_->Submit("ALTER TABLE users ADD COLUMN more INT", "vitess", ""),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("read_only")));
  EXPECT_THAT(executor_->Submit("CREATE TABLE demoted (id INT PRIMARY KEY)",
                                "direct", ""),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("read_only")));
  EXPECT_FALSE(HasTable("demoted"));
  const std::string copied = ExpectNoStreamCarriesANewRow(
      shadow, "a stream writes on a read_only server");
  ASSERT_OK(conn_->Execute("SET GLOBAL read_only = 0"));
  ASSERT_OK(executor_->Throttle(u[0], 0).status());
  ASSERT_OK(WaitFor(
      Clock::Real(), "the row in the shadow", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::string n, mysql::QueryValue(*conn_, copied));
        return n == "1";
      }));
  ASSERT_OK(executor_->Complete(u[0]).status());
  Migration done = WaitStatus(u[0], kStatusComplete);
  ExpectArtifactHoldsTheSameUsers(done);
}

TEST_F(ExecutorTest, BadInputIsRefusedOrFailsCleanly) {
  CreateUsers(100);
  ASSERT_OK(conn_->Execute("CREATE TABLE nokey (a INT, b INT)").status());
  ASSERT_OK(conn_->Execute("INSERT INTO nokey VALUES (1, 1), (1, 2)").status());
  StartExecutor();
  EXPECT_THAT(executor_->Submit("ALTER TABLE users ADD COLUMN", "vitess", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("syntax error at position")));
  EXPECT_THAT(executor_->Submit("ALTER TABLE users RENAME TO u2", "vitess", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("RENAME is not supported")));
  EXPECT_THAT(
      executor_->Submit("ALTER TABLE users ADD x INT", "vitess --bogus", ""),
      StatusIs(absl::StatusCode::kInvalidArgument));
  // Names of artifact tables: one created would be dropped by table GC,
  // one altered may be a revert's old table.
  const std::string artifact =
      "_vt_drp_0123456789abcdef0123456789abcdef_"
      "20300101000000_";
  for (const char* strategy : {"vitess", "direct", "mysql"}) {
    EXPECT_THAT(executor_->Submit(absl::StrCat("CREATE TABLE ", artifact,
                                               " (id INT PRIMARY KEY)"),
                                  strategy, ""),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("table GC would drop it")))
        << strategy;
  }
  EXPECT_THAT(executor_->Submit(
                  "CREATE TABLE `_vt_vrp_0123456789abcdef0123456789abcdef_"
                  "20300101000000_` (id INT PRIMARY KEY)",
                  "vitess --declarative", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // In another letter case too: a server with lower_case_table_names
  // stores it lower-cased, as an artifact's name.
  EXPECT_THAT(executor_->Submit(
                  "CREATE TABLE `_VT_Drp_0123456789ABCDEF0123456789abcdef_"
                  "20300101000000_` (id INT PRIMARY KEY)",
                  "vitess", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("table GC would drop it")));
  EXPECT_FALSE(HasTable(artifact));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("CREATE TABLE ", artifact, " (id INT PRIMARY KEY)")));
  EXPECT_THAT(executor_->Submit(
                  absl::StrCat("ALTER TABLE ", artifact, " ADD COLUMN x INT"),
                  "vitess", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("artifact of an online DDL migration")));
  ASSERT_OK(
      executor_->Submit(absl::StrCat("DROP TABLE ", artifact), "direct", "")
          .status());
  EXPECT_FALSE(HasTable(artifact));
  // A name merely like one is a table like any other.
  ASSERT_OK_AND_ASSIGN(
      auto like, executor_->Submit("CREATE TABLE _vt_drp_mine (id INT PRIMARY "
                                   "KEY)",
                                   "vitess", ""));
  WaitStatus(like[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string before,
                       Checksum(*conn_, "users", "id, name, val, title"));
  // No usable key.
  ASSERT_OK_AND_ASSIGN(
      auto u1, executor_->Submit("ALTER TABLE nokey ADD c INT", "vitess", ""));
  Migration f1 = WaitStatus(u1[0], kStatusFailed);
  EXPECT_THAT(f1.message, HasSubstr("found no possible unique key"));
  // A unique key the rows violate.
  ASSERT_OK_AND_ASSIGN(auto u2,
                       executor_->Submit("ALTER TABLE users ADD UNIQUE KEY "
                                         "(title)",
                                         "vitess", ""));
  Migration f2 = WaitStatus(u2[0], kStatusFailed);
  EXPECT_THAT(f2.message, HasSubstr("Duplicate entry"));
  // DROP of a missing table.
  ASSERT_OK_AND_ASSIGN(auto u3,
                       executor_->Submit("DROP TABLE missing", "vitess", ""));
  Migration f3 = WaitStatus(u3[0], kStatusFailed);
  EXPECT_THAT(f3.message, HasSubstr("does not exist"));
  // A second migration on a table being migrated.
  ASSERT_OK_AND_ASSIGN(auto u4,
                       executor_->Submit("ALTER TABLE users ADD y INT",
                                         "vitess --postpone-completion", ""));
  EXPECT_THAT(executor_->Submit("ALTER TABLE users ADD z INT", "vitess", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already has a pending migration")));
  ASSERT_OK(executor_->Cancel(u4[0]).status());
  EXPECT_EQ(WaitStatus(u4[0], kStatusCancelled).status, kStatusCancelled);
  // A fixed UUID submitted again: the same request is a no-op (whatever
  // became of it), another one under that UUID is refused.
  ASSERT_OK_AND_ASSIGN(Migration cancelled, executor_->Get(u4[0]));
  EXPECT_THAT(executor_->Submit("ALTER TABLE users ADD y INT",
                                "vitess --postpone-completion", "", u4[0]),
              IsOkAndHolds(::testing::ElementsAre(u4[0])));
  EXPECT_THAT(
      executor_->Submit("ALTER TABLE users ADD w INT", "vitess", "", u4[0]),
      StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(
      executor_->Submit("ALTER TABLE users ADD y INT", "vitess", "", u4[0]),
      StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(Migration again, executor_->Get(u4[0]));
  EXPECT_EQ(again.status, kStatusCancelled);
  EXPECT_EQ(again.id, cancelled.id);
  // The original is intact and unchanged.
  ASSERT_OK_AND_ASSIGN(std::string after,
                       Checksum(*conn_, "users", "id, name, val, title"));
  EXPECT_EQ(before, after);
  ASSERT_OK_AND_ASSIGN(
      std::string cols,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema."
                        "COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                        "TABLE_NAME = 'users'"));
  EXPECT_EQ(cols, "4");
  // Commands refuse what does not apply: retry takes one UUID.
  EXPECT_THAT(executor_->Retry("all").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Migration still, executor_->Get(u4[0]));
  EXPECT_EQ(still.status, kStatusCancelled);
  EXPECT_THAT(executor_->Retry(u4[0]).status(), IsOk());
  EXPECT_THAT(executor_->Complete("no-such-uuid").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

// A request whose deadline passed before it ran (its RPC waited for the
// executor; its controller gave up) submits nothing: a migration nobody
// knows of would be left.
TEST_F(ExecutorTest, ARequestPastItsDeadlineSubmitsNothing) {
  CreateUsers(10);
  StartExecutor();
  const absl::Time past = absl::Now() - absl::Seconds(1);
  for (const char* strategy : {"vitess", "direct"}) {
    EXPECT_THAT(executor_->Submit("ALTER TABLE users ADD COLUMN late INT",
                                  strategy, "", "", past),
                StatusIs(absl::StatusCode::kDeadlineExceeded))
        << strategy;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Migration> none, executor_->List(""));
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(HasColumn("users", "late"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN c INT", "vitess", "", "",
                        absl::Now() + absl::Minutes(1)));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_THAT(executor_->Revert(u[0], "", "", false, past),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  ASSERT_OK_AND_ASSIGN(std::vector<Migration> one, executor_->List(""));
  EXPECT_EQ(one.size(), 1u);
}

// On a server whose default character set is latin1 (MariaDB's own
// default; Debian's packages set utf8mb4), Sidecut's tables are utf8mb4
// all the same: a migration of a table named in Chinese is recorded and
// runs (its INSERT into a latin1 _vt.schema_migrations failed in strict
// mode, or stored '?').
TEST_F(ExecutorTest, ALatin1ServerRecordsUnicodeNames) {
  ASSERT_OK(conn_->Execute("CREATE TABLE `表` (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO `表` VALUES (1, 1), (2, 2)"));
  ASSERT_OK_AND_ASSIGN(
      std::string before,
      mysql::QueryValue(*conn_,
                        "SELECT CONCAT(@@GLOBAL.character_set_server, "
                        "',', @@GLOBAL.collation_server)"));
  const std::vector<std::string> was = absl::StrSplit(before, ',');
  ASSERT_EQ(was.size(), 2u);
  ASSERT_OK(conn_->Execute("SET GLOBAL character_set_server = latin1"));
  struct Restore {
    mysql::Connection* c;
    std::vector<std::string> was;
    ~Restore() {
      c->Execute(absl::StrCat("SET GLOBAL character_set_server = ", was[0],
                              ", GLOBAL collation_server = ", was[1]))
          .IgnoreError();
    }
  } restore{conn_.get(), was};
  ASSERT_OK(conn_->Execute("DROP DATABASE IF EXISTS _vt"));
  StartExecutor();
  EXPECT_EQ(Value("SELECT DEFAULT_CHARACTER_SET_NAME FROM "
                  "information_schema.SCHEMATA WHERE SCHEMA_NAME = '_vt'"),
            "utf8mb4");
  // A _vt made latin1 before (by another tool): the tables made in it are
  // utf8mb4 all the same (ones made latin1 before stay so).
  executor_.reset();
  ASSERT_OK(conn_->Execute("DROP DATABASE _vt"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE _vt CHARACTER SET latin1"));
  StartExecutor();
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = '_vt' AND TABLE_COLLATION NOT LIKE "
                  "'utf8mb4%'"),
            "0");
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE `表` ADD COLUMN w INT", "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(m.table, "表");
  EXPECT_TRUE(HasColumn("表", "w"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM `表`"), "2");
}

// An immediate operation that applied but could not be recorded complete
// (its session's UPDATE failed) is settled from what the server holds, as
// after a restart: a DROP that renamed its table away completes (it was
// failed with the table gone, and a retry said it did not exist).
TEST_F(ExecutorTest, AnAppliedImmediateOperationNotRecordedIsSettled) {
  ASSERT_OK(conn_->Execute("CREATE TABLE dropme (id INT PRIMARY KEY)"));
  auto failures = std::make_shared<std::atomic<int>>(0);
  ExecutorOptions o = Options();
  o.before_immediate_finish = [failures](const Migration&) {
    if (failures->fetch_add(1) > 0) return absl::OkStatus();
    return absl::UnavailableError("test: lost the record's UPDATE");
  };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("DROP TABLE dropme", "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusComplete);
  EXPECT_GE(failures->load(), 2);
  EXPECT_FALSE(HasTable("dropme"));
  ASSERT_FALSE(m.artifacts.empty());
  EXPECT_TRUE(HasTable(FirstArtifact(m)));
  // And it reverts, the table back.
  ASSERT_OK_AND_ASSIGN(std::string r, executor_->Revert(u[0], ""));
  WaitStatus(r, kStatusComplete);
  EXPECT_TRUE(HasTable("dropme"));
}

// A command whose deadline passed before it ran (its RPC waited for the
// executor; its caller gave up and was told the outcome is unknown) does
// nothing: it acted later, unknown to anyone.
TEST_F(ExecutorTest, ACommandPastItsDeadlineDoesNothing) {
  CreateUsers(10);
  StartExecutor();
  const absl::Time past = absl::Now() - absl::Seconds(1);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN c INT",
                                         "vitess --postpone-launch "
                                         "--postpone-completion",
                                         ""));
  const auto late = StatusIs(absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(executor_->Launch(u[0], past).status(), late);
  EXPECT_THAT(executor_->Cancel(u[0], past).status(), late);
  EXPECT_THAT(executor_->Complete(u[0], past).status(), late);
  EXPECT_THAT(
      executor_->Throttle(u[0], 1, absl::InfiniteDuration(), past).status(),
      late);
  EXPECT_THAT(
      executor_->SetCutOverThreshold(u[0], absl::Seconds(20), past).status(),
      late);
  EXPECT_THAT(executor_
                  ->ExecuteCommand(absl::StrCat("ALTER VITESS_MIGRATION '",
                                                u[0], "' CANCEL"),
                                   "", "", "", past)
                  .status(),
              late);
  EXPECT_THAT(
      executor_->ExecuteCommand("CANCEL DEPLOYMENT 'nope'", "", "", "", past)
          .status(),
      late);
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  EXPECT_THAT(m.status, ::testing::AnyOf(kStatusRequested, kStatusQueued));
  EXPECT_TRUE(m.postpone_launch);
  EXPECT_TRUE(m.postpone_completion);
  EXPECT_NE(m.cutover_threshold_seconds, 20);
  EXPECT_EQ(m.user_throttle_ratio, 0);
  // In time: done.
  const absl::Time soon = absl::Now() + absl::Minutes(1);
  EXPECT_THAT(executor_->Cancel(u[0], soon), IsOkAndHolds(1));
  WaitStatus(u[0], kStatusCancelled);
  EXPECT_THAT(executor_->Retry(u[0], past).status(), late);
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(u[0]));
  EXPECT_EQ(m.status, kStatusCancelled);
}

// A key column named with a comma (and one starting with a backtick,
// quoted too): the key's
// columns reach the copy as a comma-separated list, where "a,b" was split
// into two names that do not exist and the migration failed.
TEST_F(ExecutorTest, KeyColumnsNamedWithACommaOrABacktickAreIteratedOn) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE kc (`a,b` INT NOT NULL, ```y` INT NOT NULL, v INT, "
      "PRIMARY KEY (`a,b`, ```y`))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO kc SELECT seq, seq % 3, seq FROM seq_1_to_500"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE kc ADD COLUMN w INT", "vitess", ""));
  const Migration m = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM kc"), "500") << m.message;
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'kc' AND "
                  "COLUMN_NAME = 'w'"),
            "1");
}

// The unique keys an ALTER removes are those the table loses, as its
// revert would meet duplicates written meanwhile: one on a nullable column
// was left out (only keys a copy can iterate on were counted), and one
// replaced by a stricter key was counted; one on a column dropped and
// added again is removed.
TEST_F(ExecutorTest, EveryUniqueKeyRemovedIsRecorded) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE uk (id INT PRIMARY KEY, email VARCHAR(100) NULL, a INT "
      "NOT NULL, b INT NOT NULL, sku VARCHAR(10) NULL, UNIQUE KEY uk_email "
      "(email), UNIQUE KEY uk_ab (a, b), UNIQUE KEY uk_sku (sku))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO uk VALUES (1, 'x', 1, 1, 's'), (2, NULL, 2, 2, NULL), "
      "(3, NULL, 3, 3, NULL)"));
  StartExecutor();
  // A column dropped and added again under its name is a new one: its old
  // key is gone, though a key on a column of that name comes back.
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE uk DROP INDEX uk_email, DROP INDEX "
                        "uk_ab, ADD UNIQUE KEY uk_a (a), DROP COLUMN sku, "
                        "ADD COLUMN sku VARCHAR(10) NULL, ADD UNIQUE KEY "
                        "uk_new_sku (sku)",
                        "vitess", ""));
  const Migration m = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(m.removed_unique_keys, 2);
  EXPECT_EQ(m.removed_unique_key_names, "uk_email,uk_sku");
  EXPECT_THAT(m.revertible_notes, HasSubstr("unique key uk_email removed"));
  EXPECT_THAT(m.revertible_notes, HasSubstr("unique key uk_sku removed"));
  EXPECT_THAT(m.revertible_notes, Not(HasSubstr("uk_ab")));
}

// Column names compare without case for every letter, as MariaDB compares
// them: a column renamed by another case of its non-ASCII name keeps its
// values (it was taken as dropped: NULL in every row), and one dropped and
// added again by another case of its name is new (its old values were
// copied into it).
TEST_F(ExecutorTest, NonAsciiColumnNamesCompareWithoutCase) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE names (id INT PRIMARY KEY, "
                     "`Имя` VARCHAR(20), `Élan` INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO names VALUES (1, 'один', 10), (2, 'два', 20)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE names CHANGE `имя` `name` VARCHAR(20), "
                        "DROP COLUMN `élan`, ADD COLUMN `ÉLAN` INT",
                        "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id, ':', name, ':', IFNULL(`élan`, "
                  "'null') ORDER BY id) FROM names"),
            "1:один:null,2:два:null");
  // A MODIFY, or a CHANGE keeping the name, by another case of it: the
  // column keeps its values under the name as written.
  ASSERT_OK(conn_->Execute("UPDATE names SET `Élan` = id"));
  ASSERT_OK_AND_ASSIGN(
      u, executor_->Submit("ALTER TABLE names MODIFY `élan` BIGINT, CHANGE "
                           "`NAME` `NAME` VARCHAR(30)",
                           "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id, ':', name, ':', `élan` ORDER BY "
                  "id) FROM names"),
            "1:один:1,2:два:2");
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) "
                  "FROM information_schema.COLUMNS WHERE TABLE_NAME = 'names' "
                  "AND TABLE_SCHEMA = DATABASE()"),
            "id,NAME,élan");
}

// A versioned comment the server skips (above its version, or MySQL 5.7
// and 8's on MariaDB) is refused: the
// analysis read it, so the copy would have acted on a DROP COLUMN the
// shadow's ALTER skipped (the column's values lost). One the server runs
// is taken.
TEST_F(ExecutorTest, VersionedCommentsTheServerSkipsAreRefused) {
  ASSERT_OK(conn_->Execute("CREATE TABLE vc (id INT PRIMARY KEY, a INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO vc VALUES (1, 10)"));
  StartExecutor();
  EXPECT_THAT(executor_->Submit("ALTER TABLE vc ADD COLUMN x INT /*!990000 , "
                                "DROP COLUMN a */",
                                "vitess", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("versioned comment for version 990000")));
  ASSERT_OK_AND_ASSIGN(std::vector<Migration> none, executor_->List(""));
  EXPECT_TRUE(none.empty());
  // MariaDB skips MySQL 5.7 and 8's comments too.
  EXPECT_THAT(executor_->Submit("ALTER TABLE vc ADD COLUMN x INT /*!80016 , "
                                "DROP COLUMN a */",
                                "vitess", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("versioned comment for version 80016")));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE vc ADD COLUMN x INT /*!50699 , DROP "
                        "COLUMN a */ /*M!80000 , ADD COLUMN y INT */",
                        "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_FALSE(HasColumn("vc", "a"));
  EXPECT_TRUE(HasColumn("vc", "y"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM vc"), "1");
}

// A direct request whose second statement fails says the first was
// applied (it only gave the second's error, and the request sent again
// failed on the first).
TEST_F(ExecutorTest, ADirectRequestFailingHalfwaySaysWhatItApplied) {
  ASSERT_OK(conn_->Execute("CREATE TABLE half (id INT PRIMARY KEY)"));
  StartExecutor();
  EXPECT_THAT(executor_->Submit("ALTER TABLE half ADD COLUMN d1 INT; ALTER "
                                "TABLE missing_one ADD COLUMN d2 INT",
                                "direct", ""),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("missing_one ADD COLUMN d2 INT failed"),
                             HasSubstr("already applied, directly: ALTER "
                                       "TABLE half ADD COLUMN d1 INT"))));
  EXPECT_TRUE(HasColumn("half", "d1"));
}

// On a server not in UTC, the client's own statements (direct, an
// immediate CREATE) run in the server's time zone as its session would:
// a TIMESTAMP made DATETIME holds local times, a TIMESTAMP default literal
// is a local time. (They ran in the executor's UTC: shifted.)
TEST_F(ExecutorTest, ClientStatementsRunInTheServersTimeZone) {
  ASSERT_OK(conn_->Execute("SET SESSION time_zone = '+00:00'"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE tzd (id INT PRIMARY KEY, ts "
                     "TIMESTAMP NULL)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO tzd VALUES (1, '2020-01-01 00:00:00')"));
  ASSERT_OK_AND_ASSIGN(std::string global,
                       mysql::QueryValue(*conn_, "SELECT @@GLOBAL.time_zone"));
  ASSERT_OK(conn_->Execute("SET GLOBAL time_zone = '+02:00'"));
  struct Restore {
    mysql::Connection* c;
    std::string tz;
    ~Restore() {
      c->Execute(
           absl::StrCat("SET GLOBAL time_zone = ", mysql::QuoteString(tz)))
          .IgnoreError();
    }
  } restore{conn_.get(), global};
  StartExecutor();
  ASSERT_OK(
      executor_->Submit("ALTER TABLE tzd MODIFY ts DATETIME NULL", "direct", "")
          .status());
  EXPECT_EQ(Value("SELECT ts FROM tzd"), "2020-01-01 02:00:00");
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("CREATE TABLE tzc (id INT PRIMARY KEY, ts TIMESTAMP "
                        "NULL DEFAULT '2020-01-01 00:00:00')",
                        "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  // And an online ALTER's shadow (the ALTER runs there).
  ASSERT_OK_AND_ASSIGN(
      u, executor_->Submit("ALTER TABLE tzd ADD COLUMN ts2 TIMESTAMP NULL "
                           "DEFAULT '2020-01-01 00:00:00'",
                           "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK(conn_->Execute("SET SESSION time_zone = '+02:00'"));
  EXPECT_EQ(Value("SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS "
                  "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tzc' "
                  "AND COLUMN_NAME = 'ts'"),
            "'2020-01-01 00:00:00'");
  EXPECT_EQ(Value("SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS "
                  "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tzd' "
                  "AND COLUMN_NAME = 'ts2'"),
            "'2020-01-01 00:00:00'");
  EXPECT_EQ(Value("SELECT ts2 FROM tzd"), "2020-01-01 00:00:00");
  ASSERT_OK(conn_->Execute("SET SESSION time_zone = '+00:00'"));
}

// A retried migration starts afresh: nothing of its failed run (its plan,
// message, progress) is taken for the new one's; kept launched later,
// it shows so until it runs, then applies.
TEST_F(ExecutorTest, ARetryForgetsTheFailedRun) {
  ASSERT_OK(conn_->Execute("CREATE TABLE rt (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO rt VALUES (1, 7), (2, 7), (3, 8)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE rt ADD UNIQUE KEY uv (v)", "mysql", ""));
  const Migration failed = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(failed.special_plan, HasSubstr("mysql-alter"));
  EXPECT_THAT(failed.message, HasSubstr("Duplicate"));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.schema_migrations SET postpone_launch = 1 WHERE "
                   "migration_uuid = ",
                   mysql::QuoteString(u[0]))));
  ASSERT_OK(executor_->Retry(u[0]).status());
  ASSERT_OK_AND_ASSIGN(Migration queued, executor_->Get(u[0]));
  EXPECT_EQ(queued.status, kStatusQueued);
  EXPECT_EQ(queued.special_plan, "");
  EXPECT_EQ(queued.message, "");
  EXPECT_EQ(queued.retries, 1);
  ASSERT_OK(conn_->Execute("UPDATE rt SET v = 9 WHERE id = 2"));
  ASSERT_OK(executor_->Launch(u[0]).status());
  const Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_THAT(done.special_plan, HasSubstr("mysql-alter"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'rt' AND "
                  "INDEX_NAME = 'uv'"),
            "1");
}

// MySQL's DROP CHECK name runs on MariaDB (which says DROP CONSTRAINT);
// a name that is not a CHECK constraint of the table fails clearly, the
// table untouched.
TEST_F(ExecutorTest, MysqlsDropCheckDropsACheckConstraint) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE ck (id INT PRIMARY KEY, i INT, KEY `k` (i), CONSTRAINT "
      "`Check_1` CHECK (i >= 0), CONSTRAINT `k` CHECK (i < 100), CONSTRAINT "
      "`c2` CHECK (i < 1000))"));
  ASSERT_OK(conn_->Execute("INSERT INTO ck VALUES (1, 1), (2, 2)"));
  StartExecutor();
  const std::string checks =
      "SELECT GROUP_CONCAT(CONSTRAINT_NAME ORDER BY CONSTRAINT_NAME) FROM "
      "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
      "DATABASE() AND TABLE_NAME = 'ck'";
  for (const char* bad : {"DROP CHECK `nope`", "DROP CHECK `k`"}) {
    ASSERT_OK_AND_ASSIGN(
        auto u,
        executor_->Submit(absl::StrCat("ALTER TABLE ck ", bad), "vitess", ""));
    Migration f = WaitStatus(u[0], kStatusFailed);
    EXPECT_THAT(f.message,
                HasSubstr(absl::StrCat(
                    bad, absl::EndsWith(bad, "`k`")
                             ? ": MariaDB drops CHECK constraints with DROP "
                               "CONSTRAINT, and that name is also an index"
                             : ": the table has no CHECK constraint")));
    EXPECT_EQ(Value(checks), "c2,Check_1,k");
  }
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("ALTER TABLE ck ADD COLUMN c INT, drop check "
                                "`check_1`",
                                "vitess", ""));
  EXPECT_EQ(WaitStatus(u[0], kStatusComplete).status, kStatusComplete);
  EXPECT_EQ(Value(checks), "c2,k");
  ASSERT_OK(conn_->Execute("INSERT INTO ck (id, i) VALUES (3, -1)"));
  // Instant too (--prefer-instant-ddl applies it to the table itself).
  ASSERT_OK_AND_ASSIGN(
      auto instant, executor_->Submit("ALTER TABLE ck DROP CHECK IF EXISTS c2",
                                      "vitess --prefer-instant-ddl", ""));
  EXPECT_EQ(WaitStatus(instant[0], kStatusComplete).status, kStatusComplete);
  EXPECT_EQ(Value(checks), "k");
}

// Foreign keys: a table that is a parent or child is refused, and so is an
// ALTER adding a foreign key (the shadow, a child, would fail the parent's
// deletes while it copies), unless --unsafe-allow-foreign-keys.
TEST_F(ExecutorTest, AlterAddingAForeignKeyIsRefused) {
  ASSERT_OK(conn_->Execute("CREATE TABLE fp (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE fc (id INT PRIMARY KEY, p INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO fp VALUES (1), (2)"));
  ASSERT_OK(conn_->Execute("INSERT INTO fc VALUES (1, 1), (2, 2)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("ALTER TABLE fc ADD CONSTRAINT fk FOREIGN KEY "
                                "(p) REFERENCES fp (id)",
                                "vitess", ""));
  Migration f = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(f.message, HasSubstr("adds a foreign key"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema."
                  "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                  "DATABASE()"),
            "0");
  // Nothing held the parent meanwhile.
  ASSERT_OK(conn_->Execute("DELETE FROM fp WHERE id = 2"));
  ASSERT_OK_AND_ASSIGN(
      auto allowed,
      executor_->Submit("ALTER TABLE fc ADD CONSTRAINT fk FOREIGN KEY (p) "
                        "REFERENCES fp (id)",
                        "vitess --unsafe-allow-foreign-keys", ""));
  Migration failed_on_rows = WaitStatus(allowed[0], kStatusFailed);
  EXPECT_THAT(failed_on_rows.message, HasSubstr("foreign key constraint"));
  ASSERT_OK(conn_->Execute("DELETE FROM fc WHERE id = 2"));
  ASSERT_OK(executor_->Retry(allowed[0]).status());
  WaitStatus(allowed[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema."
                  "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = 'fc'"),
            "1");
}

// With --unsafe-allow-foreign-keys an ALTER of a child keeps its foreign
// keys (CREATE ... LIKE copies none; they were lost at the swap), renamed
// (names are unique in a schema), following a renamed column; a later
// ALTER can drop them by their current names. A key referencing its own
// table is refused.
TEST_F(ExecutorTest, AnAllowedAlterOfAChildKeepsItsForeignKeys) {
  CreateParentAndChild("ON DELETE CASCADE");
  ASSERT_FALSE(HasFatalFailure());
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("ALTER TABLE fc ADD COLUMN x INT, CHANGE p "
                                "parent INT",
                                "vitess --unsafe-allow-foreign-keys", ""));
  WaitStatus(u[0], kStatusComplete);
  const std::string fks =
      "SELECT GROUP_CONCAT(CONCAT_WS(' ', k.CONSTRAINT_NAME, k.COLUMN_NAME, "
      "k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE)) "
      "FROM information_schema.KEY_COLUMN_USAGE k JOIN "
      "information_schema.REFERENTIAL_CONSTRAINTS r USING (CONSTRAINT_SCHEMA, "
      "CONSTRAINT_NAME) WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = "
      "'fc' AND r.TABLE_NAME = 'fc'";
  const std::string kept = Value(fks);
  EXPECT_THAT(
      kept, ::testing::MatchesRegex("fk_p_[0-9a-z]{25} parent fp id CASCADE"));
  // Enforced, and cascading, on the swapped-in table.
  ASSERT_OK(conn_->Execute("DELETE FROM fp WHERE id = 1"));
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id ORDER BY id) FROM fc"), "2,3");
  EXPECT_FALSE(
      conn_->Execute("INSERT INTO fc (id, parent) VALUES (9, 99)").ok());
  // Dropped by the name it has now.
  const std::string name = kept.substr(0, kept.find(' '));
  ASSERT_OK_AND_ASSIGN(
      auto dropped,
      executor_->Submit(absl::StrCat("ALTER TABLE fc DROP FOREIGN KEY ", name),
                        "vitess --unsafe-allow-foreign-keys", ""));
  WaitStatus(dropped[0], kStatusComplete);
  EXPECT_EQ(Value(fks), "");  // NULL: none
  ASSERT_OK(conn_->Execute("INSERT INTO fc (id, parent) VALUES (9, 99)"));

  ASSERT_OK(conn_->Execute(
      "CREATE TABLE tree (id INT PRIMARY KEY, up INT, KEY (up), FOREIGN KEY "
      "(up) REFERENCES tree (id))"));
  ASSERT_OK_AND_ASSIGN(
      auto self, executor_->Submit("ALTER TABLE tree ADD COLUMN x INT",
                                   "vitess --unsafe-allow-foreign-keys", ""));
  Migration f = WaitStatus(self[0], kStatusFailed);
  EXPECT_THAT(f.message, HasSubstr("references its own table"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tree'"),
            "2");
}

// The kept foreign keys on the shadow: the stream replays a child row whose
// parent is gone by then (parents are live, outside the stream), fails on
// the key and recovers, keeping every row; a cancelled migration's shadow loses
// them (they would fail the parent's deletes of rows it holds until GC); a key
// dropped and added again under its name gets a new one.
TEST_F(ExecutorTest, KeptForeignKeysSurviveAReplayedOrphanNotACancel) {
  CreateParentAndChild("");
  ASSERT_FALSE(HasFatalFailure());
  StartExecutor();
  const std::string strategy =
      "vitess --postpone-completion --unsafe-allow-foreign-keys";
  ASSERT_OK_AND_ASSIGN(
      auto u,
      executor_->Submit("ALTER TABLE fc ADD COLUMN y INT", strategy, ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  const std::string shadow = FirstArtifact(m);
  // The stream waits on a gap lock in the shadow while a child row comes
  // and goes and its parent is deleted.
  ASSERT_OK_AND_ASSIGN(auto blocker, harness::ConnectTo(*instance_));
  ASSERT_OK(blocker->Execute("BEGIN"));
  ASSERT_OK(blocker->Execute(absl::StrCat("SELECT * FROM ", Qualified(shadow),
                                          " WHERE id = 10 FOR UPDATE")));
  ASSERT_OK(conn_->Execute("INSERT INTO fp VALUES (10)"));
  ASSERT_OK(conn_->Execute("INSERT INTO fc VALUES (10, 10)"));
  // The stream read it and waits to apply it.
  ASSERT_OK(WaitFor(
      Clock::Real(), "the stream waiting on the gap lock",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(
            std::string waiting,
            mysql::QueryValue(*conn_,
                              "SELECT COUNT(*) FROM information_schema."
                              "INNODB_TRX WHERE trx_state = 'LOCK WAIT'"));
        return waiting != "0";
      },
      WaitOptions{.timeout = absl::Seconds(30)}));
  ASSERT_OK(conn_->Execute("DELETE FROM fc WHERE id = 10"));
  ASSERT_OK(conn_->Execute("DELETE FROM fp WHERE id = 10"));
  // The replayed insert fails on the key; the retry reads the delete too.
  ASSERT_OK(blocker->Execute("COMMIT"));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK(executor_->Complete(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id ORDER BY id) FROM fc"), "1,2,3");
  const std::string fk_count =
      "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS "
      "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ";
  EXPECT_EQ(Value(absl::StrCat(fk_count, "'fc'")), "1");

  // A cancelled migration's shadow drops the keys it was given and the one
  // its ALTER added (whose name the same ALTER, submitted again, needs).
  const std::string add_z =
      "ALTER TABLE fc ADD COLUMN z INT, ADD CONSTRAINT fk_z FOREIGN KEY (z) "
      "REFERENCES fp (id)";
  ASSERT_OK_AND_ASSIGN(auto c, executor_->Submit(add_z, strategy, ""));
  ASSERT_OK(WaitReadyToComplete(c[0]));
  ASSERT_OK_AND_ASSIGN(Migration cm, executor_->Get(c[0]));
  const std::string cancelled_shadow = FirstArtifact(cm);
  EXPECT_EQ(Value(absl::StrCat(fk_count, mysql::QuoteString(cancelled_shadow))),
            "2");
  ASSERT_OK(executor_->Cancel(c[0]).status());
  WaitStatus(c[0], kStatusCancelled);
  EXPECT_EQ(Value(absl::StrCat(fk_count, mysql::QuoteString(cancelled_shadow))),
            "0");
  // The old table of the completed migration keeps its key (a revert
  // swaps it back).
  EXPECT_EQ(Value(absl::StrCat(fk_count, mysql::QuoteString(shadow))), "1");

  const std::string name = Value(
      "SELECT CONSTRAINT_NAME FROM information_schema."
      "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND "
      "TABLE_NAME = 'fc'");
  ASSERT_OK_AND_ASSIGN(
      auto again,
      executor_->Submit(
          absl::StrCat("ALTER TABLE fc DROP FOREIGN KEY ", name,
                       ", ADD CONSTRAINT ", name,
                       " FOREIGN KEY (p) REFERENCES fp (id) ON DELETE CASCADE"),
          "vitess --unsafe-allow-foreign-keys", ""));
  WaitStatus(again[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT DELETE_RULE FROM information_schema."
                  "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                  "DATABASE() AND TABLE_NAME = 'fc'"),
            "CASCADE");
  // The cancelled ALTER, submitted again, adds its key under its name.
  ASSERT_OK_AND_ASSIGN(
      auto z,
      executor_->Submit(add_z, "vitess --unsafe-allow-foreign-keys", ""));
  WaitStatus(z[0], kStatusComplete);
  EXPECT_EQ(Value(absl::StrCat(fk_count, "'fc'")), "2");
}

TEST_F(ExecutorTest, CreateDropAndViewsAreImmediate) {
  CreateUsers(10);
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("CREATE TABLE t2 (id INT PRIMARY KEY); "
                                "CREATE VIEW v AS SELECT id, name FROM users",
                                "vitess", ""));
  ASSERT_EQ(u.size(), 2u);
  WaitStatus(u[0], kStatusComplete);
  WaitStatus(u[1], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      auto u2,
      executor_->Submit("ALTER VIEW v AS SELECT id FROM users", "vitess", ""));
  Migration av = WaitStatus(u2[0], kStatusComplete);
  EXPECT_TRUE(av.is_view);
  ASSERT_FALSE(av.artifacts.empty());
  // The old definition is kept as an artifact view.
  ASSERT_OK_AND_ASSIGN(
      std::string old_cols,
      mysql::QueryValue(*conn_,
                        absl::StrCat("SELECT COUNT(*) FROM "
                                     "information_schema.COLUMNS "
                                     "WHERE TABLE_SCHEMA = DATABASE() "
                                     "AND TABLE_NAME = ",
                                     mysql::QuoteString(av.artifacts))));
  EXPECT_EQ(old_cols, "2");
  // One the server refuses fails, the view as it was and no copy of it
  // left behind (one stayed for good, listed nowhere).
  const std::string copies =
      "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = "
      "DATABASE() AND TABLE_NAME LIKE '\\_vt\\_vrp\\_%'";
  ASSERT_OK_AND_ASSIGN(std::string copies_before,
                       mysql::QueryValue(*conn_, copies));
  ASSERT_OK_AND_ASSIGN(
      auto bad, executor_->Submit("ALTER VIEW v AS SELECT no_such_column "
                                  "FROM users",
                                  "vitess", ""));
  Migration refused = WaitStatus(bad[0], kStatusFailed);
  EXPECT_THAT(refused.message, HasSubstr("no_such_column"));
  EXPECT_EQ(refused.artifacts, "");
  EXPECT_THAT(mysql::QueryValue(*conn_, copies), IsOkAndHolds(copies_before));
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT COUNT(*) FROM information_schema."
                                "COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                                "TABLE_NAME = 'v'"),
              IsOkAndHolds("1"));
  ASSERT_OK_AND_ASSIGN(auto u3,
                       executor_->Submit("DROP TABLE t2", "vitess", ""));
  Migration dt = WaitStatus(u3[0], kStatusComplete);
  EXPECT_THAT(dt.artifacts, HasSubstr("_vt_hld_"));
  // Dropped = renamed to a hold table, data intact.
  ASSERT_OK_AND_ASSIGN(
      std::string held,
      mysql::QueryValue(*conn_,
                        absl::StrCat("SELECT COUNT(*) FROM "
                                     "information_schema.TABLES WHERE "
                                     "TABLE_SCHEMA = DATABASE() AND "
                                     "TABLE_NAME = ",
                                     mysql::QuoteString(dt.artifacts))));
  EXPECT_EQ(held, "1");
  EXPECT_THAT(conn_->Execute("SELECT * FROM t2").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

// An ALGORITHM=INSTANT ALTER (--prefer-instant-ddl) interrupted by a
// restart before its outcome was recorded: the table's definition tells
// whether it applied (it was failed as "workflow missing" before, and a
// retry then failed on the applied change).
TEST_F(ExecutorTest, AnInstantAlterInterruptedByARestartIsSettled) {
  ASSERT_OK(conn_->Execute("CREATE TABLE ia (id INT PRIMARY KEY)").status());
  ASSERT_OK(conn_->Execute("CREATE TABLE ib (id INT PRIMARY KEY)").status());
  StartExecutor();
  const std::string held = "vitess --prefer-instant-ddl --postpone-launch";
  ASSERT_OK_AND_ASSIGN(
      auto a, executor_->Submit("ALTER TABLE ia ADD COLUMN x INT", held, ""));
  ASSERT_OK_AND_ASSIGN(
      auto b, executor_->Submit("ALTER TABLE ib ADD COLUMN x INT", held, ""));
  executor_.reset();
  auto digest = [&](const std::string& table) {
    absl::StatusOr<mysql::Result> r =
        conn_->Execute(absl::StrCat("SHOW CREATE TABLE ", table));
    EXPECT_OK(r.status());
    absl::StatusOr<std::string> md5 = mysql::QueryValue(
        *conn_,
        absl::StrCat("SELECT MD5(",
                     mysql::QuoteString(r.ok() ? r->rows[0].Get(1) : ""), ")"));
    EXPECT_OK(md5.status());
    return md5.value_or("");
  };
  for (const auto& [uuid, table] : {std::make_pair(a[0], std::string("ia")),
                                    std::make_pair(b[0], std::string("ib"))}) {
    ASSERT_OK(conn_
                  ->Execute(absl::StrCat(
                      "UPDATE _vt.schema_migrations SET migration_status = "
                      "'running', stage = ",
                      mysql::QuoteString(absl::StrCat("applying: instant from ",
                                                      digest(table))),
                      " WHERE migration_uuid = ", mysql::QuoteString(uuid)))
                  .status());
  }
  ASSERT_OK(conn_
                ->Execute("ALTER TABLE ia ADD COLUMN x INT, "
                          "ALGORITHM=INSTANT")
                .status());
  StartExecutor();
  Migration applied = WaitStatus(a[0], kStatusComplete);
  EXPECT_EQ(applied.stage, "complete (INSTANT)");
  Migration not_applied = WaitStatus(b[0], kStatusFailed);
  EXPECT_THAT(not_applied.message, HasSubstr("nothing changed"));
  // The failed one retries and applies.
  ASSERT_OK(executor_->Retry(b[0]).status());
  ASSERT_OK(executor_->Launch(b[0]).status());
  WaitStatus(b[0], kStatusComplete);
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT COUNT(*) FROM information_schema."
                                "COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                                "TABLE_NAME = 'ib' AND COLUMN_NAME = 'x'"),
              IsOkAndHolds("1"));
}

// ALTER VITESS_MIGRATION ... CONTEXT acts on the members the command
// applies to and leaves the others (it stopped at the first member in
// another state, launching only some), also those it cannot move now
// (refused only if none could); an unknown context is an error,
// not "0 affected".
TEST_F(ExecutorTest, ContextCommandsActOnTheMembersTheyApplyTo) {
  ASSERT_OK(conn_->Execute("CREATE TABLE ca (id INT PRIMARY KEY)").status());
  ASSERT_OK(conn_->Execute("CREATE TABLE cb (id INT PRIMARY KEY)").status());
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE ca ADD x INT; ALTER TABLE cb ADD x INT",
                        "vitess --postpone-launch --postpone-completion "
                        "--allow-concurrent",
                        "ctx-a"));
  ASSERT_EQ(u.size(), 2u);
  ASSERT_OK(executor_->Launch(u[0]).status());
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK_AND_ASSIGN(mysql::Result launched,
                       executor_->ExecuteCommand(
                           "alter vitess_migration launch context 'ctx-a'"));
  EXPECT_EQ(launched.affected_rows, 1u);
  ASSERT_OK(WaitReadyToComplete(u[1]));
  EXPECT_THAT(executor_->ExecuteCommand(
                  "alter vitess_migration cancel context 'no-such'"),
              StatusIs(absl::StatusCode::kNotFound));
  // A member that cannot be cancelled now (prepared to cut over) is left:
  // the other is cancelled all the same (it stopped at the first refusal).
  ASSERT_OK(executor_->PrepareCutOver(u[0], absl::Seconds(30)));
  ASSERT_OK_AND_ASSIGN(mysql::Result cancelled,
                       executor_->ExecuteCommand(
                           "alter vitess_migration cancel context 'ctx-a'"));
  EXPECT_EQ(cancelled.affected_rows, 1u);
  WaitStatus(u[1], kStatusCancelled);
  // Refused when none could.
  EXPECT_THAT(executor_->ExecuteCommand(
                  "alter vitess_migration cancel context 'ctx-a'"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("prepared for a gated cut-over")));
  ASSERT_OK(executor_->AbortCutOver(u[0]));
  ASSERT_OK_AND_ASSIGN(cancelled,
                       executor_->ExecuteCommand(
                           "alter vitess_migration cancel context 'ctx-a'"));
  EXPECT_EQ(cancelled.affected_rows, 1u);
  WaitStatus(u[0], kStatusCancelled);
}

// VITESS_SHARDS: a tablet whose shard it does not list leaves the
// migration alone (it completed it); RATIO 0 does not throttle (it
// throttled fully); LIKE '' matches nothing (it showed every migration).
TEST_F(ExecutorTest, ShardListsRatiosAndEmptyPatternsAreHonoured) {
  CreateUsers(100);
  StartExecutor();  // shard "0"
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT",
                        "vitess --postpone-completion", "ctx-r"));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  const std::string alter = absl::StrCat("alter vitess_migration '", u[0], "'");
  ASSERT_OK_AND_ASSIGN(mysql::Result throttled,
                       executor_->ExecuteCommand(alter + " throttle ratio 0"));
  EXPECT_EQ(throttled.affected_rows, 1u);
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  EXPECT_TRUE(m.ready_to_complete) << m.stage;
  ASSERT_OK_AND_ASSIGN(
      mysql::Result none,
      executor_->ExecuteCommand("show vitess_migrations like ''"));
  EXPECT_EQ(none.rows.size(), 0u);
  ASSERT_OK_AND_ASSIGN(
      mysql::Result all,
      executor_->ExecuteCommand("show vitess_migrations like '%'"));
  EXPECT_EQ(all.rows.size(), 1u);
  ASSERT_OK_AND_ASSIGN(
      mysql::Result elsewhere,
      executor_->ExecuteCommand(alter + " complete vitess_shards '-80,80-'"));
  EXPECT_EQ(elsewhere.affected_rows, 0u);
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(u[0]));
  EXPECT_EQ(m.status, kStatusRunning);
  EXPECT_FALSE(HasColumn("users", "x"));
  ASSERT_OK_AND_ASSIGN(
      mysql::Result here,
      executor_->ExecuteCommand(alter + " complete vitess_shards '-80,0'"));
  EXPECT_EQ(here.affected_rows, 1u);
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("users", "x"));
}

// A migration of another database (a sidecutd beside the same server for
// it) is not this tablet's: commands naming it say so (they said it was
// in the wrong state).
TEST_F(ExecutorTest, AnotherDatabasesMigrationIsNotFound) {
  ASSERT_OK(conn_->Execute("CREATE TABLE od (id INT PRIMARY KEY)").status());
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE od ADD x INT",
                                         "vitess --postpone-launch", ""));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET mysql_schema = 'elsewhere' WHERE "
      "migration_uuid = '",
      u[0], "'")));
  EXPECT_THAT(executor_->Cancel(u[0]),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("not a migration of database")));
  EXPECT_THAT(executor_->Launch(u[0]), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET mysql_schema = DATABASE() WHERE "
      "migration_uuid = '",
      u[0], "'")));
  EXPECT_THAT(executor_->Cancel(u[0]), IsOkAndHolds(1));
}

// A throttled migration's stream stands still: it is not ready to complete
// (a controller's gate reading ready_to_complete would prepare a cut-over
// that cannot catch up), and is ready again once unthrottled.
TEST_F(ExecutorTest, AThrottledMigrationIsNotReadyToComplete) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(executor_->Throttle(u[0], 1).status());
  ASSERT_OK_AND_ASSIGN(Migration throttled, executor_->Get(u[0]));
  EXPECT_FALSE(throttled.ready_to_complete);
  EXPECT_THAT(executor_->PrepareCutOver(u[0], absl::Seconds(5)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not ready to complete")));
  // Scheduling rounds leave it so.
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(throttled, executor_->Get(u[0]));
  EXPECT_EQ(throttled.stage, "throttled by user");
  EXPECT_FALSE(throttled.ready_to_complete);
  ASSERT_OK(executor_->Throttle(u[0], 0).status());
  ASSERT_OK(WaitReadyToComplete(u[0]));
}

// A migration that ends drops the sentry its cut-over left (its session
// died holding the lock, or its RENAME's end was unknown), having first
// ended that RENAME if it is still queued: with the sentry gone, it would
// swap the tables of a cancelled migration.
TEST_F(ExecutorTest, AnEndedMigrationDropsTheSentryItsCutOverLeft) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  const std::string sentry = SentryName("users", m.uuid);
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE ", Qualified(sentry),
                                        " (id INT PRIMARY KEY)")));
  // The lost cut-over's RENAME, queued behind a reader of the table.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> reader,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(reader->Execute("START TRANSACTION"));
  ASSERT_OK(reader->Execute(
      absl::StrCat("SELECT COUNT(*) FROM ", Qualified("users"))));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> lost,
                       harness::ConnectTo(*instance_));
  absl::Status renamed;
  std::thread rename([&] {
    renamed =
        lost->Execute(absl::StrCat("RENAME TABLE ", Qualified("users"), " TO ",
                                   Qualified(sentry), ", ",
                                   Qualified(FirstArtifact(m)), " TO ",
                                   Qualified("users"), ", ", Qualified(sentry),
                                   " TO ", Qualified(FirstArtifact(m))))
            .status();
  });
  ASSERT_OK(WaitForSession("the RENAME queued",
                           "STATE LIKE 'Waiting for table metadata lock' AND "
                           "INFO LIKE 'RENAME TABLE%'"));
  ASSERT_OK(executor_->Cancel(u[0]).status());
  ASSERT_OK(reader->Execute("COMMIT"));
  rename.join();
  EXPECT_FALSE(renamed.ok());
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM information_schema.TABLES "
                               "WHERE TABLE_SCHEMA = DATABASE() AND "
                               "TABLE_NAME = ",
                               mysql::QuoteString(sentry))),
            "0");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND "
                  "COLUMN_NAME = 'x'"),
            "0");
}

// A table with triggers is not migrated online: the swap would leave the
// triggers with the old table. The migration fails saying so, nothing
// created; without them it runs.
TEST_F(ExecutorTest, ATableWithTriggersIsRefused) {
  CreateUsers(100);
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, uid INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TRIGGER `users ai` AFTER INSERT ON users FOR EACH ROW INSERT "
      "INTO audit (uid) VALUES (NEW.id)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  Migration failed = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(failed.message, HasSubstr("`users` has triggers (`users ai`)"));
  EXPECT_EQ(failed.artifacts, "");
  EXPECT_FALSE(HasColumn("users", "x"));
  ASSERT_OK(conn_->Execute("DROP TRIGGER `users ai`"));
  ASSERT_OK(executor_->Retry(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
}

// A trigger created while the table is migrated holds the cut-over back
// (retried, saying why) until it is dropped.
TEST_F(ExecutorTest, ATriggerCreatedDuringTheMigrationHoldsTheCutOver) {
  CreateUsers(100);
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, uid INT)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN x INT",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK(conn_->Execute(
      "CREATE TRIGGER users_ai AFTER INSERT ON users FOR EACH ROW INSERT "
      "INTO audit (uid) VALUES (NEW.id)"));
  // Neither a controller's prepare nor the tablet's own cut-over swaps.
  EXPECT_THAT(executor_->PrepareCutOver(u[0], absl::Seconds(5)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("has triggers (`users_ai`)")));
  ASSERT_OK(executor_->Complete(u[0]).status());
  Migration held = WaitCutOverRefused(u[0]);
  EXPECT_THAT(held.message, HasSubstr("has triggers (`users_ai`)"));
  EXPECT_EQ(held.status, kStatusRunning);
  EXPECT_FALSE(HasColumn("users", "x"));
  ASSERT_OK(conn_->Execute("DROP TRIGGER users_ai"));
  WaitStatus(u[0], kStatusComplete);
}

// A foreign key made on the table while it is migrated (a child created
// referencing it: the stream goes on, the table's rows and structure being
// as they were) holds the cut-over back until it is dropped: the swap would
// carry it to the old table, the child then referencing that. With
// --unsafe-allow-foreign-keys the cut-over goes on.
TEST_F(ExecutorTest, AForeignKeyMadeDuringTheMigrationHoldsTheCutOver) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE `child 1` (id INT PRIMARY KEY, uid INT, CONSTRAINT "
      "`to users` FOREIGN KEY (uid) REFERENCES users (id))"));
  ASSERT_OK(conn_->Execute("INSERT INTO `child 1` VALUES (1, 5)"));
  EXPECT_THAT(
      executor_->PrepareCutOver(u[0], absl::Seconds(5)),
      StatusIs(
          absl::StatusCode::kFailedPrecondition,
          HasSubstr("foreign key parent or child (`child 1`.`to users`)")));
  ASSERT_OK(executor_->Complete(u[0]).status());
  Migration held = WaitCutOverRefused(u[0]);
  EXPECT_THAT(held.message, HasSubstr("`child 1`.`to users`"));
  EXPECT_EQ(held.status, kStatusRunning);
  EXPECT_FALSE(HasColumn("users", "x"));
  EXPECT_EQ(Value("SELECT REFERENCED_TABLE_NAME FROM information_schema."
                  "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                  "DATABASE()"),
            "users");
  ASSERT_OK(
      conn_->Execute("ALTER TABLE `child 1` DROP FOREIGN KEY `to users`"));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("users", "x"));

  // Allowed: the same foreign key follows the old table, as it would have
  // had it been there from the start.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> allowed,
                       executor_->Submit("ALTER TABLE users ADD COLUMN y INT",
                                         "vitess --postpone-completion "
                                         "--unsafe-allow-foreign-keys",
                                         ""));
  ASSERT_OK(WaitReadyToComplete(allowed[0]));
  ASSERT_OK(conn_->Execute(
      "ALTER TABLE `child 1` ADD CONSTRAINT `to users` FOREIGN KEY (uid) "
      "REFERENCES users (id)"));
  ASSERT_OK(executor_->Complete(allowed[0]).status());
  WaitStatus(allowed[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("users", "y"));
}

// The same trigger created after the cut-over's check but before its lock:
// checked again under the lock, it still holds the swap back (the table
// keeps it), and writes go on.
TEST_F(ExecutorTest, ATriggerCreatedJustBeforeTheLockHoldsTheCutOver) {
  CreateUsers(100);
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE audit (id INT PRIMARY KEY AUTO_INCREMENT, uid INT)"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::MysqlConnection> other,
                       harness::ConnectTo(*instance_));
  auto created = std::make_shared<std::atomic<bool>>(false);
  ExecutorOptions o = Options();
  mysql::MysqlConnection* session = other.get();
  const std::string trigger = absl::StrCat(
      "CREATE TRIGGER ", Qualified("users_ai"), " AFTER INSERT ON ",
      Qualified("users"), " FOR EACH ROW INSERT INTO ", Qualified("audit"),
      " (uid) VALUES (NEW.id)");
  o.after_cut_over_checks = [session, created, trigger] {
    if (created->exchange(true)) return;
    ASSERT_OK(session->Execute(trigger));
  };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  Migration held = WaitCutOverRefused(u[0]);
  EXPECT_THAT(held.message, HasSubstr("has triggers (`users_ai`)"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE "
                  "EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = "
                  "'users'"),
            "1");
  ASSERT_OK(conn_->Execute("INSERT INTO users (name, val) VALUES ('w', 1)"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM audit"), "1");
  ASSERT_OK(conn_->Execute("DROP TRIGGER users_ai"));
  WaitStatus(u[0], kStatusComplete);
  executor_.reset();  // before `other`, which the hook uses
}

// A shadow that does not hold what the table does (a row changed behind
// the stream's back, here) fails the migration before the swap, saying
// which rows; the table stays as it was.
TEST_F(ExecutorTest, ACopyThatDoesNotMatchFailsBeforeTheSwap) {
  CreateUsers(1000);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::MysqlConnection> other,
                       harness::ConnectTo(*instance_));
  ASSERT_OK_AND_ASSIGN(std::string before,
                       Checksum(*conn_, Qualified("users"), "id, name, val"));
  ExecutorOptions o = Options();
  mysql::MysqlConnection* session = other.get();
  std::string db = db_;
  o.before_verify = [session, db](const Migration& m) {
    ASSERT_OK(session->Execute(
        absl::StrCat("UPDATE ", mysql::QuoteQualified(db, FirstArtifact(m)),
                     " SET name = 'USER17' WHERE id = 17")));
  };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  Migration failed = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(failed.message, HasSubstr("the copy does not match `"));
  EXPECT_THAT(failed.message,
              HasSubstr("1000 rows, 4 of 4 columns compared: 1 differing "
                        "(keys ('17'))"));
  EXPECT_THAT(failed.message, HasSubstr("nothing was swapped"));
  EXPECT_FALSE(HasColumn("users", "x"));
  ASSERT_OK_AND_ASSIGN(std::string after,
                       Checksum(*conn_, Qualified("users"), "id, name, val"));
  EXPECT_EQ(after, before);
  executor_.reset();  // before `other`, which the hook uses
}

// A verification that passed is not made again by a restarted daemon
// (it is recorded with the stream it compared), while a retried
// migration's new stream is compared anew.
TEST_F(ExecutorTest, AVerifiedCopyIsNotComparedAgainAfterARestart) {
  CreateUsers(1000);
  auto verifications = std::make_shared<std::atomic<int>>(0);
  ExecutorOptions o = Options();
  o.before_verify = [verifications](const Migration&) { ++*verifications; };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN x INT",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  EXPECT_EQ(*verifications, 1);
  ASSERT_OK_AND_ASSIGN(Migration ready, executor_->Get(u[0]));
  EXPECT_THAT(ready.stage, HasSubstr("copy verified: 1000 rows"));
  executor_.reset();
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET stage = '', ready_to_complete = 0 "
      "WHERE migration_uuid = ",
      mysql::QuoteString(u[0]))));
  StartExecutor(o);
  ASSERT_OK(WaitReadyToComplete(u[0]));
  EXPECT_EQ(*verifications, 1);
  ASSERT_OK_AND_ASSIGN(ready, executor_->Get(u[0]));
  EXPECT_THAT(ready.stage, HasSubstr("copy verified: 1000 rows"));
  // Cancelled and retried: a new copy, compared.
  ASSERT_OK(executor_->Cancel(u[0]).status());
  WaitStatus(u[0], kStatusCancelled);
  ASSERT_OK(executor_->Retry(u[0]).status());
  ASSERT_OK(WaitReadyToComplete(u[0]));
  EXPECT_EQ(*verifications, 2);
  ASSERT_OK(executor_->Complete(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("users", "x"));
}

// A verification under way ends with its migration: cancelled while it
// compares, the migration ends promptly, the table as it was.
TEST_F(ExecutorTest, AMigrationCancelledWhileVerifyingEndsPromptly) {
  CreateUsers(20000);
  ExecutorOptions o = Options();
  o.verify_chunk_rows = 1;  // a chunk per row: seconds of comparing
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  ASSERT_OK(WaitFor(Clock::Real(), "the verification to compare rows",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
                      return absl::StartsWith(m.stage, "verifying the copy (");
                    }));
  const absl::Time t0 = absl::Now();
  ASSERT_OK(executor_->Cancel(u[0]).status());
  Migration cancelled = WaitStatus(u[0], kStatusCancelled);
  EXPECT_LT(absl::Now() - t0, absl::Seconds(5));
  EXPECT_FALSE(HasColumn("users", "x"));
  // Another one is stopped with the executor, without waiting for it.
  ASSERT_OK_AND_ASSIGN(
      u, executor_->Submit("ALTER TABLE users ADD COLUMN y INT", "vitess", ""));
  ASSERT_OK(WaitFor(Clock::Real(), "the second verification to compare rows",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
                      return absl::StartsWith(m.stage, "verifying the copy (");
                    }));
  const absl::Time t1 = absl::Now();
  executor_.reset();
  EXPECT_LT(absl::Now() - t1, absl::Seconds(5));
}

// A verification whose session is lost part way is retried from its last
// chunk, not from the first row, and counts every row once.
TEST_F(ExecutorTest, AVerificationWhoseSessionIsLostGoesOnWhereItStopped) {
  CreateUsers(20000);
  ExecutorOptions o = Options();
  o.verify_chunk_rows = 1;  // seconds of comparing
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN x INT",
                                         "vitess --postpone-completion", ""));
  // Rows compared so far, from the stage "verifying the copy (N of ...".
  auto compared = [&](absl::string_view stage) -> int64_t {
    int64_t n = -1;
    if (absl::ConsumePrefix(&stage, "verifying the copy (")) {
      if (!absl::SimpleAtoi(stage.substr(0, stage.find(' ')), &n)) n = -1;
    }
    return n;
  };
  int64_t before = 0;
  ASSERT_OK(WaitFor(Clock::Real(), "the verification to compare 2000 rows",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
                      before = compared(m.stage);
                      return before >= 2000;
                    }));
  // Meanwhile its ETA, at its pace so far.
  ASSERT_OK(WaitFor(Clock::Real(), "the verification's ETA",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
                      return compared(m.stage) > 0 && m.eta_seconds > 0 &&
                             m.eta_seconds < 3600;
                    }));
  // Its session is killed amid a chunk's checksum.
  ASSERT_OK(WaitFor(
      Clock::Real(), "the verification's session to be killed",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::vector<std::string> ids, ChecksumSessions());
        if (ids.empty()) return false;
        return conn_->Execute(absl::StrCat("KILL CONNECTION ", ids[0])).ok();
      },
      WaitOptions{.initial_interval = absl::Milliseconds(1),
                  .max_interval = absl::Milliseconds(1)}));
  int64_t resumed = -1;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the verification to go on",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
        const size_t at = m.stage.find("; resumed after ");
        if (at == std::string::npos) return false;
        absl::string_view rest = absl::string_view(m.stage).substr(at + 16);
        return absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &resumed);
      }));
  EXPECT_GE(resumed, before);
  ASSERT_OK(WaitReadyToComplete(u[0]));
  EXPECT_THAT(executor_->Get(u[0])->stage,
              HasSubstr("ready to complete (copy verified: 20000 rows ("));
  ASSERT_OK(executor_->Cancel(u[0]).status());
  WaitStatus(u[0], kStatusCancelled);
}

// A copy is verified while its secondary indexes are built, and its
// snapshot gives way to the build's ALTER, which needs the shadow's
// metadata lock to finish: the build ends while the verification goes on.
// With the stream held during the build (the default), the verification's
// snapshot is taken before the build starts; without, once its ALTER is
// past its start. Either way the comparing goes on beside the build, gives
// way when the ALTER ends and goes on alone after.
class VerifiedBesideTheBuild : public ExecutorTest {
 protected:
  void Run(bool hold_stream);
};

TEST_F(VerifiedBesideTheBuild, WithTheStreamHeld) { Run(true); }
TEST_F(VerifiedBesideTheBuild, WithTheStreamApplying) { Run(false); }

void VerifiedBesideTheBuild::Run(bool hold_stream) {
  CreateWide();
  ExecutorOptions o = WideOptions();
  o.hold_stream_during_index_build = hold_stream;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u, AlterWide(o));
  // The stages seen: both at once, then the verification alone with the
  // index there (the build done before the verification).
  bool beside = false;
  bool alone_after = false;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the verification to go on after the index build",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
        if (absl::StartsWith(m.stage, "ready to complete")) {
          return absl::FailedPreconditionError(
              absl::StrCat("verified first; seen beside: ", beside));
        }
        if (!absl::StartsWith(m.stage, "verifying the copy (")) return false;
        if (absl::StrContains(m.stage, " beside adding secondary indexes")) {
          beside = true;
          return false;
        }
        if (!beside || m.artifacts.empty()) return false;
        SC_ASSIGN_OR_RETURN(alone_after, HasIndex(FirstArtifact(m), "ab"));
        return alone_after;
      },
      WaitOptions{.timeout = absl::Seconds(60),
                  .initial_interval = absl::Milliseconds(10),
                  .max_interval = absl::Milliseconds(10)}));
  EXPECT_TRUE(beside);
  ASSERT_OK(WaitReadyToComplete(u[0]));
  // Given way at least once: a second snapshot.
  EXPECT_THAT(executor_->Get(u[0])->stage,
              ::testing::ContainsRegex("ready to complete \\(copy verified: "
                                       "100000 rows \\(([2-9]|[1-9][0-9]+) "
                                       "snapshots\\)"));
  ASSERT_OK(executor_->Complete(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("wide", "x"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM wide"), "100000");
}

// With verify_before_index_build the copy is compared before its deferred
// indexes are built: while it is compared no index build runs and the
// shadow lacks the index, and the stream goes on applying (a row written
// meanwhile reaches the shadow); the build starts once the copy passed.
TEST_F(ExecutorTest, VerifiedBeforeTheBuild) {
  CreateWide();
  ExecutorOptions o = WideOptions();
  o.verify_before_index_build = true;
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u, AlterWide(o));
  // Every look while it compares: no index, no build.
  int looks = 0;
  bool written = false;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the written row to reach the shadow while compared",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
        if (!absl::StartsWith(m.stage, "verifying the copy (")) {
          if (looks > 0) {
            return absl::FailedPreconditionError(
                absl::StrCat("compared before the row arrived: ", m.stage));
          }
          return false;
        }
        ++looks;
        if (!absl::StrContains(m.stage, "), then adding secondary indexes")) {
          return absl::FailedPreconditionError(m.stage);
        }
        SC_ASSIGN_OR_RETURN(bool has_index, HasIndex(FirstArtifact(m), "ab"));
        if (has_index) return absl::FailedPreconditionError("index built");
        SC_ASSIGN_OR_RETURN(int64_t builds,
                            CountSessions("INFO LIKE 'ALTER TABLE%ADD%'"));
        if (builds != 0) return absl::FailedPreconditionError("a build runs");
        if (!written) {
          SC_RETURN_IF_ERROR(
              conn_->Execute("INSERT INTO wide VALUES (100001, 'a', 'b')")
                  .status());
          written = true;
          return false;
        }
        SC_ASSIGN_OR_RETURN(
            std::string arrived,
            mysql::QueryValue(
                *conn_, absl::StrCat("SELECT COUNT(*) FROM ",
                                     mysql::QuoteIdentifier(FirstArtifact(m)),
                                     " WHERE id = 100001")));
        return arrived == "1";
      },
      WaitOptions{.timeout = absl::Seconds(60),
                  .initial_interval = absl::Milliseconds(10),
                  .max_interval = absl::Milliseconds(10)}));
  EXPECT_GT(looks, 1);
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK_AND_ASSIGN(Migration ready, executor_->Get(u[0]));
  // (The row was written after the snapshot was taken, unless renewed.)
  EXPECT_THAT(ready.stage,
              ContainsRegex("ready to complete \\(copy verified: 10000[01] "
                            "rows"));
  EXPECT_THAT(HasIndex(FirstArtifact(ready), "ab"), IsOkAndHolds(true));
  ASSERT_OK(executor_->Complete(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("wide", "x"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM wide"), "100001");
}

// While a shadow's deferred indexes are built its stream commits nothing
// to it (MariaDB's online index build would make every commit on the
// server wait on those near its end) and reads nothing (its binlog
// connection closed); it is behind meanwhile, catches up after, and
// nothing is lost. The build is kept under way by a session
// holding the shadow's metadata lock (its ALTER waits to start): a stream
// applying meanwhile would wait behind that ALTER for the lock too.
TEST_F(ExecutorTest, AShadowTakesNoChangesWhileItsIndexesAreBuilt) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE held (id INT PRIMARY KEY, a INT NOT NULL, KEY a (a))"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO held SELECT seq, seq FROM seq_1_to_1000"));
  auto hold = std::make_shared<std::atomic<bool>>(true);
  ExecutorOptions o = Options();
  o.tick = absl::Milliseconds(10);
  o.workflow.throttle =
      [hold](mysql::Connection&) -> absl::StatusOr<std::string> {
    return hold->load() ? "held by the test" : "";
  };
  o.workflow.throttle_recheck = absl::Milliseconds(20);
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE held ADD COLUMN x INT",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK(WaitCopyHeld(u[0]));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  ASSERT_FALSE(m.artifacts.empty());
  // The shadow is there and altered; its index build will wait for this.
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> blocker,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(blocker->Execute(absl::StrCat("USE ", mysql::QuoteIdentifier(db_)))
                .status());
  ASSERT_OK(blocker->Execute("BEGIN").status());
  ASSERT_OK(
      blocker
          ->Execute(absl::StrCat("SELECT COUNT(*) FROM ",
                                 mysql::QuoteIdentifier(FirstArtifact(m))))
          .status());
  hold->store(false);
  ASSERT_OK(WaitForSession("the index build to wait for the shadow's lock",
                           "STATE = 'Waiting for table metadata lock' AND INFO "
                           "LIKE 'ALTER TABLE%'"));
  ASSERT_OK(conn_->Execute("INSERT INTO held VALUES (5000, 5000)"));
  ASSERT_OK(conn_->Execute("UPDATE held SET a = a + 1 WHERE id = 1"));
  ASSERT_OK(conn_->Execute("DELETE FROM held WHERE id = 2"));
  // A stream applying them would wait behind the ALTER for the lock at
  // once; none comes to within a second.
  EXPECT_THAT(WaitForSession("the stream to apply during the build",
                             "STATE = 'Waiting for table metadata lock' AND "
                             "INFO NOT LIKE 'ALTER TABLE%'",
                             absl::Seconds(1)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  // Nor does it keep an unread binlog connection open meanwhile.
  EXPECT_OK(WaitFor(
      Clock::Real(), "the stream's binlog connection to close",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(int64_t n,
                            CountSessions("COMMAND LIKE 'Binlog Dump%'"));
        return n == 0;
      },
      WaitOptions{.timeout = absl::Seconds(10)}));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(u[0]));
  EXPECT_THAT(m.stage, HasSubstr("adding secondary indexes"));
  EXPECT_GE(m.vreplication_lag_seconds, 1);
  ASSERT_OK(blocker->Execute("COMMIT").status());
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK(executor_->Complete(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("held", "x"));
  EXPECT_EQ(Value("SELECT CONCAT(COUNT(*), ' ', SUM(a)) FROM held"),
            absl::StrCat(1000, " ", 1000 * 1001 / 2 + 5000 + 1 - 2));
  EXPECT_THAT(HasIndex("held", "a"), IsOkAndHolds(true));
}

// A copy the server's disk cannot hold (the shadow, and the rows once more
// in the binlog) is refused before anything is created, with figures: a
// full disk would stop the server. With room it runs.
TEST_F(ExecutorTest, AMigrationTheDiskCannotHoldIsRefused) {
  CreateUsers(1000);
  auto free_bytes = std::make_shared<std::atomic<uint64_t>>(uint64_t{10} << 20);
  auto paths = std::make_shared<std::vector<std::string>>();
  ExecutorOptions o = Options();
  o.fs_space = [free_bytes,
                paths](const std::string& path) -> absl::StatusOr<FsSpace> {
    paths->push_back(path);
    FsSpace s;
    s.device = 1;
    s.free_bytes = free_bytes->load();
    return s;
  };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  Migration failed = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(failed.message,
              HasSubstr("not enough disk for an online copy of `users`"));
  EXPECT_THAT(failed.message, HasSubstr("and has 10.0 MiB"));
  EXPECT_THAT(failed.message, HasSubstr("for its rows in the binlog"));
  EXPECT_EQ(failed.artifacts, "");
  ASSERT_FALSE(paths->empty());
  // The server's own directory of the database was looked at.
  EXPECT_EQ((*paths)[0], Value("SELECT @@datadir") + db_);
  free_bytes->store(uint64_t{100} << 30);
  ASSERT_OK(executor_->Retry(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
}

// A server holding several databases, each with a daemon of its own: each
// runs only its own workflows (the reverse stream of another database's
// migration is left to that database's daemon, stopped or not).
TEST_F(ExecutorTest, AnotherDatabasesWorkflowsAreLeftToItsDaemon) {
  const std::string other = db_ + "_other";
  const std::string q = mysql::QuoteIdentifier(other);
  ASSERT_OK(conn_->Execute(absl::StrCat("DROP DATABASE IF EXISTS ", q)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", q)));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("CREATE TABLE ", q, ".t (id INT PRIMARY KEY, v INT)")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO ", q, ".t SELECT seq, seq FROM seq_1_to_10")));
  ExecutorOptions theirs = Options();
  theirs.db = other;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Executor> their_daemon,
                       Executor::Start(theirs, Clock::Real()));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      their_daemon->Submit("ALTER TABLE t ADD COLUMN c INT", "vitess", ""));
  Migration done;
  ASSERT_OK(WaitFor(Clock::Real(), "their migration to complete",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(done, their_daemon->Get(u[0]));
                      return done.status == kStatusComplete;
                    }));
  const std::string old = mysql::QuoteQualified(other, FirstArtifact(done));
  // Their reverse stream runs under their daemon.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO ", q, ".t (id, v) VALUES (11, 11)")));
  ASSERT_OK(WaitFor(Clock::Real(), "their stream to apply a write",
                    [&]() -> absl::StatusOr<bool> {
                      return Value(absl::StrCat("SELECT COUNT(*) FROM ",
                                                old)) == "11";
                    }));
  their_daemon.reset();  // stopped (its stream's row says Running)
  StartExecutor();       // ours
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO ", q, ".t (id, v) VALUES (12, 12)")));
  // Ours runs a migration of its own meanwhile (its engine at work):
  // their old table is still without the write.
  CreateUsers(100);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> mine,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  WaitStatus(mine[0], kStatusComplete);
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", old)), "11")
      << "our daemon ran another database's stream";
  // Theirs, restarted, goes on with it.
  ASSERT_OK_AND_ASSIGN(their_daemon, Executor::Start(theirs, Clock::Real()));
  ASSERT_OK(WaitFor(
      Clock::Real(), "their stream to go on", [&]() -> absl::StatusOr<bool> {
        return Value(absl::StrCat("SELECT COUNT(*) FROM ", old)) == "12";
      }));
  their_daemon.reset();
  ASSERT_OK(conn_->Execute(absl::StrCat("DROP DATABASE ", q)));
}

// Copies side by side (--concurrent_copies): one starting beside another
// counts what that one has yet to write, not only the space free now.
TEST_F(ExecutorTest, ACopyBesideAnotherCountsWhatThatOneHasYetToWrite) {
  CreateUsers(20000);
  ASSERT_OK(conn_->Execute("CREATE TABLE others LIKE users"));
  ASSERT_OK(conn_->Execute("INSERT INTO others SELECT * FROM users"));
  ASSERT_OK(conn_->Execute("ANALYZE TABLE users, others"));
  auto size = [&](const std::string& t, const std::string& expr) {
    return std::stoull(Value(absl::StrCat(
        "SELECT ", expr,
        " FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_NAME = '",
        t, "'")));
  };
  // What a copy of `others` needs alone, and what one of `users` that has
  // copied nothing yet has still to write.
  const uint64_t alone = 2 * size("others", "DATA_LENGTH") +
                         size("others", "INDEX_LENGTH") + kDiskReserveBytes;
  const uint64_t first =
      2 * size("users", "DATA_LENGTH") + size("users", "INDEX_LENGTH");
  auto free_bytes = std::make_shared<std::atomic<uint64_t>>(alone + first / 2);
  auto hold = std::make_shared<std::atomic<bool>>(true);
  ExecutorOptions o = Options();
  o.concurrent_copies = 2;
  o.fs_space = [free_bytes](const std::string&) -> absl::StatusOr<FsSpace> {
    return FsSpace{1, free_bytes->load()};
  };
  // Copies held before their first row.
  o.workflow.throttle =
      [hold](mysql::Connection&) -> absl::StatusOr<std::string> {
    return hold->load() ? "held by the test" : "";
  };
  o.workflow.throttle_recheck = absl::Milliseconds(50);
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> a,
                       executor_->Submit("ALTER TABLE users ADD COLUMN x INT",
                                         "vitess --allow-concurrent", ""));
  ASSERT_OK(WaitCopyHeld(a[0]));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> b,
                       executor_->Submit("ALTER TABLE others ADD COLUMN x INT",
                                         "vitess --allow-concurrent", ""));
  Migration refused = WaitStatus(b[0], kStatusFailed);
  EXPECT_THAT(refused.message,
              HasSubstr("not enough disk for an online copy of `others`"));
  EXPECT_THAT(refused.message,
              HasSubstr("yet to be written by 1 other copy under way"));
  // With room for both, both run.
  free_bytes->store(alone + first + (uint64_t{1} << 20));
  ASSERT_OK(executor_->Retry(b[0]).status());
  ASSERT_OK(WaitCopyHeld(b[0]));
  hold->store(false);
  WaitStatus(a[0], kStatusComplete);
  WaitStatus(b[0], kStatusComplete);
}

// A copy its throttler holds back (a lagging replica, say) says so in the
// migration: the stage, component_throttled 'vcopier' and the reason, all
// cleared once it goes on.
TEST_F(ExecutorTest, ACopyHeldByItsThrottlerSaysWhy) {
  CreateUsers(2000);
  auto hold = std::make_shared<std::atomic<bool>>(true);
  ExecutorOptions o = Options();
  o.workflow.throttle =
      [hold](mysql::Connection&) -> absl::StatusOr<std::string> {
    return hold->load() ? "replica r1 lags 30s > 5s" : "";
  };
  o.workflow.throttle_recheck = absl::Milliseconds(100);
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  Migration held;
  ASSERT_OK(WaitFor(Clock::Real(), "the copy to be held",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(held, executor_->Get(u[0]));
                      return held.component_throttled == "vcopier";
                    }));
  EXPECT_EQ(held.reason_throttled, "replica r1 lags 30s > 5s");
  EXPECT_THAT(held.stage,
              HasSubstr("copying, throttled: replica r1 lags 30s > 5s"));
  EXPECT_EQ(held.rows_copied, 0);
  EXPECT_EQ(held.status, kStatusRunning);
  hold->store(false);
  Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(done.component_throttled, "");
  EXPECT_EQ(done.reason_throttled, "");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "2000");
}

// A copy held after rows flowed has no ETA while held (it showed the pace
// from before the hold, an end the hold did not keep), and one again once
// it goes on.
TEST_F(ExecutorTest, AHeldCopyShowsNoEta) {
  CreateUsers(20000);
  // 0: slow chunks (a pace to tell an end by), 10 of them, then held;
  // 1: held; 2: slow chunks again; 3: full speed.
  auto mode = std::make_shared<std::atomic<int>>(0);
  auto asked = std::make_shared<std::atomic<int>>(0);
  ExecutorOptions o = Options();
  o.workflow.copy_batch_rows = 200;
  o.workflow.copy_batch_max_rows = 200;
  o.workflow.throttle =
      [mode, asked](mysql::Connection&) -> absl::StatusOr<std::string> {
    if (mode->load() == 0 && asked->fetch_add(1) >= 10) mode->store(1);
    if (mode->load() == 1) return "replica r1 lags 30s > 5s";
    if (mode->load() != 3) absl::SleepFor(absl::Milliseconds(200));
    return "";
  };
  o.workflow.throttle_recheck = absl::Milliseconds(100);
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN x INT", "vitess", ""));
  Migration paced;
  ASSERT_OK(WaitFor(Clock::Real(), "an ETA", [&]() -> absl::StatusOr<bool> {
    SC_ASSIGN_OR_RETURN(paced, executor_->Get(u[0]));
    return paced.eta_seconds > 0;
  }));
  Migration held;
  ASSERT_OK(WaitFor(Clock::Real(), "the copy to be held",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(held, executor_->Get(u[0]));
                      return held.component_throttled == "vcopier";
                    }));
  ASSERT_OK(WaitFor(
      Clock::Real(), "no ETA while held",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(held, executor_->Get(u[0]));
        return held.eta_seconds == -1;
      },
      WaitOptions{.timeout = absl::Seconds(10)}));
  EXPECT_EQ(held.component_throttled, "vcopier");
  EXPECT_GT(held.rows_copied, 0);
  EXPECT_LT(held.rows_copied, 20000);
  EXPECT_EQ(held.eta_seconds, -1);
  mode->store(2);
  Migration going;
  ASSERT_OK(
      WaitFor(Clock::Real(), "an ETA again", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(going, executor_->Get(u[0]));
        return going.eta_seconds > 0;
      }));
  EXPECT_EQ(going.component_throttled, "");
  mode->store(3);
  WaitStatus(u[0], kStatusComplete);
}

// A tablet killed while an immediate operation ran: after a restart the
// operation is complete if its statement applied (before, it was failed
// though applied, and a retry then failed on what it had done) and failed
// with nothing changed otherwise. The kill is staged: migrations held back
// by --postpone-launch are marked running, stage "applying: <intent>", with
// their statement run by hand or not.
TEST_F(ExecutorTest, ImmediateOperationsInterruptedByARestartAreSettled) {
  CreateUsers(10);
  ASSERT_OK(conn_->Execute("CREATE TABLE gone (id INT PRIMARY KEY)").status());
  ASSERT_OK(
      conn_->Execute("CREATE VIEW vv AS SELECT id, name FROM users").status());
  ASSERT_OK(conn_->Execute("CREATE VIEW vs AS SELECT id FROM users"));
  StartExecutor();
  const std::string held = "vitess --postpone-launch";
  ASSERT_OK_AND_ASSIGN(auto created,
                       executor_->Submit("CREATE TABLE made (id INT PRIMARY "
                                         "KEY); CREATE TABLE unmade (id INT "
                                         "PRIMARY KEY)",
                                         held, ""));
  ASSERT_OK_AND_ASSIGN(auto dropped,
                       executor_->Submit("DROP TABLE gone", held, ""));
  ASSERT_OK_AND_ASSIGN(
      auto altered,
      executor_->Submit("ALTER VIEW vv AS SELECT id FROM users", held, ""));
  ASSERT_OK_AND_ASSIGN(auto secured,
                       executor_->Submit("ALTER SQL SECURITY INVOKER VIEW vs "
                                         "AS SELECT id FROM users",
                                         held, ""));
  ASSERT_OK_AND_ASSIGN(auto early,
                       executor_->Submit("CREATE TABLE early (id INT PRIMARY "
                                         "KEY)",
                                         held, ""));
  executor_.reset();
  auto stage = [&](const std::string& uuid, const std::string& stage,
                   const std::string& artifact) {
    ASSERT_OK(conn_
                  ->Execute(absl::StrCat(
                      "UPDATE _vt.schema_migrations SET migration_status = "
                      "'running', stage = ",
                      mysql::QuoteString(stage),
                      ", artifacts = ", mysql::QuoteString(artifact),
                      " WHERE migration_uuid = ", mysql::QuoteString(uuid)))
                  .status());
  };
  stage(created[0], "applying: create", "");
  ASSERT_OK(conn_->Execute("CREATE TABLE made (id INT PRIMARY KEY)").status());
  stage(created[1], "applying: create", "");
  ASSERT_OK_AND_ASSIGN(std::string hold,
                       ArtifactName(ArtifactHint::kHold, dropped[0],
                                    absl::Now() + absl::Hours(1)));
  stage(dropped[0], "applying: rename away", hold);
  ASSERT_OK(conn_
                ->Execute(absl::StrCat("RENAME TABLE gone TO ",
                                       mysql::QuoteIdentifier(hold)))
                .status());
  // An application creates the dropped name again meanwhile: the DROP
  // still applied (its hold table, named for it, holds the rows; it was
  // failed, the hold table listed nowhere, and table GC dropped it).
  ASSERT_OK(conn_->Execute("CREATE TABLE gone (id INT PRIMARY KEY)").status());
  auto view_digest = [&](const char* view) {
    return mysql::QueryValue(
        *conn_, absl::StrCat("SELECT CONCAT('v2:', MD5(CONCAT_WS(CHAR(10), "
                             "VIEW_DEFINITION, DEFINER, SECURITY_TYPE, "
                             "CHECK_OPTION, ALGORITHM))) FROM "
                             "information_schema.VIEWS WHERE TABLE_SCHEMA = "
                             "DATABASE() AND TABLE_NAME = ",
                             mysql::QuoteString(view)));
  };
  // As an earlier version recorded it: the MD5 of the SELECT alone.
  ASSERT_OK_AND_ASSIGN(
      std::string digest,
      mysql::QueryValue(*conn_,
                        "SELECT MD5(VIEW_DEFINITION) FROM "
                        "information_schema.VIEWS WHERE TABLE_SCHEMA = "
                        "DATABASE() AND TABLE_NAME = 'vv'"));
  ASSERT_OK_AND_ASSIGN(std::string copy, ArtifactName(ArtifactHint::kShadow,
                                                      altered[0], absl::Now()));
  stage(altered[0], absl::StrCat("applying: view change from ", digest), copy);
  ASSERT_OK(
      conn_
          ->Execute(absl::StrCat("CREATE VIEW ", mysql::QuoteIdentifier(copy),
                                 " AS SELECT id, name FROM users"))
          .status());
  // A change of SQL SECURITY alone that applied: the SELECT is the same.
  ASSERT_OK_AND_ASSIGN(std::string secured_digest, view_digest("vs"));
  ASSERT_OK_AND_ASSIGN(
      std::string secured_copy,
      ArtifactName(ArtifactHint::kShadow, secured[0], absl::Now()));
  stage(secured[0], absl::StrCat("applying: view change from ", secured_digest),
        secured_copy);
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE VIEW ",
                                        mysql::QuoteIdentifier(secured_copy),
                                        " AS SELECT id FROM users")));
  ASSERT_OK(conn_->Execute(
      "ALTER SQL SECURITY INVOKER VIEW vs AS SELECT id FROM users"));
  stage(early[0], "starting", "");
  StartExecutor();
  Migration security = WaitStatus(secured[0], kStatusComplete);
  EXPECT_EQ(security.artifacts, secured_copy);

  Migration made = WaitStatus(created[0], kStatusComplete);
  EXPECT_EQ(made.stage, "complete");
  Migration unmade = WaitStatus(created[1], kStatusFailed);
  EXPECT_THAT(unmade.message, HasSubstr("nothing changed"));
  Migration drop = WaitStatus(dropped[0], kStatusComplete);
  EXPECT_EQ(drop.artifacts, hold);
  Migration view = WaitStatus(altered[0], kStatusFailed);
  EXPECT_THAT(view.message, HasSubstr("nothing changed"));
  EXPECT_EQ(view.artifacts, "");
  Migration before = WaitStatus(early[0], kStatusFailed);
  EXPECT_THAT(before.message, HasSubstr("before this operation ran"));
  // The unapplied ALTER VIEW's copy of the old view is gone; the view is
  // as it was; the failed CREATE can be retried and applies.
  EXPECT_THAT(
      mysql::QueryValue(*conn_, absl::StrCat("SELECT COUNT(*) FROM "
                                             "information_schema.TABLES WHERE "
                                             "TABLE_SCHEMA = DATABASE() AND "
                                             "TABLE_NAME = ",
                                             mysql::QuoteString(copy))),
      IsOkAndHolds("0"));
  ASSERT_OK(executor_->Retry(created[1]).status());
  ASSERT_OK(executor_->Launch(created[1]).status());
  WaitStatus(created[1], kStatusComplete);
  // The dropped table is revertible from its hold (once the new one is
  // out of the way).
  ASSERT_OK(conn_->Execute("DROP TABLE gone").status());
  ASSERT_OK_AND_ASSIGN(std::string revert,
                       executor_->Revert(dropped[0], "", "", false));
  WaitStatus(revert, kStatusComplete);
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM gone"),
              IsOkAndHolds("0"));
}

// A cancel of an immediate operation a restart interrupted (its RENAME
// may have run) is refused until the next check has settled it; it used
// to be marked cancelled though its DROP had applied (the table renamed
// away, the migration neither revertible nor retryable, its hold table
// left to table GC). CANCEL ALL leaves it out.
TEST_F(ExecutorTest, AnInterruptedImmediateOperationIsSettledBeforeACancel) {
  ASSERT_OK(conn_->Execute("CREATE TABLE gone (id INT PRIMARY KEY)").status());
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto dropped,
      executor_->Submit("DROP TABLE gone", "vitess --postpone-launch", ""));
  executor_.reset();
  ASSERT_OK_AND_ASSIGN(std::string hold,
                       ArtifactName(ArtifactHint::kHold, dropped[0],
                                    absl::Now() + absl::Hours(1)));
  ASSERT_OK(conn_
                ->Execute(absl::StrCat(
                    "UPDATE _vt.schema_migrations SET migration_status = "
                    "'running', stage = 'applying: rename away', artifacts = ",
                    mysql::QuoteString(hold),
                    " WHERE migration_uuid = ", mysql::QuoteString(dropped[0])))
                .status());
  ASSERT_OK(conn_
                ->Execute(absl::StrCat("RENAME TABLE gone TO ",
                                       mysql::QuoteIdentifier(hold)))
                .status());
  ExecutorOptions o = Options();
  o.tick = absl::Hours(1);  // no check before the cancels
  StartExecutor(o);
  EXPECT_THAT(executor_->Cancel(dropped[0]),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("was being applied")));
  EXPECT_THAT(executor_->Cancel("all"), IsOkAndHolds(0));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(dropped[0]));
  EXPECT_EQ(m.status, kStatusRunning);
  ASSERT_OK(executor_->Tick());
  Migration drop = WaitStatus(dropped[0], kStatusComplete);
  EXPECT_EQ(drop.artifacts, hold);
}

// A retry restores the artifact retention the migration was submitted
// with: CLEANUP (-1, artifacts go at once) stuck to it, and the retried
// ALTER's old table and reverse stream were dropped the tick it
// completed, its revert refused.
TEST_F(ExecutorTest, ARetryAfterACleanupKeepsTheSubmittedRetention) {
  CreateUsers(10);
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto kept,
      executor_->Submit("ALTER TABLE users ADD COLUMN c1 INT",
                        "vitess --postpone-launch --retain-artifacts=90m", ""));
  ASSERT_OK_AND_ASSIGN(
      auto plain,
      executor_->Submit("ALTER TABLE users ADD COLUMN c2 INT",
                        "vitess --postpone-launch --allow-concurrent", ""));
  for (const auto* u : {&kept, &plain}) {
    ASSERT_OK(executor_->Cancel((*u)[0]).status());
    ASSERT_OK(executor_->Cleanup((*u)[0]).status());
  }
  auto retention = [&](const std::string& uuid) {
    return Value(absl::StrCat(
        "SELECT retain_artifacts_seconds FROM _vt.schema_migrations WHERE "
        "migration_uuid = ",
        mysql::QuoteString(uuid)));
  };
  EXPECT_EQ(retention(kept[0]), "-1");
  ASSERT_OK(executor_->Retry(kept[0]).status());
  ASSERT_OK(executor_->Retry(plain[0]).status());
  EXPECT_EQ(retention(kept[0]), "5400");
  EXPECT_EQ(retention(plain[0]), "0");
  ASSERT_OK(executor_->Cancel(plain[0]).status());
  ASSERT_OK(executor_->Launch(kept[0]).status());
  WaitStatus(kept[0], kStatusComplete);
  // A revert of it, cancelled, cleaned up and retried, keeps the
  // retention it took from the reverted migration.
  ASSERT_OK_AND_ASSIGN(std::string held,
                       executor_->Revert(kept[0], "", "", /*gated=*/true));
  EXPECT_EQ(retention(held), "5400");
  ASSERT_OK(executor_->Cancel(held).status());
  ASSERT_OK(executor_->Cleanup(held).status());
  EXPECT_EQ(retention(held), "-1");
  ASSERT_OK(executor_->Retry(held).status());
  EXPECT_EQ(retention(held), "5400");
  ASSERT_OK(executor_->Cancel(held).status());
  // Still revertible after a tick or two (cleanup runs every tick).
  absl::SleepFor(absl::Seconds(2));
  ASSERT_OK_AND_ASSIGN(std::string revert,
                       executor_->Revert(kept[0], "", "", false));
  WaitStatus(revert, kStatusComplete);
}

TEST_F(ExecutorTest, PreferInstantDdlRunsInstantlyWhenPossible) {
  CreateUsers(1000);
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(auto u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN c2 INT",
                                         "vitess --prefer-instant-ddl", ""));
  Migration m = WaitStatus(u[0], kStatusComplete);
  EXPECT_THAT(m.special_plan, HasSubstr("instant"));
  EXPECT_TRUE(m.artifacts.empty());
  // Not instant in 10.11 (INT -> BIGINT): falls back to the shadow table.
  ASSERT_OK_AND_ASSIGN(auto u2,
                       executor_->Submit("ALTER TABLE users MODIFY val BIGINT",
                                         "vitess --prefer-instant-ddl", ""));
  Migration m2 = WaitStatus(u2[0], kStatusComplete);
  EXPECT_THAT(m2.special_plan, Not(HasSubstr("instant")));
  EXPECT_FALSE(m2.artifacts.empty());
}

TEST_F(ExecutorTest, RestartResumesAMigrationMidCopy) {
  CreateUsers(30000);
  ExecutorOptions o = Options();
  o.workflow.copy_batch_rows = 200;
  o.workflow.copy_batch_max_rows = 200;
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(auto u,
                       executor_->Submit("ALTER TABLE users ADD c3 INT",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK(
      WaitFor(Clock::Real(), "some rows copied", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
        return m.rows_copied > 0;
      }));
  // The shadow's secondary index waits for the end of the copy.
  ASSERT_OK_AND_ASSIGN(Migration copying, executor_->Get(u[0]));
  ASSERT_OK_AND_ASSIGN(std::string deferred,
                       Deferred(*conn_, u[0], "GROUP_CONCAT(definition)"));
  EXPECT_EQ(deferred, "KEY `val` (`val`)");
  ASSERT_OK_AND_ASSIGN(
      std::string shadow_keys,
      mysql::QueryValue(
          *conn_,
          absl::StrCat("SELECT COUNT(*) FROM "
                       "information_schema.STATISTICS WHERE "
                       "TABLE_NAME = '",
                       FirstArtifact(copying), "' AND INDEX_NAME = 'val'")));
  EXPECT_EQ(shadow_keys, "0");
  executor_.reset();  // the tablet goes away mid-copy
  StartExecutor(o);
  ASSERT_OK(executor_->Complete(u[0]).status());
  Migration m = WaitStatus(u[0], kStatusComplete);
  // Built after the copy (by the restarted executor), where it was.
  ASSERT_OK_AND_ASSIGN(mysql::Result created,
                       conn_->Execute("SHOW CREATE TABLE users"));
  EXPECT_THAT(std::string(created.rows[0].Get(1)),
              HasSubstr("PRIMARY KEY (`id`),\n  KEY `val` (`val`)\n)"));
  ASSERT_OK_AND_ASSIGN(std::string left, Deferred(*conn_, u[0], "COUNT(*)"));
  EXPECT_EQ(left, "0");
  ExpectArtifactHoldsTheSameUsers(m);
}

// With statement_copy the shadow's copy goes to the binlog as INSERT ...
// SELECT statements (one per chunk) and the ALTER under writes still keeps
// every row.
TEST_F(ExecutorTest, StatementCopiedAlterUnderWritesKeepsEveryRow) {
  CreateUsers(20000);
  ExecutorOptions o = Options();
  o.workflow.statement_copy = true;
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(vreplication::testing::BinlogMark from,
                       vreplication::testing::BinlogEnd(*conn_));
  Writer writer(harness::ConnectParamsFor(*instance_), Qualified("users"),
                25000, 500);
  writer.Start();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN extra INT NOT NULL "
                        "DEFAULT 7",
                        "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK(writer.Stop());
  EXPECT_GT(writer.statements(), 100);
  ASSERT_OK(executor_->Complete(u[0]).status());
  Migration m = WaitStatus(u[0], kStatusComplete);
  ExpectArtifactHoldsTheSameUsers(m);
  ASSERT_OK_AND_ASSIGN(mysql::Result events,
                       vreplication::testing::BinlogEventsSince(*conn_, from));
  int statements = 0;
  for (const mysql::Row& row : events.rows) {
    const std::string info(row.Get(row.size() - 1));
    statements += row.Get(2) == "Query" &&
                  absl::StrContains(info, "INSERT INTO `") &&
                  absl::StrContains(info, "`.`_vt_vrp_") &&
                  absl::StrContains(info, "LOCK IN SHARE MODE");
  }
  EXPECT_GE(statements, 2);
}

// A value the new schema cannot hold fails the migration, also when the
// copy runs on a connection of its own (copy_niceness), and the original
// table is left as it was.
TEST_F(ExecutorTest, DeprioritizedCopyFailsOnValuesTheNewSchemaCannotHold) {
  CreateUsers(3000);
  ExecutorOptions o = Options();
  o.workflow.copy_niceness = 5;
  StartExecutor(o);
  // The first chunk (locking, on the workflow's connection) fits; later
  // ones (unlocked, on the copy's own connection) do not.
  ASSERT_OK(conn_->Execute("UPDATE users SET name = 'ab' WHERE id <= 1500"));
  ASSERT_OK_AND_ASSIGN(std::string before,
                       Checksum(*conn_, Qualified("users"), "id, name, val"));
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("ALTER TABLE users MODIFY name VARCHAR(2)",
                                "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(m.message, HasSubstr("name"));
  ASSERT_OK_AND_ASSIGN(std::string after,
                       Checksum(*conn_, Qualified("users"), "id, name, val"));
  EXPECT_EQ(after, before);
}

// copy_niceness below 0 puts the copy and the deferred index build ahead
// of the foreground, where this process can put the priority back
// (CAP_SYS_NICE; the test runs outside the sandbox for it); once the
// migration is complete every server thread has its own back (the server
// hands threads of closed connections to later ones).
TEST_F(ExecutorTest, PrioritizedCopyAndIndexBuildPutPrioritiesBack) {
  CreateUsers(20000);
  ExecutorOptions o = Options();
  o.workflow.copy_niceness = -3;
  ::testing::internal::CaptureStderr();
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      auto u,
      executor_->Submit("ALTER TABLE users ADD COLUMN c5 INT", "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusComplete);
  absl::Status back =
      WaitFor(Clock::Real(), "server threads' priorities put back",
              [&]() -> absl::StatusOr<bool> {
                return harness::ServerThreadsWithNiceness(*instance_, -3) == 0;
              });
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_OK(back);
  const bool can = mysql::CanRaiseThreadPriority();
  EXPECT_EQ(absl::StrContains(log, "copying at normal priority"), !can) << log;
  EXPECT_EQ(absl::StrContains(log, "building indexes of"), !can) << log;
  // Where the cut-over's time went.
  EXPECT_THAT(log, ContainsRegex(absl::StrCat(
                       u[0], ": cut-over done in [0-9.]+m?s \\(checks [0-9.]+",
                       ".*, catch-up and locks .*, swap .*, recorded .*\\)")))
      << log;
  ExpectArtifactHoldsTheSameUsers(m);
}

// An index the table cannot do without (the only one starting with its
// AUTO_INCREMENT column) cannot be dropped from the shadow: the copy keeps
// them all and the migration completes as usual.
TEST_F(ExecutorTest, IndexesTheTableNeedsAreNotDeferred) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE autoinc (a INT NOT NULL, id INT NOT NULL AUTO_INCREMENT, "
      "v INT, PRIMARY KEY (a, id), KEY id_key (id), KEY v_key (v))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO autoinc (a, v) SELECT seq % 7, seq FROM seq_1_to_2000"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      auto u,
      executor_->Submit("ALTER TABLE autoinc ADD COLUMN w INT", "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(m.message, "");
  ASSERT_OK_AND_ASSIGN(mysql::Result created,
                       conn_->Execute("SHOW CREATE TABLE autoinc"));
  EXPECT_THAT(std::string(created.rows[0].Get(1)),
              HasSubstr("PRIMARY KEY (`a`,`id`),\n  KEY `id_key` (`id`),\n"
                        "  KEY `v_key` (`v`)\n)"));
  ASSERT_OK_AND_ASSIGN(
      std::string count,
      mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM autoinc"));
  EXPECT_EQ(count, "2000");
}

TEST_F(ExecutorTest, ArtifactsGoThroughTableGc) {
  CreateUsers(3000);
  ExecutorOptions o = Options();
  o.gc.hold = absl::ZeroDuration();
  o.gc.evac = absl::ZeroDuration();
  o.gc.purge_batch_rows = 1000;
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(auto u, executor_->Submit("ALTER TABLE users ADD c4 "
                                                 "INT",
                                                 "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusComplete);
  const std::string artifact = m.artifacts;
  auto tables = [&]() -> absl::StatusOr<std::string> {
    return mysql::QueryValue(
        *conn_,
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_vt\\_%'");
  };
  EXPECT_THAT(tables(), IsOkAndHolds("1"));  // kept: retention not over
  ASSERT_OK(executor_->Cleanup(u[0]).status());
  ASSERT_OK(WaitFor(Clock::Real(), "artifacts dropped",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(std::string n, tables());
                      return n == "0";
                    }));
  ASSERT_OK_AND_ASSIGN(Migration after, executor_->Get(u[0]));
  EXPECT_FALSE(after.cleanup_timestamp.empty());
}

// An artifact whose retention ended (here by CLEANUP) is purged at once,
// as Vitess does, not held another hour: a DBA cleaning up to free disk
// got it back over an hour later.
TEST_F(ExecutorTest, ACleanedUpArtifactIsNotHeldAgain) {
  CreateUsers(3000);
  ExecutorOptions o = Options();
  o.gc.hold = absl::Hours(1);
  o.gc.evac = absl::Hours(1);  // stops there
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(auto u, executor_->Submit("ALTER TABLE users ADD c5 "
                                                 "INT",
                                                 "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK(executor_->Cleanup(u[0]).status());
  std::string names;
  absl::Status evacuated = WaitFor(
      Clock::Real(), "the artifact purged and evacuating",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(
            names, mysql::QueryValue(
                       *conn_,
                       "SELECT IFNULL(GROUP_CONCAT(TABLE_NAME), '') FROM "
                       "information_schema.TABLES WHERE TABLE_SCHEMA = "
                       "DATABASE() AND TABLE_NAME LIKE '\\_vt\\_%'"));
        return absl::StartsWith(names, "_vt_evc_") &&
               names.find(',') == std::string::npos;
      },
      WaitOptions{.timeout = absl::Seconds(30)});
  EXPECT_OK(evacuated) << names;
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ",
                               mysql::QuoteQualified(db_, names))),
            "0");
}

// The executor's own session does not wait a day (the server's default)
// for a metadata lock held elsewhere while it holds its mutex: its DDL
// fails clearly after lock_wait, and the executor goes on answering.
TEST_F(ExecutorTest, DirectDdlOnALockedTableFailsInsteadOfFreezing) {
  CreateUsers(10);
  ExecutorOptions o = Options();
  o.lock_wait = absl::Seconds(3);
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> blocker,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(blocker->Execute("START TRANSACTION"));
  ASSERT_OK(blocker->Execute(
      absl::StrCat("SELECT COUNT(*) FROM ", Qualified("users"))));
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(
      executor_->Submit("ALTER TABLE users ADD COLUMN z INT", "direct", ""),
      StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(10));
  // Meanwhile the executor goes on: a direct ALTER waits on a session of
  // its own, not under the executor's lock (a tick waited for it).
  std::thread direct([&] {
    EXPECT_THAT(
        executor_->Submit("ALTER TABLE users ADD COLUMN z INT", "direct", ""),
        StatusIs(absl::StatusCode::kDeadlineExceeded));
  });
  ASSERT_OK(WaitForSession("the direct ALTER waits for the metadata lock",
                           "STATE LIKE 'Waiting for table metadata lock' AND "
                           "INFO LIKE 'ALTER TABLE users ADD COLUMN z%'"));
  const absl::Time tick = absl::Now();
  EXPECT_OK(executor_->Tick());
  EXPECT_LT(absl::Now() - tick, absl::Milliseconds(700));
  direct.join();
  ASSERT_OK(blocker->Execute("COMMIT"));
  EXPECT_OK(
      executor_->Submit("ALTER TABLE users ADD COLUMN z INT", "direct", "")
          .status());
}

// A dropped view is held (renamed) for its revert window; when GC takes
// it, it is dropped: a purge's DELETE through an updatable view would
// delete its base table's rows.
TEST_F(ExecutorTest, GcDropsAHeldViewWithoutTouchingItsBaseTable) {
  CreateUsers(100);
  ASSERT_OK(conn_->Execute("CREATE VIEW v1 AS SELECT id, name FROM users"));
  ASSERT_OK(conn_->Execute("CREATE VIEW v2 AS SELECT id, name FROM users"));
  const absl::Time past = absl::Now() - absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(
      std::string purging,
      ArtifactName(ArtifactHint::kPurge, "11111111-2222-3333-4444-555555555555",
                   past));
  ASSERT_OK_AND_ASSIGN(
      std::string held,
      ArtifactName(ArtifactHint::kHold, "11111111-2222-3333-4444-666666666666",
                   absl::Now() + absl::Hours(1)));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("RENAME TABLE v1 TO ", mysql::QuoteIdentifier(purging),
                   ", v2 TO ", mysql::QuoteIdentifier(held))));
  TableGc gc(TableGcOptions(), Clock::Real());
  ASSERT_OK_AND_ASSIGN(int changed, gc.Tick(*conn_, db_));
  EXPECT_EQ(changed, 1);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "100");
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(TABLE_NAME) FROM "
                  "information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                  "AND TABLE_TYPE = 'VIEW'"),
            held);  // still in its revert window
}

// A retired artifact is named with its migration's UUID, and keeps it
// through each GC state, as Vitess names them: a DBA finds a migration's
// tables by its UUID until they are gone.
// Two of one migration moving in the same second get names a second
// apart.
TEST_F(ExecutorTest, GcTablesKeepTheirMigrationsUuid) {
  CreateUsers(10);
  ASSERT_OK(conn_->Execute("CREATE TABLE users2 LIKE users"));
  TableGcOptions o;
  o.hold = absl::ZeroDuration();
  o.evac = absl::Hours(1);  // stops there
  TableGc gc(o, Clock::Real());
  const std::string uuid = "a1b2c3d4_1111_2222_3333_444455556666";
  ASSERT_OK(gc.Retire(*conn_, db_, "users", uuid));
  ASSERT_OK(gc.Retire(*conn_, db_, "users2", uuid));
  auto gc_tables = [&]() -> absl::StatusOr<std::vector<std::string>> {
    SC_ASSIGN_OR_RETURN(
        mysql::Result r,
        conn_->Execute("SELECT TABLE_NAME FROM information_schema.TABLES "
                       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE "
                       "'\\_vt\\_%'"));
    std::vector<std::string> names;
    for (const mysql::Row& row : r.rows) names.emplace_back(row.Get(0));
    return names;
  };
  std::set<std::string> seen;
  ASSERT_OK(WaitFor(
      Clock::Real(), "both tables evacuating", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::vector<std::string> names, gc_tables());
        seen.insert(names.begin(), names.end());
        if (names.size() == 2 && absl::StartsWith(names[0], "_vt_evc_") &&
            absl::StartsWith(names[1], "_vt_evc_")) {
          return true;
        }
        SC_RETURN_IF_ERROR(gc.Tick(*conn_, db_).status());
        return false;
      }));
  // Each table was purged and evacuated (not held again: its retention
  // was its hold), under names of its own.
  ASSERT_EQ(seen.size(), 4u) << absl::StrJoin(seen, " ");
  for (const std::string& name : seen) {
    absl::optional<ParsedArtifactName> p = ParseArtifactName(name);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(p->uuid, "a1b2c3d4111122223333444455556666") << name;
  }
}

// A table GC cannot drop now (a transaction holds it) is left for the next
// tick after a short wait (it waited the session's lock_wait_timeout,
// every command and cut-over of the tablet waiting behind it).
TEST_F(ExecutorTest, GcWaitsBrieflyForATableInUse) {
  ASSERT_OK_AND_ASSIGN(
      std::string evac,
      ArtifactName(ArtifactHint::kEvac, "12345678-2222-3333-4444-555555555555",
                   absl::Now() - absl::Hours(1)));
  const std::string q = mysql::QuoteQualified(db_, evac);
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE ", q, " (id INT)")));
  ASSERT_OK_AND_ASSIGN(auto holder, harness::ConnectTo(*instance_));
  ASSERT_OK(holder->Execute("BEGIN"));
  ASSERT_OK(holder->Execute(absl::StrCat("SELECT COUNT(*) FROM ", q)));
  ASSERT_OK(conn_->Execute("SET SESSION lock_wait_timeout = 30"));
  TableGcOptions o;
  o.lock_wait = absl::Seconds(1);
  TableGc gc(o, Clock::Real());
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(gc.Tick(*conn_, db_),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr(evac)));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(10));
  ASSERT_OK(holder->Execute("COMMIT"));
  EXPECT_THAT(gc.Tick(*conn_, db_), IsOkAndHolds(1));
  EXPECT_FALSE(HasTable(evac));
}

// One tick purges for at most purge_budget (the tablet's commands wait
// meanwhile); the next ticks go on where it stopped.
TEST_F(ExecutorTest, GcPurgesWithinItsBudget) {
  ASSERT_OK_AND_ASSIGN(
      std::string purging,
      ArtifactName(ArtifactHint::kPurge, "12345678-2222-3333-4444-666666666666",
                   absl::Now() - absl::Hours(1)));
  const std::string q = mysql::QuoteQualified(db_, purging);
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE ", q,
      " (id INT PRIMARY KEY) SELECT seq AS id FROM seq_1_to_100000")));
  // 10,000 DELETEs to empty it: well over the budget.
  TableGcOptions o;
  o.purge_batch_rows = 10;
  o.purge_budget = absl::Milliseconds(300);
  TableGc gc(o, Clock::Real());
  EXPECT_THAT(gc.Tick(*conn_, db_), IsOkAndHolds(0));  // not empty yet
  const std::string left = Value(absl::StrCat("SELECT COUNT(*) FROM ", q));
  EXPECT_NE(left, "0");
  EXPECT_NE(left, "100000");
  o.purge_budget = absl::Seconds(60);
  o.purge_batch_rows = 5000;
  TableGc unhurried(o, Clock::Real());
  EXPECT_THAT(unhurried.Tick(*conn_, db_), IsOkAndHolds(1));
  EXPECT_FALSE(HasTable(purging));
}

// Statements a check gives way to: a DDL or LOCK TABLES waiting for the
// table's metadata lock, named as a word, not Sidecut's own; not writes
// waiting (as they do for a moment while a check takes its snapshot: giving
// way to them, it gave way for good under a busy load).
TEST_F(ExecutorTest, OnlyADdlOrLockTablesWaitingMakesAChecksGiveWay) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t1 (id INT PRIMARY KEY)"));
  mysql::ConnectParams app = harness::ConnectParamsFor(*instance_);
  app.own_session = false;
  app.database = db_;
  std::vector<std::unique_ptr<mysql::Connection>> s;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> c,
                         mysql::MysqlConnection::Connect(app));
    s.push_back(std::move(c));
  }
  auto waiters = [&](std::vector<std::string> tables,
                     std::vector<uint64_t> own) {
    return Value(MetadataLockWaitersSql(tables, own));
  };
  ASSERT_OK(s[0]->Execute("LOCK TABLES t1 READ"));
  std::thread write(
      [&] { EXPECT_OK(s[1]->Execute("INSERT INTO t1 (id) VALUES (1)")); });
  ASSERT_OK(WaitForSession("the write waits",
                           "STATE = 'Waiting for table metadata lock' AND "
                           "INFO LIKE 'INSERT INTO t1 %'"));
  EXPECT_EQ(waiters({"t1"}, {}), "0");
  std::thread ddl([&] {
    EXPECT_OK(s[2]->Execute(
        "-- by hand\n/* dba */ ALTER TABLE `t1` ADD COLUMN c INT"));
  });
  ASSERT_OK(WaitForSession("the ALTER waits",
                           "STATE = 'Waiting for table metadata lock' AND "
                           "INFO LIKE '%ALTER TABLE `t1`%'"));
  EXPECT_EQ(waiters({"t1"}, {}), "1");
  EXPECT_EQ(waiters({"x", "t1"}, {}), "1");
  EXPECT_EQ(waiters({"t"}, {}), "0");  // a word, not part of one
  EXPECT_EQ(waiters({"t1"}, {s[2]->ConnectionId()}), "0");  // ours
  EXPECT_EQ(waiters({}, {}), "0");
  ASSERT_OK(s[0]->Execute("UNLOCK TABLES"));
  write.join();
  ddl.join();
}

// Purge batches hold about so many bytes of rows, by the table's average
// row length, within [1, the most]; 100 rows while that is unknown.
TEST(TableGcTest, PurgeBatchesHoldAboutSoManyBytes) {
  const int64_t mb4 = int64_t{4} << 20;
  EXPECT_EQ(PurgeBatchRows(40, mb4, 5000), 5000);
  EXPECT_EQ(PurgeBatchRows(20000, mb4, 5000), 209);
  EXPECT_EQ(PurgeBatchRows(int64_t{64} << 20, mb4, 5000), 1);
  EXPECT_EQ(PurgeBatchRows(0, mb4, 5000), 100);
  EXPECT_EQ(PurgeBatchRows(0, mb4, 10), 10);
  EXPECT_EQ(PurgeBatchRows(100, mb4, 0), 1);
}

// A table of wide rows is purged in small DELETEs (one of 5000 rows of
// blobs held a lock, an undo log and a binlog event of hundreds of MB),
// and still to the end.
TEST_F(ExecutorTest, WideRowsArePurgedInSmallBatches) {
  ASSERT_OK_AND_ASSIGN(
      std::string purging,
      ArtifactName(ArtifactHint::kPurge, "12345678-2222-3333-4444-777777777777",
                   absl::Now() - absl::Hours(1)));
  const std::string q = mysql::QuoteQualified(db_, purging);
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE ", q,
      " (id INT PRIMARY KEY, b MEDIUMBLOB) SELECT seq AS id, REPEAT('x', "
      "20000) AS b FROM seq_1_to_2000")));
  ASSERT_OK(conn_->Execute(absl::StrCat("ANALYZE TABLE ", q)));
  int deletes = 0;
  TableGcOptions o;
  o.purge_budget = absl::Seconds(60);
  o.purge_batch_bytes = int64_t{1} << 20;  // about 50 rows
  o.throttle = [&](mysql::Connection&) -> absl::StatusOr<std::string> {
    ++deletes;  // asked before each DELETE
    return std::string();
  };
  TableGc gc(o, Clock::Real());
  EXPECT_THAT(gc.Tick(*conn_, db_), IsOkAndHolds(1));
  EXPECT_FALSE(HasTable(purging));
  EXPECT_GE(deletes, 20);
  EXPECT_LE(deletes, 200);
}

// A purge writes no binlog (replicas get the DROP alone) where the session
// may turn it off, and logged where it may not; it deletes nothing while
// the throttler says no; its DELETE waits lock_wait for a table in use,
// not the session's timeout.
TEST_F(ExecutorTest, GcPurgesUnloggedAsTheThrottlerLets) {
  const absl::Time past = absl::Now() - absl::Hours(1);
  auto purge_table = [&](const char* uuid) -> std::string {
    absl::StatusOr<std::string> name =
        ArtifactName(ArtifactHint::kPurge, uuid, past);
    EXPECT_OK(name.status());
    EXPECT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", mysql::QuoteQualified(db_, name.value_or("")),
        " (id INT PRIMARY KEY) SELECT seq AS id FROM seq_1_to_1000")));
    return name.value_or("");
  };
  // The kinds of events written since `file`, `pos`.
  auto events_since = [&](const std::string& file, const std::string& pos) {
    std::string kinds;
    absl::StatusOr<mysql::Result> r = conn_->Execute(absl::StrCat(
        "SHOW BINLOG EVENTS IN ", mysql::QuoteString(file), " FROM ", pos));
    EXPECT_OK(r.status());
    if (r.ok()) {
      for (const mysql::Row& row : r->rows) {
        absl::StrAppend(&kinds, row.Get(2), " ");
      }
    }
    return kinds;
  };
  auto master = [&]() {
    absl::StatusOr<mysql::Result> r = conn_->Execute("SHOW MASTER STATUS");
    EXPECT_OK(r.status());
    return std::make_pair(std::string(r->rows[0].Get(0)),
                          std::string(r->rows[0].Get(1)));
  };
  const std::string held = purge_table("12345678-aaaa-3333-4444-666666666666");
  const std::string q = mysql::QuoteQualified(db_, held);
  bool busy = true;
  TableGcOptions o;
  o.throttle = [&](mysql::Connection&) -> absl::StatusOr<std::string> {
    return busy ? "replica lag 30 s" : "";
  };
  TableGc gc(o, Clock::Real());
  EXPECT_THAT(gc.Tick(*conn_, db_), IsOkAndHolds(0));
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", q)), "1000");
  busy = false;
  const auto [file, pos] = master();
  EXPECT_THAT(gc.Tick(*conn_, db_), IsOkAndHolds(1));
  EXPECT_FALSE(HasTable(held));
  EXPECT_THAT(events_since(file, pos), Not(HasSubstr("Delete_rows")));

  // A table in use: the DELETE gives up after lock_wait.
  const std::string used = purge_table("12345678-bbbb-3333-4444-666666666666");
  ASSERT_OK_AND_ASSIGN(auto holder, harness::ConnectTo(*instance_));
  ASSERT_OK(holder->Execute(absl::StrCat(
      "LOCK TABLES ", mysql::QuoteQualified(db_, used), " WRITE")));
  ASSERT_OK(conn_->Execute("SET SESSION lock_wait_timeout = 30"));
  o.lock_wait = absl::Seconds(1);
  TableGc brief(o, Clock::Real());
  const absl::Time t0 = absl::Now();
  EXPECT_THAT(brief.Tick(*conn_, db_),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr(used)));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(10));
  ASSERT_OK(holder->Execute("UNLOCK TABLES"));

  // A session that may not turn sql_log_bin off purges all the same,
  // logged.
  ASSERT_OK(conn_->Execute("CREATE USER IF NOT EXISTS 'gc_plain'@'%'"));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "GRANT ALL ON ", mysql::QuoteIdentifier(db_), ".* TO 'gc_plain'@'%'")));
  mysql::ConnectParams p = harness::ConnectParamsFor(*instance_);
  p.user = "gc_plain";
  ASSERT_OK_AND_ASSIGN(auto plain, mysql::MysqlConnection::Connect(p));
  const auto [file2, pos2] = master();
  TableGc logged(TableGcOptions(), Clock::Real());
  EXPECT_THAT(logged.Tick(*plain, db_), IsOkAndHolds(1));
  EXPECT_FALSE(HasTable(used));
  EXPECT_THAT(events_since(file2, pos2), HasSubstr("Delete_rows"));
  ASSERT_OK(conn_->Execute("DROP USER 'gc_plain'@'%'"));
}

// A table GC cannot advance (a dropped foreign-key parent whose children
// reference it) does not hold up the others, on either side of it; its
// rows stay (the purge's DELETEs cascaded into the live child's rows).
TEST_F(ExecutorTest, GcGoesOnPastATableItCannotPurge) {
  const absl::Time past = absl::Now() - absl::Hours(1);
  std::vector<std::string> names;
  for (const char* uuid : {"00000000-2222-3333-4444-555555555555",
                           "88888888-2222-3333-4444-555555555555",
                           "ffffffff-2222-3333-4444-555555555555"}) {
    ASSERT_OK_AND_ASSIGN(std::string name,
                         ArtifactName(ArtifactHint::kPurge, uuid, past));
    names.push_back(name);
  }
  const std::string parent = mysql::QuoteIdentifier(names[1]);
  for (const std::string& n : names) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", mysql::QuoteIdentifier(n),
        " (id INT PRIMARY KEY) SELECT seq AS id FROM seq_1_to_3")));
  }
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE gc_child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) "
      "REFERENCES ",
      parent, " (id) ON DELETE CASCADE) SELECT 1 AS id, 2 AS p")));
  TableGc gc(TableGcOptions(), Clock::Real());
  EXPECT_THAT(gc.Tick(*conn_, db_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(names[1]),
                             HasSubstr("referenced by foreign keys"),
                             HasSubstr("gc_child"))));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM gc_child"), "1");
  // The other two moved on to their next state, the parent is still there.
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM information_schema."
                               "TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                               "TABLE_NAME IN (",
                               mysql::QuoteString(names[0]), ", ",
                               mysql::QuoteString(names[2]), ")")),
            "0");
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", parent)), "3");
  // The executor's tick logs it and goes on.
  StartExecutor();
  EXPECT_OK(executor_->Tick());
  ASSERT_OK(conn_->Execute("DROP TABLE gc_child"));
}

// An operation that completes as it runs (CREATE, DROP, a view, an
// INSTANT ALTER) waits for COMPLETE when its completion is postponed, as
// in Vitess (it ran at once); a singleton of several statements is refused
// whole (each would be pending: the rule was checked once, before all).
TEST_F(ExecutorTest, PostponedCompletionHoldsImmediateOperations) {
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> create,
                       executor_->Submit("CREATE TABLE pc (id INT PRIMARY KEY)",
                                         "vitess --postpone-completion", ""));
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(create[0]));
  EXPECT_EQ(m.status, kStatusQueued);
  EXPECT_EQ(m.stage, "postponed completion");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'pc'"),
            "0");
  ASSERT_OK(executor_->Complete(create[0]).status());
  WaitStatus(create[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> instant,
      executor_->Submit("ALTER TABLE pc ADD COLUMN c INT",
                        "vitess --prefer-instant-ddl --postpone-completion",
                        ""));
  ASSERT_OK(WaitReadyToComplete(instant[0]));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(instant[0]));
  EXPECT_EQ(m.status, kStatusRunning);
  EXPECT_FALSE(HasColumn("pc", "c"));
  ASSERT_OK(executor_->Complete(instant[0]).status());
  WaitStatus(instant[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("pc", "c"));
  EXPECT_THAT(executor_->Submit("CREATE TABLE s1 (id INT PRIMARY KEY); CREATE "
                                "TABLE s2 (id INT PRIMARY KEY)",
                                "vitess --singleton", ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--singleton-context")));
  ASSERT_OK_AND_ASSIGN(std::vector<Migration> none,
                       executor_->List("mysql_table IN ('s1', 's2')"));
  EXPECT_TRUE(none.empty());
}

// --in-order-completion holds an operation that completes as it runs (a
// DROP) until the migrations before it complete (it dropped the table at
// once); a `mysql` ALTER takes its turn as a copy does (two ran at once).
TEST_F(ExecutorTest, ImmediateAndMysqlOperationsKeepTheOrderAndTurns) {
  ASSERT_OK(conn_->Execute("CREATE TABLE io1 (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE io2 (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE io3 (id INT PRIMARY KEY)"));
  StartExecutor();
  const std::string flags = "--in-order-completion --allow-concurrent";
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> alter,
      executor_->Submit("ALTER TABLE io1 ADD x INT",
                        "vitess --postpone-completion " + flags, ""));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> drop,
      executor_->Submit("DROP TABLE io2", "vitess " + flags, ""));
  ASSERT_OK(WaitReadyToComplete(alter[0]));
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(Migration held, executor_->Get(drop[0]));
  EXPECT_EQ(held.status, kStatusQueued);
  EXPECT_THAT(held.stage, HasSubstr("in order"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'io2'"),
            "1");
  ASSERT_OK(executor_->Complete(alter[0]).status());
  WaitStatus(alter[0], kStatusComplete);
  WaitStatus(drop[0], kStatusComplete);

  // A `mysql` ALTER waiting for a table held by a transaction is running;
  // another on another table waits its turn.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> blocker,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(blocker->Execute("START TRANSACTION"));
  ASSERT_OK(blocker->Execute(
      absl::StrCat("SELECT COUNT(*) FROM ", Qualified("io1"))));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> first,
      executor_->Submit("ALTER TABLE io1 ADD y INT", "mysql", ""));
  ASSERT_OK(WaitFor(Clock::Real(), "the first mysql ALTER running",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m,
                                          executor_->Get(first[0]));
                      return m.status == kStatusRunning;
                    }));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> second,
      executor_->Submit("ALTER TABLE io3 ADD y INT", "mysql", ""));
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(Migration waiting, executor_->Get(second[0]));
  EXPECT_EQ(waiting.status, kStatusQueued);
  ASSERT_OK(blocker->Execute("COMMIT"));
  WaitStatus(first[0], kStatusComplete);
  WaitStatus(second[0], kStatusComplete);
}

// A cancel of a `mysql` ALTER that has applied (the next check had not
// noticed yet) leaves it complete and says so: it was recorded cancelled
// with the table altered, and a retry then ran the statement again. One
// the cancel stops before it applies is cancelled, the table unchanged,
// by name and by CANCEL ALL.
TEST_F(ExecutorTest, ACancelOfAMysqlAlterThatAppliedLeavesItComplete) {
  ASSERT_OK(conn_->Execute("CREATE TABLE ma (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO ma VALUES (1), (2), (3)"));
  ExecutorOptions o = Options();
  o.tick = absl::Hours(1);  // checks run below, by hand
  StartExecutor(o);
  auto columns = [&](const std::string& table) {
    return Value(absl::StrCat(
        "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
        "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = '",
        table, "'"));
  };
  // Each ALTER waits for a transaction's lock on the table.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> blocker,
                       harness::ConnectTo(*instance_));
  auto block = [&] {
    ASSERT_OK(blocker->Execute("START TRANSACTION"));
    ASSERT_OK(blocker->Execute(
        absl::StrCat("SELECT COUNT(*) FROM ", Qualified("ma"))));
  };
  auto wait_blocked = [&](const std::string& sql) {
    return WaitFor(Clock::Real(), "the ALTER to wait for the lock",
                   [&]() -> absl::StatusOr<bool> {
                     SC_RETURN_IF_ERROR(executor_->Tick());
                     SC_ASSIGN_OR_RETURN(
                         std::string waiting,
                         mysql::QueryValue(
                             *conn_, absl::StrCat("SELECT COUNT(*) FROM "
                                                  "information_schema."
                                                  "PROCESSLIST WHERE INFO = ",
                                                  mysql::QuoteString(sql))));
                     return waiting == "1";
                   });
  };
  block();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> applied,
      executor_->Submit("ALTER TABLE ma ADD x INT", "mysql", ""));
  ASSERT_OK(wait_blocked("ALTER TABLE ma ADD x INT"));
  // It applies once the transaction ends, and no check runs before the
  // cancel.
  ASSERT_OK(blocker->Execute("COMMIT"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the ALTER to apply",
      [&]() -> absl::StatusOr<bool> { return columns("ma") == "id,x"; }));
  EXPECT_THAT(executor_->Cancel(applied[0]),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("had already applied")));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(applied[0]));
  EXPECT_EQ(m.status, kStatusComplete);
  EXPECT_THAT(m.stage, HasSubstr("when the cancel came"));
  // CANCEL ALL passes over one that applied.
  block();
  ASSERT_OK_AND_ASSIGN(
      applied, executor_->Submit("ALTER TABLE ma ADD z INT", "mysql", ""));
  ASSERT_OK(wait_blocked("ALTER TABLE ma ADD z INT"));
  ASSERT_OK(blocker->Execute("COMMIT"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the ALTER to apply",
      [&]() -> absl::StatusOr<bool> { return columns("ma") == "id,x,z"; }));
  EXPECT_THAT(executor_->Cancel("all"), IsOkAndHolds(0));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(applied[0]));
  EXPECT_EQ(m.status, kStatusComplete);
  // One that failed by itself is failed with its own error.
  const std::string dup =
      "ALTER TABLE ma ADD u INT NOT NULL DEFAULT 0, ADD UNIQUE KEY (u)";
  block();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> failing,
                       executor_->Submit(dup, "mysql", ""));
  ASSERT_OK(wait_blocked(dup));
  ASSERT_OK(blocker->Execute("COMMIT"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the ALTER to fail", [&]() -> absl::StatusOr<bool> {
        return Value(
                   absl::StrCat("SELECT COUNT(*) FROM "
                                "information_schema.PROCESSLIST WHERE INFO = ",
                                mysql::QuoteString(dup))) == "0";
      }));
  EXPECT_THAT(executor_->Cancel(failing[0]),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("had already failed")));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(failing[0]));
  EXPECT_EQ(m.status, kStatusFailed);
  EXPECT_THAT(m.message, HasSubstr("Duplicate entry"));

  // Stopped while it waits: cancelled, by name and by CANCEL ALL.
  block();
  for (const std::string& which :
       {std::string("by name"), std::string("all")}) {
    ASSERT_OK_AND_ASSIGN(
        std::vector<std::string> held,
        executor_->Submit("ALTER TABLE ma ADD y INT", "mysql", ""));
    ASSERT_OK(wait_blocked("ALTER TABLE ma ADD y INT"));
    EXPECT_THAT(executor_->Cancel(which == "all" ? "all" : held[0]),
                IsOkAndHolds(1))
        << which;
    ASSERT_OK_AND_ASSIGN(m, executor_->Get(held[0]));
    EXPECT_EQ(m.status, kStatusCancelled) << which;
  }
  // One a restart left is refused by name, passed over by CANCEL ALL, and
  // settled by the next check (it was stopped with its daemon).
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> left,
      executor_->Submit("ALTER TABLE ma ADD w INT", "mysql", ""));
  ASSERT_OK(wait_blocked("ALTER TABLE ma ADD w INT"));
  executor_.reset();
  StartExecutor(o);
  EXPECT_THAT(executor_->Cancel(left[0]),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("running when the daemon stopped")));
  EXPECT_THAT(executor_->Cancel("all"), IsOkAndHolds(0));
  ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(left[0]));
  EXPECT_EQ(m.status, kStatusFailed);
  EXPECT_THAT(m.message, HasSubstr("did not apply"));
  ASSERT_OK(blocker->Execute("COMMIT"));
  EXPECT_EQ(columns("ma"), "id,x,z");
}

// A newer --in-order-completion ALTER waits at its cut-over for the
// migrations submitted before it, and holds none of them back meanwhile: a
// `mysql` ALTER queued behind another's tail started once that one ended
// (it waited for the in-order one, which waited for it: forever); the
// in-order ALTER does not start ahead of an older one of its own table
// (which then could not start beside it); a retry that would make an older
// one of its table pending again is refused.
TEST_F(ExecutorTest, AnInOrderMigrationHoldsNoOlderOneBack) {
  for (const char* t : {"ip0", "ipa", "ipb"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", t, " (id INT PRIMARY KEY)")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO ", t, " VALUES (1), (2), (3)")));
  }
  StartExecutor();
  const absl::Duration timeout = absl::Seconds(40);
  const std::string tail = "vitess --postpone-completion --allow-concurrent";
  const std::string in_order =
      "vitess --allow-concurrent --in-order-completion";
  auto submit = [&](const std::string& sql, const std::string& strategy) {
    absl::StatusOr<std::vector<std::string>> u =
        executor_->Submit(sql, strategy, "");
    EXPECT_OK(u.status());
    return u.ok() && !u->empty() ? (*u)[0] : std::string();
  };
  auto stage = [&](const std::string& uuid) {
    absl::StatusOr<Migration> m = executor_->Get(uuid);
    return m.ok() ? m->status + ": " + m->stage : m.status().ToString();
  };
  const std::string m0 = submit("ALTER TABLE ip0 ADD x INT", tail);
  ASSERT_OK(WaitReadyToComplete(m0));
  const std::string m1 = submit("ALTER TABLE ipa ADD x INT", "mysql");
  const std::string m2 = submit("ALTER TABLE ipb ADD x INT", in_order);
  ASSERT_OK(WaitReadyToComplete(m2));
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  EXPECT_THAT(stage(m1), StartsWith("queued"));
  EXPECT_THAT(stage(m2),
              HasSubstr(absl::StrCat("waiting for ", m0,
                                     " to complete first (in order)")));
  ASSERT_OK(executor_->Complete(m0).status());
  WaitStatus(m0, kStatusComplete, timeout);
  WaitStatus(m1, kStatusComplete, timeout);
  WaitStatus(m2, kStatusComplete, timeout);
  EXPECT_TRUE(HasColumn("ipa", "x"));
  EXPECT_TRUE(HasColumn("ipb", "x"));

  const std::string m3 = submit("ALTER TABLE ip0 ADD y INT", tail);
  ASSERT_OK(WaitReadyToComplete(m3));
  const std::string m4 = submit("ALTER TABLE ipa ADD y INT", "vitess");
  const std::string m5 = submit("ALTER TABLE ipa ADD z INT", in_order);
  for (int i = 0; i < 3; ++i) ASSERT_OK(executor_->Tick());
  EXPECT_THAT(stage(m4), StartsWith("queued"));
  EXPECT_EQ(stage(m5), absl::StrCat("queued: waiting for ", m4,
                                    " of the same table to start first "
                                    "(in order)"));
  ASSERT_OK(executor_->Complete(m3).status());
  WaitStatus(m4, kStatusComplete, timeout);
  WaitStatus(m5, kStatusComplete, timeout);
  EXPECT_TRUE(HasColumn("ipa", "z"));

  const std::string m6 =
      submit("ALTER TABLE ipb ADD w INT", "vitess --postpone-launch");
  ASSERT_OK(executor_->Cancel(m6).status());
  const std::string m7 = submit("ALTER TABLE ipb ADD v INT",
                                "vitess --postpone-completion "
                                "--in-order-completion");
  ASSERT_OK(WaitReadyToComplete(m7));
  EXPECT_THAT(executor_->Retry(m6),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("migration ", m7,
                                              ", submitted after it"))));
  EXPECT_THAT(stage(m6), StartsWith("cancelled"));
  ASSERT_OK(executor_->Complete(m7).status());
  WaitStatus(m7, kStatusComplete, timeout);
  ASSERT_OK(executor_->Retry(m6).status());
  ASSERT_OK(executor_->Launch(m6).status());
  WaitStatus(m6, kStatusComplete, timeout);
  EXPECT_TRUE(HasColumn("ipb", "w"));
  EXPECT_TRUE(HasColumn("ipb", "v"));
}

// A column dropped and added back under the same name is a new column (it
// kept the dropped one's values), as is one another is renamed to (DROP b,
// CHANGE a b failed: 'b' specified twice); a partition operation changing
// rows fails the migration, the table untouched (a DROP PARTITION ran on
// the empty shadow and the copy brought the partition's rows back).
TEST_F(ExecutorTest, DroppedColumnsAndPartitionsAreNotCopiedBack) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dc (id INT PRIMARY KEY, a INT, b INT, c INT)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO dc VALUES (1, 10, 20, 30), (2, 11, "
                     "21, 31)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dp (id INT PRIMARY KEY) PARTITION BY RANGE (id) "
      "(PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN "
      "(20), PARTITION p2 VALUES LESS THAN (30))"));
  ASSERT_OK(conn_->Execute("INSERT INTO dp VALUES (1), (11), (21)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE dc DROP COLUMN c, ADD COLUMN c INT "
                        "DEFAULT 7, DROP COLUMN b, CHANGE a b INT",
                        "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id, ':', b, ':', c ORDER BY id) FROM "
                  "dc"),
            "1:10:7,2:11:7");
  // Reverted, the old c keeps its values (the reverse stream wrote the new
  // c's into it).
  ASSERT_OK(conn_->Execute("UPDATE dc SET b = 99, c = 8 WHERE id = 1"));
  ASSERT_OK_AND_ASSIGN(std::string r, executor_->Revert(u[0], ""));
  WaitStatus(r, kStatusComplete);
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id, ':', a, ':', b, ':', c ORDER BY "
                  "id) FROM dc"),
            "1:99:20:30,2:11:21:31");
  for (const char* op : {"DROP PARTITION p1", "TRUNCATE PARTITION p1"}) {
    ASSERT_OK_AND_ASSIGN(
        u,
        executor_->Submit(absl::StrCat("ALTER TABLE dp ", op), "vitess", ""));
    const Migration m = WaitStatus(u[0], kStatusFailed);
    EXPECT_THAT(m.message, HasSubstr("mysql or direct strategy")) << op;
    EXPECT_EQ(Value("SELECT GROUP_CONCAT(id ORDER BY id) FROM dp"), "1,11,21")
        << op;
  }
  // The same for the table's own tablespace (it failed later, on the
  // copy, with a shadow left behind).
  ASSERT_OK_AND_ASSIGN(
      u, executor_->Submit("ALTER TABLE dc DISCARD TABLESPACE", "vitess", ""));
  const Migration discard = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(discard.message,
              HasSubstr("DISCARD TABLESPACE works on the table's own"));
  EXPECT_EQ(discard.artifacts, "");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM dc"), "2");
  ASSERT_OK_AND_ASSIGN(
      u, executor_->Submit("ALTER TABLE dp DROP PARTITION p1", "mysql", ""));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id ORDER BY id) FROM dp"), "1,21");
}

// On a server whose time zone is not UTC, an ALTER whose result depends on
// it (a TIMESTAMP made DATETIME, a DATETIME added with DEFAULT
// CURRENT_TIMESTAMP) fails with the reason, the table untouched: the copy,
// in UTC, stored UTC times where a native ALTER stores local ones. One that
// does not depend on it runs; the mysql strategy stores local times.
TEST_F(ExecutorTest, AlterationsDependingOnTheTimeZoneAreRefusedOutsideUtc) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE tz (id INT PRIMARY KEY, ts TIMESTAMP NULL, n INT)"));
  ASSERT_OK(conn_->Execute("SET SESSION time_zone = '+00:00'"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO tz VALUES (1, '2024-01-01 10:00:00', 1)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE tz_utc (id INT PRIMARY KEY, ts "
                     "TIMESTAMP NULL)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO tz_utc VALUES (1, '2024-01-01 10:00:00')"));
  ASSERT_OK_AND_ASSIGN(std::string zone,
                       mysql::QueryValue(*conn_, "SELECT @@GLOBAL.time_zone"));
  // On this server (UTC, whatever the zone is named) it runs.
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> utc,
                       executor_->Submit("ALTER TABLE tz_utc MODIFY ts "
                                         "DATETIME NULL",
                                         "vitess", ""));
  WaitStatus(utc[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT ts FROM tz_utc"), "2024-01-01 10:00:00");
  // A column the clock fills, dropped: a revert would fill it in UTC,
  // which is the server's zone here.
  const char* kClocked =
      "CREATE TABLE %s (id INT PRIMARY KEY, at DATETIME DEFAULT "
      "CURRENT_TIMESTAMP, up DATETIME NULL ON UPDATE CURRENT_TIMESTAMP, ts "
      "TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP, d DATETIME NULL)";
  const char* kDropClocked =
      "ALTER TABLE %s DROP COLUMN at, DROP COLUMN up, DROP COLUMN ts, DROP "
      "COLUMN d";
  ASSERT_OK(conn_->Execute(absl::StrFormat(kClocked, "tzd_utc")));
  ASSERT_OK_AND_ASSIGN(
      utc, executor_->Submit(absl::StrFormat(kDropClocked, "tzd_utc"), "vitess",
                             ""));
  EXPECT_THAT(WaitStatus(utc[0], kStatusComplete).revertible_notes,
              Not(HasSubstr("UTC")));
  executor_.reset();
  ASSERT_OK(conn_->Execute("SET GLOBAL time_zone = '+02:00'"));
  struct Restore {
    mysql::Connection* conn;
    std::string zone;
    ~Restore() {
      conn->Execute(
              absl::StrCat("SET GLOBAL time_zone = ", mysql::QuoteString(zone)))
          .status()
          .IgnoreError();
    }
  } restore{conn_.get(), zone};
  StartExecutor();
  for (const char* alter :
       {"ALTER TABLE tz MODIFY ts DATETIME NULL",
        "ALTER TABLE tz ADD COLUMN at DATETIME DEFAULT CURRENT_TIMESTAMP"}) {
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                         executor_->Submit(alter, "vitess", ""));
    const Migration m = WaitStatus(u[0], kStatusFailed);
    EXPECT_THAT(m.message, HasSubstr("is not UTC")) << alter;
    EXPECT_THAT(m.message, HasSubstr("mysql strategy")) << alter;
  }
  EXPECT_FALSE(HasColumn("tz", "at"));
  // Dropped, they are noted: a revert would fill them with UTC times for
  // rows inserted after the cut-over (TIMESTAMPs are instants: exact).
  ASSERT_OK(conn_->Execute(absl::StrFormat(kClocked, "tzd")));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> dropped,
      executor_->Submit(absl::StrFormat(kDropClocked, "tzd"), "vitess", ""));
  const std::string notes =
      WaitStatus(dropped[0], kStatusComplete).revertible_notes;
  EXPECT_THAT(notes, HasSubstr("column `at` (current_timestamp"));
  EXPECT_THAT(notes, HasSubstr("column `up` (on update current_timestamp"));
  EXPECT_THAT(notes, HasSubstr("+02:00"));
  EXPECT_THAT(notes, HasSubstr("hold UTC times"));
  EXPECT_THAT(notes, Not(HasSubstr("`ts` (")));
  EXPECT_THAT(notes, Not(HasSubstr("`d` (")));
  EXPECT_EQ(Value("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tz' AND "
                  "COLUMN_NAME = 'ts'"),
            "timestamp");
  // Nothing of the zone in a BIGINT, an epoch, a string or a TIMESTAMP.
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit(
          "ALTER TABLE tz MODIFY n BIGINT, ADD COLUMN e INT UNSIGNED DEFAULT "
          "(UNIX_TIMESTAMP()), ADD COLUMN s VARCHAR(20) DEFAULT 'localtime', "
          "ADD COLUMN t2 TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP",
          "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      u,
      executor_->Submit("ALTER TABLE tz MODIFY ts DATETIME NULL", "mysql", ""));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT ts FROM tz"), "2024-01-01 12:00:00");
}

// The table's AUTO_INCREMENT counter survives an ALTER that names
// AUTO_INCREMENT without setting the counter (widening the key): ids of
// deleted rows at the top were handed out again. AUTO_INCREMENT = n sets
// it.
TEST_F(ExecutorTest, TheAutoIncrementCounterIsKeptUnlessTheAlterSetsIt) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE ai (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO ai (v) VALUES (1), (2), (3)"));
  ASSERT_OK(conn_->Execute("DELETE FROM ai WHERE id = 3"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE ai MODIFY id BIGINT NOT NULL "
                        "AUTO_INCREMENT, COMMENT 'auto_increment kept'",
                        "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK(conn_->Execute("INSERT INTO ai (v) VALUES (4)"));
  EXPECT_EQ(Value("SELECT MAX(id) FROM ai"), "4");
  ASSERT_OK_AND_ASSIGN(
      u, executor_->Submit("ALTER TABLE ai ADD COLUMN w INT, AUTO_INCREMENT "
                           "= 100",
                           "vitess", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK(conn_->Execute("INSERT INTO ai (v) VALUES (5)"));
  EXPECT_EQ(Value("SELECT MAX(id) FROM ai"), "100");
}

// An artifact that cannot be retired now (a transaction holds it) is tried
// again next tick; the other migrations' cleanup goes on (the first
// failure ended every tick's cleanup and table GC).
TEST_F(ExecutorTest, AnArtifactThatCannotBeRetiredHoldsUpNoOther) {
  ASSERT_OK(conn_->Execute("CREATE TABLE ra (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE rb (id INT PRIMARY KEY)"));
  ExecutorOptions o = Options();
  o.lock_wait = absl::Seconds(1);
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> a,
      executor_->Submit("ALTER TABLE ra ADD x INT", "vitess", ""));
  const Migration done_a = WaitStatus(a[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> b,
      executor_->Submit("ALTER TABLE rb ADD x INT", "vitess", ""));
  WaitStatus(b[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> blocker,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(blocker->Execute("START TRANSACTION"));
  ASSERT_OK(blocker->Execute(
      absl::StrCat("SELECT COUNT(*) FROM ", Qualified(done_a.artifacts))));
  ASSERT_OK(executor_->Cleanup(a[0]).status());
  ASSERT_OK(executor_->Cleanup(b[0]).status());
  ASSERT_OK(WaitFor(Clock::Real(), "rb's artifact retired",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(b[0]));
                      return !m.cleanup_timestamp.empty();
                    }));
  ASSERT_OK_AND_ASSIGN(Migration held, executor_->Get(a[0]));
  EXPECT_TRUE(held.cleanup_timestamp.empty());
  ASSERT_OK(blocker->Execute("COMMIT"));
  ASSERT_OK(WaitFor(Clock::Real(), "ra's artifact retired",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(a[0]));
                      return !m.cleanup_timestamp.empty();
                    }));
}

// A DROP of a foreign key parent or child is refused, nothing renamed: on
// the artifact its foreign keys stayed in force (a child's rows checked
// against it, its purge cascading into them). A self-reference is fine;
// --unsafe-allow-foreign-keys drops anyway.
TEST_F(ExecutorTest, ADropOfAForeignKeyParentOrChildIsRefused) {
  ASSERT_OK(conn_->Execute("CREATE TABLE fp (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE fc (id INT PRIMARY KEY, p INT, CONSTRAINT fk_p FOREIGN "
      "KEY (p) REFERENCES fp (id) ON DELETE CASCADE)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE fself (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) "
      "REFERENCES fself (id))"));
  ASSERT_OK(conn_->Execute("INSERT INTO fp VALUES (1)"));
  ASSERT_OK(conn_->Execute("INSERT INTO fc VALUES (1, 1)"));
  StartExecutor();
  for (const char* table : {"fp", "fc"}) {
    EXPECT_THAT(
        executor_->Submit(absl::StrCat("DROP TABLE ", table), "vitess", ""),
        StatusIs(absl::StatusCode::kFailedPrecondition,
                 HasSubstr("`fc`.`fk_p`")))
        << table;
  }
  // One made after the DROP was submitted: refused as it applies.
  ASSERT_OK(conn_->Execute("CREATE TABLE fq (id INT PRIMARY KEY)"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> later,
      executor_->Submit("DROP TABLE fq", "vitess --postpone-launch", ""));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE fr (id INT PRIMARY KEY, q INT, CONSTRAINT fk_q FOREIGN "
      "KEY (q) REFERENCES fq (id))"));
  ASSERT_OK(executor_->Launch(later[0]).status());
  EXPECT_THAT(WaitStatus(later[0], kStatusFailed).message,
              HasSubstr("`fr`.`fk_q`"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('fp', 'fc', "
                  "'fq')"),
            "3");
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> self,
                       executor_->Submit("DROP TABLE fself", "vitess", ""));
  WaitStatus(self[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> allowed,
      executor_->Submit("DROP TABLE fc", "vitess --unsafe-allow-foreign-keys",
                        ""));
  WaitStatus(allowed[0], kStatusComplete);
}

// A daemon whose session was killed (its lock went with it) while another
// took the database's lock stops its streams and refuses commands, and
// says so (sidecutd then shuts down): it reconnected and went on, both
// applying the same binlog into the same shadow, out of order. The next
// daemon completes the migration, nothing lost.
TEST_F(ExecutorTest, ADaemonThatLostItsLockStopsItsMigrations) {
  CreateUsers(1000);
  std::atomic<bool> deposed{false};
  ExecutorOptions o = Options();
  o.on_deposed = [&] { deposed = true; };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      auto u, executor_->Submit("ALTER TABLE users ADD COLUMN note INT",
                                "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK_AND_ASSIGN(Migration ready, executor_->Get(u[0]));
  const std::string shadow = Qualified(FirstArtifact(ready));
  const std::string lock = mysql::QuoteString(DaemonLockName(db_));
  const std::string holder =
      Value(absl::StrCat("SELECT IS_USED_LOCK(", lock, ")"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> other,
                       harness::ConnectTo(*instance_));
  ASSERT_OK(conn_->Execute(absl::StrCat("KILL CONNECTION ", holder)));
  ASSERT_OK_AND_ASSIGN(
      std::string got,
      mysql::QueryValue(*other,
                        absl::StrCat("SELECT GET_LOCK(", lock, ", 10)")));
  ASSERT_EQ(got, "1");
  ASSERT_OK(WaitFor(Clock::Real(), "the daemon to stand down",
                    [&]() -> absl::StatusOr<bool> { return deposed.load(); }));
  EXPECT_THAT(executor_->Cancel(u[0]), StatusIs(absl::StatusCode::kUnavailable,
                                                HasSubstr("another sidecutd")));
  EXPECT_THAT(
      executor_->PrepareCutOver(u[0], absl::Seconds(5), false,
                                absl::InfiniteFuture()),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("another sidecutd")));
  EXPECT_THAT(
      executor_->Submit("CREATE TABLE deposed (id INT PRIMARY KEY)", "direct",
                        ""),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("another sidecutd")));
  ExpectNoStreamCarriesANewRow(shadow, "a deposed daemon's stream applies");
  // The daemon that holds the lock now (here, a new one once it is free).
  ASSERT_OK(other->Execute(absl::StrCat("DO RELEASE_LOCK(", lock, ")")));
  executor_.reset();
  StartExecutor();
  ASSERT_OK(executor_->Complete(u[0]).status());
  Migration done = WaitStatus(u[0], kStatusComplete);
  ExpectArtifactHoldsTheSameUsers(done);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users WHERE id = 5000"), "1");
}

// One daemon runs a database's migrations: a second one for it does not
// start (both ran every queued migration, each with a stream of its own),
// naming the one that does; once that one stops, another starts.
TEST_F(ExecutorTest, OneDaemonPerDatabase) {
  StartExecutor();
  ExecutorOptions o = Options();
  o.daemon_lock_wait = absl::Milliseconds(500);
  EXPECT_THAT(Executor::Start(o, Clock::Real()).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("another sidecutd runs the migrations "
                                       "of database"),
                             HasSubstr("connection "))));
  // Other databases on the same server have their own, `_Z` and `_z` too
  // (different databases here).
  const std::string upper = db_ + "_Z";
  const std::string lower = db_ + "_z";
  for (const std::string& d : {upper, lower}) {
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE IF NOT EXISTS ",
                                          mysql::QuoteIdentifier(d))));
  }
  {
    ExecutorOptions a = o;
    a.db = upper;
    ExecutorOptions b = o;
    b.db = lower;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Executor> first,
                         Executor::Start(a, Clock::Real()));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Executor> second,
                         Executor::Start(b, Clock::Real()));
  }
  for (const std::string& d : {upper, lower}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("DROP DATABASE ", mysql::QuoteIdentifier(d))));
  }
  executor_.reset();
  ASSERT_OK_AND_ASSIGN(executor_, Executor::Start(Options(), Clock::Real()));
}

// A DROP of a table a transaction holds waits for it a few seconds at a
// time, not a minute: while the RENAME waits for the metadata lock, every
// new query on the table queues behind it. It fails saying why, the table
// untouched, and goes through once the transaction ends.
TEST_F(ExecutorTest, ADropWaitsBrieflyForATableInUse) {
  CreateUsers(100);
  ExecutorOptions o = Options();
  o.live_ddl_lock_wait = absl::Seconds(1);
  StartExecutor(o);
  const std::string users = Qualified("users");
  ASSERT_OK_AND_ASSIGN(auto holder, harness::ConnectTo(*instance_));
  ASSERT_OK(holder->Execute("BEGIN"));
  ASSERT_OK(holder->Execute(absl::StrCat("SELECT COUNT(*) FROM ", users)));
  ASSERT_OK_AND_ASSIGN(auto reader, harness::ConnectTo(*instance_));
  std::atomic<bool> stop{false};
  absl::Duration longest;
  std::thread reads([&] {
    while (!stop) {
      const absl::Time start = absl::Now();
      if (!reader->Execute(absl::StrCat("SELECT COUNT(*) FROM ", users)).ok()) {
        break;
      }
      longest = std::max(longest, absl::Now() - start);
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("DROP TABLE users", "vitess", ""));
  Migration m = WaitStatus(u[0], kStatusFailed);
  stop = true;
  reads.join();
  EXPECT_THAT(m.message, HasSubstr("is in use: a transaction holds it"));
  EXPECT_LT(longest, absl::Milliseconds(2500));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "100");
  ASSERT_OK(holder->Execute("COMMIT"));
  ASSERT_OK(executor_->Retry(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
}

// Part of a second of retention is rounded up: 0 would mean the default.
TEST_F(ExecutorTest, RetentionUnderASecondIsNotTheDefault) {
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> uuids,
      executor_->Submit("CREATE TABLE kept_briefly (id INT PRIMARY KEY)",
                        "vitess --retain-artifacts=500ms", ""));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(uuids[0]));
  EXPECT_EQ(m.retain_artifacts_seconds, 1);
}

// A MERGE table's DELETE deletes the rows of the tables it merges: GC
// drops such a table unpurged (as DROP TABLE would, touching nothing
// else), as it does a system-versioned one (whose DELETE keeps history).
TEST_F(ExecutorTest, GcDoesNotPurgeThroughATableStandingForOthers) {
  const absl::Time past = absl::Now() - absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(
      std::string merged,
      ArtifactName(ArtifactHint::kPurge, "78787878-2222-3333-4444-555555555555",
                   past));
  ASSERT_OK_AND_ASSIGN(
      std::string versioned,
      ArtifactName(ArtifactHint::kPurge, "9a9a9a9a-2222-3333-4444-555555555555",
                   past));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE gc_log_a (id INT PRIMARY KEY) ENGINE=MyISAM SELECT seq "
      "AS id FROM seq_1_to_10"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE gc_log_b (id INT PRIMARY KEY) ENGINE=MyISAM SELECT seq "
      "AS id FROM seq_11_to_20"));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE ", mysql::QuoteIdentifier(merged),
      " (id INT NOT NULL, KEY (id)) ENGINE=MRG_MyISAM UNION=(gc_log_a, "
      "gc_log_b)")));
  ASSERT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ",
                               mysql::QuoteIdentifier(merged))),
            "20");
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE ", mysql::QuoteIdentifier(versioned),
      " (id INT PRIMARY KEY) WITH SYSTEM VERSIONING SELECT seq AS id FROM "
      "seq_1_to_10")));
  TableGcOptions o;
  o.evac = absl::ZeroDuration();
  TableGc gc(o, Clock::Real());
  for (int i = 0; i < 3; ++i) ASSERT_OK(gc.Tick(*conn_, db_).status());
  EXPECT_EQ(Value("SELECT COUNT(*) FROM gc_log_a"), "10");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM gc_log_b"), "10");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_vt\\_%'"),
            "0");
}

// A purged artifact's triggers are dropped first (a real DROP TABLE fires
// none: an audit trigger wrote a row per purged row); a sequence skips
// the purge (DELETE does not apply to it: GC failed on it every tick); a
// table referencing itself is purged (a parent row went first: refused).
TEST_F(ExecutorTest, GcPurgesWithoutFiringTriggersAndDropsSequences) {
  const absl::Time past = absl::Now() - absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(
      std::string table,
      ArtifactName(ArtifactHint::kPurge, "12121212-2222-3333-4444-555555555555",
                   past));
  ASSERT_OK_AND_ASSIGN(
      std::string sequence,
      ArtifactName(ArtifactHint::kPurge, "34343434-2222-3333-4444-555555555555",
                   past));
  ASSERT_OK(conn_->Execute("CREATE TABLE gc_audit (id INT)"));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("CREATE TABLE ", mysql::QuoteIdentifier(table),
                   " (id INT PRIMARY KEY) SELECT seq AS id FROM seq_1_to_10")));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TRIGGER gc_t AFTER DELETE ON ", mysql::QuoteIdentifier(table),
      " FOR EACH ROW INSERT INTO gc_audit VALUES (OLD.id)")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("CREATE SEQUENCE ", mysql::QuoteIdentifier(sequence))));
  // A table referencing itself: its parent rows go before their children.
  ASSERT_OK_AND_ASSIGN(
      std::string self,
      ArtifactName(ArtifactHint::kPurge, "56565656-2222-3333-4444-555555555555",
                   past));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("CREATE TABLE ", mysql::QuoteIdentifier(self),
                   " (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES ",
                   mysql::QuoteIdentifier(self), " (id))")));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("INSERT INTO ", mysql::QuoteIdentifier(self),
                                  " VALUES (1, NULL), (2, 1), (3, 2)")));
  TableGcOptions o;
  o.evac = absl::ZeroDuration();
  TableGc gc(o, Clock::Real());
  for (int i = 0; i < 3; ++i) ASSERT_OK(gc.Tick(*conn_, db_).status());
  EXPECT_EQ(Value("SELECT COUNT(*) FROM gc_audit"), "0");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_vt\\_%'"),
            "0");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE "
                  "TRIGGER_SCHEMA = DATABASE()"),
            "0");
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
