// VReplication against a real MariaDB: copy + catch-up + running phase under
// concurrent writes end with the target equal to the source (checksums);
// string keys follow the column's collation; filters with expressions; a
// table without a usable key fails with a clear error.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "mysql/server_thread.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/harness/shared_instance_test.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/engine.h"
#include "vreplication/key_range.h"
#include "vreplication/sidecar_schema.h"
#include "vreplication/table_schema.h"
#include "vreplication/testing/vr_test_util.h"

namespace sidecut {
namespace vreplication {
namespace {

using ::sidecut::IsOkAndHolds;
using testing::Checksum;
using ::testing::ContainsRegex;
using testing::Cp932KeyRows;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::PrepareXaAndLeave;
using testing::WaitCaughtUp;
using testing::WaitCopied;
using testing::WaitCopiedThroughRetries;
using testing::Writer;

// `target` holds the rows of `source` (those matching `where`), read as
// `columns`.
void ExpectSameRows(mysql::Connection& conn, const std::string& source,
                    const std::string& target, const std::string& columns,
                    const std::string& where = "") {
  absl::StatusOr<std::string> want = Checksum(conn, source, columns, where);
  ASSERT_OK(want.status());
  EXPECT_THAT(Checksum(conn, target, columns), IsOkAndHolds(*want)) << target;
}

// Expects each `db`.dst_<table> to hold what `db`.<table> holds (the
// source's rows matching `where`), compared over the given columns.
void ExpectTargetsMatch(
    mysql::Connection& conn, const std::string& db,
    const std::vector<std::pair<std::string, std::string>>& tables,
    const std::string& where = "") {
  for (const auto& [t, columns] : tables) {
    ExpectSameRows(conn, absl::StrCat(db, ".", t), absl::StrCat(db, ".dst_", t),
                   columns, where);
  }
}

// Sets the server's global sql_mode (new sessions take it) for its
// lifetime, putting the old one back whatever fails meanwhile.
class ScopedGlobalSqlMode {
 public:
  static absl::StatusOr<std::unique_ptr<ScopedGlobalSqlMode>> Set(
      mysql::Connection& conn, const std::string& mode) {
    SC_ASSIGN_OR_RETURN(std::string old,
                        mysql::QueryValue(conn, "SELECT @@GLOBAL.sql_mode"));
    SC_RETURN_IF_ERROR(conn.Execute(absl::StrCat("SET GLOBAL sql_mode = ",
                                                 mysql::QuoteString(mode)))
                           .status());
    return std::unique_ptr<ScopedGlobalSqlMode>(
        new ScopedGlobalSqlMode(conn, std::move(old)));
  }
  ~ScopedGlobalSqlMode() {
    conn_
        .Execute(
            absl::StrCat("SET GLOBAL sql_mode = ", mysql::QuoteString(old_)))
        .IgnoreError();
  }

 private:
  ScopedGlobalSqlMode(mysql::Connection& conn, std::string old)
      : conn_(conn), old_(std::move(old)) {}
  mysql::Connection& conn_;
  const std::string old_;
};

class VReplicationTest : public harness::SharedInstanceTest {
 protected:
  void SetUp() override {
    harness::SharedInstanceTest::SetUp();
    if (HasFatalFailure()) return;
    options_.connect = harness::ConnectParamsFor(*instance_);
    options_.copy_batch_rows = 500;
    options_.copy_phase_duration = absl::Milliseconds(300);
    options_.heartbeat_period = absl::Milliseconds(250);
  }
  binlogdata::BinlogSource Source(const std::string& target,
                                  const std::string& filter) {
    binlogdata::BinlogSource s;
    binlogdata::Rule* r = s.mutable_filter()->add_rules();
    r->set_match(target);
    r->set_filter(filter);
    return s;
  }
  // Two rules: `target` from `filter`, then `second` from `second_filter`.
  binlogdata::BinlogSource Source(const std::string& target,
                                  const std::string& filter,
                                  const std::string& second,
                                  const std::string& second_filter) {
    binlogdata::BinlogSource s = Source(target, filter);
    binlogdata::Rule* r = s.mutable_filter()->add_rules();
    r->set_match(second);
    r->set_filter(second_filter);
    return s;
  }

  // Waits until workflow `id` fails; its row.
  static absl::StatusOr<WorkflowRow> WaitFailed(Engine& engine, int64_t id) {
    SC_RETURN_IF_ERROR(WaitFor(
        Clock::Real(), "the workflow to fail", [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
          return row.state == kStateError;
        }));
    return engine.Read(id);
  }
  // Runs workflow `name` (dst from src of `db`) until it fails; its row.
  // Unless `keep`, the workflow is then stopped, so that a later test's
  // Engine::Open does not run it again (a restarted copy's first
  // transaction could deadlock with that test's own).
  absl::StatusOr<WorkflowRow> RunUntilFailed(const std::string& name,
                                             const std::string& db,
                                             bool keep = false) {
    Engine engine(options_, Clock::Real());
    SC_RETURN_IF_ERROR(engine.Open());
    SC_ASSIGN_OR_RETURN(
        int64_t id,
        engine.Create(name, Source("dst", "select * from src"), db, 0));
    absl::StatusOr<WorkflowRow> row = WaitFailed(engine, id);
    if (!keep) SC_RETURN_IF_ERROR(engine.Stop(id, "failed in a test"));
    return row;
  }

  // Creates `db`.src (a = b = 1..300) and an empty `db`.dst alike, and
  // sets options_ to copy them (server-side or client-side) in chunks of
  // 100, the throttler's first question preparing two-phase XA `xid`,
  // left pending: src row 250 set to b = -1. `*asked` counts the
  // questions.
  absl::Status CopyWithAnXaPreparedAtItsStart(const std::string& db,
                                              const std::string& xid,
                                              bool server_side,
                                              std::atomic<int>* asked) {
    std::vector<std::string> sql = {absl::StrCat("CREATE DATABASE ", db)};
    for (const char* table : {".src", ".dst"}) {
      sql.push_back(absl::StrCat("CREATE TABLE ", db, table,
                                 " (a INT PRIMARY KEY, b INT)"));
    }
    sql.push_back(absl::StrCat("INSERT INTO ", db, ".src SELECT seq, seq FROM ",
                               db, ".seq_1_to_300"));
    for (const std::string& q : sql) {
      SC_RETURN_IF_ERROR(conn_->Execute(q).status());
    }
    options_.server_side_copy = server_side;
    options_.copy_batch_rows = 100;
    options_.copy_batch_max_rows = 100;
    const mysql::ConnectParams params = harness::ConnectParamsFor(*instance_);
    options_.throttle = [params, db, xid, asked](
                            mysql::Connection&) -> absl::StatusOr<std::string> {
      if (asked->fetch_add(1) > 0) return std::string();
      // The first time the copy asks: before its first chunk or snapshot.
      SC_RETURN_IF_ERROR(PrepareXaAndLeave(
          params, xid,
          absl::StrCat("UPDATE ", db, ".src SET b = -1 WHERE a = 250")));
      return std::string();
    };
    return absl::OkStatus();
  }
  // Waits until some session waits for a row lock.
  absl::Status WaitForARowLockWait(const std::string& what,
                                   WaitOptions options = WaitOptions{}) {
    return WaitFor(
        Clock::Real(), what,
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(
              std::string n,
              mysql::QueryValue(
                  *conn_,
                  "SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS"));
          return n != "0";
        },
        options);
  }
  // Copies in chunks of 100 rows, one a phase, letting `*chunks` more
  // through, then pausing until the test raises it again.
  void CopyInHeldChunks(std::atomic<int>* chunks) {
    options_.copy_batch_rows = 100;
    options_.copy_batch_max_rows = 100;
    options_.copy_phase_duration = absl::Milliseconds(1);  // a chunk a phase
    options_.throttle =
        [chunks](mysql::Connection&) -> absl::StatusOr<std::string> {
      if (chunks->load() <= 0) return std::string("test: held");
      --*chunks;
      return std::string();
    };
    options_.throttle_recheck = absl::Milliseconds(20);
  }
  // Creates workflow `name` copying `db`.src into `db`.dst in held chunks
  // (`*chunks` let through) on a new `*engine` (made after the options
  // hold the chunks: an engine copies them) and stops it once some rows
  // are copied; its id.
  absl::StatusOr<int64_t> StopMidCopy(std::unique_ptr<Engine>* engine,
                                      const std::string& name,
                                      const std::string& db,
                                      std::atomic<int>* chunks) {
    CopyInHeldChunks(chunks);
    *engine = std::make_unique<Engine>(options_, Clock::Real());
    SC_RETURN_IF_ERROR((*engine)->Open());
    SC_ASSIGN_OR_RETURN(
        int64_t id,
        (*engine)->Create(name, Source("dst", "select * from src"), db, 0));
    SC_RETURN_IF_ERROR(WaitSomeRowsCopied(**engine, id));
    SC_RETURN_IF_ERROR((*engine)->Stop(id));
    return id;
  }
  static absl::Status WaitSomeRowsCopied(Engine& engine, int64_t id) {
    return WaitFor(Clock::Real(), "some rows copied",
                   [&]() -> absl::StatusOr<bool> {
                     SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
                     return row.rows_copied > 0;
                   });
  }

  // Copies `db`.src into `db`.dst with workflow `name` (options_) and
  // expects both the same, read as `columns`, once caught up.
  void CopyAndCompare(const std::string& name, const std::string& db,
                      const std::string& columns) {
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id,
        engine.Create(name, Source("dst", "select * from src"), db, 0));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(std::string want,
                         Checksum(*conn_, db + ".src", columns));
    EXPECT_THAT(Checksum(*conn_, db + ".dst", columns), IsOkAndHolds(want));
  }

  // Copies `db`.src (3000 rows) into `db`.dst in held chunks; while the
  // copy is paused after some, changes copied and uncopied rows alike
  // (every v, then every 7th row deleted); then both tables, read as
  // `columns`, must match once caught up.
  void CopyWhileChangingAndCompare(const std::string& db,
                                   const std::string& columns) {
    std::atomic<int> chunks{3};
    CopyInHeldChunks(&chunks);
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id,
        engine.Create("wf_" + db, Source("dst", "select * from src"), db, 0));
    ASSERT_OK(WaitSomeRowsCopied(engine, id));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("UPDATE ", db, ".src SET v = v + 1000000")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("DELETE FROM ", db, ".src WHERE v % 7 = 0")));
    ASSERT_OK_AND_ASSIGN(WorkflowRow mid, engine.Read(id));
    EXPECT_LT(mid.rows_copied, 3000);
    chunks = 1 << 30;
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(std::string want,
                         Checksum(*conn_, db + ".src", columns));
    ASSERT_OK_AND_ASSIGN(std::string got,
                         Checksum(*conn_, db + ".dst", columns));
    EXPECT_EQ(got, want);
    EXPECT_THAT(mysql::QueryValue(
                    *conn_, absl::StrCat("SELECT COUNT(*) FROM ", db, ".dst")),
                IsOkAndHolds("2572"));
  }

  // Creates workflow `name` copying `db`.src into `db`.dst through
  // `filter` and waits for its copy; its id.
  absl::StatusOr<int64_t> CreateCopied(
      Engine& engine, const std::string& name, const std::string& db,
      const std::string& filter = "select * from src");

  // Copies `db`.src into `db`.dst client-side (server_side_copy=false:
  // rows read from a consistent snapshot and inserted as literals).
  absl::Status CopyClientSide(const std::string& name, const std::string& db) {
    WorkflowOptions o = options_;
    o.server_side_copy = false;
    Engine engine(o, Clock::Real());
    SC_RETURN_IF_ERROR(engine.Open());
    return CreateCopied(engine, name, db).status();
  }

  WorkflowOptions options_;
};

absl::StatusOr<int64_t> VReplicationTest::CreateCopied(
    Engine& engine, const std::string& name, const std::string& db,
    const std::string& filter) {
  SC_ASSIGN_OR_RETURN(int64_t id,
                      engine.Create(name, Source("dst", filter), db, 0));
  SC_RETURN_IF_ERROR(WaitCopied(engine, id));
  return id;
}

// `db`.dst against what INSERT ... SELECT `select` stores in a table like
// it, both read as `rows` (a SELECT ending in "FROM db.").
void ExpectSameAsInsertSelect(mysql::Connection& conn, const std::string& db,
                              const std::string& select,
                              const std::string& rows,
                              const std::string& want_part) {
  ASSERT_OK(conn.Execute(
      absl::StrCat("CREATE TABLE ", db, ".ref LIKE ", db, ".dst")));
  ASSERT_OK(conn.Execute(absl::StrCat("INSERT INTO ", db, ".ref ", select)));
  ASSERT_OK_AND_ASSIGN(std::string want, mysql::QueryValue(conn, rows + "ref"));
  EXPECT_THAT(want, HasSubstr(want_part));
  ASSERT_OK_AND_ASSIGN(std::string got, mysql::QueryValue(conn, rows + "dst"));
  EXPECT_EQ(got, want);
}

// Number columns whose text the server shows differently from a literal
// of their value, into TEXT and BLOB columns, and rows of edge values.
constexpr char kNumbersSource[] =
    "(id INT PRIMARY KEY, p DOUBLE(10,2), q FLOAT(7,3), z INT(5) ZEROFILL, "
    "w DECIMAL(6,2) ZEROFILL, y YEAR, g DOUBLE ZEROFILL, u BIGINT(3) ZEROFILL, "
    "e FLOAT(6,2) ZEROFILL, f FLOAT, b BIT(8), c BIT(12), d DOUBLE, "
    "k DECIMAL(6,2), i INT, h FLOAT ZEROFILL)";
constexpr char kNumbersTarget[] =
    "(id INT PRIMARY KEY, p TEXT, q TINYTEXT, z MEDIUMTEXT, w LONGTEXT, "
    "y TEXT, g TEXT, u TEXT, e BLOB, f TEXT, b TEXT, c TINYBLOB, d TEXT, "
    "k TEXT, i TEXT, h LONGBLOB)";
const char* const kNumbersRows[] = {
    "1.5, 1.1, 42, 1.5, 0, 2.5, 7, 3.25, 1.1, 65, 65, 0.1, 1.5, -7, 1.1",
    "-0.01, 1234.567, 0, 0, 2024, 0, 123456, 0.5, 1234567, 0, 4095, 1e20, "
    "-0.5, 0, 1234567",
    "1e7, -0.0005, 4294967295, 9999.99, 1901, 1e-7, 18446744073709551615, "
    "999.99, -3.4e38, 127, 256, -1e-300, 9999.99, 2147483647, 0.000001",
    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
    "NULL, NULL, NULL"};
// Every row of `db`.<table> as hex, in one string.
std::string NumbersAsHex(const std::string& db) {
  std::string columns = "id";
  for (const char* c : {"p", "q", "z", "w", "y", "g", "u", "e", "f", "b", "c",
                        "d", "k", "i", "h"}) {
    absl::StrAppend(&columns, ", '|', IFNULL(HEX(", c, "), '-')");
  }
  return absl::StrCat("SELECT GROUP_CONCAT(", columns,
                      " ORDER BY id SEPARATOR ' ') FROM ", db, ".");
}
// The start of the first row as the copy stores it: 1.50, 1.100, 00042,
// 0001.50, 0000, 0...02.5, 007, 003.25, 1.1, 'A', 0x0041.
constexpr char kNumbersFirstRowHex[] =
    "|312E3530|312E313030|3030303432|303030312E3530|30303030|"
    "30303030303030303030303030303030303030322E35|303037|3030332E3235|"
    "312E31|41|0041|";

constexpr char kTable[] =
    "(id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) NOT NULL, "
    "val INT, ts TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), "
    "note TEXT CHARACTER SET latin1, KEY (val))";

// Copies a 20k-row table while a writer changes it, then tails: the copy
// (several copy phases, with the catch-up between them) and the tail
// together leave exactly the source.
void CopyAndTailUnderConcurrentWrites(mysql::MysqlConnection* conn,
                                      const WorkflowOptions& options,
                                      const std::string& db,
                                      const binlogdata::BinlogSource& source) {
  ASSERT_OK(conn->Execute(absl::StrCat("CREATE DATABASE ", db)));
  ASSERT_OK(conn->Execute(absl::StrCat("CREATE TABLE ", db, ".src ", kTable)));
  ASSERT_OK(conn->Execute(absl::StrCat("CREATE TABLE ", db, ".dst ", kTable)));
  ASSERT_OK(conn->Execute(
      absl::StrCat("INSERT INTO ", db,
                   ".src (id, name, val, note) SELECT seq, CONCAT('n', seq), "
                   "seq % 1000, IF(seq % 3 = 0, NULL, 'café') FROM ",
                   db, ".seq_1_to_20000")));
  Writer writer(options.connect, db + ".src", 22000);
  writer.Start();
  Engine engine(options, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf_" + db, source, db, 0));
  // Let the writer overlap the copy (several snapshots) and the tail. A
  // DDL of the source's (in some callers) may fail a run as it reads the
  // table's definition: the run is retried.
  ASSERT_OK(WaitCopiedThroughRetries(engine, id, absl::Seconds(120)));
  Clock::Real()->SleepFor(absl::Milliseconds(500));
  ASSERT_OK(writer.Stop());
  EXPECT_GT(writer.statements(), 100);
  ASSERT_OK(WaitCaughtUp(*conn, id, absl::Seconds(60)));
  // Idle and caught up: the next heartbeat reports zero lag.
  EXPECT_OK(WaitFor(
      Clock::Real(), "lag to reach zero",
      [&]() -> absl::StatusOr<bool> { return engine.LagSeconds(id) == 0; }));
  const std::string cols = "id, name, IFNULL(val, 'N'), ts, IFNULL(note, 'N')";
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn, db + ".src", cols));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn, db + ".dst", cols));
  EXPECT_EQ(got, want);
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
  EXPECT_GE(row.rows_copied, 20000);
  EXPECT_THAT(row.pos, HasSubstr("MariaDB/"));
  ASSERT_OK_AND_ASSIGN(mysql::Result cs,
                       conn->Execute("SELECT COUNT(*) FROM _vt.copy_state"));
  EXPECT_EQ(cs.rows[0].Get(0), "0");
  // Stopped with the reason given, written by the stopping workflow.
  ASSERT_OK(engine.Stop(id, "parked by a test"));
  ASSERT_OK_AND_ASSIGN(row, engine.Read(id));
  EXPECT_EQ(row.state, kStateStopped);
  EXPECT_EQ(row.message, "parked by a test");
}

TEST_F(VReplicationTest, CopyAndTailUnderConcurrentWritesMatchesSource) {
  // The default: INSERT ... SELECT chunks on the server.
  ASSERT_TRUE(options_.server_side_copy);
  WorkflowOptions o = options_;
  o.catchup_alongside_chunks = true;
  o.copy_batch_max_rows = 1000;  // chunks enough for catch-ups alongside
  o.copy_catchup_interval = absl::ZeroDuration();
  ::testing::internal::CaptureStderr();
  CopyAndTailUnderConcurrentWrites(conn_.get(), o, "d1",
                                   Source("dst", "select * from src"));
  // Where the copy spent its time, logged once it is done.
  const std::string log = ::testing::internal::GetCapturedStderr();
  // Catch-ups ran alongside chunks.
  EXPECT_THAT(log, ContainsRegex("workflow [0-9]+: copied dst in [0-9.hms]+: "
                                 "[0-9]+ chunks [0-9.a-z]+ \\(INSERT \\.\\.\\. "
                                 "SELECT [0-9.a-z]+, commits [0-9.a-z]+\\), "
                                 "[1-9][0-9]* catch-ups .*, "
                                 "[1-9][0-9]* of them alongside chunks "
                                 "\\(binlog [0-9]+ MB read in .*, applied in "))
      << log;
}

TEST_F(VReplicationTest,
       CatchUpsBetweenChunksUnderConcurrentWritesMatchSource) {
  WorkflowOptions o = options_;
  ASSERT_FALSE(o.catchup_alongside_chunks);  // the default: the copy
  o.copy_batch_max_rows = 1000;              // pauses for each catch-up
  ::testing::internal::CaptureStderr();
  CopyAndTailUnderConcurrentWrites(conn_.get(), o, "d1b",
                                   Source("dst", "select * from src"));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ContainsRegex("[1-9][0-9]* catch-ups .*, 0 of them "
                                 "alongside chunks"))
      << log;
}

// DDL in the workflow's database while chunks copy with catch-ups alongside
// (which stop at a DDL before the plans reload: the next catch-up, alone,
// applies it) leaves exactly the source.
TEST_F(VReplicationTest, DdlDuringCatchUpsAlongsideChunksLeavesTheSameRows) {
  std::atomic<bool> copying{true};
  std::thread ddl([&] {
    absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
        mysql::MysqlConnection::Connect(options_.connect);
    if (!c.ok()) return;
    for (int i = 0; copying.load(); ++i) {
      (*c)->Execute(
              absl::StrCat("CREATE TABLE IF NOT EXISTS d1ddl.t", i, " (a INT)"))
          .IgnoreError();
      Clock::Real()->SleepFor(absl::Milliseconds(30));
    }
  });
  WorkflowOptions o = options_;
  o.catchup_alongside_chunks = true;
  o.copy_batch_max_rows = 1000;
  o.copy_catchup_interval = absl::ZeroDuration();
  ::testing::internal::CaptureStderr();
  CopyAndTailUnderConcurrentWrites(conn_.get(), o, "d1ddl",
                                   Source("dst", "select * from src"));
  copying = false;
  ddl.join();
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ContainsRegex("[1-9][0-9]* of them alongside chunks"))
      << log;
  ASSERT_OK_AND_ASSIGN(
      std::string tables,
      mysql::QueryValue(
          *conn_,
          "SELECT COUNT(*) FROM information_schema.TABLES "
          "WHERE TABLE_SCHEMA = 'd1ddl' AND TABLE_NAME LIKE 't%'"));
  EXPECT_GT(std::stoi(tables), 5);  // DDL ran during the copy
}

// A client-side copy meeting a DDL of its source while catching up
// before a snapshot reloads the plans and starts over with them (it went
// on with the freed plan: ASan's heap-use-after-free).
TEST_F(VReplicationTest, DdlBetweenClientSideSnapshotsLeavesTheSameRows) {
  std::atomic<bool> copying{true};
  std::atomic<int> altered{0};
  std::thread ddl([&] {
    absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
        mysql::MysqlConnection::Connect(options_.connect);
    if (!c.ok()) return;
    for (int i = 0; copying.load() && altered.load() < 8; ++i) {
      // Instant, and the columns stay: the copy goes on.
      if ((*c)->Execute(
                  absl::StrCat("ALTER TABLE d1cddl.src COMMENT 'c", i, "'"))
              .ok()) {
        ++altered;
      }
      Clock::Real()->SleepFor(absl::Milliseconds(150));
    }
  });
  WorkflowOptions o = options_;
  o.server_side_copy = false;
  o.copy_phase_duration = absl::Milliseconds(20);  // many snapshots
  o.copy_batch_max_rows = 200;
  CopyAndTailUnderConcurrentWrites(conn_.get(), o, "d1cddl",
                                   Source("dst", "select * from src"));
  copying = false;
  ddl.join();
  EXPECT_GT(altered.load(), 2);  // DDL ran during the copy
}

TEST_F(VReplicationTest, DeprioritizedCopyUnderConcurrentWritesMatchesSource) {
  // Unlocked chunks on a connection of their own, its server thread niced
  // where the niceness can be put back (CAP_SYS_NICE; the test runs outside
  // the sandbox for it), else at normal priority.
  WorkflowOptions o = options_;
  o.copy_niceness = 10;
  ::testing::internal::CaptureStderr();
  CopyAndTailUnderConcurrentWrites(conn_.get(), o, "d1n",
                                   Source("dst", "select * from src"));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(absl::StrContains(log, "copying at normal priority"),
            !mysql::CanRaiseThreadPriority())
      << log;
  // The workflow is gone: its thread got its niceness back (the server
  // hands it to later connections).
  EXPECT_EQ(harness::ServerThreadsWithNiceness(*instance_, 10), 0);
}

// A client-side copy that pauses (its phase over, or a throttle) stops its
// snapshot's query instead of reading off the rest of the table: over many
// phases the server reads each row once, and at each pause what it had
// sent ahead (some MB of socket buffers on loopback), not the rest of the
// table again.
TEST_F(VReplicationTest, APausedClientSideCopyStopsReadingItsSnapshot) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dcpause"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dcpause.", t,
        " (id INT PRIMARY KEY, pad VARCHAR(1000)) ENGINE=InnoDB")));
  }
  constexpr int kRows = 40000;  // 40 MB
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO dcpause.src SELECT seq, REPEAT('p', 1000) FROM "
                   "dcpause.seq_1_to_",
                   kRows)));
  WorkflowOptions o = options_;
  o.server_side_copy = false;
  o.copy_phase_duration = absl::Milliseconds(1);  // a batch a phase
  o.copy_batch_rows = o.copy_batch_min_rows = o.copy_batch_max_rows = 1000;
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  auto rows_read = [&]() {
    return std::stoll(mysql::QueryValue(*conn_,
                                        "SELECT VARIABLE_VALUE FROM "
                                        "information_schema.GLOBAL_STATUS "
                                        "WHERE VARIABLE_NAME = "
                                        "'HANDLER_READ_NEXT'")
                          .value());
  };
  const int64_t before = rows_read();
  ASSERT_OK(CreateCopied(engine, "cpause", "dcpause").status());
  const int64_t read = rows_read() - before;
  // 40 phases: reading off each snapshot's rest reads some 800,000 rows;
  // stopping each, some 40,000 and 40 times what was sent ahead (about
  // 3,500 rows measured here; socket buffers may be larger elsewhere).
  EXPECT_LT(read, 15 * kRows);
  EXPECT_GE(read, kRows);
  ExpectSameRows(*conn_, "dcpause.src", "dcpause.dst", "id, pad");
  std::cerr << "rows read for a copy of " << kRows << ": " << read << "\n";
}

TEST_F(VReplicationTest, ClientSideCopyUnderConcurrentWritesMatchesSource) {
  WorkflowOptions o = options_;
  o.server_side_copy = false;  // rows streamed from a consistent snapshot
  CopyAndTailUnderConcurrentWrites(conn_.get(), o, "d1c",
                                   Source("dst", "select * from src"));
}

// Into a target with a unique key the source lacks (an ALTER adding one),
// unique values moving from copied rows to the next chunk's rows just
// before the chunk: the chunk's INSERT met the copied row's old value (its
// move not replayed yet), a false duplicate that failed the run, over and
// over under such churn. Such a chunk is now copied again in the other
// order: its rows locked, the copied rows caught up, then its INSERT.
TEST_F(VReplicationTest, UniqueValuesMovingIntoTheNextChunkAreNoDuplicate) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dumove"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dumove.src (id INT PRIMARY KEY, u INT, pad CHAR(50))"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE dumove.dst (id INT PRIMARY KEY, u "
                     "INT, pad CHAR(50), UNIQUE KEY (u))"));
  constexpr int kRows = 3000;
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "INSERT INTO dumove.src SELECT seq, seq, 'p' FROM dumove.seq_1_to_",
      kRows)));
  std::atomic<bool> copying{true};
  std::atomic<int> moves{0};
  std::thread writer([&] {
    auto c =
        mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_));
    if (!c.ok()) return;
    std::mt19937 rng(7);
    while (copying.load()) {
      // Swaps the values of a copied row and one the next chunk copies
      // (through NULL: every row event leaves the values unique).
      absl::StatusOr<std::string> top =
          mysql::QueryValue(**c, "SELECT IFNULL(MAX(id), 0) FROM dumove.dst");
      if (!top.ok()) break;
      const int copied = std::stoi(*top);
      if (copied < 1 || copied >= kRows - 20) {
        absl::SleepFor(absl::Milliseconds(1));
        continue;
      }
      const int a = 1 + static_cast<int>(rng() % copied);
      const int b = copied + 1 + static_cast<int>(rng() % 20);
      bool ok = true;
      for (const std::string& q :
           {std::string("BEGIN"),
            absl::StrCat("SELECT u INTO @ua FROM dumove.src WHERE id = ", a,
                         " FOR UPDATE"),
            absl::StrCat("SELECT u INTO @ub FROM dumove.src WHERE id = ", b,
                         " FOR UPDATE"),
            absl::StrCat("UPDATE dumove.src SET u = NULL WHERE id = ", a),
            absl::StrCat("UPDATE dumove.src SET u = @ua WHERE id = ", b),
            absl::StrCat("UPDATE dumove.src SET u = @ub WHERE id = ", a),
            std::string("COMMIT")}) {
        ok = ok && (*c)->Execute(q).ok();
      }
      if (ok) {
        ++moves;
      } else {
        (*c)->Execute("ROLLBACK").IgnoreError();
      }
    }
  });
  WorkflowOptions o = options_;
  o.copy_batch_rows = o.copy_batch_min_rows = o.copy_batch_max_rows = 100;
  o.retry_backoff = absl::Hours(1);  // a duplicate stays in the row
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  absl::StatusOr<int64_t> id =
      engine.Create("umove", Source("dst", "select * from src"), "dumove", 0);
  absl::Status copied =
      id.ok() ? WaitCopied(engine, *id, absl::Seconds(60)) : id.status();
  copying = false;
  writer.join();
  ASSERT_OK(copied);
  EXPECT_GT(moves.load(), 30);
  ASSERT_OK(WaitCaughtUp(*conn_, *id, absl::Seconds(30)));
  ExpectSameRows(*conn_, "dumove.src", "dumove.dst", "id, u, pad");
}

// Where the key is the target's only unique index (replay is idempotent)
// the copy reads without locks: a transaction holding a row lock does not
// stop it, and its change, committed afterwards, still arrives. With a
// second unique key in the target the chunks lock the rows they read, so
// the copy waits for the holder.
TEST_F(VReplicationTest, CopyLocksRowsOnlyWhereReplayCannotBeIdempotent) {
  for (bool second_unique : {false, true}) {
    const std::string db = second_unique ? "dlocked" : "dunlocked";
    SCOPED_TRACE(db);
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(
        conn_->Execute(absl::StrCat("CREATE TABLE ", db, ".src ", kTable)));
    ASSERT_OK(
        conn_->Execute(absl::StrCat("CREATE TABLE ", db, ".dst ", kTable)));
    if (second_unique) {
      ASSERT_OK(conn_->Execute(
          absl::StrCat("ALTER TABLE ", db, ".dst ADD UNIQUE KEY (name)")));
    }
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db,
        ".src (id, name, val) SELECT seq, CONCAT('n', seq), seq FROM ", db,
        ".seq_1_to_5000")));
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<mysql::MysqlConnection> holder,
        mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
    ASSERT_OK(holder->Execute("BEGIN"));
    ASSERT_OK(holder->Execute(
        absl::StrCat("UPDATE ", db, ".src SET val = -7 WHERE id = 4000")));
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id,
        engine.Create("wf_" + db, Source("dst", "select * from src"), db, 0));
    auto running = [&]() -> absl::StatusOr<bool> {
      SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
      if (row.state == kStateError) return absl::InternalError(row.message);
      return row.state == kStateRunning;
    };
    if (!second_unique) {
      EXPECT_OK(WaitFor(Clock::Real(), "the copy to finish under the lock",
                        running, WaitOptions{.timeout = absl::Seconds(30)}));
    } else {
      // The copy's locking read waits for the holder's row lock.
      ASSERT_OK(WaitFor(
          Clock::Real(), "the copy to wait for the row lock",
          [&]() -> absl::StatusOr<bool> {
            SC_ASSIGN_OR_RETURN(
                std::string waiting,
                mysql::QueryValue(*conn_,
                                  "SELECT COUNT(*) FROM "
                                  "information_schema.INNODB_TRX WHERE "
                                  "trx_state = 'LOCK WAIT'"));
            return waiting != "0";
          },
          WaitOptions{.timeout = absl::Seconds(30)}));
      ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
      EXPECT_EQ(row.state, kStateCopying) << "the copy did not wait";
      EXPECT_LT(row.rows_copied, 5000);
    }
    ASSERT_OK(holder->Execute("COMMIT"));
    ASSERT_OK(WaitFor(Clock::Real(), "the copy to finish", running,
                      WaitOptions{.timeout = absl::Seconds(60)}));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    const std::string cols = "id, name, IFNULL(val, 'N')";
    ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, db + ".src", cols));
    ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, db + ".dst", cols));
    EXPECT_EQ(got, want);
    ASSERT_OK_AND_ASSIGN(
        std::string val,
        mysql::QueryValue(*conn_, absl::StrCat("SELECT val FROM ", db,
                                               ".dst WHERE id = 4000")));
    EXPECT_EQ(val, "-7");
    ASSERT_OK(engine.Stop(id));
  }
}

// Replaying changes the target already reflects (the position set back)
// leaves exactly the same rows: inserts and updates are upserts, a key
// update moves the row only if the new key is not there yet.
TEST_F(VReplicationTest, ReplayFromAnEarlierPositionLeavesTheSameRows) {
  for (bool net : {true, false}) {
    SCOPED_TRACE(net ? "net batches" : "row by row");
    const std::string db = net ? "dreplay_net" : "dreplay_row";
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    for (const char* t : {"src", "dst"}) {
      ASSERT_OK(conn_->Execute(
          absl::StrCat("CREATE TABLE ", db, ".", t,
                       " (id INT PRIMARY KEY, name VARCHAR(32), val INT)")));
    }
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db, ".src SELECT seq, CONCAT('n', seq), seq FROM ", db,
        ".seq_1_to_10")));
    WorkflowOptions o = options_;
    o.net_batches = net;
    Engine engine(o, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id, engine.Create(net ? "wf_net" : "wf_row",
                                  Source("dst", "select * from src"), db, 0));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(WorkflowRow before, engine.Read(id));
    const int base = net ? 100 : 200;
    for (const std::string& stmt : std::vector<std::string>{
             absl::StrCat("INSERT INTO ", db, ".src VALUES (", base,
                          ", 'new', 1)"),
             absl::StrCat("UPDATE ", db, ".src SET val = val + 1 WHERE id = 1"),
             absl::StrCat("UPDATE ", db, ".src SET id = ", base + 1,
                          " WHERE id = ", base),
             absl::StrCat("DELETE FROM ", db, ".src WHERE id = 2"),
             absl::StrCat("INSERT INTO ", db, ".src VALUES (2, 'back', 2)"),
             absl::StrCat("UPDATE ", db, ".src SET id = 3000 + id WHERE id = ",
                          net ? 3 : 4)}) {
      ASSERT_OK(conn_->Execute(stmt)) << stmt;
    }
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK(engine.Stop(id));
    // Back to before those changes: all of them are replayed.
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "UPDATE _vt.vreplication SET pos = ", mysql::QuoteString(before.pos),
        " WHERE id = ", id)));
    ASSERT_OK(engine.Start(id));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(WorkflowRow after, engine.Read(id));
    EXPECT_EQ(after.message, "");
    ASSERT_OK_AND_ASSIGN(std::string want,
                         Checksum(*conn_, db + ".src", "id, name, val"));
    ASSERT_OK_AND_ASSIGN(std::string got,
                         Checksum(*conn_, db + ".dst", "id, name, val"));
    EXPECT_EQ(got, want);
    ASSERT_OK(engine.Stop(id));
  }
}

// One source transaction mixing every kind of change to the same keys is
// applied as one batch: netted (the default) it must leave exactly what the
// row-by-row apply leaves, including a column the plan does not feed (kept
// by updates, default for rows inserted anew, carried by a key update).
TEST_F(VReplicationTest, NetBatchesKeepTheRowByRowSemantics) {
  // Net batches with the key as the target's only unique key (upserts),
  // with a second unique key (not netted: row by row, in order), and row by
  // row.
  struct Mode {
    bool net;
    bool second_unique;
    const char* db;
  };
  for (const Mode& mode : {Mode{true, false, "dnet"}, Mode{true, true, "duk"},
                           Mode{false, false, "drow"}}) {
    const bool net = mode.net;
    SCOPED_TRACE(mode.db);
    const std::string db = mode.db;
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", db,
                     ".src (id INT PRIMARY KEY, name VARCHAR(32), val INT)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", db,
        ".dst (id INT PRIMARY KEY, name VARCHAR(32), val INT, keep INT "
        "DEFAULT 5",
        mode.second_unique ? ", UNIQUE KEY (name))" : ")")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db, ".src SELECT seq, CONCAT('n', seq), seq FROM ", db,
        ".seq_1_to_10")));
    WorkflowOptions o = options_;
    o.net_batches = net;
    Engine engine(o, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id,
        engine.Create("wf", Source("dst", "select id, name, val from src"), db,
                      0));
    ASSERT_OK(WaitFor(
        Clock::Real(), "running",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
          if (row.state == kStateError) return absl::InternalError(row.message);
          return row.state == kStateRunning;
        },
        WaitOptions{.timeout = absl::Seconds(60)}));
    // Data only the target has.
    ASSERT_OK(
        conn_->Execute(absl::StrCat("UPDATE ", db, ".dst SET keep = id")));
    const std::string txn = absl::StrCat(
        "BEGIN; "
        "UPDATE ",
        db,
        ".src SET val = 100 WHERE id = 1; "
        "DELETE FROM ",
        db,
        ".src WHERE id = 2; "
        "INSERT INTO ",
        db,
        ".src VALUES (2, 'again', 2); "
        "INSERT INTO ",
        db,
        ".src VALUES (100, 'new', 100); "
        "UPDATE ",
        db,
        ".src SET id = 300, name = 'moved' WHERE id = 3; "
        "UPDATE ",
        db,
        ".src SET val = val + 1 WHERE id = 4; "
        "UPDATE ",
        db,
        ".src SET name = 'twice' WHERE id = 4; "
        "DELETE FROM ",
        db,
        ".src WHERE id = 5; "
        "INSERT INTO ",
        db,
        ".src VALUES (5, 'back', 5); "
        "DELETE FROM ",
        db,
        ".src WHERE id = 5; "
        "UPDATE ",
        db,
        ".src SET val = 7 WHERE id = 6; "
        "DELETE FROM ",
        db,
        ".src WHERE id = 6; "
        "INSERT INTO ",
        db,
        ".src VALUES (301, 'x', 1); "
        "UPDATE ",
        db,
        ".src SET id = 302 WHERE id = 301; "
        "UPDATE ",
        db,
        ".src SET val = 9 WHERE id = 302; "
        // A unique name moving to another row (a second unique key in the
        // target must not see the new row take it first).
        "UPDATE ",
        db,
        ".src SET name = 'spare' WHERE id = 7; "
        "INSERT INTO ",
        db,
        ".src VALUES (150, 'n7', 150); "
        "COMMIT");
    for (absl::string_view stmt : absl::StrSplit(txn, "; ")) {
      ASSERT_OK(conn_->Execute(stmt)) << stmt;
    }
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(std::string want,
                         Checksum(*conn_, db + ".src", "id, name, val"));
    ASSERT_OK_AND_ASSIGN(std::string got,
                         Checksum(*conn_, db + ".dst", "id, name, val"));
    EXPECT_EQ(got, want);
    ASSERT_OK_AND_ASSIGN(
        mysql::Result keep,
        conn_->Execute(
            absl::StrCat("SELECT GROUP_CONCAT(id, ':', keep ORDER BY id) FROM ",
                         db, ".dst")));
    // 1 updated: kept; 2 deleted and inserted: default; 3 moved to 300:
    // carried; 5, 6 gone; 100 and 302 new: default.
    EXPECT_EQ(keep.rows[0].Get(0),
              "1:1,2:5,4:4,7:7,8:8,9:9,10:10,100:5,150:5,300:3,302:5");
    ASSERT_OK(engine.Stop(id));
  }
}

// The copy's key bounds (key_range.h) select what the row comparisons do,
// on a composite key with a string column in a case-insensitive collation,
// and the server reads them as an index range, not a scan from the start.
TEST_F(VReplicationTest, CompositeKeyBoundsAreIndexRanges) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE kr"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE kr.ck (a INT NOT NULL, b VARCHAR(8) NOT NULL, v INT, "
      "PRIMARY KEY (a, b))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO kr.ck SELECT seq % 50, CONCAT(IF(seq % 2, CHAR(65 + seq % "
      "26), CHAR(97 + seq % 26)), seq), seq FROM kr.seq_1_to_5000"));
  ASSERT_OK(conn_->Execute("ANALYZE TABLE kr.ck"));
  const std::vector<std::string> keys = {"`a`", "`b`"};
  for (const auto& [a, b] : std::vector<std::pair<int, std::string>>{
           {0, "a"}, {7, "M123"}, {7, "m123"}, {25, "zzz"}, {49, "Q"}}) {
    const std::vector<std::string> lits = {std::to_string(a),
                                           mysql::QuoteString(b)};
    const std::string row =
        absl::StrCat("(`a`, `b`) > (", lits[0], ", ", lits[1], ")");
    auto count = [&](const std::string& where) {
      return mysql::QueryValue(
          *conn_, absl::StrCat("SELECT COUNT(*) FROM kr.ck WHERE ", where));
    };
    ASSERT_OK_AND_ASSIGN(std::string want, count(row));
    EXPECT_THAT(count(KeyAfterCondition(keys, lits)), IsOkAndHolds(want))
        << a << " " << b;
    ASSERT_OK_AND_ASSIGN(want, count(absl::StrCat("NOT ", row)));
    EXPECT_THAT(count(KeyAtOrBeforeCondition(keys, lits)), IsOkAndHolds(want))
        << a << " " << b;
  }
  ASSERT_OK_AND_ASSIGN(mysql::Result plan,
                       conn_->Execute(absl::StrCat(
                           "EXPLAIN SELECT * FROM kr.ck WHERE ",
                           KeyAfterCondition(keys, {"40", "'x'"}), " AND ",
                           KeyAtOrBeforeCondition(keys, {"45", "'y'"}),
                           " ORDER BY a, b LOCK IN SHARE MODE")));
  ASSERT_EQ(plan.rows.size(), 1u);
  EXPECT_EQ(plan.rows[0].Get(3), "range");  // the "type" column
}

TEST_F(VReplicationTest, StringKeyFollowsColumnCollation) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d2"));
  const char* def =
      "(k VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci "
      "PRIMARY KEY, v INT)";
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d2.src ", def)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d2.dst ", def)));
  // Byte order and collation order differ: 'B' < 'a' in bytes, not in
  // utf8mb4_general_ci; accents sort with their base letter.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d2.src SELECT CONCAT(ELT(1 + seq % 6, 'a', 'B', 'é', 'Z', "
      "'ä', 'e'), seq), seq FROM d2.seq_1_to_6000"));
  options_.copy_batch_rows = 100;
  options_.copy_phase_duration = absl::Milliseconds(50);
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf2", Source("dst", "select * from src"), "d2", 0));
  // Concurrent changes on both sides of any lastpk.
  for (int i = 0; i < 300; ++i) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "UPDATE d2.src SET v = v + 1 WHERE k IN ('a", 6 * (i % 1000), "', 'B",
        1 + 6 * (i % 1000), "', 'é", 2 + 6 * i, "', 'ä", 4 + 6 * i, "')")));
    ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO d2.src VALUES ('bx", i,
                                          "', 1), ('Őx", i, "', 2)")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("DELETE FROM d2.src WHERE k = 'e", 5 + 6 * i, "'")));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(90)));
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d2.src", "k, v"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d2.dst", "k, v"));
  EXPECT_EQ(got, want);
}

TEST_F(VReplicationTest, FilterExpressionsAndWhere) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d3"));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d3.src ", kTable)));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d3.dst (id INT PRIMARY KEY, name VARCHAR(64), dbl INT, "
      "x INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d3.src (id, name, val) SELECT seq, CONCAT('n', seq), seq "
      "FROM d3.seq_1_to_3000"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf3",
                    Source("dst",
                           "select id, upper(name) as name, val * 2 as "
                           "dbl, 0 as x from src where val % 2 = 0"),
                    "d3", 0));
  ASSERT_OK(conn_->Execute("UPDATE d3.src SET val = val + 1 WHERE id <= 100"));
  ASSERT_OK(conn_->Execute("DELETE FROM d3.src WHERE id BETWEEN 200 AND 210"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d3.src (id, name, val) VALUES (5000, 'late', 8), (5001, "
      "'odd', 9)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(
      std::string want,
      Checksum(*conn_, "d3.src", "id, upper(name), val * 2, 0", "val % 2 = 0"));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       Checksum(*conn_, "d3.dst", "id, name, dbl, x"));
  EXPECT_EQ(got, want);
}

// A filter or an expression over a string column compares in the
// column's collation when changes are replayed, as the copy's read of the
// column does: a case-sensitive column's 'ACTIVE' does not pass
// `status = 'active'` (replayed as a bare literal it compared in the
// connection's case-insensitive collation and was added).
TEST_F(VReplicationTest, ReplayedFiltersCompareInTheColumnsCollation) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d3c"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d3c.src (id INT PRIMARY KEY, status VARCHAR(16) "
      "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, val INT, tag "
      "VARCHAR(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d3c.dst (id INT PRIMARY KEY, status VARCHAR(16), val "
      "INT, lower_match VARCHAR(3), tagged VARCHAR(32))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d3c.src VALUES (1, 'active', 1, 'x'), (2, 'ACTIVE', 2, "
      "'y'), (3, 'Active', 3, 'z')"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  const std::string filter =
      "select id, status, val, if(status < 'b', 'yes', 'no') as lower_match, "
      "concat(tag, status) as tagged from src where status = 'active'";
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       engine.Create("wf3c", Source("dst", filter), "d3c", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("UPDATE d3c.src SET val = val + 10"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d3c.src VALUES (4, 'ACTIVE', 4, 'v'), (5, 'active', 5, "
      "'w')"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(
      std::string want,
      Checksum(*conn_, "d3c.src",
               "id, status, val, if(status < 'b', 'yes', 'no'), "
               "concat(tag, status)",
               "status = 'active'"));
  ASSERT_OK_AND_ASSIGN(
      std::string got,
      Checksum(*conn_, "d3c.dst", "id, status, val, lower_match, tagged"));
  EXPECT_EQ(got, want);
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT GROUP_CONCAT(id ORDER BY id) "
                                "FROM d3c.dst"),
              IsOkAndHolds("1,5"));
}

// Dates and times in a filter or an expression are replayed typed as
// their column, as the copy reads them: compared as dates (a bare string
// '2024-01-01 00:00:00' is greater than '2024-01-01', and '2024-03-05' is
// less than 20240101 as the number 2024), added as numbers, shown with
// the column's fractional digits.
TEST_F(VReplicationTest, ReplayedFiltersSeeDatesAndTimesAsTheColumnsDo) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d3t"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d3t.src (id INT PRIMARY KEY, dt DATETIME NOT NULL, d "
      "DATE NOT NULL, t TIME(3) NOT NULL, ts TIMESTAMP(2) NULL)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d3t.dst (id INT PRIMARY KEY, label VARCHAR(128), dnum "
      "BIGINT, tsec DOUBLE)"));
  auto rows = [](int first) {
    return absl::StrCat(
        "(", first,
        ", '2024-01-01 00:00:00', '2024-03-05', '01:02:03.500', "
        "'2024-05-06 07:08:09.10'), (",
        first + 1,
        ", '2024-01-01 00:00:01', '2024-01-01', '-00:00:01.250', NULL), (",
        first + 2,
        ", '2025-02-03 04:05:06', '2023-12-31', '100:00:00', '2030-01-01 "
        "00:00:00'), (",
        first + 3,
        ", '2024-06-01 00:00:00', '2024-03-05', '00:00:00', '2024-01-01 "
        "00:00:00.99')");
  };
  ASSERT_OK(
      conn_->Execute(absl::StrCat("INSERT INTO d3t.src VALUES ", rows(1))));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  const std::string exprs =
      "concat(dt, '|', d, '|', t, '|', ifnull(ts, '-')), d + 0, "
      "(time_to_sec(t) + ifnull(second(ts), 0)) + 0e0";  // tsec is a DOUBLE
  const std::string where = "dt > '2024-01-01' and d >= 20240101";
  const std::string filter = absl::StrCat(
      "select id, concat(dt, '|', d, '|', t, '|', ifnull(ts, "
      "'-')) as label, d + 0 as dnum, time_to_sec(t) + "
      "ifnull(second(ts), 0) as tsec from src where ",
      where);
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       engine.Create("wf3t", Source("dst", filter), "d3t", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("INSERT INTO d3t.src VALUES ", rows(11))));
  ASSERT_OK(conn_->Execute(
      "UPDATE d3t.src SET t = ADDTIME(t, '00:00:01.5') WHERE id IN (1, 2, "
      "4, 11, 12, 14)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(
      std::string want,
      Checksum(*conn_, "d3t.src", absl::StrCat("id, ", exprs), where));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       Checksum(*conn_, "d3t.dst", "id, label, dnum, tsec"));
  EXPECT_EQ(got, want);
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT GROUP_CONCAT(id ORDER BY id) "
                                "FROM d3t.dst"),
              IsOkAndHolds("2,4,12,14"));
}

TEST_F(VReplicationTest, TableWithoutUniqueKeyFailsClearly) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d4.src (a INT, b INT, UNIQUE KEY (a))"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4.dst (a INT, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4.src VALUES (1, 1), (NULL, 2)"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, RunUntilFailed("wf4", "d4"));
  EXPECT_THAT(row.message, HasSubstr("no primary key"));
  EXPECT_THAT(row.message, HasSubstr("`d4`.`src`"));
  ASSERT_OK_AND_ASSIGN(mysql::Result r,
                       conn_->Execute("SELECT COUNT(*) FROM d4.dst"));
  EXPECT_EQ(r.rows[0].Get(0), "0");  // nothing was written
}

// Keys found by a reviewer helper to have no order the copy can resume in:
// a long UNIQUE key MariaDB keeps as a hash (here a VARCHAR(1024) in
// utf8mb4, longer than an index allows), which has no range scan and sorts
// by max_sort_length bytes only, and a YEAR(2), read as two digits where
// the binlog gives four. Another unique key serves; otherwise a clear error.
TEST_F(VReplicationTest, HashAndYear2KeysAreNotIteratedOn) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4k"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4k.src (url VARCHAR(1024) CHARACTER SET utf8mb4 NOT "
      "NULL, id INT NOT NULL, UNIQUE KEY a_url (url), UNIQUE KEY b_id (id))"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4k.dst LIKE d4k.src"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d4k.src SELECT CONCAT('u', seq), seq FROM d4k.seq_1_to_50"));
  ASSERT_THAT(mysql::QueryValue(*conn_,
                                "SELECT INDEX_TYPE FROM "
                                "information_schema.STATISTICS WHERE "
                                "TABLE_SCHEMA = 'd4k' AND TABLE_NAME = 'src' "
                                "AND INDEX_NAME = 'a_url'"),
              IsOkAndHolds("HASH"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4k", Source("dst", "select * from src"), "d4k", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT COUNT(*) FROM d4k.dst WHERE url = "
                                "CONCAT('u', id)"),
              IsOkAndHolds("50"));

  // Alone, neither is a key (a workflow then fails with this message).
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4k.h (url VARCHAR(1024) CHARACTER SET utf8mb4 NOT NULL, "
      "v INT, UNIQUE (url))"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d4k.y (y YEAR(2) PRIMARY KEY, v INT)"));
  for (const char* table : {"h", "y"}) {
    SCOPED_TRACE(table);
    ASSERT_OK_AND_ASSIGN(TableSchema schema,
                         LoadTableSchema(*conn_, "d4k", table));
    EXPECT_TRUE(schema.unique_keys.empty());
    EXPECT_EQ(schema.unique_index_count, 1);
    EXPECT_THAT(RequireKey(schema),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr("YEAR(2) columns, nor CHAR columns in a "
                                   "NO PAD collation, nor a long unique key "
                                   "kept as a hash")));
  }
}

// A CHAR key in a NO PAD collation: its index orders the values padded
// with spaces ('7\t' before '7'), but the server compares them without the
// padding, so a chunk ending at '7\t' went on with `k > '7\t'` and skipped
// '7' (rows were lost). The copy iterates on another unique key; alone, the
// key is refused.
TEST_F(VReplicationTest, CharNoPadKeysAreNotIteratedOn) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4q"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4q.src (k CHAR(5) COLLATE utf8mb4_nopad_bin NOT NULL "
      "PRIMARY KEY, id INT NOT NULL, UNIQUE KEY b_id (id))"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4q.dst LIKE d4q.src"));
  // Pairs '0001\t', '0001', '0002\t', ...: chunks of 500 rows end on a tab.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d4q.src SELECT CONCAT(LPAD(seq DIV 2, 4, '0'), IF(seq % 2, "
      "CHAR(9), '')), seq FROM d4q.seq_1_to_2000"));
  // In key order '0250\t' (id 501) comes before '0250' (id 500), but the
  // first row after '0250\t' is '0251\t' (id 503).
  ASSERT_THAT(mysql::QueryValue(*conn_,
                                "SELECT GROUP_CONCAT(id ORDER BY k) FROM "
                                "d4q.src WHERE id IN (500, 501)"),
              IsOkAndHolds("501,500"));
  ASSERT_THAT(mysql::QueryValue(*conn_,
                                "SELECT id FROM d4q.src WHERE k > "
                                "CONCAT('0250', CHAR(9)) ORDER BY k LIMIT 1"),
              IsOkAndHolds("503"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4q", Source("dst", "select * from src"), "d4q", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ExpectSameRows(*conn_, "d4q.src", "d4q.dst", "HEX(k), id");
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d4q.dst"),
              IsOkAndHolds("2000"));

  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4q.c (k CHAR(4) COLLATE utf8mb4_unicode_nopad_ci NOT "
      "NULL PRIMARY KEY, v INT)"));
  ASSERT_OK_AND_ASSIGN(TableSchema schema, LoadTableSchema(*conn_, "d4q", "c"));
  EXPECT_TRUE(schema.unique_keys.empty());
  EXPECT_THAT(RequireKey(schema),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("CHAR columns in a NO PAD collation")));
  // VARCHAR keeps no padding: its order is the comparison's.
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4q.v (k VARCHAR(4) COLLATE utf8mb4_nopad_bin NOT NULL "
      "PRIMARY KEY, v INT)"));
  ASSERT_OK_AND_ASSIGN(schema, LoadTableSchema(*conn_, "d4q", "v"));
  EXPECT_EQ(schema.key_name, "PRIMARY");
}

// A binlog that does not carry full rows (here binlog_row_image=MINIMAL, so
// an update's images lack the columns it did not change) cannot be
// replayed exactly: the workflow fails saying which setting, and writes
// nothing.
// Keys whose order cannot be resumed from their text: ENUM (sorted by its
// index), FLOAT. Another unique key serves if there is one; otherwise a
// clear error.
TEST_F(VReplicationTest, EnumAndFloatKeysAreNotIteratedOn) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4e"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4e.src (e ENUM('small', 'medium', 'large') PRIMARY KEY, "
      "id INT NOT NULL, UNIQUE KEY (id))"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4e.dst LIKE d4e.src"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d4e.src VALUES ('large', 1), ('small', 2), ('medium', 3)"));
  options_.copy_batch_rows = 1;
  options_.copy_batch_min_rows = 1;
  options_.copy_batch_max_rows = 1;
  CopyAndCompare("wf4e", "d4e", "e, id");

  ASSERT_OK(conn_->Execute("CREATE DATABASE d4f"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d4f.src (f FLOAT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4f.dst LIKE d4f.src"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4f.src VALUES (0.1, 1), (0.2, 2)"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, RunUntilFailed("wf4f", "d4f"));
  EXPECT_THAT(row.message, HasSubstr("FLOAT"));
  EXPECT_THAT(row.message, HasSubstr("`d4f`.`src`"));
}

// Chunk bounds of 0 (or a minimum above the maximum) still copy a row at a
// time: LIMIT 0 copied nothing, ever, and the copy retried forever.
TEST_F(VReplicationTest, ZeroChunkBoundsStillCopy) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4z"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4z.src (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4z.dst LIKE d4z.src"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d4z.src VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)"));
  options_.copy_batch_rows = 0;
  options_.copy_batch_min_rows = 0;
  options_.copy_batch_max_rows = 0;
  CopyAndCompare("wf4z", "d4z", "id, v");
}

TEST_F(VReplicationTest, BinlogWithoutFullRowsFailsClearly) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4m"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4m.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4m.dst (a INT PRIMARY KEY, b INT)"));
  // Not in the binlog: only a copy brings these rows over.
  ASSERT_OK(conn_->Execute("SET SESSION sql_log_bin = 0"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4m.src VALUES (1, 1), (2, 2)"));
  ASSERT_OK(conn_->Execute("SET SESSION sql_log_bin = 1"));
  ASSERT_OK(conn_->Execute("SET GLOBAL binlog_row_image = 'MINIMAL'"));
  struct Restore {
    mysql::MysqlConnection* conn;
    ~Restore() {
      conn->Execute("SET GLOBAL binlog_row_image = 'FULL'").IgnoreError();
    }
  } restore{conn_.get()};
  ASSERT_OK_AND_ASSIGN(WorkflowRow row,
                       RunUntilFailed("wf4m", "d4m", /*keep=*/true));
  EXPECT_THAT(row.message,
              HasSubstr("binlog_row_image is MINIMAL (needs FULL)"));
  EXPECT_THAT(row.message, Not(HasSubstr("will retry")));
  ASSERT_OK_AND_ASSIGN(mysql::Result r,
                       conn_->Execute("SELECT COUNT(*) FROM d4m.dst"));
  EXPECT_EQ(r.rows[0].Get(0), "0");  // nothing was written
  // Fixed and started again (a daemon restart starts it): it copies from
  // the beginning (it had never started to).
  ASSERT_OK(conn_->Execute("SET GLOBAL binlog_row_image = 'FULL'"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK(WaitCaughtUp(*conn_, row.id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("INSERT INTO d4m.src VALUES (3, 3)"));
  ASSERT_OK(WaitCaughtUp(*conn_, row.id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d4m.src", "a, b"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d4m.dst", "a, b"));
  EXPECT_EQ(got, want);
}

// A session logging partial row images (binlog_row_image=MINIMAL on the
// session, though the global setting is FULL): the tail stops with a clear
// error rather than apply the missing columns as NULL.
TEST_F(VReplicationTest, PartialRowImagesStopTheWorkflow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4p"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4p.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4p.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4p.src VALUES (1, 1), (2, 2)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4p", Source("dst", "select * from src"), "d4p", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> minimal,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(minimal->Execute("SET SESSION binlog_row_image = 'MINIMAL'"));
  ASSERT_OK(minimal->Execute("UPDATE d4p.src SET b = 20 WHERE a = 2"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("lacks columns"));
  EXPECT_THAT(row.message, HasSubstr("`d4p`.`src`"));
  ASSERT_OK_AND_ASSIGN(std::string b,
                       mysql::QueryValue(*conn_,
                                         "SELECT IFNULL(b, 'NULL') FROM "
                                         "d4p.dst WHERE a = 2"));
  EXPECT_EQ(b, "2");  // not applied as a partial row
}

// MariaDB logs SAVEPOINT inside the transaction (it has no BEGIN event):
// what follows it belongs to the same transaction and applies.
TEST_F(VReplicationTest, TransactionsWithSavepointsApplyWhole) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4s"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4s.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4s.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4s.src VALUES (1, 1), (2, 2)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4s", Source("dst", "select * from src"), "d4s", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  for (const char* sql :
       {"BEGIN", "UPDATE d4s.src SET b = 10 WHERE a = 1", "SAVEPOINT s1",
        "UPDATE d4s.src SET b = 20 WHERE a = 2", "SAVEPOINT s2",
        "INSERT INTO d4s.src VALUES (3, 3)", "ROLLBACK TO SAVEPOINT s2",
        "INSERT INTO d4s.src VALUES (4, 4)", "DELETE FROM d4s.src WHERE a = 1",
        "COMMIT"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d4s.src", "a, b"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d4s.dst", "a, b"));
  EXPECT_EQ(got, want);
  ASSERT_OK_AND_ASSIGN(std::string rows,
                       mysql::QueryValue(*conn_,
                                         "SELECT GROUP_CONCAT(a, ':', b "
                                         "ORDER BY a) FROM d4s.dst"));
  EXPECT_EQ(rows, "2:20,4:4");
  // After a change to a non-transactional table, the rows rolled back to a
  // savepoint stay in the binlog, ROLLBACK TO after them: not applied.
  ASSERT_OK(conn_->Execute("CREATE TABLE d4s.m (x INT) ENGINE=MyISAM"));
  for (const char* sql :
       {"BEGIN", "INSERT INTO d4s.m VALUES (1)", "SAVEPOINT s1",
        "UPDATE d4s.src SET b = 30 WHERE a = 2",
        "INSERT INTO d4s.src VALUES (5, 5)", "ROLLBACK TO SAVEPOINT s1",
        "INSERT INTO d4s.src VALUES (6, 6)", "COMMIT"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ExpectSameRows(*conn_, "d4s.src", "d4s.dst", "a, b");
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT GROUP_CONCAT(a, ':', b ORDER BY a) "
                                "FROM d4s.dst"),
              IsOkAndHolds("2:20,4:4,6:6"));
}

// One session at a time writes for a workflow: a restarted one waits while
// another session still holds the workflow's lock (the session of a killed
// process whose commit is still running would otherwise overwrite the new
// run's position with an older one), then goes on.
TEST_F(VReplicationTest, ARestartWaitsForThePreviousWriter) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9w"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9w.src (a INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9w.dst (a INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9w.src VALUES (1)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf9w", Source("dst", "select * from src"), "d9w", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK(engine.Stop(id));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> previous,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  EXPECT_THAT(
      mysql::QueryValue(*previous, absl::StrCat("SELECT GET_LOCK('sidecut."
                                                "vreplication.",
                                                id, "', 10)")),
      IsOkAndHolds("1"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9w.src VALUES (2)"));
  ASSERT_OK(engine.Start(id));
  Clock::Real()->SleepFor(absl::Seconds(1));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9w.dst"),
              IsOkAndHolds("1"));
  previous->Close();  // the previous writer's session ends
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9w.dst"),
              IsOkAndHolds("2"));
}

// Rows are copied only between InnoDB tables (the copy relies on its row
// locks, snapshots and rollback): another engine is a clear error, and
// nothing is copied.
// on_ddl EXEC would run the source's DDL again on the database it came
// from (source and target are one database): a TRUNCATE of the source, say,
// again and again as each run binlogs it anew. Refused before anything is
// copied.
TEST_F(VReplicationTest, OnDdlExecIsRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9x"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9x.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9x.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9x.src VALUES (1, 1)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  binlogdata::BinlogSource source = Source("dst", "select * from src");
  source.set_on_ddl(binlogdata::EXEC_IGNORE);
  ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf9x", source, "d9x", 0));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("on_ddl EXEC and EXEC_IGNORE are not "
                                     "supported"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9x.dst"),
              IsOkAndHolds("0"));
}

// With lower_case_table_names=0 (Linux's default) `src` and `Src` are two
// tables: changes to `Src` must not reach `src`'s target. They used to (the
// stream matched names in any case), so a delete in `Src` removed the row
// with the same key from the copy of `src`.
TEST_F(VReplicationTest, TablesDifferingOnlyInCaseAreKeptApart) {
  ASSERT_OK_AND_ASSIGN(
      std::string lower_case,
      mysql::QueryValue(*conn_, "SELECT @@lower_case_table_names"));
  ASSERT_EQ(lower_case, "0");
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9c"));
  for (const char* t : {"src", "Src", "dst"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE d9c.", t, " (a INT PRIMARY KEY, b INT)")));
  }
  ASSERT_OK(conn_->Execute("INSERT INTO d9c.src VALUES (1, 1), (2, 2)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9c.Src VALUES (1, 10), (2, 20)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wf9c", "d9c"));
  ASSERT_OK(conn_->Execute("DELETE FROM d9c.Src WHERE a = 1"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9c.Src VALUES (3, 30)"));
  ASSERT_OK(conn_->Execute("UPDATE d9c.Src SET b = 21 WHERE a = 2"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9c.src VALUES (4, 4)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  EXPECT_THAT(
      mysql::QueryValue(
          *conn_, "SELECT GROUP_CONCAT(a, ':', b ORDER BY a) FROM d9c.dst"),
      IsOkAndHolds("1:1,2:2,4:4"));
}

// FLOAT values replayed into columns of other types (an ALTER from FLOAT to
// DOUBLE, VARCHAR or DECIMAL) equal what the copy's INSERT ... SELECT
// stored. They used to differ: the binlog's FLOAT was written as a bare
// literal such as 0.1, which a DOUBLE stores as 0.1 where the copy stores
// 0.10000000149011612.
TEST_F(VReplicationTest, FloatsReplayedIntoOtherTypesMatchTheCopy) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9f"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9f.src (id INT PRIMARY KEY, f FLOAT, g FLOAT, h FLOAT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9f.dst (id INT PRIMARY KEY, d DOUBLE, v VARCHAR(40), "
      "m DECIMAL(30, 20))"));
  const std::vector<std::string> values = {
      "0.1", "0.3", "1234567", "16777217", "-2.5e-7", "-3.40282e9", "1e-40"};
  auto insert = [&](int base) -> absl::Status {
    for (size_t i = 0; i < values.size(); ++i) {
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("INSERT INTO d9f.src VALUES (", base + i,
                                     ", ", values[i], ", ", values[i], ", ",
                                     values[i], ")"))
              .status());
    }
    return absl::OkStatus();
  };
  ASSERT_OK(insert(0));  // copied
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, CreateCopied(engine, "wf9f", "d9f",
                               "select id, f as d, g as v, h as m from src"));
  ASSERT_OK(insert(100));  // replayed inserts
  // Replayed updates: copied rows changed and changed back.
  ASSERT_OK(
      conn_->Execute("UPDATE d9f.src SET f = 2, g = 2, h = 2 "
                     "WHERE id < 100"));
  ASSERT_OK(conn_->Execute("UPDATE d9f.src SET f = f + 1 WHERE id < 100"));
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("UPDATE d9f.src SET f = ", values[i], ", g = ", values[i],
                     ", h = ", values[i], " WHERE id = ", i)));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameAsInsertSelect(*conn_, "d9f", "SELECT id, f, g, h FROM d9f.src",
                           "SELECT GROUP_CONCAT(id, '|', d, '|', v, '|', m "
                           "ORDER BY id SEPARATOR ' ') FROM d9f.",
                           "0.10000000149011612");
}

// DOUBLE and BIT values replayed into columns of other types (an ALTER
// from DOUBLE to INT, DECIMAL or VARCHAR, from BIT to VARCHAR, BIGINT or a
// wider BIT) equal what the copy's INSERT ... SELECT stored. They used to
// differ silently: a bare 2.5 is an exact decimal, which an INT rounds to
// 3 where the copy rounds the double to 2, and a BIT written X'41' went
// into a VARCHAR as 'A' where the copy stores '65' (an INT refused it).
TEST_F(VReplicationTest, DoublesAndBitsReplayedIntoOtherTypesMatchTheCopy) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9d"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9d.src (id INT PRIMARY KEY, d DOUBLE, e DOUBLE, f DOUBLE, "
      "b BIT(8), c BIT(64), k BIT(16))"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9d.dst (id INT PRIMARY KEY, di INT, dm DECIMAL(30, 10), "
      "dv VARCHAR(40), bv VARCHAR(30), bi BIGINT UNSIGNED, kb BIT(24))"));
  const std::vector<std::string> doubles = {"2.5",     "-0.5", "3.5",
                                            "0.1+0.2", "1e-7", "-1234.5678"};
  const std::vector<std::string> bits = {
      "65", "0", "255", "b'10000000'", "1", "18446744073709551615"};
  auto insert = [&](int base) -> absl::Status {
    for (size_t i = 0; i < doubles.size(); ++i) {
      const std::string& d = doubles[i];
      const std::string b = i == 5 ? "7" : bits[i];
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("INSERT INTO d9d.src VALUES (", base + i,
                                     ", ", d, ", ", d, ", ", d, ", ", b, ", ",
                                     bits[i], ", ", 258 + i, ")"))
              .status());
    }
    return absl::OkStatus();
  };
  ASSERT_OK(insert(0));  // copied
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      CreateCopied(engine, "wf9d", "d9d",
                   "select id, d as di, e as dm, f as dv, b as bv, c as bi, "
                   "k as kb from src"));
  ASSERT_OK(insert(100));  // replayed inserts
  // Replayed updates: copied rows changed and changed back.
  ASSERT_OK(conn_->Execute(
      "UPDATE d9d.src SET d = 9, e = 9, f = 9, b = 9, c = 9, k = 9 "
      "WHERE id < 100"));
  for (size_t i = 0; i < doubles.size(); ++i) {
    const std::string& d = doubles[i];
    const std::string b = i == 5 ? "7" : bits[i];
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "UPDATE d9d.src SET d = ", d, ", e = ", d, ", f = ", d, ", b = ", b,
        ", c = ", bits[i], ", k = ", 258 + i, " WHERE id = ", i)));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameAsInsertSelect(
      *conn_, "d9d", "SELECT id, d, e, f, b, c, k FROM d9d.src",
      "SELECT GROUP_CONCAT(id, '|', di, '|', dm, '|', dv, '|', bv, '|', bi, "
      "'|', kb + 0 ORDER BY id SEPARATOR ' ') FROM d9d.",
      "100|2|2.5000000000|2.5|65|65|258");
}

// Numbers replayed into TEXT and BLOB columns (an ALTER from INT(5)
// ZEROFILL, DOUBLE(10,2), YEAR, FLOAT, BIT, ... to TEXT) equal what the
// copy's INSERT ... SELECT stores there, the text the server shows for the
// column: 00042, 1.50, 0000, 1234570, 'A'. Replayed as bare numbers they
// became 42, 1.5, 0, 1234567 and 65.
TEST_F(VReplicationTest, NumbersReplayedIntoTextMatchTheCopy) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9t"));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("CREATE TABLE d9t.src ", kNumbersSource)));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("CREATE TABLE d9t.dst ", kNumbersTarget)));
  auto insert = [&](int base) -> absl::Status {
    int i = 0;
    for (const char* row : kNumbersRows) {
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("INSERT INTO d9t.src VALUES (", base + i++,
                                     ", ", row, ")"))
              .status());
    }
    return absl::OkStatus();
  };
  ASSERT_OK(insert(0));  // copied
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, CreateCopied(engine, "wf9t", "d9t", "select * from src"));
  ASSERT_OK(insert(100));  // replayed inserts
  // A replayed update of a copied row.
  ASSERT_OK(conn_->Execute(
      "UPDATE d9t.src SET p = p + 1, q = q + 1, z = z + 1, w = w + 1, y = "
      "1999, "
      "g = g + 1, u = u + 1, e = e + 1, f = f + 1, b = 1, c = 2, d = d + 1, "
      "k = k + 1, i = i + 1, h = h + 1 WHERE id = 1"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameAsInsertSelect(*conn_, "d9t", "SELECT * FROM d9t.src",
                           NumbersAsHex("d9t"),
                           absl::StrCat("100", kNumbersFirstRowHex));
}

// UUID, INET6 and INET4 values replayed into BINARY, VARBINARY and BLOB
// columns (an ALTER of such a column to a binary string) are their binary
// forms, as the copy's INSERT ... SELECT (and a native ALTER) stores them;
// the key too, so that a replayed update or delete finds its row. They
// were replayed as their text ('::1' into BINARY(16): 3A3A31 and zeros),
// and changes to rows keyed so found nothing.
TEST_F(VReplicationTest, UuidsAndAddressesReplayedIntoBinaryMatchTheCopy) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9ip"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9ip.src (k INET6 PRIMARY KEY, i INET6, u UUID, f INET4, "
      "g INET4, t INET6)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9ip.dst (k BINARY(16) PRIMARY KEY, i VARBINARY(64), u "
      "BINARY(16), f BLOB, g VARBINARY(4), t VARCHAR(64))"));
  auto insert = [&](int base) -> absl::Status {
    for (int n = base; n < base + 3; ++n) {
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat(
                  "INSERT INTO d9ip.src VALUES ('2001:db8::", n,
                  "', '::ffff:10.0.0.", n, "', '123e4567-e89b-12d3-a456-",
                  100000000000 + n, "', '10.0.0.", n, "', ",
                  n % 3 == 0 ? "NULL" : absl::StrCat("'192.168.1.", n, "'"),
                  ", '::", n, "')"))
              .status());
    }
    return absl::OkStatus();
  };
  ASSERT_OK(insert(1));  // copied
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, CreateCopied(engine, "wf9ip", "d9ip", "select * from src"));
  ASSERT_OK(insert(10));  // replayed inserts
  // Replayed updates and a delete of copied rows, found by their key.
  ASSERT_OK(
      conn_->Execute("UPDATE d9ip.src SET i = '::2', u = "
                     "'00000000-0000-0000-0000-000000000002', "
                     "f = '1.1.1.1', g = NULL WHERE k = '2001:db8::1'"));
  ASSERT_OK(conn_->Execute(
      "UPDATE d9ip.src SET k = '2001:db8::99' WHERE k = '2001:db8::2'"));
  ASSERT_OK(conn_->Execute("DELETE FROM d9ip.src WHERE k = '2001:db8::3'"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameAsInsertSelect(
      *conn_, "d9ip", "SELECT * FROM d9ip.src",
      "SELECT GROUP_CONCAT(HEX(k), '|', HEX(i), '|', HEX(u), '|', HEX(f), "
      "'|', IFNULL(HEX(g), '-'), '|', t ORDER BY k SEPARATOR ' ') FROM d9ip.",
      "20010DB8000000000000000000000001|00000000000000000000000000000002|"
      "00000000000000000000000000000002|01010101|-|::1");
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9ip.dst"),
              IsOkAndHolds("5"));
}

// An INET4 key made BINARY(16): stored padded with zero bytes, which a
// BINARY compares, so a replayed update or delete compares it padded too
// (unpadded it matched nothing).
TEST_F(VReplicationTest, AnAddressKeyReplayedIntoAWiderBinaryFindsItsRow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9ik"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d9ik.src (k INET4 PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9ik.dst (k BINARY(16) PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO d9ik.src VALUES ('10.0.0.1', 1), "
                     "('10.0.0.2', 2), ('10.0.0.3', 3)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, CreateCopied(engine, "wf9ik", "d9ik", "select * from src"));
  ASSERT_OK(conn_->Execute("UPDATE d9ik.src SET v = 10 WHERE k = '10.0.0.1'"));
  ASSERT_OK(conn_->Execute("DELETE FROM d9ik.src WHERE k = '10.0.0.2'"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9ik.src VALUES ('10.0.0.4', 4)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameAsInsertSelect(
      *conn_, "d9ik", "SELECT * FROM d9ik.src",
      "SELECT GROUP_CONCAT(HEX(k), '|', v ORDER BY k SEPARATOR ' ') FROM "
      "d9ik.",
      "0A000001000000000000000000000000|10 "
      "0A000003000000000000000000000000|3");
}

// The same copied client-side (rows read as text, written as literals).
TEST_F(VReplicationTest, UuidsAndAddressesCopiedClientSideIntoBinaryMatch) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9iq"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9iq.src (k INET6 PRIMARY KEY, u UUID, f INET4)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9iq.dst (k BINARY(16) PRIMARY KEY, u VARBINARY(64), f "
      "BLOB)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d9iq.src VALUES ('2001:db8::1', "
      "'123e4567-e89b-12d3-a456-426614174000', '10.0.0.1'), ('::ffff:1.2.3.4', "
      "NULL, NULL)"));
  ASSERT_OK(CopyClientSide("wf9iq", "d9iq"));
  ExpectSameAsInsertSelect(
      *conn_, "d9iq", "SELECT * FROM d9iq.src",
      "SELECT GROUP_CONCAT(HEX(k), '|', IFNULL(HEX(u), '-'), '|', "
      "IFNULL(HEX(f), '-') ORDER BY k SEPARATOR ' ') FROM d9iq.",
      "20010DB8000000000000000000000001|123E4567E89B12D3A456426614174000|"
      "0A000001");
}

// The same numbers copied client-side (rows read as text, written as
// literals) are stored as the server's INSERT ... SELECT stores them.
TEST_F(VReplicationTest, NumbersCopiedClientSideIntoTextMatchTheCopy) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9u"));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("CREATE TABLE d9u.src ", kNumbersSource)));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("CREATE TABLE d9u.dst ", kNumbersTarget)));
  int i = 0;
  for (const char* row : kNumbersRows) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO d9u.src VALUES (", i++, ", ", row, ")")));
  }
  ASSERT_OK(CopyClientSide("wf9u", "d9u"));
  ExpectSameAsInsertSelect(*conn_, "d9u", "SELECT * FROM d9u.src",
                           NumbersAsHex("d9u"),
                           absl::StrCat("0", kNumbersFirstRowHex));
}

// A date whose day its month lacks ('2020-02-31', stored by a session
// under ALLOW_INVALID_DATES) is replayed as the source holds it, as the
// copy's INSERT ... SELECT keeps it: the strict mode online DDL applies
// with refused the literal and stopped the workflow, and a plain
// workflow's non-strict mode stored '0000-00-00' (the row silently lost
// its date).
TEST_F(VReplicationTest, InvalidDatesReplayAsTheSourceHoldsThem) {
  ASSERT_OK(conn_->Execute("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'"));
  int n = 0;
  for (int type : {0, kWorkflowTypeOnlineDdl}) {
    const std::string db = absl::StrCat("dinvd", type);
    SCOPED_TRACE(db);
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", db,
        ".src (id INT PRIMARY KEY, d DATE, dt DATETIME(1), v INT)")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", db, ".dst LIKE ", db, ".src")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db,
        ".src VALUES (1, '2020-02-31', '2021-04-31 10:00:00.5', 1), "
        "(2, '2020-01-01', '2020-01-01 00:00:00', 2)")));  // copied
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id,
        engine.Create(absl::StrCat("winvd", ++n),
                      Source("dst", "select * from src"), db, type));
    ASSERT_OK(WaitCopied(engine, id));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db,
        ".src VALUES (3, '2019-11-31', '2019-06-31 23:59:59.9', 3)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "UPDATE ", db, ".src SET d = '2020-04-31', v = v + 10 WHERE id = 2")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("UPDATE ", db, ".src SET v = v + 10 WHERE id = 1")));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
    const std::string rows =
        "SELECT GROUP_CONCAT(id, '|', d, '|', dt, '|', v ORDER BY id) FROM ";
    ASSERT_OK_AND_ASSIGN(std::string want,
                         mysql::QueryValue(*conn_, rows + db + ".src"));
    EXPECT_EQ(want,
              "1|2020-02-31|2021-04-31 10:00:00.5|11,"
              "2|2020-04-31|2020-01-01 00:00:00.0|12,"
              "3|2019-11-31|2019-06-31 23:59:59.9|3");
    EXPECT_THAT(mysql::QueryValue(*conn_, rows + db + ".dst"),
                IsOkAndHolds(want));
    ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
    EXPECT_EQ(row.state, kStateRunning) << row.message;
  }
}

// An online ALTER turning a string into a DATE refuses a day its month
// lacks ('2020-02-31'), as a native ALTER in strict mode does, in the copy
// and in the replay; valid strings convert. Workflows otherwise write
// with ALLOW_INVALID_DATES, under which both stored it.
TEST_F(VReplicationTest, AStringTurnedIntoADateRefusesADayItsMonthLacks) {
  int n = 0;
  for (bool in_copy : {true, false}) {
    const std::string db = in_copy ? "dsdatec" : "dsdater";
    SCOPED_TRACE(db);
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", db, ".src (id INT PRIMARY KEY, s VARCHAR(20))")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", db, ".dst (id INT PRIMARY KEY, s DATE)")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO ", db, ".src VALUES (1, '2020-02-29')",
                     in_copy ? ", (2, '2020-02-31')" : "")));
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(int64_t id,
                         engine.Create(absl::StrCat("wsdate", ++n),
                                       Source("dst", "select * from src"), db,
                                       kWorkflowTypeOnlineDdl));
    if (!in_copy) {
      ASSERT_OK(WaitCopied(engine, id));
      EXPECT_THAT(
          mysql::QueryValue(*conn_, absl::StrCat("SELECT s FROM ", db, ".dst")),
          IsOkAndHolds("2020-02-29"));
      ASSERT_OK(conn_->Execute(
          absl::StrCat("INSERT INTO ", db, ".src VALUES (3, '2021-02-30')")));
    }
    ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
    EXPECT_THAT(row.message, HasSubstr("Incorrect date value"));
    ASSERT_OK(engine.Stop(id, "failed in a test"));
    EXPECT_THAT(
        mysql::QueryValue(*conn_, absl::StrCat("SELECT COUNT(*) FROM ", db,
                                               ".dst WHERE id > 1")),
        IsOkAndHolds("0"));
  }
}

// A date key holding dates only ALLOW_INVALID_DATES stores, and a zero
// date, copied in chunks of two (server-side, online DDL's strict mode
// and a plain workflow's; client-side from a server whose default mode
// refuses them): every row is copied. The client-side copy's inserts
// stored the invalid dates as '0000-00-00' (a duplicate key, retried for
// ever) before workflows wrote with ALLOW_INVALID_DATES. (Chunk bounds
// are CASTs that read as NULL in such modes, but compare in a WHERE as
// the stored values.)
TEST_F(VReplicationTest, InvalidAndZeroDateKeysCopyToTheEnd) {
  ASSERT_OK(conn_->Execute("SET SESSION sql_mode = 'ALLOW_INVALID_DATES'"));
  ASSERT_OK_AND_ASSIGN(
      auto restore,
      ScopedGlobalSqlMode::Set(
          *conn_, "STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION"));
  options_.copy_batch_rows = options_.copy_batch_min_rows =
      options_.copy_batch_max_rows = 2;
  struct Case {
    const char* db;
    int type;
    bool server_side;
  };
  for (const Case& c :
       {Case{"dikey0", 0, true}, Case{"dikey5", kWorkflowTypeOnlineDdl, true},
        Case{"dikeyc", 0, false}}) {
    SCOPED_TRACE(c.db);
    const std::string db = c.db;
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    for (const char* t : {"src", "dst"}) {
      ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE ", db, ".", t,
                                            " (d DATE PRIMARY KEY, v INT)")));
    }
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", db,
        ".src VALUES ('0000-00-00', 0), ('2020-01-01', 1), ('2020-02-30', "
        "2), ('2020-02-31', 3), ('2020-03-01', 4), ('2020-04-31', 5), "
        "('2020-05-01', 6), ('2020-06-01', 7)")));
    WorkflowOptions o = options_;
    o.server_side_copy = c.server_side;
    Engine engine(o, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id,
        engine.Create(absl::StrCat("w", db), Source("dst", "select * from src"),
                      db, c.type));
    ASSERT_OK(WaitCopied(engine, id, absl::Seconds(30)));
    const std::string rows = "SELECT GROUP_CONCAT(d, '|', v ORDER BY d) FROM ";
    ASSERT_OK_AND_ASSIGN(std::string want,
                         mysql::QueryValue(*conn_, rows + db + ".src"));
    EXPECT_THAT(mysql::QueryValue(*conn_, rows + db + ".dst"),
                IsOkAndHolds(want));
  }
}

// A client-side copy's snapshot session reads under the copy's sql_mode,
// not the server's: the plan's expressions mean there what they mean in
// the server-side copy and the replay (`a || b` was a concatenation under
// a global PIPES_AS_CONCAT, an OR everywhere else).
TEST_F(VReplicationTest, AClientSideCopyReadsUnderTheCopysSqlMode) {
  ASSERT_OK_AND_ASSIGN(auto restore,
                       ScopedGlobalSqlMode::Set(
                           *conn_, "PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE dpipes"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dpipes.src (id INT PRIMARY KEY, a INT, b INT)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE dpipes.dst (id INT PRIMARY KEY, c INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dpipes.src VALUES (1, 0, 0), (2, 1, 0), (3, 2, 3)"));
  WorkflowOptions o = options_;
  o.server_side_copy = false;
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       CreateCopied(engine, "wpipes", "dpipes",
                                    "select id, a || b as c from src"));
  ASSERT_OK(conn_->Execute("INSERT INTO dpipes.src VALUES (4, 1, 1)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  EXPECT_THAT(
      mysql::QueryValue(*conn_,
                        "SELECT GROUP_CONCAT(id, '=', c ORDER BY id) FROM "
                        "dpipes.dst"),
      IsOkAndHolds("1=0,2=1,3=1,4=1"));
}

// Temporal, ENUM and SET values replayed into columns of number types (an
// ALTER from DATETIME to BIGINT, ENUM to TINYINT, ...) equal what the
// copy's INSERT ... SELECT stores: 20200102030405 from a DATETIME (its
// fraction cut), an ENUM's index, a SET's bits. Replayed as text they
// failed the workflow ('2020-01-02 03:04:05.57' is not an integer), and a
// DATETIME key turned BIGINT matched no row (deletes were lost).
TEST_F(VReplicationTest, TemporalsEnumsAndSetsReplayedIntoNumbersMatchTheCopy) {
  // A date only ALLOW_INVALID_DATES stores (a typed literal refuses it).
  ASSERT_OK(conn_->Execute(
      "SET SESSION time_zone = '+00:00', sql_mode = 'ALLOW_INVALID_DATES'"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9n"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9n.src (id DATETIME(2) PRIMARY KEY, d DATE, t TIME(1), "
      "ts TIMESTAMP(3) NULL, e ENUM('x', 'y', '3'), s SET('a', 'b', 'c'), "
      "v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9n.dst (id BIGINT PRIMARY KEY, d INT, t DECIMAL(12, 1), "
      "ts DOUBLE, e TINYINT, s INT, v INT)"));
  auto insert = [&](int day) {
    return conn_->Execute(absl::StrCat(
        "INSERT INTO d9n.src VALUES ('2020-01-", day,
        " 03:04:05.57', '2020-01-", day,
        "', '-838:59:59.5', '2021-06-01 12:00:00.125', '3', 'a,c', 1), "
        "('2020-01-",
        day, " 03:04:06', '2020-01-", day,
        "', '12:34:56.7', NULL, 'x', '', 2), ('2020-01-", day,
        " 03:04:07.99', '1999-12-31', '0:0:1', '2038-01-19 03:14:07.999', "
        "'y', 'b', 3)"));
  };
  ASSERT_OK(insert(10).status());  // copied
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wf9n", "d9n"));
  ASSERT_OK(insert(20).status());  // replayed inserts
  // And an invalid date, the invalid ENUM value (index 0), an empty SET.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d9n.src VALUES ('2020-01-30 01:00:00', '2020-02-31', "
      "'00:00:00', NULL, 'zz', '', 4)"));
  // Replayed updates (one of the key) and deletes, of copied rows too.
  ASSERT_OK(conn_->Execute(
      "UPDATE d9n.src SET e = 'y', s = 'b,c', t = '01:02:03.4', d = "
      "'2000-02-29', ts = '2001-01-01 00:00:00.5' WHERE v = 2"));
  ASSERT_OK(conn_->Execute(
      "UPDATE d9n.src SET id = id + INTERVAL 1 HOUR WHERE v = 1"));
  ASSERT_OK(conn_->Execute("DELETE FROM d9n.src WHERE v = 3"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameAsInsertSelect(
      *conn_, "d9n", "SELECT * FROM d9n.src",
      "SELECT GROUP_CONCAT(id, '|', d, '|', t, '|', IFNULL(ts, 'N'), '|', e, "
      "'|', s, '|', v ORDER BY id SEPARATOR ' ') FROM d9n.",
      "20200120040405|20200120|-8385959.5|");
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9n.dst"),
              IsOkAndHolds("5"));
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT CONCAT(d, '|', e, '|', s) FROM "
                                "d9n.dst WHERE v = 4"),
              IsOkAndHolds("20200231|0|0"));
}

// An ENUM's invalid value (index 0, stored under a non-strict sql_mode)
// reads from the binlog as '', as does the member '' of an ENUM that has
// one: replayed, the row silently got that member (index 1) where the copy
// kept index 0. The workflow now stops saying why.
TEST_F(VReplicationTest, AnInvalidEnumValueIsNotReplayedAsTheEmptyMember) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9e"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9e.src (id INT PRIMARY KEY, e ENUM('', 'a'), v INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9e.dst LIKE d9e.src"));
  ASSERT_OK(conn_->Execute(
      "SET STATEMENT sql_mode = '' FOR INSERT INTO d9e.src VALUES "
      "(1, 'zz', 1), (2, '', 2)"));
  ASSERT_THAT(
      mysql::QueryValue(*conn_,
                        "SELECT GROUP_CONCAT(e + 0 ORDER BY id) FROM d9e.src"),
      IsOkAndHolds("0,1"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wf9e", "d9e"));
  // The member '' replays as itself.
  ASSERT_OK(conn_->Execute("UPDATE d9e.src SET v = 20 WHERE id = 2"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT CONCAT(e + 0, ':', v) FROM d9e.dst "
                                "WHERE id = 2"),
              IsOkAndHolds("1:20"));
  ASSERT_OK(conn_->Execute("UPDATE d9e.src SET v = 10 WHERE id = 1"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("invalid value (index 0)"));
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT CONCAT(e + 0, ':', v) FROM d9e.dst "
                                "WHERE id = 1"),
              IsOkAndHolds("0:1"));
}

// An ENUM's invalid value (index 0) where '' is no member, replayed by an
// online DDL (strict sql_mode): kept as the copy keeps it, in a row
// updated and in one inserted. Written as '' under strict mode it was
// refused (1265) and the migration failed for good.
TEST_F(VReplicationTest, AnInvalidEnumValueReplaysUnderAStrictMode) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9es"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9es.src (id INT PRIMARY KEY, e ENUM('x', 'y'), v INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9es.dst LIKE d9es.src"));
  ASSERT_OK(
      conn_->Execute("SET STATEMENT sql_mode = '' FOR INSERT INTO "
                     "d9es.src VALUES (1, 'zz', 1), (2, 'x', 2)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, engine.Create("wf9es", Source("dst", "select * from src"),
                                "d9es", kWorkflowTypeOnlineDdl));
  ASSERT_OK(WaitCopied(engine, id));
  ASSERT_OK(conn_->Execute("UPDATE d9es.src SET v = 10 WHERE id = 1"));
  ASSERT_OK(
      conn_->Execute("SET STATEMENT sql_mode = '' FOR INSERT INTO "
                     "d9es.src VALUES (3, 'zz', 3)"));
  ASSERT_OK(conn_->Execute("UPDATE d9es.src SET v = 20 WHERE id = 2"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  const std::string rows =
      "SELECT GROUP_CONCAT(id, ':', e + 0, ':', v ORDER BY id) FROM ";
  EXPECT_THAT(mysql::QueryValue(*conn_, rows + "d9es.src"),
              IsOkAndHolds("1:0:10,2:1:20,3:0:3"));
  EXPECT_THAT(mysql::QueryValue(*conn_, rows + "d9es.dst"),
              IsOkAndHolds("1:0:10,2:1:20,3:0:3"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
  EXPECT_EQ(row.state, kStateRunning) << row.message;
  // The member '' of an ENUM that has one is no invalid value: its row is
  // written under the strict mode still, where a value the target cannot
  // hold fails the migration (it was truncated silently).
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9el"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9el.src (id INT PRIMARY KEY, e ENUM('', 'a'), v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9el.dst (id INT PRIMARY KEY, e ENUM('', 'a'), v "
      "TINYINT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9el.src VALUES (1, '', 1)"));
  ASSERT_OK_AND_ASSIGN(
      int64_t lid, engine.Create("wf9el", Source("dst", "select * from src"),
                                 "d9el", kWorkflowTypeOnlineDdl));
  ASSERT_OK(WaitCopied(engine, lid));
  ASSERT_OK(conn_->Execute("INSERT INTO d9el.src VALUES (2, '', 1000)"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow failed, WaitFailed(engine, lid));
  EXPECT_THAT(failed.message, HasSubstr("Out of range"));
  ASSERT_OK(engine.Stop(lid, "failed in a test"));
}

// Targets linked by a foreign key are replayed row by row, in the
// binlog's order: netted, a parent's changes were applied after the
// statements of tables not netted (a child with another unique key), so
// the child row inserted with its parent failed its foreign key for good.
TEST_F(VReplicationTest, TablesInAForeignKeyAreReplayedInOrder) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfko"));
  ASSERT_OK(conn_->Execute("CREATE TABLE dfko.p (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dfko.c (id INT PRIMARY KEY, pid INT NOT NULL, u INT, "
      "UNIQUE KEY (u))"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE dfko.dst_p (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dfko.dst_c (id INT PRIMARY KEY, pid INT NOT NULL, u INT, "
      "UNIQUE KEY (u), FOREIGN KEY (pid) REFERENCES dfko.dst_p (id))"));
  binlogdata::BinlogSource source =
      Source("dst_p", "select * from p", "dst_c", "select * from c");
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wfko", source, "dfko", 0));
  ASSERT_OK(WaitCopied(engine, id));
  for (int i = 1; i <= 20; ++i) {
    ASSERT_OK(conn_->Execute("BEGIN"));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO dfko.p VALUES (", i, ", ", i, ")")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO dfko.c VALUES (", i, ", ", i, ", ", i, ")")));
    ASSERT_OK(conn_->Execute("COMMIT"));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectTargetsMatch(*conn_, "dfko", {{"p", "id, v"}, {"c", "id, pid, u"}});
}

// Targets whose foreign keys form a cycle (each references the other),
// copied together: whichever is copied first refers to rows of the other
// not copied yet, and so do changes replayed to it. The copy writes without
// foreign key checks (the source checked them); with them the first
// table's first chunk failed for good. (Parents are copied before their
// children otherwise.)
TEST_F(VReplicationTest, TablesInAForeignKeyCycleCopyWithoutChecks) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkany"));
  const std::pair<std::string, std::string> kPairs[] = {{"x", "y"}, {"y", "x"}};
  for (const char* prefix : {"", "dst_"}) {
    for (const auto& [t, other] : kPairs) {
      ASSERT_OK(conn_->Execute(
          absl::StrCat("CREATE TABLE dfkany.", prefix, t,
                       " (id INT PRIMARY KEY, ref INT, KEY (ref))")));
    }
    for (const auto& [t, other] : kPairs) {
      ASSERT_OK(conn_->Execute(
          absl::StrCat("ALTER TABLE dfkany.", prefix, t,
                       " ADD FOREIGN KEY (ref) REFERENCES dfkany.", prefix,
                       other, " (id)")));
    }
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkany.x SELECT seq, NULL FROM dfkany.seq_1_to_500"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkany.y SELECT seq, 501 - seq FROM dfkany.seq_1_to_500"));
  ASSERT_OK(conn_->Execute("UPDATE dfkany.x SET ref = 501 - id"));
  binlogdata::BinlogSource source =
      Source("dst_x", "select * from x", "dst_y", "select * from y");
  WorkflowOptions o = options_;
  o.copy_batch_rows = o.copy_batch_min_rows = o.copy_batch_max_rows = 100;
  o.retry_backoff = absl::Hours(1);  // a failure stays in the row
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       engine.Create("wfkany", source, "dfkany", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  // Then changes in order, checked: new rows, references moved, rows
  // deleted once nothing refers to them.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkany.x SELECT seq, NULL FROM dfkany.seq_501_to_520"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkany.y SELECT seq, seq FROM dfkany.seq_501_to_520"));
  ASSERT_OK(conn_->Execute("UPDATE dfkany.y SET ref = 510 WHERE id <= 10"));
  ASSERT_OK(conn_->Execute("UPDATE dfkany.y SET ref = NULL WHERE ref = 300"));
  ASSERT_OK(conn_->Execute("DELETE FROM dfkany.x WHERE id = 300"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectTargetsMatch(*conn_, "dfkany", {{"x", "id, ref"}, {"y", "id, ref"}});
}

// A parent and child whose key cascades, copied together (parent first):
// the replay after the copy writes with foreign key checks, so a replayed
// parent delete cascades on the targets as it did on the source (the
// binlog holds no cascaded rows). Without checks the child rows stayed.
TEST_F(VReplicationTest, ACascadeBetweenTargetsIsReplayedByTheTargetsKey) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkcas"));
  for (const char* prefix : {"", "dst_"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE dfkcas.", prefix,
                                          "p (id INT PRIMARY KEY, v INT)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkcas.", prefix,
        "c (id INT PRIMARY KEY, pid INT NOT NULL, FOREIGN KEY (pid) "
        "REFERENCES dfkcas.",
        prefix, "p (id) ON DELETE CASCADE)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkcas.p SELECT seq, seq FROM dfkcas.seq_1_to_50"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO dfkcas.c SELECT seq, 1 + seq % 50 FROM "
                     "dfkcas.seq_1_to_200"));
  binlogdata::BinlogSource source =
      Source("dst_p", "select * from p", "dst_c", "select * from c");
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       engine.Create("wfkcas", source, "dfkcas", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("DELETE FROM dfkcas.p WHERE id <= 10"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM dfkcas.dst_c"),
              IsOkAndHolds("160"));
  ExpectSameRows(*conn_, "dfkcas.c", "dfkcas.dst_c", "id, pid");
}

// A child's unlocked chunks (its key is the target's only unique one) are
// caught up seldom, and with a cascading key between the targets they are
// written with checks: a child row whose parent was inserted since the
// last catch-up met no parent in the target (errno 1452) and failed the
// run. Such a chunk is copied again, locked, with its catch-up first.
TEST_F(VReplicationTest, AnUnlockedChunkMissingANewParentCatchesUpFirst) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkunl"));
  for (const char* prefix : {"", "dst_"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE dfkunl.", prefix,
                                          "p (id INT PRIMARY KEY, v INT)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkunl.", prefix,
        "c (id INT PRIMARY KEY, pid INT NOT NULL, FOREIGN KEY (pid) "
        "REFERENCES dfkunl.",
        prefix, "p (id) ON DELETE CASCADE)")));
  }
  constexpr int kRows = 20000;
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkunl.p SELECT seq, seq FROM dfkunl.seq_1_to_50"));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "INSERT INTO dfkunl.c SELECT seq, 1 + seq % 50 FROM dfkunl.seq_1_to_",
      kRows)));
  std::atomic<bool> copying{true};
  std::atomic<int> pairs{0};  // inserted while the child was being copied
  std::thread writer([&] {
    auto c =
        mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_));
    if (!c.ok()) return;
    for (int n = 1; copying.load(); ++n) {
      absl::StatusOr<std::string> copied =
          mysql::QueryValue(**c, "SELECT COUNT(*) FROM dfkunl.dst_c");
      if (!copied.ok()) break;
      const bool during = *copied != "0";
      // A new parent and a child of it past every copied key.
      bool ok = true;
      for (const std::string& q :
           {std::string("BEGIN"),
            absl::StrCat("INSERT INTO dfkunl.p VALUES (", 1000 + n, ", 0)"),
            absl::StrCat("INSERT INTO dfkunl.c VALUES (", kRows + n, ", ",
                         1000 + n, ")"),
            std::string("COMMIT")}) {
        ok = ok && (*c)->Execute(q).ok();
      }
      if (!ok) break;
      if (during) ++pairs;
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
  WorkflowOptions o = options_;
  o.copy_batch_rows = o.copy_batch_min_rows = o.copy_batch_max_rows = 100;
  o.copy_phase_duration = absl::Hours(1);
  o.copy_catchup_interval = absl::Hours(1);  // unlocked chunks: no catch-up
  o.retry_backoff = absl::Hours(1);          // a failure stays in the row
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  absl::StatusOr<int64_t> id = engine.Create(
      "wfkunl", Source("dst_p", "select * from p", "dst_c", "select * from c"),
      "dfkunl", 0);
  absl::Status copied =
      id.ok() ? WaitCopied(engine, *id, absl::Seconds(60)) : id.status();
  copying = false;
  writer.join();
  ASSERT_OK(copied);
  EXPECT_GT(pairs.load(), 0);
  ASSERT_OK(WaitCaughtUp(*conn_, *id, absl::Seconds(30)));
  ExpectTargetsMatch(*conn_, "dfkunl", {{"p", "id, v"}, {"c", "id, pid"}});
}

// A change a session made with foreign_key_checks = 0 (a child row without
// its parent) replays as it is, as a replica applies it: its rows event
// says it ran without checks, and it replays without them (with them it
// failed, and the workflow with it). That the session keeps its checks
// for the other changes, AParentDeletedWithoutChecksCascadesOnNoTarget
// shows.
TEST_F(VReplicationTest, ChangesMadeWithoutForeignKeyChecksReplaySo) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkoff"));
  ASSERT_OK(conn_->Execute("CREATE TABLE dfkoff.p (id INT PRIMARY KEY)"));
  for (const char* t : {"c", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkoff.", t,
        " (id INT PRIMARY KEY, pid INT, v INT, FOREIGN KEY (pid) REFERENCES "
        "dfkoff.p (id))")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkoff.p SELECT seq FROM dfkoff.seq_1_to_10"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO dfkoff.c SELECT seq, 1 + seq % 10, 0 FROM "
                     "dfkoff.seq_1_to_300"));
  WorkflowOptions o = options_;
  o.copy_batch_rows = o.copy_batch_min_rows = o.copy_batch_max_rows = 100;
  o.retry_backoff = absl::Hours(1);  // a failure stays in the row
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wfkoff", Source("dst", "select * from c"), "dfkoff", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  for (const char* q :
       {"SET STATEMENT foreign_key_checks = 0 FOR INSERT INTO dfkoff.c VALUES "
        "(1000, 999, 0)",
        "INSERT INTO dfkoff.c VALUES (1001, 3, 0)",
        "SET STATEMENT foreign_key_checks = 0 FOR INSERT INTO dfkoff.c VALUES "
        "(1002, 998, 0)",
        "UPDATE dfkoff.c SET v = 1 WHERE id IN (1000, 1002)",
        "SET STATEMENT foreign_key_checks = 0 FOR UPDATE dfkoff.c SET pid = "
        "997 WHERE id = 5"}) {
    ASSERT_OK(conn_->Execute(q));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameRows(*conn_, "dfkoff.c", "dfkoff.dst", "id, pid, v");
}

// A change made with check_constraint_checks = 0 (MariaDB) replays without
// them too: a row failing a CHECK stopped the workflow.
TEST_F(VReplicationTest, ChangesMadeWithoutCheckConstraintChecksReplaySo) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dckoff"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE dckoff.", t,
                     " (id INT PRIMARY KEY, v INT, CHECK (v >= 0))")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dckoff.src SELECT seq, seq FROM dckoff.seq_1_to_100"));
  WorkflowOptions o = options_;
  o.retry_backoff = absl::Hours(1);  // a failure stays in the row
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wckoff", Source("dst", "select * from src"), "dckoff", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  for (const char* q :
       {"SET STATEMENT check_constraint_checks = 0 FOR UPDATE dckoff.src SET "
        "v = -1 WHERE id <= 3",
        "SET STATEMENT check_constraint_checks = 0 FOR INSERT INTO dckoff.src "
        "VALUES (101, -5)",
        "UPDATE dckoff.src SET v = 7 WHERE id = 50"}) {
    ASSERT_OK(conn_->Execute(q));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectSameRows(*conn_, "dckoff.src", "dckoff.dst", "id, v");
}

// A parent row deleted with foreign_key_checks = 0 leaves its children on
// the source (no cascade): the replay deletes it without checks too, where
// the targets' cascading key deleted them. A checked delete still
// cascades on the targets as on the source.
TEST_F(VReplicationTest, AParentDeletedWithoutChecksCascadesOnNoTarget) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkoffc"));
  for (const char* prefix : {"", "dst_"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE dfkoffc.", prefix,
                                          "p (id INT PRIMARY KEY, v INT)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkoffc.", prefix,
        "c (id INT PRIMARY KEY, pid INT NOT NULL, FOREIGN KEY (pid) "
        "REFERENCES dfkoffc.",
        prefix, "p (id) ON DELETE CASCADE)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkoffc.p SELECT seq, seq FROM dfkoffc.seq_1_to_50"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO dfkoffc.c SELECT seq, 1 + seq % 50 FROM "
                     "dfkoffc.seq_1_to_200"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       engine.Create("wfkoffc",
                                     Source("dst_p", "select * from p", "dst_c",
                                            "select * from c"),
                                     "dfkoffc", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute(
      "SET STATEMENT foreign_key_checks = 0 FOR DELETE FROM dfkoffc.p WHERE "
      "id <= 10"));
  ASSERT_OK(conn_->Execute("DELETE FROM dfkoffc.p WHERE id = 20"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM dfkoffc.c"),
              IsOkAndHolds("196"));
  ExpectTargetsMatch(*conn_, "dfkoffc", {{"p", "id"}, {"c", "id"}});
}

// Filtered targets linked by a cascading key: an update of a parent that
// stays in the filter replays as an UPDATE, as the source ran it. It was
// a DELETE and an INSERT, and the DELETE cascaded on the target's
// children, which the source kept. Rows entering and leaving the filter
// still come and go.
TEST_F(VReplicationTest, AFilteredParentsUpdateKeepsItsChildren) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkfil"));
  for (const char* prefix : {"", "dst_"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE dfkfil.", prefix,
                     "p (id INT PRIMARY KEY, t INT, name VARCHAR(10))")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkfil.", prefix,
        "c (id INT PRIMARY KEY, pid INT NOT NULL, t INT, FOREIGN KEY (pid) "
        "REFERENCES dfkfil.",
        prefix, "p (id) ON DELETE CASCADE ON UPDATE CASCADE)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkfil.p SELECT seq, seq % 2, 'n' FROM dfkfil.seq_1_to_20"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkfil.c SELECT seq, 1 + seq % 20, (1 + seq % 20) % 2 "
      "FROM dfkfil.seq_1_to_100"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, engine.Create("wfkfil",
                                Source("dst_p", "select * from p where t = 1",
                                       "dst_c", "select * from c where t = 1"),
                                "dfkfil", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  for (const char* q : {"UPDATE dfkfil.p SET name = 'x' WHERE id IN (3, 5)",
                        // Into the filter, with its children.
                        "UPDATE dfkfil.p SET t = 1 WHERE id = 4",
                        "UPDATE dfkfil.c SET t = 1 WHERE pid = 4",
                        // Out of it, children first.
                        "UPDATE dfkfil.c SET t = 0 WHERE pid = 7",
                        "UPDATE dfkfil.p SET t = 0 WHERE id = 7"}) {
    ASSERT_OK(conn_->Execute(q));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectTargetsMatch(*conn_, "dfkfil",
                     {{"p", "id, t, name"}, {"c", "id, pid, t"}}, "t = 1");
}

// A key changed to one equal under its collation ('abc' -> 'ABC'), in a
// parent whose key cascades to a child: the replay moved the row, then
// deleted it again by its old key (equal under the collation), and the
// delete cascaded on the target's children.
TEST_F(VReplicationTest, AKeyChangedWithinItsCollationKeepsTheChildren) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkci"));
  for (const char* prefix : {"", "dst_"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkci.", prefix,
        "p (id VARCHAR(10) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkci.", prefix,
        "c (id INT PRIMARY KEY, pid VARCHAR(10) COLLATE utf8mb4_general_ci "
        "NOT NULL, FOREIGN KEY (pid) REFERENCES dfkci.",
        prefix, "p (id) ON DELETE CASCADE ON UPDATE CASCADE)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkci.p VALUES ('abc', 1), ('def', 2), ('ghi', 3)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkci.c VALUES (1, 'abc'), (2, 'abc'), (3, 'def')"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       engine.Create("wfkci",
                                     Source("dst_p", "select * from p", "dst_c",
                                            "select * from c"),
                                     "dfkci", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("UPDATE dfkci.p SET id = 'ABC' WHERE id = 'abc'"));
  ASSERT_OK(conn_->Execute("UPDATE dfkci.p SET id = 'xyz' WHERE id = 'def'"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ExpectTargetsMatch(*conn_, "dfkci", {{"p", "id, v"}, {"c", "id, pid"}});
  EXPECT_THAT(mysql::QueryValue(*conn_,
                                "SELECT GROUP_CONCAT(BINARY pid "
                                "ORDER BY id) FROM dfkci.dst_c"),
              IsOkAndHolds("ABC,ABC,xyz"));
}

// A table whose foreign key to itself cascades: rows refer to parents
// later in the copy's order. Its chunks insert without checks (the
// session keeps them, for the replay); with them the first chunk failed
// on a parent not copied yet, again and again. A parent deleted after
// the copy cascades on the target as on the source.
TEST_F(VReplicationTest, ASelfReferenceThatCascadesCopiesInKeyOrder) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkself"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkself.", t,
        " (id INT PRIMARY KEY, up INT NULL, KEY (up), FOREIGN KEY (up) "
        "REFERENCES dfkself.",
        t, " (id) ON DELETE CASCADE)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkself.src SELECT seq, NULL FROM dfkself.seq_1_to_300"));
  ASSERT_OK(
      conn_->Execute("UPDATE dfkself.src SET up = 301 - id WHERE id <= 150"));
  WorkflowOptions o = options_;
  o.copy_batch_rows = o.copy_batch_min_rows = o.copy_batch_max_rows = 100;
  o.retry_backoff = absl::Hours(1);  // a failure stays in the row
  Engine engine(o, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id, engine.Create("wfkself", Source("dst", "select * from src"),
                                "dfkself", 0));
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("DELETE FROM dfkself.src WHERE id >= 291"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM dfkself.dst"),
              IsOkAndHolds("280"));
  ExpectSameRows(*conn_, "dfkself.src", "dfkself.dst", "id, up");
}

// A self-referencing table whose key is not an integer and whose target
// has a second unique key (its replay exact, not idempotent), changed
// while the copy is held part way: an update keeping the key is an UPDATE
// of the row if copied (at or below the copy's last key), not a DELETE and
// an INSERT. The DELETE cascaded on the target, taking copied child rows
// the source kept.
TEST_F(VReplicationTest, AnUpdateDuringTheCopyKeepsItsRowsChildren) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dfkstr"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE dfkstr.", t,
        " (id VARCHAR(10) PRIMARY KEY, up VARCHAR(10) NULL, email "
        "VARCHAR(20) NOT NULL, v INT, UNIQUE KEY (email), KEY (up), FOREIGN "
        "KEY (up) REFERENCES dfkstr.",
        t, " (id) ON DELETE CASCADE)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dfkstr.src SELECT LPAD(seq, 4, '0'), NULL, CONCAT('e', "
      "seq), 0 FROM dfkstr.seq_1_to_300"));
  ASSERT_OK(conn_->Execute(
      "UPDATE dfkstr.src SET up = '0001' WHERE id BETWEEN '0002' AND '0150'"));
  std::atomic<int> chunks{1};
  CopyInHeldChunks(&chunks);
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wfkstr", Source("dst", "select * from src"), "dfkstr", 0));
  ASSERT_OK(WaitSomeRowsCopied(engine, id));
  ASSERT_OK_AND_ASSIGN(WorkflowRow mid, engine.Read(id));
  ASSERT_GE(mid.rows_copied, 100);
  ASSERT_LT(mid.rows_copied, 300);
  // The parent (copied, with some of its children) and a row not copied yet,
  // keys kept.
  ASSERT_OK(conn_->Execute("UPDATE dfkstr.src SET v = 5 WHERE id = '0001'"));
  ASSERT_OK(conn_->Execute("UPDATE dfkstr.src SET v = 7 WHERE id = '0250'"));
  chunks = 1 << 30;
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM dfkstr.dst"),
              IsOkAndHolds("300"));
  ExpectSameRows(*conn_, "dfkstr.src", "dfkstr.dst", "id, up, email, v");
}

// Two rules reading one table: its changes could reach one target only
// (the other was copied, then silently never changed). Refused.
TEST_F(VReplicationTest, TwoRulesReadingOneTableAreRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9r"));
  for (const char* t : {"src", "dst_a", "dst_b"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE d9r.", t, " (id INT PRIMARY KEY, v INT)")));
  }
  ASSERT_OK(conn_->Execute("INSERT INTO d9r.src VALUES (1, 1), (200, 2)"));
  binlogdata::BinlogSource source =
      Source("dst_a", "select * from src where id < 100", "dst_b",
             "select * from src where id >= 100");
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, engine.Create("wf9r", source, "d9r", 0));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("both read `src`"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9r.dst_a"),
              IsOkAndHolds("0"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9r.dst_b"),
              IsOkAndHolds("0"));
}

// The client-side copy (server_side_copy=false) read FLOAT values as the
// text protocol gives them, 6 digits: 1234567 was copied as 1234570. It
// stores what INSERT ... SELECT stores now.
TEST_F(VReplicationTest, ClientSideCopyKeepsFloatsExact) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9h"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9h.src (id INT PRIMARY KEY, f FLOAT, g FLOAT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9h.dst (id INT PRIMARY KEY, f FLOAT, g DOUBLE)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d9h.src VALUES (1, 1234567, 1234567), (2, 16777217, "
      "16777217), (3, 0.1, 0.1), (4, -3.40282e38, -3.40282e38), (5, 1e-40, "
      "1e-40), (6, NULL, NULL)"));
  ASSERT_OK(CopyClientSide("wf9h", "d9h"));
  ExpectSameAsInsertSelect(
      *conn_, "d9h", "SELECT * FROM d9h.src",
      "SELECT GROUP_CONCAT(id, '|', IFNULL(f + 0e0, 'N'), '|', IFNULL(g, "
      "'N') ORDER BY id SEPARATOR ' ') FROM d9h.",
      "1|1234567|1234567");
}

// A row failing a CHECK constraint of the target says which one and why.
// MariaDB's JSON is a LONGTEXT with a json_valid() check, so a value that
// is not JSON failed only as "CONSTRAINT `dst.t` failed"; the message now
// says "Invalid JSON text" and names the column (in the copy), or names a
// table-level constraint with its clause (in the tail).
TEST_F(VReplicationTest, ARowFailingACheckConstraintInTheCopySaysWhich) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9j"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9j.src (id INT PRIMARY KEY, t VARCHAR(20) NOT NULL)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9j.dst (id INT PRIMARY KEY, t JSON NOT NULL)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9j.src VALUES (1, '{}'), (2, '{\"')"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, RunUntilFailed("wf9j", "d9j"));
  EXPECT_THAT(row.message,
              HasSubstr("Invalid JSON text: column `t` of `d9j`.`dst` is "
                        "JSON, and a value for it is not valid JSON: "));
  EXPECT_THAT(row.message, HasSubstr("CONSTRAINT `dst.t` failed"));
}

TEST_F(VReplicationTest, ARowFailingACheckConstraintInTheTailSaysWhich) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9y"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9y.src (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9y.dst (id INT PRIMARY KEY, v INT, CONSTRAINT `po``s` "
      "CHECK (v > 0))"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9y.src VALUES (1, 1)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wf9y", "d9y"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ASSERT_OK(conn_->Execute("INSERT INTO d9y.src VALUES (2, -1)"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("a row fails CHECK constraint `po``s` of "
                                     "`d9y`.`dst` (`v` > 0): "));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9y.dst"),
              IsOkAndHolds("1"));
  ASSERT_OK(engine.Stop(id, "failed in a test"));
}

// MariaDB 10.10+ lists a UCA 14.0 collation in COLLATIONS once, without
// an ID; the IDs it has per character set (in binlog column metadata) are
// known too.
TEST_F(VReplicationTest, CollationsIncludeEachUca1400Id) {
  ASSERT_OK_AND_ASSIGN(CollationMap m, LoadCollations(*conn_));
  ASSERT_OK_AND_ASSIGN(
      std::string id,
      mysql::QueryValue(*conn_,
                        "SELECT ID FROM information_schema."
                        "COLLATION_CHARACTER_SET_APPLICABILITY WHERE "
                        "FULL_COLLATION_NAME = 'ucs2_uca1400_ai_ci'"));
  auto it = m.find(static_cast<uint32_t>(std::stoul(id)));
  ASSERT_NE(it, m.end()) << id;
  EXPECT_EQ(it->second.charset, "ucs2");
  EXPECT_EQ(it->second.name, "ucs2_uca1400_ai_ci");
  ASSERT_NE(m.find(63), m.end());
}

// The client-side copy read character values through utf8mb4, which
// changes some of them: cp932 0xED40 came back as 0xFA5C (one character,
// two codes). It reads them as their bytes in the column's own set; the
// other types come as before.
TEST_F(VReplicationTest, ClientSideCopyKeepsCharacterValuesAsTheirBytes) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9k"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9k.src (id INT PRIMARY KEY, a VARCHAR(8) CHARACTER SET "
      "cp932, b TEXT CHARACTER SET cp932, e ENUM('x', 'y') CHARACTER SET "
      "cp932, l VARCHAR(8) CHARACTER SET latin1, m VARCHAR(8) CHARACTER SET "
      "utf8mb4, u UUID, i INET6, j JSON, d DATETIME(3), n DECIMAL(9, 2), "
      "t BLOB, w VARCHAR(8) CHARACTER SET ucs2 COLLATE ucs2_uca1400_ai_ci)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9k.dst LIKE d9k.src"));
  // 0xED40 and 0x955C (a second byte that is a backslash in ASCII).
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d9k.src VALUES (1, _cp932 X'ED40', _cp932 X'955CED40', "
      "'y', _latin1 X'E9', _utf8mb4 X'F09F9880', "
      "'123e4567-e89b-12d3-a456-426614174000', '::1', '{\"k\": [1]}', "
      "'2026-12-05 20:00:00.123', 12.5, X'00FF', _ucs2 X'00E9'), (2, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"));
  ASSERT_OK(CopyClientSide("wf9k", "d9k"));
  const std::string cols =
      "id, HEX(a), HEX(b), HEX(e), HEX(l), HEX(m), u, i, j, d, n, HEX(t), "
      "HEX(w)";
  ExpectSameRows(*conn_, "d9k.src", "d9k.dst", cols);
  EXPECT_THAT(
      mysql::QueryValue(*conn_,
                        "SELECT CONCAT(HEX(a), ' ', HEX(b), ' ', u, ' ', "
                        "i) FROM d9k.dst WHERE id = 1"),
      IsOkAndHolds("ED40 955CED40 "
                   "123e4567-e89b-12d3-a456-426614174000 ::1"));
}

// A transaction a server with gtid_strict_mode OFF logs with a sequence
// number below its domain's latest stops the workflow with a clear error
// if it changes a source table (its rows were lost before: the stream
// skipped it as already applied); on another table it does not matter.
TEST_F(VReplicationTest, AnOutOfOrderGtidStopsTheWorkflow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9g"));
  for (const char* t : {"src", "dst", "other"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE d9g.", t, " (a INT PRIMARY KEY, b INT)")));
  }
  ASSERT_OK(conn_->Execute("INSERT INTO d9g.src VALUES (1, 1)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wf9g", "d9g"));
  // A domain of its own, so that no other test's stream meets the
  // disorder; strict mode back on however the test ends.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::MysqlConnection> c,
                       mysql::MysqlConnection::Connect(options_.connect));
  ASSERT_OK(c->Execute("SET SESSION gtid_domain_id = 77"));
  ASSERT_OK(c->Execute("SET SESSION gtid_seq_no = 10"));
  ASSERT_OK(c->Execute("INSERT INTO d9g.src VALUES (2, 2)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  ASSERT_OK(c->Execute("SET GLOBAL gtid_strict_mode = 0"));
  absl::Status out_of_order = [&]() -> absl::Status {
    // Another table's (77-1-5), then one in order (77-1-11) the workflow
    // applies, then the source's (77-1-6).
    SC_RETURN_IF_ERROR(c->Execute("SET SESSION gtid_seq_no = 5").status());
    SC_RETURN_IF_ERROR(
        c->Execute("INSERT INTO d9g.other VALUES (1, 1)").status());
    SC_RETURN_IF_ERROR(
        c->Execute("INSERT INTO d9g.src VALUES (3, 3)").status());
    SC_RETURN_IF_ERROR(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
    SC_RETURN_IF_ERROR(c->Execute("SET SESSION gtid_seq_no = 6").status());
    return c->Execute("INSERT INTO d9g.src VALUES (4, 4)").status();
  }();
  ASSERT_OK(c->Execute("SET GLOBAL gtid_strict_mode = 1"));
  // The domain's latest GTID in order again: a stream later asking for
  // 77-1-6 would be refused (the server, strict again, finds it missing).
  ASSERT_OK(c->Execute("SET SESSION gtid_seq_no = 12"));
  ASSERT_OK(c->Execute("INSERT INTO d9g.other VALUES (2, 2)"));
  EXPECT_THAT(
      mysql::QueryValue(*c, "SELECT @@gtid_binlog_pos LIKE '%77-1-12%'"),
      IsOkAndHolds("1"));
  ASSERT_OK(out_of_order);
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("transaction 77-1-6 is logged out of "
                                     "order"));
  EXPECT_THAT(row.message, Not(HasSubstr("will retry")));
  EXPECT_THAT(mysql::QueryValue(
                  *conn_, "SELECT GROUP_CONCAT(a ORDER BY a) FROM d9g.dst"),
              IsOkAndHolds("1,2,3"));
}

// A source transaction larger than the server's max_allowed_packet is
// replayed in several round trips; a single change too large for it stops
// the workflow saying so (it retried forever on "server has gone away"),
// and goes on once max_allowed_packet is raised.
TEST_F(VReplicationTest, TransactionsLargerThanMaxAllowedPacketApply) {
  ASSERT_OK_AND_ASSIGN(
      std::string saved,
      mysql::QueryValue(*conn_, "SELECT @@GLOBAL.max_allowed_packet"));
  ASSERT_OK(conn_->Execute("SET GLOBAL max_allowed_packet = 1048576"));
  // Put back however the test ends (new sessions read it).
  struct Restore {
    mysql::MysqlConnection* conn;
    std::string value;
    ~Restore() {
      conn->Execute(absl::StrCat("SET GLOBAL max_allowed_packet = ", value))
          .IgnoreError();
    }
  } restore{conn_.get(), saved};
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9p"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9p.src (a INT PRIMARY KEY, b LONGBLOB, c INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9p.dst (a INT PRIMARY KEY, b LONGBLOB, c INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9p.src VALUES (1, 'x', 1)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wf9p", "d9p"));
  // 3 MB of rows in one transaction, 6 MB as hex literals; updates of
  // copied rows too (netted into upserts).
  ASSERT_OK(conn_->Execute("BEGIN"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d9p.src SELECT seq, REPEAT(CHAR(65 + seq % 26), 20000), "
      "seq FROM d9p.seq_2_to_151"));
  ASSERT_OK(conn_->Execute("UPDATE d9p.src SET c = c + 1"));
  ASSERT_OK(conn_->Execute("COMMIT"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  const std::string cols = "a, MD5(b), c";
  ExpectSameRows(*conn_, "d9p.src", "d9p.dst", cols);
  // One row of 600 kB: 1.2 MB as hex, over the limit.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d9p.src VALUES (1000, REPEAT('z', 600000), 0)"));
  ASSERT_OK(WaitFor(Clock::Real(), "the workflow to report the packet size",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
                      return absl::StrContains(row.message,
                                               "max_allowed_packet (1048576)");
                    }));
  ASSERT_OK(conn_->Execute("SET GLOBAL max_allowed_packet = 4194304"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(90)));
  ExpectSameRows(*conn_, "d9p.src", "d9p.dst", cols);
}

// Columns whose binlog values Sidecut does not decode are refused before
// anything is copied (the stream failed on the first change, after the
// copy, or misread the columns after them): MariaDB's COMPRESSED columns and
// MariaDB 5.3's fractional temporals. That format's whole-second ones are
// the classic binlog types: copied and caught up.
TEST_F(VReplicationTest, ColumnsTheBinlogCarriesUndecodedAreRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE dzk"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dzk.src (a INT PRIMARY KEY, t TEXT COMPRESSED)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE dzk.dst (a INT PRIMARY KEY, t TEXT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO dzk.src VALUES (1, 'x')"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, RunUntilFailed("wfzk", "dzk"));
  EXPECT_THAT(row.message, HasSubstr("COMPRESSED column"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM dzk.dst"),
              IsOkAndHolds("0"));

  ASSERT_OK(conn_->Execute("SET GLOBAL mysql56_temporal_format = OFF"));
  absl::Status made[] = {
      conn_->Execute("CREATE DATABASE dzm").status(),
      conn_
          ->Execute("CREATE TABLE dzm.src (a INT PRIMARY KEY, "
                    "ts TIMESTAMP(6) NULL)")
          .status(),
      conn_->Execute("CREATE DATABASE dzn").status(),
      conn_
          ->Execute("CREATE TABLE dzn.src (a INT PRIMARY KEY, d DATETIME, "
                    "t TIME, ts TIMESTAMP NULL, n INT, "
                    "e ENUM('raw', 'compressed'))")
          .status()};
  ASSERT_OK(conn_->Execute("SET GLOBAL mysql56_temporal_format = ON"));
  for (const absl::Status& s : made) ASSERT_OK(s);
  ASSERT_THAT(mysql::QueryValue(
                  *conn_,
                  "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = 'dzm' AND COLUMN_NAME = 'ts'"),
              IsOkAndHolds(HasSubstr("mariadb-5.3")));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dzm.dst (a INT PRIMARY KEY, ts TIMESTAMP(6) NULL)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO dzm.src VALUES (1, '2024-01-01 00:00:00.5')"));
  ASSERT_OK_AND_ASSIGN(row, RunUntilFailed("wfzm", "dzm"));
  EXPECT_THAT(row.message, HasSubstr("MariaDB 5.3's format"));

  // (An ENUM with a member named "compressed" is no COMPRESSED column.)
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE dzn.dst (a INT PRIMARY KEY, d DATETIME, t TIME, ts "
      "TIMESTAMP NULL, n INT, e ENUM('raw', 'compressed'))"));
  const std::string values =
      "'2024-02-03 04:05:06', '-838:59:59', '2024-02-03 04:05:06', 7, "
      "'compressed'";
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO dzn.src VALUES (1, ", values, ")")));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(int64_t id, CreateCopied(engine, "wfzn", "dzn"));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO dzn.src VALUES (2, ", values, ")")));
  ASSERT_OK(
      conn_->Execute("UPDATE dzn.src SET t = '12:34:56', n = 8 WHERE a = 1"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  const std::string rows =
      "SELECT GROUP_CONCAT(a, '|', d, '|', t, '|', ts, '|', n, '|', e ORDER "
      "BY a SEPARATOR ' ') FROM dzn.";
  ASSERT_OK_AND_ASSIGN(std::string want,
                       mysql::QueryValue(*conn_, rows + "src"));
  EXPECT_EQ(want,
            "1|2024-02-03 04:05:06|12:34:56|2024-02-03 04:05:06|8|compressed "
            "2|2024-02-03 04:05:06|-838:59:59|2024-02-03 04:05:06|7|"
            "compressed");
  EXPECT_THAT(mysql::QueryValue(*conn_, rows + "dst"), IsOkAndHolds(want));
}

// A system-versioned table is refused: a copy reads its current rows only,
// and its history was lost.
TEST_F(VReplicationTest, SystemVersionedTablesAreRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9v"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d9v.src (a INT PRIMARY KEY, b INT) WITH "
                     "SYSTEM VERSIONING"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9v.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9v.src VALUES (1, 1)"));
  ASSERT_OK(conn_->Execute("UPDATE d9v.src SET b = 2"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, RunUntilFailed("wf9v", "d9v"));
  EXPECT_THAT(row.message, HasSubstr("system-versioned"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9v.dst"),
              IsOkAndHolds("0"));
}

TEST_F(VReplicationTest, NonInnodbTablesAreRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d9i"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d9i.src (a INT PRIMARY KEY, b INT) ENGINE=MyISAM"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d9i.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d9i.src VALUES (1, 1)"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, RunUntilFailed("wf9i", "d9i"));
  EXPECT_THAT(row.message, HasSubstr("MyISAM engine"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d9i.dst"),
              IsOkAndHolds("0"));
}

// binlog_row_metadata turned off while a workflow runs: ENUM values would
// come as indexes (wrong after an ALTER reordering them); the workflow
// stops instead.
TEST_F(VReplicationTest, LostColumnMetadataStopsTheWorkflow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4n"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4n.src (a INT PRIMARY KEY, e ENUM('x', 'y'))"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d4n.dst (a INT PRIMARY KEY, e ENUM('y', 'x'))"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4n", Source("dst", "select * from src"), "d4n", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("SET GLOBAL binlog_row_metadata = 'MINIMAL'"));
  struct Restore {
    mysql::MysqlConnection* conn;
    ~Restore() {
      conn->Execute("SET GLOBAL binlog_row_metadata = 'FULL'").IgnoreError();
    }
  } restore{conn_.get()};
  ASSERT_OK(conn_->Execute("INSERT INTO d4n.src VALUES (1, 'x')"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("lacks the column metadata"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d4n.dst"),
              IsOkAndHolds("0"));
}

// A session logging statements: the change's rows are not in the binlog.
TEST_F(VReplicationTest, StatementLoggedChangesStopTheWorkflow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4t"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4t.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4t.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4t.other (a INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4t.src VALUES (1, 1), (2, 2)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4t", Source("dst", "select * from src"), "d4t", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> stmt,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(stmt->Execute("SET SESSION binlog_format = 'STATEMENT'"));
  // Another table's statement does not matter, nor does reading the
  // source table in it.
  ASSERT_OK(stmt->Execute("INSERT INTO d4t.other VALUES (1)"));
  ASSERT_OK(stmt->Execute("INSERT INTO d4t.other SELECT a + 10 FROM d4t.src"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(WorkflowRow running, engine.Read(id));
  EXPECT_EQ(running.state, kStateRunning) << running.message;
  // A change to the source naming the target too (a statement-logged
  // chunk of the workflow's own names its target: this one is not, and
  // was taken for one).
  ASSERT_OK(stmt->Execute(
      "UPDATE d4t.src SET b = (SELECT COUNT(*) FROM d4t.dst) WHERE a = 2"));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("logged as a statement"));
  EXPECT_THAT(row.message, HasSubstr("`d4t`.`src`"));
}

// A LOAD DATA logged as a statement (an EXECUTE_LOAD_QUERY_EVENT, not a
// QUERY_EVENT) stops the workflow too: it was skipped as an event of no
// interest, and the rows it loaded never reached the target.
TEST_F(VReplicationTest, AStatementLoggedLoadDataStopsTheWorkflow) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d4l"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4l.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d4l.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d4l.other (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d4l.src VALUES (1, 1), (2, 2)"));
  ASSERT_OK_AND_ASSIGN(std::string tmpdir,
                       mysql::QueryValue(*conn_, "SELECT @@tmpdir"));
  const std::string path = absl::StrCat(tmpdir, "/d4l_", getpid(), ".txt");
  const std::string file = mysql::QuoteString(path);
  struct Remove {
    std::string path;
    ~Remove() { std::remove(path.c_str()); }
  } remove{path};
  ASSERT_OK(conn_->Execute(
      absl::StrCat("SELECT a + 10, b FROM d4l.src INTO OUTFILE ", file)));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf4l", Source("dst", "select * from src"), "d4l", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> stmt,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(stmt->Execute("SET SESSION binlog_format = 'STATEMENT'"));
  // Into another table: the workflow goes on past it (the connector's own
  // reading of the event stopped every stream there for good).
  ASSERT_OK(stmt->Execute(
      absl::StrCat("LOAD DATA INFILE ", file, " INTO TABLE d4l.other")));
  ASSERT_OK(conn_->Execute("INSERT INTO d4l.src VALUES (3, 3)"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d4l.dst"),
              IsOkAndHolds("3"));
  ASSERT_OK(stmt->Execute(
      absl::StrCat("LOAD DATA INFILE ", file, " INTO TABLE d4l.src")));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("logged as a statement"));
  EXPECT_THAT(row.message, HasSubstr("`d4l`.`src`"));
  EXPECT_THAT(row.message, HasSubstr("LOAD DATA"));
}

// A statement-logged change naming another table can still change the
// source: through a trigger on that table, a view over the source, or a
// stored function. Each stops the workflow, naming the path; before, the
// change was missed (the copy kept the old rows). A statement reaching
// nothing of the source's still does not matter.
TEST_F(VReplicationTest, StatementLoggedChangesThroughOtherObjectsStopIt) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> stmt,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(stmt->Execute("SET SESSION binlog_format = 'STATEMENT'"));
  struct Case {
    const char* db;
    std::vector<const char*> setup;
    const char* change;
    const char* path;
    const char* harmless = nullptr;  // names the object, cannot reach src
  };
  const std::vector<Case> cases = {
      {"d4i1",
       {"CREATE TABLE d4i1.other (a INT PRIMARY KEY)",
        "CREATE TRIGGER d4i1.copy_up AFTER INSERT ON d4i1.other FOR EACH ROW "
        "UPDATE d4i1.src SET b = b + 100 WHERE a = NEW.a"},
       "INSERT INTO d4i1.other VALUES (2)",
       "trigger `copy_up` on `d4i1`.`other`, which names `src`"},
      {"d4i2",
       {"CREATE VIEW d4i2.v AS SELECT a, b FROM d4i2.src"},
       "UPDATE d4i2.v SET b = 7 WHERE a = 2",
       "view `d4i2`.`v`, which names `src`"},
      {"d4i3",
       {"CREATE TABLE d4i3.other (a INT PRIMARY KEY)",
        "CREATE FUNCTION d4i3.bump(x INT) RETURNS INT MODIFIES SQL DATA "
        "DETERMINISTIC BEGIN UPDATE d4i3.src SET b = b + 1 WHERE a = x; "
        "RETURN x; END",
        // Names the function, not the source: the path has two steps.
        "CREATE VIEW d4i3.w AS SELECT d4i3.bump(1) AS one"},
       "INSERT INTO d4i3.other SELECT one FROM d4i3.w",
       "view `d4i3`.`w`, which names `bump`",
       // A column named like the function is no call of it.
       "INSERT INTO d4i3.other SELECT bump FROM (SELECT 5 AS bump) AS t"},
      {"d4i4",
       {"CREATE TABLE d4i4.other (a INT PRIMARY KEY)",
        "CREATE PROCEDURE d4i4.p() UPDATE d4i4.src SET b = b + 1",
        // Called without parentheses.
        "CREATE TRIGGER d4i4.t4 AFTER INSERT ON d4i4.other FOR EACH ROW "
        "CALL d4i4.p"},
       "INSERT INTO d4i4.other VALUES (3)",
       "trigger `t4` on `d4i4`.`other`, which names `p`"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.db);
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", c.db)));
    for (const char* t : {"src", "dst", "unrelated"}) {
      ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE ", c.db, ".", t,
                                            " (a INT PRIMARY KEY, b INT)")));
    }
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO ", c.db, ".src VALUES (1, 1), (2, 2)")));
    for (const char* sql : c.setup) ASSERT_OK(conn_->Execute(sql));
    Engine engine(options_, Clock::Real());
    ASSERT_OK(engine.Open());
    ASSERT_OK_AND_ASSIGN(
        int64_t id, engine.Create(absl::StrCat("wf", c.db),
                                  Source("dst", "select * from src"), c.db, 0));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK(stmt->Execute(
        absl::StrCat("INSERT INTO ", c.db, ".unrelated VALUES (1, 1)")));
    if (c.harmless != nullptr) {
      ASSERT_OK(stmt->Execute(c.harmless));
    }
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(WorkflowRow running, engine.Read(id));
    EXPECT_EQ(running.state, kStateRunning) << running.message;
    ASSERT_OK(stmt->Execute(c.change));
    ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
    EXPECT_THAT(row.message, HasSubstr("logged as a statement"));
    EXPECT_THAT(row.message, HasSubstr(c.path));
    EXPECT_THAT(row.message, Not(HasSubstr("will retry")));
  }
}

// XA: one phase is a plain transaction; two-phase on another table does
// not matter; two-phase on the source fails the workflow (its outcome comes
// later without its rows). A transaction already prepared when a workflow
// starts would be missed by the copy: the workflow refuses to start.
TEST_F(VReplicationTest, TwoPhaseXaOnTheSourceFailsClearly) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d6x"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d6x.src (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d6x.dst (a INT PRIMARY KEY, b INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d6x.other (a INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO d6x.src VALUES (1, 1)"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  // Prepared before the start (by a session gone since): refused; nothing
  // copied.
  ASSERT_OK(PrepareXaAndLeave(harness::ConnectParamsFor(*instance_), "'p0'",
                              "INSERT INTO d6x.src VALUES (2, 2)"));
  ASSERT_OK_AND_ASSIGN(
      int64_t first,
      engine.Create("wf6x0", Source("dst", "select * from src"), "d6x", 0));
  ASSERT_OK_AND_ASSIGN(WorkflowRow refused, WaitFailed(engine, first));
  EXPECT_THAT(refused.message, HasSubstr("XA RECOVER"));
  EXPECT_THAT(mysql::QueryValue(*conn_, "SELECT COUNT(*) FROM d6x.dst"),
              IsOkAndHolds("0"));
  ASSERT_OK(engine.Stop(first));
  ASSERT_OK(conn_->Execute("XA COMMIT 'p0'"));

  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf6x", Source("dst", "select * from src"), "d6x", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  for (const char* sql : {"XA START 'o1'", "INSERT INTO d6x.src VALUES (3, 3)",
                          "XA END 'o1'", "XA COMMIT 'o1' ONE PHASE",
                          "XA START 'o2'", "INSERT INTO d6x.other VALUES (1)",
                          "XA END 'o2'", "XA PREPARE 'o2'", "XA COMMIT 'o2'"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_THAT(mysql::QueryValue(
                  *conn_, "SELECT GROUP_CONCAT(a ORDER BY a) FROM d6x.dst"),
              IsOkAndHolds("1,2,3"));
  for (const char* sql : {"XA START 't1'", "INSERT INTO d6x.src VALUES (4, 4)",
                          "XA END 't1'", "XA PREPARE 't1'", "XA COMMIT 't1'"}) {
    ASSERT_OK(conn_->Execute(sql));
  }
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(engine, id));
  EXPECT_THAT(row.message, HasSubstr("two-phase XA"));
  EXPECT_THAT(row.message, HasSubstr("`d6x`.`src`"));
}

// A transaction prepared (two-phase XA) after the check before the copy
// but before the copy's first position (here while the copy waits for its
// throttler) is logged before the stream's start: the rows it changes
// beyond the first chunk would be copied as they were before it (unlocked
// chunks; a snapshot) and its commit, logged without them, would change
// nothing. Checked again once the first position is read, the workflow
// fails clearly instead, having copied nothing; both copy paths.
TEST_F(VReplicationTest, XaPreparedAsTheCopyStartsFailsIt) {
  for (const bool server_side : {true, false}) {
    SCOPED_TRACE(server_side ? "server-side copy" : "client-side copy");
    const std::string db = server_side ? "d6y" : "d6z";
    const std::string xid = server_side ? "'w6y'" : "'w6z'";
    const WorkflowOptions saved = options_;
    std::atomic<int> asked{0};
    ASSERT_OK(CopyWithAnXaPreparedAtItsStart(db, xid, server_side, &asked));
    absl::StatusOr<WorkflowRow> row =
        RunUntilFailed(server_side ? "wf6y" : "wf6z", db);
    options_ = saved;
    ASSERT_OK(conn_->Execute(absl::StrCat("XA COMMIT ", xid)));
    ASSERT_OK(row.status());
    EXPECT_GE(asked.load(), 1);
    EXPECT_THAT(row->message, HasSubstr("XA RECOVER"));
    EXPECT_THAT(mysql::QueryValue(
                    *conn_, absl::StrCat("SELECT COUNT(*) FROM ", db, ".dst")),
                IsOkAndHolds("0"));
  }
}

// A transaction prepared (two-phase XA) before the copy's first position
// but not listed by XA RECOVER yet when the copy asks (a server lists one
// once its engines have prepared it) escapes that check: the copy reads
// its rows as they were, and its XA COMMIT comes without them. The stream
// never saw it prepared, so that XA COMMIT fails the workflow; also after
// the process is started again in between (here a new engine on the same
// tables): the watch is recorded with the position (a copy resumed after
// a restart went unwatched before).
TEST_F(VReplicationTest, XaCommitOfAPrepareTheCopyDidNotSeeFailsIt) {
  for (const bool restart : {false, true}) {
    for (const bool server_side : {true, false}) {
      SCOPED_TRACE(
          absl::StrCat(server_side ? "server-side copy" : "client-side copy",
                       restart ? ", restarted" : ""));
      const std::string tag =
          absl::StrCat(restart ? "8" : "6", server_side ? "v" : "w");
      const std::string db = absl::StrCat("d", tag);
      const std::string xid = absl::StrCat("'w", tag, "'");
      const WorkflowOptions saved = options_;
      std::atomic<int> asked{0};
      ASSERT_OK(CopyWithAnXaPreparedAtItsStart(db, xid, server_side, &asked));
      // The server has not listed it yet, whenever asked.
      options_.prepared_xa_count =
          [](mysql::Connection&) -> absl::StatusOr<absl::optional<size_t>> {
        return absl::optional<size_t>(0);
      };
      auto engine = std::make_unique<Engine>(options_, Clock::Real());
      ASSERT_OK(engine->Open());
      ASSERT_OK_AND_ASSIGN(
          int64_t id,
          engine->Create(absl::StrCat("wf", tag),
                         Source("dst", "select * from src"), db, 0));
      // Copied without the prepared change, which stays pending.
      EXPECT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
      if (restart) {
        engine.reset();  // the process ends
        engine = std::make_unique<Engine>(options_, Clock::Real());
        ASSERT_OK(engine->Open());
        ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
      }
      options_ = saved;
      EXPECT_GE(asked.load(), 1);
      EXPECT_THAT(mysql::QueryValue(*conn_, absl::StrCat("SELECT b FROM ", db,
                                                         ".dst WHERE a = 250")),
                  IsOkAndHolds("250"));
      ASSERT_OK(conn_->Execute(absl::StrCat("XA COMMIT ", xid)));
      ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(*engine, id));
      EXPECT_THAT(
          row.message,
          HasSubstr(absl::StrCat(
              "XA COMMIT X'", absl::BytesToHexString(absl::StrCat("w", tag)))));
      EXPECT_THAT(row.message, HasSubstr("not listed by XA RECOVER"));
      ASSERT_OK(engine->Stop(id, "failed in a test"));
    }
  }
}

// A transaction prepared after the copy's first position, seen by the
// stream, may commit after the process is started again: the restarted
// watch knows it (recorded with the position), and the workflow goes on.
TEST_F(VReplicationTest, AnXaPreparedBeforeARestartCommitsAfterIt) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d8c"));
  for (const char* table : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d8c.", table,
                                          " (a INT PRIMARY KEY, b INT)")));
  }
  ASSERT_OK(conn_->Execute("CREATE TABLE d8c.other (a INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d8c.src SELECT seq, seq FROM d8c.seq_1_to_300"));
  int64_t id = 0;
  {
    Engine first(options_, Clock::Real());
    ASSERT_OK(first.Open());
    ASSERT_OK_AND_ASSIGN(
        id, first.Create("wf8c", Source("dst", "select * from src"), "d8c", 0));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK(PrepareXaAndLeave(harness::ConnectParamsFor(*instance_), "'w8c'",
                                "INSERT INTO d8c.other VALUES (1)"));
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  }  // the process ends, the XA still prepared
  Engine second(options_, Clock::Real());
  ASSERT_OK(second.Open());
  ASSERT_OK(conn_->Execute("XA COMMIT 'w8c'"));
  ASSERT_OK(conn_->Execute("UPDATE d8c.src SET b = -b WHERE a <= 10"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d8c.src", "a, b"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d8c.dst", "a, b"));
  EXPECT_EQ(got, want);
  ASSERT_OK(second.Stop(id, "done in a test"));
}

// A chunk rolled back after its catch-up read an XA COMMIT (here a DDL
// after it aborts the catch-up) reads it again: the watch keeps the ids
// of the XA transactions that ended, and does not take it for one never
// prepared.
TEST_F(VReplicationTest, AnXaCommitReadAgainAfterAChunkRollsBackIsNoFailure) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d6u"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d6u.src (a INT PRIMARY KEY, b INT)"));
  // A second unique key: chunks lock their rows and catch up inside.
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d6u.dst (a INT PRIMARY KEY, b INT, UNIQUE KEY (b))"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d6u.other (a INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d6u.src SELECT seq, seq FROM d6u.seq_1_to_300"));
  // Holds the second chunk's read.
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> holder,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(holder->Execute("BEGIN"));
  ASSERT_OK(holder->Execute("SELECT * FROM d6u.src WHERE a = 150 FOR UPDATE"));
  WorkflowOptions saved = options_;
  options_.copy_batch_rows = 100;
  options_.copy_batch_max_rows = 100;
  const mysql::ConnectParams params = harness::ConnectParamsFor(*instance_);
  std::atomic<int> asked{0};
  options_.throttle = [&](mysql::Connection&) -> absl::StatusOr<std::string> {
    // After the first chunk: prepared, then read by the catch-up before
    // the second chunk.
    if (asked.fetch_add(1) == 1) {
      SC_RETURN_IF_ERROR(PrepareXaAndLeave(params, "'w6u'",
                                           "INSERT INTO d6u.other VALUES (1)"));
    }
    return std::string();
  };
  Engine engine(options_, Clock::Real());
  options_ = saved;
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf6u", Source("dst", "select * from src"), "d6u", 0));
  // The second chunk waits for row 150; meanwhile the XA ends and a DDL
  // follows, both read by that chunk's own catch-up.
  absl::Status waiting =
      WaitForARowLockWait("the second chunk to wait for its row");
  ASSERT_OK(conn_->Execute("XA COMMIT 'w6u'"));
  ASSERT_OK(waiting);
  ASSERT_OK(conn_->Execute("CREATE TABLE d6u.z (a INT PRIMARY KEY)"));
  ASSERT_OK(holder->Execute("ROLLBACK"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_GE(asked.load(), 2);
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d6u.src", "a, b"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d6u.dst", "a, b"));
  EXPECT_EQ(got, want);
  ASSERT_OK(engine.Stop(id, "done in a test"));
}

// A DDL between two chunks, before the stream reaches it (here a column
// the filter reads is dropped right after the first chunk): the second
// chunk's read fails on the column; the stream catches up first, meets
// the DDL and does as on_ddl says (IGNORE: the plans reload and the copy
// goes on; STOP: the workflow stops there, saying so). The workflow failed
// for good on the unknown column.
TEST_F(VReplicationTest, ADdlJustBeforeAChunkIsMetByTheStreamFirst) {
  for (binlogdata::OnDDLAction on_ddl :
       {binlogdata::STOP, binlogdata::IGNORE}) {
    SCOPED_TRACE(binlogdata::OnDDLAction_Name(on_ddl));
    const std::string db = on_ddl == binlogdata::STOP ? "d6ds" : "d6d";
    const std::string t = db + ".";
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", t, "src (a INT PRIMARY KEY, b INT, gone INT)")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", t, "dst LIKE ", t, "src")));
    ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO ", t,
                                          "src SELECT seq, seq, seq FROM ", t,
                                          "seq_1_to_1000")));
    WorkflowOptions saved = options_;
    options_.copy_batch_rows = 100;
    options_.copy_batch_max_rows = 100;
    options_.copy_phase_duration = absl::Hours(1);
    // No catch-up of its own between chunks meets the DDL first.
    options_.copy_catchup_interval = absl::Hours(1);
    const mysql::ConnectParams params = harness::ConnectParamsFor(*instance_);
    std::atomic<int> asked{0};
    const std::string ddl =
        absl::StrCat("ALTER TABLE ", t, "src DROP COLUMN gone");
    options_.throttle = [&](mysql::Connection&) -> absl::StatusOr<std::string> {
      if (asked.fetch_add(1) == 5) {  // between unlocked chunks
        SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c,
                            mysql::MysqlConnection::Connect(params));
        SC_RETURN_IF_ERROR(c->Execute(ddl).status());
      }
      return std::string();
    };
    Engine engine(options_, Clock::Real());
    options_ = saved;
    ASSERT_OK(engine.Open());
    binlogdata::BinlogSource source = Source("dst", "select * from src");
    source.set_on_ddl(on_ddl);
    ASSERT_OK_AND_ASSIGN(int64_t id,
                         engine.Create(absl::StrCat("wf", db), source, db, 0));
    if (on_ddl == binlogdata::STOP) {
      ASSERT_OK(WaitFor(
          Clock::Real(), "the workflow to stop at the DDL",
          [&]() -> absl::StatusOr<bool> {
            SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
            if (row.state == kStateError) {
              return absl::InternalError(row.message);
            }
            return row.state == kStateStopped;
          },
          WaitOptions{.timeout = absl::Seconds(60)}));
      ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
      EXPECT_THAT(row.message, HasSubstr(absl::StrCat("Stopped at DDL ", ddl)));
      EXPECT_LT(row.rows_copied, 1000);  // mid-copy
      continue;
    }
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    EXPECT_GT(asked.load(), 5);  // the DDL ran
    EXPECT_THAT(mysql::QueryValue(*conn_,
                                  "SELECT COUNT(*) FROM information_schema."
                                  "COLUMNS WHERE TABLE_SCHEMA = 'd6d' AND "
                                  "COLUMN_NAME = 'gone'"),
                IsOkAndHolds("1"));  // in dst only
    ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d6d.src", "a, b"));
    ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d6d.dst", "a, b"));
    EXPECT_EQ(got, want);
    ASSERT_OK(engine.Stop(id, "done in a test"));
  }
}

// A composite key the target orders otherwise ((a, b) made (b, a)): an
// unlocked chunk would find its last row on the target in the copy's
// order, which the target's key cannot serve (a scan of the whole target
// at every chunk, found in review): its chunks lock their rows instead,
// seen here by a row lock the second chunk waits for.
TEST_F(VReplicationTest, AReorderedCompositeKeyIsCopiedInLockedChunks) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d8d"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d8d.src (a INT, b INT, c INT, PRIMARY KEY (a, b))"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d8d.dst (a INT, b INT, c INT, PRIMARY KEY (b, a))"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d8d.src SELECT seq, seq % 7, seq FROM d8d.seq_1_to_300"));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> holder,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  ASSERT_OK(holder->Execute("BEGIN"));
  ASSERT_OK(holder->Execute("SELECT * FROM d8d.src WHERE a = 150 FOR UPDATE"));
  WorkflowOptions saved = options_;
  options_.copy_batch_rows = 100;
  options_.copy_batch_max_rows = 100;
  Engine engine(options_, Clock::Real());
  options_ = saved;
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf8d", Source("dst", "select * from src"), "d8d", 0));
  absl::Status waited =
      WaitForARowLockWait("a chunk to wait for the locked row",
                          WaitOptions{.timeout = absl::Seconds(20)});
  ASSERT_OK(holder->Execute("ROLLBACK"));
  EXPECT_OK(waited);
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want,
                       Checksum(*conn_, "d8d.src", "a, b, c"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d8d.dst", "a, b, c"));
  EXPECT_EQ(got, want);
  ASSERT_OK(engine.Stop(id, "done in a test"));
}

// DDL on other tables of the database (scratch tables created and dropped
// all along) changes nothing for the plans in use: a locked chunk whose
// catch-up reads one goes on, and (on_ddl IGNORE) the copy does not start
// over to reload its plans. Both happened at each such DDL before (found
// in review): a stream of them stalled the copy.
TEST_F(VReplicationTest, OtherTablesDdlDoesNotRollChunksBack) {
  for (const binlogdata::OnDDLAction on_ddl :
       {binlogdata::IGNORE, binlogdata::STOP}) {
    SCOPED_TRACE(binlogdata::OnDDLAction_Name(on_ddl));
    const std::string db = on_ddl == binlogdata::STOP ? "d8f" : "d8e";
    const std::string t = db + ".";
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", db)));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", t, "src (a INT PRIMARY KEY, b INT)")));
    // A second unique key: chunks lock their rows and catch up inside.
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE ", t, "dst (a INT PRIMARY KEY, b INT, UNIQUE KEY (b))")));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO ", t, "src SELECT seq, seq FROM ", t, "seq_1_to_3000")));
    std::atomic<bool> stop{false};
    std::atomic<int> ddls{0};
    absl::Status churned;
    const mysql::ConnectParams params = harness::ConnectParamsFor(*instance_);
    std::thread churn([&] {
      absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
          mysql::MysqlConnection::Connect(params);
      churned = c.status();
      while (churned.ok() && !stop) {
        churned =
            (*c)->Execute(absl::StrCat("CREATE TABLE ", t, "scratch (a INT)"))
                .status();
        if (churned.ok()) {
          ++ddls;
          churned =
              (*c)->Execute(absl::StrCat("DROP TABLE ", t, "scratch")).status();
        }
        if (churned.ok()) ++ddls;
      }
    });
    WorkflowOptions saved = options_;
    options_.copy_batch_rows = 100;
    options_.copy_batch_max_rows = 100;
    Engine engine(options_, Clock::Real());
    options_ = saved;
    binlogdata::BinlogSource source = Source("dst", "select * from src");
    source.set_on_ddl(on_ddl);
    ::testing::internal::CaptureStderr();
    absl::Status copied = engine.Open();
    int64_t id = 0;
    if (copied.ok()) {
      absl::StatusOr<int64_t> created =
          engine.Create(absl::StrCat("wf", db), source, db, 0);
      copied = created.status();
      if (created.ok()) {
        id = *created;
        copied = WaitCopied(engine, id, absl::Seconds(60));
      }
    }
    const int during = ddls.load();
    stop = true;
    churn.join();
    const std::string log = ::testing::internal::GetCapturedStderr();
    ASSERT_OK(churned);
    ASSERT_OK(copied) << log;
    EXPECT_GE(during, 10);  // all along the copy's 30 chunks
    EXPECT_THAT(log, HasSubstr(", 0 chunks rolled back for a DDL")) << log;
    ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
    ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, t + "src", "a, b"));
    ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, t + "dst", "a, b"));
    EXPECT_EQ(got, want);
    ASSERT_OK(engine.Stop(id, "done in a test"));
  }
}

// A workflow stopped in the middle of its copy and started again says
// Copying until the copy ends: whoever waits for the copy's end (an index
// build, a cut-over) must not take the restart for it.
TEST_F(VReplicationTest, RestartedMidCopyStaysCopying) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d5r"));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d5r.src ", kTable)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d5r.dst ", kTable)));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d5r.src (id, name, val) SELECT seq, CONCAT('n', seq), seq "
      "FROM d5r.seq_1_to_3000"));
  std::atomic<int> chunks{3};
  std::unique_ptr<Engine> engine;
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       StopMidCopy(&engine, "wf5r", "d5r", &chunks));
  ASSERT_OK_AND_ASSIGN(WorkflowRow stopped, engine->Read(id));
  ASSERT_LT(stopped.rows_copied, 3000);
  ASSERT_OK(engine->Start(id));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine->Read(id));
  EXPECT_EQ(row.state, kStateCopying);
  chunks = 1 << 30;
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want,
                       Checksum(*conn_, "d5r.src", "id, name, val"));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       Checksum(*conn_, "d5r.dst", "id, name, val"));
  EXPECT_EQ(got, want);
}

// A BIT key: the copy resumes after its last key, and changes during the
// copy apply to the rows at or below it, compared as numbers (the key
// literal was X'..', a string, before).
TEST_F(VReplicationTest, ABitKeyIsCopiedAndCaughtUpInOrder) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7b"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d7b.src (id BIT(16) PRIMARY KEY, v INT NOT NULL)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d7b.dst LIKE d7b.src"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7b.src SELECT seq * 17, seq FROM d7b.seq_1_to_3000"));
  CopyWhileChangingAndCompare("d7b", "id + 0, v");
}

// A UUID key: which changes apply during the copy (the row is at or below
// the copy's last key) is decided in the UUID type's order, the order the
// copy walks, not in text order (MariaDB orders time-based UUIDs by their
// swapped segments): changes to copied rows were skipped before.
TEST_F(VReplicationTest, UuidKeysAreComparedAsUuids) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7u"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d7u.src (id UUID PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d7u.dst (id UUID PRIMARY KEY, v INT)"));
  // Version-1 UUIDs whose text order is the reverse of their order as UUIDs
  // (the first group falls as the third rises).
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7u.src SELECT CONCAT(LPAD(HEX(5000 - seq), 8, '0'), "
      "'-0000-1', LPAD(HEX(seq), 3, '0'), '-8000-000000000000'), seq FROM "
      "d7u.seq_1_to_3000"));
  CopyWhileChangingAndCompare("d7u", "id, v");
}

// A key in a character set that does not survive a trip through utf8mb4:
// cp932 0xED40 comes back as 0xFA5C (one character, two codes). With the
// chunk's last key read as utf8mb4, a chunk ending at n||0xED40 went on
// after n||0xFA5C and skipped n||0xF040 (rows lost); the key is kept as
// its bytes.
TEST_F(VReplicationTest, KeysInACharsetUtf8mb4ChangesResumeAtTheirBytes) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7j"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d7j.src (k VARCHAR(8) CHARACTER SET cp932 NOT NULL "
      "PRIMARY KEY, v INT NOT NULL)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d7j.dst LIKE d7j.src"));
  ASSERT_THAT(mysql::QueryValue(*conn_,
                                "SELECT HEX(CONVERT(CONVERT(_cp932 X'ED40' "
                                "USING utf8mb4) USING cp932))"),
              IsOkAndHolds("FA5C"));
  // n||0xED40 then n||0xF040 for each n: every 100-row chunk ends on the
  // first of a pair.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO d7j.src ", Cp932KeyRows("d7j", 3000))));
  CopyWhileChangingAndCompare("d7j", "HEX(k), v");
}

// A lastpk saved before character keys were kept as bytes (read through
// utf8mb4, no charset in its field) is still read as utf8mb4: the copy
// resumes right after it.
TEST_F(VReplicationTest, ALastPkSavedAsUtf8mb4IsResumedFrom) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7l"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d7l.src (k VARCHAR(8) CHARACTER SET cp932 NOT NULL "
      "PRIMARY KEY, v INT NOT NULL)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d7l.dst LIKE d7l.src"));
  // '0000'||0x8140, then n||0x8140, n||0x8141 (in utf8mb4 E38080, E38081):
  // chunks of 100 end on 0x8140; read as cp932, E38080 is past n||0x8141.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7l.src SELECT CONCAT(CONVERT(LPAD(seq DIV 2, 4, '0') "
      "USING cp932), CAST(IF(seq % 2 AND seq > 1, X'8141', X'8140') AS CHAR "
      "CHARACTER SET cp932)), seq FROM d7l.seq_1_to_3000"));
  std::atomic<int> chunks{3};
  std::unique_ptr<Engine> engine;
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       StopMidCopy(&engine, "wf7l", "d7l", &chunks));
  const std::string where =
      absl::StrCat(" FROM _vt.copy_state WHERE vrepl_id = ", id);
  ASSERT_THAT(mysql::QueryValue(*conn_, "SELECT lastpk" + where),
              IsOkAndHolds(HasSubstr("charset: 63")));
  // As an earlier daemon saved it: the last copied key in utf8mb4.
  ASSERT_OK_AND_ASSIGN(
      std::string last,
      mysql::QueryValue(*conn_,
                        "SELECT CONVERT(MAX(k) USING utf8mb4) FROM d7l.dst"));
  ASSERT_THAT(mysql::QueryValue(*conn_, "SELECT HEX(MAX(k)) FROM d7l.dst"),
              IsOkAndHolds(EndsWith("8140")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.copy_state SET lastpk = ",
                   mysql::QuoteString(absl::StrCat(
                       R"(fields { name: "k" } rows { lengths: )", last.size(),
                       R"( values: ")", absl::CEscape(last), R"(" })")),
                   " WHERE vrepl_id = ", id)));
  ASSERT_OK(engine->Start(id));
  chunks = 1 << 30;
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ExpectSameRows(*conn_, "d7l.src", "d7l.dst", "HEX(k), v");
}

// A lastpk saved while the copy went by another key (here: its field
// names another column) is refused with a clear error, not taken as a
// position in this key.
TEST_F(VReplicationTest, ALastPkOfAnotherKeyIsRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7m"));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d7m.src ", kTable)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d7m.dst ", kTable)));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7m.src (id, name, val) SELECT seq, CONCAT('n', seq), seq "
      "FROM d7m.seq_1_to_3000"));
  std::atomic<int> chunks{3};
  std::unique_ptr<Engine> engine;
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       StopMidCopy(&engine, "wf7m", "d7m", &chunks));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.copy_state SET lastpk = REPLACE(lastpk, 'name: \"id\"', "
      "'name: \"val\"') WHERE vrepl_id = ",
      id)));
  ASSERT_THAT(mysql::QueryValue(
                  *conn_, absl::StrCat("SELECT lastpk FROM _vt.copy_state "
                                       "WHERE vrepl_id = ",
                                       id)),
              IsOkAndHolds(HasSubstr("val")));
  chunks = 1 << 30;
  ASSERT_OK(engine->Start(id));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(*engine, id));
  EXPECT_THAT(row.message, HasSubstr("stopped after key (val) but now goes by "
                                     "(id): it cannot resume"));
}

// A copy stopped part-way whose key column then sorts otherwise (its
// collation changed while the workflow was stopped) is refused: rows
// sorting below where it stopped in the new order were never copied. A
// key widened from INT to BIGINT keeps its order and resumes.
TEST_F(VReplicationTest, ALastPkOfAKeyNowOrderedOtherwiseIsRefused) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7q"));
  const std::string table =
      "(k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci "
      "PRIMARY KEY, v INT)";
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d7q.src ", table)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d7q.dst ", table)));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7q.src SELECT IF(seq % 2, CONCAT('a', seq), CONCAT('B', "
      "seq)), seq FROM d7q.seq_1_to_3000"));
  std::atomic<int> chunks{3};
  std::unique_ptr<Engine> engine;
  ASSERT_OK_AND_ASSIGN(int64_t id,
                       StopMidCopy(&engine, "wf7q", "d7q", &chunks));
  ASSERT_OK(conn_->Execute(
      "ALTER TABLE d7q.src MODIFY k VARCHAR(20) CHARACTER SET utf8mb4 "
      "COLLATE utf8mb4_bin"));
  chunks = 1 << 30;
  ASSERT_OK(engine->Start(id));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, WaitFailed(*engine, id));
  EXPECT_THAT(row.message,
              AllOf(HasSubstr("stopped after key column k ordered as "
                              "collation utf8mb4_general_ci, now collation "
                              "utf8mb4_bin"),
                    HasSubstr("copy the table again")));

  ASSERT_OK(conn_->Execute("CREATE DATABASE d7r"));
  ASSERT_OK(conn_->Execute("CREATE TABLE d7r.src (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d7r.dst (id BIGINT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7r.src SELECT seq, seq FROM d7r.seq_1_to_3000"));
  chunks = 3;
  ASSERT_OK_AND_ASSIGN(id, StopMidCopy(&engine, "wf7r", "d7r", &chunks));
  ASSERT_OK(conn_->Execute("ALTER TABLE d7r.src MODIFY id BIGINT"));
  chunks = 1 << 30;
  ASSERT_OK(engine->Start(id));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ExpectSameRows(*conn_, "d7r.src", "d7r.dst", "id, v");
}

// The stream looks up which columns are UUIDs on a session of its own,
// idle for long stretches: lost (wait_timeout, a KILL), it is reconnected.
// A failed lookup used to mean "no UUID columns", decoding UUID values as
// raw bytes, so that changes to those rows matched nothing.
TEST_F(VReplicationTest, UuidColumnsAfterTheSchemaSessionIsLost) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7k"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d7k.src (id UUID PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d7k.dst (id UUID PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7k.src SELECT CONCAT(LPAD(HEX(seq), 8, '0'), "
      "'-0000-1000-8000-000000000000'), seq FROM d7k.seq_1_to_200"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf7k", Source("dst", "select * from src"), "d7k", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK(conn_->Execute("UPDATE d7k.src SET v = v + 1 WHERE v < 10"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  // The stream's schema session is killed: the workflow opens it just
  // before the binlog dump (after its own session, which stays).
  ASSERT_OK_AND_ASSIGN(
      std::string schema_session,
      mysql::QueryValue(
          *conn_,
          "SELECT MAX(ID) FROM information_schema.PROCESSLIST WHERE COMMAND "
          "= 'Sleep' AND ID <> CONNECTION_ID() AND ID < (SELECT MAX(ID) FROM "
          "information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump')"));
  ASSERT_OK(conn_->Execute(absl::StrCat("KILL ", schema_session)));
  // A DDL makes the stream look the table up again.
  ASSERT_OK(conn_->Execute("CREATE TABLE d7k.other (a INT)"));
  ASSERT_OK(conn_->Execute("UPDATE d7k.src SET v = v + 1000"));
  ASSERT_OK(conn_->Execute("DELETE FROM d7k.src WHERE v % 7 = 0"));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d7k.src", "id, v"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d7k.dst", "id, v"));
  EXPECT_EQ(got, want);
}

// A restarted workflow's plan is built from the table as it is now; rows
// logged before its columns were reordered are refused by name (the
// binlog carries the names), where by position two INT columns' values
// silently changed places.
TEST_F(VReplicationTest, RowsLoggedBeforeAReorderAreRefusedByName) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7o"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d7o.src (id INT PRIMARY KEY, a INT, b INT)"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE d7o.dst (id INT PRIMARY KEY, a INT, b INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7o.src SELECT seq, seq, -seq FROM d7o.seq_1_to_100"));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf7o", Source("dst", "select * from src"), "d7o", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK(engine.Stop(id));
  ASSERT_OK(conn_->Execute("UPDATE d7o.src SET a = 1000 WHERE id = 1"));
  ASSERT_OK(conn_->Execute("ALTER TABLE d7o.src MODIFY a INT AFTER b"));
  ASSERT_OK(engine.Start(id));
  ASSERT_OK(WaitFor(Clock::Real(), "the workflow to refuse the row",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
                      return row.state == kStateError;
                    }));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
  EXPECT_THAT(row.message, HasSubstr("schema changed under the stream"));
  EXPECT_EQ(mysql::QueryValue(*conn_, "SELECT b FROM d7o.dst WHERE id = 1")
                .value_or(""),
            "-1");
  // Stopping a workflow that ended on its own records it stopped: a later
  // Open does not start it again. Its error stays the reason (not the
  // stop's: a parked stream may be restarted, a failed one not).
  ASSERT_OK(engine.Stop(id, "parked by a test"));
  ASSERT_OK_AND_ASSIGN(row, engine.Read(id));
  EXPECT_EQ(row.state, kStateStopped);
  EXPECT_THAT(row.message, HasSubstr("schema changed under the stream"));
  // A stopped workflow keeps why it stopped (the executor reads a stream's
  // "Stopped at DDL ..." to tell its own cut-over from others').
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.vreplication SET message = 'Stopped at DDL x' WHERE id = ",
      id)));
  ASSERT_OK(engine.Stop(id));
  ASSERT_OK_AND_ASSIGN(row, engine.Read(id));
  EXPECT_EQ(row.message, "Stopped at DDL x");
}

// The copy's last key is saved as escaped text: a key of 200 CJK
// characters takes 2400 bytes, past the 2000 of Vitess's
// copy_state.lastpk, which a daemon of an earlier version created (and
// which is widened when the schema is ensured).
TEST_F(VReplicationTest, LongNonAsciiKeysSaveTheirCopyPosition) {
  ASSERT_OK(EnsureSidecarSchema(*conn_));
  ASSERT_OK(conn_->Execute(
      "ALTER TABLE _vt.copy_state MODIFY lastpk VARBINARY(2000) DEFAULT NULL"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7w"));
  for (const char* t : {"src", "dst"}) {
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE d7w.", t,
                     " (k VARCHAR(255) CHARACTER SET utf8mb4 PRIMARY KEY, v "
                     "INT)")));
  }
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7w.src SELECT CONCAT(REPEAT(_utf8mb4 0xE6BCA2, 200), "
      "LPAD(seq, 5, '0')), seq FROM d7w.seq_1_to_300"));
  options_.copy_batch_rows = 50;
  options_.copy_batch_max_rows = 50;
  options_.copy_phase_duration = absl::Milliseconds(1);
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf7w", Source("dst", "select * from src"), "d7w", 0));
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d7w.src", "k, v"));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d7w.dst", "k, v"));
  EXPECT_EQ(got, want);
  ASSERT_OK(engine.Stop(id));
}

TEST_F(VReplicationTest, ThrottledCopyPausesAndRecordsReason) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d5"));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d5.src ", kTable)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d5.dst ", kTable)));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d5.src (id, name, val) SELECT seq, CONCAT('n', seq), seq "
      "FROM d5.seq_1_to_5000"));
  std::atomic<bool> throttled{true};
  options_.throttle = [&](mysql::Connection&) -> absl::StatusOr<std::string> {
    return throttled ? std::string("test: replica lag too high")
                     : std::string();
  };
  options_.throttle_recheck = absl::Milliseconds(50);
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK_AND_ASSIGN(
      int64_t id,
      engine.Create("wf5", Source("dst", "select * from src"), "d5", 0));
  ASSERT_OK(WaitFor(Clock::Real(), "the throttle to be recorded",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
                      return row.time_throttled > 0;
                    }));
  ASSERT_OK_AND_ASSIGN(WorkflowRow row, engine.Read(id));
  EXPECT_EQ(row.rows_copied, 0);
  EXPECT_EQ(row.reason_throttled, "test: replica lag too high");
  EXPECT_EQ(row.state, kStateCopying);
  throttled = false;
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  ASSERT_OK_AND_ASSIGN(std::string want,
                       Checksum(*conn_, "d5.src", "id, name, val"));
  ASSERT_OK_AND_ASSIGN(std::string got,
                       Checksum(*conn_, "d5.dst", "id, name, val"));
  EXPECT_EQ(got, want);
}

TEST_F(VReplicationTest, MaxTpsPacesAppliedTransactions) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d6"));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d6.src ", kTable)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d6.dst ", kTable)));
  ASSERT_OK(EnsureSidecarSchema(*conn_));
  ASSERT_OK_AND_ASSIGN(
      int64_t id, CreateWorkflow(*conn_, "wf6",
                                 Source("dst", "select * from src"), "d6", 0));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.vreplication SET max_tps = 20 WHERE id = ", id)));
  Engine engine(options_, Clock::Real());
  ASSERT_OK(engine.Open());
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  absl::Time t0 = absl::Now();
  for (int i = 1; i <= 40; ++i) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "INSERT INTO d6.src (id, name, val) VALUES (", i, ", 'x', 1)")));
  }
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(30)));
  // 40 transactions at 20/s cannot take less than ~2 s (39 intervals).
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(1900));
  ASSERT_OK_AND_ASSIGN(mysql::Result r,
                       conn_->Execute("SELECT COUNT(*) FROM d6.dst"));
  EXPECT_EQ(r.rows[0].Get(0), "40");
}

// The real clock, except that each sleep first looks for a transaction
// holding many row locks (a locked copy chunk: the test's writer locks at
// most a few rows) and counts the sleeps taken while one does. Sleeps last
// 110 ms longer.
class LockWatchingClock : public Clock {
 public:
  explicit LockWatchingClock(std::unique_ptr<mysql::MysqlConnection> conn)
      : conn_(std::move(conn)) {}
  absl::Time Now() override { return Clock::Real()->Now(); }
  void SleepUntil(absl::Time wake_time) override {
    if (wake_time > Now()) {
      absl::MutexLock lock(&mu_);
      // INNODB_TRX is a cache that a read refreshes only 100 ms after the
      // last: wait that long (the sleeper's state cannot change meanwhile).
      Clock::Real()->SleepFor(absl::Milliseconds(110));
      absl::StatusOr<std::string> holders = mysql::QueryValue(
          *conn_,
          "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE "
          "trx_rows_locked >= 100");
      if (holders.ok() && *holders != "0") ++sleeps_under_locks_;
    }
    Clock::Real()->SleepUntil(wake_time);
  }
  int sleeps_under_locks() {
    absl::MutexLock lock(&mu_);
    return sleeps_under_locks_;
  }

 private:
  absl::Mutex mu_;
  std::unique_ptr<mysql::MysqlConnection> conn_ ABSL_GUARDED_BY(mu_);
  int sleeps_under_locks_ ABSL_GUARDED_BY(mu_) = 0;
};

// max_tps paces the replay, but never while a locked chunk's catch-up runs:
// the chunk's rows stay locked, and the foreground's writes to them wait,
// for as long as it sleeps.
TEST_F(VReplicationTest, MaxTpsNeverSleepsWhileAChunkHoldsItsLocks) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE d7"));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d7.src ", kTable)));
  ASSERT_OK(conn_->Execute(absl::StrCat("CREATE TABLE d7.dst ", kTable)));
  // A second unique key: replay cannot be idempotent, chunks lock.
  ASSERT_OK(conn_->Execute("ALTER TABLE d7.dst ADD UNIQUE KEY (name, id)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO d7.src (id, name, val) SELECT seq, CONCAT('n', seq), seq "
      "FROM d7.seq_1_to_6000"));
  ASSERT_OK(EnsureSidecarSchema(*conn_));
  ASSERT_OK_AND_ASSIGN(
      int64_t id, CreateWorkflow(*conn_, "wf7",
                                 Source("dst", "select * from src"), "d7", 0));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.vreplication SET max_tps = 50 WHERE id = ", id)));
  options_.copy_batch_rows = 500;
  options_.copy_batch_min_rows = 500;
  options_.copy_batch_max_rows = 500;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<mysql::MysqlConnection> watcher,
      mysql::MysqlConnection::Connect(harness::ConnectParamsFor(*instance_)));
  LockWatchingClock clock(std::move(watcher));
  Writer writer(options_.connect, "d7.src", 6000, 200);
  writer.Start();
  Engine engine(options_, &clock);
  ASSERT_OK(engine.Open());
  ASSERT_OK(WaitCopied(engine, id, absl::Seconds(120)));
  ASSERT_OK(writer.Stop());
  ASSERT_OK(WaitCaughtUp(*conn_, id, absl::Seconds(60)));
  EXPECT_EQ(clock.sleeps_under_locks(), 0);
  const std::string cols = "id, name, IFNULL(val, 'N'), ts, IFNULL(note, 'N')";
  ASSERT_OK_AND_ASSIGN(std::string want, Checksum(*conn_, "d7.src", cols));
  ASSERT_OK_AND_ASSIGN(std::string got, Checksum(*conn_, "d7.dst", cols));
  EXPECT_EQ(got, want);
  ASSERT_OK(engine.Stop(id));
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
