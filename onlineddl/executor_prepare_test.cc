// The two-phase cut-over a controller drives across shards, on a real
// MariaDB: prepare holds the table's lock (writes wait) with the stream
// stopped; abort releases it leaving the old table serving and the
// migration ready; commit swaps; a prepare whose hold passes is aborted by
// the scheduler itself; several prepared migrations commit in one RENAME.
#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/executor.h"
#include "onlineddl/testing/executor_fixture.h"
#include "tests/harness/instance_connection.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/testing/vr_test_util.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;
using vreplication::testing::Checksum;
using vreplication::testing::Writer;

class PrepareCutOverTest : public testing::ExecutorFixture {
 protected:
  void CreateUsers(int rows) {
    ASSERT_OK(conn_
                  ->Execute("CREATE TABLE users (id INT PRIMARY KEY "
                            "AUTO_INCREMENT, name VARCHAR(64) NOT NULL, val "
                            "INT)")
                  .status());
    ASSERT_OK(conn_
                  ->Execute(absl::StrCat("INSERT INTO users (name, val) SELECT "
                                         "CONCAT('user', seq), seq FROM "
                                         "seq_1_to_",
                                         rows))
                  .status());
  }
  std::string SubmitReady(const std::string& sql,
                          const std::string& flags = "") {
    absl::StatusOr<std::vector<std::string>> uuids = executor_->Submit(
        sql, "vitess --postpone-completion --allow-concurrent " + flags, "");
    EXPECT_OK(uuids.status());
    if (!uuids.ok()) return "";
    const std::string uuid = (*uuids)[0];
    EXPECT_OK(WaitFor(
        Clock::Real(), "ready to complete",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid));
          if (m.status == kStatusFailed) return absl::InternalError(m.message);
          return m.ready_to_complete && m.status == kStatusRunning;
        },
        WaitOptions{.timeout = absl::Seconds(60)}));
    return uuid;
  }
  // After an aborted prepare: the stream goes on and the migration is
  // ready to complete again.
  absl::Status WaitReadyAgain(const std::string& uuid) {
    return WaitFor(
        Clock::Real(), "ready again",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid));
          return m.status == kStatusRunning && m.ready_to_complete &&
                 m.stage.find("ready") != std::string::npos;
        },
        WaitOptions{.timeout = absl::Seconds(30)});
  }
  // Whether a write to users can proceed within a second.
  bool CanWrite() {
    auto c = harness::ConnectTo(*instance_);
    EXPECT_OK(c.status());
    if (!c.ok()) return false;
    EXPECT_OK((*c)->Execute("SET SESSION lock_wait_timeout = 1").status());
    return (*c)
        ->Execute(absl::StrCat("INSERT INTO ", Qualified("users"),
                               " (name, val) VALUES ('probe', -1)"))
        .ok();
  }
  // Begins a transaction on `c` that writes orders (and holds it).
  absl::Status BeginWritingOrders(mysql::Connection& c, int val) {
    SC_RETURN_IF_ERROR(c.Execute("START TRANSACTION").status());
    return c
        .Execute(absl::StrCat("INSERT INTO ", Qualified("orders"),
                              " (name, val) VALUES ('app', ", val, ")"))
        .status();
  }
  bool HasColumn(const std::string& column) {
    return Value(absl::StrCat(
               "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
               "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND "
               "COLUMN_NAME = '",
               column, "'")) == "1";
  }
};

TEST_F(PrepareCutOverTest, AbortLeavesTheOldTableServingAndCommitSwaps) {
  CreateUsers(3000);
  StartExecutor();
  Writer writer(harness::ConnectParamsFor(*instance_), Qualified("users"), 4000,
                300);
  writer.Start();
  const std::string uuid =
      SubmitReady("ALTER TABLE users ADD COLUMN extra INT NOT NULL DEFAULT 7");
  ASSERT_FALSE(uuid.empty());
  // Refused while the tablet owns the cut-over or nothing is prepared.
  EXPECT_THAT(executor_->CommitCutOver(uuid),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no prepared cut-over")));

  ASSERT_OK(executor_->PrepareCutOver(uuid, absl::Seconds(30)));
  EXPECT_FALSE(CanWrite()) << "prepared: writes must wait";
  EXPECT_THAT(executor_->PrepareCutOver(uuid, absl::Seconds(30)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already prepared")));
  // The controller may have decided to swap it on every shard: a cancel
  // sent to this tablet alone is refused (and CANCEL ALL skips it), or the
  // shard would be left behind for good.
  EXPECT_THAT(executor_->Cancel(uuid),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("prepared for a gated cut-over")));
  EXPECT_THAT(executor_->Cancel("all"), IsOkAndHolds(0));
  EXPECT_EQ(executor_->Get(uuid)->status, kStatusRunning);
  EXPECT_FALSE(CanWrite()) << "still prepared";
  ASSERT_OK(executor_->AbortCutOver(uuid));
  EXPECT_TRUE(CanWrite()) << "aborted: the old table serves";
  EXPECT_FALSE(HasColumn("extra"));
  // The stream goes on and the migration stays ready.
  ASSERT_OK(WaitReadyAgain(uuid));

  ASSERT_OK(executor_->PrepareCutOver(uuid, absl::Seconds(30)));
  ASSERT_OK_AND_ASSIGN(CutOverResult r, executor_->CommitCutOver(uuid));
  EXPECT_LT(r.stall, absl::Seconds(5));
  Migration m = WaitStatus(uuid, kStatusComplete);
  EXPECT_EQ(m.cutover_attempts, 2);
  EXPECT_TRUE(HasColumn("extra"));
  ASSERT_OK(writer.Stop());  // no write failed across prepare/abort/commit
  EXPECT_TRUE(CanWrite());
  // The old table, kept in sync by the reverse stream, holds every row.
  const std::string artifact = FirstArtifact(m);
  ASSERT_OK(WaitFor(
      Clock::Real(), "artifact in sync",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::string a, Checksum(*conn_, Qualified(artifact),
                                                    "id, name, val"));
        SC_ASSIGN_OR_RETURN(std::string b, Checksum(*conn_, Qualified("users"),
                                                    "id, name, val"));
        return a == b;
      },
      WaitOptions{.timeout = absl::Seconds(30)}));
}

// A prepare naming another database's migration (a daemon beside the same
// server for it, a misdirected request) is refused: it locked that
// database's table and stopped its stream.
TEST_F(PrepareCutOverTest, AnotherDatabasesMigrationIsNotPrepared) {
  CreateUsers(100);
  StartExecutor();
  const std::string uuid =
      SubmitReady("ALTER TABLE users ADD COLUMN extra INT NOT NULL DEFAULT 7");
  ASSERT_FALSE(uuid.empty());
  const std::string where =
      absl::StrCat(" WHERE migration_uuid = ", mysql::QuoteString(uuid));
  ASSERT_OK(conn_->Execute(
      "UPDATE _vt.schema_migrations SET mysql_schema = 'elsewhere'" + where));
  EXPECT_THAT(executor_->PrepareCutOver(uuid, absl::Seconds(30)),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("not a migration of database")));
  EXPECT_TRUE(CanWrite());
  ASSERT_OK(conn_->Execute(
      "UPDATE _vt.schema_migrations SET mysql_schema = DATABASE()" + where));
}

// A controller deposed while it prepared (its successor, of a newer
// leadership term, has spoken to this tablet since) can neither abort nor
// commit what the successor prepared, nor prepare again; the successor
// commits.
TEST_F(PrepareCutOverTest, AnOlderControllersRequestsAreRefused) {
  CreateUsers(100);
  StartExecutor();
  const std::string uuid =
      SubmitReady("ALTER TABLE users ADD COLUMN extra INT NOT NULL DEFAULT 7");
  ASSERT_FALSE(uuid.empty());
  ASSERT_OK(executor_->PrepareCutOver(uuid, absl::Seconds(30), false,
                                      absl::InfiniteFuture(), 7));
  EXPECT_THAT(
      executor_->AbortCutOver(uuid, 6),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("no longer the leader")));
  EXPECT_FALSE(CanWrite()) << "still prepared";
  EXPECT_THAT(
      executor_->CommitCutOvers({uuid}, 6),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("leadership term 6")));
  EXPECT_THAT(executor_->PrepareCutOver(uuid, absl::Seconds(30), true,
                                        absl::InfiniteFuture(), 0),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_FALSE(HasColumn("extra"));
  ASSERT_OK(executor_->CommitCutOvers({uuid}, 7).status());
  EXPECT_TRUE(HasColumn("extra"));
}

// A server closing idle sessions after 2 s does not end a prepared
// cut-over held longer: its locks stay (writes wait) and the commit swaps.
TEST_F(PrepareCutOverTest, APreparedCutOverOutlivesTheServersIdleTimeout) {
  CreateUsers(100);
  StartExecutor();
  const std::string uuid = SubmitReady("ALTER TABLE users ADD COLUMN x INT");
  ASSERT_FALSE(uuid.empty());
  ASSERT_OK_AND_ASSIGN(
      std::string was,
      mysql::QueryValue(*conn_, "SELECT @@GLOBAL.wait_timeout"));
  struct Restore {
    mysql::Connection* conn;
    std::string value;
    ~Restore() {
      conn->Execute(absl::StrCat("SET GLOBAL wait_timeout = ", value))
          .IgnoreError();
    }
  } restore{conn_.get(), was};
  // Only the sessions the prepare opens take it.
  ASSERT_OK(conn_->Execute("SET GLOBAL wait_timeout = 2"));
  ASSERT_OK(executor_->PrepareCutOver(uuid, absl::Seconds(30)));
  ASSERT_OK(conn_->Execute(absl::StrCat("SET GLOBAL wait_timeout = ", was)));
  absl::SleepFor(absl::Seconds(4));
  EXPECT_FALSE(CanWrite()) << "the prepared lock was lost";
  ASSERT_OK(executor_->CommitCutOver(uuid).status());
  EXPECT_EQ(WaitStatus(uuid, kStatusComplete).status, kStatusComplete);
  EXPECT_TRUE(HasColumn("x"));
}

// No table GC purge, nor cleanup of a migration's artifacts, runs while a
// cut-over is prepared (its commit would wait behind the purge's DELETEs,
// or a RENAME waiting for a lock, writes to the table held meanwhile); it
// goes on once the cut-over is aborted.
TEST_F(PrepareCutOverTest, TableGcPausesWhileACutOverIsPrepared) {
  CreateUsers(100);
  ASSERT_OK(conn_->Execute("CREATE TABLE gone (id INT PRIMARY KEY)"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> dropped,
                       executor_->Submit("DROP TABLE gone", "vitess", ""));
  const std::string hold = WaitStatus(dropped[0], kStatusComplete).artifacts;
  ASSERT_TRUE(HasTable(hold));
  const std::string uuid = SubmitReady("ALTER TABLE users ADD COLUMN x INT");
  ASSERT_FALSE(uuid.empty());
  ASSERT_OK(executor_->PrepareCutOver(uuid, absl::Seconds(30)));
  ASSERT_OK(executor_->Cleanup(dropped[0]).status());
  ASSERT_OK_AND_ASSIGN(
      std::string purging,
      ArtifactName(ArtifactHint::kPurge, "12345678-2222-3333-4444-777777777777",
                   absl::Now() - absl::Hours(1)));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "CREATE TABLE ", Qualified(purging),
      " (id INT PRIMARY KEY) SELECT seq AS id FROM seq_1_to_1000")));
  // Over 40 of the fixture's ticks, not a row purged.
  for (int i = 0; i < 20; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", Qualified(purging))),
              "1000");
    ASSERT_TRUE(HasTable(hold));
  }
  ASSERT_OK(executor_->AbortCutOver(uuid));
  ASSERT_OK(WaitFor(
      Clock::Real(), "purged",
      [&]() -> absl::StatusOr<bool> { return !HasTable(purging); },
      WaitOptions{.timeout = absl::Seconds(30)}));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the cleanup",
      [&]() -> absl::StatusOr<bool> { return !HasTable(hold); },
      WaitOptions{.timeout = absl::Seconds(30)}));
}

// Two prepared migrations committed together swap in one RENAME; a group
// naming an unprepared migration swaps none and releases the others.
TEST_F(PrepareCutOverTest, PreparedMigrationsCommitTogether) {
  CreateUsers(2000);
  ASSERT_OK(conn_->Execute("CREATE TABLE orders LIKE users").status());
  ASSERT_OK(conn_->Execute("INSERT INTO orders SELECT * FROM users").status());
  StartExecutor();
  Writer writer(harness::ConnectParamsFor(*instance_), Qualified("orders"),
                3000, 300);
  writer.Start();
  const std::string a =
      SubmitReady("ALTER TABLE users ADD COLUMN extra INT NOT NULL DEFAULT 7");
  const std::string b = SubmitReady("ALTER TABLE orders ADD COLUMN note TEXT");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());

  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30)));
  EXPECT_THAT(executor_->CommitCutOvers({a, b}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("none of the 2 tables was swapped")));
  EXPECT_TRUE(CanWrite()) << "a's lock was released";
  EXPECT_FALSE(HasColumn("extra"));

  // An application transaction holding orders waits for users, locked by
  // a's prepare: b's prepare sees it and gives up (it waited until the
  // threshold, 10 s, every write to users with it).
  ASSERT_OK(WaitReadyAgain(a));
  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30)));
  auto app = harness::ConnectTo(*instance_);
  ASSERT_OK(app.status());
  ASSERT_OK(BeginWritingOrders(**app, -2));
  absl::Status app_users;
  std::thread app_waits([&] {
    app_users = (*app)
                    ->Execute(absl::StrCat("INSERT INTO ", Qualified("users"),
                                           " (name, val) VALUES ('app', -2)"))
                    .status();
  });
  Clock::Real()->SleepFor(absl::Milliseconds(200));
  const absl::Time began = absl::Now();
  EXPECT_THAT(
      executor_->PrepareCutOver(b, absl::Seconds(30)),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("gave up locking")));
  EXPECT_LT(absl::Now() - began, absl::Seconds(6));
  EXPECT_OK(executor_->AbortCutOver(a));
  app_waits.join();
  EXPECT_OK(app_users);
  ASSERT_OK((*app)->Execute("COMMIT").status());
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", Qualified("users"),
                               " WHERE name = 'app'")),
            "1");

  ASSERT_OK(WaitReadyAgain(a));
  ASSERT_OK(WaitReadyAgain(b));
  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30)));
  ASSERT_OK(executor_->PrepareCutOver(b, absl::Seconds(30)));
  // A request naming one twice is refused; both stay prepared.
  EXPECT_THAT(
      executor_->CommitCutOvers({a, b, a}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listed twice")));
  ASSERT_OK_AND_ASSIGN(std::vector<CutOverResult> r,
                       executor_->CommitCutOvers({a, b}));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(WaitStatus(a, kStatusComplete).status, kStatusComplete);
  EXPECT_EQ(WaitStatus(b, kStatusComplete).status, kStatusComplete);
  EXPECT_TRUE(HasColumn("extra"));
  ASSERT_OK(writer.Stop());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> renames,
                       vreplication::testing::BinlogRenames(*conn_));
  const int together =
      std::count_if(renames.begin(), renames.end(), [](const std::string& r) {
        return vreplication::testing::TablesRenamed(r, {"users", "orders"}) ==
               2;
      });
  EXPECT_EQ(together, 1);
}

// A group's tables are prepared one at a time, each locked while the next
// is: writes to the first wait from its lock on, so the later locks wait
// only for what is left of its threshold (each used to wait its own:
// writes to the first table stalled for both thresholds).
TEST_F(PrepareCutOverTest, AGroupsLaterLocksWaitOnlyForTheFirstsThreshold) {
  CreateUsers(500);
  ASSERT_OK(conn_->Execute("CREATE TABLE orders LIKE users").status());
  ASSERT_OK(conn_->Execute("INSERT INTO orders SELECT * FROM users").status());
  StartExecutor();
  const std::string a = SubmitReady("ALTER TABLE users ADD COLUMN extra INT",
                                    "--cut-over-threshold=5s");
  const std::string b = SubmitReady("ALTER TABLE orders ADD COLUMN note TEXT",
                                    "--cut-over-threshold=5s");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  // An idle transaction holds orders (waiting for nothing: b's lock waits
  // for it rather than giving up on a deadlock).
  auto app = harness::ConnectTo(*instance_);
  ASSERT_OK(app.status());
  ASSERT_OK(BeginWritingOrders(**app, -2));
  // As a controller does: every stream caught up first (b's catch-up
  // under a's lock is then short), then the locks.
  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30), true));
  ASSERT_OK(executor_->PrepareCutOver(b, absl::Seconds(30), true));
  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30)));
  const absl::Time locked = absl::Now();
  Clock::Real()->SleepFor(absl::Seconds(3));
  EXPECT_THAT(executor_->PrepareCutOver(b, absl::Seconds(30)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("counted from the first lock")));
  // a's threshold ended about 5 s after its lock: b gave up near then, not
  // 5 s after its own lock was requested (8 s and more).
  EXPECT_LT(absl::Now() - locked, absl::Seconds(7));
  EXPECT_OK(executor_->AbortCutOver(a));
  ASSERT_OK((*app)->Execute("COMMIT").status());
  EXPECT_TRUE(CanWrite());

  // Held past a's threshold on purpose (a controller's hold), b's lock
  // still gets a moment: a transaction ending soon is waited for, and the
  // group swaps.
  ASSERT_OK(WaitReadyAgain(a));
  ASSERT_OK(WaitReadyAgain(b));
  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30), true));
  ASSERT_OK(executor_->PrepareCutOver(b, absl::Seconds(30), true));
  ASSERT_OK(executor_->PrepareCutOver(a, absl::Seconds(30)));
  Clock::Real()->SleepFor(absl::Seconds(6));
  ASSERT_OK(BeginWritingOrders(**app, -3));
  std::thread commits([&] {
    Clock::Real()->SleepFor(absl::Milliseconds(700));
    EXPECT_OK((*app)->Execute("COMMIT").status());
  });
  const absl::Status prepared_b =
      executor_->PrepareCutOver(b, absl::Seconds(30));
  commits.join();
  ASSERT_OK(prepared_b);
  ASSERT_OK(executor_->CommitCutOvers({a, b}).status());
  EXPECT_EQ(WaitStatus(a, kStatusComplete).status, kStatusComplete);
  EXPECT_EQ(WaitStatus(b, kStatusComplete).status, kStatusComplete);
  EXPECT_TRUE(HasColumn("extra"));
}

// A hold that expires is aborted by the tablet; a request that expired
// before the tablet took it prepares nothing.
TEST_F(PrepareCutOverTest, AnExpiredHoldIsAbortedByTheTablet) {
  CreateUsers(500);
  StartExecutor();
  const std::string uuid =
      SubmitReady("ALTER TABLE users ADD COLUMN extra INT NOT NULL DEFAULT 7");
  ASSERT_FALSE(uuid.empty());
  ASSERT_OK(executor_->PrepareCutOver(uuid, absl::Milliseconds(300)));
  ASSERT_OK(WaitFor(
      Clock::Real(), "hold expired",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid));
        return m.message.find("expired") != std::string::npos;
      },
      WaitOptions{.timeout = absl::Seconds(10)}));
  EXPECT_TRUE(CanWrite());
  EXPECT_FALSE(HasColumn("extra"));
  EXPECT_THAT(executor_->CommitCutOver(uuid),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // A request whose controller gave up on it (its deadline passed while
  // the tablet was busy) prepares nothing: it locked the table for its
  // whole hold after the controller's abort had found nothing to release.
  EXPECT_THAT(executor_->PrepareCutOver(uuid, absl::Seconds(5), false,
                                        absl::Now() - absl::Milliseconds(1)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("nothing prepared")));
  EXPECT_TRUE(CanWrite());
  EXPECT_THAT(executor_->CommitCutOver(uuid),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The tablet's own cut-over still works afterwards.
  ASSERT_OK(executor_->Complete(uuid).status());
  WaitStatus(uuid, kStatusComplete);
  EXPECT_TRUE(HasColumn("extra"));
}

TEST_F(PrepareCutOverTest, OnlyAReadyPostponedMigrationCanBePrepared) {
  CreateUsers(100);
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> uuids,
                       executor_->Submit("ALTER TABLE users ADD COLUMN e INT",
                                         "vitess --postpone-launch", ""));
  EXPECT_THAT(executor_->PrepareCutOver(uuids[0], absl::Seconds(5)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not ready to complete")));
  EXPECT_FALSE(
      executor_->PrepareCutOver("no-such-uuid", absl::Seconds(5)).ok());
  // Holds that would release at once or stall writes for long.
  for (absl::Duration hold :
       {absl::ZeroDuration(), absl::Seconds(-1), absl::Minutes(6)}) {
    EXPECT_THAT(executor_->PrepareCutOver(uuids[0], hold),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("hold must be")));
  }
  EXPECT_TRUE(CanWrite());
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
