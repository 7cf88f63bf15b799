// Verification of an online ALTER's copy before it may cut over
// (ExecutorOptions::verify_copy): the shadow against the table, inside one
// snapshot taken while the table takes no writes and the stream has
// applied all of them (vreplication/copy_verify.h). A revert's swap is
// checked the same way: the old table its reverse stream kept in sync
// against the table, so that a revert never swaps in a table that lost
// or changed rows.
#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "mysql/gtid.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "onlineddl/cut_over.h"
#include "onlineddl/executor.h"
#include "onlineddl/lock_waiters.h"
#include "onlineddl/verified_copies.h"
#include "util/status_macros.h"
#include "util/wait.h"
#include "vreplication/copy_verify.h"
#include "vreplication/table_plan.h"
#include "vreplication/target_writes.h"

namespace sidecut {
namespace onlineddl {
namespace {

// How long the table takes no writes at most while the snapshot is taken:
// the lock wait, then the stream's catch-up under it.
constexpr absl::Duration kLockWait = absl::Seconds(1);
constexpr absl::Duration kLockedCatchUp = absl::Seconds(1);
// The catch-up before the lock (so that the locked one is short): in
// rounds until one takes at most kConverged (the stream keeps up; it may
// come from behind, held during an index build), or for kCatchUp.
constexpr absl::Duration kCatchUp = absl::Seconds(10);
constexpr absl::Duration kConverged = absl::Milliseconds(100);

// How long the comparing sessions wait for a metadata lock (the shadow's,
// behind an index build's ALTER waiting to finish): the attempt then ends,
// retried from its cursor, instead of stalling the stream with it.
constexpr absl::Duration kCompareLockWait = absl::Seconds(10);

// Errors a later attempt may not meet: locks and catch-ups that took too
// long, lost sessions, a stopped verification.
bool VerifyErrorIsTransient(const absl::Status& s) {
  if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) ||
      absl::IsCancelled(s) || absl::IsAborted(s)) {
    return true;
  }
  const int e = mysql::MysqlErrno(s);
  // A read view older than an index the build just added (error 1412,
  // the table definition changed): a new snapshot reads it.
  return e == mysql::kErLockWaitTimeout || e == mysql::kErLockDeadlock ||
         e == mysql::kErTableDefChanged || e == mysql::kErQueryInterrupted ||
         e == mysql::kErStatementTimeout || e == mysql::kCrConnectionError ||
         e == mysql::kCrConnHostError || e == mysql::kCrServerGone ||
         e == mysql::kCrServerLost;
}

}  // namespace

// Begins a completed migration's message about its old table found
// differing ahead of a revert.
constexpr char kCheckedAfterCutOver[] = "checked after the cut-over: ";
// Ends the key of an old table's verification (ReverseVerifyKey).
constexpr char kOldTableKeySuffix[] = "/old table";

std::string Executor::ReverseVerifyKey(absl::string_view uuid) {
  return absl::StrCat(uuid, kOldTableKeySuffix);
}

std::string Executor::VerifyKey(const Migration& m) {
  return m.reverted_uuid.empty() ? m.uuid : ReverseVerifyKey(m.reverted_uuid);
}

absl::StatusOr<std::string> Executor::VerifyShadow(const Migration& m,
                                                   int64_t workflow_id,
                                                   int64_t* eta_seconds,
                                                   bool ahead,
                                                   bool index_building) {
  *eta_seconds = -1;
  if (!options_.verify_copy) return std::string();
  // A revert's old table, checked for it or ahead of it.
  const bool revert = ahead || !m.reverted_uuid.empty();
  // What is compared with the table: the shadow, or a revert's old table.
  const char* const noun = revert ? "old table" : "copy";
  const std::string what = absl::StrCat("the ", noun);
  const absl::Time now = clock_->Now();
  const std::string key = ahead ? ReverseVerifyKey(m.uuid) : VerifyKey(m);
  if (revert) {
    // Written by another session since (recorded by the reverse stream):
    // a pass, or a check under way, from before the write no longer
    // holds. Forgotten before the record, so a crash in between forgets
    // again.
    SC_ASSIGN_OR_RETURN(absl::optional<std::string> written,
                        vreplication::RecordedTargetWrite(*conn_, workflow_id));
    if (written.has_value()) {
      std::cerr << "executor: " << m.uuid << ": the old table " << *written
                << " was written by another session since it was checked: "
                   "checking it again"
                << std::endl;
      StopVerify(key);
      SC_RETURN_IF_ERROR(ForgetVerified(*conn_, key, workflow_id));
      SC_RETURN_IF_ERROR(
          conn_->Execute(vreplication::ForgetTargetWritesSql(workflow_id))
              .status());
    }
  }
  if (!ahead) {
    auto found = verify_states_.find(key);
    if (found != verify_states_.end() &&
        !found->second.ahead_mismatch.empty() && verifies_.count(key) == 0) {
      // Found differing ahead of it: the revert checks again (the old
      // table may have been mended since).
      verify_states_.erase(found);
    }
  }
  VerifyState& v = verify_states_[key];
  if (v.passed) return std::string();
  auto task = verifies_.find(key);
  if (!v.looked_up && task == verifies_.end()) {
    // Passed before this daemon started (over this very stream).
    v.looked_up = true;
    SC_ASSIGN_OR_RETURN(absl::optional<std::string> recorded,
                        FindVerified(*conn_, key, workflow_id));
    if (recorded.has_value()) {
      std::cerr << "executor: " << m.uuid << ": " << what
                << " verified before a restart: " << *recorded << std::endl;
      v.passed = true;
      v.summary = *std::move(recorded);
      return std::string();
    }
  }
  if (task != verifies_.end()) {
    absl::Status s;
    if (!task->second->Done(&s)) {
      int64_t rows = 0;
      int64_t resumed_after = 0;
      {
        absl::MutexLock lock(&v.progress->mu);
        rows = v.progress->rows;
        resumed_after = v.progress->resumed_after;
      }
      // At this attempt's pace (the table's row count is an estimate).
      const absl::Duration took = now - task->second->started();
      const int64_t done = rows - resumed_after;
      if (m.table_rows > 0 && done > 0 && took >= absl::Seconds(1)) {
        *eta_seconds =
            static_cast<int64_t>(std::max<int64_t>(m.table_rows - rows, 0) *
                                 absl::ToDoubleSeconds(took) / done);
      }
      return absl::StrCat(
          "verifying ", what, " (", rows,
          m.table_rows > 0 ? absl::StrCat(" of ~", m.table_rows) : "",
          " rows, ", absl::ToInt64Seconds(took), "s",
          resumed_after > 0
              ? absl::StrCat("; resumed after ", resumed_after, " rows")
              : "",
          ")");
    }
    verifies_.erase(task);
    absl::optional<vreplication::CopyVerifyResult> result;
    int snapshots = 0;
    {
      absl::MutexLock lock(&v.progress->mu);
      result = v.progress->result;
      v.snapshots += v.progress->snapshots;
      snapshots = v.snapshots;
    }
    const std::string table = mysql::QuoteQualified(m.schema, m.table);
    // A failed revert leaves the migration it reverts complete.
    const std::string refusal = revert && !ahead ? "cannot revert: " : "";
    if (vreplication::IsUnverifiableCopy(s)) {
      // Rows cannot be told apart by the key the copy used (VerifyCopy's
      // only FailedPrecondition): said, not held.
      std::cerr << "executor: " << m.uuid << ": " << s.message()
                << "; cutting over unverified" << std::endl;
      v.passed = true;
      v.summary = absl::StrCat(noun,
                               " not verified: no unique key over the "
                               "stream's key");
      return std::string();
    }
    if (!s.ok() && !VerifyErrorIsTransient(s)) {
      // Would fail the same way every time (a statement the server
      // refuses, a privilege): the migration fails, saying what to do.
      return absl::FailedPreconditionError(
          absl::StrCat(refusal, what, " could not be verified: ", s.message(),
                       "; nothing was swapped and ", table,
                       " is untouched (sidecutd --verify_copy=false cuts over "
                       "unverified)"));
    }
    if (s.ok() && result.has_value() && result->ok()) {
      std::cerr << "executor: " << m.uuid << ": " << what << " of " << table
                << " verified: " << result->Summary() << std::endl;
      v.passed = true;
      v.summary = absl::StrCat(
          noun, " verified: ", result->source_rows, " rows",
          snapshots > 1 ? absl::StrCat(" (", snapshots, " snapshots)") : "",
          ahead ? ", before the revert" : "");
      // Kept for a restart (not to compare again); only said if it fails.
      if (absl::Status kept =
              RecordVerified(*conn_, key, workflow_id, v.summary);
          !kept.ok()) {
        std::cerr << "executor: " << m.uuid
                  << ": recording the verification: " << kept.message()
                  << std::endl;
      }
      return std::string();
    }
    if (s.ok() && result.has_value() && revert && !ahead && v.attempt_ahead) {
      // Compared before the revert asked (perhaps before the old table
      // was mended): the revert compares again itself.
      verify_states_.erase(key);
      return absl::StrCat("verifying ", what);
    }
    if (s.ok() && result.has_value() && revert) {
      // The reverse stream lost or changed rows: swapping its table in
      // would lose them too. The migration stays complete, its table as
      // it is.
      return absl::FailedPreconditionError(absl::StrCat(
          refusal, "the old table ", mysql::QuoteIdentifier(FirstArtifact(m)),
          " does not match ", table, ": ", result->Summary(),
          "; nothing was swapped and ", table,
          " is untouched: its reverse stream did not keep it in sync, and "
          "swapping it in would not give back the table's rows as they are. "
          "The migration stays complete; compare the two tables, mend the "
          "old one, then revert again"));
    }
    if (s.ok() && result.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the copy does not match ", table, ": ",
                       result->Summary(), "; nothing was swapped and ", table,
                       " is untouched; retry the migration"));
    }
    // Backing off further only while attempts get nowhere (one that
    // compared more before it ended is followed by the next one soon).
    if (v.cursor->result.source_rows > v.rows_before) v.failures = 0;
    ++v.failures;
    v.error = s.ok() ? "no result" : std::string(s.message());
    // In the background (a busy table's lock, say) up to 5 minutes apart.
    v.next = now + std::min(absl::Seconds(1) * (1 << std::min(v.failures, 9)),
                            ahead ? absl::Minutes(5) : absl::Seconds(30));
  }
  if (now < v.next) {
    return absl::StrCat("verifying ", what, " failed (", v.error,
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
  if (options_.before_verify && !ahead) options_.before_verify(m);
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> snapshot, Connect());
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> locker, Connect());
  // The target side's checksums, at once with the source's.
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> second, Connect());
  v.progress = std::make_shared<Verification>();
  v.progress->second_connection_id = second->ConnectionId();
  v.progress->index_building = index_building;
  // Held during the build: the shadow is read once the build's ALTER is
  // past its start (the executor says so).
  const bool held = index_building && options_.hold_stream_during_index_build;
  v.progress->may_read = !held;
  v.progress->stream_held = held;
  std::shared_ptr<vreplication::CopyVerifyCursor> cursor = v.cursor;
  // An earlier attempt that ended part way (its session lost, a snapshot
  // it could not renew) left where it was: VerifyCopy goes on from there
  // where chunks are complete in themselves.
  v.rows_before = cursor->result.source_rows;
  v.attempt_ahead = ahead;
  vreplication::Engine* engine = engine_.get();
  Clock* clock = clock_;
  std::shared_ptr<Verification> progress = v.progress;
  auto wait_applied = [engine, clock, workflow_id, progress](
                          const mysql::Position& pos,
                          absl::Duration limit) -> absl::Status {
    // Every millisecond: under the lock, writes wait meanwhile.
    return WaitFor(
        clock, "the stream to apply the binlog up to its end",
        [&]() -> absl::StatusOr<bool> {
          if (progress->cancelled) {
            return absl::CancelledError("verification stopped");
          }
          absl::optional<mysql::Position> p =
              engine->CommittedPosition(workflow_id);
          return p.has_value() && p->AtLeast(pos);
        },
        WaitOptions{.timeout = limit,
                    .initial_interval = absl::Milliseconds(1),
                    .max_interval = absl::Milliseconds(1)});
  };
  std::shared_ptr<mysql::Connection> lock_conn = std::move(locker);
  std::shared_ptr<mysql::Connection> b = std::move(second);
  const std::string table = mysql::QuoteQualified(m.schema, m.table);
  verifies_[key] = std::make_unique<BackgroundTask>(
      std::move(snapshot),
      [progress, cursor, lock_conn, b, wait_applied, clock, table, what,
       db = m.schema, rule = row.source.filter().rules(0),
       chunk = options_.verify_chunk_rows,
       snapshot_life = options_.verify_snapshot_life,
       uuid = m.uuid](mysql::Connection& a) -> absl::Status {
        // Rules of its own, whatever the server's default (grouping,
        // padding of CHAR values read).
        for (mysql::Connection* c : {&a, b.get()}) {
          SC_RETURN_IF_ERROR(
              c->Execute("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")
                  .status());
          SC_RETURN_IF_ERROR(
              c->Execute("SET SESSION TRANSACTION ISOLATION LEVEL "
                         "REPEATABLE READ")
                  .status());
          SC_RETURN_IF_ERROR(
              c->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ",
                                      absl::ToInt64Seconds(kCompareLockWait)))
                  .status());
        }
        absl::StatusOr<vreplication::TablePlan> planned =
            vreplication::BuildTablePlan(a, db, rule);
        if (!planned.ok()) {
          return absl::InternalError(absl::StrCat(
              "cannot plan the comparison: ", planned.status().message()));
        }
        const vreplication::TablePlan& plan = *planned;
        SC_ASSIGN_OR_RETURN(vreplication::CollationMap collations,
                            vreplication::LoadCollations(a));
        SC_RETURN_IF_ERROR(
            lock_conn
                ->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ",
                                       absl::ToInt64Seconds(kLockWait)))
                .status());
        // A snapshot of the table and the shadow at one moment: taken while
        // the table takes no writes (they wait, as at a cut-over) and the
        // stream has applied all of them.
        // A long verification does not hold one read view throughout
        // (undo the server keeps for it): where each chunk is complete in
        // itself it takes a new one now and then.
        const bool renew = vreplication::KeyRangesMatch(plan);
        // Waits until the executor says `ready` (or the verification is
        // stopped).
        auto wait_until = [&](const char* what,
                              const std::function<bool()>& ready) {
          return WaitFor(
              clock, what,
              [&]() -> absl::StatusOr<bool> {
                if (progress->cancelled) {
                  return absl::CancelledError("verification stopped");
                }
                return ready();
              },
              WaitOptions{.timeout = absl::InfiniteDuration(),
                          .initial_interval = absl::Milliseconds(10),
                          .max_interval = absl::Milliseconds(10)});
        };
        // Beside an index build only where the snapshot can give way to
        // its ALTER.
        if (!renew) {
          progress->snapshot_taken = true;  // the build need not wait
          SC_RETURN_IF_ERROR(wait_until(
              "the index build", [&] { return !progress->index_building; }));
        }
        absl::Duration longest_stall;
        int snapshots = 0;
        // Ends both sessions' snapshots.
        auto roll_back = [&]() -> absl::Status {
          absl::Status s = a.Execute("ROLLBACK").status();
          s.Update(b->Execute("ROLLBACK").status());
          return s;
        };
        auto take_snapshot = [&]() -> absl::Status {
          const absl::Time began = clock->Now();
          while (true) {
            SC_ASSIGN_OR_RETURN(mysql::Position end, BinlogEnd(a));
            const absl::Time start = clock->Now();
            SC_RETURN_IF_ERROR(wait_applied(end, kCatchUp));
            const absl::Time now = clock->Now();
            if (now - start <= kConverged || now - began >= kCatchUp) break;
          }
          const absl::Time t0 = clock->Now();
          SC_RETURN_IF_ERROR(
              lock_conn->Execute(absl::StrCat("LOCK TABLES ", table, " READ"))
                  .status());
          absl::Status taken = [&]() -> absl::Status {
            SC_ASSIGN_OR_RETURN(mysql::Position locked, BinlogEnd(*lock_conn));
            SC_RETURN_IF_ERROR(wait_applied(locked, kLockedCatchUp));
            // Both sessions' snapshots see the same: nothing writes to
            // either table meanwhile.
            for (mysql::Connection* c : {&a, b.get()}) {
              SC_RETURN_IF_ERROR(
                  c->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
                      .status());
            }
            return absl::OkStatus();
          }();
          // Neither session keeps a snapshot of a failed attempt.
          if (!taken.ok()) roll_back().IgnoreError();
          absl::Status unlocked = lock_conn->Execute("UNLOCK TABLES").status();
          longest_stall = std::max(longest_stall, clock->Now() - t0);
          if (taken.ok()) ++snapshots;
          SC_RETURN_IF_ERROR(taken);
          return unlocked;
        };
        SC_RETURN_IF_ERROR(take_snapshot());
        progress->snapshot_taken = true;
        SC_RETURN_IF_ERROR(wait_until("the index build to start", [&] {
          return progress->may_read.load();
        }));
        absl::Time taken_at = clock->Now();
        absl::StatusOr<vreplication::CopyVerifyResult> r =
            vreplication::VerifyCopy(
                a, plan, &collations, chunk,
                [&](int64_t rows, bool last) -> absl::Status {
                  {
                    absl::MutexLock lock(&progress->mu);
                    if (progress->resumed_after == 0 &&
                        cursor->resumed_after > 0) {
                      std::cerr << "executor: " << uuid << ": verifying "
                                << what << " went on from where the last "
                                << "attempt ended, after "
                                << cursor->resumed_after << " rows"
                                << std::endl;
                    }
                    progress->resumed_after = cursor->resumed_after;
                    progress->rows = rows;
                  }
                  if (progress->cancelled) {
                    return absl::CancelledError("verification stopped");
                  }
                  // While the stream is held only to give way (a
                  // renewal waits for the stream).
                  if (last || !renew ||
                      ((clock->Now() - taken_at < snapshot_life ||
                        progress->stream_held) &&
                       !progress->give_way)) {
                    return absl::OkStatus();
                  }
                  // Given way: the index build's ALTER takes the shadow's
                  // metadata lock as this snapshot lets it go.
                  progress->give_way = false;
                  // Writes are held at most ~2 s per attempt: a few, apart.
                  absl::Status s;
                  for (int attempt = 0; attempt < 3; ++attempt) {
                    SC_RETURN_IF_ERROR(roll_back());
                    s = take_snapshot();
                    if (s.ok() || progress->cancelled) break;
                    // Apart, but stopped at once (a pause, a cancel).
                    const absl::Time until = clock->Now() + absl::Seconds(5);
                    while (!progress->cancelled && clock->Now() < until) {
                      clock->SleepFor(absl::Milliseconds(50));
                    }
                  }
                  taken_at = clock->Now();
                  return s;
                },
                cursor.get(), b.get());
        std::cerr << "executor: " << uuid << ": compared " << what << " with "
                  << table << " in " << snapshots
                  << " snapshot(s), writes held at most "
                  << absl::FormatDuration(longest_stall) << " for each"
                  << std::endl;
        {
          absl::MutexLock lock(&progress->mu);
          progress->snapshots = snapshots;
        }
        roll_back().IgnoreError();
        SC_RETURN_IF_ERROR(r.status());
        absl::MutexLock lock(&progress->mu);
        progress->result = *std::move(r);
        return absl::OkStatus();
      },
      now);
  return absl::StrCat("verifying ", what);
}

absl::StatusOr<bool> Executor::MetadataLockAwaited(
    const std::vector<std::string>& tables) {
  SC_ASSIGN_OR_RETURN(
      std::string n,
      mysql::QueryValue(
          *conn_, MetadataLockWaitersSql(
                      tables, mysql::MysqlConnectionFactory(options_.connect)
                                  .OwnSessionIds())));
  return n != "0";
}

void Executor::PauseVerify(const std::string& key) {
  auto it = verify_states_.find(key);
  if (it != verify_states_.end() && it->second.progress != nullptr) {
    it->second.progress->cancelled = true;
    // Its statement ends now too (the task waits for it).
    if (verifies_.count(key) > 0) {
      conn_
          ->Execute(absl::StrCat("KILL CONNECTION ",
                                 it->second.progress->second_connection_id))
          .IgnoreError();
    }
  }
  StopTask(verifies_, key);
}

void Executor::StopVerify(const std::string& key) {
  PauseVerify(key);
  verify_states_.erase(key);
}

absl::Status Executor::VerifyOldTablesAhead() {
  if (!options_.verify_copy || !options_.verify_old_tables_ahead) {
    return absl::OkStatus();
  }
  SC_ASSIGN_OR_RETURN(std::vector<Migration> running,
                      ListMine("migration_status = 'running'"));
  std::set<std::string> wanted;  // keys a running revert verifies itself
  for (const Migration& r : running) wanted.insert(VerifyKey(r));
  // Completed ALTERs whose old tables a running reverse stream keeps,
  // newest first.
  SC_ASSIGN_OR_RETURN(
      std::vector<Migration> done,
      ListMine("migration_status = 'complete' AND ddl_action = 'alter' AND "
               "NOT is_view AND strategy = 'vitess' AND cleanup_timestamp IS "
               "NULL AND artifacts <> '' AND migration_uuid IN (SELECT "
               "workflow FROM _vt.vreplication WHERE state = 'Running')"));
  std::reverse(done.begin(), done.end());
  std::set<std::string> candidates;
  for (const Migration& m : done) candidates.insert(ReverseVerifyKey(m.uuid));
  bool busy = false;  // one at a time
  for (auto it = verifies_.begin(); it != verifies_.end();) {
    const std::string key = it->first;
    ++it;
    if (!absl::EndsWith(key, kOldTableKeySuffix) || wanted.count(key) > 0) {
      continue;
    }
    if (running.empty() && candidates.count(key) > 0) {
      busy = true;
      continue;
    }
    // Background work yields to a migration, and stops with its stream
    // (parked, say): paused, keeping its place (its cursor), resumed once
    // it may go on.
    PauseVerify(key);
  }
  for (const Migration& m : done) {
    const std::string key = ReverseVerifyKey(m.uuid);
    auto v = verify_states_.find(key);
    if (v != verify_states_.end() &&
        (v->second.passed || !v->second.ahead_mismatch.empty())) {
      if (v->second.passed && !v->second.ahead_noted) {
        // Said where SHOW VITESS_MIGRATIONS shows it (once, also across
        // restarts), and a difference said before is gone.
        v->second.ahead_noted = true;
        const std::string note = absl::StrCat(
            "; ", absl::StripSuffix(v->second.summary, ", before the revert"));
        Assignments a;
        if (!v->second.summary.empty() && !absl::StrContains(m.stage, note)) {
          a.SetExpr("stage", absl::StrCat("CONCAT(stage, ",
                                          mysql::QuoteString(note), ")"));
        }
        if (absl::StartsWith(m.message, kCheckedAfterCutOver)) {
          a.Set("message", "");
        }
        if (!a.empty()) SC_RETURN_IF_ERROR(UpdateMigration(*conn_, m.uuid, a));
      }
      continue;
    }
    const bool under_way = verifies_.count(key) > 0;
    if (wanted.count(key) > 0 || !running.empty() || (!under_way && busy)) {
      continue;
    }
    // A statement waiting for either table's metadata lock (a DBA's ALTER
    // of the live table): the snapshot gives way at once, keeping its
    // place. Held, it held that statement, and every write queued behind
    // it, until the comparison ended (minutes on a big table).
    SC_ASSIGN_OR_RETURN(bool awaited,
                        MetadataLockAwaited({m.table, FirstArtifact(m)}));
    if (awaited) {
      if (under_way) {
        std::cerr << "executor: " << m.uuid << ": verifying the old table "
                  << "paused: a statement waits for the metadata lock of "
                  << mysql::QuoteQualified(m.schema, m.table) << " or "
                  << mysql::QuoteIdentifier(FirstArtifact(m)) << std::endl;
        PauseVerify(key);
      }
      continue;
    }
    absl::StatusOr<int64_t> id = WorkflowId(m.uuid);
    if (!id.ok()) continue;  // its reverse stream is gone since
    const int64_t lag = engine_->LagSeconds(*id);
    if (!under_way && (lag < 0 || absl::Seconds(lag) > options_.ready_lag)) {
      continue;  // behind: not now
    }
    int64_t eta = -1;
    absl::StatusOr<std::string> stage =
        VerifyShadow(m, *id, &eta, /*ahead=*/true);
    if (absl::IsFailedPrecondition(stage.status())) {
      // Said in the migration; a revert checks again (and is refused if
      // it still differs).
      std::cerr << "executor: " << m.uuid << ": " << stage.status().message()
                << std::endl;
      verify_states_[key].ahead_mismatch =
          std::string(stage.status().message());
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, m.uuid,
          Assignments().Set(
              "message",
              absl::StrCat(kCheckedAfterCutOver, stage.status().message()))));
      continue;
    }
    SC_RETURN_IF_ERROR(stage.status());
    busy |= !stage->empty();
  }
  return absl::OkStatus();
}

}  // namespace onlineddl
}  // namespace sidecut
