#include "vreplication/copy_throttle.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/simulated_clock.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace vreplication {
namespace {

using ::testing::HasSubstr;

// SHOW SLAVE STATUS with the given columns (absent ones left out; a value
// of nullopt is NULL).
mysql::Result SlaveStatus(
    const std::vector<std::pair<std::string, absl::optional<std::string>>>&
        columns) {
  mysql::Result r;
  std::vector<absl::optional<std::string>> values;
  for (const auto& [name, value] : columns) {
    mysql::Field f;
    f.name = name;
    r.fields.push_back(f);
    values.push_back(value);
  }
  r.rows.emplace_back(std::move(values));
  return r;
}

mysql::Result Healthy(absl::optional<std::string> behind) {
  return SlaveStatus({{"Slave_IO_Running", "Yes"},
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
  EXPECT_EQ(ReplicaThrottleReason(
                SlaveStatus({{"Slave_IO_Running", "Yes"},
                             {"Slave_SQL_Running", "No"},
                             {"Last_SQL_Error", "Duplicate entry '1'"},
                             {"Seconds_Behind_Master", absl::nullopt}}),
                "r1", absl::Seconds(5)),
            "replica r1: Slave_SQL_Running is No (Duplicate entry '1')");
  EXPECT_EQ(ReplicaThrottleReason(
                SlaveStatus({{"Slave_IO_Running", "Connecting"},
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
  mysql::Result two = SlaveStatus({{"Connection_name", ""},
                                   {"Slave_IO_Running", "Yes"},
                                   {"Slave_SQL_Running", "Yes"},
                                   {"Seconds_Behind_Master", "0"}});
  two.rows.emplace_back(std::vector<absl::optional<std::string>>{
      std::string("eu"), std::string("Yes"), std::string("Yes"),
      std::string("12")});
  EXPECT_EQ(ReplicaThrottleReason(two, "r1", absl::Seconds(5)),
            "replica r1 (connection 'eu') lags 12s > 5s");
  mysql::Result delayed = SlaveStatus({{"Slave_IO_Running", "Yes"},
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

// A session answering fixed results per statement.
class FakeConnection final : public mysql::Connection {
 public:
  explicit FakeConnection(
      std::map<std::string, absl::StatusOr<mysql::Result>>* answers,
      int* queries)
      : answers_(answers), queries_(queries) {}
  absl::StatusOr<mysql::Result> Execute(absl::string_view sql) override {
    ++*queries_;
    auto it = answers_->find(std::string(sql));
    if (it == answers_->end()) return absl::InternalError("unexpected query");
    return it->second;
  }
  absl::Status ExecuteStreaming(
      absl::string_view,
      const std::function<absl::Status(const std::vector<mysql::Field>&)>&,
      const std::function<absl::Status(const mysql::Row&)>&) override {
    return absl::UnimplementedError("streaming");
  }
  uint64_t ConnectionId() override { return 1; }
  void Close() override {}

 private:
  std::map<std::string, absl::StatusOr<mysql::Result>>* answers_;
  int* queries_;
};

mysql::Result ThreadsRunning(const std::string& n) {
  mysql::Result r =
      SlaveStatus({{"Variable_name", "Threads_running"}, {"Value", n}});
  return r;
}

class CopyThrottleTest : public ::testing::Test {
 protected:
  CopyThrottleTest() {
    primary_answers_["SHOW GLOBAL STATUS LIKE 'Threads_running'"] =
        ThreadsRunning("3");
    replica_answers_["SHOW ALL SLAVES STATUS"] = Healthy("0");
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
      return std::make_unique<FakeConnection>(&replica_answers_,
                                              &replica_queries_);
    };
    return std::make_unique<CopyThrottle>(o, &clock_);
  }
  SimulatedClock clock_;
  std::map<std::string, absl::StatusOr<mysql::Result>> primary_answers_;
  std::map<std::string, absl::StatusOr<mysql::Result>> replica_answers_;
  int primary_queries_ = 0;
  int replica_queries_ = 0;
  int connects_ = 0;
  bool reachable_ = true;
  FakeConnection primary_{&primary_answers_, &primary_queries_};
};

TEST_F(CopyThrottleTest, GoesOnWhileEverythingIsHealthy) {
  auto t = Make();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
}

TEST_F(CopyThrottleTest, ServerLoadHoldsTheCopy) {
  primary_answers_["SHOW GLOBAL STATUS LIKE 'Threads_running'"] =
      ThreadsRunning("65");
  auto t = Make();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds("Threads_running 65 > 64"));
}

TEST_F(CopyThrottleTest, ALaggingReplicaHoldsTheCopyUntilItCatchesUp) {
  auto t = Make();
  replica_answers_["SHOW ALL SLAVES STATUS"] = Healthy("30");
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds("replica root@10.0.0.2:3306 lags 30s > 5s"));
  // Asked again only after the cache time.
  replica_answers_["SHOW ALL SLAVES STATUS"] = Healthy("1");
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("lags 30s")));
  EXPECT_EQ(replica_queries_, 1);
  clock_.AdvanceTime(absl::Milliseconds(300));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(replica_queries_, 2);
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
  replica_answers_["SHOW ALL SLAVES STATUS"] =
      absl::UnavailableError("gone away");
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("gone away")));
  replica_answers_["SHOW ALL SLAVES STATUS"] = Healthy("0");
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(connects_, 3);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
