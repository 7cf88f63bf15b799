// Crash safety: the vreplicator process is SIGKILLed at random moments
// during the copy and the tail while a writer changes the source, restarted
// each time, and must still end with the target equal to the source.
//
// Scale: SIDECUT_SCALE=full gives the acceptance run (1M rows); the default
// is a scaled-down run for CI.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tools/cpp/runfiles/runfiles.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/sidecar_schema.h"
#include "vreplication/testing/vr_test_util.h"
#include "vreplication/vr_store.h"

extern char** environ;

namespace sidecut {
namespace vreplication {
namespace {

using bazel::tools::cpp::runfiles::Runfiles;

bool FullScale() {
  const char* s = getenv("SIDECUT_SCALE");
  return s != nullptr && std::string(s) == "full";
}

pid_t Spawn(const std::string& bin, int port) {
  std::string p = absl::StrCat("--port=", port);
  std::string d = "--copy_phase_duration_ms=700";
  std::string b = "--copy_batch_rows=500";
  char* argv[] = {const_cast<char*>(bin.c_str()), p.data(), d.data(), b.data(),
                  nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, bin.c_str(), nullptr, nullptr, argv, environ) != 0) {
    return -1;
  }
  return pid;
}

// Whether the workflow has stopped on an error it does not retry (a
// restarted one may meet the killed process's last commit still running,
// and retry).
bool FailedForGood(const WorkflowRow& row) {
  return row.state == kStateError &&
         !absl::EndsWith(row.message, "(will retry)");
}

// Kills the vreplicator child however the test ends.
struct ChildGuard {
  pid_t* pid;
  ~ChildGuard() {
    if (*pid > 0) {
      kill(*pid, SIGKILL);
      int status;
      waitpid(*pid, &status, 0);
    }
  }
};

// Two-phase XA transactions on a table the workflow does not follow, one
// after another, each prepared for a while (up to 300 ms) and then
// committed (two in three) or rolled back, until stopped: the kills land
// between prepares and their ends, and the workflow's XA watch
// (xa_watch.h), resumed from what was saved with the position, must not
// take an XA COMMIT after a restart for one it never saw prepared.
class XaChurner {
 public:
  explicit XaChurner(mysql::ConnectParams params)
      : params_(std::move(params)) {}
  ~XaChurner() { Stop().IgnoreError(); }
  void Start() {
    thread_ = std::thread([this] { error_ = Run(); });
  }
  absl::Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return error_;
  }
  int ended() const { return ended_.load(); }

 private:
  absl::Status Run() {
    SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c,
                        mysql::MysqlConnection::Connect(params_));
    std::mt19937 rng(11);
    for (int i = 1; !stop_; ++i) {
      const std::string xid = absl::StrCat("'kx", i, "'");
      for (const std::string& sql :
           {absl::StrCat("XA START ", xid),
            absl::StrCat("INSERT INTO k.xa_side VALUES (", i, ")"),
            absl::StrCat("XA END ", xid), absl::StrCat("XA PREPARE ", xid)}) {
        SC_RETURN_IF_ERROR(c->Execute(sql).status());
      }
      Clock::Real()->SleepFor(absl::Milliseconds(20 + rng() % 280));
      SC_RETURN_IF_ERROR(
          c->Execute(
               absl::StrCat(i % 3 == 0 ? "XA ROLLBACK " : "XA COMMIT ", xid))
              .status());
      ++ended_;
    }
    return absl::OkStatus();
  }

  mysql::ConnectParams params_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ended_{0};
  absl::Status error_;
  std::thread thread_;
};

TEST(VReplicationKillTest, SigkillsDuringCopyAndTailLoseNothing) {
  const int rows = FullScale() ? 1000000 : 150000;
  const int kills = 5;
  std::string error;
  std::unique_ptr<Runfiles> rf(Runfiles::CreateForTest(&error));
  ASSERT_NE(rf, nullptr) << error;
  std::string bin = rf->Rlocation("sidecut/vreplication/vreplicator");

  harness::InstanceOptions io;
  io.benchmark_mode = FullScale();
  ASSERT_OK_AND_ASSIGN(auto inst, harness::MariaDbInstance::Start(io));
  ASSERT_OK_AND_ASSIGN(auto conn, harness::ConnectTo(*inst));
  ASSERT_OK(conn->Execute("CREATE DATABASE k"));
  const char* def =
      "(id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, val "
      "INT, pad CHAR(60) NOT NULL DEFAULT '')";
  ASSERT_OK(conn->Execute(absl::StrCat("CREATE TABLE k.src ", def)));
  ASSERT_OK(conn->Execute(absl::StrCat("CREATE TABLE k.dst ", def)));
  for (int done = 0; done < rows; done += 100000) {
    ASSERT_OK(conn->Execute(absl::StrCat(
        "INSERT INTO k.src (id, name, val, pad) SELECT seq, CONCAT('n', seq), "
        "seq, REPEAT('p', 60) FROM k.seq_",
        done + 1, "_to_", std::min(rows, done + 100000))));
  }
  ASSERT_OK(conn->Execute("CREATE TABLE k.xa_side (a INT PRIMARY KEY)"));
  ASSERT_OK(EnsureSidecarSchema(*conn));
  binlogdata::BinlogSource source;
  binlogdata::Rule* rule = source.mutable_filter()->add_rules();
  rule->set_match("dst");
  rule->set_filter("select * from src");
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       CreateWorkflow(*conn, "kill", source, "k", 0));

  testing::Writer writer(harness::ConnectParamsFor(*inst), "k.src",
                         rows + 2000);
  writer.Start();
  XaChurner churner(harness::ConnectParamsFor(*inst));
  std::mt19937 rng(7);
  pid_t pid = -1;
  ChildGuard guard{&pid};
  std::vector<std::string> states_at_kill;
  for (int i = 0; i < kills; ++i) {
    pid = Spawn(bin, inst->port());
    ASSERT_GT(pid, 0);
    if (i == 0) {
      // Once the copy has its first position: a copy does not start while
      // a transaction is prepared.
      ASSERT_OK(WaitFor(Clock::Real(), "the copy's first position",
                        [&]() -> absl::StatusOr<bool> {
                          SC_ASSIGN_OR_RETURN(WorkflowRow row,
                                              ReadWorkflow(*conn, id));
                          return !row.pos.empty();
                        }));
      churner.Start();
    }
    // The first kills land in the copy phase; the last two wait for the
    // running phase and land in the tail.
    if (i >= kills - 2) {
      ASSERT_OK(WaitFor(
          Clock::Real(), "the running phase",
          [&]() -> absl::StatusOr<bool> {
            SC_ASSIGN_OR_RETURN(WorkflowRow row, ReadWorkflow(*conn, id));
            if (FailedForGood(row)) return absl::InternalError(row.message);
            return row.state == kStateRunning;
          },
          WaitOptions{.timeout = absl::Minutes(FullScale() ? 30 : 3)}));
    }
    int ms = 150 + static_cast<int>(rng() % (FullScale() ? 3000 : 450));
    Clock::Real()->SleepFor(absl::Milliseconds(ms));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    pid = -1;
    ASSERT_OK_AND_ASSIGN(WorkflowRow row, ReadWorkflow(*conn, id));
    states_at_kill.push_back(
        absl::StrCat(row.state, "/", row.rows_copied, "/", row.message));
  }
  pid = Spawn(bin, inst->port());
  ASSERT_GT(pid, 0);
  std::string last;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the copy to finish",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(WorkflowRow row, ReadWorkflow(*conn, id));
        last = absl::StrCat(row.state, " copied ", row.rows_copied, " pos ",
                            row.pos, " ", row.message);
        if (FailedForGood(row)) return absl::InternalError(last);
        return row.state == kStateRunning;
      },
      WaitOptions{.timeout = absl::Minutes(FullScale() ? 30 : 2)}))
      << last;
  ASSERT_OK(writer.Stop());
  ASSERT_OK(churner.Stop());
  absl::Status caught = testing::WaitCaughtUp(*conn, id, absl::Minutes(5));
  kill(pid, SIGTERM);
  int status;
  waitpid(pid, &status, 0);
  pid = -1;
  ASSERT_OK(caught);
  int during_copy = 0;
  for (const std::string& s : states_at_kill) {
    if (s.rfind("Copying", 0) == 0 || s.rfind("Init", 0) == 0) ++during_copy;
  }
  EXPECT_GE(during_copy, 1) << "no kill landed in the copy phase";
  EXPECT_EQ(states_at_kill.back().rfind("Running", 0), 0u)
      << "the last kill did not land in the running phase";
  std::cerr << "states at the kills:";
  for (const std::string& s : states_at_kill) std::cerr << " " << s;
  std::cerr << "; writer statements " << writer.statements()
            << "; XA transactions ended " << churner.ended() << "\n";
  EXPECT_GT(churner.ended(), kills);
  const std::string cols = "id, name, IFNULL(val, 'N'), pad";
  ASSERT_OK_AND_ASSIGN(std::string want,
                       testing::Checksum(*conn, "k.src", cols));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       testing::Checksum(*conn, "k.dst", cols));
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
