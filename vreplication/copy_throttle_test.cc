#include "vreplication/copy_throttle.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_error.h"
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

// A connection that has applied all it received (Seconds_Behind_Master
// 0) but receives far behind holds the copy, judged by where the
// primary's binlog ended when: one that received what the binlog held
// more than max_lag ago does not, nor one from another primary.
TEST(ReplicaThrottleReasonTest, ReceivingBehindHoldsTheCopy) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  PrimaryBinlog primary;
  primary.server_id = 1;
  primary.marks = {{t0, "bin.000003", 1000},
                   {t0 + absl::Seconds(10), "bin.000003", 5000},
                   {t0 + absl::Seconds(19), "bin.000004", 200}};
  primary.now = t0 + absl::Seconds(20);
  auto row = [](const std::string& from, const std::string& file,
                const std::string& pos) {
    return OneRow({{"Slave_IO_Running", "Yes"},
                   {"Slave_SQL_Running", "Yes"},
                   {"Seconds_Behind_Master", "0"},
                   {"Master_Server_Id", from},
                   {"Master_Log_File", file},
                   {"Read_Master_Log_Pos", pos}});
  };
  EXPECT_EQ(ReplicaThrottleReason(row("1", "bin.000003", "900"), "r1",
                                  absl::Seconds(5), &primary),
            "replica r1 receives the binlog 20s or more behind > 5s (read up "
            "to bin.000003:900; Seconds_Behind_Master counts applying only)");
  EXPECT_THAT(ReplicaThrottleReason(row("1", "bin.000003", "4999"), "r1",
                                    absl::Seconds(5), &primary),
              HasSubstr("receives the binlog 10s or more behind"));
  // All the binlog held 10 s ago: what it lacks is 1 s old.
  EXPECT_EQ(ReplicaThrottleReason(row("1", "bin.000003", "5000"), "r1",
                                  absl::Seconds(5), &primary),
            "");
  EXPECT_EQ(ReplicaThrottleReason(row("1", "bin.000004", "200"), "r1",
                                  absl::Seconds(5), &primary),
            "");
  EXPECT_EQ(ReplicaThrottleReason(row("2", "bin.000001", "4"), "r1",
                                  absl::Seconds(5), &primary),
            "");
  // Without the primary's marks it is not judged (as before).
  EXPECT_EQ(ReplicaThrottleReason(row("1", "bin.000003", "900"), "r1",
                                  absl::Seconds(5)),
            "");
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

// The primary's binlog is marked as copies ask: a replica whose receiving
// lags holds them though it reads 0 seconds behind.
TEST_F(CopyThrottleTest, AReplicaReceivingBehindHoldsTheCopy) {
  primary_.script().answers["@@server_id"] = OneRow({{"@@server_id", "7"}});
  auto ends_at = [&](const std::string& pos) {
    primary_.script().answers["SHOW MASTER STATUS"] =
        OneRow({{"File", "bin.000001"}, {"Position", pos}});
  };
  replica_->answers["SHOW ALL SLAVES STATUS"] =
      OneRow({{"Slave_IO_Running", "Yes"},
              {"Slave_SQL_Running", "Yes"},
              {"Seconds_Behind_Master", "0"},
              {"Master_Server_Id", "7"},
              {"Master_Log_File", "bin.000001"},
              {"Read_Master_Log_Pos", "400"}});
  auto t = Make();
  ends_at("500");
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));  // just written
  for (int i = 0; i < 10; ++i) {
    clock_.AdvanceTime(absl::Seconds(1));
    ends_at(absl::StrCat(600 + i * 100));
    if (i < 4) {
      EXPECT_THAT(t->Check(primary_), IsOkAndHolds("")) << i;
    }
  }
  EXPECT_THAT(
      t->Check(primary_),
      IsOkAndHolds(HasSubstr("receives the binlog 10s or more "
                             "behind > 5s (read up to bin.000001:400")));
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

// Replicas are asked at once: a check waits for the slowest answer, not
// for the sum of them (three replicas that each answer only once all three
// are being asked would never answer one after another).
TEST(CopyThrottleReplicasTest, AreAskedAtOnce) {
  SimulatedClock clock;
  ScriptedConnection primary;
  primary.script().answers["Threads_running"] = ThreadsRunning("3");
  CopyThrottleOptions o;
  for (int port : {3306, 3307, 3308}) {
    mysql::ConnectParams replica;
    replica.host = "10.0.0.2";
    replica.port = port;
    o.replicas.push_back(replica);
  }
  absl::Mutex mu;
  int asking = 0;
  int most = 0;
  o.connect = [&](const mysql::ConnectParams& p)
      -> absl::StatusOr<std::unique_ptr<mysql::Connection>> {
    absl::MutexLock lock(&mu);
    most = std::max(most, ++asking);
    // Answers once all three are asked, or fails after a while.
    const bool all =
        mu.AwaitWithTimeout(absl::Condition(
                                +[](int* n) { return *n == 3; }, &most),
                            absl::Seconds(5));
    --asking;
    if (!all) return absl::DeadlineExceededError("asked one at a time");
    auto script = std::make_shared<Script>();
    script->answers["SHOW ALL SLAVES STATUS"] =
        Healthy(p.port == 3308 ? "30" : "0");
    return std::make_unique<ScriptedConnection>(script);
  };
  CopyThrottle t(o, &clock);
  EXPECT_THAT(t.Check(primary),
              IsOkAndHolds("replica root@10.0.0.2:3308 lags 30s > 5s"));
  absl::MutexLock lock(&mu);
  EXPECT_EQ(most, 3);
}

struct Listed {
  std::string host, port, server_id;
};

mysql::Result SlaveHosts(const std::vector<Listed>& replicas) {
  mysql::Result r = OneRow(
      {{"Server_id", "-"}, {"Host", "-"}, {"Port", "-"}, {"Master_id", "1"}});
  r.rows.clear();
  for (const Listed& l : replicas) {
    r.rows.emplace_back(std::vector<absl::optional<std::string>>{
        l.server_id, l.host, l.port, std::string("1")});
  }
  return r;
}

// SHOW ALL SLAVES STATUS of one connection from the server `from`.
mysql::Result From(const std::string& from, const std::string& behind,
                   const std::string& io = "Yes") {
  return OneRow({{"Connection_name", ""},
                 {"Master_Server_Id", from},
                 {"Slave_IO_Running", io},
                 {"Slave_SQL_Running", "Yes"},
                 {"Seconds_Behind_Master", behind}});
}

// Replicas found in the primary's SHOW SLAVE HOSTS (the primary is
// server_id 1): one scripted server per "host:port", answering as the
// server_id it was given, reachable or not.
class DiscoveryTest : public CopyThrottleTest {
 protected:
  DiscoveryTest() { List({{"10.0.0.5", "3307", "12"}}); }
  void List(const std::vector<Listed>& replicas) {
    primary_.script().answers["SHOW SLAVE HOSTS"] = SlaveHosts(replicas);
    for (const Listed& l : replicas) {
      Script& s = At(absl::StrCat(l.host, ":", l.port));
      if (s.answers.count("@@server_id") == 0) {
        s.answers["@@server_id"] = OneRow({{"@@server_id", l.server_id}});
      }
    }
  }
  std::unique_ptr<CopyThrottle> Discovering(bool listed_too = false) {
    CopyThrottleOptions o;
    o.discover_replicas = true;
    o.discovered.user = "sidecut";
    o.discovered.password = "pw";
    o.discovered.socket = "/run/mysqld.sock";  // the primary's, not theirs
    o.discovered.database = "shop";
    if (listed_too) {
      mysql::ConnectParams listed;
      listed.host = "10.0.0.5";
      listed.port = 3307;
      o.replicas.push_back(listed);
    }
    // Replicas are asked at once, on threads of their own.
    o.connect = [this](const mysql::ConnectParams& p)
        -> absl::StatusOr<std::unique_ptr<mysql::Connection>> {
      absl::MutexLock lock(&fake_mu_);
      const std::string where = absl::StrCat(p.host, ":", p.port);
      asked_.push_back(absl::StrCat(p.user, "/", p.password, "@", where, "/",
                                    p.socket, "/", p.database));
      auth_.push_back(p.restricted_auth);
      if (unreachable_.count(where) > 0) {
        return absl::UnavailableError("connection refused");
      }
      return std::make_unique<ScriptedConnection>(scripts_[where]);
    };
    return std::make_unique<CopyThrottle>(o, &clock_);
  }
  // The server at `where` (healthy, from the primary, until told).
  Script& At(const std::string& where) {
    std::shared_ptr<Script>& script = scripts_[where];
    if (script == nullptr) {
      script = std::make_shared<Script>();
      script->answers["SHOW ALL SLAVES STATUS"] = From("1", "0");
    }
    return *script;
  }
  void Answer(const std::string& where, absl::StatusOr<mysql::Result> status) {
    At(where).answers["SHOW ALL SLAVES STATUS"] = std::move(status);
  }
  std::map<std::string, std::shared_ptr<Script>> scripts_;
  std::set<std::string> unreachable_;
  absl::Mutex fake_mu_;
  std::vector<std::string> asked_;
  std::vector<std::string> auth_;  // each session's restricted_auth
};

TEST_F(DiscoveryTest, AReplicaTheServerListsIsWatched) {
  auto t = Discovering();
  Answer("10.0.0.5:3307", From("1", "30"));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds("replica sidecut@10.0.0.5:3307 (found in SHOW "
                           "SLAVE HOSTS) lags 30s > 5s"));
  // Over TCP to the address it reports, with the daemon's credentials,
  // never sent in clear (anyone with REPLICATION SLAVE reports any
  // address).
  EXPECT_THAT(asked_, ::testing::ElementsAre("sidecut/pw@10.0.0.5:3307//"));
  EXPECT_THAT(auth_, ::testing::ElementsAre(mysql::kNoCleartextAuth));
  Answer("10.0.0.5:3307", From("1", "1"));
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
}

TEST_F(DiscoveryTest, TheListIsReadAgainAfterItsInterval) {
  auto t = Discovering();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  List({{"10.0.0.5", "3307", "12"}, {"10.0.0.6", "3306", "13"}});
  Answer("10.0.0.6:3306", From("1", "30"));
  clock_.AdvanceTime(absl::Seconds(5));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));  // not read yet
  clock_.AdvanceTime(absl::Seconds(5));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("replica sidecut@10.0.0.6:3306 (found "
                                     "in SHOW SLAVE HOSTS) lags 30s")));
}

// Anything that registers as a replica is listed (a CDC tool too), at the
// address it reports: an entry is watched only once it answers there as
// the server listed, and holds nothing before.
TEST_F(DiscoveryTest, AnEntryThatDoesNotAnswerAsListedIsNotWatched) {
  List({{"10.0.0.5", "3307", "12"},
        {"10.0.0.8", "3306", "40"},
        {"10.0.0.9", "3306", "41"}});
  unreachable_.insert("10.0.0.8:3306");
  // The primary's own address, reported by a CDC tool on its host.
  At("10.0.0.9:3306").answers["@@server_id"] = OneRow({{"@@server_id", "1"}});
  Answer("10.0.0.9:3306", mysql::Result());
  auto t = Discovering();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(asked_.size(), 3u);
  // Tried again only with the list, not on every check.
  clock_.AdvanceTime(absl::Seconds(5));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(asked_.size(), 3u);
  // Once it answers as listed it is watched.
  unreachable_.erase("10.0.0.8:3306");
  Answer("10.0.0.8:3306", From("1", "20"));
  clock_.AdvanceTime(absl::Seconds(5));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("10.0.0.8:3306 (found in SHOW SLAVE "
                                     "HOSTS) lags 20s")));
  // Watched, it holds the copy when it cannot be asked.
  unreachable_.insert("10.0.0.8:3306");
  Answer("10.0.0.8:3306", absl::UnavailableError("gone away"));
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("gone away")));
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("cannot be asked its lag: connection "
                                     "refused")));
}

// A replica whose IO thread stops leaves SHOW SLAVE HOSTS just when it
// starts falling behind: it stays watched for a while, or until it says it
// no longer replicates from this primary.
TEST_F(DiscoveryTest, AReplicaLeavingTheListIsWatchedForAWhile) {
  auto t = Discovering();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  Answer("10.0.0.5:3307", From("1", "NULL", "No"));
  List({});
  clock_.AdvanceTime(absl::Seconds(10));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("Slave_IO_Running is No")));
  clock_.AdvanceTime(absl::Seconds(50));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("Slave_IO_Running is No")));
  clock_.AdvanceTime(absl::Seconds(10));  // 60 s off the list: forgotten
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  const int asks = At("10.0.0.5:3307").executed;
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(At("10.0.0.5:3307").executed, asks);  // not asked again
  // Found again when listed again.
  List({{"10.0.0.5", "3307", "12"}});
  Answer("10.0.0.5:3307", From("1", "9"));
  clock_.AdvanceTime(absl::Seconds(10));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("lags 9s")));
}

// Only its connections from this primary count; one off the list that
// replicates from elsewhere only is forgotten at once, and the next is
// still asked.
TEST_F(DiscoveryTest, OnlyConnectionsFromThisPrimaryCount) {
  List({{"10.0.0.5", "3307", "12"}, {"10.0.0.6", "3306", "13"}});
  mysql::Result two = From("1", "0");
  two.rows.push_back(From("7", "600").rows[0]);  // another source, lagging
  Answer("10.0.0.5:3307", two);
  auto t = Discovering();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  // Re-pointed at another primary and off the list: forgotten at once.
  Answer("10.0.0.5:3307", From("7", "600"));
  List({{"10.0.0.6", "3306", "13"}});
  Answer("10.0.0.6:3306", From("1", "8"));
  clock_.AdvanceTime(absl::Seconds(10));
  EXPECT_THAT(t->Check(primary_),
              IsOkAndHolds(HasSubstr("10.0.0.6:3306 (found in SHOW SLAVE "
                                     "HOSTS) lags 8s")));
  Answer("10.0.0.6:3306", From("1", "0"));
  const int asks = At("10.0.0.5:3307").executed;
  clock_.AdvanceTime(absl::Seconds(1));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(At("10.0.0.5:3307").executed, asks);
}

TEST_F(DiscoveryTest, AReplicaListedInTheOptionsIsNeverForgotten) {
  unreachable_.insert("10.0.0.5:3307");
  List({});
  auto t = Discovering(/*listed_too=*/true);
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(t->Check(primary_),
                IsOkAndHolds(HasSubstr("replica root@10.0.0.5:3307 cannot be "
                                       "asked")));
    clock_.AdvanceTime(absl::Minutes(1));
  }
}

TEST_F(DiscoveryTest, AReplicaListedAndFoundIsAskedOnce) {
  auto t = Discovering(/*listed_too=*/true);
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_EQ(asked_.size(), 1u);
  EXPECT_EQ(At("10.0.0.5:3307").executed, 1);
}

TEST_F(DiscoveryTest, ReplicasThatReportNoAddressAreLeftOut) {
  List({{"", "3306", "12"}, {"10.0.0.7", "0", "13"}});
  auto t = Discovering();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  EXPECT_TRUE(asked_.empty());
}

// Not a reason to hold every copy: said, and tried again with the list.
TEST_F(DiscoveryTest, AServerThatWillNotListItsReplicasLetsCopiesGoOn) {
  primary_.script().answers["SHOW SLAVE HOSTS"] = mysql::MysqlError(
      1227, "42000",
      "Access denied; you need (at least one of) the REPLICATION MASTER "
      "ADMIN privilege(s) for this operation",
      "SHOW SLAVE HOSTS");
  Answer("10.0.0.5:3307", From("1", "30"));
  auto t = Discovering();
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  List({{"10.0.0.5", "3307", "12"}});  // granted
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(""));
  clock_.AdvanceTime(absl::Seconds(10));
  EXPECT_THAT(t->Check(primary_), IsOkAndHolds(HasSubstr("lags 30s")));
  // Any other failure is the copy session's own: an error.
  primary_.script().answers["SHOW SLAVE HOSTS"] =
      absl::UnavailableError("lost connection");
  clock_.AdvanceTime(absl::Seconds(10));
  EXPECT_THAT(t->Check(primary_).status(),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
