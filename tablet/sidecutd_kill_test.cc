// Crash safety of a whole online ALTER: the sidecutd process is SIGKILLed
// in each phase of a migration (the copy, the secondary index build or
// the verification, the cut-over, after it) and of its revert, while a
// writer changes the table, and restarted each time from the same tables.
// The migration and its revert must complete, no write may fail, and the
// table must hold every committed write: the writer changes a reference
// table the same way in the same transactions.
//
// Scale: SIDECUT_SCALE=full gives the acceptance run (1M rows); the default
// is a scaled-down run for CI.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>  // NOLINT(build/c++11)
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "cli/cli.h"
#include "gtest/gtest.h"
#include "mysql/quoting.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tools/cpp/runfiles/runfiles.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/wait.h"

extern char** environ;

namespace sidecut {
namespace {

using bazel::tools::cpp::runfiles::Runfiles;

bool FullScale() {
  const char* s = getenv("SIDECUT_SCALE");
  return s != nullptr && std::string(s) == "full";
}

// A sidecutd for one tablet, started and SIGKILLed at will; its stderr
// appended to `log`.
class Daemon {
 public:
  Daemon(std::string bin, int mysql_port, std::string dir)
      : bin_(std::move(bin)), mysql_port_(mysql_port), dir_(std::move(dir)) {}
  ~Daemon() { Kill(); }

  absl::Status Start() {
    const std::string port_file = absl::StrCat(dir_, "/port");
    unlink(port_file.c_str());
    std::vector<std::string> args = {bin_,
                                     absl::StrCat("--mysql_port=", mysql_port_),
                                     "--db=kt",
                                     "--port=0",
                                     absl::StrCat("--port_file=", port_file),
                                     "--tick_ms=50",
                                     "--throttle_discover_replicas=false"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = absl::StrCat(dir_, "/sidecutd.log");
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int rc = posix_spawn(&pid_, bin_.c_str(), &actions, nullptr,
                               argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("posix_spawn: ", rc));
    }
    return WaitFor(
        Clock::Real(), "sidecutd's port",
        [&]() -> absl::StatusOr<bool> {
          std::ifstream in(port_file);
          int port = 0;
          if (!(in >> port) || port <= 0) return false;
          server_ = absl::StrCat("127.0.0.1:", port);
          return true;
        },
        WaitOptions{.timeout = absl::Seconds(30)});
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // Runs a `sidecut` command against it; its output in `out`.
  int Cli(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), absl::StrCat("--server=", server_));
    std::ostringstream o, e;
    const int rc = cli::RunCli(args, o, e);
    *out = o.str() + e.str();
    return rc;
  }
  std::string Log() const {
    std::ifstream in(absl::StrCat(dir_, "/sidecutd.log"));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string bin_;
  int mysql_port_;
  std::string dir_;
  pid_t pid_ = -1;
  std::string server_;
};

// Changes kt.t and kt.ref alike in one transaction each (updates, deletes,
// upserts of random keys) until stopped; counts its commits and failures.
class Writer {
 public:
  Writer(mysql::ConnectParams params, int keys)
      : params_(std::move(params)), keys_(keys) {}
  ~Writer() { Stop(); }
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t commits() const { return commits_; }
  int64_t failures() const { return failures_; }
  std::string first_failure() {
    absl::MutexLock l(&mu_);
    return first_failure_;
  }

 private:
  void Fail(const absl::Status& s) {
    ++failures_;
    absl::MutexLock l(&mu_);
    if (first_failure_.empty()) first_failure_ = std::string(s.message());
  }
  void Run() {
    std::mt19937 rng(11);
    std::unique_ptr<mysql::MysqlConnection> conn;
    for (int64_t n = 0; !stop_; ++n) {
      if (conn == nullptr) {
        absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
            mysql::MysqlConnection::Connect(params_);
        if (!c.ok()) {
          Fail(c.status());
          Clock::Real()->SleepFor(absl::Milliseconds(50));
          continue;
        }
        conn = *std::move(c);
      }
      const int id = 1 + static_cast<int>(rng() % keys_);
      std::string change;
      switch (rng() % 3) {
        case 0:
          change = absl::StrCat("UPDATE kt.t SET k = ", n, ", c = 'u", n,
                                "' WHERE id = ", id);
          break;
        case 1:
          change = absl::StrCat("DELETE FROM kt.t WHERE id = ", id);
          break;
        default:
          change = absl::StrCat(
              "INSERT INTO kt.t (id, k, c) VALUES (", id, ", ", n, ", 'i", n,
              "') ON DUPLICATE KEY UPDATE k = VALUES(k), c = VALUES(c)");
      }
      // The same change to both tables.
      const std::string same =
          absl::StrReplaceAll(change, {{"kt.t ", "kt.ref "}});
      absl::Status s = conn->Execute("BEGIN").status();
      if (s.ok()) s = conn->Execute(change).status();
      if (s.ok()) s = conn->Execute(same).status();
      if (s.ok()) s = conn->Execute("COMMIT").status();
      if (s.ok()) {
        ++commits_;
      } else {
        Fail(s);
        if (!conn->Execute("ROLLBACK").ok()) conn.reset();
      }
      Clock::Real()->SleepFor(absl::Milliseconds(2));
    }
  }

  mysql::ConnectParams params_;
  int keys_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> failures_{0};
  absl::Mutex mu_;
  std::string first_failure_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

struct MigrationRow {
  std::string status;
  double progress = 0;
  std::string stage;
  bool ready = false;
  std::string message;
};

absl::StatusOr<MigrationRow> ReadMigration(mysql::Connection& conn,
                                           const std::string& uuid) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT migration_status, progress, stage, ready_to_complete, "
          "message FROM _vt.schema_migrations WHERE migration_uuid = ",
          mysql::QuoteString(uuid))));
  if (r.rows.size() != 1) {
    return absl::NotFoundError(absl::StrCat("no migration ", uuid));
  }
  MigrationRow m;
  m.status = std::string(r.rows[0].Get(0));
  m.progress = std::atof(std::string(r.rows[0].Get(1)).c_str());
  m.stage = std::string(r.rows[0].Get(2));
  m.ready = r.rows[0].Get(3) == "1";
  m.message = std::string(r.rows[0].Get(4));
  return m;
}

absl::StatusOr<std::string> Checksum(mysql::Connection& conn,
                                     const std::string& table) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT COUNT(*), IFNULL(SUM(CRC32(CONCAT_WS('#', id, k, c))), 0) "
          "FROM ",
          table)));
  return absl::StrCat(r.rows[0].Get(0), "/", r.rows[0].Get(1));
}

// kt.t's columns, in order ("id,k,c").
absl::StatusOr<std::string> Columns(mysql::Connection& conn) {
  return mysql::QueryValue(
      conn,
      "SELECT GROUP_CONCAT(column_name ORDER BY ordinal_position) FROM "
      "information_schema.columns WHERE table_schema = 'kt' AND table_name "
      "= 't'");
}

// The uuid a `sidecut` command printed (its first line).
std::string FirstLine(const std::string& out) {
  return std::string(absl::StripAsciiWhitespace(out.substr(0, out.find('\n'))));
}

TEST(SidecutdKillTest, SigkillsInEveryPhaseOfAnAlterAndItsRevertLoseNothing) {
  const int rows = FullScale() ? 1000000 : 60000;
  std::string error;
  std::unique_ptr<Runfiles> rf(Runfiles::CreateForTest(&error));
  ASSERT_NE(rf, nullptr) << error;
  const std::string bin = rf->Rlocation("sidecut/tablet/sidecutd");
  const char* tmp = getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";

  harness::InstanceOptions io;
  io.benchmark_mode = FullScale();
  ASSERT_OK_AND_ASSIGN(auto inst, harness::MariaDbInstance::Start(io));
  ASSERT_OK_AND_ASSIGN(auto conn, harness::ConnectTo(*inst));
  ASSERT_OK(conn->Execute("CREATE DATABASE kt"));
  for (const char* t : {"t", "ref"}) {
    ASSERT_OK(conn->Execute(
        absl::StrCat("CREATE TABLE kt.", t,
                     " (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(64) NOT "
                     "NULL, pad CHAR(60) NOT NULL DEFAULT '', KEY (k))")));
    for (int done = 0; done < rows; done += 100000) {
      ASSERT_OK(conn->Execute(absl::StrCat(
          "INSERT INTO kt.", t,
          " (id, k, c, pad) SELECT seq, seq % 1000, CONCAT('c', seq), "
          "REPEAT('p', 60) FROM kt.seq_",
          done + 1, "_to_", std::min(rows, done + 100000))));
    }
  }
  // Keys past the table's end too: inserts.
  Writer writer(harness::ConnectParamsFor(*inst), rows + rows / 10);
  writer.Start();
  Daemon daemon(bin, inst->port(), dir);
  ASSERT_OK(daemon.Start());
  // A new seed each run (the kills land elsewhere in the cut-over), shown
  // and given again by SIDECUT_SEED.
  const char* seed_env = getenv("SIDECUT_SEED");
  const unsigned seed = seed_env != nullptr
                            ? static_cast<unsigned>(std::atol(seed_env))
                            : static_cast<unsigned>(time(nullptr));
  std::cerr << "SIDECUT_SEED=" << seed << "\n";
  std::mt19937 rng(seed);
  std::vector<std::string> kills;
  int copy_kills = 0;
  // SIGKILLs the daemon, notes the migration's state, starts another.
  auto kill_and_restart = [&](const std::string& uuid) -> absl::Status {
    daemon.Kill();
    SC_ASSIGN_OR_RETURN(MigrationRow m, ReadMigration(*conn, uuid));
    kills.push_back(absl::StrCat(m.status, "/", m.progress, "%/", m.stage));
    return daemon.Start();
  };
  // Waits until `uuid`'s row satisfies `pred` (false after `timeout`,
  // or when the migration ends otherwise: `row` then says how).
  MigrationRow row;
  auto wait_for = [&](const std::string& uuid, const char* what,
                      std::function<bool(const MigrationRow&)> pred,
                      absl::Duration timeout) -> absl::StatusOr<bool> {
    bool met = false;
    absl::Status s = WaitFor(
        Clock::Real(), what,
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(row, ReadMigration(*conn, uuid));
          met = pred(row);
          return met || row.status == "complete" || row.status == "failed" ||
                 row.status == "cancelled";
        },
        WaitOptions{.timeout = timeout,
                    .initial_interval = absl::Milliseconds(2),
                    .max_interval = absl::Milliseconds(5)});
    if (absl::IsDeadlineExceeded(s)) return false;
    SC_RETURN_IF_ERROR(s);
    return met;
  };
  const absl::Duration phase = absl::Minutes(FullScale() ? 30 : 3);

  // An ALTER and its revert, killed in every phase; `cycle` for the record.
  auto alter_and_revert = [&](int cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle, ", SIDECUT_SEED=", seed));
    std::string out;
    ASSERT_EQ(daemon.Cli(
                  {"ApplySchema", "--ddl-strategy=vitess --postpone-completion",
                   "--sql=ALTER TABLE t ADD COLUMN x INT NOT NULL "
                   "DEFAULT 7, MODIFY c VARCHAR(80) NOT NULL",
                   "kt"},
                  &out),
              0)
        << out;
    const std::string uuid = FirstLine(out);
    ASSERT_FALSE(uuid.empty());

    // The copy: a third and two thirds of the way (each unless the copy
    // has gone past it: a restarted copy may finish in one stride).
    for (double at : {33.0, 66.0}) {
      // At `at`, or past the copy.
      auto reached = [at](const MigrationRow& m) {
        if (m.ready || m.progress >= 100) return true;
        return m.status == "running" && m.progress >= at &&
               absl::StrContains(m.stage, "copying");
      };
      ASSERT_OK_AND_ASSIGN(bool copying,
                           wait_for(uuid, "the copy", reached, phase));
      ASSERT_TRUE(copying) << row.status << " " << row.stage << " "
                           << row.message;
      if (row.ready || !absl::StrContains(row.stage, "copying")) break;
      ++copy_kills;
      ASSERT_OK(kill_and_restart(uuid));
    }
    // The index build or the verification after the copy.
    ASSERT_OK_AND_ASSIGN(bool after_copy,
                         wait_for(
                             uuid, "the index build or the verification",
                             [](const MigrationRow& m) {
                               return m.ready ||
                                      absl::StrContains(m.stage,
                                                        "secondary indexes") ||
                                      absl::StrContains(m.stage, "verifying");
                             },
                             phase));
    ASSERT_TRUE(after_copy)
        << row.status << " " << row.stage << " " << row.message;
    if (!row.ready) {
      ASSERT_OK(kill_and_restart(uuid));
    }
    ASSERT_OK_AND_ASSIGN(
        bool ready, wait_for(
                        uuid, "ready to complete",
                        [](const MigrationRow& m) { return m.ready; }, phase));
    ASSERT_TRUE(ready) << row.status << " " << row.stage << " " << row.message;

    // The cut-over: completed, then killed 0-40 ms later, 0-80 ms, ...
    // (before its lock, holding it, between the rename and its record, or
    // after), until it is complete.
    for (int round = 0; round < 4; ++round) {
      ASSERT_OK_AND_ASSIGN(MigrationRow m, ReadMigration(*conn, uuid));
      if (m.status == "complete") break;
      // (Refused once it completed meanwhile, the restarted daemon
      // cutting over by itself.)
      if (daemon.Cli({"OnlineDDL", "complete", "kt", uuid}, &out) != 0) {
        ASSERT_TRUE(absl::StrContains(out, "is complete")) << out;
        break;
      }
      Clock::Real()->SleepFor(absl::Milliseconds(rng() % (40 * (round + 1))));
      ASSERT_OK(kill_and_restart(uuid));
    }
    ASSERT_OK_AND_ASSIGN(bool complete, wait_for(
                                            uuid, "the migration to complete",
                                            [](const MigrationRow& m) {
                                              return m.status == "complete";
                                            },
                                            phase));
    ASSERT_TRUE(complete) << row.status << " " << row.stage << " "
                          << row.message;
    // Its reverse stream, keeping the old table in sync.
    Clock::Real()->SleepFor(absl::Milliseconds(100 + rng() % 300));
    ASSERT_OK(kill_and_restart(uuid));
    ASSERT_OK_AND_ASSIGN(std::string cols, Columns(*conn));
    EXPECT_EQ(cols, "id,k,c,pad,x");

    // The revert: killed 0-300 ms after it is asked for, then completed.
    ASSERT_EQ(daemon.Cli({"OnlineDDL", "revert", "kt", uuid}, &out), 0) << out;
    const std::string revert = FirstLine(out);
    ASSERT_FALSE(revert.empty());
    Clock::Real()->SleepFor(absl::Milliseconds(rng() % 300));
    ASSERT_OK(kill_and_restart(revert));
    ASSERT_OK_AND_ASSIGN(bool reverted, wait_for(
                                            revert, "the revert to complete",
                                            [](const MigrationRow& m) {
                                              return m.status == "complete";
                                            },
                                            phase));
    ASSERT_TRUE(reverted) << row.status << " " << row.stage << " "
                          << row.message;
    ASSERT_OK_AND_ASSIGN(cols, Columns(*conn));
    EXPECT_EQ(cols, "id,k,c,pad");
  };
  const int cycles = 3;
  for (int cycle = 0; cycle < cycles && !HasFatalFailure(); ++cycle) {
    alter_and_revert(cycle);
  }
  // Writes after the revert land in the old table, which then holds
  // every one.
  Clock::Real()->SleepFor(absl::Milliseconds(300));
  writer.Stop();
  daemon.Kill();

  std::cerr << "states at the kills:";
  for (const std::string& k : kills) std::cerr << " [" << k << "]";
  std::cerr << "; writer commits " << writer.commits() << ", failures "
            << writer.failures() << "\n";
  EXPECT_EQ(writer.failures(), 0) << writer.first_failure();
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn, "kt.ref"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn, "kt.t"));
  EXPECT_EQ(got, want);
  // At least the cut-over, the reverse stream and the revert per cycle,
  // and the copy at least once.
  EXPECT_GE(kills.size(), 3u * cycles);
  EXPECT_GE(copy_kills, 1);
  if (HasFailure()) std::cerr << "sidecutd's log:\n" << daemon.Log();
}

}  // namespace
}  // namespace sidecut
