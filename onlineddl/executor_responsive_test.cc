// The executor stays responsive while the server is slow: the build of a
// shadow's deferred indexes runs beside the scheduler (the migration waits
// for it, a cancel ends it), and reading migrations does not wait for a
// scheduling round (a cut-over waiting for a lock).
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_error.h"
#include "onlineddl/executor.h"
#include "onlineddl/testing/executor_fixture.h"
#include "tests/harness/instance_connection.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Generous: CI's 2 cores may be busy.
constexpr WaitOptions kSlow{.timeout = absl::Seconds(60)};

class ResponsiveTest : public testing::ExecutorFixture {
 protected:
  // Starts an ALTER of a table with a secondary index and holds a metadata
  // lock on its shadow (an open transaction that read it) before the copy:
  // the copy goes on, the index build after it waits.
  void StartBlockedBuild() {
    LaunchThrottled();
    if (HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(blocker_, harness::ConnectTo(*instance_));
    ASSERT_OK(blocker_->Execute("START TRANSACTION"));
    ASSERT_OK(blocker_->Execute(
        absl::StrCat("SELECT COUNT(*) FROM ", Qualified(shadow_))));
    // Should the executor hang on the build (the defect these tests look
    // for), the lock goes away after a minute and the test fails instead.
    const uint64_t blocker_id = blocker_->ConnectionId();
    watchdog_ = std::thread([this, blocker_id] {
      if (!release_.WaitForNotificationWithTimeout(absl::Seconds(60))) {
        auto c = harness::ConnectTo(*instance_);
        if (c.ok()) {
          (*c)->Execute(absl::StrCat("KILL ", blocker_id)).IgnoreError();
        }
      }
    });
    ASSERT_OK(executor_->Throttle(uuid_, 0).status());
    Migration m;
    ASSERT_OK(WaitFor(
        Clock::Real(), "index build waiting",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
          return absl::StrContains(m.stage, "adding secondary indexes (") &&
                 AltersRunning() == "1";
        },
        kSlow))
        << "stage: " << m.stage << " (" << m.message << ")"
        << "; ALTERs of the shadow: " << AltersRunning();
  }
  // Starts an ALTER of a table with a secondary index, throttled: the
  // shadow is there (its index deferred), the copy waits.
  void LaunchThrottled() {
    ASSERT_OK(conn_->Execute(
        "CREATE TABLE users (id INT PRIMARY KEY, val INT, KEY val (val))"));
    ASSERT_OK(
        conn_->Execute("INSERT INTO users SELECT seq, seq % 100 FROM "
                       "seq_1_to_20000"));
    StartExecutor();
    // Launched throttled: the shadow is there, its copy waits.
    ASSERT_OK_AND_ASSIGN(auto u,
                         executor_->Submit("ALTER TABLE users ADD COLUMN c INT",
                                           "vitess --postpone-launch", ""));
    uuid_ = u[0];
    ASSERT_OK(executor_->Throttle(uuid_, 1.0).status());
    ASSERT_OK(executor_->Launch(uuid_).status());
    Migration m;
    ASSERT_OK(WaitFor(
        Clock::Real(), "shadow created",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
          return m.stage == "throttled by user" && !m.artifacts.empty();
        },
        kSlow));
    shadow_ = FirstArtifact(m);
  }
  void Release() {
    if (!release_.HasBeenNotified()) {
      ASSERT_OK(blocker_->Execute("COMMIT"));
      release_.Notify();
    }
  }
  void TearDown() override {
    if (watchdog_.joinable()) {
      if (!release_.HasBeenNotified()) release_.Notify();
      watchdog_.join();
    }
    ExecutorFixture::TearDown();
  }
  std::string UsersDdl() {
    absl::StatusOr<mysql::Result> r = conn_->Execute("SHOW CREATE TABLE users");
    EXPECT_OK(r.status());
    return r.ok() && !r->rows.empty() ? std::string(r->rows[0].Get(1)) : "";
  }
  // The ALTER applied, the index back where it was, every row there.
  void ExpectAltered() {
    const std::string ddl = UsersDdl();
    EXPECT_THAT(ddl, HasSubstr("`c` int(11) DEFAULT NULL"));
    EXPECT_THAT(ddl, HasSubstr("PRIMARY KEY (`id`),\n  KEY `val` (`val`)\n)"));
    EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "20000");
  }
  // The original table as it was.
  void ExpectUntouched() {
    EXPECT_THAT(UsersDdl(), Not(HasSubstr("`c`")));
    EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "20000");
  }
  // How many sessions run an ALTER of the shadow.
  std::string AltersRunning() {
    return Value(absl::StrCat(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
        "COMMAND = 'Query' AND INFO LIKE 'ALTER TABLE %",
        shadow_, "%'"));
  }

  std::string uuid_;
  std::string shadow_;
  std::unique_ptr<mysql::MysqlConnection> blocker_;
  absl::Notification release_;
  std::thread watchdog_;
};

TEST_F(ResponsiveTest, TheMigrationWaitsForItsIndexesWhileTheExecutorAnswers) {
  StartBlockedBuild();
  if (HasFatalFailure()) return;
  // Ticks go on: the stage counts the build's seconds, and reading the
  // migration does not wait for the build.
  Migration m;
  ASSERT_OK(WaitFor(
      Clock::Real(), "ticks during the build", [&]() -> absl::StatusOr<bool> {
        const absl::Time t0 = absl::Now();
        SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
        if (absl::Now() - t0 > absl::Seconds(2)) {
          return absl::DeadlineExceededError("Get waited");
        }
        return absl::StrContains(m.stage, "adding secondary indexes (2s)");
      }));
  EXPECT_EQ(m.status, kStatusRunning);
  EXPECT_FALSE(m.ready_to_complete);
  EXPECT_EQ(m.progress, 100.0);
  EXPECT_EQ(m.eta_seconds, -1);  // unknown while the server builds
  Release();
  WaitStatus(uuid_, kStatusComplete);
  ExpectAltered();
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users WHERE val = 7"), "200");
}

// A throttle during the build stops the stream, which ends its hold; once
// unthrottled it is held again until the build ends (it ran, its writes to
// the shadow queued behind the build's ALTER, stalling the group commit
// at the build's end).
TEST_F(ResponsiveTest, AThrottleDuringTheBuildKeepsTheStreamHeld) {
  StartBlockedBuild();
  if (HasFatalFailure()) return;
  const std::string state =
      absl::StrCat("SELECT state FROM _vt.vreplication WHERE workflow = ",
                   mysql::QuoteString(uuid_));
  ASSERT_OK(executor_->Throttle(uuid_, 1.0).status());
  ASSERT_OK(WaitFor(
      Clock::Real(), "stream stopped",
      [&]() -> absl::StatusOr<bool> { return Value(state) == "Stopped"; },
      kSlow));
  ASSERT_OK(executor_->Throttle(uuid_, 0).status());
  ASSERT_OK(WaitFor(
      Clock::Real(), "stream started",
      [&]() -> absl::StatusOr<bool> { return Value(state) == "Running"; },
      kSlow));
  ASSERT_OK(conn_->Execute("UPDATE users SET val = 1000 WHERE id = 5"));
  // A stream running would be applying it now, waiting behind the ALTER.
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(
      Value(absl::StrCat(
          "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE "
          "COMMAND = 'Query' AND INFO LIKE '%",
          shadow_,
          "%' AND INFO NOT LIKE 'ALTER TABLE%' AND ID <> CONNECTION_ID()")),
      "0");
  Release();
  WaitStatus(uuid_, kStatusComplete);
  EXPECT_EQ(Value("SELECT val FROM users WHERE id = 5"), "1000");
  EXPECT_THAT(UsersDdl(), HasSubstr("KEY `val` (`val`)"));
}

TEST_F(ResponsiveTest, CancelEndsTheBuildAndLeavesTheTable) {
  StartBlockedBuild();
  if (HasFatalFailure()) return;
  auto cancelled =
      std::async(std::launch::async, [&] { return executor_->Cancel(uuid_); });
  ASSERT_EQ(cancelled.wait_for(std::chrono::seconds(10)),
            std::future_status::ready)
      << "cancel waited for the build";
  ASSERT_THAT(cancelled.get(), IsOkAndHolds(1));
  ASSERT_OK(WaitFor(
      Clock::Real(), "build ended",
      [&]() -> absl::StatusOr<bool> { return AltersRunning() == "0"; }));
  Release();
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(uuid_));
  EXPECT_EQ(m.status, kStatusCancelled);
  ExpectUntouched();
}

TEST_F(ResponsiveTest, ReadsDoNotWaitForACutOverWaitingForALock) {
  ASSERT_OK(conn_->Execute("CREATE TABLE users (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO users SELECT seq, seq FROM "
                     "seq_1_to_2000"));
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(auto u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN c INT",
                                         "vitess --postpone-completion "
                                         "--cut-over-threshold=6s",
                                         ""));
  ASSERT_OK(WaitFor(Clock::Real(), "ready", [&]() -> absl::StatusOr<bool> {
    SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(u[0]));
    return m.ready_to_complete;
  }));
  // A transaction that read the table holds its metadata lock: the
  // cut-over's lock waits, up to the threshold, inside a scheduling round.
  ASSERT_OK_AND_ASSIGN(blocker_, harness::ConnectTo(*instance_));
  ASSERT_OK(blocker_->Execute("START TRANSACTION"));
  ASSERT_OK(blocker_->Execute(
      absl::StrCat("SELECT COUNT(*) FROM ", Qualified("users"))));
  ASSERT_OK(executor_->Complete(u[0]).status());
  ASSERT_OK(
      WaitFor(Clock::Real(), "cut-over waiting", [&]() -> absl::StatusOr<bool> {
        return Value(absl::StrCat(
                   "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                   "WHERE STATE LIKE '%metadata lock%' AND INFO LIKE '%",
                   db_, "%'")) != "0";
      }));
  const absl::Time t0 = absl::Now();
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  ASSERT_OK_AND_ASSIGN(std::vector<Migration> all, executor_->List(""));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(1));
  EXPECT_EQ(m.status, kStatusRunning);
  EXPECT_EQ(all.size(), 1u);
  ASSERT_OK(blocker_->Execute("COMMIT"));
  WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(c) + COUNT(*) FROM users"), "2000");
}

// Stopping the daemon mid-build kills the build (it does not wait for the
// server); the restarted one builds again and completes the migration.
TEST_F(ResponsiveTest, ARestartDuringTheBuildBuildsAgain) {
  StartBlockedBuild();
  if (HasFatalFailure()) return;
  const absl::Time t0 = absl::Now();
  executor_.reset();
  EXPECT_LT(absl::Now() - t0, absl::Seconds(5)) << "shutdown waited";
  ASSERT_OK(WaitFor(
      Clock::Real(), "build killed",
      [&]() -> absl::StatusOr<bool> { return AltersRunning() == "0"; }, kSlow));
  StartExecutor();
  ASSERT_OK(WaitFor(
      Clock::Real(), "build again",
      [&]() -> absl::StatusOr<bool> { return AltersRunning() == "1"; }, kSlow));
  Release();
  WaitStatus(uuid_, kStatusComplete);
  ExpectAltered();
}

// A daemon killed during the build (SIGKILL: no shutdown kills it) leaves
// its ALTER running in the server. Here: the build's statement, run again
// on a session of the test's after the executor stopped, blocked as it
// was. The next executor waits for it (a second ALTER would wait behind
// it, then fail on the names it added, error 1061).
class LeftRunningTest : public ResponsiveTest {
 protected:
  void LeaveBuildRunning() {
    StartBlockedBuild();
    if (HasFatalFailure()) return;
    const std::string build = Value(absl::StrCat(
        "SELECT INFO FROM information_schema.PROCESSLIST WHERE COMMAND = "
        "'Query' AND INFO LIKE 'ALTER TABLE %",
        shadow_, "%'"));
    ASSERT_THAT(build, HasSubstr(" ADD KEY `val`"));
    executor_.reset();  // kills its build
    ASSERT_OK(WaitFor(
        Clock::Real(), "build killed",
        [&]() -> absl::StatusOr<bool> { return AltersRunning() == "0"; },
        kSlow));
    ASSERT_OK_AND_ASSIGN(left_, harness::ConnectTo(*instance_));
    left_done_ = std::async(std::launch::async,
                            [this, build] { return left_->Execute(build); });
    ASSERT_OK(WaitFor(
        Clock::Real(), "build left running",
        [&]() -> absl::StatusOr<bool> { return AltersRunning() == "1"; },
        kSlow));
    StartExecutor();
    ASSERT_OK(WaitFor(
        Clock::Real(), "the next executor waiting for it",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid_));
          return absl::StrContains(
              m.stage,
              "waiting for the build an earlier sidecutd left running");
        },
        kSlow));
    // Some ticks later, still no second build.
    absl::SleepFor(absl::Seconds(1));
    EXPECT_EQ(AltersRunning(), "1");
  }
  void TearDown() override {
    // The left build ends once the blocker commits (a failed assertion
    // may have left it blocked).
    if (blocker_ != nullptr) Release();
    if (left_done_.valid()) left_done_.wait();
    ResponsiveTest::TearDown();
  }

  std::unique_ptr<mysql::MysqlConnection> left_;
  std::future<absl::StatusOr<mysql::Result>> left_done_;
};

TEST_F(LeftRunningTest, ABuildAnEarlierDaemonLeftRunningIsWaitedFor) {
  LeaveBuildRunning();
  if (HasFatalFailure()) return;
  Release();
  EXPECT_OK(left_done_.get().status());
  Migration m = WaitStatus(uuid_, kStatusComplete);
  EXPECT_THAT(m.message, Not(HasSubstr("1061")));
  ExpectAltered();
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users WHERE val = 7"), "200");
}

TEST_F(LeftRunningTest, CancelEndsABuildAnEarlierDaemonLeftRunning) {
  LeaveBuildRunning();
  if (HasFatalFailure()) return;
  ASSERT_THAT(executor_->Cancel(uuid_), IsOkAndHolds(1));
  ASSERT_OK(WaitFor(
      Clock::Real(), "build ended",
      [&]() -> absl::StatusOr<bool> { return AltersRunning() == "0"; }));
  // Killed (ER_QUERY_INTERRUPTED), not ended by the blocker.
  EXPECT_EQ(mysql::MysqlErrno(left_done_.get().status()), 1317);
  Release();
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(uuid_));
  EXPECT_EQ(m.status, kStatusCancelled);
  ExpectUntouched();
}

// A failure ends it too: the shadow goes to table GC, and the build ran on
// for nothing (here the stream failing for good, as a stream's error
// past error_grace would).
TEST_F(LeftRunningTest, AFailureEndsABuildAnEarlierDaemonLeftRunning) {
  LeaveBuildRunning();
  if (HasFatalFailure()) return;
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.vreplication SET state = 'Error', message = 'simulated' "
      "WHERE workflow = ",
      mysql::QuoteString(uuid_))));
  WaitStatus(uuid_, kStatusFailed);
  ASSERT_OK(WaitFor(
      Clock::Real(), "build ended",
      [&]() -> absl::StatusOr<bool> { return AltersRunning() == "0"; }));
  // Killed (ER_QUERY_INTERRUPTED), not ended by the blocker.
  EXPECT_EQ(mysql::MysqlErrno(left_done_.get().status()), 1317);
  Release();
  ExpectUntouched();
}

// The build starts only while the replicas keep up (what holds copies
// back): once started it is one statement, which each replica runs as long
// again. It used to start whatever their lag.
TEST_F(ResponsiveTest, TheBuildWaitsWhileTheReplicasLag) {
  // Shared with the executor, which outlives this body.
  auto lagging = std::make_shared<std::atomic<bool>>(true);
  auto asked = std::make_shared<std::atomic<int>>(0);
  ExecutorOptions o = Options();
  // What holds table GC back (by default: copies' throttle), the build's
  // by default; copies are not held here.
  o.gc.throttle = [lagging,
                   asked](mysql::Connection&) -> absl::StatusOr<std::string> {
    ++*asked;
    return *lagging ? std::string("replica r1 lags 9s (most 5s)")
                    : std::string();
  };
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE users (id INT PRIMARY KEY, val INT, KEY val (val))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO users SELECT seq, seq % 100 FROM seq_1_to_20000"));
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      auto u,
      executor_->Submit("ALTER TABLE users ADD COLUMN c INT", "vitess", ""));
  uuid_ = u[0];
  Migration m;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the build waiting",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
        return absl::StrContains(m.stage,
                                 "adding secondary indexes waits: replica r1 "
                                 "lags 9s");
      },
      kSlow))
      << m.stage;
  shadow_ = FirstArtifact(m);
  const int before = *asked;
  ASSERT_OK(WaitFor(Clock::Real(), "ticks", [&]() -> absl::StatusOr<bool> {
    return *asked >= before + 5;
  }));
  EXPECT_EQ(AltersRunning(), "0");
  // Nothing holds a snapshot open meanwhile (the verification beside the
  // build waited for it with one taken: for as long as the replicas lag,
  // InnoDB could not purge).
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE "
                  "trx_started < NOW() - INTERVAL 2 SECOND"),
            "0");
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(uuid_));
  EXPECT_EQ(m.status, kStatusRunning);
  EXPECT_FALSE(m.ready_to_complete);
  EXPECT_THAT(UsersDdl(), Not(HasSubstr("`c`")));
  *lagging = false;
  WaitStatus(uuid_, kStatusComplete);
  ExpectAltered();
}

// A build that keeps failing fails the migration with a message naming
// the shadow and the way out; the original table is left as it was.
TEST_F(ResponsiveTest, AnIndexBuildThatKeepsFailingFailsTheMigration) {
  LaunchThrottled();
  if (HasFatalFailure()) return;
  // The recorded definition names a column the shadow does not have.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.sidecut_deferred_indexes SET definition = "
                   "'KEY `val` (`no_such_column`)' WHERE migration_uuid = '",
                   uuid_, "'")));
  ASSERT_OK(executor_->Throttle(uuid_, 0).status());
  Migration m = WaitStatus(uuid_, kStatusFailed);
  EXPECT_THAT(m.message, HasSubstr("could not add the secondary indexes"));
  EXPECT_THAT(m.message, HasSubstr(shadow_));
  EXPECT_THAT(m.message, HasSubstr("(3 attempts)"));
  EXPECT_THAT(m.message, HasSubstr("no_such_column"));
  EXPECT_THAT(m.message, HasSubstr("--defer_secondary_indexes=false"));
  ExpectUntouched();
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
