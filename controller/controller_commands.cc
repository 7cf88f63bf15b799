// Controller commands: the Vitess migration verbs and statements, across
// shards.
#include <algorithm>
#include <atomic>
#include <set>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/controller.h"
#include "onlineddl/migration_command.h"
#include "onlineddl/migration_uuid.h"
#include "re2/re2.h"
#include "util/grpc_status.h"
#include "util/status_macros.h"

namespace sidecut {
namespace controller {
namespace {

// A result set with the given column names.
query::QueryResult Fields(std::initializer_list<const char*> names) {
  query::QueryResult r;
  for (const char* n : names) r.add_fields()->set_name(n);
  return r;
}

void AddRow(query::QueryResult& r, const std::vector<std::string>& cells) {
  query::Row* row = r.add_rows();
  for (const std::string& c : cells) {
    row->add_lengths(static_cast<int64_t>(c.size()));
    row->mutable_values()->append(c);
  }
}

std::string StateName(ControllerDeployment::State s) {
  return absl::AsciiStrToLower(ControllerDeployment::State_Name(s));
}

// The shards' answers to one command, gathered as they come (in
// parallel). A shard that does not have the migration (it was submitted
// to some tablets only) acts on nothing, as an UPDATE matching no row:
// the others' results stand; only one that no shard has is NotFound. The
// shards where it took effect: a refusal elsewhere says so (a retry one
// shard refused runs again on the others).
class ShardTally {
 public:
  explicit ShardTally(absl::string_view uuid) : all_(uuid == "all") {}

  // One shard's answer; OK for a shard without the migration.
  absl::Status Add(const TopologyShard& where,
                   const google::protobuf::Map<std::string, uint64_t>& rows,
                   absl::Status s, bool took_effect) {
    absl::MutexLock l(&mu_);
    for (const auto& [shard, n] : rows) per_[shard] += n;
    if (s.ok() && took_effect) took_.insert(where.name());
    if (absl::IsDeadlineExceeded(s)) unanswered_.insert(where.name());
    if (absl::IsNotFound(s) && !all_) {
      ++missing_;
      not_found_ = s;
      return absl::OkStatus();
    }
    return s;
  }

  // The command's result once every shard answered (`s`, their combined
  // status).
  absl::StatusOr<std::map<std::string, uint64_t>> Result(const absl::Status& s,
                                                         absl::string_view verb,
                                                         int shards) {
    absl::MutexLock l(&mu_);
    if (!s.ok()) return TookEffectOn(s, verb, took_, unanswered_);
    if (missing_ == shards) return not_found_;
    return per_;
  }

 private:
  const bool all_;
  absl::Mutex mu_;
  std::map<std::string, uint64_t> per_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> took_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> unanswered_ ABSL_GUARDED_BY(mu_);
  int missing_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status not_found_ ABSL_GUARDED_BY(mu_);
};

// Whether an answer's rows say the command changed something.
bool AnyRows(const google::protobuf::Map<std::string, uint64_t>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const auto& e) { return e.second > 0; });
}

}  // namespace

absl::StatusOr<std::map<std::string, uint64_t>> Controller::Command(
    absl::string_view verb, absl::string_view keyspace,
    absl::string_view uuid) {
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace* ks, Keyspace(keyspace));
  SC_RETURN_IF_ERROR(CheckLeader());
  const std::string v = absl::AsciiStrToLower(verb);
  std::map<std::string, uint64_t> counts;
  // A deployment's member: the verb applies to the deployment as a unit.
  std::vector<std::string> contexts;
  {
    absl::MutexLock lock(&mu_);
    SC_RETURN_IF_ERROR(Lead());
    for (const ControllerDeployment& d : deployments_) {
      if (d.keyspace() != ks->name()) continue;
      bool match = uuid == "all";
      for (const DeploymentMember& m : d.members()) {
        match |= absl::EqualsIgnoreCase(m.uuid(), uuid);
      }
      if (!match) continue;
      // "all" leaves out what it cannot act on, such as a deployment that
      // has already decided a swap (it can only be reverted once done).
      if (uuid == "all" &&
          ((v == "complete" && d.state() != ControllerDeployment::POSTPONED) ||
           (v == "cancel" &&
            (!(d.state() == ControllerDeployment::POSTPONED ||
               d.state() == ControllerDeployment::COMPLETING) ||
             AnyDecided(d))))) {
        continue;
      }
      contexts.push_back(d.context());
    }
  }
  const bool member = uuid != "all" && !contexts.empty();
  if (v == "launch" && member) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", uuid, " belongs to deployment ", contexts[0],
        ", whose gate launches its changes in order once every ALTER is "
        "ready; complete the deployment instead"));
  }
  if (v == "retry" && uuid == "all") {
    return absl::InvalidArgumentError(
        "retry needs a migration UUID (retrying all would rerun every failed "
        "and cancelled migration ever recorded)");
  }
  if (v == "launch" && uuid == "all") {
    return AllOutsideDeployments(*ks, v);
  }
  if (v == "complete" || v == "cancel") {
    // "all": every deployment is tried; failures are reported once the
    // others were tried.
    uint64_t done = 0;
    std::vector<std::string> failed;
    absl::StatusCode code = absl::StatusCode::kOk;
    for (const std::string& c : contexts) {
      absl::Status s =
          v == "complete" ? CompleteDeployment(c) : CancelDeployment(c);
      if (s.ok()) {
        ++done;
        continue;
      }
      if (uuid != "all") return s;
      if (code == absl::StatusCode::kOk) code = s.code();
      failed.push_back(absl::StrCat("deployment ", c, ": ", s.message()));
    }
    // Then the migrations submitted to the tablets directly.
    absl::StatusOr<std::map<std::string, uint64_t>> outside =
        uuid == "all" ? AllOutsideDeployments(*ks, v)
                      : std::map<std::string, uint64_t>();
    if (!outside.ok()) {
      if (code == absl::StatusCode::kOk) code = outside.status().code();
      failed.push_back(absl::StrCat("migrations outside deployments: ",
                                    outside.status().message()));
    }
    if (!failed.empty()) {
      return absl::Status(code, absl::StrCat(v, " all: ", done, " done; ",
                                             absl::StrJoin(failed, "; ")));
    }
    if (member || uuid == "all") {
      for (const TopologyShard& s : ks->shards()) {
        counts[s.name()] = done + (*outside)[s.name()];
      }
      return counts;
    }
    // A migration submitted to the tablets directly: their own verbs.
  }
  if (v == "retry" && member) {
    // A deployment is retried as a unit: every member not yet complete
    // everywhere, on the shards where it ended (elsewhere it runs on, or
    // completed: nothing to retry there). The tablets first, then the
    // deployment is active again (its gate would otherwise see the old
    // failure and fail it again).
    std::vector<std::string> uuids;
    std::string context;
    // A deployment's members on the shards it runs on (a migration of none
    // on every shard of the keyspace).
    TopologyKeyspace on = *ks;
    {
      absl::MutexLock lock(&mu_);
      SC_RETURN_IF_ERROR(Lead());
      ControllerDeployment* d = FindByMember(uuid);
      if (d != nullptr && d->cancel_requested()) {
        // Its members requeued now, the unfinished cancel's next round
        // would cancel them again.
        return absl::FailedPreconditionError(absl::StrCat(
            "deployment ", d->context(),
            " is being cancelled (not every shard has the cancel yet): "
            "retry it once cancelled"));
      }
      if (d != nullptr && (d->state() == ControllerDeployment::FAILED ||
                           d->state() == ControllerDeployment::CANCELLED)) {
        if (d->submission_pending()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "deployment ", d->context(),
              " never reached every shard (its submission failed); submit "
              "it again"));
        }
        if (retrying_.count(absl::AsciiStrToLower(d->context())) > 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              "deployment ", d->context(),
              " is being retried already; wait for that retry to return"));
        }
        // Its plan may depend on tables changed since it ended, and what
        // it changes, others may depend on now.
        SC_RETURN_IF_ERROR(CheckRelatedTables(*d));
        context = d->context();
        SC_ASSIGN_OR_RETURN(on, DeploymentKeyspace(*d));
        // Until this retry returns a cancel is refused: one landing between
        // the shards' requeue and the state set below would be undone (its
        // cancelled members requeued, the deployment made active again).
        retrying_.insert(absl::AsciiStrToLower(context));
        for (const DeploymentMember& m : d->members()) {
          if (!m.done()) uuids.push_back(m.uuid());
        }
      } else {
        uuids.push_back(std::string(uuid));
      }
    }
    auto end_retry = absl::MakeCleanup([&] {
      if (context.empty()) return;
      absl::MutexLock lock(&mu_);
      retrying_.erase(absl::AsciiStrToLower(context));
    });
    absl::Mutex per_mu;
    // A member complete on some shard (swapped there, directly or by a
    // decided swap): the deployment only goes forward.
    std::atomic<bool> completed_somewhere{false};
    // Per member, the shards that requeued it: a deployment's retry that a
    // shard refuses is undone on them (cancelled again), not left half
    // running.
    std::vector<std::set<std::string>> took(uuids.size());
    absl::Status refused;
    for (size_t i = 0; i < uuids.size() && refused.ok(); ++i) {
      const std::string& u = uuids[i];
      refused = Combine(tablets_.ForEach(on, [&](const TopologyShard& shard,
                                                 OnlineDDL::StubInterface& stub,
                                                 grpc::ClientContext& ctx) {
        // Where it did not end failed or cancelled (it runs on, or
        // completed) there is nothing to retry; where it did, a
        // refusal is the shard's to tell.
        SC_ASSIGN_OR_RETURN(std::optional<vtctldata::SchemaMigration> found,
                            ReadMigrationOn(stub, ctx, on.name(), u));
        if (found.has_value() &&
            found->status() != vtctldata::SchemaMigration::FAILED &&
            found->status() != vtctldata::SchemaMigration::CANCELLED) {
          if (found->status() == vtctldata::SchemaMigration::COMPLETE) {
            completed_somewhere = true;
          }
          return absl::OkStatus();
        }
        grpc::ClientContext retry;  // one context per call
        retry.set_deadline(ctx.deadline());
        vtctldata::RetrySchemaMigrationRequest r;
        r.set_keyspace(on.name());
        r.set_uuid(u);
        vtctldata::RetrySchemaMigrationResponse resp;
        absl::Status s = FromGrpc(stub.RetrySchemaMigration(&retry, r, &resp));
        absl::MutexLock l(&per_mu);
        for (const auto& [name, n] : resp.rows_affected_by_shard()) {
          counts[name] += n;
        }
        if (s.ok()) took[i].insert(shard.name());
        return s;
      }));
    }
    if (!refused.ok()) {
      if (!context.empty()) {
        for (size_t i = 0; i < uuids.size(); ++i) {
          if (took[i].empty()) continue;
          absl::Status undone =
              Combine(CancelOnShards(on, uuids[i], context, &took[i]));
          if (!undone.ok()) {
            return absl::Status(
                refused.code(),
                absl::StrCat(refused.message(), "; cancelling ", uuids[i],
                             " again where it was retried failed (",
                             undone.message(), "): cancel the deployment"));
          }
        }
      }
      std::set<std::string> retried;
      for (const std::set<std::string>& t : took) {
        retried.insert(t.begin(), t.end());
      }
      if (context.empty() && !retried.empty()) {
        const absl::Status took_effect =
            TookEffectOn(refused, "retry", retried);
        return absl::Status(
            took_effect.code(),
            absl::StrCat(took_effect.message(),
                         " (cancel it there if the shards must not differ)"));
      }
      return refused;
    }
    if (!context.empty() && options_.while_retrying) {
      options_.while_retrying(context);
    }
    if (!context.empty()) {
      absl::MutexLock lock(&mu_);
      SC_RETURN_IF_ERROR(Lead());
      ControllerDeployment* d = FindByMember(uuid);
      if (d != nullptr && (d->state() == ControllerDeployment::FAILED ||
                           d->state() == ControllerDeployment::CANCELLED)) {
        // A deployment that decided a swap (on some shards it swapped)
        // finishes it at once: postponed again it would wait for another
        // complete, the shards differing meanwhile. One that decided
        // nothing starts over: nothing is applied until every ALTER is
        // ready on every shard again (its members copy anew).
        const ControllerDeployment before = *d;
        const bool decided = AnyDecided(*d) || completed_somewhere;
        d->set_state(d->postpone_completion() && !decided
                         ? ControllerDeployment::POSTPONED
                         : ControllerDeployment::COMPLETING);
        if (!decided) d->set_gate_open(false);
        d->set_cancel_requested(false);
        d->set_message("retried");
        if (absl::Status s = Save(*d); !s.ok()) {
          // Told it failed: left as it was, its members requeued on the
          // shards cancelled again (the gate does not take it up
          // unrecorded, and a cancel of a cancelled deployment does
          // nothing).
          *d = before;
          for (size_t i = 0; i < uuids.size(); ++i) {
            if (took[i].empty()) continue;
            Combine(CancelOnShards(on, uuids[i], context, &took[i]))
                .IgnoreError();
          }
          return s;
        }
      }
    }
    return counts;
  }
  ShardTally tally(uuid);
#define SIDECUT_CTLD_VERB(verb_str, rpc)                                     \
  if (v == verb_str) {                                                       \
    absl::Status s = Combine(tablets_.ForEach(                               \
        *ks, [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub, \
                 grpc::ClientContext& ctx) {                                 \
          vtctldata::rpc##SchemaMigrationRequest r;                          \
          r.set_keyspace(ks->name());                                        \
          r.set_uuid(std::string(uuid));                                     \
          vtctldata::rpc##SchemaMigrationResponse resp;                      \
          absl::Status st =                                                  \
              FromGrpc(stub.rpc##SchemaMigration(&ctx, r, &resp));           \
          return tally.Add(shard, resp.rows_affected_by_shard(), st,         \
                           AnyRows(resp.rows_affected_by_shard()));          \
        }));                                                                 \
    return tally.Result(s, v, ks->shards_size());                            \
  }
  SIDECUT_CTLD_VERB("complete", Complete)
  SIDECUT_CTLD_VERB("cancel", Cancel)
  SIDECUT_CTLD_VERB("retry", Retry)
  SIDECUT_CTLD_VERB("launch", Launch)
  SIDECUT_CTLD_VERB("cleanup", Cleanup)
  SIDECUT_CTLD_VERB("force-cutover", ForceCutOver)
#undef SIDECUT_CTLD_VERB
  return absl::InvalidArgumentError(absl::StrCat("unknown verb ", verb));
}

absl::StatusOr<std::map<std::string, uint64_t>> Controller::Throttle(
    const ThrottleRequest& req, bool unthrottle) {
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace* ks, Keyspace(req.keyspace()));
  SC_RETURN_IF_ERROR(CheckLeader());
  ThrottleRequest forwarded = req;
  forwarded.set_keyspace(ks->name());
  // "all" sets each shard's rule, which holds migrations submitted there
  // later too: it takes effect on a shard whatever it affects now.
  ShardTally tally(req.uuid());
  absl::Status s = Combine(tablets_.ForEach(
      *ks, [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
               grpc::ClientContext& ctx) {
        ThrottleResponse resp;
        absl::Status st = FromGrpc(
            unthrottle ? stub.UnthrottleSchemaMigration(&ctx, forwarded, &resp)
                       : stub.ThrottleSchemaMigration(&ctx, forwarded, &resp));
        return tally.Add(shard, resp.rows_affected_by_shard(), st,
                         /*took_effect=*/true);
      }));
  return tally.Result(s, unthrottle ? "unthrottle" : "throttle",
                      ks->shards_size());
}

absl::Status TookEffectOn(const absl::Status& refused, absl::string_view verb,
                          const std::set<std::string>& shards,
                          const std::set<std::string>& unanswered) {
  std::string message(refused.message());
  if (!shards.empty()) {
    absl::StrAppend(&message, "; the ", verb, " took effect on shard(s) ",
                    absl::StrJoin(shards, ", "),
                    verb == "retry" ? ", where it runs again" : "");
  }
  if (!unanswered.empty()) {
    absl::StrAppend(&message, "; shard(s) ", absl::StrJoin(unanswered, ", "),
                    " did not answer in time: the ", verb,
                    " may have taken effect there too");
  }
  return absl::Status(refused.code(), message);
}

absl::StatusOr<std::map<std::string, uint64_t>>
Controller::AllOutsideDeployments(const TopologyKeyspace& ks,
                                  absl::string_view verb) {
  std::map<std::string, uint64_t> counts;
  std::vector<absl::Status> failed;
  for (const TopologyShard& shard : ks.shards()) {
    counts[shard.name()] = 0;
    vtctldata::GetSchemaMigrationsResponse listed;
    absl::Status s = tablets_.Call(
        shard, [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
                   grpc::ClientContext& ctx) {
          vtctldata::GetSchemaMigrationsRequest g;
          g.set_keyspace(ks.name());
          return FromGrpc(stub.GetSchemaMigrations(&ctx, g, &listed));
        });
    if (!s.ok()) {
      failed.push_back(std::move(s));
      continue;
    }
    for (const vtctldata::SchemaMigration& m : listed.migrations()) {
      const bool waiting =
          m.status() == vtctldata::SchemaMigration::REQUESTED ||
          m.status() == vtctldata::SchemaMigration::QUEUED ||
          m.status() == vtctldata::SchemaMigration::READY;
      const bool pending =
          waiting || m.status() == vtctldata::SchemaMigration::RUNNING;
      const bool wanted = verb == "launch" ? m.postpone_launch() && waiting
                          : verb == "complete"
                              ? m.postpone_completion() && pending
                              : pending;
      if (!wanted) continue;
      {
        absl::MutexLock lock(&mu_);
        SC_RETURN_IF_ERROR(Lead());
        if (FindByMember(m.uuid()) != nullptr) continue;  // its gate's
      }
      s = tablets_.Call(
          shard,
          [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
              grpc::ClientContext& ctx) -> absl::Status {
            if (verb == "launch") {
              vtctldata::LaunchSchemaMigrationRequest r;
              r.set_keyspace(ks.name());
              r.set_uuid(m.uuid());
              vtctldata::LaunchSchemaMigrationResponse resp;
              return FromGrpc(stub.LaunchSchemaMigration(&ctx, r, &resp));
            }
            if (verb == "complete") {
              vtctldata::CompleteSchemaMigrationRequest r;
              r.set_keyspace(ks.name());
              r.set_uuid(m.uuid());
              vtctldata::CompleteSchemaMigrationResponse resp;
              return FromGrpc(stub.CompleteSchemaMigration(&ctx, r, &resp));
            }
            vtctldata::CancelSchemaMigrationRequest r;
            r.set_keyspace(ks.name());
            r.set_uuid(m.uuid());
            vtctldata::CancelSchemaMigrationResponse resp;
            return FromGrpc(stub.CancelSchemaMigration(&ctx, r, &resp));
          });
      if (s.ok()) {
        ++counts[shard.name()];
      } else if (!absl::IsFailedPrecondition(s)) {
        // (One that moved on since it was listed, or cannot be moved now,
        // is left as "all" leaves it on a tablet.)
        failed.push_back(std::move(s));
      }
    }
  }
  SC_RETURN_IF_ERROR(Combine(failed));
  return counts;
}

absl::StatusOr<MigrationCommandResponse> Controller::ExecuteMigrationCommand(
    const MigrationCommandRequest& req) {
  MigrationCommandResponse resp;
  SC_RETURN_IF_ERROR(CheckLeader());
  // A deployment (or a member of one) named in a request for another
  // keyspace is not acted on: a mistyped keyspace must not cancel or
  // revert another keyspace's change.
  auto same_keyspace = [&](const std::string& what,
                           const std::string& keyspace) -> absl::Status {
    if (req.keyspace().empty() || req.keyspace() == keyspace) {
      return absl::OkStatus();
    }
    return absl::NotFoundError(absl::StrCat(what, " is in keyspace ", keyspace,
                                            ", not ", req.keyspace(),
                                            "; nothing was done"));
  };
  // Sidecut's deployment statements: SHOW|COMPLETE|CANCEL|REVERT
  // DEPLOYMENT '<context>'.
  std::string verb, context;
  static const RE2* const kDeployment = new RE2(
      R"((?is)\s*(show|complete|cancel|revert)\s+deployment\s+'([^']*)'\s*;?\s*)");
  if (RE2::FullMatch(req.sql(), *kDeployment, &verb, &context)) {
    verb = absl::AsciiStrToLower(verb);
    {
      SC_ASSIGN_OR_RETURN(ControllerDeployment named, GetDeployment(context));
      SC_RETURN_IF_ERROR(same_keyspace(
          absl::StrCat("deployment ", named.context()), named.keyspace()));
    }
    if (verb == "complete") SC_RETURN_IF_ERROR(CompleteDeployment(context));
    if (verb == "cancel") SC_RETURN_IF_ERROR(CancelDeployment(context));
    if (verb == "revert") {
      SC_ASSIGN_OR_RETURN(context, RevertDeployment(context));
    }
    SC_ASSIGN_OR_RETURN(ControllerDeployment d, GetDeployment(context));
    SC_ASSIGN_OR_RETURN(const TopologyKeyspace* ks, Keyspace(d.keyspace()));
    query::QueryResult r = Fields({"kind", "id", "table", "action", "status",
                                   "progress", "stage", "message"});
    int64_t skew = -1;
    for (const DeploymentMember& m : d.members()) {
      if (m.last_swap_micros() > 0) skew = std::max(skew, m.skew_micros());
    }
    AddRow(
        r,
        {"deployment", d.context(), "", "", StateName(d.state()),
         skew >= 0 ? absl::StrCat("cross-shard skew ", skew / 1000.0, " ms")
                   : "",
         d.postpone_completion() ? "postponed completion" : "", d.message()});
    for (const DeploymentMember& m : d.members()) {
      vtctldata::GetSchemaMigrationsRequest g;
      g.set_keyspace(ks->name());
      g.set_uuid(m.uuid());
      absl::StatusOr<vtctldata::GetSchemaMigrationsResponse> ms =
          GetSchemaMigrations(g);
      if (!ms.ok()) {
        AddRow(r, {"member", m.uuid(), m.table(), "", "unknown", "", "",
                   std::string(ms.status().message())});
        continue;
      }
      for (const vtctldata::SchemaMigration& s : ms->migrations()) {
        std::string status = absl::AsciiStrToLower(
            vtctldata::SchemaMigration::Status_Name(s.status()));
        AddRow(r, {"member", m.uuid(), m.table(), s.ddl_action(), status,
                   absl::StrCat(static_cast<int>(s.progress())),
                   absl::StrCat("shard ", s.shard(), ": ", s.stage()),
                   s.message()});
      }
    }
    *resp.mutable_result() = std::move(r);
    return resp;
  }
  SC_ASSIGN_OR_RETURN(onlineddl::MigrationCommand c,
                      onlineddl::ParseMigrationCommand(req.sql()));
  using K = onlineddl::MigrationCommandKind;
  const std::string target = c.all ? "all" : c.uuid;
  if (c.kind == K::kRevert) {
    std::string keyspace;
    {
      absl::MutexLock lock(&mu_);
      SC_RETURN_IF_ERROR(Lead());
      if (const ControllerDeployment* d = FindByMember(c.uuid)) {
        keyspace = d->keyspace();
      }
    }
    if (!keyspace.empty()) {
      SC_RETURN_IF_ERROR(
          same_keyspace(absl::StrCat("migration ", c.uuid), keyspace));
    }
    SC_ASSIGN_OR_RETURN(std::string uuid, RevertMigration(c.uuid, req.uuid()));
    resp.add_uuids(uuid);
    query::QueryResult r = Fields({"uuid"});
    AddRow(r, {uuid});
    r.set_rows_affected(1);
    *resp.mutable_result() = std::move(r);
    return resp;
  }
  const char* verb_name = nullptr;
  switch (c.kind) {
    case K::kComplete:
      verb_name = "complete";
      break;
    case K::kCancel:
      verb_name = "cancel";
      break;
    case K::kRetry:
      verb_name = "retry";
      break;
    case K::kLaunch:
      verb_name = "launch";
      break;
    case K::kCleanup:
      verb_name = "cleanup";
      break;
    case K::kForceCutOver:
      verb_name = "force-cutover";
      break;
    default:
      break;
  }
  if (verb_name != nullptr && c.context.empty() && c.shards.empty()) {
    // The keyspace the statement names (SHOW ... FROM), else the request's.
    SC_ASSIGN_OR_RETURN(
        auto counts,
        Command(verb_name, c.keyspace.empty() ? req.keyspace() : c.keyspace,
                target));
    uint64_t n = 0;
    for (const auto& [shard, k] : counts) n += k;
    resp.mutable_result()->set_rows_affected(n);
    return resp;
  }
  // A deployment's members move only through its gate: COMPLETE or CANCEL
  // of its context is the deployment's; anything else that would launch,
  // complete or cancel them shard by shard is refused.
  if (c.kind == K::kComplete || c.kind == K::kCancel || c.kind == K::kLaunch ||
      c.kind == K::kForceCutOver || c.kind == K::kPostponeComplete) {
    std::string deployment, keyspace;
    {
      absl::MutexLock lock(&mu_);
      SC_RETURN_IF_ERROR(Lead());
      for (const ControllerDeployment& d : deployments_) {
        bool member = false;
        for (const DeploymentMember& m : d.members()) {
          member |= !c.all && c.context.empty() &&
                    absl::EqualsIgnoreCase(m.uuid(), c.uuid);
        }
        if ((!c.context.empty() &&
             absl::EqualsIgnoreCase(d.context(), c.context)) ||
            member) {
          deployment = d.context();
          keyspace = d.keyspace();
        }
      }
    }
    if (!deployment.empty()) {
      SC_RETURN_IF_ERROR(
          same_keyspace(absl::StrCat("deployment ", deployment), keyspace));
      if (c.shards.empty() && !c.context.empty() && c.kind == K::kComplete) {
        SC_RETURN_IF_ERROR(CompleteDeployment(deployment));
        return resp;
      }
      if (c.shards.empty() && !c.context.empty() && c.kind == K::kCancel) {
        SC_RETURN_IF_ERROR(CancelDeployment(deployment));
        return resp;
      }
      return absl::FailedPreconditionError(absl::StrCat(
          "'", c.context.empty() ? c.uuid : c.context,
          "' belongs to deployment ", deployment,
          ", which moves only as a whole: COMPLETE DEPLOYMENT or CANCEL "
          "DEPLOYMENT '",
          deployment, "'"));
    }
  }
  // Everything else (SHOW VITESS_MIGRATIONS, THROTTLE, ...): every shard's
  // answer, rows concatenated.
  SC_ASSIGN_OR_RETURN(
      const TopologyKeyspace* ks,
      Keyspace(c.keyspace.empty() ? req.keyspace() : c.keyspace));
  MigrationCommandRequest forwarded = req;
  forwarded.set_keyspace(ks->name());
  std::vector<MigrationCommandResponse> per(ks->shards_size());
  std::map<std::string, int> index;
  for (int i = 0; i < ks->shards_size(); ++i) index[ks->shards(i).name()] = i;
  // VITESS_SHARDS: only the shards it lists, each of which must exist.
  for (const std::string& listed : c.shards) {
    if (index.count(listed) > 0) continue;
    std::vector<std::string> names;
    for (const TopologyShard& s : ks->shards()) names.push_back(s.name());
    return absl::InvalidArgumentError(absl::StrCat(
        "VITESS_SHARDS names shard '", listed, "', which keyspace ", ks->name(),
        " does not have (its shards: ", absl::StrJoin(names, ", "), ")"));
  }
  SC_RETURN_IF_ERROR(Combine(tablets_.ForEach(
      *ks, [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
               grpc::ClientContext& ctx) {
        if (!c.shards.empty() && std::find(c.shards.begin(), c.shards.end(),
                                           shard.name()) == c.shards.end()) {
          return absl::OkStatus();
        }
        return FromGrpc(stub.ExecuteMigrationCommand(
            &ctx, forwarded, &per[index[shard.name()]]));
      })));
  query::QueryResult* out = resp.mutable_result();
  for (MigrationCommandResponse& p : per) {
    if (out->fields_size() == 0) *out->mutable_fields() = p.result().fields();
    for (const query::Row& row : p.result().rows()) *out->add_rows() = row;
    out->set_rows_affected(out->rows_affected() + p.result().rows_affected());
    for (const std::string& u : p.uuids()) resp.add_uuids(u);
  }
  return resp;
}

absl::StatusOr<std::string> Controller::RevertMigration(
    absl::string_view uuid, absl::string_view new_uuid) {
  if (!new_uuid.empty() && !onlineddl::IsValidMigrationUuid(new_uuid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", new_uuid, "' is not a valid migration UUID"));
  }
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(Lead());
  ControllerDeployment* d = FindByMember(uuid);
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "migration ", uuid,
        " was not submitted through this controller; revert it on each "
        "shard's sidecutd"));
  }
  const std::string revert_sql =
      absl::StrCat("REVERT VITESS_MIGRATION '", uuid, "'");
  if (!new_uuid.empty()) {
    if (const ControllerDeployment* existing = FindByMember(new_uuid)) {
      // Asked again (a client retrying): the same revert is no new one,
      // unless it failed or was cancelled (its UUID is spent on the shards
      // that took it: said, not answered "done" with nothing run).
      if (existing->reverts() == d->context() &&
          existing->members_size() == 1 &&
          existing->members(0).sql() == revert_sql) {
        if (existing->state() == ControllerDeployment::FAILED ||
            existing->state() == ControllerDeployment::CANCELLED) {
          return absl::FailedPreconditionError(
              absl::StrCat("revert ", new_uuid, " of migration ", uuid,
                           " was asked for "
                           "before and ",
                           existing->state() == ControllerDeployment::FAILED
                               ? "failed"
                               : "was cancelled",
                           existing->message().empty()
                               ? ""
                               : absl::StrCat(": ", existing->message()),
                           "; ask again without a UUID (or with a new one)"));
        }
        return std::string(new_uuid);
      }
      return absl::AlreadyExistsError(
          absl::StrCat("migration ", new_uuid, " already exists"));
    }
  }
  if (d->state() == ControllerDeployment::COMPLETING) {
    // Brings it up to date: its shards may have completed since the last
    // gate round.
    SC_RETURN_IF_ERROR(Gate(*d));
  }
  const DeploymentMember* m = nullptr;
  for (const DeploymentMember& x : d->members()) {
    if (absl::EqualsIgnoreCase(x.uuid(), uuid)) m = &x;
  }
  if (!m->done()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", uuid,
        " is not complete on every shard; only a completed migration can be "
        "reverted"));
  }
  ControllerDeployment r;
  r.set_context(absl::StrCat("revert-", onlineddl::CreateMigrationUuid()));
  r.set_keyspace(d->keyspace());
  *r.mutable_shards() = d->shards();
  r.set_reverts(d->context());
  r.set_strategy("vitess");
  r.set_created_micros(absl::ToUnixMicros(clock_->Now()));
  r.set_state(ControllerDeployment::COMPLETING);
  DeploymentMember* rm = r.add_members();
  rm->set_uuid(new_uuid.empty() ? onlineddl::CreateMigrationUuid()
                                : std::string(new_uuid));
  rm->set_sql(revert_sql);
  rm->set_table(m->table());
  rm->set_cut_over(m->cut_over());
  SC_RETURN_IF_ERROR(CheckRelatedTables(r));
  SC_RETURN_IF_ERROR(Submit(r, "vitess", /*revert=*/true));
  absl::MutexLock w(&wake_mu_);
  wake_ = true;
  return rm->uuid();
}

}  // namespace controller
}  // namespace sidecut
