// Crash safety: the vreplicator process is SIGKILLed at random moments
// during the copy and the tail while a writer changes the source, restarted
// each time, and must still end with the target equal to the source.
//
// Scale: SIDECUT_SCALE=full gives the acceptance run (1M rows); the default
// is a scaled-down run for CI.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
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
  std::mt19937 rng(7);
  pid_t pid = -1;
  ChildGuard guard{&pid};
  std::vector<std::string> states_at_kill;
  for (int i = 0; i < kills; ++i) {
    pid = Spawn(bin, inst->port());
    ASSERT_GT(pid, 0);
    // The first kills land in the copy phase; the last two wait for the
    // running phase and land in the tail.
    if (i >= kills - 2) {
      ASSERT_OK(WaitFor(
          Clock::Real(), "the running phase",
          [&]() -> absl::StatusOr<bool> {
            SC_ASSIGN_OR_RETURN(WorkflowRow row, ReadWorkflow(*conn, id));
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
        return row.state == kStateRunning;
      },
      WaitOptions{.timeout = absl::Minutes(FullScale() ? 30 : 2)}))
      << last;
  ASSERT_OK(writer.Stop());
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
  std::cerr << "; writer statements " << writer.statements() << "\n";
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
