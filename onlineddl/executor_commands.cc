// Operator commands on migrations (Vitess semantics).
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/throttled_apps.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

constexpr char kPending[] = "'requested', 'queued', 'ready', 'running'";
constexpr char kEnded[] = "'failed', 'cancelled'";
constexpr char kTerminal[] = "'complete', 'failed', 'cancelled'";

// The artifact retention `m` was submitted with: its --retain-artifacts
// (a revert without its own: the reverted migration's,
// `reverted_retention`).
int64_t SubmittedRetention(const Migration& m, int64_t reverted_retention) {
  absl::StatusOr<DdlStrategySetting> st =
      DdlStrategySetting::FromColumns(m.strategy, m.options);
  const int64_t own = st.ok() ? st->RetainArtifactsSeconds() : 0;
  if (!m.reverted_uuid.empty() && own == 0) {
    return std::max<int64_t>(reverted_retention, 0);
  }
  return own;
}

}  // namespace

absl::StatusOr<std::vector<Migration>> Executor::Select(
    absl::string_view uuid, absl::string_view statuses) {
  const std::string in = absl::StrCat("migration_status IN (", statuses, ")");
  if (uuid == "all") return ListMine(in);
  SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, uuid));
  // Another database's (a sidecutd beside the same server for it): not
  // this tablet's to act on.
  if (m.schema != options_.db) {
    return absl::NotFoundError(
        absl::StrCat("migration ", uuid, " is not a migration of database ",
                     options_.db, " (it is of ", m.schema, ")"));
  }
  SC_ASSIGN_OR_RETURN(
      std::vector<Migration> ms,
      ListMine(absl::StrCat("migration_uuid = ", mysql::QuoteString(uuid),
                            " AND ", in)));
  if (ms.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", uuid, " is ", m.status,
        "; this command applies to migrations that are ", statuses));
  }
  return ms;
}

absl::StatusOr<bool> Executor::GatedByDeployment(const Migration& m) {
  if (m.migration_context.empty()) return false;
  absl::StatusOr<Deployment> d =
      ReadDeployment(*conn_, m.schema, m.migration_context);
  if (absl::IsNotFound(d.status())) return false;
  SC_RETURN_IF_ERROR(d.status());
  return (d->status == kDeployRunning || d->status == kDeployCompleting) &&
         std::find(d->members.begin(), d->members.end(), m.uuid) !=
             d->members.end();
}

absl::StatusOr<std::vector<Migration>> Executor::NotGated(
    absl::string_view uuid, std::vector<Migration> ms, absl::string_view verb) {
  std::vector<Migration> out;
  for (Migration& m : ms) {
    SC_ASSIGN_OR_RETURN(bool gated, GatedByDeployment(m));
    if (!gated) {
      out.push_back(std::move(m));
      continue;
    }
    if (uuid == "all") continue;  // its deployment's gate decides
    const std::string whole = verb == "cancel" ? "cancel" : "complete";
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", m.uuid, " belongs to deployment '", m.migration_context,
        "', whose gate ",
        verb == "cancel" ? std::string("applies") : absl::StrCat(verb, "s"),
        " its members together and in order: ", whole, " the deployment (",
        absl::AsciiStrToUpper(whole), " DEPLOYMENT '", m.migration_context,
        "', or ALTER VITESS_MIGRATION ", absl::AsciiStrToUpper(whole),
        " CONTEXT)"));
  }
  return out;
}

absl::StatusOr<int> Executor::Complete(absl::string_view uuid,
                                       absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> all, Select(uuid, kPending));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms,
                      NotGated(uuid, std::move(all), "complete"));
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid, Assignments().Set("postpone_completion", false)));
  }
  Wake();
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::PostponeComplete(absl::string_view uuid,
                                               absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms, Select(uuid, kPending));
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid, Assignments().Set("postpone_completion", true)));
  }
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::Cancel(absl::string_view uuid,
                                     absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> all, Select(uuid, kPending));
  // A deployment's member: cancelled with its deployment only (alone it
  // left the deployment half-applied).
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms,
                      NotGated(uuid, std::move(all), "cancel"));
  int cancelled = 0;
  for (const Migration& m : ms) {
    if (uuid == "all") {
      // One whose swap is being recorded completes next tick, one whose
      // cut-over outcome is being checked may have swapped, one prepared
      // for a controller's swap may be decided: skipped (refused by name).
      SC_ASSIGN_OR_RETURN(bool swapped, SwappedUnrecorded(m));
      if (swapped || CutOverInterrupted(m) || prepared_.count(m.uuid) > 0 ||
          absl::StartsWith(m.stage, kApplying)) {
        continue;
      }
    }
    if (prepared_.count(m.uuid) > 0) {
      // The controller may have decided to swap it on every shard: a
      // cancel here would leave this shard behind for good. The
      // controller releases it (AbortCutOver) when it cancels.
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", m.uuid,
          " is prepared for a gated cut-over across shards (its table "
          "locked by the controller, which may have decided the swap); "
          "cancel its deployment through the controller, or wait for the "
          "hold to end"));
    }
    const absl::Status s = CancelLocked(m);
    if (uuid == "all" && m.strategy == "mysql" &&
        absl::IsFailedPrecondition(s)) {
      // Its ALTER TABLE had applied (now complete), or a restart left it
      // running (settled next check): refused by name, skipped here.
      continue;
    }
    SC_RETURN_IF_ERROR(s);
    ++cancelled;
  }
  return cancelled;
}

absl::StatusOr<bool> Executor::SwappedUnrecorded(const Migration& m) {
  absl::StatusOr<int64_t> own = CutOverWorkflowId(m);
  if (!own.ok()) return false;
  SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row, engine_->Read(*own));
  return row.state == vreplication::kStateStopped && IsOwnCutOver(m, row);
}

absl::Status Executor::CancelLocked(const Migration& m, absl::string_view why) {
  SC_ASSIGN_OR_RETURN(bool swapped, SwappedUnrecorded(m));
  if (swapped) {
    // Its RENAME ran but was not recorded yet (the next check completes
    // it): calling it cancelled would misstate the table, and a retry
    // would apply the ALTER twice.
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", m.uuid,
        " already swapped the tables at its cut-over (it is being marked "
        "complete); revert it instead"));
  }
  if (CutOverInterrupted(m)) return RefuseWhileChecking(m, "cancel");
  // A `mysql` ALTER that ran through (or commits as it is killed) has
  // changed the table: recorded cancelled, a retry would apply it twice.
  SC_RETURN_IF_ERROR(StopMysqlAlter(m));
  if (absl::StartsWith(m.stage, kApplying)) {
    // An immediate operation a restart interrupted: its statement (a
    // RENAME away, a CREATE, ...) may have applied. Called cancelled it
    // would be neither revertible nor retryable, and a hold table it made
    // would go to table GC.
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", m.uuid, " was being applied (stage '", m.stage,
        "') when the daemon stopped; the next check settles it (complete "
        "if it applied, failed with nothing changed if not): revert or "
        "retry it then"));
  }
  auto prepared = prepared_.find(m.uuid);
  if (prepared != prepared_.end()) {
    prepared->second.cut_over->Abort();  // releases its lock
    prepared_.erase(prepared);
  }
  if (!m.reverted_uuid.empty()) {
    // A revert rides on the reverted migration's reverse stream: one its
    // cut-over or a throttle stopped keeps that table in sync again (or
    // the reverted migration could no longer be reverted).
    absl::StatusOr<int64_t> id = WorkflowId(m.reverted_uuid);
    if (id.ok()) {
      SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row, engine_->Read(*id));
      if (row.state == vreplication::kStateStopped &&
          row.message == vreplication::kStoppedByRequest) {
        SC_RETURN_IF_ERROR(engine_->Start(*id));
      }
    }
  }
  SC_RETURN_IF_ERROR(DropWorkflow(m.uuid));
  KillIndexBuildsLeftRunning(m);
  DropKeptForeignKeys(m).IgnoreError();
  DropLeftoverSentry(m);
  StopTask(mysql_alters_, m.uuid);
  ForgetEnded(m.uuid);
  return UpdateMigration(*conn_, m.uuid,
                         Assignments()
                             .Set("migration_status", kStatusCancelled)
                             .Set("message", why)
                             .Set("stage", "cancelled")
                             .Set("ready_to_complete", false)
                             .SetExpr("cancelled_timestamp", "NOW()"));
}

absl::StatusOr<int> Executor::Retry(absl::string_view uuid,
                                    absl::Time deadline) {
  if (uuid == "all") {
    // Vitess retries one migration: "all" would rerun every failed and
    // cancelled change ever recorded (cancelled reverts too).
    return absl::InvalidArgumentError(
        "retry needs a migration UUID (retrying all would rerun every failed "
        "and cancelled migration ever recorded)");
  }
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms, Select(uuid, kEnded));
  for (const Migration& m : ms) {
    if (m.stage == kSwapOutcomeUnknownStage) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot retry migration ", m.uuid,
          ": its interrupted cut-over may have swapped the tables (see its "
          "message), and a retry could apply the change twice; submit a new "
          "migration if the schema is not the one wanted"));
    }
    // A newer migration of its table that completes in order would wait
    // for this one, which could not start beside it.
    SC_ASSIGN_OR_RETURN(
        std::vector<Migration> newer,
        ListMine(absl::StrCat(
            "id > ", m.id, " AND mysql_table = ", mysql::QuoteString(m.table),
            " AND migration_status = 'running'")));
    for (const Migration& n : newer) {
      if (!WaitsInOrderFor(n, m)) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot retry migration ", m.uuid, ": migration ", n.uuid,
          ", submitted after it, is running on the same table with "
          "--in-order-completion and would wait for it forever; retry once ",
          n.uuid, " has ended, or cancel it first"));
    }
  }
  for (const Migration& m : ms) {
    // CLEANUP's -1 (artifacts to go at once) would end the retried run's
    // revert window the moment it completes: the retention it was
    // submitted with again.
    int64_t retention = m.retain_artifacts_seconds;
    if (retention < 0) {
      int64_t reverted = 0;
      if (!m.reverted_uuid.empty()) {
        SC_ASSIGN_OR_RETURN(Migration r,
                            ReadMigration(*conn_, m.reverted_uuid));
        reverted = r.retain_artifacts_seconds;
      }
      retention = SubmittedRetention(m, reverted);
    }
    SC_RETURN_IF_ERROR(
        UpdateMigration(*conn_, m.uuid,
                        Assignments()
                            .Set("migration_status", kStatusQueued)
                            .Set("retries", m.retries + 1)
                            .Set("message", "")
                            .Set("stage", "")
                            .Set("special_plan", "")
                            .Set("progress", 0.0)
                            .Set("rows_copied", int64_t{0})
                            .Set("eta_seconds", int64_t{-1})
                            .Set("ready_to_complete", false)
                            .Set("cutover_attempts", int64_t{0})
                            .Set("tablet_failure", false)
                            .Set("retain_artifacts_seconds", retention)
                            .SetExpr("cleanup_timestamp", "NULL")
                            .SetExpr("started_timestamp", "NULL")
                            .SetExpr("completed_timestamp", "NULL")
                            .SetExpr("cancelled_timestamp", "NULL")
                            .SetExpr("ready_to_complete_timestamp", "NULL")));
  }
  Wake();
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::Launch(absl::string_view uuid,
                                     absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> all,
                      Select(uuid, "'requested', 'queued', 'ready'"));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms,
                      NotGated(uuid, std::move(all), "launche"));
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid,
        Assignments().Set("postpone_launch", false).Set("stage", "")));
  }
  Wake();
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::Cleanup(absl::string_view uuid,
                                      absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms, Select(uuid, kTerminal));
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid,
        Assignments().Set("retain_artifacts_seconds", int64_t{-1})));
  }
  Wake();
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::ForceCutOver(absl::string_view uuid,
                                           absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms, Select(uuid, kPending));
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid, Assignments().Set("force_cutover", true)));
    next_cut_over_.erase(m.uuid);
  }
  Wake();
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::SetCutOverThreshold(absl::string_view uuid,
                                                  absl::Duration threshold,
                                                  absl::Time deadline) {
  SC_ASSIGN_OR_RETURN(absl::Duration t, ValidateCutOverThreshold(threshold));
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  SC_ASSIGN_OR_RETURN(std::vector<Migration> ms, Select(uuid, kPending));
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(
        UpdateMigration(*conn_, m.uuid,
                        Assignments().Set("cutover_threshold_seconds",
                                          absl::ToInt64Seconds(t))));
  }
  return static_cast<int>(ms.size());
}

absl::StatusOr<int> Executor::Throttle(absl::string_view uuid, double ratio,
                                       absl::Duration expire,
                                       absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  if (!(ratio >= 0 && ratio <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("throttle ratio ", ratio,
                     ": give a number from 0 (not throttled) to 1 (fully "
                     "throttled)"));
  }
  if (ratio > 0 && expire <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("throttle expiry ", absl::FormatDuration(expire),
                     ": give a duration above 0, or none (until unthrottled)"));
  }
  const bool all = uuid == "all";
  absl::StatusOr<std::vector<Migration>> pending = Select(uuid, kPending);
  if (ratio == 0 && absl::IsFailedPrecondition(pending.status())) {
    // Ended: its rule goes (a retry would run throttled); nothing else
    // to change.
    SC_RETURN_IF_ERROR(
        ThrottleApp(*conn_, options_.db, uuid, 0, absl::InfiniteFuture()));
    return 0;
  }
  SC_RETURN_IF_ERROR(pending.status());
  const std::vector<Migration>& ms = *pending;
  for (const Migration& m : ms) {
    if (prepared_.count(m.uuid) > 0) {
      // Its stream is stopped under the lock until the swap or the abort.
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", m.uuid,
          " is prepared to cut over; commit or abort the cut-over first"));
    }
    if (CutOverInterrupted(m)) {
      SC_ASSIGN_OR_RETURN(bool swapped, SwappedUnrecorded(m));
      if (!swapped) return RefuseWhileChecking(m, "throttle");
    }
  }
  // The rule (for ALL: migrations submitted later too), then what now
  // applies to each pending migration.
  SC_RETURN_IF_ERROR(ThrottleApp(*conn_, options_.db,
                                 all ? kAllMigrationsApp : uuid, ratio,
                                 clock_->Now() + expire));
  for (const Migration& m : ms) {
    absl::StatusOr<double> applies =
        ThrottleRatioOf(*conn_, options_.db, m.uuid, clock_->Now());
    absl::Status s =
        applies.ok() ? ApplyThrottle(m, *applies) : applies.status();
    if (!s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat(s.message(),
                                       " (the throttle is recorded; "
                                       "the tablet applies it to ",
                                       m.uuid, " on its next round)"));
    }
  }
  Wake();
  return static_cast<int>(ms.size());
}

absl::Status Executor::ApplyThrottle(const Migration& m, double ratio) {
  // A revert rides on the reverse stream of the migration it reverts.
  absl::StatusOr<int64_t> id = CutOverWorkflowId(m);
  if (id.ok()) {
    // A stream stopped for another reason (at a DDL: its own cut-over's
    // RENAME, say) stays as it is: restarting it would stream past the
    // DDL, and stopping it would overwrite why it stopped. Below ratio 1
    // the stream runs (its copy draws against the ratio).
    SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row, engine_->Read(*id));
    if (row.state != vreplication::kStateStopped ||
        row.message == vreplication::kStoppedByRequest) {
      SC_RETURN_IF_ERROR(ratio >= 1 ? engine_->Stop(*id)
                                    : StartStream(m.uuid, *id));
    }
  }
  Assignments a;
  a.Set("user_throttle_ratio", ratio);
  if (ratio >= 1) {
    // Not ready to complete while its stream stands still (a gate
    // reading it must not prepare a cut-over that cannot catch up).
    a.Set("component_throttled", "user")
        .Set("reason_throttled", "throttled by request")
        .Set("ready_to_complete", false)
        .SetExpr("last_throttled_timestamp", "NOW()");
  } else if (m.component_throttled == "user") {
    a.Set("component_throttled", "").Set("reason_throttled", "");
  }
  return UpdateMigration(*conn_, m.uuid, a);
}

}  // namespace onlineddl
}  // namespace sidecut
