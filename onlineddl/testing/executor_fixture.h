// ExecutorFixture: the gtest fixture of the executor's integration tests: a
// shared throwaway MariaDB, a fresh database per test (named after the
// test), executor options tuned for tests, and waiting helpers.
#ifndef SIDECUT_ONLINEDDL_TESTING_EXECUTOR_FIXTURE_H_
#define SIDECUT_ONLINEDDL_TESTING_EXECUTOR_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "mysql/connection.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/shared_instance_test.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/status_matchers.h"
#include "util/wait.h"

namespace sidecut {
namespace onlineddl {
namespace testing {

class ExecutorFixture : public harness::SharedInstanceTest {
 protected:
  void SetUp() override {
    harness::SharedInstanceTest::SetUp();
    if (HasFatalFailure()) return;
    db_ = absl::StrCat(
        "t_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    const std::string q = mysql::QuoteIdentifier(db_);
    // Earlier tests' workflows (the reverse streams their migrations left)
    // would all start with this test's executor and read the binlog since
    // their positions, slowing everything down and holding old binlogs
    // (a test purging them waited in vain).
    ASSERT_OK(conn_->Execute("DROP DATABASE IF EXISTS _vt").status());
    ASSERT_OK(
        conn_->Execute(absl::StrCat("DROP DATABASE IF EXISTS ", q)).status());
    ASSERT_OK(conn_->Execute(absl::StrCat("CREATE DATABASE ", q)).status());
    ASSERT_OK(conn_->Execute(absl::StrCat("USE ", q)).status());
  }
  void TearDown() override { executor_.reset(); }

  // Fast ticks and short waits for tests.
  ExecutorOptions Options() {
    ExecutorOptions o;
    o.connect = harness::ConnectParamsFor(*instance_);
    o.db = db_;
    o.tick = absl::Milliseconds(50);
    o.ready_lag = absl::Seconds(2);
    o.cut_over_backoff = absl::Milliseconds(100);
    o.workflow.copy_batch_rows = 500;
    o.workflow.copy_phase_duration = absl::Milliseconds(500);
    o.workflow.heartbeat_period = absl::Milliseconds(250);
    return o;
  }
  void StartExecutor() { StartExecutor(Options()); }
  void StartExecutor(const ExecutorOptions& o) {
    executor_.reset();  // one daemon per database: a restart stops it first
    ASSERT_OK_AND_ASSIGN(executor_, Executor::Start(o, Clock::Real()));
  }

  // Waits until the migration reaches `status`; a different end status
  // stops the wait early. Reports the migration's stage and message.
  Migration WaitStatus(const std::string& uuid, const std::string& status,
                       absl::Duration timeout = absl::Seconds(120)) {
    Migration m;
    absl::Status s = WaitFor(
        Clock::Real(), absl::StrCat("migration ", uuid, " ", status),
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid));
          if (m.status != status && IsTerminalStatus(m.status)) {
            return absl::FailedPreconditionError(
                absl::StrCat("ended ", m.status, ": ", m.message));
          }
          return m.status == status;
        },
        WaitOptions{.timeout = timeout});
    EXPECT_OK(s) << "status " << m.status << " stage " << m.stage << " message "
                 << m.message;
    return m;
  }
  // Waits until the migration is ready to complete (an error if it fails
  // meanwhile).
  absl::Status WaitReadyToComplete(const std::string& uuid,
                                   absl::Duration timeout = absl::Seconds(60)) {
    return WaitFor(
        Clock::Real(), absl::StrCat("migration ", uuid, " ready to complete"),
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid));
          if (m.status == kStatusFailed) return absl::InternalError(m.message);
          return m.ready_to_complete;
        },
        WaitOptions{.timeout = timeout});
  }
  // Parent fp (1, 2, 3) and child fc (id, p) referencing it through key
  // fk_p `on_delete` ("" or e.g. "ON DELETE CASCADE"), rows (n, n).
  void CreateParentAndChild(const std::string& on_delete) {
    ASSERT_OK(conn_->Execute("CREATE TABLE fp (id INT PRIMARY KEY)"));
    ASSERT_OK(conn_->Execute(absl::StrCat(
        "CREATE TABLE fc (id INT PRIMARY KEY, p INT, KEY (p), CONSTRAINT fk_p "
        "FOREIGN KEY (p) REFERENCES fp (id) ",
        on_delete, ")")));
    ASSERT_OK(conn_->Execute("INSERT INTO fp VALUES (1), (2), (3)"));
    ASSERT_OK(conn_->Execute("INSERT INTO fc VALUES (1, 1), (2, 2), (3, 3)"));
  }
  // The first column of the first row of `sql` ("" and a failure if none).
  std::string Value(const std::string& sql) {
    absl::StatusOr<std::string> v = mysql::QueryValue(*conn_, sql);
    EXPECT_OK(v.status()) << sql;
    return v.value_or("");
  }
  std::string Qualified(const std::string& t) {
    return mysql::QuoteQualified(db_, t);
  }
  // Whether this test's database has a table (or view) named `table`.
  bool HasTable(const std::string& table) {
    return Value(absl::StrCat(
               "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
               "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
               mysql::QuoteString(table))) == "1";
  }
  // Whether `table` of this test's database has `column`.
  bool HasColumn(const std::string& table, const std::string& column) {
    return Value(absl::StrCat(
               "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
               "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
               mysql::QuoteString(table),
               " AND COLUMN_NAME = ", mysql::QuoteString(column))) == "1";
  }
  // Whether `table` of this test's database has an index named `index`.
  absl::StatusOr<bool> HasIndex(const std::string& table,
                                const std::string& index) {
    SC_ASSIGN_OR_RETURN(
        std::string n,
        mysql::QueryValue(
            *conn_,
            absl::StrCat("SELECT COUNT(*) FROM "
                         "information_schema.STATISTICS WHERE "
                         "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
                         mysql::QuoteString(table),
                         " AND INDEX_NAME = ", mysql::QuoteString(index))));
    return n != "0";
  }
  // Waits until the copy of migration `uuid` is held by its throttler.
  absl::Status WaitCopyHeld(const std::string& uuid) {
    return WaitFor(Clock::Real(), absl::StrCat("the copy of ", uuid, " held"),
                   [&]() -> absl::StatusOr<bool> {
                     SC_ASSIGN_OR_RETURN(Migration m, executor_->Get(uuid));
                     return m.component_throttled == "vcopier";
                   });
  }
  // How many server sessions (other than this one) match `where`, a
  // condition on information_schema.PROCESSLIST.
  absl::StatusOr<int64_t> CountSessions(absl::string_view where) {
    SC_ASSIGN_OR_RETURN(
        std::string n,
        mysql::QueryValue(*conn_, absl::StrCat("SELECT COUNT(*) FROM "
                                               "information_schema.PROCESSLIST "
                                               "WHERE ID <> CONNECTION_ID() "
                                               "AND (",
                                               where, ")")));
    int64_t count = 0;
    if (!absl::SimpleAtoi(n, &count)) {
      return absl::InternalError(absl::StrCat("not a count: ", n));
    }
    return count;
  }
  // Waits until some server session matches `where` (CountSessions).
  absl::Status WaitForSession(absl::string_view what, absl::string_view where,
                              absl::Duration timeout = absl::Seconds(60)) {
    return WaitFor(
        Clock::Real(), what,
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(int64_t n, CountSessions(where));
          return n > 0;
        },
        WaitOptions{.timeout = timeout});
  }
  // The sessions running a verification's checksum now (their IDs).
  absl::StatusOr<std::vector<std::string>> ChecksumSessions() {
    SC_ASSIGN_OR_RETURN(
        mysql::Result r,
        conn_->Execute("SELECT ID FROM information_schema.PROCESSLIST WHERE "
                       "INFO LIKE '%BIT\\_XOR%' AND ID <> CONNECTION_ID()"));
    std::vector<std::string> ids;
    for (const mysql::Row& row : r.rows) ids.emplace_back(row.Get(0));
    return ids;
  }

  std::string db_;
  std::unique_ptr<Executor> executor_;
};

}  // namespace testing
}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_TESTING_EXECUTOR_FIXTURE_H_
