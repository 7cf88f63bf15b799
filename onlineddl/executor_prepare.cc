// Two-phase cut-over: prepare (lock, caught up, stream stopped), then
// commit (swap) or abort, driven by a controller across shards.
#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/mysql_connection.h"
#include "onlineddl/executor.h"
#include "onlineddl/swap_check.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

absl::Status Executor::PrepareCutOver(absl::string_view uuid,
                                      absl::Duration hold, bool catch_up_only,
                                      absl::Time deadline,
                                      int64_t controller_term) {
  // Writes to the table wait for as long as the lock is held.
  if (!catch_up_only &&
      (hold <= absl::ZeroDuration() || hold > absl::Minutes(5))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a prepared cut-over's hold must be more than 0 and at most 5m "
        "(writes to the table wait that long), not ",
        absl::FormatDuration(hold)));
  }
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckNotDeposed());
  if (paused_as_replica_) {
    return absl::UnavailableError(absl::StrCat(
        "cannot prepare the cut-over of ", uuid,
        ": the server is read_only (demoted?); migrations are paused"));
  }
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat("the request to prepare the cut-over of ", uuid,
                     " expired while this tablet was busy; nothing prepared"));
  }
  SC_RETURN_IF_ERROR(AdmitControllerTerm(
      controller_term, absl::StrCat("prepare the cut-over of ", uuid)));
  const std::string key(uuid);
  if (prepared_.count(key) > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("migration ", uuid, " is already prepared to cut over"));
  }
  SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, uuid));
  // Another database's (a sidecutd beside the same server for it, a
  // misdirected request): its table is not this tablet's to lock.
  if (m.schema != options_.db) {
    return absl::NotFoundError(absl::StrCat(
        "migration ", uuid, " is not a migration of database ", options_.db,
        " (it is of ", m.schema, "); nothing prepared"));
  }
  // Its last cut-over may have swapped the tables (being checked, or
  // being recorded): a new one would swap them back.
  if (CutOverInterrupted(m)) {
    return RefuseWhileChecking(m, "prepare the cut-over of");
  }
  SC_ASSIGN_OR_RETURN(bool swapped, SwappedUnrecorded(m));
  if (swapped) {
    return absl::FailedPreconditionError(
        absl::StrCat("migration ", uuid,
                     " already swapped the tables (it is being marked "
                     "complete); nothing to prepare"));
  }
  if (m.status != kStatusRunning || !m.ready_to_complete) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", uuid, " is not ready to complete (status ", m.status,
        m.status == kStatusRunning ? ", still copying or catching up" : "",
        ")"));
  }
  if (!m.postpone_completion) {
    return absl::FailedPreconditionError(
        absl::StrCat("migration ", uuid,
                     " is not postponed: the tablet cuts it over by itself"));
  }
  // A deployment's member swaps when its gate says, in its order.
  SC_ASSIGN_OR_RETURN(bool gated, GatedByDeployment(m));
  if (gated) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", uuid, " belongs to deployment '", m.migration_context,
        "', whose gate cuts its members over: complete the deployment"));
  }
  if (m.strategy == "mysql" && m.reverted_uuid.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", uuid, " runs strategy mysql: nothing to cut over"));
  }
  SC_ASSIGN_OR_RETURN(int64_t workflow_id, CutOverWorkflowId(m));
  SC_ASSIGN_OR_RETURN(CutOverOptions o, CutOverOptionsFor(m));
  if (catch_up_only) {
    mysql::MysqlConnectionFactory factory(options_.connect);
    SC_RETURN_IF_ERROR(PreparedCutOver::CatchUpOnly(
        factory, CutOverRequestFor(m, workflow_id), o, clock_));
    caught_up_at_[key] = clock_->Now();
    return absl::OkStatus();
  }
  // The stream kept up in the controller's first phase just before: its
  // steady latency counts (a loaded shard would otherwise need half the
  // threshold again, past the controller's hold).
  auto caught_up = caught_up_at_.find(key);
  if (caught_up != caught_up_at_.end()) {
    o.relaxed_at_once = clock_->Now() - caught_up->second <= o.threshold;
    caught_up_at_.erase(caught_up);
  }
  // Tables of its group prepared before it are locked: a transaction
  // holding this one while it waits for one of them would hold the lock
  // wait (and their writes) until the threshold. Their writes wait since
  // the first of them was locked: this lock waits only for what is left
  // of that one's threshold.
  absl::Time group_deadline = absl::InfiniteFuture();
  for (const auto& other : prepared_) {
    if (other.second.schema != m.schema) continue;
    o.holding_others = true;
    group_deadline =
        std::min(group_deadline, other.second.cut_over->deadline());
  }
  SC_RETURN_IF_ERROR(CheckSwapAllowed(m));
  RecordSchemas(m);
  SC_RETURN_IF_ERROR(
      UpdateMigration(*conn_, m.uuid,
                      Assignments()
                          .Set("stage", "cut-over prepared")
                          .Set("cutover_attempts", m.cutover_attempts + 1)
                          .SetExpr("last_cutover_attempt_timestamp", "NOW()")));
  Prepared p;
  p.workflow_id = workflow_id;
  p.schema = m.schema;
  p.factory = std::make_unique<mysql::MysqlConnectionFactory>(options_.connect);
  bool stopped = false;
  absl::StatusOr<std::unique_ptr<PreparedCutOver>> c =
      PreparedCutOver::Prepare(*p.factory, CutOverRequestFor(m, workflow_id), o,
                               clock_, &stopped, group_deadline);
  if (!c.ok()) {
    SC_RETURN_IF_ERROR(CutOverFailed(m, workflow_id, stopped, c.status(),
                                     /*backoff=*/false));
    return c.status();
  }
  p.cut_over = std::move(*c);
  p.expires = clock_->Now() + hold;
  prepared_.emplace(key, std::move(p));
  return absl::OkStatus();
}

absl::StatusOr<CutOverResult> Executor::CommitCutOver(absl::string_view uuid) {
  SC_ASSIGN_OR_RETURN(std::vector<CutOverResult> r,
                      CommitCutOvers({std::string(uuid)}));
  return r[0];
}

absl::StatusOr<std::vector<CutOverResult>> Executor::CommitCutOvers(
    const std::vector<std::string>& uuids, int64_t controller_term) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(AdmitControllerTerm(
      controller_term,
      absl::StrCat("commit the cut-over of ", absl::StrJoin(uuids, ", "))));
  // A name twice would swap its table twice (and there is one prepared
  // cut-over to take): refused, every lock kept for a request that is right.
  if (uuids.empty()) {
    return absl::InvalidArgumentError("no migration to cut over");
  }
  for (size_t i = 0; i < uuids.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (uuids[i] != uuids[j]) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          "migration ", uuids[i], " is listed twice; nothing was swapped"));
    }
  }
  for (const std::string& u : uuids) {
    if (prepared_.count(u) > 0) continue;
    absl::Status why = absl::FailedPreconditionError(absl::StrCat(
        "migration ", u,
        " has no prepared cut-over (never prepared, aborted, or its hold "
        "expired)",
        uuids.size() > 1 ? absl::StrCat("; none of the ", uuids.size(),
                                        " tables was swapped")
                         : ""));
    for (const std::string& other : uuids) {
      auto it = prepared_.find(other);
      if (it != prepared_.end()) ReleasePrepared(it, why).IgnoreError();
    }
    return why;
  }
  std::vector<Prepared> ps;
  std::vector<PreparedCutOver*> group;
  for (const std::string& u : uuids) {
    auto it = prepared_.find(u);
    ps.push_back(std::move(it->second));
    prepared_.erase(it);
    group.push_back(ps.back().cut_over.get());
  }
  absl::StatusOr<std::vector<CutOverResult>> r = SwapTogether(group);
  for (size_t i = 0; i < ps.size(); ++i) {
    SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, uuids[i]));
    SC_RETURN_IF_ERROR(r.ok() ? CutOverDone(m, ps[i].workflow_id, (*r)[i])
                              : CutOverFailed(m, ps[i].workflow_id,
                                              ps[i].cut_over->stream_stopped(),
                                              r.status(),
                                              /*backoff=*/false));
  }
  return r;
}

absl::Status Executor::AbortCutOver(absl::string_view uuid,
                                    int64_t controller_term) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(AdmitControllerTerm(
      controller_term, absl::StrCat("abort the cut-over of ", uuid)));
  auto it = prepared_.find(std::string(uuid));
  if (it == prepared_.end()) return absl::OkStatus();  // idempotent
  return ReleasePrepared(
      it, absl::AbortedError("cut-over aborted by the controller"));
}

absl::Status Executor::AdmitControllerTerm(int64_t term,
                                           absl::string_view what) {
  if (term < controller_term_) {
    return absl::AbortedError(absl::StrCat(
        "refused to ", what,
        ": the request comes from a controller of "
        "leadership term ",
        term, ", and one of term ", controller_term_,
        " has spoken to this tablet since (the sender is no longer the "
        "leader; a tablet forgets terms only when it restarts); nothing "
        "changed"));
  }
  controller_term_ = term;
  return absl::OkStatus();
}

absl::Status Executor::ExpirePrepared() {
  const absl::Time now = clock_->Now();
  for (auto it = prepared_.begin(); it != prepared_.end();) {
    auto next = std::next(it);
    if (now >= it->second.expires) {
      SC_RETURN_IF_ERROR(ReleasePrepared(
          it, absl::DeadlineExceededError("prepared cut-over expired: no "
                                          "commit arrived within its hold")));
    }
    it = next;
  }
  return absl::OkStatus();
}

absl::Status Executor::ReleasePrepared(
    std::map<std::string, Prepared>::iterator it, const absl::Status& why) {
  const std::string uuid = it->first;
  Prepared p = std::move(it->second);
  prepared_.erase(it);
  p.cut_over->Abort();
  SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, uuid));
  return CutOverFailed(m, p.workflow_id, p.cut_over->stream_stopped(), why,
                       /*backoff=*/false);
}

}  // namespace onlineddl
}  // namespace sidecut
