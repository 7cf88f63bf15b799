// Verification of an online ALTER's copy before it may cut over
// (ExecutorOptions::verify_copy): the shadow against the table, inside one
// snapshot taken while the table takes no writes and the stream has
// applied all of them (vreplication/copy_verify.h).
#include <atomic>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "mysql/gtid.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "util/status_macros.h"
#include "vreplication/copy_verify.h"
#include "vreplication/table_plan.h"

namespace sidecut {
namespace onlineddl {
namespace {

// How long the table takes no writes at most while the snapshot is taken:
// the lock wait, then the stream's catch-up under it.
constexpr absl::Duration kLockWait = absl::Seconds(1);
constexpr absl::Duration kLockedCatchUp = absl::Seconds(1);
// The catch-up before the lock (so that the locked one is short).
constexpr absl::Duration kCatchUp = absl::Seconds(10);

absl::StatusOr<mysql::Position> BinlogEnd(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(std::string gtid,
                      mysql::QueryValue(conn, "SELECT @@gtid_binlog_pos"));
  SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos p,
                      mysql::MariadbGtidPos::Parse(gtid));
  return mysql::Position(std::move(p));
}

}  // namespace

absl::StatusOr<std::string> Executor::VerifyShadow(const Migration& m,
                                                   int64_t workflow_id) {
  if (!options_.verify_copy) return std::string();
  const absl::Time now = clock_->Now();
  VerifyState& v = verify_states_[m.uuid];
  if (v.passed) return std::string();
  auto task = verifies_.find(m.uuid);
  if (task != verifies_.end()) {
    absl::Status s;
    if (!task->second->Done(&s)) {
      int64_t rows = 0;
      {
        absl::MutexLock lock(&v.progress->mu);
        rows = v.progress->rows;
      }
      return absl::StrCat(
          "verifying the copy (", rows, " of ~", m.table_rows, " rows, ",
          absl::ToInt64Seconds(now - task->second->started()), "s)");
    }
    verifies_.erase(task);
    absl::optional<vreplication::CopyVerifyResult> result;
    {
      absl::MutexLock lock(&v.progress->mu);
      result = v.progress->result;
    }
    const std::string table = mysql::QuoteQualified(m.schema, m.table);
    if (absl::IsFailedPrecondition(s)) {
      // Rows cannot be told apart by the key the copy used: said, not held.
      std::cerr << "executor: " << m.uuid << ": " << s.message()
                << "; cutting over unverified" << std::endl;
      v.passed = true;
      v.summary = "not verified";
      return std::string();
    }
    if (s.ok() && result.has_value() && result->ok()) {
      std::cerr << "executor: " << m.uuid << ": the copy of " << table
                << " verified: " << result->Summary() << std::endl;
      v.passed = true;
      v.summary = absl::StrCat("copy verified: ", result->source_rows, " rows");
      return std::string();
    }
    if (s.ok() && result.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the copy does not match ", table, ": ",
                       result->Summary(), "; nothing was swapped and ", table,
                       " is untouched; retry the migration"));
    }
    ++v.failures;
    v.error = s.ok() ? "no result" : std::string(s.message());
    v.next = now + std::min(absl::Seconds(1) * (1 << std::min(v.failures, 5)),
                            absl::Seconds(30));
  }
  if (now < v.next) {
    return absl::StrCat("verifying the copy failed (", v.error,
                        "); retrying in ",
                        absl::ToInt64Seconds(v.next - now) + 1, "s");
  }
  SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row,
                      engine_->Read(workflow_id));
  if (row.source.filter().rules_size() != 1) {
    std::cerr << "executor: " << m.uuid
              << ": not verifying a stream of other than one table"
              << std::endl;
    v.passed = true;
    return std::string();
  }
  if (options_.before_verify) options_.before_verify(m);
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> snapshot, Connect());
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> locker, Connect());
  v.progress = std::make_shared<Verification>();
  vreplication::Engine* engine = engine_.get();
  Clock* clock = clock_;
  std::shared_ptr<Verification> progress = v.progress;
  auto wait_applied = [engine, clock, workflow_id, progress](
                          const mysql::Position& pos,
                          absl::Duration limit) -> absl::Status {
    const absl::Time deadline = clock->Now() + limit;
    while (!progress->cancelled) {
      absl::optional<mysql::Position> p =
          engine->CommittedPosition(workflow_id);
      if (p.has_value() && p->AtLeast(pos)) return absl::OkStatus();
      if (clock->Now() >= deadline) {
        return absl::UnavailableError(
            absl::StrCat("the stream did not catch up within ",
                         absl::FormatDuration(limit)));
      }
      clock->SleepFor(absl::Milliseconds(1));
    }
    return absl::CancelledError("verification stopped");
  };
  std::shared_ptr<mysql::Connection> lock_conn = std::move(locker);
  const std::string table = mysql::QuoteQualified(m.schema, m.table);
  verifies_[m.uuid] = std::make_unique<BackgroundTask>(
      std::move(snapshot),
      [progress, lock_conn, wait_applied, clock, table, db = m.schema,
       rule = row.source.filter().rules(0), chunk = options_.verify_chunk_rows,
       uuid = m.uuid](mysql::Connection& a) -> absl::Status {
        SC_ASSIGN_OR_RETURN(vreplication::TablePlan plan,
                            vreplication::BuildTablePlan(a, db, rule));
        SC_ASSIGN_OR_RETURN(vreplication::CollationMap collations,
                            vreplication::LoadCollations(a));
        SC_ASSIGN_OR_RETURN(mysql::Position end, BinlogEnd(a));
        SC_RETURN_IF_ERROR(wait_applied(end, kCatchUp));
        SC_RETURN_IF_ERROR(
            lock_conn
                ->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ",
                                       absl::ToInt64Seconds(kLockWait)))
                .status());
        // Writes to the table wait from here (as for a cut-over).
        const absl::Time t0 = clock->Now();
        SC_RETURN_IF_ERROR(
            lock_conn->Execute(absl::StrCat("LOCK TABLES ", table, " READ"))
                .status());
        absl::Status taken = [&]() -> absl::Status {
          SC_ASSIGN_OR_RETURN(mysql::Position locked, BinlogEnd(*lock_conn));
          SC_RETURN_IF_ERROR(wait_applied(locked, kLockedCatchUp));
          SC_RETURN_IF_ERROR(
              a.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                  .status());
          return a.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
              .status();
        }();
        absl::Status unlocked = lock_conn->Execute("UNLOCK TABLES").status();
        const absl::Duration stall = clock->Now() - t0;
        SC_RETURN_IF_ERROR(taken);
        SC_RETURN_IF_ERROR(unlocked);
        std::cerr << "executor: " << uuid << ": verifying the copy of " << table
                  << " (writes held " << absl::FormatDuration(stall)
                  << " for the snapshot)" << std::endl;
        absl::StatusOr<vreplication::CopyVerifyResult> r =
            vreplication::VerifyCopy(
                a, plan, &collations, chunk, [&](int64_t rows) {
                  absl::MutexLock lock(&progress->mu);
                  progress->rows = rows;
                  return progress->cancelled
                             ? absl::CancelledError("verification stopped")
                             : absl::OkStatus();
                });
        a.Execute("ROLLBACK").IgnoreError();
        SC_RETURN_IF_ERROR(r.status());
        absl::MutexLock lock(&progress->mu);
        progress->result = *std::move(r);
        return absl::OkStatus();
      },
      now);
  return std::string("verifying the copy");
}

void Executor::StopVerify(const std::string& uuid) {
  auto it = verify_states_.find(uuid);
  if (it != verify_states_.end() && it->second.progress != nullptr) {
    it->second.progress->cancelled = true;
  }
  StopTask(verifies_, uuid);
  verify_states_.erase(uuid);
}

}  // namespace onlineddl
}  // namespace sidecut
