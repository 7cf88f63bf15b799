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

#include <algorithm>
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
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "cli/cli.h"
#include "gmock/gmock.h"
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
using ::testing::HasSubstr;

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
  absl::Status Signal(int sig) {
    if (pid_ <= 0) return absl::FailedPreconditionError("not running");
    if (kill(pid_, sig) != 0) return absl::InternalError("kill failed");
    return absl::OkStatus();
  }
  // Sends `sig` and waits (at most 30 s) for it to exit: its exit code, or
  // an error if a signal ended it or it did not exit.
  absl::StatusOr<int> Stop(int sig) {
    SC_RETURN_IF_ERROR(Signal(sig));
    return WaitExit();
  }
  // Waits (at most 30 s) for it to exit: its exit code, or an error if a
  // signal ended it or it did not exit.
  absl::StatusOr<int> WaitExit() {
    const absl::Time end = absl::Now() + absl::Seconds(30);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid_, &status, WNOHANG)) == 0) {
      if (absl::Now() > end) return absl::DeadlineExceededError("no exit");
      absl::SleepFor(absl::Milliseconds(50));
    }
    if (r != pid_) return absl::InternalError("waitpid failed");
    pid_ = -1;
    if (!WIFEXITED(status)) {
      return absl::AbortedError(
          absl::StrCat("ended by signal ", WTERMSIG(status)));
    }
    return WEXITSTATUS(status);
  }
  // Runs a `sidecut` command against it; its output in `out`.
  int Cli(std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), absl::StrCat("--server=", server_));
    std::ostringstream o, e;
    const int rc = cli::RunCli(args, o, e);
    *out = o.str() + e.str();
    return rc;
  }
  const std::string& server() const { return server_; }
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

// Runs sidecutd with `args` until it exits (at most `timeout`, then
// SIGKILLed): its exit code, its stderr in `log`.
absl::StatusOr<int> RunToExit(const std::string& bin,
                              std::vector<std::string> args,
                              const std::string& log, absl::Duration timeout) {
  args.insert(args.begin(), bin);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return absl::InternalError(absl::StrCat("posix_spawn: ", rc));
  const absl::Time end = absl::Now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (absl::Now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return absl::DeadlineExceededError("sidecutd did not exit");
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Changes `tables` (kt.t and others of its columns) alike in one
// transaction each (updates, deletes, upserts of random keys) until
// stopped; counts its commits and failures.
class Writer {
 public:
  Writer(mysql::ConnectParams params,
         std::vector<std::vector<std::string>> groups, int keys)
      : params_(std::move(params)), groups_(std::move(groups)), keys_(keys) {}
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
      switch (rng() % 4) {
        case 0:
          change = absl::StrCat("UPDATE kt.t SET k = ", n, ", c = 'u", n,
                                "' WHERE id = ", id);
          break;
        case 1:
          change = absl::StrCat("DELETE FROM kt.t WHERE id = ", id);
          break;
        case 2:  // relative: a change applied twice shows
          change = absl::StrCat("UPDATE kt.t SET k = k + 1 WHERE id = ", id);
          break;
        default:
          change = absl::StrCat(
              "INSERT INTO kt.t (id, k, c) VALUES (", id, ", ", n, ", 'i", n,
              "') ON DUPLICATE KEY UPDATE k = VALUES(k), c = VALUES(c)");
      }
      // The same change to every table, a transaction per group.
      for (const std::vector<std::string>& group : groups_) {
        if (conn == nullptr) break;
        absl::Status s = conn->Execute("BEGIN").status();
        for (const std::string& table : group) {
          if (!s.ok()) break;
          s = conn->Execute(absl::StrReplaceAll(
                                change, {{"kt.t ", absl::StrCat(table, " ")}}))
                  .status();
        }
        if (s.ok()) s = conn->Execute("COMMIT").status();
        if (s.ok()) {
          ++commits_;
        } else {
          Fail(s);
          if (!conn->Execute("ROLLBACK").ok()) conn.reset();
        }
      }
      Clock::Real()->SleepFor(absl::Milliseconds(2));
    }
  }

  mysql::ConnectParams params_;
  std::vector<std::vector<std::string>> groups_;
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

bool IsReady(const MigrationRow& m) { return m.ready; }
bool IsComplete(const MigrationRow& m) { return m.status == "complete"; }

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
          "SELECT COUNT(*), IFNULL(SUM(CRC32(CONCAT_WS('#', id, k, c, pad))), "
          "0) "
          "FROM ",
          table)));
  return absl::StrCat(r.rows[0].Get(0), "/", r.rows[0].Get(1));
}

// kt.`table`'s columns, in order ("id,k,c").
absl::StatusOr<std::string> Columns(mysql::Connection& conn,
                                    const std::string& table = "t") {
  return mysql::QueryValue(
      conn, absl::StrCat("SELECT GROUP_CONCAT(column_name ORDER BY "
                         "ordinal_position) FROM information_schema.columns "
                         "WHERE table_schema = 'kt' AND table_name = ",
                         mysql::QuoteString(table)));
}

// The lines a `sidecut` command printed.
std::vector<std::string> Lines(const std::string& out) {
  std::vector<std::string> lines;
  for (absl::string_view l : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    lines.emplace_back(absl::StripAsciiWhitespace(l));
  }
  return lines;
}

// The uuid a `sidecut` command printed (its first line).
std::string FirstLine(const std::string& out) {
  return std::string(absl::StripAsciiWhitespace(out.substr(0, out.find('\n'))));
}

class SidecutdKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    std::unique_ptr<Runfiles> rf(Runfiles::CreateForTest(&error));
    ASSERT_NE(rf, nullptr) << error;
    bin_ = rf->Rlocation("sidecut/tablet/sidecutd");
    const char* tmp = getenv("TEST_TMPDIR");
    dir_ = tmp != nullptr ? tmp : "/tmp";
    harness::InstanceOptions io;
    io.benchmark_mode = FullScale();
    ASSERT_OK_AND_ASSIGN(inst_, harness::MariaDbInstance::Start(io));
    ASSERT_OK_AND_ASSIGN(conn_, harness::ConnectTo(*inst_));
    ASSERT_OK(conn_->Execute("CREATE DATABASE kt"));
    // Who holds a table's metadata lock, shown if the test fails.
    conn_->Execute("INSTALL SONAME 'metadata_lock_info'").IgnoreError();
    // A new seed each run (the kills land elsewhere in the cut-over),
    // shown and given again by SIDECUT_SEED.
    const char* seed_env = getenv("SIDECUT_SEED");
    seed_ = seed_env != nullptr ? static_cast<unsigned>(std::atol(seed_env))
                                : static_cast<unsigned>(time(nullptr));
    std::cerr << "SIDECUT_SEED=" << seed_ << "\n";
    rng_.seed(seed_);
  }

  // Tables kt.<name> alike, of `rows_` rows; a writer changing them all
  // alike (keys past their end too: inserts), each group of them in one
  // transaction; a daemon.
  void Start(const std::vector<std::vector<std::string>>& groups) {
    std::vector<std::vector<std::string>> tables;
    for (const std::vector<std::string>& group : groups) {
      tables.emplace_back();
      for (const std::string& t : group) {
        tables.back().push_back(absl::StrCat("kt.", t));
      }
    }
    for (const std::vector<std::string>& group : groups) {
      for (const std::string& t : group) {
        ASSERT_OK(conn_->Execute(absl::StrCat(
            "CREATE TABLE kt.", t,
            " (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(64) NOT NULL, pad "
            "CHAR(60) NOT NULL DEFAULT '', KEY (k))")));
        for (int done = 0; done < rows_; done += 100000) {
          ASSERT_OK(conn_->Execute(absl::StrCat(
              "INSERT INTO kt.", t,
              " (id, k, c, pad) SELECT seq, seq % 1000, CONCAT('c', seq), "
              "REPEAT('p', 60) FROM kt.seq_",
              done + 1, "_to_", std::min(rows_, done + 100000))));
        }
      }
    }
    writer_ = std::make_unique<Writer>(harness::ConnectParamsFor(*inst_),
                                       tables, rows_ + rows_ / 10);
    writer_->Start();
    daemon_ = std::make_unique<Daemon>(bin_, inst_->port(), dir_);
    ASSERT_OK(daemon_->Start());
  }

  // SIGKILLs the daemon, notes the migrations' states, starts another.
  absl::Status KillAndRestart(const std::vector<std::string>& uuids) {
    daemon_->Kill();
    std::vector<std::string> states;
    for (const std::string& u : uuids) {
      SC_ASSIGN_OR_RETURN(MigrationRow m, ReadMigration(*conn_, u));
      states.push_back(absl::StrCat(m.status, "/", m.progress, "%/", m.stage));
    }
    kills_.push_back(absl::StrJoin(states, " + "));
    return daemon_->Start();
  }

  // Waits until `pred` holds over the rows of `uuids` (false after
  // `timeout`, or once one failed or was cancelled, or all completed
  // otherwise: rows_seen_ then says how).
  absl::StatusOr<bool> WaitUntil(
      const std::vector<std::string>& uuids, const char* what,
      const std::function<bool(const std::vector<MigrationRow>&)>& pred) {
    bool met = false;
    absl::Status s = WaitFor(
        Clock::Real(), what,
        [&]() -> absl::StatusOr<bool> {
          rows_seen_.clear();
          bool all_complete = true;
          bool ended = false;
          for (const std::string& u : uuids) {
            SC_ASSIGN_OR_RETURN(MigrationRow m, ReadMigration(*conn_, u));
            all_complete = all_complete && IsComplete(m);
            ended = ended || m.status == "failed" || m.status == "cancelled";
            rows_seen_.push_back(std::move(m));
          }
          met = pred(rows_seen_);
          return met || ended || all_complete;
        },
        WaitOptions{.timeout = absl::Minutes(FullScale() ? 30 : 3),
                    .initial_interval = absl::Milliseconds(2),
                    .max_interval = absl::Milliseconds(5)});
    if (absl::IsDeadlineExceeded(s)) return false;
    SC_RETURN_IF_ERROR(s);
    return met;
  }
  absl::StatusOr<bool> WaitUntil(
      const std::string& uuid, const char* what,
      const std::function<bool(const MigrationRow&)>& pred) {
    return WaitUntil(
        std::vector<std::string>{uuid}, what,
        [&](const std::vector<MigrationRow>& rows) { return pred(rows[0]); });
  }
  // Until every one of `uuids` satisfies `pred`.
  absl::StatusOr<bool> WaitUntilAll(
      const std::vector<std::string>& uuids, const char* what,
      const std::function<bool(const MigrationRow&)>& pred) {
    return WaitUntil(uuids, what, [&](const std::vector<MigrationRow>& rows) {
      return std::all_of(rows.begin(), rows.end(), pred);
    });
  }
  // The rows last seen by WaitUntil, for a failure's message.
  std::string Seen() const {
    std::vector<std::string> out;
    for (const MigrationRow& m : rows_seen_) {
      out.push_back(absl::StrCat(m.status, " ", m.stage, " ", m.message));
    }
    return absl::StrJoin(out, "; ");
  }

  // Each table of `same` pairs holds what its reference does, in one
  // snapshot (the writer changes both in one transaction: no need to stop
  // it).
  void SameInSnapshot(
      const std::vector<std::pair<std::string, std::string>>& same) {
    ASSERT_OK(conn_->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
    for (const auto& [table, reference] : same) {
      absl::StatusOr<std::string> want = Checksum(*conn_, reference);
      absl::StatusOr<std::string> got = Checksum(*conn_, table);
      EXPECT_TRUE(want.ok() && got.ok() && *want == *got)
          << table << ": " << got.value_or("?") << " against "
          << want.value_or("?");
    }
    ASSERT_OK(conn_->Execute("COMMIT"));
  }

  // Stops the writes and the daemon; each table of `same` pairs must hold
  // what its reference does, and no write may have failed.
  void Finish(const std::vector<std::pair<std::string, std::string>>& same) {
    // Writes after the last swap land in its table too: some are made.
    const int64_t before = writer_->commits();
    ASSERT_OK(WaitFor(
        Clock::Real(), "writes after the last swap",
        [&]() -> absl::StatusOr<bool> {
          return writer_->commits() >= before + 50;
        },
        WaitOptions{.timeout = absl::Seconds(60)}));
    writer_->Stop();
    daemon_->Kill();
    std::cerr << "states at the kills:";
    for (const std::string& k : kills_) std::cerr << " [" << k << "]";
    std::cerr << "; writer commits " << writer_->commits() << ", failures "
              << writer_->failures() << "\n";
    EXPECT_EQ(writer_->failures(), 0) << writer_->first_failure();
    for (const auto& [table, reference] : same) {
      ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, reference));
      ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, table));
      EXPECT_EQ(got, want) << table;
    }
  }
  void TearDown() override {
    if (!HasFailure()) return;
    if (daemon_ != nullptr) std::cerr << "sidecutd's log:\n" << daemon_->Log();
    if (conn_ == nullptr) return;
    for (const char* q :
         {"SELECT id, user, command, time, state, LEFT(IFNULL(info, ''), "
          "200) FROM information_schema.processlist ORDER BY id",
          "SELECT trx_mysql_thread_id, trx_state, trx_started, "
          "LEFT(IFNULL(trx_query, ''), 100) FROM information_schema.INNODB_TRX",
          "SELECT * FROM information_schema.METADATA_LOCK_INFO"}) {
      absl::StatusOr<mysql::Result> r = conn_->Execute(q);
      if (!r.ok()) continue;
      std::cerr << q << ":\n";
      for (const mysql::Row& row : r->rows) {
        std::vector<std::string> cells;
        for (size_t i = 0; i < row.size(); ++i) {
          cells.push_back(std::string(row.Get(i)));
        }
        std::cerr << "  " << absl::StrJoin(cells, " | ") << "\n";
      }
    }
  }

  const int rows_ = FullScale() ? 1000000 : 60000;
  std::string bin_;
  std::string dir_;
  std::unique_ptr<harness::MariaDbInstance> inst_;
  std::unique_ptr<mysql::MysqlConnection> conn_;
  std::unique_ptr<Writer> writer_;  // (stopped before the server)
  std::unique_ptr<Daemon> daemon_;
  unsigned seed_ = 0;
  std::mt19937 rng_;
  std::vector<std::string> kills_;
  std::vector<MigrationRow> rows_seen_;
};

TEST_F(SidecutdKillTest, SigkillsInEveryPhaseOfAnAlterAndItsRevertLoseNothing) {
  Start({{"t", "ref"}});
  ASSERT_FALSE(HasFatalFailure());
  int copy_kills = 0;
  // An ALTER and its revert, killed in every phase; `cycle` for the record.
  auto alter_and_revert = [&](int cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle, ", SIDECUT_SEED=", seed_));
    std::string out;
    ASSERT_EQ(daemon_->Cli(
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
      ASSERT_OK_AND_ASSIGN(bool copying, WaitUntil(uuid, "the copy", reached));
      ASSERT_TRUE(copying) << Seen();
      if (rows_seen_[0].ready ||
          !absl::StrContains(rows_seen_[0].stage, "copying")) {
        break;
      }
      ++copy_kills;
      ASSERT_OK(KillAndRestart({uuid}));
    }
    // The index build or the verification after the copy.
    ASSERT_OK_AND_ASSIGN(
        bool after_copy,
        WaitUntil(uuid, "the index build or the verification",
                  [](const MigrationRow& m) {
                    return m.ready ||
                           absl::StrContains(m.stage, "secondary indexes") ||
                           absl::StrContains(m.stage, "verifying");
                  }));
    ASSERT_TRUE(after_copy) << Seen();
    if (!rows_seen_[0].ready) {
      ASSERT_OK(KillAndRestart({uuid}));
    }
    ASSERT_OK_AND_ASSIGN(bool ready,
                         WaitUntil(uuid, "ready to complete", IsReady));
    ASSERT_TRUE(ready) << Seen();

    // The cut-over: completed, then killed 0-40 ms later, 0-80 ms, ...
    // (before its lock, holding it, between the rename and its record, or
    // after), until it is complete.
    for (int round = 0; round < 4; ++round) {
      ASSERT_OK_AND_ASSIGN(MigrationRow m, ReadMigration(*conn_, uuid));
      if (IsComplete(m)) break;
      // (Refused once it completed meanwhile, the restarted daemon
      // cutting over by itself.)
      if (daemon_->Cli({"OnlineDDL", "complete", "kt", uuid}, &out) != 0) {
        ASSERT_TRUE(absl::StrContains(out, "is complete")) << out;
        break;
      }
      Clock::Real()->SleepFor(absl::Milliseconds(rng_() % (40 * (round + 1))));
      ASSERT_OK(KillAndRestart({uuid}));
    }
    ASSERT_OK_AND_ASSIGN(
        bool complete,
        WaitUntil(uuid, "the migration to complete", IsComplete));
    ASSERT_TRUE(complete) << Seen();
    SameInSnapshot({{"kt.t", "kt.ref"}});  // the copy and its stream
    // Its reverse stream, keeping the old table in sync.
    Clock::Real()->SleepFor(absl::Milliseconds(100 + rng_() % 300));
    ASSERT_OK(KillAndRestart({uuid}));
    ASSERT_OK_AND_ASSIGN(std::string cols, Columns(*conn_));
    EXPECT_EQ(cols, "id,k,c,pad,x");

    // The revert: killed 0-300 ms after it is asked for, then completed.
    ASSERT_EQ(daemon_->Cli({"OnlineDDL", "revert", "kt", uuid}, &out), 0)
        << out;
    const std::string revert = FirstLine(out);
    ASSERT_FALSE(revert.empty());
    Clock::Real()->SleepFor(absl::Milliseconds(rng_() % 300));
    ASSERT_OK(KillAndRestart({revert}));
    ASSERT_OK_AND_ASSIGN(
        bool reverted, WaitUntil(revert, "the revert to complete", IsComplete));
    ASSERT_TRUE(reverted) << Seen();
    SameInSnapshot({{"kt.t", "kt.ref"}});  // the reverse stream's
    ASSERT_OK_AND_ASSIGN(cols, Columns(*conn_));
    EXPECT_EQ(cols, "id,k,c,pad");
  };
  const int cycles = 3;
  for (int cycle = 0; cycle < cycles && !HasFatalFailure(); ++cycle) {
    alter_and_revert(cycle);
  }
  Finish({{"kt.t", "kt.ref"}});
  // At least the cut-over, the reverse stream and the revert per cycle,
  // and the copy at least once.
  EXPECT_GE(kills_.size(), 3u * cycles);
  EXPECT_GE(copy_kills, 1);
}

// A gated deployment of two ALTERs (one atomic RENAME swaps both tables)
// and its revert as a unit, the daemon SIGKILLed in the copy, around the
// group's cut-over and during the revert: both tables end swapped
// together (or, reverted, back together), holding every committed write.
TEST_F(SidecutdKillTest,
       SigkillsAroundAGatedDeploymentAndItsRevertLoseNothing) {
  // Each transaction writes u, then t: one holding u while it waits for
  // t, which the group cut-over locked first (name order), made the
  // cut-over's lock on u wait out its timeout, every attempt, and the
  // revert never swapped (found here). The group now waits for u only
  // briefly, then locks the tables in the other order.
  Start({{"u", "uref", "t", "ref"}});
  ASSERT_FALSE(HasFatalFailure());
  std::string out;
  auto desired = [](const char* table, const char* column, int value) {
    return absl::StrCat(
        "CREATE TABLE ", table,
        " (id INT PRIMARY KEY, k INT NOT NULL, c VARCHAR(64) NOT NULL, pad "
        "CHAR(60) NOT NULL DEFAULT '', ",
        column, " INT NOT NULL DEFAULT ", value, ", KEY (k))");
  };
  ASSERT_EQ(daemon_->Cli({"ApplySchema",
                          "--ddl-strategy=vitess --declarative "
                          "--postpone-completion",
                          "--migration-context=dep1",
                          absl::StrCat("--sql=", desired("t", "x", 7), "; ",
                                       desired("u", "y", 8)),
                          "kt"},
                         &out),
            0)
      << out;
  const std::vector<std::string> uuids = Lines(out);
  ASSERT_EQ(uuids.size(), 2u) << out;
  // The copies (they take turns): killed once one is past a third.
  ASSERT_OK_AND_ASSIGN(
      bool copying,
      WaitUntil(uuids, "a copy", [](const std::vector<MigrationRow>& rows) {
        return std::any_of(rows.begin(), rows.end(), [](const MigrationRow& m) {
          return m.ready || m.progress >= 33;
        });
      }));
  ASSERT_TRUE(copying) << Seen();
  ASSERT_OK(KillAndRestart(uuids));
  ASSERT_OK_AND_ASSIGN(bool ready, WaitUntilAll(uuids, "both ready", IsReady));
  ASSERT_TRUE(ready) << Seen();
  ASSERT_EQ(Columns(*conn_, "t").value_or(""), "id,k,c,pad");
  ASSERT_EQ(Columns(*conn_, "u").value_or(""), "id,k,c,pad");

  // The gate: completed, then killed 0-40 ms later, 0-80 ms, ... until
  // both are complete.
  for (int round = 0; round < 4; ++round) {
    bool done = true;
    for (const std::string& u : uuids) {
      ASSERT_OK_AND_ASSIGN(MigrationRow m, ReadMigration(*conn_, u));
      done = done && IsComplete(m);
    }
    if (done) break;
    if (daemon_->Cli({"Deployment", "complete", "kt", "dep1"}, &out) != 0) {
      ASSERT_TRUE(absl::StrContains(out, "complete")) << out;
    }
    Clock::Real()->SleepFor(absl::Milliseconds(rng_() % (40 * (round + 1))));
    ASSERT_OK(KillAndRestart(uuids));
    // Together: both tables swapped, or neither.
    ASSERT_OK_AND_ASSIGN(std::string t, Columns(*conn_, "t"));
    ASSERT_OK_AND_ASSIGN(std::string u, Columns(*conn_, "u"));
    EXPECT_EQ(t == "id,k,c,pad,x", u == "id,k,c,pad,y") << t << " / " << u;
  }
  ASSERT_OK_AND_ASSIGN(bool complete,
                       WaitUntilAll(uuids, "both complete", IsComplete));
  ASSERT_TRUE(complete) << Seen();
  EXPECT_EQ(Columns(*conn_, "t").value_or(""), "id,k,c,pad,x");
  EXPECT_EQ(Columns(*conn_, "u").value_or(""), "id,k,c,pad,y");
  SameInSnapshot({{"kt.t", "kt.ref"}, {"kt.u", "kt.uref"}});
  // The reverse streams.
  Clock::Real()->SleepFor(absl::Milliseconds(100 + rng_() % 300));
  ASSERT_OK(KillAndRestart(uuids));

  // The revert as a unit: killed 0-300 ms after it is asked for.
  ASSERT_EQ(daemon_->Cli({"Deployment", "revert", "kt", "dep1"}, &out), 0)
      << out;
  Clock::Real()->SleepFor(absl::Milliseconds(rng_() % 300));
  ASSERT_OK(KillAndRestart(uuids));
  std::vector<std::string> reverts;
  ASSERT_OK(
      WaitFor(Clock::Real(), "the reverts", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(
            mysql::Result r,
            conn_->Execute(absl::StrCat(
                "SELECT migration_uuid FROM _vt.schema_migrations WHERE "
                "reverted_uuid IN (",
                mysql::QuoteString(uuids[0]), ", ",
                mysql::QuoteString(uuids[1]), ")")));
        reverts.clear();
        for (const mysql::Row& row : r.rows) reverts.emplace_back(row.Get(0));
        return reverts.size() == 2;
      }));
  ASSERT_OK_AND_ASSIGN(bool reverted,
                       WaitUntilAll(reverts, "both reverted", IsComplete));
  ASSERT_TRUE(reverted) << Seen();
  SameInSnapshot({{"kt.t", "kt.ref"}, {"kt.u", "kt.uref"}});
  EXPECT_EQ(Columns(*conn_, "t").value_or(""), "id,k,c,pad");
  EXPECT_EQ(Columns(*conn_, "u").value_or(""), "id,k,c,pad");
  Finish({{"kt.t", "kt.ref"}, {"kt.u", "kt.uref"}});
  EXPECT_GE(kills_.size(), 4u);
}

// A `mysql`-strategy ALTER whose daemon is SIGKILLed runs on in the server
// (it notices the lost client only when it answers): the restarted daemon
// completes it if it applied (it failed it, and a retry applied it twice)
// and stops it if it still runs, failing it with the table unchanged.
TEST_F(SidecutdKillTest, AMysqlAlterOutlivingItsDaemonIsJudgedByTheTable) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE kt.m (id INT PRIMARY KEY, v INT) SELECT seq AS id, seq AS "
      "v FROM kt.seq_1_to_100"));
  daemon_ = std::make_unique<Daemon>(bin_, inst_->port(), dir_);
  ASSERT_OK(daemon_->Start());
  auto columns = [&]() {
    absl::StatusOr<std::string> n = mysql::QueryValue(
        *conn_,
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
        "'kt' AND TABLE_NAME = 'm'");
    return n.ok() ? *n : n.status().ToString();
  };
  // A FORCE changes nothing SHOW CREATE TABLE shows: the binlog tells
  // (it was judged "did not apply" when it had). With the binlog purged
  // meanwhile, a changed definition still tells; an unchanged one does
  // not when the ALTER's effect does not show there.
  struct Case {
    std::string statement;
    bool applies;
    bool purge_binlog;
  };
  const Case cases[] = {{"ALTER TABLE m ADD COLUMN z1 INT", true, false},
                        {"ALTER TABLE m ADD COLUMN z2 INT", false, false},
                        {"ALTER TABLE m FORCE", true, false},
                        {"ALTER TABLE m FORCE", false, false},
                        {"ALTER TABLE m ADD COLUMN z3 INT", true, true},
                        {"ALTER TABLE m FORCE", false, true}};
  for (const auto& [statement, applies, purge_binlog] : cases) {
    SCOPED_TRACE(absl::StrCat(statement, applies ? " applies" : " killed",
                              purge_binlog ? ", binlog purged" : ""));
    // The ALTER waits for the table a transaction holds.
    ASSERT_OK_AND_ASSIGN(auto holder, harness::ConnectTo(*inst_));
    ASSERT_OK(holder->Execute("BEGIN"));
    ASSERT_OK(holder->Execute("SELECT COUNT(*) FROM kt.m"));
    const std::string running = absl::StrCat(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = ",
        mysql::QuoteString(statement));
    std::string out;
    ASSERT_EQ(daemon_->Cli({"ApplySchema", "--ddl-strategy=mysql",
                            absl::StrCat("--sql=", statement), "kt"},
                           &out),
              0)
        << out;
    const std::string uuid(absl::StripAsciiWhitespace(out));
    ASSERT_OK(
        WaitFor(Clock::Real(), "the ALTER waiting for the table",
                [&]() -> absl::StatusOr<bool> {
                  SC_ASSIGN_OR_RETURN(
                      std::string n,
                      mysql::QueryValue(*conn_, absl::StrCat(running,
                                                             " AND STATE LIKE "
                                                             "'%metadata%'")));
                  return n == "1";
                }));
    daemon_->Kill();
    const std::string before = columns();
    if (applies) {
      ASSERT_OK(holder->Execute("COMMIT"));
      ASSERT_OK(WaitFor(
          Clock::Real(), "the ALTER to end", [&]() -> absl::StatusOr<bool> {
            SC_ASSIGN_OR_RETURN(std::string n,
                                mysql::QueryValue(*conn_, running));
            return n == "0";
          }));
    }
    if (purge_binlog) {
      ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
      ASSERT_OK_AND_ASSIGN(std::string last,
                           mysql::QueryValue(*conn_, "SHOW MASTER STATUS"));
      // The server keeps a file until its binlog checkpoint moves on.
      ASSERT_OK(WaitFor(
          Clock::Real(), "the binlog purged", [&]() -> absl::StatusOr<bool> {
            SC_RETURN_IF_ERROR(
                conn_
                    ->Execute(absl::StrCat("PURGE BINARY LOGS TO ",
                                           mysql::QuoteString(last)))
                    .status());
            SC_ASSIGN_OR_RETURN(std::string first,
                                mysql::QueryValue(*conn_, "SHOW BINARY LOGS"));
            return first == last;
          }));
    }
    ASSERT_OK(daemon_->Start());
    ASSERT_OK(WaitFor(
        Clock::Real(), "the migration to end", [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(MigrationRow m, ReadMigration(*conn_, uuid));
          return m.status == "complete" || m.status == "failed";
        }));
    ASSERT_OK_AND_ASSIGN(MigrationRow m, ReadMigration(*conn_, uuid));
    if (applies) {
      EXPECT_EQ(m.status, "complete") << m.message;
    } else {
      EXPECT_EQ(m.status, "failed");
      EXPECT_THAT(m.message, HasSubstr(purge_binlog ? "whether it applied is "
                                                      "unknown"
                                                    : "did not apply"));
      ASSERT_OK(holder->Execute("COMMIT"));
      // Once no session runs it, the ALTER can apply no more.
      ASSERT_OK(WaitFor(Clock::Real(), "the killed ALTER to be gone",
                        [&]() -> absl::StatusOr<bool> {
                          SC_ASSIGN_OR_RETURN(
                              std::string n,
                              mysql::QueryValue(*conn_, running));
                          return n == "0";
                        }));
      EXPECT_EQ(columns(), before) << "the ALTER applied after all";
    }
  }
}

// A daemon SIGKILLed while its shadow's CREATE waits for the table: the
// server creates the shadow once the table is free, and the migration
// (failed at the restart, its stream missing) lists it for table GC (it
// was listed only after the CREATE returned, so it stayed for good).
TEST_F(SidecutdKillTest, AShadowCreatedAfterItsDaemonDiedIsCollected) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE kt.s (id INT PRIMARY KEY, v INT) SELECT seq AS id, seq AS "
      "v FROM kt.seq_1_to_100"));
  daemon_ = std::make_unique<Daemon>(bin_, inst_->port(), dir_);
  ASSERT_OK(daemon_->Start());
  ASSERT_OK_AND_ASSIGN(auto holder, harness::ConnectTo(*inst_));
  ASSERT_OK(holder->Execute("LOCK TABLES kt.s WRITE"));
  std::string out;
  ASSERT_EQ(daemon_->Cli({"ApplySchema", "--ddl-strategy=vitess",
                          "--sql=ALTER TABLE s ADD COLUMN w INT", "kt"},
                         &out),
            0)
      << out;
  const std::string uuid(absl::StripAsciiWhitespace(out));
  ASSERT_OK(
      WaitFor(Clock::Real(), "the shadow's CREATE waiting",
              [&]() -> absl::StatusOr<bool> {
                SC_ASSIGN_OR_RETURN(
                    std::string n,
                    mysql::QueryValue(
                        *conn_,
                        "SELECT COUNT(*) FROM information_schema."
                        "PROCESSLIST WHERE INFO LIKE 'CREATE TABLE%LIKE%' "
                        "AND STATE LIKE '%metadata%'"));
                return n == "1";
              },
              {.timeout = absl::Seconds(60)}));
  daemon_->Kill();
  ASSERT_OK(holder->Execute("UNLOCK TABLES"));
  auto shadows = [&]() {
    absl::StatusOr<std::string> n = mysql::QueryValue(
        *conn_,
        "SELECT IFNULL(GROUP_CONCAT(TABLE_NAME), '') FROM "
        "information_schema.TABLES WHERE TABLE_SCHEMA = 'kt' AND TABLE_NAME "
        "LIKE '\\_vt\\_vrp\\_%'");
    return n.ok() ? *n : n.status().ToString();
  };
  ASSERT_OK(
      WaitFor(Clock::Real(), "the shadow created",
              [&]() -> absl::StatusOr<bool> { return !shadows().empty(); }));
  const std::string shadow = shadows();
  ASSERT_OK(daemon_->Start());
  ASSERT_OK(WaitFor(Clock::Real(), "the migration to end",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(MigrationRow m,
                                          ReadMigration(*conn_, uuid));
                      return m.status == "complete" || m.status == "failed";
                    },
                    {.timeout = absl::Seconds(60)}));
  ASSERT_OK_AND_ASSIGN(
      std::string artifacts,
      mysql::QueryValue(*conn_, absl::StrCat("SELECT artifacts FROM "
                                             "_vt.schema_migrations WHERE "
                                             "migration_uuid = '",
                                             uuid, "'")));
  EXPECT_THAT(artifacts, HasSubstr(shadow));
}

// A second daemon does not run beside the first: not for the same
// database (both ran every queued migration, each with a stream of its
// own), nor on its port (gRPC let both listen, the kernel sharing the
// calls out between them).
// SIGTERM and SIGINT stop the daemon cleanly (it says so, exits 0 and
// gives up its lock: the next one starts at once); SIGHUP (a closed
// terminal, a log rotation, a reload) is ignored, said in the log. SIGHUP
// used to end it as abruptly as SIGKILL.
TEST_F(SidecutdKillTest, SignalsStopItCleanlyOrAreIgnored) {
  for (int sig : {SIGTERM, SIGINT}) {
    daemon_ = std::make_unique<Daemon>(bin_, inst_->port(), dir_);
    ASSERT_OK(daemon_->Start()) << "signal " << sig;
    ASSERT_OK(daemon_->Signal(SIGHUP));
    ASSERT_OK(WaitFor(
        Clock::Real(), "SIGHUP said ignored", [&]() -> absl::StatusOr<bool> {
          return absl::StrContains(daemon_->Log(), "SIGHUP ignored");
        }));
    std::string out;
    EXPECT_EQ(daemon_->Cli({"OnlineDDL", "show", "kt", "all"}, &out), 0) << out;
    EXPECT_THAT(daemon_->Stop(sig), IsOkAndHolds(0)) << "signal " << sig;
    EXPECT_THAT(daemon_->Log(),
                HasSubstr(absl::StrCat("signal ", sig, ", shutting down")));
  }
}

TEST_F(SidecutdKillTest, ASecondDaemonDoesNotStartBesideTheFirst) {
  daemon_ = std::make_unique<Daemon>(bin_, inst_->port(), dir_);
  ASSERT_OK(daemon_->Start());
  const std::string port =
      daemon_->server().substr(daemon_->server().rfind(':') + 1);
  const std::string log = absl::StrCat(dir_, "/second.log");
  ASSERT_OK_AND_ASSIGN(int rc,
                       RunToExit(bin_,
                                 {absl::StrCat("--mysql_port=", inst_->port()),
                                  "--db=kt", "--port=0"},
                                 log, absl::Seconds(60)));
  EXPECT_EQ(rc, 1);
  const std::string said = ReadFile(log);  // names the lock
  EXPECT_THAT(said,
              HasSubstr("another sidecutd runs the migrations of database"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE kt2"));
  ASSERT_OK_AND_ASSIGN(
      rc, RunToExit(bin_,
                    {absl::StrCat("--mysql_port=", inst_->port()), "--db=kt2",
                     absl::StrCat("--port=", port)},
                    log, absl::Seconds(60)));
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(ReadFile(log), HasSubstr("cannot listen"));

  // The first's session killed, and the lock taken meanwhile (as another
  // daemon starting then would): it stops its migrations and exits,
  // failing. It reconnected and went on beside the other.
  const size_t at = said.find("holds the lock '");
  ASSERT_NE(at, std::string::npos) << said;
  const size_t from = at + std::string("holds the lock '").size();
  const std::string lock = said.substr(from, said.find('\'', from) - from);
  ASSERT_OK_AND_ASSIGN(
      std::string holder,
      mysql::QueryValue(*conn_, absl::StrCat("SELECT IS_USED_LOCK(",
                                             mysql::QuoteString(lock), ")")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> other,
                       harness::ConnectTo(*inst_));
  ASSERT_OK(conn_->Execute(absl::StrCat("KILL CONNECTION ", holder)));
  ASSERT_OK_AND_ASSIGN(
      std::string got,
      mysql::QueryValue(
          *other,
          absl::StrCat("SELECT GET_LOCK(", mysql::QuoteString(lock), ", 10)")));
  ASSERT_EQ(got, "1");
  ASSERT_OK_AND_ASSIGN(rc, daemon_->WaitExit());
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(ReadFile(absl::StrCat(dir_, "/sidecutd.log")),
              HasSubstr("this daemon lost the lock to it"));
}

}  // namespace
}  // namespace sidecut
