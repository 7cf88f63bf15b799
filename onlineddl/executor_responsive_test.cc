// The executor stays responsive while the server is slow: the build of a
// shadow's deferred indexes runs beside the scheduler (the migration waits
// for it, a cancel ends it), and reading migrations does not wait for a
// scheduling round (a cut-over waiting for a lock).
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

class ResponsiveTest : public testing::ExecutorFixture {
 protected:
  // Starts an ALTER of a table with a secondary index and holds a metadata
  // lock on its shadow (an open transaction that read it) before the copy:
  // the copy goes on, the index build after it waits.
  void StartBlockedBuild() {
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
    ASSERT_OK(
        WaitFor(Clock::Real(), "shadow created", [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
          return m.stage == "throttled by user" && !m.artifacts.empty();
        }));
    shadow_ = FirstArtifact(m);
    ASSERT_OK_AND_ASSIGN(blocker_, harness::ConnectTo(*instance_));
    ASSERT_OK(blocker_->Execute("START TRANSACTION"));
    ASSERT_OK(blocker_->Execute(
        absl::StrCat("SELECT COUNT(*) FROM ", Qualified(shadow_))));
    // Should the executor hang on the build (the defect these tests look
    // for), the lock goes away after a minute and the test fails instead.
    watchdog_ = std::thread([this] {
      if (!release_.WaitForNotificationWithTimeout(absl::Seconds(60))) {
        blocker_->Execute("ROLLBACK").IgnoreError();
      }
    });
    ASSERT_OK(executor_->Throttle(uuid_, 0).status());
    ASSERT_OK(WaitFor(
        Clock::Real(), "index build waiting", [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
          return absl::StrContains(m.stage, "adding secondary indexes (");
        }));
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
  EXPECT_EQ(AltersRunning(), "1");
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
  Release();
  m = WaitStatus(uuid_, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(mysql::Result created,
                       conn_->Execute("SHOW CREATE TABLE users"));
  const std::string ddl(created.rows[0].Get(1));
  EXPECT_THAT(ddl, HasSubstr("`c` int(11) DEFAULT NULL"));
  EXPECT_THAT(ddl, HasSubstr("PRIMARY KEY (`id`),\n  KEY `val` (`val`)\n)"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users WHERE val = 7"), "200");
}

TEST_F(ResponsiveTest, CancelEndsTheBuildAndLeavesTheTable) {
  StartBlockedBuild();
  if (HasFatalFailure()) return;
  EXPECT_EQ(AltersRunning(), "1");
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
  ASSERT_OK_AND_ASSIGN(mysql::Result created,
                       conn_->Execute("SHOW CREATE TABLE users"));
  EXPECT_THAT(std::string(created.rows[0].Get(1)), Not(HasSubstr("`c`")));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "20000");
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
        return Value(
                   "SELECT COUNT(*) FROM "
                   "information_schema.PROCESSLIST WHERE "
                   "STATE LIKE '%metadata lock%'") != "0";
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

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
