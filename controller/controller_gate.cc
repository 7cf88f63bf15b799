// The controller's gate: takes each active deployment's members in order
// and completes them on every shard together; ALTERs through a two-phase
// cut-over (prepare everywhere, then swap everywhere, or abort everywhere).
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/controller.h"
#include "util/grpc_status.h"
#include "util/status_macros.h"

namespace sidecut {
namespace controller {
namespace {

using Status = vtctldata::SchemaMigration;

bool Ready(const vtctldata::SchemaMigration& m) {
  return m.status() == Status::RUNNING && m.ready_to_complete();
}

vttime::Duration ToProtoDuration(absl::Duration d) {
  vttime::Duration p;
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  p.set_seconds(nanos / 1000000000);
  p.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return p;
}

// The order a shard's tables are locked in on a group's attempt: each
// retry begins with another table. A tablet gives up a lock whose holder
// waits for a table of the group it already locked (a deadlock the server
// cannot see); transactions writing the tables in one order cannot block
// the attempt that locks their first table first.
template <typename T>
std::vector<T> LockOrder(std::vector<T> items, int attempts) {
  if (items.size() > 1) {
    std::rotate(items.begin(),
                items.begin() + static_cast<size_t>(attempts) % items.size(),
                items.end());
  }
  return items;
}

// Time kept between the decision and the first prepared hold's end, for
// saving the decision and delivering the commits: a quarter of the hold, at
// most a second.
absl::Duration HoldMargin(absl::Duration hold) {
  return std::min(hold / 4, absl::Seconds(1));
}

}  // namespace

absl::Status Controller::Tick() {
  absl::MutexLock lock(&mu_);
  std::string leader;
  if (!Leading(&leader)) return absl::OkStatus();  // a follower waits
  SC_RETURN_IF_ERROR(Lead());
  absl::Status first;
  for (ControllerDeployment& d : deployments_) {
    if (d.cancel_requested()) {
      // A cancel not finished (a shard was down, or the controller that
      // asked died): cancelled again, with the backoff; nothing else.
      if (absl::ToUnixMicros(clock_->Now()) < d.next_attempt_micros()) {
        continue;
      }
      absl::Status s = CancelLocked(d);
      if (!s.ok()) {
        d.set_next_attempt_micros(absl::ToUnixMicros(
            clock_->Now() + std::max(options_.backoff, absl::Seconds(2))));
        Save(d).IgnoreError();
        if (first.ok()) first = s;
      }
      continue;
    }
    if ((d.state() == ControllerDeployment::POSTPONED ||
         d.state() == ControllerDeployment::COMPLETING) &&
        d.submission_pending()) {
      absl::Status s = Resubmit(d);
      if (!s.ok()) {
        if (first.ok()) first = s;
        continue;
      }
    }
    if (d.state() != ControllerDeployment::COMPLETING) continue;
    absl::Status s = Gate(d);
    if (!s.ok()) {
      // Retried next round (a shard down, a tablet restarting, ...).
      d.set_message(std::string(s.message()));
      Save(d).IgnoreError();
      if (first.ok()) first = s;
    }
  }
  return first;
}

absl::StatusOr<std::vector<vtctldata::SchemaMigration>>
Controller::MemberOnShards(const TopologyKeyspace& ks,
                           const DeploymentMember& m,
                           std::vector<absl::Status>* unanswered) {
  std::vector<vtctldata::SchemaMigration> out(ks.shards_size());
  std::map<std::string, int> index;
  for (int i = 0; i < ks.shards_size(); ++i) index[ks.shards(i).name()] = i;
  std::vector<absl::Status> statuses = tablets_.ForEach(
      ks,
      [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
          grpc::ClientContext& ctx) -> absl::Status {
        SC_ASSIGN_OR_RETURN(std::optional<vtctldata::SchemaMigration> found,
                            ReadMigrationOn(stub, ctx, ks.name(), m.uuid()));
        if (!found.has_value()) {
          return absl::NotFoundError(
              absl::StrCat("migration ", m.uuid(), " is missing"));
        }
        out[index[shard.name()]] = *std::move(found);
        return absl::OkStatus();
      });
  if (unanswered == nullptr) {
    SC_RETURN_IF_ERROR(Combine(statuses));
  } else {
    *unanswered = std::move(statuses);
  }
  return out;
}

absl::Status Controller::Gate(ControllerDeployment& d) {
  if (d.cancel_requested()) {
    // Its cancel is retried each round until every shard has it; nothing
    // more of it applies meanwhile, whoever asks (a revert, a command).
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment ", d.context(),
        " is being cancelled (not every shard has the cancel yet); nothing "
        "more of it applies"));
  }
  if (d.submission_pending()) {
    // Its members not all on every shard yet (a submission interrupted):
    // nothing applies until they are, whoever asks. The gate counts the
    // ALTERs it finds; one swapped ahead of a CREATE never sent would stay
    // swapped if that CREATE is then refused.
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment ", d.context(),
        " is still being submitted (an interrupted submission is sent "
        "again each round); nothing of it applies until every shard has "
        "all of it"));
  }
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace deployed, DeploymentKeyspace(d));
  const TopologyKeyspace* ks = &deployed;
  if (!d.gate_open()) {
    // Nothing is applied until every ALTER is ready on every shard.
    int alters = 0;
    int ready_everywhere = 0;
    for (const DeploymentMember& m : d.members()) {
      if (!m.cut_over() || m.done()) continue;
      ++alters;
      SC_ASSIGN_OR_RETURN(std::vector<vtctldata::SchemaMigration> shards,
                          MemberOnShards(*ks, m));
      SC_ASSIGN_OR_RETURN(bool ended, FailIfEnded(*ks, d, m, shards));
      if (ended) return absl::OkStatus();
      int ready = 0;
      for (const vtctldata::SchemaMigration& s : shards) {
        ready += Ready(s) || s.status() == Status::COMPLETE;
      }
      ready_everywhere += ready == ks->shards_size();
    }
    if (ready_everywhere < alters) {
      return SetMessage(
          d, absl::StrCat("waiting until every ALTER is ready on every shard: ",
                          ready_everywhere, " of ", alters));
    }
    d.set_gate_open(true);
    SC_RETURN_IF_ERROR(Save(d));
  }
  for (int k = 0; k < d.members_size(); ++k) {
    DeploymentMember& m = *d.mutable_members(k);
    if (m.done()) continue;
    // A decided swap goes on on the shards that answer (FinishDecided):
    // one shard down must not keep the others on the old schema.
    std::vector<absl::Status> unanswered;
    SC_ASSIGN_OR_RETURN(
        std::vector<vtctldata::SchemaMigration> shards,
        MemberOnShards(
            *ks, m,
            m.cut_over() && m.commit_decided() ? &unanswered : nullptr));
    SC_ASSIGN_OR_RETURN(bool ended, FailIfEnded(*ks, d, m, shards));
    if (ended) return absl::OkStatus();
    int complete = 0;
    int ready = 0;
    for (const vtctldata::SchemaMigration& s : shards) {
      complete += s.status() == Status::COMPLETE;
      ready += Ready(s);
    }
    if (complete == ks->shards_size()) {
      m.set_done(true);
      SC_RETURN_IF_ERROR(Save(d));
      continue;
    }
    if (!m.cut_over()) {
      // An immediate change: launched now on every shard, in order. Once
      // one shard may have applied it, the deployment only goes forward
      // (a cancel racing the launch must not leave shards different).
      if (!m.commit_decided()) {
        m.set_commit_decided(true);
        SC_RETURN_IF_ERROR(Save(d));
      }
      SC_RETURN_IF_ERROR(Combine(tablets_.ForEach(
          *ks, [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
                   grpc::ClientContext& ctx) {
            vtctldata::LaunchSchemaMigrationRequest r;
            r.set_keyspace(ks->name());
            r.set_uuid(m.uuid());
            vtctldata::LaunchSchemaMigrationResponse ignored;
            return FromGrpc(stub.LaunchSchemaMigration(&ctx, r, &ignored));
          })));
      d.set_message(absl::StrCat("applying ", m.uuid(), " on every shard"));
      return Save(d);
    }
    if (complete > 0 && !m.commit_decided()) {
      // Swapped somewhere already (completed on a tablet directly): the
      // only way left is forward.
      m.set_commit_decided(true);
      SC_RETURN_IF_ERROR(Save(d));
    }
    if (m.commit_decided()) return FinishDecided(*ks, d, k);
    if (ready < ks->shards_size()) {
      return SetMessage(
          d,
          absl::StrCat(
              "waiting for ", m.uuid(), " (", m.table(), "): ready on ", ready,
              " of ", ks->shards_size(), " shards",
              m.last_failure().empty()
                  ? ""
                  : absl::StrCat(" (last attempt: ", m.last_failure(), ")")));
    }
    if (absl::ToUnixMicros(clock_->Now()) < d.next_attempt_micros()) {
      return absl::OkStatus();
    }
    // The ALTERs that follow, untouched, swap in the same RENAME on each
    // shard: one of them lagging for a moment (its stream restarting after
    // an aborted attempt, a burst of writes) is waited for, not left to swap
    // on its own later. One swapped somewhere already is not grouped.
    std::vector<DeploymentMember*> group = {&m};
    for (int j = k + 1; j < d.members_size(); ++j) {
      DeploymentMember& next = *d.mutable_members(j);
      if (!next.cut_over() || next.done() || next.commit_decided()) break;
      SC_ASSIGN_OR_RETURN(std::vector<vtctldata::SchemaMigration> on,
                          MemberOnShards(*ks, next));
      SC_ASSIGN_OR_RETURN(bool next_ended, FailIfEnded(*ks, d, next, on));
      if (next_ended) return absl::OkStatus();
      int next_ready = 0;
      int next_complete = 0;
      for (const vtctldata::SchemaMigration& s : on) {
        next_ready += Ready(s);
        next_complete += s.status() == Status::COMPLETE;
      }
      if (next_complete > 0) break;
      if (next_ready < ks->shards_size()) {
        return SetMessage(
            d, absl::StrCat("waiting for ", next.uuid(), " (", next.table(),
                            "), to swap together with ", m.uuid(), " (",
                            m.table(), "): ready on ", next_ready, " of ",
                            ks->shards_size(), " shards"));
      }
      group.push_back(&next);
    }
    return TwoPhaseCutOver(*ks, d, group);
  }
  d.set_state(ControllerDeployment::COMPLETE);
  int64_t skew = 0;
  for (const DeploymentMember& m : d.members()) {
    skew = std::max(skew, m.skew_micros());
  }
  d.set_message(
      absl::StrCat("complete on every shard; largest cross-shard "
                   "swap skew ",
                   skew / 1000.0, " ms"));
  return Save(d);
}

absl::Status Controller::TwoPhaseCutOver(
    const TopologyKeyspace& ks, ControllerDeployment& d,
    const std::vector<DeploymentMember*>& group) {
  const int64_t term = ActingTerm();
  auto prepare = [&](bool catch_up_only) {
    return Combine(tablets_.ForEach(
        ks,
        [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
            grpc::ClientContext& ctx) -> absl::Status {
          // Each table of the group in turn, one context per call, all
          // within the shard's deadline.
          for (const DeploymentMember* m :
               LockOrder(group, group[0]->attempts())) {
            grpc::ClientContext call;
            call.set_deadline(ctx.deadline());
            PrepareCutOverRequest r =
                PrepareRequest(ks, *m, catch_up_only, term);
            PrepareCutOverResponse ignored;
            SC_RETURN_IF_ERROR(
                FromGrpc(stub.PrepareCutOver(&call, r, &ignored)));
          }
          return absl::OkStatus();
        },
        options_.prepare_timeout));
  };
  std::string tables;
  for (const DeploymentMember* m : group) {
    absl::StrAppend(&tables, tables.empty() ? "" : ", ", m->table());
  }
  DeploymentMember& first = *group[0];
  // Phase 0: every shard's stream catches up, nothing locked; then the
  // locks below are taken at nearly the same moment and are short.
  // Phase 1: every shard stalls writes and catches up the last moment.
  absl::Status prepared = prepare(/*catch_up_only=*/true);
  // Every hold starts after this moment, so none expires before
  // holds_from + prepare_hold. A shard that prepared first must still hold
  // when the commit reaches it, or it aborts by itself while the others
  // swap: decide only with a margin left for saving the decision and
  // sending the commits, and otherwise abort everywhere and retry.
  const absl::Time holds_from = clock_->Now();
  if (prepared.ok()) prepared = prepare(/*catch_up_only=*/false);
  if (prepared.ok()) {
    const absl::Duration took = clock_->Now() - holds_from;
    if (took + HoldMargin(options_.prepare_hold) > options_.prepare_hold) {
      prepared = absl::DeadlineExceededError(absl::StrCat(
          "the shards took ", absl::FormatDuration(took),
          " to prepare, too close to the hold of the first prepared (",
          absl::FormatDuration(options_.prepare_hold),
          ") for every shard to be sure to swap; a longer hold "
          "(--prepare_hold_ms) lets slow shards prepare, at the cost of "
          "writes waiting longer on the fast ones"));
    }
  }
  if (prepared.ok()) {
    // The decision, durable before any shard hears of it.
    for (DeploymentMember* m : group) m->set_commit_decided(true);
    prepared = Save(d);
    if (!prepared.ok()) {
      for (DeploymentMember* m : group) m->set_commit_decided(false);
    }
  }
  if (!prepared.ok()) {
    // All abort: no shard swaps, production stays as it was. Each abort
    // has a deadline of its own (the shard's may be spent by the prepare
    // that failed); one that fails is said: that shard's lock lasts until
    // its hold ends.
    const absl::Status aborted = Combine(tablets_.ForEach(
        ks,
        [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
            grpc::ClientContext&) -> absl::Status {
          std::vector<absl::Status> each;
          for (const DeploymentMember* m : group) {
            grpc::ClientContext call;
            call.set_deadline(std::chrono::system_clock::now() +
                              absl::ToChronoMilliseconds(options_.rpc_timeout));
            AbortCutOverRequest r;
            r.set_keyspace(ks.name());
            r.set_uuid(m->uuid());
            r.set_controller_term(term);
            AbortCutOverResponse ignored;
            each.push_back(FromGrpc(stub.AbortCutOver(&call, r, &ignored)));
          }
          return Combine(each);
        }));
    return RetryLater(
        d, first,
        absl::StrCat(
            "cut-over of ", first.uuid(), " (", tables, ") ",
            aborted.ok() ? "aborted on every shard"
                         : absl::StrCat("aborted, except where the abort "
                                        "failed (those locks end with their "
                                        "hold: ",
                                        aborted.message(), ")"),
            ", attempt ", first.attempts() + 1, ": ", prepared.message()));
  }
  if (options_.after_decision) {
    SC_RETURN_IF_ERROR(options_.after_decision(d));
  }
  // Phase 2: every shard swaps, all the group's tables in one RENAME.
  absl::Mutex swaps_mu;
  absl::Status swapped = Combine(tablets_.ForEach(
      ks,
      [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
          grpc::ClientContext& ctx) -> absl::Status {
        CommitCutOverRequest r;
        r.set_keyspace(ks.name());
        r.set_uuid(first.uuid());
        r.set_controller_term(term);
        for (size_t i = 1; i < group.size(); ++i) {
          r.add_together_uuids(group[i]->uuid());
        }
        CommitCutOverResponse resp;
        SC_RETURN_IF_ERROR(FromGrpc(stub.CommitCutOver(&ctx, r, &resp)));
        absl::MutexLock l(&swaps_mu);
        for (DeploymentMember* m : group) RecordSwap(*m, resp);
        return absl::OkStatus();
      }));
  d.set_message(
      swapped.ok()
          ? absl::StrCat("swapped ", tables,
                         group.size() > 1 ? " (one RENAME per shard)" : "",
                         " on every shard; skew ", first.skew_micros() / 1000.0,
                         " ms")
          : absl::StrCat("swap decided for ", tables,
                         "; finishing the shards that did not swap yet: ",
                         swapped.message()));
  return Save(d);
}

absl::Status Controller::RetryLater(ControllerDeployment& d,
                                    DeploymentMember& m,
                                    const std::string& failure,
                                    absl::Duration cap) {
  m.set_attempts(m.attempts() + 1);
  cap = std::min(cap, options_.backoff_max);
  absl::Duration pause = options_.backoff;
  for (int i = 1; i < m.attempts() && pause < cap; ++i) pause *= 2;
  pause = std::min(pause, cap);
  d.set_next_attempt_micros(absl::ToUnixMicros(clock_->Now() + pause));
  m.set_last_failure(failure);
  d.set_message(
      absl::StrCat(failure, "; retrying in ", absl::FormatDuration(pause)));
  return Save(d);
}

absl::Status Controller::FinishDecided(const TopologyKeyspace& ks,
                                       ControllerDeployment& d, int k) {
  // The group decided with member k: the cut-over ALTERs after it decided
  // and not done. Decided together (TwoPhaseCutOver sets them at once); a
  // later member is decided only once every earlier one is done.
  std::vector<DeploymentMember*> group;
  std::vector<std::vector<vtctldata::SchemaMigration>> on;
  // Per shard, why it did not answer (OK if it did): left for a later
  // round, the others go on.
  std::vector<absl::Status> silent(ks.shards_size());
  for (int j = k; j < d.members_size(); ++j) {
    DeploymentMember& next = *d.mutable_members(j);
    if (j > k && (!next.cut_over() || next.done() || !next.commit_decided())) {
      break;
    }
    std::vector<absl::Status> unanswered;
    SC_ASSIGN_OR_RETURN(std::vector<vtctldata::SchemaMigration> shards,
                        MemberOnShards(ks, next, &unanswered));
    SC_ASSIGN_OR_RETURN(bool ended, FailIfEnded(ks, d, next, shards));
    if (ended) return absl::OkStatus();
    for (int i = 0; i < ks.shards_size(); ++i) {
      if (!unanswered[i].ok() && silent[i].ok()) silent[i] = unanswered[i];
    }
    group.push_back(&next);
    on.push_back(std::move(shards));
  }
  DeploymentMember& m = *group[0];
  // A shard failing its swap is retried with a backoff (at once, every
  // round, its prepares, each a catch-up and a sentry table created and
  // dropped, kept a loaded shard's stream from ever catching up), short
  // whatever failed before the decision: the shards differ meanwhile.
  if (absl::ToUnixMicros(clock_->Now()) < d.next_attempt_micros()) {
    return absl::OkStatus();
  }
  std::string waiting;
  // Per shard, the group's members still to swap there, in one RENAME as
  // on the shards that swapped already: once each of them is ready (one
  // lagging is waited for, not left to swap on its own later).
  std::vector<std::vector<size_t>> pending_on(ks.shards_size());
  std::vector<bool> act(ks.shards_size(), false);
  std::string not_answering;
  for (int i = 0; i < ks.shards_size(); ++i) {
    if (!silent[i].ok()) {
      absl::StrAppend(&not_answering, not_answering.empty() ? "" : "; ",
                      silent[i].message());
      continue;
    }
    bool ready = true;
    for (size_t g = 0; g < group.size(); ++g) {
      const vtctldata::SchemaMigration& s = on[g][i];
      if (s.status() == Status::COMPLETE) continue;
      pending_on[i].push_back(g);
      ready = ready && Ready(s);
    }
    if (pending_on[i].empty()) continue;
    if (!ready) {
      absl::StrAppend(&waiting, waiting.empty() ? "" : ", ",
                      ks.shards(i).name());
      continue;
    }
    act[i] = true;
  }
  // The shards swap independently, all at once: one slow to prepare (its
  // table held past the cut-over threshold) delays none of the others.
  // The threads read only these; RecordSwap writes the members under
  // record_mu.
  std::vector<std::string> uuid;
  std::vector<PrepareCutOverRequest> catch_up, lock;
  const int64_t term = ActingTerm();
  for (const DeploymentMember* g : group) {
    uuid.push_back(g->uuid());
    catch_up.push_back(PrepareRequest(ks, *g, /*catch_up_only=*/true, term));
    lock.push_back(PrepareRequest(ks, *g, /*catch_up_only=*/false, term));
  }
  absl::Mutex record_mu;
  const std::vector<absl::Status> swapped = tablets_.ForEach(
      ks,
      [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
          grpc::ClientContext& ctx) -> absl::Status {
        int i = 0;
        while (i < ks.shards_size() && &ks.shards(i) != &shard) ++i;
        if (i == ks.shards_size() || !act[i]) return absl::OkStatus();
        const std::vector<size_t>& pending = pending_on[i];
        // Members prepared here by this attempt: released should a later
        // one fail, not left stalling writes until their holds end.
        std::vector<size_t> locked;
        auto release = [&] {
          for (size_t g : locked) {
            // Its own deadline: the shard's may be spent by the call that
            // failed.
            grpc::ClientContext call;
            call.set_deadline(std::chrono::system_clock::now() +
                              absl::ToChronoMilliseconds(options_.rpc_timeout));
            AbortCutOverRequest a;
            a.set_keyspace(ks.name());
            a.set_uuid(uuid[g]);
            a.set_controller_term(term);
            AbortCutOverResponse ignored;
            stub.AbortCutOver(&call, a, &ignored);
          }
        };
        // Still prepared (by a controller that died after deciding): it
        // holds the lock with everything applied, so it swaps now rather
        // than stalling writes until its hold ends. Should the hold end
        // first, the commit fails and the next attempt prepares again.
        // Read again now: `on` was read before this round.
        std::vector<std::string> stage(group.size());
        for (size_t g : pending) {
          grpc::ClientContext call;
          call.set_deadline(ctx.deadline());
          SC_ASSIGN_OR_RETURN(std::optional<vtctldata::SchemaMigration> found,
                              ReadMigrationOn(stub, call, ks.name(), uuid[g]));
          stage[g] = found.has_value() ? found->stage() : on[g][i].stage();
        }
        auto still_prepared = [&](size_t g) {
          return stage[g] == "cut-over prepared";
        };
        auto prepare = [&](size_t g, bool catch_up_only) {
          grpc::ClientContext call;
          call.set_deadline(ctx.deadline());
          PrepareCutOverResponse ignored;
          return FromGrpc(stub.PrepareCutOver(
              &call, catch_up_only ? catch_up[g] : lock[g], &ignored));
        };
        // Every stream catches up first, nothing locked: then the locks
        // below are taken one right after the other, and are short. Not
        // while one is still prepared: its table would stay locked
        // through the others' catch-ups.
        if (std::none_of(pending.begin(), pending.end(), still_prepared)) {
          for (size_t g : pending) {
            SC_RETURN_IF_ERROR(prepare(g, /*catch_up_only=*/true));
          }
        }
        // The tablet expires no hold while it prepares (nor before the
        // commit, unless its hold has ended), and it commits all of
        // them or none.
        for (size_t g : LockOrder(pending, m.attempts())) {
          if (still_prepared(g)) continue;
          absl::Status prepared = prepare(g, /*catch_up_only=*/false);
          if (!prepared.ok()) {
            release();
            return prepared;
          }
          locked.push_back(g);
        }
        grpc::ClientContext commit_ctx;
        commit_ctx.set_deadline(
            std::chrono::system_clock::now() +
            absl::ToChronoMilliseconds(options_.rpc_timeout));
        CommitCutOverRequest c;
        c.set_keyspace(ks.name());
        c.set_uuid(uuid[pending[0]]);
        c.set_controller_term(term);
        for (size_t p = 1; p < pending.size(); ++p) {
          c.add_together_uuids(uuid[pending[p]]);
        }
        CommitCutOverResponse resp;
        SC_RETURN_IF_ERROR(FromGrpc(stub.CommitCutOver(&commit_ctx, c, &resp)));
        absl::MutexLock l(&record_mu);
        for (size_t g : pending) RecordSwap(*group[g], resp);
        return absl::OkStatus();
      },
      options_.prepare_timeout);
  // The other shards went on: one failing must not keep the rest on the
  // old schema. (Each failure names its shard.)
  std::string failures;
  for (int i = 0; i < ks.shards_size(); ++i) {
    if (!act[i] || swapped[i].ok()) continue;
    absl::StrAppend(&failures, failures.empty() ? "" : "; ",
                    swapped[i].message());
  }
  if (!failures.empty()) {
    return RetryLater(
        d, m,
        absl::StrCat("decided swap of ", m.uuid(), " (", m.table(),
                     group.size() > 1 ? " and the ALTERs decided with it" : "",
                     "), attempt ", m.attempts() + 1, ": ", failures),
        std::max(options_.backoff, absl::Seconds(2)));
  }
  d.set_message(absl::StrCat(
      "finishing the decided swap of ", m.uuid(),
      group.size() > 1 ? absl::StrCat(" and ", group.size() - 1, " more") : "",
      " on the remaining shards",
      waiting.empty() ? ""
                      : absl::StrCat(" (waiting until ready on ", waiting, ")"),
      not_answering.empty()
          ? ""
          : absl::StrCat(" (not answering, finished once back: ", not_answering,
                         ")")));
  return Save(d);
}

absl::StatusOr<bool> Controller::FailIfEnded(
    const TopologyKeyspace& ks, ControllerDeployment& d,
    const DeploymentMember& m,
    const std::vector<vtctldata::SchemaMigration>& shards) {
  for (int i = 0; i < ks.shards_size(); ++i) {
    const vtctldata::SchemaMigration& s = shards[i];
    if (s.status() != Status::FAILED && s.status() != Status::CANCELLED) {
      continue;
    }
    d.set_state(ControllerDeployment::FAILED);
    d.set_message(absl::StrCat(
        "migration ", m.uuid(), " ",
        s.status() == Status::FAILED ? "failed" : "was cancelled", " on shard ",
        ks.shards(i).name(), ": ", s.message(),
        m.commit_decided()
            ? " (the swap was decided: other shards may have swapped; fix "
              "the cause and retry the deployment to finish it on every "
              "shard)"
            : "; cancel the deployment to stop its migrations on the other "
              "shards"));
    SC_RETURN_IF_ERROR(Save(d));
    return true;
  }
  return false;
}

absl::Status Controller::SetMessage(ControllerDeployment& d,
                                    const std::string& message) {
  if (d.message() == message) return absl::OkStatus();
  d.set_message(message);
  return Save(d);
}

PrepareCutOverRequest Controller::PrepareRequest(const TopologyKeyspace& ks,
                                                 const DeploymentMember& m,
                                                 bool catch_up_only,
                                                 int64_t term) const {
  PrepareCutOverRequest r;
  r.set_keyspace(ks.name());
  r.set_uuid(m.uuid());
  r.set_controller_term(term);
  *r.mutable_hold() = ToProtoDuration(options_.prepare_hold);
  r.set_catch_up_only(catch_up_only);
  return r;
}

void Controller::RecordSwap(DeploymentMember& m,
                            const CommitCutOverResponse& r) {
  const int64_t at = r.swapped_at_micros();
  if (m.first_swap_micros() == 0 || at < m.first_swap_micros()) {
    m.set_first_swap_micros(at);
  }
  m.set_last_swap_micros(std::max(m.last_swap_micros(), at));
  m.set_skew_micros(m.last_swap_micros() - m.first_swap_micros());
  m.set_max_stall_micros(std::max(m.max_stall_micros(), r.stall_micros()));
}

}  // namespace controller
}  // namespace sidecut
