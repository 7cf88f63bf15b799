#include "vreplication/copy_throttle.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/testing/scripted_connection.h"
#include "util/simulated_clock.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace vreplication {
namespace {

using ::testing::HasSubstr;

using mysql::testing::OneRow;
using mysql::testing::Script;
using mysql::testing::ScriptedConnection;

mysql::Result Healthy(absl::optional<std::string> behind) {
  return OneRow({{"Slave_IO_Running", "Yes"},
                 {"Slave_SQL_Running", "Yes"},
                 {"Last_SQL_Error", ""},
                 {"Seconds_Behind_Master", behind}});
}

TEST(ReplicaThrottleReasonTest, LagAboveTheLimitHoldsTheCopy) {
  EXPECT_EQ(ReplicaThrottleReason(Healthy("5"), "r1", absl::Seconds(5)), "");
  EXPECT_EQ(ReplicaThrottleReason(Healthy("6"), "r1", absl::Seconds(5)),
            "replica r1 lags 6s > 5s");
}

TEST(ReplicaThrottleReasonTest, StoppedOrUnknownReplicationHoldsTheCopy) {
  EXPECT_EQ(ReplicaThrottleReason(mysql::Result(), "r1", absl::Seconds(5)),
            "replica r1 does not replicate (no replication connection)");
  EXPECT_EQ(
      ReplicaThrottleReason(OneRow({{"Slave_IO_Running", "Yes"},
                                    {"Slave_SQL_Running", "No"},
                                    {"Last_SQL_Error", "Duplicate entry '1'"},
                                    {"Seconds_Behind_Master", absl::nullopt}}),
                            "r1", absl::Seconds(5)),
      "replica r1: Slave_SQL_Running is No (Duplicate entry '1')");
  EXPECT_EQ(
      ReplicaThrottleReason(OneRow({{"Slave_IO_Running", "Connecting"},
                                    {"Slave_SQL_Running", "Yes"},
                                    {"Seconds_Behind_Master", absl::nullopt}}),
                            "r1", absl::Seconds(5)),
      "replica r1: Slave_IO_Running is Connecting");
  EXPECT_EQ(
      ReplicaThrottleReason(Healthy(absl::nullopt), "r1", absl::Seconds(5)),
      "replica r1: its lag is unknown");
}

// Every replication connection counts; a delayed replica's delay does not.
TEST(ReplicaThrottleReasonTest, EveryConnectionCountsButNotADelay) {
  mysql::Result two = OneRow({{"Connection_name", ""},
                              {"Slave_IO_Running", "Yes"},
                              {"Slave_SQL_Running", "Yes"},
                              {"Seconds_Behind_Master", "0"}});
  two.rows.emplace_back(std::vector<absl::optional<std::string>>{
      std::string("eu"), std::string("Yes"), std::string("Yes"),
      std::string("12")});
  EXPECT_EQ(ReplicaThrottleReason(two, "r1", absl::Seconds(5)),
            "replica r1 (connection 'eu') lags 12s > 5s");
  mysql::Result delayed = OneRow({{"Slave_IO_Running", "Yes"},
                                  {"Slave_SQL_Running", "Yes"},
                                  {"Seconds_Behind_Master", "3603"},
                                  {"SQL_Delay", "3600"}});
  EXPECT_EQ(ReplicaThrottleReason(delayed, "r1", absl::Seconds(5)), "");
  delayed.rows[0] = mysql::Row(std::vector<absl::optional<std::string>>{
      std::string("Yes"), std::string("Yes"), std::string("3610"),
      std::string("3600")});
  EXPECT_EQ(ReplicaThrottleReason(delayed, "r1", absl::Seconds(5)),
            "replica r1 lags 10s > 5s beyond its delay");
}

mysql::Result ThreadsRunning(const std::string& n) {
  return OneRow({{"Variable_name", "Threads_running"}, {"Value", n}});
}

class CopyThrottleTest : public ::testing::Test {
 protected:
  CopyThrottleTest() {
    primary_.script().answers["Threads_running"] = ThreadsRunning("3");
    replica_->answers["SHOW ALL SLAVES STATUS"] = Healthy("0");
  }
  std::unique_ptr<CopyThrottle> Make() {
    CopyThrottleOptions o;
    mysql::ConnectParams replica;
    replica.host = "10.0.0.2";
    replica.port = 3306;
    o.replicas.push_back(replica);
    o.connect = [this](const mysql::ConnectParams&)
        -> absl::StatusOr<std::unique_ptr<mysql::Connection>> {
      ++connects_;
      if (!reachable_) return absl::UnavailableError("connection refused");
      return std::make_unique<ScriptedConnection>(replica_);
    };
    return std::make_unique<CopyThrottle>(o, &clock_);
  }
  SimulatedClock clock_;
  ScriptedConnection primary_;
  std::shared_ptr<Script> replica_ = std::make_shared<Script>();
  int connects_ = 0;
  bool reachable_ = true;
};

TEST_F(CopyThrottleTest, GoesOnWhileEverythingIsHealthy) {
  auto t = Make();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
}

TEST_F(CopyThrottleTest, ServerLoadHoldsTheCopy) {
  primary_.script().answers["Threads_running"] = ThreadsRunning("65");
  auto t = Make();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds("Threads_running 65 > 64"));
}

TEST_F(CopyThrottleTest, ALaggingReplicaHoldsTheCopyUntilItCatchesUp) {
  auto t = Make();
  replica_->answers["SHOW ALL SLAVES STATUS"] = Healthy("30");
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds("replica root@10.0.0.2:3306 lags 30s > 5s"));
  // Asked again only after the cache time.
  replica_->answers["SHOW ALL SLAVES STATUS"] = Healthy("1");
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("lags 30s")));
  EXPECT_EQ(replica_->executed, 1);
  clock_.AdvanceTime(absl::Milliseconds(300));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(replica_->executed, 2);
}

TEST_F(CopyThrottleTest, AReplicaThatCannotBeAskedHoldsTheCopy) {
  reachable_ = false;
  auto t = Make();
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("cannot be asked its lag: connection "
                                     "refused")));
  reachable_ = true;
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  // A session that fails is dropped and opened again.
  replica_->answers["SHOW ALL SLAVES STATUS"] =
      absl::UnavailableError("gone away");
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("gone away")));
  replica_->answers["SHOW ALL SLAVES STATUS"] = Healthy("0");
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(connects_, 3);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
