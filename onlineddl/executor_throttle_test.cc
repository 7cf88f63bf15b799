// Throttling migrations as Vitess does: THROTTLE ALL holds migrations
// submitted later too, a throttle can expire, a ratio below 1 slows the
// copy without stopping the stream, and the throttles outlive a restart of
// the daemon.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/testing/executor_fixture.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;

class ThrottleTest : public testing::ExecutorFixture {
 protected:
  void CreateTable(const std::string& name, int rows) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", name, " (id INT PRIMARY KEY, val INT)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", name, " SELECT seq, seq FROM seq_1_to_", rows)));
  }
  // The state of `uuid`'s stream ("" while it has none).
  std::string StreamState(const std::string& uuid) {
    return Value(absl::StrCat(
        "SELECT IFNULL(MAX(state), '') FROM _vt.vreplication WHERE workflow = ",
        mysql::QuoteString(uuid)));
  }
  // Waits until `uuid` is running and held by the user's throttle: its
  // stream stopped by request.
  void WaitThrottled(const std::string& uuid) {
    ASSERT_OK(WaitFor(Clock::Real(), absl::StrCat(uuid, " throttled by user"),
                      [&]() -> absl::StatusOr<bool> {
                        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid));
                        if (IsTerminalStatus(m.status)) {
                          return absl::FailedPreconditionError(absl::StrCat(
                              "ended ", m.status, ": ", m.message));
                        }
                        return m.status == kStatusRunning &&
                               m.stage == "throttled by user" &&
                               m.user_throttle_ratio == 1;
                      },
                      {.timeout = absl::Seconds(60)}));
    EXPECT_EQ(StreamState(uuid), "Stopped");
  }
  // Several rounds of the executor later, `uuid` is still held: its
  // stream never ran meanwhile.
  void StaysThrottled(const std::string& uuid) {
    for (int i = 0; i < 20; ++i) {
      absl::SleepFor(absl::Milliseconds(50));  // the fixture's tick
      EXPECT_EQ(StreamState(uuid), "Stopped");
    }
    WaitThrottled(uuid);
  }
  std::vector<std::string> Submit(const std::string& sql,
                                  const std::string& strategy = "vitess") {
    absl::StatusOr<std::vector<std::string>> u =
        executor_->Submit(sql, strategy, "");
    EXPECT_OK(u.status());
    return u.ok() ? *u : std::vector<std::string>{""};
  }
};

// THROTTLE ALL holds migrations submitted after it (Vitess throttles the
// "online-ddl" app), also across a restart of the daemon; UNTHROTTLE of
// one of them alone leaves it held by ALL; UNTHROTTLE ALL lets them go.
TEST_F(ThrottleTest, ThrottleAllHoldsMigrationsSubmittedLater) {
  CreateTable("ta", 1000);
  StartExecutor();
  ASSERT_OK_AND_ASSIGN(
      mysql::Result r,
      executor_->ExecuteCommand("alter vitess_migration throttle all"));
  EXPECT_EQ(r.affected_rows, 0u);  // nothing pending yet
  const std::string u = Submit("ALTER TABLE ta ADD COLUMN c INT")[0];
  WaitThrottled(u);
  // Its own unthrottle does not lift the throttle of all.
  ASSERT_OK(executor_->Throttle(u, 0).status());
  StaysThrottled(u);
  StartExecutor();  // a restart keeps it
  StaysThrottled(u);
  ASSERT_OK_AND_ASSIGN(
      r, executor_->ExecuteCommand("alter vitess_migration unthrottle all"));
  EXPECT_EQ(r.affected_rows, 1u);
  WaitStatus(u, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM ta WHERE c IS NULL"), "1000");
}

// THROTTLE ... EXPIRE lasts that long, then the migration goes on by
// itself; a migration throttled both on its own and with ALL stays held
// until both are gone.
TEST_F(ThrottleTest, AThrottleWithAnExpiryEnds) {
  CreateTable("te", 1000);
  StartExecutor();
  const std::string u =
      Submit("ALTER TABLE te ADD COLUMN c INT", "vitess --postpone-launch")[0];
  ASSERT_OK_AND_ASSIGN(mysql::Result r, executor_->ExecuteCommand(absl::StrCat(
                                            "alter vitess_migration '", u,
                                            "' throttle expire '6s'")));
  EXPECT_EQ(r.affected_rows, 1u);
  const absl::Time throttled = absl::Now();
  ASSERT_OK(executor_->Launch(u).status());
  WaitThrottled(u);
  WaitStatus(u, kStatusComplete);
  EXPECT_GE(absl::Now() - throttled, absl::Seconds(6));
  // Held by two throttles: the shorter one's end does not release it.
  CreateTable("te2", 1000);
  const std::string v =
      Submit("ALTER TABLE te2 ADD COLUMN c INT", "vitess --postpone-launch")[0];
  ASSERT_OK(executor_
                ->ExecuteCommand(absl::StrCat("alter vitess_migration '", v,
                                              "' throttle expire '1s'"))
                .status());
  ASSERT_OK(
      executor_
          ->ExecuteCommand("alter vitess_migration throttle all expire '1h'")
          .status());
  ASSERT_OK(executor_->Launch(v).status());
  WaitThrottled(v);
  StaysThrottled(v);  // past the 1 s of its own throttle
  ASSERT_OK(executor_->Throttle("all", 0).status());
  WaitStatus(v, kStatusComplete);
}

// A RATIO below 1 holds that share of the copy's throttle checks: the copy
// is slowed (it records being throttled at that ratio) but its stream
// keeps running and the migration gets there.
TEST_F(ThrottleTest, ARatioBelowOneSlowsTheCopyWithoutStoppingIt) {
  CreateTable("tr", 4000);
  ExecutorOptions o = Options();
  o.workflow.copy_batch_rows = 100;
  o.workflow.copy_batch_min_rows = 100;
  o.workflow.copy_batch_max_rows = 100;
  o.workflow.throttle_recheck = absl::Milliseconds(20);
  StartExecutor(o);
  const std::string u =
      Submit("ALTER TABLE tr ADD COLUMN c INT",
             "vitess --postpone-launch --postpone-completion")[0];
  ASSERT_OK(executor_
                ->ExecuteCommand(absl::StrCat("alter vitess_migration '", u,
                                              "' throttle ratio 0.5"))
                .status());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u));
  EXPECT_FLOAT_EQ(m.user_throttle_ratio, 0.5);
  ASSERT_OK(executor_->Launch(u).status());
  bool stopped = false;
  ASSERT_OK(WaitFor(
      Clock::Real(), "ready to complete",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(m, executor_->Get(u));
        if (m.status == kStatusFailed) return absl::InternalError(m.message);
        stopped |= StreamState(u) == "Stopped";
        return m.ready_to_complete;
      },
      {.timeout = absl::Seconds(90), .max_interval = absl::Milliseconds(5)}));
  EXPECT_FALSE(stopped) << "a ratio below 1 stopped the stream";
  // The copy was held at that ratio at least once (of 40 chunks).
  EXPECT_NE(Value(absl::StrCat("SELECT time_throttled FROM _vt.vreplication "
                               "WHERE workflow = '",
                               u, "'")),
            "0");
  ASSERT_OK(executor_->Complete(u).status());
  WaitStatus(u, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM tr"), "4000");
}

// Another database's THROTTLE ALL (its own sidecutd on the same server)
// does not hold this database's migrations; unthrottling an ended
// migration removes its throttle (a retry would run held).
TEST_F(ThrottleTest, ThrottlesAreOfTheirDatabase) {
  CreateTable("td", 100);
  StartExecutor();
  ASSERT_OK(conn_->Execute(
      "INSERT INTO _vt.sidecut_throttled_apps (mysql_schema, app_name, "
      "ratio) VALUES ('other_db', 'online-ddl', 1)"));
  const std::string u = Submit("ALTER TABLE td ADD COLUMN c INT")[0];
  WaitStatus(u, kStatusComplete, absl::Seconds(60));
  const std::string v =
      Submit("ALTER TABLE td ADD COLUMN d INT", "vitess --postpone-launch")[0];
  ASSERT_OK(executor_->Throttle(v, 1).status());
  ASSERT_OK(executor_->Cancel(v).status());
  WaitStatus(v, kStatusCancelled);
  EXPECT_THAT(executor_->Throttle(v, 0), IsOkAndHolds(0));
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM "
                               "_vt.sidecut_throttled_apps WHERE app_name = '",
                               v, "'")),
            "0");
}

// A daemon upgraded from a release that kept throttles in the migrations'
// rows only (no rules table) keeps those of pending migrations.
TEST_F(ThrottleTest, AnUpgradeKeepsTheThrottlesItFinds) {
  CreateTable("tu", 100);
  StartExecutor();
  const std::string u =
      Submit("ALTER TABLE tu ADD COLUMN c INT", "vitess --postpone-launch")[0];
  ASSERT_OK(executor_->Throttle(u, 1).status());
  executor_.reset();
  ASSERT_OK(conn_->Execute("DROP TABLE _vt.sidecut_throttled_apps"));
  StartExecutor();
  ASSERT_OK(executor_->Launch(u).status());
  WaitThrottled(u);
  StaysThrottled(u);
}

// Bad throttles are refused and change nothing.
TEST_F(ThrottleTest, BadThrottlesAreRefused) {
  CreateTable("tb", 10);
  StartExecutor();
  const std::string u =
      Submit("ALTER TABLE tb ADD COLUMN c INT", "vitess --postpone-launch")[0];
  EXPECT_THAT(executor_->Throttle(u, 1.5).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(executor_->ExecuteCommand(absl::StrCat(
                  "alter vitess_migration '", u, "' throttle expire 'soon'")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(executor_->ExecuteCommand(absl::StrCat(
                  "alter vitess_migration '", u, "' throttle expire '0s'")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM _vt.sidecut_throttled_apps"), "0");
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u));
  EXPECT_EQ(m.user_throttle_ratio, 0);
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
