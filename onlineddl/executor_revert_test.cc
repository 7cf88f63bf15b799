// Instant revert on a real MariaDB (issue 6): an ALTER's old table stays in
// sync through a reverse stream, so REVERT keeps every row written since the
// cut-over; reverts of CREATE, DROP and views; refused reverts.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/cut_over.h"
#include "onlineddl/executor.h"
#include "onlineddl/migration_uuid.h"
#include "onlineddl/schema_migrations.h"
#include "onlineddl/swap_check.h"
#include "onlineddl/testing/executor_fixture.h"
#include "onlineddl/testing/rename_killer.h"
#include "tests/harness/instance_connection.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/testing/vr_test_util.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using vreplication::testing::Checksum;
using vreplication::testing::Writer;

// SIDECUT_SCALE=full reverts a 1M-row table (measured; CI uses 10k).
int TableRows() {
  const char* scale = std::getenv("SIDECUT_SCALE");
  return scale != nullptr && std::string(scale) == "full" ? 1000000 : 10000;
}

class RevertTest : public testing::ExecutorFixture {
 protected:
  void SetUp() override {
    testing::ExecutorFixture::SetUp();
    if (HasFatalFailure()) return;
    ExecutorOptions o = Options();
    o.workflow.copy_batch_rows = 1000;
    o.workflow.copy_phase_duration = absl::Hours(1);
    StartExecutor(o);
  }
  // Restarts the executor keeping at most `live` reverse streams running.
  void RestartWithLiveReverseStreams(int live) {
    executor_.reset();
    ExecutorOptions o = Options();
    o.live_reverse_streams = live;
    StartExecutor(o);
  }
  // Restarts the executor checking old tables ahead of reverts or not.
  void RestartVerifyingAhead(bool ahead) {
    executor_.reset();
    ExecutorOptions o = Options();
    o.verify_old_tables_ahead = ahead;
    StartExecutor(o);
  }
  // Tables a and b (500 rows each) and a completed ALTER of each, a's
  // first; with one live reverse stream, waits for a's to be parked.
  void AlterAThenBParkingA(std::string* first, std::string* second) {
    for (const char* t : {"a", "b"}) {
      ASSERT_OK(conn_->Execute(
          absl::StrCat("CREATE TABLE ", t,
                       " (id INT PRIMARY KEY AUTO_INCREMENT, val INT)")));
      ASSERT_OK(conn_->Execute(absl::StrCat(
          "INSERT INTO ", t, " (val) SELECT seq FROM seq_1_to_500")));
    }
    *first = Run("ALTER TABLE a ADD COLUMN c INT");
    WaitStatus(*first, kStatusComplete);
    *second = Run("ALTER TABLE b ADD COLUMN c INT");
    WaitStatus(*second, kStatusComplete);
    ASSERT_OK(WaitStream(*first, "Stopped: parked"));
  }
  // Table t (100 rows), a completed ALTER adding c to it (`first`) and a
  // gated revert of that (`revert`), throttled.
  void ThrottledRevertOfT(std::string* first, std::string* revert) {
    ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
    ASSERT_OK(
        conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_100"));
    *first = Run("ALTER TABLE t ADD COLUMN c INT");
    WaitStatus(*first, kStatusComplete);
    ASSERT_OK_AND_ASSIGN(*revert,
                         executor_->Revert(*first, "", "", /*gated=*/true));
    ASSERT_OK(executor_->Throttle(*revert, 1.0).status());
  }
  // Migration `uuid`'s stream: "state: message".
  std::string StreamState(const std::string& uuid) {
    return Value(absl::StrCat(
        "SELECT CONCAT(state, ': ', message) FROM _vt.vreplication WHERE "
        "workflow = ",
        mysql::QuoteString(uuid)));
  }
  // Waits until StreamState(uuid) starts with `prefix`.
  absl::Status WaitStream(const std::string& uuid, const std::string& prefix) {
    return WaitFor(Clock::Real(), prefix, [&]() -> absl::StatusOr<bool> {
      return absl::StartsWith(StreamState(uuid), prefix);
    });
  }
  // Submits `sql` as a vitess migration; returns its UUID.
  std::string Run(const std::string& sql) {
    absl::StatusOr<std::vector<std::string>> u =
        executor_->Submit(sql, "vitess", "");
    EXPECT_OK(u.status());
    return u.ok() ? (*u)[0] : "";
  }
  // `users` (500 rows) and a postponed ALTER adding c3 to it, ready to
  // complete; its UUID.
  // The query counting the writes by others to migration `uuid`'s old
  // table that its reverse stream has recorded (0 or 1).
  static std::string TargetWritesRecorded(const std::string& uuid) {
    return absl::StrCat(
        "SELECT COUNT(*) FROM _vt.sidecut_target_writes WHERE vrepl_id = "
        "(SELECT id FROM _vt.vreplication WHERE workflow = ",
        mysql::QuoteString(uuid), ")");
  }

  std::string ReadyAlterOfUsers() {
    EXPECT_OK(conn_->Execute(
        "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, val INT)"));
    EXPECT_OK(
        conn_->Execute("INSERT INTO users (val) SELECT seq FROM seq_1_to_500"));
    absl::StatusOr<std::vector<std::string>> u = executor_->Submit(
        "ALTER TABLE users ADD COLUMN c3 INT NOT NULL "
        "DEFAULT 3",
        "vitess --postpone-completion", "");
    EXPECT_OK(u.status());
    if (!u.ok()) return "";
    EXPECT_OK(WaitReadyToComplete((*u)[0]));
    return (*u)[0];
  }
  // Rotates the binlog and purges every older file: a stream restarted
  // from before this point fails.
  void PurgeAllButTheNewestBinlog() {
    ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
    ASSERT_OK_AND_ASSIGN(mysql::Result status,
                         conn_->Execute("SHOW MASTER STATUS"));
    ASSERT_FALSE(status.rows.empty());
    // A file an earlier test's stream still reads is not purged (a
    // warning): again until only the newest is left.
    ASSERT_OK(WaitFor(Clock::Real(), "the older binlogs to be purged",
                      [&]() -> absl::StatusOr<bool> {
                        SC_RETURN_IF_ERROR(
                            conn_
                                ->Execute(absl::StrCat(
                                    "PURGE BINARY LOGS TO ",
                                    mysql::QuoteString(status.rows[0].Get(0))))
                                .status());
                        SC_ASSIGN_OR_RETURN(mysql::Result logs,
                                            conn_->Execute("SHOW BINARY LOGS"));
                        return logs.rows.size() == 1;
                      }));
  }
  // A cut-over the executor prepared (schemas recorded, stream stopped,
  // table locked), then the daemon died: the stage says "cut-over
  // prepared", the lock went with the session. With `swapped`, the RENAME
  // had run before it died. Then the binlog the restarted stream needs is
  // purged, so only the schemas can tell.
  void StageInterruptedCutOverWithoutBinlog(const Migration& m, bool swapped) {
    ASSERT_OK(executor_->PrepareCutOver(m.uuid, absl::Seconds(30)));
    executor_.reset();  // as a crash: nothing recorded after the prepare
    ASSERT_EQ(Value(absl::StrCat("SELECT stage FROM _vt.schema_migrations "
                                 "WHERE migration_uuid = ",
                                 mysql::QuoteString(m.uuid))),
              "cut-over prepared");
    if (swapped) {
      const std::string shadow = FirstArtifact(m);
      const std::string sentry = SentryName(m.table, m.uuid);
      ASSERT_OK(conn_->Execute(absl::StrCat(
          "RENAME TABLE ", Qualified(m.table), " TO ", Qualified(sentry), ", ",
          Qualified(shadow), " TO ", Qualified(m.table), ", ",
          Qualified(sentry), " TO ", Qualified(shadow))));
    }
    // Writes after it: counters move, schemas do not.
    ASSERT_OK(conn_->Execute("INSERT INTO users (val) VALUES (501)"));
    PurgeAllButTheNewestBinlog();
  }
  // Stages a cut-over that swapped `m`'s tables and died before recording
  // it (what cut_over.cc does with the table locked, then the crash): the
  // stream applied everything and was stopped, the stage says so, and the
  // RENAME ran. The executor must be stopped.
  // users: 2000 rows (id, name, val).
  void CreateNamedUsers() {
    ASSERT_OK(
        conn_->Execute("CREATE TABLE users (id INT PRIMARY KEY "
                       "AUTO_INCREMENT, name VARCHAR(64) NOT NULL, val "
                       "INT)"));
    ASSERT_OK(
        conn_->Execute("INSERT INTO users (name, val) SELECT "
                       "CONCAT('user', seq), seq FROM seq_1_to_2000"));
  }
  // Once the old table `shadow` holds what users does (two rows inserted
  // and row 7's val set to 0 since the swap), `uuid` is reverted, keeping
  // them.
  void ExpectRevertKeepsWritesAfterTheSwap(const std::string& uuid,
                                           const std::string& shadow) {
    ASSERT_OK(WaitFor(
        Clock::Real(), "the old table catches up",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(std::string a,
                              Checksum(*conn_, "users", "id, name, val"));
          SC_ASSIGN_OR_RETURN(std::string b,
                              Checksum(*conn_, mysql::QuoteIdentifier(shadow),
                                       "id, name, val"));
          return a == b;
        }));
    ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(uuid, ""));
    WaitStatus(revert, kStatusComplete);
    EXPECT_FALSE(HasColumn("users", "c3"));
    EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "2002");
    EXPECT_EQ(Value("SELECT val FROM users WHERE id = 7"), "0");
  }
  void StageUnrecordedSwap(const Migration& m) {
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "UPDATE _vt.vreplication SET state = 'Stopped', message = ",
        mysql::QuoteString(vreplication::kStoppedByRequest),
        " WHERE workflow = ", mysql::QuoteString(m.uuid))));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "UPDATE _vt.schema_migrations SET stage = 'cutting over' WHERE "
        "migration_uuid = ",
        mysql::QuoteString(m.uuid))));
    const std::string shadow = FirstArtifact(m);
    const std::string sentry = SentryName(m.table, m.uuid);
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "RENAME TABLE ", Qualified(m.table), " TO ", Qualified(sentry), ", ",
        Qualified(shadow), " TO ", Qualified(m.table), ", ", Qualified(sentry),
        " TO ", Qualified(shadow))));
  }
};

TEST_F(RevertTest, RevertOfDropColumnKeepsEveryRowWrittenSince) {
  const int rows = TableRows();
  ASSERT_OK(conn_
                ->Execute("CREATE TABLE users (id INT PRIMARY KEY "
                          "AUTO_INCREMENT, name VARCHAR(64) NOT NULL, val "
                          "INT, title VARCHAR(32) NULL)")
                .status());
  ASSERT_OK(
      conn_
          ->Execute(absl::StrCat("INSERT INTO users (name, val, title) SELECT "
                                 "CONCAT('user', seq), seq % 1000, ELT(1 + seq "
                                 "% 3, 'mr', 'ms', 'dr') FROM seq_1_to_",
                                 rows))
          .status());
  ASSERT_OK(conn_
                ->Execute("CREATE TABLE orig (PRIMARY KEY (id)) AS SELECT id, "
                          "title FROM users")
                .status());
  const std::string alter = Run("ALTER TABLE users DROP COLUMN title");
  Migration done = WaitStatus(alter, kStatusComplete);
  EXPECT_THAT(done.revertible_notes, HasSubstr("title dropped"));
  // Writes after the cut-over: a new user among random changes.
  ASSERT_OK(conn_
                ->Execute("INSERT INTO users (name, val) VALUES "
                          "('Savannah', 1)")
                .status());
  ASSERT_OK(
      conn_->Execute("UPDATE users SET val = -1 WHERE id % 97 = 0").status());
  ASSERT_OK(conn_->Execute("DELETE FROM users WHERE id % 89 = 0").status());
  Writer writer(harness::ConnectParamsFor(*instance_),
                mysql::QuoteQualified(db_, "users"), rows + 1000, 300);
  writer.Start();
  WaitFor(Clock::Real(), "some writes", [&]() -> absl::StatusOr<bool> {
    return writer.statements() > 200;
  }).IgnoreError();
  // A revert comes some time after the cut-over, with the reverse stream
  // caught up (the changes above are 2% of the table): the time measured is
  // the revert's own, not the backlog's.
  ASSERT_OK_AND_ASSIGN(
      std::string reverse_id,
      mysql::QueryValue(*conn_, absl::StrCat("SELECT id FROM _vt.vreplication "
                                             "WHERE workflow = ",
                                             mysql::QuoteString(alter))));
  ASSERT_OK(vreplication::testing::WaitCaughtUp(*conn_, std::stoll(reverse_id),
                                                absl::Seconds(120)));
  // ...and keeping up with the live writes (a round to the current position
  // takes under 50 ms; right after the backlog above it took up to 0.6 s),
  // so that what is timed is the revert's own work.
  for (int k = 0; k < 200; ++k) {
    const absl::Time round = absl::Now();
    ASSERT_OK(vreplication::testing::WaitCaughtUp(
        *conn_, std::stoll(reverse_id), absl::Seconds(120)));
    if (absl::Now() - round < absl::Milliseconds(50)) break;
  }
  const absl::Time start = absl::Now();
  ASSERT_OK_AND_ASSIGN(mysql::Result rr, executor_->ExecuteCommand(absl::StrCat(
                                             "REVERT VITESS_MIGRATION ",
                                             mysql::QuoteString(alter))));
  ASSERT_EQ(rr.rows.size(), 1u);
  const std::string revert(rr.rows[0].Get(0));
  // Every distinct stage and message the revert goes through (a failed
  // cut-over attempt's reason is overwritten once it completes).
  std::vector<std::string> seen;
  std::atomic<bool> watching{true};
  std::thread watcher([&] {
    while (watching) {
      absl::StatusOr<Migration> m = executor_->Get(revert);
      if (m.ok()) {
        std::string line = absl::StrCat(m->stage, " | ", m->message);
        if (seen.empty() || seen.back() != line) seen.push_back(line);
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  Migration reverted = WaitStatus(revert, kStatusComplete);
  watching = false;
  watcher.join();
  for (const std::string& l : seen) std::cerr << "revert: " << l << "\n";
  const absl::Duration took = absl::Now() - start;
  ASSERT_OK(writer.Stop());  // no write failed during the revert
  std::cerr << "revert of a " << rows << "-row table took "
            << absl::FormatDuration(took) << "; " << reverted.stage
            << "; requested " << reverted.requested_timestamp << ", started "
            << reverted.started_timestamp << ", ready "
            << reverted.ready_to_complete_timestamp << ", cut over "
            << reverted.last_cutover_attempt_timestamp << " ("
            << reverted.cutover_attempts << " attempts), completed "
            << reverted.completed_timestamp << "\n";
  EXPECT_EQ(reverted.reverted_uuid, alter);
  // title is back, with the old values for old rows (a row the writer
  // deleted and inserted again meanwhile is a new row: NULL title)...
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users u JOIN orig o USING (id) WHERE "
                  "NOT (u.title <=> o.title) AND u.title IS NOT NULL"),
            "0");
  const int renewed = std::stoi(
      Value("SELECT COUNT(*) FROM users u JOIN orig o USING (id) WHERE "
            "u.title IS NULL AND o.title IS NOT NULL"));
  EXPECT_LE(renewed, static_cast<int>(writer.statements() / 10) + 1);
  EXPECT_LT(renewed, rows / 100);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users u JOIN orig o USING (id)"),
            Value("SELECT COUNT(*) FROM users WHERE id <= (SELECT MAX(id) "
                  "FROM orig)"));
  // ...Savannah is there with a NULL title, and the changes made meanwhile
  // are all reflected: the reverted table equals the post-ALTER table (kept
  // in sync by the revert's own reverse stream) on the shared columns.
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users WHERE name = 'Savannah' AND "
                  "title IS NULL"),
            "1");
  const std::string artifact = reverted.artifacts;
  ASSERT_FALSE(artifact.empty());
  ASSERT_OK(WaitFor(
      Clock::Real(), "the artifact catches up", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::string a,
                            Checksum(*conn_, "users", "id, name, val"));
        SC_ASSIGN_OR_RETURN(std::string b,
                            Checksum(*conn_, mysql::QuoteIdentifier(artifact),
                                     "id, name, val"));
        return a == b;
      }));
  // A revert is itself revertible: title goes away again.
  ASSERT_OK_AND_ASSIGN(std::string again, executor_->Revert(revert, ""));
  WaitStatus(again, kStatusComplete);
  EXPECT_FALSE(HasColumn("users", "title"));
}

// The process died right after its cut-over's RENAME (or an error followed
// it), before recording anything: the stream was stopped by the cut-over
// and the stage says "cutting over". The restarted executor must find that
// the tables were swapped, complete the migration and keep the old table in
// sync, not restart the stream into the old table or swap back.
// Recording a swapped migration complete and starting its reverse stream
// is one transaction: one that does not commit (a crash, an error) leaves
// the migration cutting over, and its stream, restarted, finds the RENAME:
// it then completes, still revertible, keeping every row written since.
// A dropped NOT NULL column without a default (Vitess's
// dropped_no_default_column_names): said before the cut-over; a row
// inserted after it cannot go to the old table, and the revert is then
// refused saying why (the reverse stream failed, not stopped).
TEST_F(RevertTest, ADroppedColumnWithoutDefaultIsNamedAndItsRevertRefused) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE nd (id INT PRIMARY KEY, must INT NOT NULL, opt INT NOT "
      "NULL DEFAULT 1, free INT, narrowed BIGINT, widened SMALLINT, moved "
      "INT NOT NULL, again INT NOT NULL)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO nd SELECT seq, seq, seq, seq, seq, "
                     "seq, seq, seq FROM seq_1_to_100"));
  // A renamed column is mapped back by the reverse stream (not dropped);
  // one dropped and added again under its name gets nothing from it.
  const std::string alter =
      Run("ALTER TABLE nd DROP COLUMN must, DROP COLUMN opt, DROP COLUMN "
          "free, MODIFY narrowed INT, CHANGE widened wider INT, CHANGE moved "
          "shifted INT NOT NULL, DROP COLUMN again, ADD COLUMN again INT NOT "
          "NULL DEFAULT 0");
  Migration done = WaitStatus(alter, kStatusComplete);
  EXPECT_EQ(done.dropped_no_default_column_names, "must,again");
  // Only a column whose range grew may hold values the old one cannot
  // (named as in the old table).
  EXPECT_EQ(done.expanded_column_names, "widened");
  EXPECT_THAT(done.revertible_notes,
              HasSubstr("`must` (NOT NULL, no default) dropped"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO nd (id, shifted, again) VALUES (101, 1, 1)"));
  ASSERT_OK(WaitFor(Clock::Real(), "the reverse stream to fail",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(
                          std::string state,
                          mysql::QueryValue(
                              *conn_, absl::StrCat("SELECT state FROM "
                                                   "_vt.vreplication WHERE "
                                                   "workflow = ",
                                                   mysql::QuoteString(alter))));
                      return state == "Error";
                    }));
  EXPECT_THAT(
      executor_->Revert(alter, "", "", false).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("reverse stream failed"), HasSubstr("must"))));
}

// The last change is the last to complete, not the last submitted: a
// view change submitted first and completed after another (postponed)
// is in the way of the other's revert, which would silently undo it.
TEST_F(RevertTest, OnlyTheLastMigrationToCompleteCanBeReverted) {
  ASSERT_OK(conn_->Execute("CREATE VIEW lv AS SELECT 1 AS a"));
  ASSERT_OK_AND_ASSIGN(auto first,
                       executor_->Submit("ALTER VIEW lv AS SELECT 2 AS a",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK_AND_ASSIGN(auto second,
                       executor_->Submit("ALTER VIEW lv AS SELECT 3 AS a",
                                         "vitess --allow-concurrent", ""));
  WaitStatus(second[0], kStatusComplete, absl::Seconds(30));
  ASSERT_OK(executor_->Complete(first[0]).status());
  WaitStatus(first[0], kStatusComplete, absl::Seconds(30));
  EXPECT_EQ(Value("SELECT a FROM lv"), "2");
  EXPECT_THAT(
      executor_->Revert(second[0], "", "", false).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(first[0])));
  EXPECT_EQ(Value("SELECT a FROM lv"), "2");
  // The last one to complete reverts.
  ASSERT_OK_AND_ASSIGN(std::string undo,
                       executor_->Revert(first[0], "", "", false));
  WaitStatus(undo, kStatusComplete, absl::Seconds(30));
  EXPECT_EQ(Value("SELECT a FROM lv"), "3");
}

TEST_F(RevertTest, ACompletionThatDoesNotCommitIsCompletedRevertibly) {
  CreateNamedUsers();
  executor_.reset();
  auto attempts = std::make_shared<std::atomic<int>>(0);
  ExecutorOptions o = Options();
  o.before_completion_commit = [attempts](const Migration&) {
    return ++*attempts == 1 ? absl::UnavailableError("test: not committed")
                            : absl::OkStatus();
  };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN c3 INT NOT NULL "
                        "DEFAULT 3",
                        "vitess", ""));
  Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(*attempts, 2);
  EXPECT_EQ(done.message, "");
  EXPECT_TRUE(HasColumn("users", "c3"));
  const std::string shadow = FirstArtifact(done);
  ASSERT_OK(conn_->Execute(
      "INSERT INTO users (name, val) VALUES ('after', -1), ('swap', -2)"));
  ASSERT_OK(conn_->Execute("UPDATE users SET val = 0 WHERE id = 7"));
  ExpectRevertKeepsWritesAfterTheSwap(u[0], shadow);
}

TEST_F(RevertTest, ASwapNotRecordedIsCompletedAfterARestart) {
  CreateNamedUsers();
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE users ADD COLUMN c3 INT NOT NULL "
                        "DEFAULT 3",
                        "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  executor_.reset();
  StageUnrecordedSwap(m);
  const std::string shadow = FirstArtifact(m);
  // Written to the new table after the swap: the old one must get them.
  ASSERT_OK(conn_->Execute(
      "INSERT INTO users (name, val) VALUES ('after', -1), ('swap', -2)"));
  ASSERT_OK(conn_->Execute("UPDATE users SET val = 0 WHERE id = 7"));
  ExecutorOptions o = Options();
  StartExecutor(o);
  Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(done.message, "");
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "2002");
  // Still revertible, keeping every row.
  ExpectRevertKeepsWritesAfterTheSwap(u[0], shadow);
}

// The same unrecorded swap, but the binlog the restarted stream needs is
// purged: whether the tables swapped cannot be told from the stream. The
// migration fails saying so, not with the stream's error alone (which read
// as if nothing had changed while the table has the new schema).
TEST_F(RevertTest, AnUnrecordedSwapWhoseStreamFailsSaysTheOutcomeIsUnknown) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(u[0].empty());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  executor_.reset();
  StageUnrecordedSwap(m);
  PurgeAllButTheNewestBinlog();
  StartExecutor(Options());
  Migration failed = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(failed.message,
              HasSubstr("whether that swapped the tables is unknown"));
  // The executor did not record the schemas (the stage was set by hand).
  EXPECT_THAT(failed.message, HasSubstr("were not recorded"));
  EXPECT_THAT(failed.message, HasSubstr("purged?"));
  EXPECT_THAT(failed.message, HasSubstr("No rows are lost"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"),
            Value(absl::StrCat("SELECT COUNT(*) FROM ",
                               mysql::QuoteIdentifier(FirstArtifact(m)))));
  // It may have swapped: a retry could apply the change twice.
  absl::StatusOr<int> retried = executor_->Retry(u[0]);
  EXPECT_THAT(retried.status().message(), HasSubstr("cannot retry"));
  EXPECT_EQ(executor_->Get(u[0])->status, kStatusFailed);
}

// An interrupted cut-over whose stream cannot tell (its binlog purged), but
// whose tables' schemas, recorded before it, can: it swapped. The
// migration is complete, and not revertible (where a reverse stream would
// start is unknown); no rows are lost.
TEST_F(RevertTest, AnInterruptedSwapIsToldFromTheSchemas) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(u[0].empty());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  StageInterruptedCutOverWithoutBinlog(m, /*swapped=*/true);
  StartExecutor(Options());
  Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_THAT(done.message, HasSubstr("not revertible"));
  EXPECT_THAT(done.message, HasSubstr("swapped the tables"));
  EXPECT_THAT(done.message, HasSubstr("purged?"));
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "501");
  EXPECT_THAT(executor_->Revert(u[0], "").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not revertible")));
}

// The tablet's own cut-over records the schemas before it swaps, as the
// prepare does: afterwards they read as swapped (the table has the
// shadow's schema: the name, the counter and non-Latin text come out
// alike).
TEST_F(RevertTest, EveryCutOverRecordsTheSchemasFirst) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, val INT "
      "COMMENT 'значение 値') DEFAULT CHARSET=utf8mb4"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO users (val) SELECT seq FROM seq_1_to_500"));
  const std::string u = Run("ALTER TABLE users ADD COLUMN c3 INT");
  WaitStatus(u, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u));
  const std::string was_table = Value(
      absl::StrCat("SELECT table_schema FROM _vt.sidecut_swap_schemas WHERE "
                   "migration_uuid = ",
                   mysql::QuoteString(u)));
  EXPECT_THAT(was_table, HasSubstr("значение 値"));
  EXPECT_THAT(was_table, Not(HasSubstr("c3")));
  EXPECT_THAT(Value(absl::StrCat("SELECT shadow_schema FROM "
                                 "_vt.sidecut_swap_schemas WHERE "
                                 "migration_uuid = ",
                                 mysql::QuoteString(u))),
              HasSubstr("`c3`"));
  ASSERT_OK(conn_->Execute("INSERT INTO users (val) VALUES (501)"));
  ASSERT_OK_AND_ASSIGN(
      SwapFromSchemas seen,
      CheckSwapFromSchemas(*conn_, u, m.schema, m.table, FirstArtifact(m)));
  EXPECT_EQ(seen.outcome, SwapFromSchemas::kSwapped) << seen.why;
}

// A reverse stream failing for now (its table's definition read while a
// trigger was being dropped) lost nothing: a revert goes ahead (it was
// refused, "reverting would lose information"); one stopped or failed for
// good did.
TEST(ReverseStreamLostTest, OnlyStoppedOrFailedForGood) {
  EXPECT_FALSE(ReverseStreamLost(
      vreplication::kStateError,
      "table `d`.`users` was being changed by another DDL statement as its "
      "definition was read: ... (will retry)"));
  EXPECT_TRUE(ReverseStreamLost(vreplication::kStateError, "binlog purged"));
  EXPECT_TRUE(ReverseStreamLost(vreplication::kStateStopped,
                                "Stopped at DDL ALTER TABLE users"));
  EXPECT_FALSE(
      ReverseStreamLost(vreplication::kStateStopped, kReverseStreamParked));
  EXPECT_FALSE(ReverseStreamLost(vreplication::kStateRunning, ""));
}

// A revert of a table given triggers since its migration is refused (the
// swap back would leave them on the table swapped out); without them it
// runs.
TEST_F(RevertTest, ARevertOfATableWithTriggersIsRefused) {
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, val INT)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO users (val) SELECT seq FROM seq_1_to_100"));
  ASSERT_OK(conn_->Execute("CREATE TABLE audit (uid INT)"));
  const std::string u = Run("ALTER TABLE users ADD COLUMN c3 INT");
  WaitStatus(u, kStatusComplete);
  ASSERT_OK(conn_->Execute(
      "CREATE TRIGGER users_ai AFTER INSERT ON users FOR EACH ROW INSERT "
      "INTO audit VALUES (NEW.id)"));
  EXPECT_THAT(executor_->Revert(u, "").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("has triggers (`users_ai`)"),
                             HasSubstr("a revert swaps the old table back"))));
  ASSERT_OK(conn_->Execute("DROP TRIGGER users_ai"));
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(u, ""));
  WaitStatus(revert, kStatusComplete);
}

// A foreign key created since a migration, linking its table with another
// in use, refuses its revert (the key would follow the table swapped out:
// the child checked against the old table), as it refuses the revert's
// cut-over when created after the revert was asked for. A CREATE's revert
// (the table renamed away) likewise, for a key referencing the table.
// Reverts used to go ahead.
TEST_F(RevertTest, AForeignKeyCreatedSinceRefusesTheRevert) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_100"));
  const std::string u = Run("ALTER TABLE t ADD COLUMN c INT");
  WaitStatus(u, kStatusComplete);
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE kid (id INT PRIMARY KEY, tid INT, CONSTRAINT kid_t "
      "FOREIGN KEY (tid) REFERENCES t (id))"));
  ASSERT_OK(conn_->Execute("INSERT INTO kid VALUES (1, 5)"));
  const std::string kid_refers =
      "SELECT REFERENCED_TABLE_NAME FROM information_schema."
      "REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND "
      "CONSTRAINT_NAME = 'kid_t'";
  EXPECT_THAT(executor_->Revert(u, "").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("`kid`.`kid_t`"),
                             HasSubstr("swaps the old table back"))));
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM _vt.schema_migrations "
                               "WHERE reverted_uuid = ",
                               mysql::QuoteString(u))),
            "0");
  EXPECT_TRUE(HasColumn("t", "c"));
  // Asked for without the key, which is created again before its
  // cut-over: refused there, the key left on t.
  ASSERT_OK(conn_->Execute("ALTER TABLE kid DROP FOREIGN KEY kid_t"));
  ASSERT_OK_AND_ASSIGN(std::string revert,
                       executor_->Revert(u, "", "", /*gated=*/true));
  ASSERT_OK(
      WaitFor(Clock::Real(), "the revert ready", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration r, executor_->Get(revert));
        return r.ready_to_complete;
      }));
  ASSERT_OK(conn_->Execute(
      "ALTER TABLE kid ADD CONSTRAINT kid_t FOREIGN KEY (tid) REFERENCES t "
      "(id)"));
  ASSERT_OK(executor_->Complete(revert).status());
  ASSERT_OK(WaitFor(Clock::Real(), "the revert's cut-over refused",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration r, executor_->Get(revert));
                      return absl::StrContains(r.message, "`kid`.`kid_t`");
                    }));
  ASSERT_OK_AND_ASSIGN(Migration r, executor_->Get(revert));
  EXPECT_THAT(r.message, HasSubstr("cut-over refused"));
  EXPECT_NE(r.status, kStatusComplete);
  EXPECT_TRUE(HasColumn("t", "c"));
  EXPECT_EQ(Value(kid_refers), "t");
  // Without the key it goes on.
  ASSERT_OK(conn_->Execute("ALTER TABLE kid DROP FOREIGN KEY kid_t"));
  WaitStatus(revert, kStatusComplete);
  EXPECT_FALSE(HasColumn("t", "c"));

  const std::string created = Run("CREATE TABLE mom (id INT PRIMARY KEY)");
  WaitStatus(created, kStatusComplete);
  ASSERT_OK(conn_->Execute("INSERT INTO mom VALUES (5)"));
  ASSERT_OK(conn_->Execute(
      "ALTER TABLE kid ADD CONSTRAINT kid_mom FOREIGN KEY (tid) REFERENCES "
      "mom (id)"));
  EXPECT_THAT(executor_->Revert(created, "").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("`kid`.`kid_mom`"),
                             HasSubstr("renames the table away"))));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM mom"), "1");
  ASSERT_OK(conn_->Execute("DROP TABLE kid"));
  ASSERT_OK_AND_ASSIGN(std::string gone, executor_->Revert(created, ""));
  WaitStatus(gone, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'mom'"),
            "0");
}

// A parent's revert asked for while its child's revert is pending is
// taken (a deployment's reverts are asked for together, the child's
// first), but applied while the child is still in use it is refused: the
// child's key would follow the parent to its artifact. It was applied.
TEST_F(RevertTest, AParentsRevertAppliedBeforeItsChildsIsRefused) {
  const std::string mom = Run("CREATE TABLE pa (id INT PRIMARY KEY)");
  WaitStatus(mom, kStatusComplete);
  const std::string kid =
      Run("CREATE TABLE ch (id INT PRIMARY KEY, p INT, CONSTRAINT ch_p FOREIGN "
          "KEY (p) REFERENCES pa (id))");
  WaitStatus(kid, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string kid_revert,
                       executor_->Revert(kid, "", "", /*gated=*/true));
  ASSERT_OK_AND_ASSIGN(std::string mom_revert, executor_->Revert(mom, ""));
  Migration failed = WaitStatus(mom_revert, kStatusFailed);
  EXPECT_THAT(failed.message, HasSubstr("`ch`.`ch_p`"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'pa'"),
            "1");
  ASSERT_OK(executor_->Cancel(kid_revert).status());
}

// The same, interrupted before its RENAME: the schemas say nothing was
// swapped. The migration fails with the table as it was, and can be
// retried (nothing was applied).
TEST_F(RevertTest, AnInterruptedCutOverThatDidNotSwapIsToldFromTheSchemas) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(u[0].empty());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  StageInterruptedCutOverWithoutBinlog(m, /*swapped=*/false);
  StartExecutor(Options());
  Migration failed = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(failed.message, HasSubstr("before swapping the tables"));
  EXPECT_THAT(failed.message, HasSubstr("purged?"));
  EXPECT_FALSE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "501");
  ASSERT_OK(executor_->Retry(u[0]).status());
  ASSERT_OK(WaitReadyToComplete(u[0]));
  ASSERT_OK(executor_->Complete(u[0]).status());
  WaitStatus(u[0], kStatusComplete);
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "501");
}

// The same unrecorded swap, with commands arriving before the executor
// notices it: a cancel is refused (the ALTER applied), and a throttle and
// unthrottle must not restart the stream past its RENAME (it would stream
// the new table into the old one and swap them back).
TEST_F(RevertTest, CommandsDuringAnUnrecordedSwapLeaveItApplied) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(u[0].empty());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  executor_.reset();
  StageUnrecordedSwap(m);
  ExecutorOptions o = Options();
  o.tick = absl::Hours(1);  // ticks only when a command wakes it
  StartExecutor(o);
  ASSERT_OK(executor_->Tick());  // restarts the stream, which stops at the
                                 // RENAME
  ASSERT_OK(
      WaitFor(Clock::Real(), "the stream stops at the RENAME",
              [&]() -> absl::StatusOr<bool> {
                SC_ASSIGN_OR_RETURN(
                    std::string msg,
                    mysql::QueryValue(
                        *conn_, absl::StrCat("SELECT message FROM "
                                             "_vt.vreplication WHERE "
                                             "workflow = ",
                                             mysql::QuoteString(m.uuid))));
                return absl::StartsWith(msg, "Stopped at DDL RENAME");
              }));
  EXPECT_THAT(executor_->Cancel(u[0]).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already swapped")));
  // CANCEL ALL cancels the others and leaves it (none here).
  EXPECT_THAT(executor_->Cancel("all"), IsOkAndHolds(0));
  ASSERT_OK(executor_->Throttle(u[0], 1.0).status());
  // The throttle wakes the executor, which may complete the migration
  // before the unthrottle arrives: then there is nothing to unthrottle.
  absl::Status unthrottled = executor_->Throttle(u[0], 0).status();
  EXPECT_TRUE(unthrottled.ok() ||
              absl::StrContains(unthrottled.message(), "is complete"))
      << unthrottled;
  ASSERT_OK(executor_->Tick());
  Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(done.message, "");
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "500");
}

// The same before the restarted stream has reached the RENAME: whether the
// cut-over swapped is not known yet, so a throttle (which used to keep the
// stream from ever reaching it) and a cancel (which called the swapped
// migration cancelled) are refused until it is.
TEST_F(RevertTest, CommandsBeforeAnInterruptedCutOverIsCheckedAreRefused) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(u[0].empty());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  executor_.reset();
  StageUnrecordedSwap(m);
  ExecutorOptions o = Options();
  o.tick = absl::Hours(1);  // ticks only when told
  StartExecutor(o);
  EXPECT_THAT(executor_->Throttle(u[0], 1.0).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("being checked")));
  EXPECT_THAT(executor_->Cancel(u[0]).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("being checked")));
  EXPECT_THAT(executor_->Cancel("all"), IsOkAndHolds(0));
  // Nor is a controller's prepare: it would swap the tables back.
  EXPECT_THAT(executor_->PrepareCutOver(u[0], absl::Seconds(5)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("being checked")));
  ASSERT_OK(executor_->Tick());  // restarts the stream to find out
  ASSERT_OK(WaitFor(Clock::Real(), "the swap to be recorded",
                    [&]() -> absl::StatusOr<bool> {
                      SC_RETURN_IF_ERROR(executor_->Tick());
                      SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(u[0]));
                      return now.status == kStatusComplete;
                    }));
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "500");
}

// A cut-over whose RENAME session and lock session are both lost (killed
// here while the RENAME waits in the queue) cannot tell whether the tables
// swapped: it is checked as after a crash (commands refused meanwhile), not
// taken for "nothing renamed". Here nothing was (the sentry left behind
// fails the RENAME), and the next attempt swaps; were the swap found, the
// migration would complete as well.
TEST_F(RevertTest, ACutOverWhoseRenameSessionIsLostIsChecked) {
  const std::string uuid = ReadyAlterOfUsers();
  ASSERT_FALSE(uuid.empty());
  executor_.reset();
  ExecutorOptions o = Options();
  o.tick = absl::Hours(1);  // ticks when a command wakes it, or when told
  o.tune_cut_over = [](CutOverOptions& c) { c.use_lock_info = false; };
  StartExecutor(o);
  // The killer reads the shadow: the RENAME waits for it in the queue.
  const std::string shadow = Value(
      "SELECT CONCAT('`', DATABASE(), '`.`', TABLE_NAME, '`') FROM "
      "information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME LIKE '\\_vt\\_vrp\\_%'");
  ASSERT_FALSE(shadow.empty());
  {
    testing::RenameKiller killer(harness::ConnectParamsFor(*instance_),
                                 absl::Seconds(30),
                                 {.hold = shadow, .lock_holder_too = true});
    ASSERT_OK(executor_->Complete(uuid).status());
    // Ticks until one has cut over (and failed); none after it.
    ASSERT_OK(WaitFor(
        Clock::Real(), "the cut-over's outcome",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(uuid));
          if (now.cutover_attempts > 0) return true;
          SC_RETURN_IF_ERROR(executor_->Tick());
          return false;
        },
        WaitOptions{.timeout = absl::Seconds(60)}));
    ASSERT_TRUE(killer.Join());
  }
  ASSERT_OK_AND_ASSIGN(Migration checking, executor_->Get(uuid));
  if (absl::StartsWith(checking.stage, "cut-over failed")) {
    // The abort's KILL QUERY (from the probe session, which the killer
    // spares) reached B before the killer's KILL CONNECTION did (seen once
    // under ASan): B's RENAME, still waiting for the shadow, surely did
    // not run, and the cut-over says so. Nothing was swapped.
    EXPECT_THAT(checking.message, Not(HasSubstr("for the binlog to tell")));
    EXPECT_FALSE(HasColumn("users", "c3"));
  } else {
    EXPECT_EQ(checking.stage,
              "cut-over interrupted; checking whether it swapped");
    EXPECT_THAT(checking.message, HasSubstr("for the binlog to tell"));
    EXPECT_FALSE(checking.ready_to_complete);
    EXPECT_THAT(executor_->Cancel(uuid).status(),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AnyOf(HasSubstr("being checked"),
                               HasSubstr("already swapped the tables"))));
  }
  ASSERT_OK(WaitFor(
      Clock::Real(), "the check, then the swap",
      [&]() -> absl::StatusOr<bool> {
        SC_RETURN_IF_ERROR(executor_->Tick());
        SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(uuid));
        return now.status == kStatusComplete;
      },
      WaitOptions{.timeout = absl::Seconds(60)}));
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "500");
}

// A cut-over interrupted before its RENAME: once the restarted stream has
// passed the binlog's end without one, nothing was swapped, and the
// migration can be throttled and cancelled again.
TEST_F(RevertTest, AnInterruptedCutOverThatSwappedNothingGoesOn) {
  const std::vector<std::string> u = {ReadyAlterOfUsers()};
  ASSERT_FALSE(u[0].empty());
  executor_.reset();
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.vreplication SET state = 'Stopped', message = ",
                   mysql::QuoteString(vreplication::kStoppedByRequest),
                   " WHERE workflow = ", mysql::QuoteString(u[0]))));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET stage = 'cutting over' WHERE "
      "migration_uuid = ",
      mysql::QuoteString(u[0]))));
  ASSERT_OK(conn_->Execute("INSERT INTO users (val) VALUES (501)"));
  StartExecutor(Options());
  ASSERT_OK(
      WaitFor(Clock::Real(), "the check to end", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(u[0]));
        return absl::StartsWith(now.stage, "ready to complete");
      }));
  ASSERT_OK(executor_->Throttle(u[0], 1.0).status());
  ASSERT_OK(executor_->Cancel(u[0]).status());
  WaitStatus(u[0], kStatusCancelled);
  EXPECT_FALSE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "501");
}

// The same check while the restarted stream fails and retries (here a row
// of the shadow locked past the lock wait timeout): the stage keeps
// saying the check goes on, and a cancel is refused, until the stream
// runs again and ends it. The retrying stream's catching-up stage
// replaced it, and commands that go by it (a cancel) were taken.
TEST_F(RevertTest, AnInterruptedCutOverStaysCheckedWhileItsStreamRetries) {
  const std::string u = ReadyAlterOfUsers();
  ASSERT_FALSE(u.empty());
  executor_.reset();
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.vreplication SET state = 'Stopped', message = ",
                   mysql::QuoteString(vreplication::kStoppedByRequest),
                   " WHERE workflow = ", mysql::QuoteString(u))));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET stage = 'cutting over' WHERE "
      "migration_uuid = ",
      mysql::QuoteString(u))));
  const std::string shadow = Value(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_vt\\_vrp\\_%'");
  ASSERT_FALSE(shadow.empty());
  const std::string wait = Value("SELECT @@GLOBAL.innodb_lock_wait_timeout");
  ASSERT_OK(conn_->Execute("SET GLOBAL innodb_lock_wait_timeout = 1"));
  auto restore = absl::MakeCleanup([&] {
    conn_->Execute(absl::StrCat("SET GLOBAL innodb_lock_wait_timeout = ", wait))
        .IgnoreError();
  });
  ASSERT_OK_AND_ASSIGN(auto holder, harness::ConnectTo(*instance_));
  ASSERT_OK(holder->Execute(absl::StrCat("USE ", mysql::QuoteIdentifier(db_))));
  ASSERT_OK(holder->Execute("BEGIN"));
  ASSERT_OK(holder->Execute(absl::StrCat("SELECT * FROM ",
                                         mysql::QuoteIdentifier(shadow),
                                         " WHERE id = 1 FOR UPDATE")));
  ASSERT_OK(conn_->Execute("UPDATE users SET val = -1 WHERE id = 1"));
  ExecutorOptions o = Options();
  o.error_grace = absl::Seconds(120);
  StartExecutor(o);
  ASSERT_OK(WaitFor(
      Clock::Real(), "the stream to fail and retry",
      [&]() -> absl::StatusOr<bool> {
        return absl::StartsWith(StreamState(u), "Error: ");
      },
      WaitOptions{.timeout = absl::Seconds(60)}));
  // Some ticks with the stream retrying.
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_OK_AND_ASSIGN(Migration checking, executor_->Get(u));
  EXPECT_EQ(checking.stage,
            "cut-over interrupted; checking whether it swapped");
  EXPECT_THAT(executor_->Cancel(u).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(holder->Execute("ROLLBACK"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the check to end",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(u));
        return absl::StartsWith(now.stage, "ready to complete");
      },
      WaitOptions{.timeout = absl::Seconds(90)}));
  EXPECT_FALSE(HasColumn("users", "c3"));
  ASSERT_OK(executor_->Cancel(u).status());
  WaitStatus(u, kStatusCancelled);
}

// Checking whether an interrupted cut-over swapped, the restarted stream
// stops before the RENAME at someone else's DDL on the table (a rebuild,
// which leaves its schema as it was): it cannot tell, and the schemas
// recorded before the cut-over do. It failed the migration as if nothing
// had swapped, the new table serving.
TEST_F(RevertTest, AnInterruptedCheckStoppedByOtherDdlAsksTheSchemas) {
  const std::string uuid = ReadyAlterOfUsers();
  ASSERT_FALSE(uuid.empty());
  executor_.reset();
  const std::string db = Value("SELECT DATABASE()");
  const std::string shadow = Value(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE "
      "'\\_vt\\_vrp\\_%'");
  ASSERT_FALSE(shadow.empty());
  // As the cut-over left it: the stream stopped under the lock, the
  // schemas recorded, the stage set; then the daemon died after the RENAME.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.vreplication SET state = 'Stopped', message = ",
                   mysql::QuoteString(vreplication::kStoppedByRequest),
                   " WHERE workflow = ", mysql::QuoteString(uuid))));
  ASSERT_OK(RecordSchemasBeforeSwap(*conn_, uuid, db, "users", shadow));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET stage = 'cutting over' WHERE "
      "migration_uuid = ",
      mysql::QuoteString(uuid))));
  // DDL on the table that leaves its schema as it was (a rebuild).
  ASSERT_OK(conn_->Execute("ALTER TABLE users ENGINE=InnoDB"));
  const std::string sentry = mysql::QuoteIdentifier(SentryName("users", uuid));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "RENAME TABLE users TO ", sentry, ", ", mysql::QuoteIdentifier(shadow),
      " TO users, ", sentry, " TO ", mysql::QuoteIdentifier(shadow))));
  StartExecutor(Options());
  const Migration done = WaitStatus(uuid, kStatusComplete);
  EXPECT_THAT(done.message, HasSubstr("swapped the tables"));
  EXPECT_THAT(done.message,
              HasSubstr("Stopped at DDL ALTER TABLE users ENGINE=InnoDB"));
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "500");
}

// DDL on another database's table named like the migrated one, run from
// the migrated table's database, does not stop the migration's stream (it
// failed the migration: "Stopped at DDL CREATE TABLE rv_other.users"); nor
// does DDL on another table that only names a column, key or index like
// it, or reads it (CREATE TABLE ... LIKE users).
TEST_F(RevertTest, AnotherDatabasesTableNamedLikeTheMigratedOneIsNotItsDdl) {
  const std::string uuid = ReadyAlterOfUsers();
  ASSERT_FALSE(uuid.empty());
  ASSERT_OK(conn_->Execute("DROP DATABASE IF EXISTS rv_other"));
  ASSERT_OK(conn_->Execute("CREATE DATABASE rv_other"));
  ASSERT_OK(conn_->Execute("CREATE TABLE rv_other.users (id INT)"));
  ASSERT_OK(conn_->Execute("ALTER TABLE rv_other.users ADD COLUMN c INT"));
  ASSERT_OK(conn_->Execute("DROP TABLE rv_other.users"));
  ASSERT_OK(conn_->Execute("CREATE TABLE users_log (users INT)"));
  ASSERT_OK(conn_->Execute("CREATE INDEX users ON users_log (users)"));
  ASSERT_OK(conn_->Execute("DROP INDEX users ON users_log"));
  ASSERT_OK(conn_->Execute("CREATE TABLE users_like LIKE users"));
  ASSERT_OK(conn_->Execute("DROP TABLE users_log, users_like"));
  ASSERT_OK(conn_->Execute("INSERT INTO users (val) VALUES (501)"));
  ASSERT_OK(executor_->Complete(uuid).status());
  WaitStatus(uuid, kStatusComplete);
  EXPECT_TRUE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM users"), "501");
  ASSERT_OK(conn_->Execute("DROP DATABASE rv_other"));
}

// A retried migration starts a new life: the cleanup a failure had
// recorded must not end its revert window (or keep its old table from GC).
TEST_F(RevertTest, ARetriedMigrationCanBeReverted) {
  ASSERT_OK(conn_->Execute("CREATE TABLE dup (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO dup VALUES (1, 1), (2, 1)"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE dup ADD UNIQUE KEY uv (v)", "vitess", ""));
  const Migration failed = WaitStatus(u[0], kStatusFailed);
  ASSERT_FALSE(failed.artifacts.empty());
  // What table GC records once the failed migration's retention passed.
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET cleanup_timestamp = NOW() WHERE "
      "migration_uuid = ",
      mysql::QuoteString(u[0]))));
  ASSERT_OK(conn_->Execute("UPDATE dup SET v = 2 WHERE id = 2"));
  ASSERT_OK(executor_->Retry(u[0]).status());
  Migration done = WaitStatus(u[0], kStatusComplete);
  EXPECT_EQ(done.cleanup_timestamp, "");
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(u[0], ""));
  const Migration reverted = WaitStatus(revert, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'dup' AND "
                  "INDEX_NAME = 'uv'"),
            "0");
  // The first attempt's shadow (not retired here) stays listed for the
  // migration's cleanup; the old table is the revert's.
  EXPECT_EQ(executor_->Get(u[0])->artifacts, failed.artifacts);
  EXPECT_NE(reverted.artifacts, failed.artifacts);
  EXPECT_FALSE(reverted.artifacts.empty());
}

// Between cut-over attempts a DDL on the table stopped the stream (it
// would be lost on the shadow): the migration fails; the stream is not
// restarted past the DDL as if the cut-over had stopped it.
TEST_F(RevertTest, AStreamStoppedAtADdlBetweenCutOverAttemptsFails) {
  ASSERT_OK(conn_->Execute("CREATE TABLE users (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO users VALUES (1, 1), (2, 2)"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE users ADD COLUMN c3 INT",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  executor_.reset();
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.vreplication SET state = 'Stopped', message = 'Stopped at "
      "DDL ALTER TABLE users ADD COLUMN c4 INT' WHERE workflow = ",
      mysql::QuoteString(u[0]))));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET stage = 'cut-over failed; retrying "
      "in 1s' WHERE migration_uuid = ",
      mysql::QuoteString(u[0]))));
  StartExecutor(Options());
  Migration m = WaitStatus(u[0], kStatusFailed);
  EXPECT_THAT(m.message, HasSubstr("Stopped at DDL ALTER TABLE users"));
}

// A gated revert whose cut-over was prepared (its reverse stream stopped
// under the lock), then released and cancelled: the migration stays revertible
// (the stream runs again and keeps the old table in sync).
TEST_F(RevertTest, ACancelledPreparedRevertLeavesTheMigrationRevertible) {
  ASSERT_OK(conn_->Execute("CREATE TABLE users (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO users VALUES (1, 1), (2, 2)"));
  const std::string first = Run("ALTER TABLE users ADD COLUMN c3 INT");
  WaitStatus(first, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string gated,
                       executor_->Revert(first, "", "", /*gated=*/true));
  ASSERT_OK(WaitReadyToComplete(gated));
  ASSERT_OK(executor_->PrepareCutOver(gated, absl::Seconds(30), false));
  EXPECT_THAT(executor_->Throttle(gated, 1).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // A cancel is refused while it is prepared; the controller releases the
  // prepare first, as here.
  EXPECT_THAT(executor_->Cancel(gated).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("prepared for a gated cut-over")));
  ASSERT_OK(executor_->AbortCutOver(gated));
  ASSERT_OK_AND_ASSIGN(int cancelled, executor_->Cancel(gated));
  EXPECT_EQ(cancelled, 1);
  ASSERT_OK(conn_->Execute("INSERT INTO users VALUES (3, 3, 3)"));
  ASSERT_OK_AND_ASSIGN(std::string again, executor_->Revert(first, ""));
  WaitStatus(again, kStatusComplete);
  EXPECT_FALSE(HasColumn("users", "c3"));
  EXPECT_EQ(Value("SELECT GROUP_CONCAT(id, ':', v ORDER BY id) FROM users"),
            "1:1,2:2,3:3");
}

// With one live reverse stream, the older of two completed ALTERs' stream
// is parked (stopped where it was; the stage says so) and reads nothing;
// its revert restarts it, catches up with the writes made meanwhile, and
// keeps every row. An old table in a foreign key keeps its stream running
// (parked, it would fail the parent's deletes); with no limit every
// parked stream runs again.
TEST_F(RevertTest, AParkedReverseStreamIsRestartedByItsRevert) {
  RestartWithLiveReverseStreams(1);
  CreateParentAndChild("");
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(
      auto child, executor_->Submit("ALTER TABLE fc ADD COLUMN c INT",
                                    "vitess --unsafe-allow-foreign-keys", ""));
  WaitStatus(child[0], kStatusComplete);
  std::string first, second;
  AlterAThenBParkingA(&first, &second);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(Migration done, executor_->Get(first));
  EXPECT_THAT(StreamState(second), HasSubstr("Running"));
  EXPECT_THAT(StreamState(child[0]), HasSubstr("Running"));
  // The stage's note follows the stream's stop (red in CI once, read in
  // between).
  EXPECT_OK(
      WaitFor(Clock::Real(), "a's stage to note its parked stream",
              [&]() -> absl::StatusOr<bool> {
                SC_ASSIGN_OR_RETURN(Migration parked, executor_->Get(first));
                return absl::StrContains(parked.stage, "reverse stream parked");
              }));
  // Written while parked: the old table lags.
  ASSERT_OK(conn_->Execute("UPDATE a SET val = -val WHERE id % 7 = 0"));
  ASSERT_OK(conn_->Execute("DELETE FROM a WHERE id % 11 = 0"));
  ASSERT_OK(conn_->Execute("INSERT INTO a (val) VALUES (9999)"));
  ASSERT_OK_AND_ASSIGN(std::string expected,
                       Checksum(*conn_, Qualified("a"), "id, val"));
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_OK_AND_ASSIGN(
      std::string old,
      Checksum(*conn_, Qualified(FirstArtifact(done)), "id, val"));
  EXPECT_NE(old, expected) << "a parked stream applied writes";
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(first, ""));
  WaitStatus(revert, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string after,
                       Checksum(*conn_, Qualified("a"), "id, val"));
  EXPECT_EQ(after, expected);
  EXPECT_FALSE(HasColumn("a", "c"));
  // The revert is the newest now: b's stream was parked in turn. Without
  // a limit, every parked stream runs again.
  ASSERT_OK(WaitStream(second, "Stopped: parked"));
  RestartWithLiveReverseStreams(-1);
  ASSERT_OK(WaitStream(second, "Running"));
  // The stage's note goes right after the stream starts.
  EXPECT_OK(WaitFor(Clock::Real(), "b's stage to drop its parked note",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration b, executor_->Get(second));
                      return !absl::StrContains(b.stage, "parked");
                    }));
}

TEST_F(RevertTest, RefusesRevertsThatAreNotAllowed) {
  ASSERT_OK(conn_
                ->Execute("CREATE TABLE t (id INT PRIMARY KEY, v "
                          "VARCHAR(10), u INT, UNIQUE KEY (u))")
                .status());
  ASSERT_OK(
      conn_->Execute("INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2)").status());
  const std::string first = Run("ALTER TABLE t ADD COLUMN c INT");
  WaitStatus(first, kStatusComplete);
  const std::string second = Run("ALTER TABLE t MODIFY v VARCHAR(100)");
  WaitStatus(second, kStatusComplete);
  // Not the last completed migration on t.
  EXPECT_THAT(executor_->Revert(first, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("only the last migration")));
  // Unknown and failed migrations.
  EXPECT_THAT(executor_->Revert("00000000_0000_0000_0000_000000000000", ""),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto bad, executor_->Submit("ALTER TABLE missing ADD x "
                                                   "INT",
                                                   "vitess", ""));
  WaitStatus(bad[0], kStatusFailed);
  EXPECT_THAT(executor_->Revert(bad[0], ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("only a completed migration")));
  // A value that fits the new type but not the old: the notes said so, and
  // the revert is refused, leaving the current table serving.
  Migration widened = *executor_->Get(second);
  EXPECT_THAT(widened.revertible_notes, HasSubstr("v changed"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO t (id, v, u) VALUES (3, REPEAT('x', 50), 3)")
          .status());
  // The reverse stream cannot apply it to the old VARCHAR(10).
  ASSERT_OK(WaitFor(Clock::Real(), "the reverse stream to fail",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(
                          std::string state,
                          mysql::QueryValue(
                              *conn_,
                              absl::StrCat("SELECT state FROM _vt.vreplication "
                                           "WHERE workflow = ",
                                           mysql::QuoteString(second))));
                      return state == "Error";
                    }));
  EXPECT_THAT(executor_->Revert(second, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lose information")));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM t"), "3");
  // INSTANT changes leave nothing to revert to.
  ASSERT_OK(conn_->Execute("CREATE TABLE i (id INT PRIMARY KEY)").status());
  ASSERT_OK_AND_ASSIGN(auto inst,
                       executor_->Submit("ALTER TABLE i ADD COLUMN c INT",
                                         "vitess --prefer-instant-ddl", ""));
  WaitStatus(inst[0], kStatusComplete);
  EXPECT_THAT(
      executor_->Revert(inst[0], ""),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in place")));
  // Retried, one lists its earlier attempt's shadow, cleaned up: its plan
  // tells (it was refused as if its revert window were over).
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET artifacts = "
      "'_vt_vrp_0123456789abcdef0123456789abcdef_20300101000000_', "
      "cleanup_timestamp = NOW() WHERE "
      "migration_uuid = ",
      mysql::QuoteString(inst[0]))));
  EXPECT_THAT(
      executor_->Revert(inst[0], ""),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in place")));
  // A DROP of nothing, and one whose artifact is gone (dropped by hand):
  // refused, no revert recorded (they used to fail as they applied).
  const std::string nothing = Run("DROP TABLE IF EXISTS never_there");
  WaitStatus(nothing, kStatusComplete);
  EXPECT_THAT(executor_->Revert(nothing, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("nothing was dropped")));
  const std::string dropped = Run("DROP TABLE i");
  WaitStatus(dropped, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(Migration d, executor_->Get(dropped));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("DROP TABLE ", mysql::QuoteIdentifier(FirstArtifact(d)))));
  EXPECT_THAT(executor_->Revert(dropped, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("which a revert puts back, is gone")));
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM _vt.schema_migrations "
                               "WHERE reverted_uuid IN (",
                               mysql::QuoteString(nothing), ", ",
                               mysql::QuoteString(dropped), ")")),
            "0");
}

// A revert checks the old table its reverse stream kept in sync before
// swapping it in: one that lost a row and changed another behind the
// stream's back is refused, nothing swapped, the migration still
// complete and revertible once the old table is mended.
TEST_F(RevertTest, ARevertWhoseOldTableDiffersIsRefusedBeforeTheSwap) {
  // Checked when the revert asks (not ahead of it, before the rows are
  // changed below).
  RestartVerifyingAhead(false);
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10), n INT)"));
  ASSERT_OK(conn_->Execute(
      "INSERT INTO t SELECT seq, CONCAT('v', seq), seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  Migration done = WaitStatus(alter, kStatusComplete);
  const std::string old = FirstArtifact(done);
  // Writes after the cut-over (the stream applies them to the old table;
  // the rows changed behind its back below are others).
  ASSERT_OK(conn_->Execute("UPDATE t SET n = -n WHERE id <= 10"));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("DELETE FROM ", Qualified(old), " WHERE id = 42")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE ", Qualified(old), " SET v = 'V77' WHERE id = 77")));
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(alter, ""));
  Migration refused = WaitStatus(revert, kStatusFailed);
  EXPECT_THAT(refused.message,
              HasSubstr(absl::StrCat("cannot revert: the old table `", old,
                                     "` does not match `")));
  EXPECT_THAT(refused.message, HasSubstr(": 1 missing, 1 differing (keys "));
  EXPECT_THAT(refused.message, HasSubstr("mend the old one, then revert"));
  EXPECT_THAT(refused.message, HasSubstr("'42'"));
  EXPECT_THAT(refused.message, HasSubstr("'77'"));
  EXPECT_THAT(refused.message, HasSubstr("nothing was swapped"));
  // t is the altered table still, with the writes made since.
  EXPECT_TRUE(HasColumn("t", "c"));
  EXPECT_EQ(Value("SELECT SUM(n < 0) FROM t"), "10");
  EXPECT_EQ(executor_->Get(alter)->status, kStatusComplete);
  // Mended, the old table passes (checked before the revert is ready to
  // complete): the revert swaps it in with every row.
  ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO ", Qualified(old),
                                        " SELECT id, v, n FROM t WHERE id = "
                                        "42")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE ", Qualified(old), " SET v = 'v77' WHERE id = 77")));
  ASSERT_OK_AND_ASSIGN(std::string again,
                       executor_->Revert(alter, "", "", /*gated=*/true));
  ASSERT_OK(WaitReadyToComplete(again));
  EXPECT_THAT(executor_->Get(again)->stage,
              HasSubstr("ready to complete (old table verified: 300 rows)"));
  ASSERT_OK(executor_->Complete(again).status());
  WaitStatus(again, kStatusComplete);
  EXPECT_FALSE(HasColumn("t", "c"));
  EXPECT_EQ(Value("SELECT CONCAT(COUNT(*), ' ', SUM(n < 0)) FROM t"), "300 10");
}

// A completed ALTER's old table is checked in the background once its
// reverse stream has caught up (said in the migration's stage): a revert
// then finds it verified and swaps without checking again.
TEST_F(RevertTest, AnOldTableIsVerifiedAheadOfItsRevert) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  WaitStatus(alter, kStatusComplete);
  ASSERT_OK(WaitFor(Clock::Real(), "the old table to be verified",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(alter));
                      return absl::StrContains(
                          m.stage, "; old table verified: 300 rows");
                    }));
  ASSERT_OK_AND_ASSIGN(std::string revert,
                       executor_->Revert(alter, "", "", /*gated=*/true));
  ASSERT_OK(WaitReadyToComplete(revert));
  EXPECT_THAT(executor_->Get(revert)->stage,
              HasSubstr("ready to complete (old table verified: 300 rows, "
                        "before the revert)"));
  ASSERT_OK(executor_->Complete(revert).status());
  WaitStatus(revert, kStatusComplete);
  EXPECT_FALSE(HasColumn("t", "c"));
}

// DDL on the old table behind its reverse stream's back (here a TRUNCATE
// after the table was verified ahead of a revert) stops that stream, and
// the revert is refused: it swapped in the emptied table before, the pass
// recorded ahead reused (found in review). Also for a reverse stream made
// before such streams were tagged (the tag cleared, the daemon restarted).
TEST_F(RevertTest, DdlOnTheOldTableRefusesTheRevert) {
  for (const char* t : {"t", "u"}) {
    SCOPED_TRACE(t);
    const bool untagged = std::string(t) == "u";
    ASSERT_OK(conn_->Execute(
        absl::StrCat("CREATE TABLE ", t, " (id INT PRIMARY KEY, v INT)")));
    ASSERT_OK(conn_->Execute(
        absl::StrCat("INSERT INTO ", t, " SELECT seq, seq FROM seq_1_to_300")));
    const std::string alter =
        Run(absl::StrCat("ALTER TABLE ", t, " ADD COLUMN c INT"));
    const std::string old = FirstArtifact(WaitStatus(alter, kStatusComplete));
    const std::string state =
        absl::StrCat("SELECT state FROM _vt.vreplication WHERE workflow = ",
                     mysql::QuoteString(alter));
    if (untagged) {
      ASSERT_OK(conn_->Execute(absl::StrCat(
          "UPDATE _vt.vreplication SET tags = '' WHERE workflow = ",
          mysql::QuoteString(alter))));
      RestartVerifyingAhead(true);
    }
    ASSERT_OK(WaitFor(Clock::Real(), "the old table to be verified",
                      [&]() -> absl::StatusOr<bool> {
                        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(alter));
                        return absl::StrContains(
                            m.stage, "; old table verified: 300 rows");
                      }));
    ASSERT_OK(conn_->Execute(absl::StrCat("TRUNCATE TABLE ", Qualified(old))));
    ASSERT_OK(WaitFor(Clock::Real(), "the reverse stream to stop",
                      [&]() -> absl::StatusOr<bool> {
                        SC_ASSIGN_OR_RETURN(std::string s,
                                            mysql::QueryValue(*conn_, state));
                        return s == "Stopped";
                      }));
    EXPECT_THAT(executor_->Revert(alter, ""),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr("reverse stream stopped"),
                               HasSubstr("TRUNCATE"))));
    EXPECT_TRUE(HasColumn(t, "c"));
    EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", t)), "300");
  }
}

// A row of the old table changed by hand after the check ahead of the
// revert (which then reused the pass, and swapped the changed table in)
// is recorded by the reverse stream, which goes on: the revert checks the
// table again and is refused while it differs; mended (by hand again), it
// passes. The stream's own writes (changes to the new table, kept in sync)
// are not taken for another session's.
TEST_F(RevertTest, AWriteToTheOldTableByHandIsCheckedBeforeTheRevert) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  const std::string old = FirstArtifact(WaitStatus(alter, kStatusComplete));
  const std::string written = TargetWritesRecorded(alter);
  ASSERT_OK(WaitFor(Clock::Real(), "the old table to be verified",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(alter));
                      return absl::StrContains(
                          m.stage, "; old table verified: 300 rows");
                    }));
  // Kept in sync by the reverse stream: nothing recorded.
  ASSERT_OK(conn_->Execute("INSERT INTO t (id, v) VALUES (301, 301)"));
  ASSERT_OK(conn_->Execute("UPDATE t SET v = 0 WHERE id = 5"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the old table to follow", [&]() -> absl::StatusOr<bool> {
        return Value(absl::StrCat("SELECT COUNT(*) FROM ", Qualified(old),
                                  " WHERE id = 301 OR v = 0")) == "2";
      }));
  EXPECT_EQ(Value(written), "0");
  // Executor paused (no background check), the write is recorded.
  executor_.reset();
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE ", Qualified(old), " SET v = -7 WHERE id = 7")));
  StartExecutor(Options());
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(alter, ""));
  Migration refused = WaitStatus(revert, kStatusFailed);
  EXPECT_THAT(refused.message, HasSubstr("cannot revert: the old table `"));
  EXPECT_THAT(refused.message, HasSubstr("1 differing (keys ('7'))"));
  EXPECT_TRUE(HasColumn("t", "c"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM t"), "301");
  // Mended by hand: recorded again, checked again, swapped.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE ", Qualified(old), " SET v = 7 WHERE id = 7")));
  ASSERT_OK_AND_ASSIGN(std::string again, executor_->Revert(alter, ""));
  WaitStatus(again, kStatusComplete);
  EXPECT_FALSE(HasColumn("t", "c"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM t WHERE v = 0 OR id = 301"), "2");
}

// A write by hand logged as a statement the stream cannot attribute to one
// table (a multi-table UPDATE, binlog_format STATEMENT) is taken for a
// write to the old table where it names it.
TEST_F(RevertTest, AStatementLoggedWriteNamingTheOldTableIsRecorded) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE other (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO other VALUES (7)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  const std::string old = FirstArtifact(WaitStatus(alter, kStatusComplete));
  const std::string written = TargetWritesRecorded(alter);
  ASSERT_OK(conn_->Execute("SET SESSION binlog_format = 'STATEMENT'"));
  const absl::Status updated =
      conn_
          ->Execute(absl::StrCat("UPDATE ", Qualified(old),
                                 " o JOIN other x ON o.id = "
                                 "x.id SET o.v = -7"))
          .status();
  ASSERT_OK(conn_->Execute("SET SESSION binlog_format = 'ROW'"));
  ASSERT_OK(updated);
  ASSERT_OK(
      WaitFor(Clock::Real(), "the write to be recorded",
              [&]() -> absl::StatusOr<bool> { return Value(written) == "1"; }));
}

// Without verification (--verify_copy=false) nothing checks the old table
// again: a revert after a write by hand is not held up by the record (its
// cut-over gave up at every attempt, forever).
TEST_F(RevertTest, WithoutVerificationARecordedWriteDoesNotHoldTheRevert) {
  executor_.reset();
  ExecutorOptions o = Options();
  o.verify_copy = false;
  StartExecutor(o);
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  const std::string old = FirstArtifact(WaitStatus(alter, kStatusComplete));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE ", Qualified(old), " SET v = -7 WHERE id = 7")));
  ASSERT_OK(WaitFor(Clock::Real(), "the write to be recorded",
                    [&]() -> absl::StatusOr<bool> {
                      return Value(TargetWritesRecorded(alter)) == "1";
                    }));
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(alter, ""));
  WaitStatus(revert, kStatusComplete);
  EXPECT_FALSE(HasColumn("t", "c"));
}

// The same write landing after the revert found the table checked, right
// before its cut-over locks: the stream records it by the time it has
// applied everything before the lock, and the cut-over, seeing the
// record, gives up and the table is checked again.
TEST_F(RevertTest, AWriteToTheOldTableDuringTheRevertsCutOverIsCaught) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  const std::string old = FirstArtifact(WaitStatus(alter, kStatusComplete));
  ASSERT_OK(WaitFor(Clock::Real(), "the old table to be verified",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(alter));
                      return absl::StrContains(
                          m.stage, "; old table verified: 300 rows");
                    }));
  executor_.reset();
  auto written = std::make_shared<std::atomic<bool>>(false);
  ExecutorOptions o = Options();
  const mysql::ConnectParams params = harness::ConnectParamsFor(*instance_);
  const std::string update =
      absl::StrCat("UPDATE ", Qualified(old), " SET v = -7 WHERE id = 7");
  o.after_cut_over_checks = [params, update, written] {
    if (written->exchange(true)) return;
    auto c = mysql::MysqlConnection::Connect(params);
    if (c.ok()) (*c)->Execute(update).IgnoreError();
  };
  StartExecutor(o);
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(alter, ""));
  Migration refused = WaitStatus(revert, kStatusFailed);
  EXPECT_TRUE(*written);
  EXPECT_THAT(refused.message, HasSubstr("1 differing (keys ('7'))"));
  EXPECT_TRUE(HasColumn("t", "c"));
}

// One found differing in the background is said in the migration's
// message; a revert checks again (the table may have been mended) and is
// refused while it still differs.
TEST_F(RevertTest, AnOldTableThatDiffersIsFoundAheadOfItsRevert) {
  RestartVerifyingAhead(false);
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_300"));
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  const std::string old = FirstArtifact(WaitStatus(alter, kStatusComplete));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("DELETE FROM ", Qualified(old), " WHERE id = 42")));
  RestartVerifyingAhead(true);
  ASSERT_OK(WaitFor(Clock::Real(), "the difference to be found",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(alter));
                      return absl::StrContains(
                          m.message,
                          "checked after the cut-over: the old "
                          "table");
                    }));
  Migration m = *executor_->Get(alter);
  EXPECT_EQ(m.status, kStatusComplete);
  EXPECT_THAT(m.message, HasSubstr("1 missing (keys ('42'))"));
  EXPECT_THAT(m.stage, Not(HasSubstr("verified")));
  ASSERT_OK_AND_ASSIGN(std::string revert, executor_->Revert(alter, ""));
  Migration refused = WaitStatus(revert, kStatusFailed);
  EXPECT_THAT(refused.message, HasSubstr("cannot revert: the old table `"));
  EXPECT_THAT(refused.message, HasSubstr("1 missing (keys ('42'))"));
  // Mended, the next revert passes its own check.
  ASSERT_OK(conn_->Execute(absl::StrCat("INSERT INTO ", Qualified(old),
                                        " SELECT id, v FROM t WHERE id = 42")));
  ASSERT_OK_AND_ASSIGN(std::string again, executor_->Revert(alter, ""));
  WaitStatus(again, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM t"), "300");
}

// Background checks yield to migrations: one under way pauses while a
// migration runs (no comparison runs meanwhile) and goes on afterwards.
TEST_F(RevertTest, CheckingAheadPausesWhileAMigrationRuns) {
  executor_.reset();
  auto hold = std::make_shared<std::atomic<bool>>(false);
  ExecutorOptions o = Options();
  o.verify_chunk_rows = 1;  // seconds of comparing
  o.workflow.throttle =
      [hold](mysql::Connection&) -> absl::StatusOr<std::string> {
    return hold->load() ? "held by the test" : "";
  };
  o.workflow.throttle_recheck = absl::Milliseconds(50);
  StartExecutor(o);
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(
      conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_20000"));
  ASSERT_OK(conn_->Execute("CREATE TABLE u (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO u SELECT seq, seq FROM seq_1_to_100"));
  // Comparisons running now (their checksum statements).
  auto comparing = [&]() -> absl::StatusOr<bool> {
    SC_ASSIGN_OR_RETURN(std::vector<std::string> ids, ChecksumSessions());
    return !ids.empty();
  };
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  WaitStatus(alter, kStatusComplete);
  // The check ahead's session, seen running a checksum.
  std::string checker;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the check ahead to compare",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::vector<std::string> ids, ChecksumSessions());
        if (!ids.empty()) checker = ids[0];
        return !ids.empty();
      },
      WaitOptions{.initial_interval = absl::Milliseconds(1),
                  .max_interval = absl::Milliseconds(1)}));
  hold->store(true);
  const std::string other = Run("ALTER TABLE u ADD COLUMN c INT");
  ASSERT_OK(WaitCopyHeld(other));
  // Paused within a tick or two (its session ended); then nothing
  // compares for a while.
  ASSERT_OK(WaitFor(
      Clock::Real(), "the check ahead to pause", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(
            std::string n,
            mysql::QueryValue(*conn_, absl::StrCat("SELECT COUNT(*) FROM "
                                                   "information_schema."
                                                   "PROCESSLIST WHERE ID = ",
                                                   checker)));
        return n == "0";
      }));
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(bool now, comparing());
    ASSERT_FALSE(now) << "a comparison ran while a migration did";
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_THAT(executor_->Get(alter)->stage, Not(HasSubstr("verified")));
  hold->store(false);
  WaitStatus(other, kStatusComplete);
  ASSERT_OK(WaitFor(
      Clock::Real(), "the check ahead to end",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(alter));
        return absl::StrContains(m.stage, "; old table verified: 20000 rows");
      },
      WaitOptions{.timeout = absl::Seconds(120)}));
}

// Checks of `t` (40,000 rows) that take seconds: one row per chunk, one
// snapshot throughout.
class SlowCheckTest : public RevertTest {
 protected:
  void SlowChecksOfATable() {
    executor_.reset();
    ExecutorOptions o = Options();
    o.verify_chunk_rows = 1;
    o.verify_snapshot_life = absl::Hours(1);
    StartExecutor(o);
    ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
    ASSERT_OK(
        conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_40000"));
  }
  // Once a checksum runs, how long a DBA's ALTER of `t` took (from a
  // session not Sidecut's); 1 h on failure.
  absl::Duration DbaAltersTWhileAChecksumRuns() {
    absl::Status comparing = WaitFor(
        Clock::Real(), "a check to compare",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(std::vector<std::string> ids, ChecksumSessions());
          return !ids.empty();
        },
        WaitOptions{.timeout = absl::Seconds(120),
                    .initial_interval = absl::Milliseconds(1),
                    .max_interval = absl::Milliseconds(1)});
    EXPECT_OK(comparing);
    mysql::ConnectParams as_dba = harness::ConnectParamsFor(*instance_);
    as_dba.own_session = false;  // not one of Sidecut's
    absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> dba =
        mysql::MysqlConnection::Connect(as_dba);
    EXPECT_OK(dba.status());
    if (!comparing.ok() || !dba.ok()) return absl::Hours(1);
    EXPECT_OK((*dba)->Execute("SET SESSION lock_wait_timeout = 120"));
    const absl::Time t0 = absl::Now();
    absl::Status altered =
        (*dba)
            ->Execute(absl::StrCat("ALTER TABLE ",
                                   mysql::QuoteQualified(db_, "t"),
                                   " ADD COLUMN d INT"))
            .status();
    EXPECT_OK(altered);
    return altered.ok() ? absl::Now() - t0 : absl::Hours(1);
  }
};

// A statement waiting for the metadata lock of a table checked ahead of a
// revert (a DBA's ALTER of the live table) has the check give way at once:
// its snapshot held the ALTER, and every write queued behind it, until the
// comparison ended.
TEST_F(SlowCheckTest, CheckingAheadGivesWayToAStatementWaitingForTheTable) {
  SlowChecksOfATable();
  const std::string alter = Run("ALTER TABLE t ADD COLUMN c INT");
  WaitStatus(alter, kStatusComplete);
  EXPECT_LT(DbaAltersTWhileAChecksumRuns(), absl::Seconds(3));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(alter));
  EXPECT_THAT(m.stage, Not(HasSubstr("old table verified")));
}

// So does the check of a copy before its cut-over: a DBA's ALTER of the
// table waits a tick, not the comparison's length (the migration then
// stops at that ALTER, as any would).
TEST_F(SlowCheckTest, CheckingACopyGivesWayToAStatementWaitingForTheTable) {
  SlowChecksOfATable();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE t ADD COLUMN c INT",
                                         "vitess --postpone-completion", ""));
  EXPECT_LT(DbaAltersTWhileAChecksumRuns(), absl::Seconds(3));
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  EXPECT_FALSE(m.ready_to_complete);
  EXPECT_OK(executor_->Cancel(u[0]).status());
}

// Without verification nothing gives way: a DDL waiting for the table
// leaves a ready migration ready (it was held "verifying the copy paused"
// with verification off).
TEST_F(RevertTest, WithoutVerificationADdlWaitingHoldsNothing) {
  executor_.reset();
  ExecutorOptions o = Options();
  o.verify_copy = false;
  StartExecutor(o);
  ASSERT_OK(conn_->Execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO t SELECT seq, seq FROM seq_1_to_100"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("ALTER TABLE t ADD COLUMN c INT",
                                         "vitess --postpone-completion", ""));
  ASSERT_OK(WaitReadyToComplete(u[0]));
  mysql::ConnectParams app = harness::ConnectParamsFor(*instance_);
  app.own_session = false;  // not one of Sidecut's
  app.database = db_;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> reader,
                       mysql::MysqlConnection::Connect(app));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::Connection> dba,
                       mysql::MysqlConnection::Connect(app));
  ASSERT_OK(reader->Execute("BEGIN"));
  ASSERT_OK(reader->Execute("SELECT COUNT(*) FROM t"));
  std::thread ddl(
      [&] { EXPECT_OK(dba->Execute("ALTER TABLE t ADD COLUMN d INT")); });
  ASSERT_OK(WaitForSession("the ALTER waits",
                           "STATE = 'Waiting for table metadata lock' AND "
                           "INFO LIKE 'ALTER TABLE t ADD COLUMN d%'"));
  for (int round = 0; round < 2; ++round) ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  EXPECT_TRUE(m.ready_to_complete) << m.stage;
  EXPECT_THAT(m.stage, Not(HasSubstr("paused")));
  ASSERT_OK(reader->Execute("COMMIT"));
  ddl.join();
  EXPECT_OK(executor_->Cancel(u[0]).status());
}

// A revert rides on the reverse stream of the migration it reverts:
// throttling it pauses that stream, unthrottling resumes it, and rows
// written meanwhile are kept.
TEST_F(RevertTest, AThrottledRevertResumesWhenUnthrottled) {
  std::string first, revert;
  ThrottledRevertOfT(&first, &revert);
  ASSERT_FALSE(HasFatalFailure());
  auto reverse_state = [&]() -> absl::StatusOr<std::string> {
    return mysql::QueryValue(
        *conn_, absl::StrCat("SELECT state FROM _vt.vreplication WHERE "
                             "workflow = ",
                             mysql::QuoteString(first)));
  };
  ASSERT_OK(
      WaitFor(Clock::Real(), "revert throttled", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(revert));
        SC_ASSIGN_OR_RETURN(std::string state, reverse_state());
        return m.stage == "throttled by user" && state == "Stopped";
      }));
  ASSERT_OK(conn_->Execute("INSERT INTO t (id, v) VALUES (1000, 1000)"));
  ASSERT_OK(executor_->Throttle(revert, 0).status());
  ASSERT_OK(executor_->Complete(revert).status());
  WaitStatus(revert, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM t"), "101");
  EXPECT_EQ(Value("SELECT v FROM t WHERE id = 1000"), "1000");
  EXPECT_FALSE(HasColumn("t", "c"));
}

// A throttle stops the reverse stream a revert rides on, then records
// itself: a daemon stopped in between, restarted once the throttle
// expired, finds the stream stopped by request with no throttle in force.
// The stream runs again and the revert goes on (it failed, leaving the
// reverted migration's stream stopped for good, its revert refused).
TEST_F(RevertTest, AStreamStoppedForAThrottleNeverRecordedRunsAgain) {
  std::string first, revert;
  ThrottledRevertOfT(&first, &revert);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(WaitStream(first, "Stopped: stopped by request"));
  executor_.reset();
  // As if the throttle had stopped the stream, and nothing more, before
  // the daemon stopped; and had expired since.
  ASSERT_OK(conn_->Execute("DELETE FROM _vt.sidecut_throttled_apps"));
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.schema_migrations SET user_throttle_ratio = 0, stage = "
      "'catching up', component_throttled = '', reason_throttled = '' "
      "WHERE migration_uuid = ",
      mysql::QuoteString(revert))));
  ASSERT_OK(conn_->Execute("INSERT INTO t (id, v) VALUES (1000, 1000)"));
  StartExecutor(Options());
  ASSERT_OK(WaitStream(first, "Running"));
  ASSERT_OK(WaitReadyToComplete(revert));
  ASSERT_OK(executor_->Complete(revert).status());
  WaitStatus(revert, kStatusComplete);
  EXPECT_EQ(Value("SELECT v FROM t WHERE id = 1000"), "1000");
  EXPECT_FALSE(HasColumn("t", "c"));
}

// A migration's retention ending while a gated revert of it waits does not
// send its old table to GC (the revert would then fail).
TEST_F(RevertTest, APendingRevertKeepsTheArtifactFromGc) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE kept (id INT PRIMARY KEY, v INT)").status());
  ASSERT_OK(conn_->Execute("INSERT INTO kept SELECT seq, seq FROM seq_1_to_100")
                .status());
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE kept ADD COLUMN extra INT",
                        "vitess --retain-artifacts=2s", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string r,
                       executor_->Revert(u[0], "", "", /*gated=*/true));
  absl::SleepFor(absl::Seconds(4));  // the retention is over meanwhile
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  EXPECT_EQ(m.cleanup_timestamp, "");
  ASSERT_OK(executor_->Complete(r).status());
  WaitStatus(r, kStatusComplete);
  EXPECT_FALSE(HasColumn("kept", "extra"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM kept"), "100");
}

// The same for a dropped table: its hold table's name carries the end of
// the retention, and table GC leaves it alone while a revert of the DROP
// waits, so the revert brings back every row.
TEST_F(RevertTest, APendingRevertKeepsADroppedTableFromGc) {
  ASSERT_OK(conn_->Execute("CREATE TABLE kept3 (id INT PRIMARY KEY, v INT)")
                .status());
  ASSERT_OK(conn_->Execute("INSERT INTO kept3 SELECT seq, seq FROM seq_1_to_80")
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("DROP TABLE kept3",
                                         "vitess --retain-artifacts=2s", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string r,
                       executor_->Revert(u[0], "", "", /*gated=*/true));
  absl::SleepFor(absl::Seconds(4));  // the retention is over meanwhile
  ASSERT_OK(executor_->Tick());
  ASSERT_OK(executor_->Launch(r).status());  // a DROP's revert is a launch
  WaitStatus(r, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM kept3"), "80");
}

// A dropped table's hold name carries the retention's end, taken when it
// was renamed; the executor's cleanup counts from the migration's
// completion, a moment later. Table GC used to move the table on at the
// name's time, leaving a window where a revert was still allowed but its
// table gone. Made lasting here: an hour's retention, and the hold renamed
// to a name whose time has passed.
TEST_F(RevertTest, ADroppedTableStaysUntilItsMigrationIsCleanedUp) {
  ASSERT_OK(conn_->Execute("CREATE TABLE kept4 (id INT PRIMARY KEY, v INT)")
                .status());
  ASSERT_OK(conn_->Execute("INSERT INTO kept4 SELECT seq, seq FROM seq_1_to_30")
                .status());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> u,
                       executor_->Submit("DROP TABLE kept4",
                                         "vitess --retain-artifacts=1h", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(Migration dropped, executor_->Get(u[0]));
  const std::string hold = FirstArtifact(dropped);
  ASSERT_OK_AND_ASSIGN(
      std::string passed,
      ArtifactName(ArtifactHint::kHold, u[0], absl::Now() - absl::Minutes(1)));
  ASSERT_OK(conn_->Execute(absl::StrCat("RENAME TABLE ", Qualified(hold),
                                        " TO ", Qualified(passed))));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.schema_migrations SET artifacts = ",
                   mysql::QuoteString(passed),
                   " WHERE migration_uuid = ", mysql::QuoteString(u[0]))));
  ASSERT_OK(executor_->Tick());
  ASSERT_OK(executor_->Tick());
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  EXPECT_EQ(m.cleanup_timestamp, "");
  ASSERT_OK_AND_ASSIGN(std::string r, executor_->Revert(u[0], ""));
  WaitStatus(r, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM kept4"), "30");
  // The revert keeps its own artifacts as long (they took the tablet's
  // default, 30 min, whatever the DROP was given).
  ASSERT_OK_AND_ASSIGN(Migration revert, executor_->Get(r));
  EXPECT_EQ(revert.retain_artifacts_seconds, 3600);
}

// A REVERT sent with its own --retain-artifacts keeps its artifacts that
// long (it took the reverted migration's whatever it was asked); without
// one it inherits it (above).
TEST_F(RevertTest, ARevertKeepsItsArtifactsAsLongAsItsRequestAsks) {
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("CREATE TABLE kept5 (id INT PRIMARY KEY)",
                        "vitess --retain-artifacts=1h", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      mysql::Result rr,
      executor_->ExecuteCommand(
          absl::StrCat("REVERT VITESS_MIGRATION ", mysql::QuoteString(u[0])),
          "", "", "vitess --retain-artifacts=2h"));
  ASSERT_EQ(rr.rows.size(), 1u);
  const std::string revert(rr.rows[0].Get(0));
  WaitStatus(revert, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(Migration r, executor_->Get(revert));
  EXPECT_EQ(r.retain_artifacts_seconds, 7200);
  // Its own retention holds across CLEANUP and RETRY (it went back to the
  // reverted migration's).
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u2,
      executor_->Submit("CREATE TABLE kept6 (id INT PRIMARY KEY)",
                        "vitess --retain-artifacts=1h", ""));
  WaitStatus(u2[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(
      std::string r2,
      executor_->Revert(u2[0], "", "", /*gated=*/true, absl::InfiniteFuture(),
                        /*retain_artifacts_seconds=*/7200));
  ASSERT_OK(executor_->Cancel(r2).status());
  WaitStatus(r2, kStatusCancelled);
  ASSERT_OK(executor_->Cleanup(r2).status());
  ASSERT_OK(executor_->Retry(r2).status());
  ASSERT_OK_AND_ASSIGN(Migration again, executor_->Get(r2));
  EXPECT_EQ(again.retain_artifacts_seconds, 7200);
  ASSERT_OK(executor_->Launch(r2).status());
  WaitStatus(r2, kStatusComplete);
  EXPECT_THAT(
      executor_->ExecuteCommand(
          absl::StrCat("REVERT VITESS_MIGRATION ", mysql::QuoteString(revert)),
          "", "", "vitess --retain-artifacts=soon"),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

// A cancelled revert lists the reverted migration's old table, which is
// still that migration's: cleaning the revert up must not retire it.
TEST_F(RevertTest, ACancelledRevertLeavesTheRevertedMigrationsTable) {
  ASSERT_OK(conn_->Execute("CREATE TABLE kept2 (id INT PRIMARY KEY, v INT)")
                .status());
  ASSERT_OK(conn_->Execute("INSERT INTO kept2 SELECT seq, seq FROM seq_1_to_50")
                .status());
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> u,
      executor_->Submit("ALTER TABLE kept2 ADD COLUMN extra INT",
                        "vitess --retain-artifacts=1h", ""));
  WaitStatus(u[0], kStatusComplete);
  ASSERT_OK_AND_ASSIGN(Migration m, executor_->Get(u[0]));
  const std::string artifact = FirstArtifact(m);
  ASSERT_FALSE(artifact.empty());
  ASSERT_OK_AND_ASSIGN(std::string r,
                       executor_->Revert(u[0], "", "", /*gated=*/true));
  ASSERT_OK_AND_ASSIGN(int cancelled, executor_->Cancel(r));
  EXPECT_EQ(cancelled, 1);
  WaitStatus(r, kStatusCancelled);
  ASSERT_OK(executor_->Cleanup(r).status());
  ASSERT_OK(executor_->Tick());
  ASSERT_OK(executor_->Tick());
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM information_schema."
                               "TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                               "TABLE_NAME = ",
                               mysql::QuoteString(artifact))),
            "1");
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(u[0]));
  EXPECT_EQ(m.cleanup_timestamp, "");
  // And the migration can still be reverted, keeping its rows.
  ASSERT_OK(
      conn_->Execute("INSERT INTO kept2 (id, v) VALUES (51, 51)").status());
  ASSERT_OK_AND_ASSIGN(std::string again, executor_->Revert(u[0], ""));
  WaitStatus(again, kStatusComplete);
  EXPECT_FALSE(HasColumn("kept2", "extra"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM kept2"), "51");
}

// CREATE, DROP, ALTER VIEW and DROP VIEW revert by renames; a CREATE
// whose later changes were all undone by reverts reverts too.
TEST_F(RevertTest, RevertsCreateDropAndViews) {
  const std::string create = Run("CREATE TABLE c (id INT PRIMARY KEY)");
  WaitStatus(create, kStatusComplete);
  ASSERT_OK(conn_->Execute("INSERT INTO c VALUES (1), (2)").status());
  ASSERT_OK_AND_ASSIGN(std::string rc, executor_->Revert(create, ""));
  WaitStatus(rc, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'c'"),
            "0");
  // Reverting the revert brings the table back with its rows.
  ASSERT_OK_AND_ASSIGN(std::string rrc, executor_->Revert(rc, ""));
  WaitStatus(rrc, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM c"), "2");

  const std::string drop = Run("DROP TABLE c");
  WaitStatus(drop, kStatusComplete);
  EXPECT_THAT(executor_->Revert(create, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("only the last migration")));
  ASSERT_OK_AND_ASSIGN(std::string rd, executor_->Revert(drop, ""));
  WaitStatus(rd, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM c"), "2");

  // Made by hand with attributes an ALTER VIEW replaces; its revert brings
  // them back exactly.
  ASSERT_OK(conn_->Execute(
      "CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v AS SELECT id FROM "
      "c WHERE id > 0 WITH CASCADED CHECK OPTION"));
  auto show_view = [&]() -> std::string {
    absl::StatusOr<mysql::Result> r = conn_->Execute("SHOW CREATE VIEW v");
    EXPECT_OK(r.status());
    return r.ok() && !r->rows.empty() ? std::string(r->rows[0].Get(1)) : "";
  };
  const std::string original = show_view();
  EXPECT_THAT(original, HasSubstr("CHECK OPTION"));
  const std::string alter_view =
      Run("ALTER VIEW v AS SELECT id, id * 2 AS "
          "twice FROM c");
  WaitStatus(alter_view, kStatusComplete);
  EXPECT_EQ(Value("SELECT SUM(twice) FROM v"), "6");
  ASSERT_OK_AND_ASSIGN(std::string rv, executor_->Revert(alter_view, ""));
  WaitStatus(rv, kStatusComplete);
  EXPECT_THAT(conn_->Execute("SELECT twice FROM v").status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM v"), "2");
  EXPECT_EQ(show_view(), original);
  const std::string drop_view = Run("DROP VIEW v");
  WaitStatus(drop_view, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string rdv, executor_->Revert(drop_view, ""));
  WaitStatus(rdv, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM v"), "2");

  // Its own revert reverted puts its change back by another migration:
  // that one is the last (reverting it is the way), not the CREATE.
  EXPECT_THAT(executor_->Revert(create, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("migration ", rrc))));
  // A CREATE whose later changes were each undone by a revert is again the
  // last one standing, and reverts.
  const std::string create2 = Run("CREATE TABLE c2 (id INT PRIMARY KEY)");
  WaitStatus(create2, kStatusComplete);
  const std::string drop2 = Run("DROP TABLE c2");
  WaitStatus(drop2, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string rd2, executor_->Revert(drop2, ""));
  WaitStatus(rd2, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string rc2, executor_->Revert(create2, ""));
  WaitStatus(rc2, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'c2'"),
            "0");
}

// CREATE TABLE IF NOT EXISTS of an existing table changes nothing and is
// not revertible (its revert renamed the older table away, for the GC);
// CREATE OR REPLACE TABLE of an existing table is refused (the server drops
// the old one at once); CREATE OR REPLACE VIEW of an existing view reverts
// to the old definition (its revert removed the view).
TEST_F(RevertTest, CreatesOfExistingNamesRevertToWhatWasThere) {
  ASSERT_OK(conn_->Execute("CREATE TABLE e (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("INSERT INTO e VALUES (1), (2), (3)"));
  const std::string noop =
      Run("CREATE TABLE IF NOT EXISTS e (id INT PRIMARY KEY, x INT)");
  WaitStatus(noop, kStatusComplete);
  EXPECT_THAT(executor_->Get(noop)->message, HasSubstr("nothing changed"));
  EXPECT_THAT(executor_->Revert(noop, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("existed already")));
  const std::string replace = Run("CREATE OR REPLACE TABLE e (id INT)");
  WaitStatus(replace, kStatusFailed);
  EXPECT_THAT(executor_->Get(replace)->message, HasSubstr("drop it first"));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM e"), "3");
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'e'"),
            "1");
  // Where nothing is in the way, both are plain creates.
  const std::string fresh = Run("CREATE OR REPLACE TABLE f (id INT)");
  WaitStatus(fresh, kStatusComplete);
  const std::string fresh2 =
      Run("CREATE TABLE IF NOT EXISTS g (id INT PRIMARY KEY)");
  WaitStatus(fresh2, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string rg, executor_->Revert(fresh2, ""));
  WaitStatus(rg, kStatusComplete);
  EXPECT_EQ(Value("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                  "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'g'"),
            "0");

  ASSERT_OK(conn_->Execute("CREATE VIEW w AS SELECT 1 AS a"));
  const std::string view = Run("CREATE OR REPLACE VIEW w AS SELECT 2 AS a");
  WaitStatus(view, kStatusComplete);
  EXPECT_EQ(Value("SELECT a FROM w"), "2");
  ASSERT_OK_AND_ASSIGN(std::string rv, executor_->Revert(view, ""));
  WaitStatus(rv, kStatusComplete);
  EXPECT_EQ(Value("SELECT a FROM w"), "1");
  // A plain CREATE of a name taken fails before anything is recorded as
  // being applied (a restart in between took the table for created).
  const std::string taken = Run("CREATE TABLE e (id INT PRIMARY KEY)");
  WaitStatus(taken, kStatusFailed);
  EXPECT_THAT(executor_->Get(taken)->message,
              HasSubstr(absl::StrCat("table `", db_, "`.`e` already exists")));
}

// A revert of a CREATE launched late (postponed, or retried) after another
// migration changed the table: refused then, not only when requested.
TEST_F(RevertTest, ALateRevertChecksForLaterMigrationsAgain) {
  const std::string create = Run("CREATE TABLE c2 (id INT PRIMARY KEY)");
  WaitStatus(create, kStatusComplete);
  ASSERT_OK(conn_->Execute("INSERT INTO c2 VALUES (1), (2)"));
  ASSERT_OK_AND_ASSIGN(std::string rc,
                       executor_->Revert(create, "", "", /*gated=*/true));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> alter,
                       executor_->Submit("ALTER TABLE c2 ADD COLUMN x INT",
                                         "vitess --allow-concurrent", ""));
  WaitStatus(alter[0], kStatusComplete);
  ASSERT_OK(executor_->Launch(rc).status());
  WaitStatus(rc, kStatusFailed);
  EXPECT_THAT(executor_->Get(rc)->message,
              HasSubstr("only the last migration"));
  EXPECT_EQ(Value("SELECT COUNT(x IS NULL) FROM c2"), "2");
}

// A migration of the table running now, though submitted before the one
// to revert (launched late), is in the way: its cut-over would stop the
// reverse stream. The revert was taken, then waited or failed.
TEST_F(RevertTest, AMigrationRunningOnTheTableRefusesARevertWhateverItsAge) {
  ASSERT_OK(conn_->Execute("CREATE TABLE r9 (id INT PRIMARY KEY, v INT)"));
  ASSERT_OK(conn_->Execute("INSERT INTO r9 VALUES (1, 1)"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> older,
      executor_->Submit("ALTER TABLE r9 ADD COLUMN w INT",
                        "vitess --postpone-launch --postpone-completion", ""));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> m,
                       executor_->Submit("ALTER TABLE r9 ADD COLUMN x INT",
                                         "vitess --allow-concurrent", ""));
  WaitStatus(m[0], kStatusComplete);
  ASSERT_OK(executor_->Launch(older[0]).status());
  WaitStatus(older[0], kStatusRunning);
  EXPECT_THAT(
      executor_->Revert(m[0], ""),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(absl::StrCat("migration ", older[0], " is running"))));
  ASSERT_OK(executor_->Cancel(older[0]).status());
  ASSERT_OK_AND_ASSIGN(std::string r, executor_->Revert(m[0], ""));
  WaitStatus(r, kStatusComplete);
}

// A table named like its database: the cut-over's own DDL names the
// database (`db`.`db~sentry`), which is not the table; the ALTER cuts over
// and its reverse stream goes on past later DDL in the database.
TEST_F(RevertTest, ATableNamedLikeItsDatabaseCutsOverAndReverts) {
  const std::string t = mysql::QuoteIdentifier(db_);
  ASSERT_OK(conn_->Execute(
      absl::StrCat("CREATE TABLE ", t, " (id INT PRIMARY KEY, v INT)")));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("INSERT INTO ", t, " VALUES (1, 1), (2, 2)")));
  const std::string alter =
      Run(absl::StrCat("ALTER TABLE ", t, " ADD COLUMN w INT"));
  WaitStatus(alter, kStatusComplete);
  ASSERT_OK(
      conn_->Execute(absl::StrCat("CREATE TABLE ", t, ".other (id INT)")));
  ASSERT_OK(
      conn_->Execute(absl::StrCat("INSERT INTO ", t, " VALUES (3, 3, 3)")));
  ASSERT_OK_AND_ASSIGN(std::string r, executor_->Revert(alter, ""));
  WaitStatus(r, kStatusComplete);
  EXPECT_EQ(Value(absl::StrCat("SELECT COUNT(*) FROM ", t)), "3");
  EXPECT_EQ(Value(absl::StrCat(
                "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
                mysql::QuoteString(db_))),
            "2");
}

// A parked stream whose binlogs the server purged cannot catch up: its
// revert is refused up front, with the reason, and nothing changes.
TEST_F(RevertTest, ARevertOfAParkedStreamWhoseBinlogsArePurgedIsRefused) {
  RestartWithLiveReverseStreams(1);
  std::string first, second;
  AlterAThenBParkingA(&first, &second);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(conn_->Execute("UPDATE a SET val = -val WHERE id % 7 = 0"));
  ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
  // (A log a binlog dump thread still reads is kept: purged once it moved.)
  ASSERT_OK(WaitFor(Clock::Real(), "purged", [&]() -> absl::StatusOr<bool> {
    SC_ASSIGN_OR_RETURN(mysql::Result status,
                        conn_->Execute("SHOW MASTER STATUS"));
    SC_RETURN_IF_ERROR(conn_
                           ->Execute(absl::StrCat(
                               "PURGE BINARY LOGS TO ",
                               mysql::QuoteString(status.rows.at(0).Get(0))))
                           .status());
    SC_ASSIGN_OR_RETURN(mysql::Result logs, conn_->Execute("SHOW BINARY LOGS"));
    return logs.rows.size() == 1;
  }));
  EXPECT_THAT(executor_->Revert(first, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("purged the binlogs since")));
  EXPECT_EQ(Value("SELECT COUNT(*) FROM _vt.schema_migrations WHERE "
                  "mysql_schema = DATABASE() AND reverted_uuid <> ''"),
            "0");
  EXPECT_TRUE(HasColumn("a", "c"));
}

// The process ended after a revert was launched and before its parked
// stream restarted (or after a stream was parked and before its stage said
// so): once restarted, the revert catches up and completes, keeping every
// row, and stages say what their streams do.
TEST_F(RevertTest, CrashesAroundParkingLoseNeitherTheRevertNorTheStageNote) {
  RestartWithLiveReverseStreams(1);
  std::string first, second;
  AlterAThenBParkingA(&first, &second);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(conn_->Execute("UPDATE a SET val = -val WHERE id % 7 = 0"));
  ASSERT_OK(conn_->Execute("INSERT INTO a (val) VALUES (9999)"));
  ASSERT_OK_AND_ASSIGN(std::string expected,
                       Checksum(*conn_, Qualified("a"), "id, val"));
  ASSERT_OK_AND_ASSIGN(Migration done, executor_->Get(first));
  executor_.reset();
  // b's stream parked with the stage not saying so yet.
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.vreplication SET state = 'Stopped', message = ",
                   mysql::QuoteString(kReverseStreamParked),
                   " WHERE workflow = ", mysql::QuoteString(second))));
  ASSERT_OK(conn_->Execute(
      absl::StrCat("UPDATE _vt.schema_migrations SET stage = 'complete' WHERE "
                   "migration_uuid = ",
                   mysql::QuoteString(second))));
  // A revert of a as StartSteps leaves it before StartRevert ran.
  Migration r = RevertOf(done, CreateMigrationUuid(), done.tablet);
  r.status = kStatusRunning;
  r.stage = "starting";
  ASSERT_OK(InsertMigration(*conn_, r));
  RestartWithLiveReverseStreams(0);
  WaitStatus(r.uuid, kStatusComplete);
  ASSERT_OK_AND_ASSIGN(std::string after,
                       Checksum(*conn_, Qualified("a"), "id, val"));
  EXPECT_EQ(after, expected);
  ASSERT_OK(WaitFor(Clock::Real(), "b's note", [&]() -> absl::StatusOr<bool> {
    SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(second));
    return absl::StrContains(now.stage, "reverse stream parked");
  }));
  EXPECT_THAT(StreamState(second), HasSubstr("Stopped: parked"));
  // A stream running again (the process ended before its stage said so)
  // loses the note.
  executor_.reset();
  ASSERT_OK(conn_->Execute(absl::StrCat(
      "UPDATE _vt.vreplication SET state = 'Running', message = '' WHERE "
      "workflow = ",
      mysql::QuoteString(second))));
  RestartWithLiveReverseStreams(-1);
  ASSERT_OK(
      WaitFor(Clock::Real(), "b's note gone", [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(Migration now, executor_->Get(second));
        return !absl::StrContains(now.stage, "parked");
      }));
  EXPECT_THAT(StreamState(second), HasSubstr("Running"));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
