// The scheduler of Executor: review, launch and monitor migrations, and
// hand finished migrations' artifacts to table GC.
#include <algorithm>
#include <iostream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/migration_uuid.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
absl::StatusOr<bool> Executor::ServerIsReadOnly(mysql::Connection& c) {
  SC_ASSIGN_OR_RETURN(std::string read_only,
                      mysql::QueryValue(c, "SELECT @@GLOBAL.read_only"));
  return read_only != "0" && !absl::EqualsIgnoreCase(read_only, "OFF");
}

absl::StatusOr<bool> Executor::PausedAsReplica() {
  SC_ASSIGN_OR_RETURN(bool read_only, ServerIsReadOnly(*conn_));
  if (!read_only) {
    if (paused_as_replica_) {
      SC_RETURN_IF_ERROR(engine_->Open(options_.db));
      paused_as_replica_ = false;
      std::cerr << "executor: the server is writable again: migrations "
                   "resume"
                << std::endl;
    }
    return false;
  }
  if (!paused_as_replica_) {
    // A user with SUPER passes read_only: the streams would go on writing
    // on a replica. Prepared cut-overs let their tables go.
    while (!prepared_.empty()) {
      SC_RETURN_IF_ERROR(ReleasePrepared(
          prepared_.begin(),
          absl::UnavailableError("the server became read_only (demoted?)")));
    }
    engine_->Close();
    paused_as_replica_ = true;
    std::cerr << "executor: the server is read_only (demoted to a replica?): "
                 "streams stopped and migrations paused until it is writable"
              << std::endl;
  }
  return true;
}

absl::Status Executor::TickLocked() {
  SC_ASSIGN_OR_RETURN(bool paused, PausedAsReplica());
  if (paused) return absl::OkStatus();
  SC_RETURN_IF_ERROR(ExpirePrepared());
  SC_RETURN_IF_ERROR(ReviewRequested());
  SC_RETURN_IF_ERROR(ScheduleQueued());
  SC_RETURN_IF_ERROR(MonitorRunning());
  SC_RETURN_IF_ERROR(GateDeployments());
  // Artifacts of finished migrations whose retention passed go to GC,
  // except those a pending revert is about to use. A table ALTER's revert
  // that did not complete lists the reverted migration's old table, which
  // is still that migration's (its retention decides).
  // Not while a cut-over is prepared: its commit waits for this tick, and
  // a RENAME of an artifact may wait for a lock meanwhile (writes to the
  // prepared table held all that time).
  std::vector<Migration> done;
  if (prepared_.empty()) {
    SC_ASSIGN_OR_RETURN(
        done,
        ListMine(absl::StrCat(
            "migration_status IN ('complete', 'failed', 'cancelled') AND "
            "NOT (reverted_uuid <> '' AND ddl_action = 'alter' AND NOT is_view "
            "AND migration_status <> 'complete') AND "
            "cleanup_timestamp IS NULL AND artifacts <> '' AND migration_uuid "
            "NOT IN (SELECT r.reverted_uuid FROM _vt.schema_migrations r "
            "WHERE r.reverted_uuid <> '' AND r.migration_status IN "
            "('requested', 'queued', 'ready', 'running')) AND "
            "(retain_artifacts_seconds < 0 OR TIMESTAMPDIFF(SECOND, "
            "IFNULL(completed_timestamp, cancelled_timestamp), NOW()) >= "
            "IF(retain_artifacts_seconds > 0, retain_artifacts_seconds, ",
            absl::ToInt64Seconds(options_.retain_artifacts), "))")));
  }
  for (const Migration& m : done) {
    // A reverse stream, if any: left running, it would fail for good on
    // its table renamed away. Tried again next tick, logged.
    if (absl::Status dropped = DropWorkflow(m.uuid); !dropped.ok()) {
      LogRepeatedError(
          absl::StrCat("dropping the stream of ", m.uuid,
                       " before its cleanup: ", dropped.message()));
      continue;
    }
    // An artifact that cannot be retired now (a long transaction holds
    // it: the RENAME waits lock_wait, then fails) is tried again next
    // tick, logged; the others' cleanup and table GC go on.
    absl::Status retired;
    for (absl::string_view a : absl::StrSplit(m.artifacts, ',')) {
      if (a.empty()) continue;
      retired = gc_->Retire(*conn_, m.schema, a, m.uuid);
      if (!retired.ok()) break;
    }
    if (!retired.ok()) {
      LogRepeatedError(absl::StrCat("retiring the artifacts of ", m.uuid, ": ",
                                    retired.message()));
      continue;
    }
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid, Assignments().SetExpr("cleanup_timestamp", "NOW()")));
  }
  // Once a second; logged, not failing the tick (table GC follows).
  if (clock_->Now() >= next_park_) {
    next_park_ = clock_->Now() + absl::Seconds(1);
    if (absl::Status parked = ParkReverseStreams(); !parked.ok()) {
      std::cerr << "executor: parking reverse streams: " << parked.message()
                << std::endl;
    }
    if (absl::Status ahead = VerifyOldTablesAhead(); !ahead.ok()) {
      std::cerr << "executor: verifying old tables ahead of reverts: "
                << ahead.message() << std::endl;
    }
  }
  // Hold tables (dropped tables and views) a pending revert renames back
  // stay out of GC even when their retention ends meanwhile.
  SC_ASSIGN_OR_RETURN(
      mysql::Result pending,
      conn_->Execute(absl::StrCat(
          "SELECT DISTINCT reverted_uuid FROM _vt.schema_migrations WHERE "
          "mysql_schema = ",
          mysql::QuoteString(options_.db),
          " AND reverted_uuid <> '' AND migration_status IN ('requested', "
          "'queued', 'ready', 'running')")));
  absl::flat_hash_set<std::string> keep;
  for (const mysql::Row& row : pending.rows) {
    keep.insert(absl::AsciiStrToLower(CondenseUuid(row.Get(0))));
  }
  // And those of migrations not cleaned up yet: a DROP's revert is allowed
  // until then. The hold name's time (the retention's end, taken when the
  // table was renamed, in whole seconds) can pass before the cleanup above
  // counts from completed_timestamp, and GC then moved the table away from
  // a revert still allowed. Cleanup renames it to a hold of its own.
  SC_ASSIGN_OR_RETURN(
      mysql::Result uncleaned,
      conn_->Execute(
          absl::StrCat("SELECT migration_uuid FROM _vt.schema_migrations WHERE "
                       "mysql_schema = ",
                       mysql::QuoteString(options_.db),
                       " AND cleanup_timestamp IS NULL AND artifacts LIKE "
                       "'%\\_vt\\_hld\\_%'")));
  for (const mysql::Row& row : uncleaned.rows) {
    keep.insert(absl::AsciiStrToLower(CondenseUuid(row.Get(0))));
  }
  // Not while a cut-over is prepared: its commit (and the writes waiting
  // on its lock) would wait for the purge. A table GC cannot advance is
  // logged, and does not fail the tick (which would reconnect and log it
  // every time).
  if (!prepared_.empty()) return absl::OkStatus();
  absl::Status gc = gc_->Tick(*conn_, options_.db, keep).status();
  if (!gc.ok()) LogRepeatedError(gc.message());
  return absl::OkStatus();
}

void Executor::LogRepeatedError(absl::string_view message) {
  const absl::Time now = clock_->Now();
  for (auto it = logged_at_.begin(); it != logged_at_.end();) {
    it = now - it->second >= absl::Minutes(1) ? logged_at_.erase(it)
                                              : std::next(it);
  }
  if (!logged_at_.emplace(std::string(message), now).second) return;
  std::cerr << "executor: " << message << std::endl;
}

absl::StatusOr<std::vector<Migration>> Executor::PendingBefore(
    const Migration& m) {
  return ListMine(absl::StrCat("id < ", m.id,
                               " AND migration_status IN ('requested', "
                               "'queued', 'ready', 'running')"));
}

bool Executor::InOrderCompletion(const Migration& m) {
  absl::StatusOr<DdlStrategySetting> st =
      DdlStrategySetting::FromColumns(m.strategy, m.options);
  return st.ok() && st->IsInOrderCompletion();
}

bool Executor::WaitsInOrderFor(const Migration& newer, const Migration& m) {
  return newer.id > m.id && InOrderCompletion(newer);
}

absl::Status Executor::ReviewRequested() {
  return conn_
      ->Execute(
          absl::StrCat("UPDATE _vt.schema_migrations SET migration_status = "
                       "'queued', reviewed_timestamp = NOW() WHERE "
                       "migration_status = 'requested' AND mysql_schema = ",
                       mysql::QuoteString(options_.db)))
      .status();
}

bool Executor::CanRun(const Migration& m,
                      const std::vector<Migration>& running) const {
  for (const Migration& r : running) {
    if (r.table == m.table) return false;  // one change per table at a time
  }
  // A `mysql` ALTER is the server's own copy, from start to end.
  auto mysql_alter = [](const Migration& x) {
    return x.strategy == "mysql" && x.ddl_action == "alter" && !x.is_view &&
           x.reverted_uuid.empty();
  };
  auto long_running = [&](const Migration& x) {
    return IsVreplAlter(x) || mysql_alter(x);
  };
  if (!long_running(m)) return true;
  // Tails run side by side when both allow it; copies take turns, at most
  // concurrent_copies at a time. A newer --in-order-completion migration
  // whose copy is done waits for m to complete: it does not hold m back
  // (each would wait for the other).
  int copying = 0;
  for (const Migration& r : running) {
    if (!long_running(r)) continue;
    if (WaitsInOrderFor(r, m) && r.progress >= 100 &&
        index_builds_.count(r.uuid) == 0) {
      continue;
    }
    if (!(r.allow_concurrent && m.allow_concurrent)) return false;
    // Building its deferred indexes counts as copying.
    if (mysql_alter(r) || r.progress < 100 || index_builds_.count(r.uuid) > 0) {
      ++copying;
    }
  }
  return copying < std::max(1, options_.concurrent_copies);
}

absl::Status Executor::ShowStage(const Migration& m, const std::string& stage) {
  if (m.stage == stage) return absl::OkStatus();
  return UpdateMigration(*conn_, m.uuid, Assignments().Set("stage", stage));
}

absl::Status Executor::ScheduleQueued() {
  SC_ASSIGN_OR_RETURN(std::vector<Migration> queued,
                      ListMine("migration_status IN ('queued', 'ready')"));
  for (const Migration& m : queued) {
    if (m.postpone_launch) {
      // A deployment's member waiting to apply again keeps saying why.
      if (!absl::StartsWith(m.stage, kWaitingToApply)) {
        SC_RETURN_IF_ERROR(ShowStage(m, "postponed launch"));
      }
      continue;
    }
    // An operation that completes as it runs (CREATE, DROP, a view) waits
    // for COMPLETE when its completion is postponed, as in Vitess.
    const bool immediate =
        m.reverted_uuid.empty() && (m.ddl_action != "alter" || m.is_view);
    if (immediate && m.postpone_completion) {
      SC_RETURN_IF_ERROR(ShowStage(m, "postponed completion"));
      continue;
    }
    // One that completes as it runs, under --in-order-completion, waits
    // for every migration submitted before it (an ALTER waits so at its
    // cut-over).
    if (!IsVreplAlter(m) && m.reverted_uuid.empty() && InOrderCompletion(m)) {
      SC_ASSIGN_OR_RETURN(std::vector<Migration> older, PendingBefore(m));
      if (!older.empty()) {
        const std::string stage = absl::StrCat("waiting for ", older[0].uuid,
                                               " to complete first (in order)");
        SC_RETURN_IF_ERROR(ShowStage(m, stage));
        continue;
      }
    }
    // One that completes in order does not launch ahead of an older
    // migration of its table (which could not run beside it, while it
    // waited for that one to complete).
    if (InOrderCompletion(m)) {
      SC_ASSIGN_OR_RETURN(std::vector<Migration> older, PendingBefore(m));
      auto first =
          std::find_if(older.begin(), older.end(), [&](const Migration& o) {
            return o.status != kStatusRunning && o.table == m.table;
          });
      if (first != older.end()) {
        const std::string stage =
            absl::StrCat("waiting for ", first->uuid,
                         " of the same table to start first (in order)");
        SC_RETURN_IF_ERROR(ShowStage(m, stage));
        continue;
      }
    }
    SC_ASSIGN_OR_RETURN(std::vector<Migration> running,
                        ListMine("migration_status = 'running'"));
    if (!CanRun(m, running)) continue;
    SC_RETURN_IF_ERROR(
        UpdateMigration(*conn_, m.uuid,
                        Assignments()
                            .Set("migration_status", kStatusReady)
                            .SetExpr("ready_timestamp", "NOW()")));
    SC_RETURN_IF_ERROR(StartMigration(m));
  }
  return absl::OkStatus();
}

absl::Status Executor::StartMigration(const Migration& m) {
  // Whatever stops a start half-way fails the migration with the reason
  // instead of leaving it running with nothing behind it.
  absl::Status s = StartSteps(m);
  if (s.ok()) return s;
  SC_ASSIGN_OR_RETURN(Migration now, ReadMigration(*conn_, m.uuid));
  if (now.status != kStatusRunning) return s;
  // An immediate operation that may have applied (recording it failed):
  // settled from what the server holds on the next round, as after a
  // restart (failed here, a DROP that had renamed its table away was
  // "failed" with the table gone).
  if (absl::StartsWith(now.stage, kApplying)) return s;
  return Fail(m, s.message());
}

absl::Status Executor::StartSteps(const Migration& m) {
  SC_RETURN_IF_ERROR(
      UpdateMigration(*conn_, m.uuid,
                      Assignments()
                          .Set("migration_status", kStatusRunning)
                          .Set("stage", "starting")
                          .SetExpr("started_timestamp", "NOW()")
                          .SetExpr("liveness_timestamp", "NOW()")));
  if (!m.reverted_uuid.empty()) return StartRevert(m);
  absl::StatusOr<DdlStatement> d = ParseMigration(m);
  if (!d.ok()) return Fail(m, d.status().message());
  if (d->action != DdlStatement::Action::kAlter || d->is_view) {
    return RunImmediate(m, *d);
  }
  if (m.strategy == "mysql") return StartMysqlAlter(m);
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::FromColumns(m.strategy, m.options));
  // An INSTANT ALTER completes as it runs: with its completion postponed,
  // or to complete in order after migrations still pending, it goes
  // through the shadow, whose cut-over waits.
  bool wait_in_order = false;
  if (st.IsPreferInstantDdl() && st.IsInOrderCompletion()) {
    SC_ASSIGN_OR_RETURN(std::vector<Migration> older, PendingBefore(m));
    wait_in_order = !older.empty();
  }
  if (st.IsPreferInstantDdl() && !m.postpone_completion && !wait_in_order) {
    SC_ASSIGN_OR_RETURN(bool done, TryInstant(m, *d));
    if (done) return absl::OkStatus();
  }
  return StartVrepl(m, *d);
}

absl::Status Executor::MonitorRunning() {
  SC_ASSIGN_OR_RETURN(std::vector<Migration> running,
                      ListMine("migration_status = 'running'"));
  for (const Migration& m : running) {
    if (prepared_.count(m.uuid) > 0) continue;  // its stream is stopped
    if (m.ddl_action != "alter" || m.is_view ||
        absl::StartsWith(m.stage, kApplying)) {
      // An immediate operation (or an INSTANT ALTER) interrupted by a
      // restart.
      SC_RETURN_IF_ERROR(RecoverImmediate(m));
    } else if (m.strategy == "mysql" && m.reverted_uuid.empty()) {
      SC_RETURN_IF_ERROR(MonitorMysqlAlter(m));
    } else {
      SC_RETURN_IF_ERROR(MonitorVrepl(m));
    }
  }
  return absl::OkStatus();
}

}  // namespace onlineddl
}  // namespace sidecut
