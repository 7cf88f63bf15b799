#include "tests/onlineddl_conformance/case_runner.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/schema_migrations.h"
#include "onlineddl/sql_split.h"
#include "tests/onlineddl_conformance/live_writes.h"
#include "tests/onlineddl_conformance/table_checks.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/wait.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace onlineddl_conformance {
namespace {

using onlineddl::Executor;
using onlineddl::Migration;

// How long stopping the events may take at most.
constexpr absl::Duration kStopEventsTimeout = absl::Seconds(10);
// How long an event may take to write again (it runs every second).
constexpr absl::Duration kEventWriteTimeout = absl::Seconds(5);
// How long the stream may take to apply the last writes before COMPLETE.
constexpr absl::Duration kCatchUpTimeout = absl::Seconds(10);

// "odc_" + `name` with every character but [A-Za-z0-9_] made '_', at most
// 64 characters (MariaDB's limit).
std::string DatabaseFor(absl::string_view name) {
  std::string db = "odc_";
  for (char ch : name) {
    db.push_back(absl::ascii_isalnum(static_cast<unsigned char>(ch)) ? ch
                                                                     : '_');
  }
  return db.substr(0, 64);
}

std::string Describe(const Migration& m) {
  return absl::StrCat("status ", m.status, ", stage \"", m.stage,
                      "\", message \"", m.message, "\"");
}

std::vector<std::string> Artifacts(const Migration& m) {
  return absl::StrSplit(m.artifacts, ',', absl::SkipWhitespace());
}

absl::Status Annotate(const absl::Status& s, absl::string_view what) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

// OK unless the migration failed or was cancelled.
absl::Status NotFailed(const Migration& m) {
  if (m.status == onlineddl::kStatusFailed ||
      m.status == onlineddl::kStatusCancelled) {
    return absl::FailedPreconditionError(
        absl::StrCat("the migration ", m.status, ": ", m.message));
  }
  return absl::OkStatus();
}

class CaseRun {
 public:
  CaseRun(const ConformanceCase& c, const mysql::ConnectParams& server,
          const RunOptions& options)
      : case_(c),
        server_(server),
        options_(options),
        db_(DatabaseFor(c.name)),
        deadline_(Clock::Real()->Now() + options.case_timeout) {}

  CaseResult Run() {
    const absl::Time start = Clock::Real()->Now();
    absl::Status s = Execute();
    Cleanup();
    CaseResult r;
    r.name = case_.name;
    r.duration = Clock::Real()->Now() - start;
    if (skip_.has_value()) {
      r.outcome = Outcome::kSkip;
      r.reason = *skip_;
    } else if (s.ok()) {
      r.outcome = Outcome::kPass;
    } else {
      r.outcome = Outcome::kFail;
      r.reason = std::string(s.message());
      if (absl::IsDeadlineExceeded(s)) {
        r.reason = absl::StrCat("timed out (case limit ",
                                absl::FormatDuration(options_.case_timeout),
                                "): ", r.reason);
      }
    }
    return r;
  }

 private:
  absl::Status Execute() {
    SC_ASSIGN_OR_RETURN(conn_, Connect(""));
    SC_ASSIGN_OR_RETURN(std::string version,
                        mysql::QueryValue(*conn_, "SELECT @@version"));
    SC_ASSIGN_OR_RETURN(bool ignored, IgnoredOnVersion(case_, version));
    if (ignored) {
      skip_ = absl::StrCat("ignore_versions ", *case_.ignore_versions,
                           " matches ", version);
      return absl::OkStatus();
    }
    SC_RETURN_IF_ERROR(Annotate(CreateDatabase(), "creating the database"));
    if (options_.stop_writes == StopWrites::kStopScheduler) {
      SC_RETURN_IF_ERROR(
          conn_->Execute("SET GLOBAL event_scheduler = ON").status());
    }
    SC_RETURN_IF_ERROR(RunCreateSql());
    SC_RETURN_IF_ERROR(StartExecutor());
    if (case_.expect_query_failure.has_value()) return ExpectQueryFailure();
    if (case_.expect_failure.has_value()) return ExpectFailure();
    return ExpectSuccess();
  }

  absl::StatusOr<std::unique_ptr<mysql::Connection>> Connect(
      absl::string_view db) {
    mysql::ConnectParams p = server_;
    p.database = std::string(db);
    SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c,
                        mysql::MysqlConnection::Connect(p));
    return std::unique_ptr<mysql::Connection>(std::move(c));
  }

  absl::Status CreateDatabase() {
    const std::string q = mysql::QuoteIdentifier(db_);
    SC_RETURN_IF_ERROR(
        conn_->Execute(absl::StrCat("DROP DATABASE IF EXISTS ", q)).status());
    SC_RETURN_IF_ERROR(
        conn_->Execute(absl::StrCat("CREATE DATABASE ", q)).status());
    return conn_->Execute(absl::StrCat("USE ", q)).status();
  }

  // On its own session: create.sql sets session variables (sql_mode,
  // time_zone, foreign_key_checks) the checks must not inherit.
  absl::Status RunCreateSql() {
    absl::StatusOr<std::vector<onlineddl::SqlStatement>> statements =
        onlineddl::SplitSqlStatements(
            ShortenEventSchedule(case_.create_sql, options_.event_seconds));
    if (!statements.ok()) return Annotate(statements.status(), "create.sql");
    SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> session,
                        Connect(db_));
    for (const onlineddl::SqlStatement& st : *statements) {
      absl::Status s = session->Execute(st.text).status();
      if (!s.ok()) {
        return Annotate(s, absl::StrCat("create.sql line ", st.line));
      }
    }
    return absl::OkStatus();
  }

  absl::Status StartExecutor() {
    onlineddl::ExecutorOptions o;
    o.connect = server_;
    o.db = db_;
    o.tick = options_.tick;
    o.ready_lag = options_.ready_lag;
    o.cut_over_backoff = options_.cut_over_backoff;
    o.workflow.copy_batch_rows = 500;
    o.workflow.copy_phase_duration = absl::Milliseconds(500);
    o.workflow.heartbeat_period = absl::Milliseconds(250);
    executor_.reset();  // one daemon per database: a restart stops it first
    absl::StatusOr<std::unique_ptr<Executor>> e =
        Executor::Start(o, Clock::Real());
    if (!e.ok()) return Annotate(e.status(), "the executor did not start");
    executor_ = std::move(*e);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> SubmitAlter() {
    return executor_->Submit(AlterStatement(case_), Strategy(case_),
                             absl::StrCat("conformance:", case_.name));
  }

  absl::Status Submit() {
    absl::StatusOr<std::vector<std::string>> uuids = SubmitAlter();
    if (!uuids.ok()) {
      return Annotate(uuids.status(), "the ALTER was refused");
    }
    if (uuids->size() != 1) {
      return absl::InternalError(absl::StrCat("Submit returned ", uuids->size(),
                                              " migrations, want 1"));
    }
    uuid_ = (*uuids)[0];
    return absl::OkStatus();
  }

  absl::Status ExpectQueryFailure() {
    absl::StatusOr<std::vector<std::string>> uuids = SubmitAlter();
    if (uuids.ok()) {
      if (!uuids->empty()) uuid_ = (*uuids)[0];
      return absl::FailedPreconditionError(
          absl::StrCat("expected the ALTER to be refused with \"",
                       *case_.expect_query_failure, "\", but it was accepted"));
    }
    if (!absl::StrContains(uuids.status().message(),
                           *case_.expect_query_failure)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ALTER was refused with \"", uuids.status().message(),
          "\", expected \"", *case_.expect_query_failure, "\""));
    }
    return absl::OkStatus();
  }

  // Waits until `done` holds for the migration; `done` may fail the wait.
  absl::StatusOr<Migration> WaitMigration(
      absl::string_view what,
      const std::function<absl::StatusOr<bool>(const Migration&)>& done) {
    Migration m;
    absl::Status s = WaitFor(
        Clock::Real(), what,
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
          return done(m);
        },
        WaitOptions{.timeout = Remaining(),
                    .max_interval = absl::Milliseconds(100)});
    if (absl::IsDeadlineExceeded(s)) {
      return absl::DeadlineExceededError(
          absl::StrCat("waiting for ", what, "; last seen ", Describe(m)));
    }
    if (!s.ok()) return s;
    return m;
  }

  // Stops the case's event writing into the table (see StopWrites).
  absl::Status HaltWrites() {
    return Annotate(
        StopEventWrites(*conn_, db_, options_.stop_writes, kStopEventsTimeout),
        "stopping the event's writes");
  }

  absl::Duration Remaining() const {
    return std::max(absl::ZeroDuration(), deadline_ - Clock::Real()->Now());
  }

  // Runs the submitted migration to its end (step 5 in case_runner.h).
  absl::StatusOr<Migration> RunToEnd();
  absl::Status ExpectFailure();
  absl::Status ExpectSuccess();
  absl::Status CheckNoActiveWorkflow();
  void Cleanup();

  const ConformanceCase& case_;
  const mysql::ConnectParams server_;
  const RunOptions options_;
  const std::string db_;
  const absl::Time deadline_;
  std::unique_ptr<mysql::Connection> conn_;  // USE db_ once it exists
  std::unique_ptr<Executor> executor_;
  std::string uuid_;
  absl::optional<std::string> skip_;
};

absl::StatusOr<Migration> CaseRun::RunToEnd() {
  auto ended = [](const Migration& m) -> absl::StatusOr<bool> {
    return onlineddl::IsTerminalStatus(m.status);
  };
  SC_ASSIGN_OR_RETURN(
      Migration m,
      WaitMigration("the migration to be ready to complete",
                    [](const Migration& m) -> absl::StatusOr<bool> {
                      return onlineddl::IsTerminalStatus(m.status) ||
                             m.ready_to_complete;
                    }));
  if (onlineddl::IsTerminalStatus(m.status)) return m;
  SC_RETURN_IF_ERROR(Annotate(
      AwaitEventWrite(*conn_, db_, std::min(Remaining(), kEventWriteTimeout)),
      "waiting for a live write while the migration is ready to complete"));
  SC_RETURN_IF_ERROR(HaltWrites());
  // Errors are fine: the migration's status says what happened.
  WaitStreamCaughtUp(*conn_, db_, std::min(Remaining(), kCatchUpTimeout))
      .IgnoreError();
  SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
  if (onlineddl::IsTerminalStatus(m.status)) return m;
  absl::StatusOr<int> n = executor_->Complete(uuid_);
  if (!n.ok()) {
    // It may have ended since it was read (a failure the writes caused).
    SC_ASSIGN_OR_RETURN(m, executor_->Get(uuid_));
    if (onlineddl::IsTerminalStatus(m.status)) return m;
    return Annotate(n.status(), "COMPLETE was refused");
  }
  return WaitMigration("the migration to end after COMPLETE", ended);
}

absl::Status CaseRun::ExpectFailure() {
  const std::string& want = *case_.expect_failure;
  SC_ASSIGN_OR_RETURN(std::vector<std::string> events, EventNames(*conn_, db_));
  SC_ASSIGN_OR_RETURN(
      TableSnapshot before,
      TakeSnapshot(*conn_, db_, kTestTable, /*with_rows=*/events.empty()));
  SC_RETURN_IF_ERROR(Submit());
  SC_ASSIGN_OR_RETURN(Migration m, RunToEnd());
  if (m.status != onlineddl::kStatusFailed) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected the migration to fail with \"", want,
                     "\", but it ended with ", Describe(m)));
  }
  if (!absl::StrContains(m.message, want)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the migration failed with \"", m.message,
                     "\", expected a message containing \"", want, "\""));
  }
  SC_RETURN_IF_ERROR(HaltWrites());
  SC_RETURN_IF_ERROR(
      Annotate(CheckUnchanged(*conn_, db_, kTestTable, before, Artifacts(m)),
               "after the expected failure"));
  return CheckNoActiveWorkflow();
}

absl::Status CaseRun::ExpectSuccess() {
  SC_RETURN_IF_ERROR(Submit());
  SC_ASSIGN_OR_RETURN(Migration m, RunToEnd());
  SC_RETURN_IF_ERROR(NotFailed(m));
  // The old table, kept as the artifact, must hold every row the new one
  // has (the reverse stream keeps it so; no writes run any more).
  const std::vector<std::string> artifacts = Artifacts(m);
  if (artifacts.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the migration completed without an artifact (the old "
                     "table) to compare with; ",
                     Describe(m)));
  }
  if (case_.expect_table_structure.has_value()) {
    SC_ASSIGN_OR_RETURN(std::string create,
                        ShowCreateTable(*conn_, db_, kTestTable));
    if (!MatchesTableStructure(create, *case_.expect_table_structure)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "SHOW CREATE TABLE does not match expect_table_structure \"",
          *case_.expect_table_structure, "\": ", create));
    }
  }
  return CompareMigratedRows(*conn_, db_, artifacts[0], kTestTable,
                             case_.before_columns, case_.after_columns,
                             case_.order_by);
}

absl::Status CaseRun::CheckNoActiveWorkflow() {
  const std::string sql = absl::StrCat(
      "SELECT id, workflow, state, message FROM _vt.vreplication WHERE "
      "db_name = ",
      mysql::QuoteString(db_), " AND state <> ",
      mysql::QuoteString(vreplication::kStateStopped));
  mysql::Result active;
  absl::Status s = WaitFor(
      Clock::Real(), "the migration's workflow to go away",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(active, conn_->Execute(sql));
        return active.rows.empty();
      },
      WaitOptions{.timeout = absl::Seconds(5)});
  if (!absl::IsDeadlineExceeded(s)) return s;
  const mysql::Row& w = active.rows[0];
  return absl::FailedPreconditionError(absl::StrCat(
      "VReplication workflow ", w.Get(0), " (", w.Get(1), ") is still ",
      w.Get(2), " 5s after the migration failed: ", w.Get(3)));
}

void CaseRun::Cleanup() {
  if (executor_ != nullptr && !uuid_.empty()) {
    absl::StatusOr<Migration> m = executor_->Get(uuid_);
    if (m.ok() && !onlineddl::IsTerminalStatus(m->status)) {
      executor_->Cancel(uuid_).IgnoreError();
    }
  }
  executor_.reset();
  if (skip_.has_value()) return;
  // A fresh session: conn_ may be the reason the case failed.
  absl::StatusOr<std::unique_ptr<mysql::Connection>> c = Connect("");
  if (!c.ok()) return;
  // No later executor on this server may resume a workflow of this case.
  (*c)->Execute(absl::StrCat("UPDATE _vt.vreplication SET state = ",
                             mysql::QuoteString(vreplication::kStateStopped),
                             " WHERE db_name = ", mysql::QuoteString(db_)))
      .IgnoreError();
  (*c)->Execute(
          absl::StrCat("DROP DATABASE IF EXISTS ", mysql::QuoteIdentifier(db_)))
      .IgnoreError();
}

}  // namespace

CaseResult RunCase(const ConformanceCase& c, const mysql::ConnectParams& server,
                   const RunOptions& options) {
  return CaseRun(c, server, options).Run();
}

}  // namespace onlineddl_conformance
}  // namespace sidecut
