#include "controller/controller.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "controller/topology.h"
#include "mysql/quoting.h"
#include "onlineddl/ddl_statement.h"
#include "onlineddl/ddl_strategy.h"
#include "onlineddl/migration_command.h"
#include "onlineddl/migration_uuid.h"
#include "util/grpc_status.h"
#include "util/status_macros.h"

namespace sidecut {
namespace controller {

namespace {

// `strategy` with `flag` added unless present.
std::string WithFlag(std::string strategy, absl::string_view flag) {
  if (!absl::StrContains(strategy, flag)) absl::StrAppend(&strategy, " ", flag);
  return strategy;
}

bool Active(const ControllerDeployment& d) {
  return d.state() == ControllerDeployment::POSTPONED ||
         d.state() == ControllerDeployment::COMPLETING;
}

// Whether a store write that failed with `s` may have been applied all the
// same: its answer did not come (a timeout, a dropped connection).
bool MayHaveLanded(const absl::Status& s) {
  return absl::IsDeadlineExceeded(s) || absl::IsUnavailable(s) ||
         absl::IsUnknown(s) || absl::IsCancelled(s);
}

}  // namespace

bool AnyDecided(const ControllerDeployment& d) {
  for (const DeploymentMember& m : d.members()) {
    if (m.commit_decided() || m.done()) return true;
  }
  return false;
}

Controller::Controller(ControllerOptions options, Clock* clock,
                       std::shared_ptr<StateStore> store)
    : options_(std::move(options)),
      clock_(clock),
      store_(std::move(store)),
      tablets_(options_.stubs, options_.rpc_timeout) {}

absl::StatusOr<std::unique_ptr<Controller>> Controller::Start(
    ControllerOptions options, Clock* clock) {
  std::shared_ptr<StateStore> store = options.store;
  if (store == nullptr) {
    if (options.state_dir.empty()) {
      return absl::InvalidArgumentError(
          "the controller needs a state directory");
    }
    SC_ASSIGN_OR_RETURN(DeploymentStore files,
                        DeploymentStore::Open(options.state_dir));
    store = std::make_shared<DeploymentStore>(std::move(files));
  }
  std::unique_ptr<Controller> c(
      new Controller(std::move(options), clock, std::move(store)));
  if (!c->options_.leader_term) {
    // Alone: the saved deployments are ours from the start.
    absl::MutexLock lock(&c->mu_);
    SC_RETURN_IF_ERROR(c->Lead());
  }
  c->thread_ = std::thread([p = c.get()] { p->Loop(); });
  return c;
}

Controller::~Controller() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Controller::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&wake_mu_);
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) {
        return wake_ || stop_;
      };
      wake_mu_.AwaitWithTimeout(absl::Condition(&woken), options_.tick);
      if (stop_) return;
      wake_ = false;
    }
    absl::Status s = Tick();
    if (!s.ok()) std::cerr << "sidecut-ctld: " << s.message() << std::endl;
  }
}

absl::StatusOr<const TopologyKeyspace*> Controller::Keyspace(
    absl::string_view name) {
  return FindKeyspace(options_.topology, name);
}

absl::StatusOr<TopologyKeyspace> Controller::DeploymentKeyspace(
    const ControllerDeployment& d) {
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace* ks, Keyspace(d.keyspace()));
  if (d.shards().empty()) return *ks;
  TopologyKeyspace out;
  out.set_name(ks->name());
  for (const std::string& name : d.shards()) {
    const TopologyShard* found = nullptr;
    for (const TopologyShard& s : ks->shards()) {
      if (s.name() == name) found = &s;
    }
    if (found == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "deployment ", d.context(), " runs on shard ", name, " of keyspace ",
          ks->name(),
          ", which the topology no longer has: restore the shard in the "
          "topology to finish or cancel the deployment"));
    }
    *out.add_shards() = *found;
  }
  return out;
}

ControllerDeployment* Controller::FindByMember(absl::string_view uuid) {
  for (ControllerDeployment& d : deployments_) {
    for (const DeploymentMember& m : d.members()) {
      if (absl::EqualsIgnoreCase(m.uuid(), uuid)) return &d;
    }
  }
  return nullptr;
}

absl::Status Controller::Save(const ControllerDeployment& d, bool create) {
  // State loaded in an earlier term is stale once leadership was lost and
  // won again (the store's fence holds for the current term only): what
  // was saved meanwhile, by another leader, stays.
  const int64_t term = options_.leader_term ? options_.leader_term() : 0;
  if (term != loaded_term_) {
    return absl::AbortedError(absl::StrCat(
        "this sidecut-ctld's leadership changed while it worked on "
        "deployment ",
        d.context(),
        " (its state is from an earlier term): nothing saved; the next "
        "round reloads it"));
  }
  SC_RETURN_IF_ERROR(create ? store_->Create(d) : store_->Save(d));
  absl::MutexLock lock(&view_mu_);
  view_[absl::AsciiStrToLower(d.context())] = d;
  return absl::OkStatus();
}

void Controller::PublishLoaded(int64_t term) {
  absl::MutexLock lock(&view_mu_);
  view_.clear();
  for (const ControllerDeployment& d : deployments_) {
    view_[absl::AsciiStrToLower(d.context())] = d;
  }
  view_term_ = term;
}

bool Controller::ViewCurrent() {
  const int64_t term = options_.leader_term ? options_.leader_term() : 0;
  if (options_.leader_term && term == 0) return false;  // not leading
  absl::MutexLock lock(&view_mu_);
  return view_term_ == term;
}

absl::Status Controller::Lead() {
  const int64_t term = options_.leader_term ? options_.leader_term() : 0;
  if (options_.leader_term && term == 0) {
    const std::string leader = options_.leader ? options_.leader() : "";
    return absl::UnavailableError(
        leader.empty()
            ? "this sidecut-ctld is not the leader and no leader is elected "
              "yet; retry in a few seconds"
            : absl::StrCat("this sidecut-ctld is not the leader; the leader "
                           "is ",
                           leader));
  }
  if (term != loaded_term_) {
    // Newly the leader: what the previous leader saved is the truth.
    SC_ASSIGN_OR_RETURN(deployments_, store_->LoadAll());
    loaded_term_ = term;
    PublishLoaded(term);
  }
  return absl::OkStatus();
}

absl::Status Controller::CheckLeader() {
  // Leading, with this term's deployments loaded: no need to wait for a
  // gate round (shards preparing can hold mu_ for seconds). So callers
  // that then take mu_ call Lead() again: leadership may have changed
  // while they waited.
  if (ViewCurrent()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  return Lead();
}

bool Controller::Leading(std::string* leader) {
  if (!options_.leader_term || options_.leader_term() != 0) return true;
  *leader = options_.leader ? options_.leader() : "";
  return false;
}

absl::StatusOr<vtctldata::ApplySchemaResponse> Controller::ApplySchema(
    const vtctldata::ApplySchemaRequest& req) {
  SC_RETURN_IF_ERROR(CheckLeader());
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace* ks, Keyspace(req.keyspace()));
  vtctldata::ApplySchemaResponse resp;
  // Everything is checked before anything runs. Migration commands
  // (REVERT, ALTER VITESS_MIGRATION ...) in the batch run first, then the
  // DDL. With one UUID per SQL entry, each entry's UUID goes with it.
  std::vector<int> commands;
  std::vector<std::string> ddl;
  std::vector<int> ddl_entry;  // per DDL statement: its SQL entry
  std::vector<onlineddl::DdlStatement> stmts;
  for (int i = 0; i < req.sql_size(); ++i) {
    if (onlineddl::LooksLikeMigrationCommand(req.sql(i))) {
      SC_RETURN_IF_ERROR(onlineddl::ParseMigrationCommand(req.sql(i)).status());
      commands.push_back(i);
      continue;
    }
    ddl.push_back(req.sql(i));
    SC_ASSIGN_OR_RETURN(std::vector<onlineddl::DdlStatement> s,
                        onlineddl::ParseDdl(req.sql(i), ""));
    for (onlineddl::DdlStatement& d : s) {
      stmts.push_back(std::move(d));
      ddl_entry.push_back(i);
    }
  }
  const bool per_entry = req.uuid_list_size() > 0 &&
                         req.uuid_list_size() == req.sql_size() &&
                         ddl.size() == stmts.size();
  const bool fixed = req.uuid_list_size() > 0;
  if (fixed && !per_entry &&
      (!commands.empty() ||
       req.uuid_list_size() != static_cast<int>(stmts.size()))) {
    return absl::InvalidArgumentError(
        "uuid_list must give one UUID per statement");
  }
  auto uuid_of = [&](size_t stmt) {
    return per_entry ? req.uuid_list(ddl_entry[stmt])
                     : req.uuid_list(static_cast<int>(stmt));
  };
  onlineddl::DdlStrategySetting st;
  std::set<std::string> related;  // a declarative plan's, by its shards
  // The strategy the shards are given (a declarative one is planned here
  // and deployed as the DDL it comes to).
  std::string strategy = req.ddl_strategy();
  if (!ddl.empty()) {
    SC_ASSIGN_OR_RETURN(
        st, onlineddl::DdlStrategySetting::Parse(req.ddl_strategy()));
    if (st.IsDeclarative()) {
      if (!commands.empty() || fixed) {
        return absl::InvalidArgumentError(
            "a --declarative deployment takes only the desired CREATE (and "
            "DROP) statements and assigns its own migration UUIDs");
      }
      SC_ASSIGN_OR_RETURN(
          std::vector<std::string> plan,
          PlanDeclarative(*ks, ddl, req.ddl_strategy(), &related));
      if (plan.empty()) return resp;  // every shard is as desired
      SC_ASSIGN_OR_RETURN(st, st.Without({"declarative", "whole-schema"}));
      strategy = st.ToString();
      ddl = plan;
      stmts.clear();
      ddl_entry.clear();
      for (size_t i = 0; i < plan.size(); ++i) {
        SC_ASSIGN_OR_RETURN(std::vector<onlineddl::DdlStatement> s,
                            onlineddl::ParseDdl(plan[i], ""));
        for (onlineddl::DdlStatement& d : s) {
          stmts.push_back(std::move(d));
          ddl_entry.push_back(static_cast<int>(i));
        }
      }
    }
    if (st.IsPostponeLaunch() && !st.IsDirect()) {
      // The gate launches members itself, and launching one alone is
      // refused: postponed ALTERs would wait for a launch that never comes.
      return absl::InvalidArgumentError(
          "--postpone-launch is not supported by the controller: its gate "
          "launches every change in order once every ALTER is ready; use "
          "--postpone-completion to hold the cut-over");
    }
    if (st.IsPreferInstantDdl() && !st.IsDirect()) {
      // Each tablet would apply an instant ALTER as soon as it launched,
      // outside the gate and the deployment's order.
      return absl::InvalidArgumentError(
          "--prefer-instant-ddl is not supported across shards by the "
          "controller: the gate cuts every shard over together; drop the "
          "flag, or submit to each shard's sidecutd");
    }
  }
  auto run_commands = [&]() -> absl::Status {
    for (int i : commands) {
      MigrationCommandRequest c;
      c.set_keyspace(req.keyspace());
      c.set_sql(req.sql(i));
      c.set_migration_context(req.migration_context());
      if (per_entry) c.set_uuid(req.uuid_list(i));
      SC_ASSIGN_OR_RETURN(MigrationCommandResponse r,
                          ExecuteMigrationCommand(c));
      for (const std::string& u : r.uuids()) resp.add_uuid_list(u);
    }
    return absl::OkStatus();
  };
  if (ddl.empty()) {
    SC_RETURN_IF_ERROR(run_commands());
    return resp;
  }
  if (st.IsDirect()) {
    // Runs on every shard now; nothing to track. Only the DDL goes to the
    // tablets (the commands ran above, once).
    SC_RETURN_IF_ERROR(run_commands());
    vtctldata::ApplySchemaRequest r;
    r.set_keyspace(ks->name());
    r.set_ddl_strategy(strategy);
    r.set_migration_context(req.migration_context());
    for (const std::string& sql : ddl) r.add_sql(sql);
    // A shard failing leaves the others applied: said, so that the shards
    // are known to differ (the same request sent again fails on those), as
    // is a shard whose answer did not come in time (it may have applied).
    absl::Mutex applied_mu;
    std::set<std::string> applied;
    std::set<std::string> unanswered;
    const absl::Status s = Combine(tablets_.ForEach(
        *ks, [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
                 grpc::ClientContext& ctx) {
          vtctldata::ApplySchemaResponse ignored;
          absl::Status done = FromGrpc(stub.ApplySchema(&ctx, r, &ignored));
          absl::MutexLock l(&applied_mu);
          if (done.ok()) applied.insert(shard.name());
          if (absl::IsDeadlineExceeded(done)) unanswered.insert(shard.name());
          return done;
        }));
    if (!s.ok()) {
      absl::MutexLock l(&applied_mu);
      return TookEffectOn(s, "DDL", applied, unanswered);
    }
    return resp;
  }
  ControllerDeployment d;
  d.set_context(
      req.migration_context().empty()
          ? absl::StrCat("sidecut-ctld:", onlineddl::CreateMigrationUuid())
          : req.migration_context());
  d.set_keyspace(ks->name());
  for (const TopologyShard& s : ks->shards()) d.add_shards(s.name());
  for (const std::string& name : related) d.add_related_tables(name);
  d.set_strategy(strategy);
  d.set_created_micros(absl::ToUnixMicros(clock_->Now()));
  d.set_postpone_completion(st.IsPostponeCompletion());
  d.set_state(st.IsPostponeCompletion() ? ControllerDeployment::POSTPONED
                                        : ControllerDeployment::COMPLETING);
  std::set<std::string> altered;
  for (size_t i = 0; i < stmts.size(); ++i) {
    const onlineddl::DdlStatement& s = stmts[i];
    DeploymentMember* m = d.add_members();
    m->set_uuid(fixed ? uuid_of(i) : onlineddl::CreateMigrationUuid());
    if (!onlineddl::IsValidMigrationUuid(m->uuid())) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", m->uuid(), "' is not a valid migration UUID"));
    }
    m->set_sql(s.sql);
    m->set_table(s.table);
    m->set_cut_over(s.action == onlineddl::DdlStatement::Action::kAlter &&
                    !s.is_view && st.strategy == onlineddl::Strategy::kVitess);
    if (m->cut_over() && !altered.insert(s.table).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "two ALTERs of table ", s.table,
          " in one deployment cannot cut over together; combine them into "
          "one ALTER TABLE"));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    SC_RETURN_IF_ERROR(Lead());
    SC_RETURN_IF_ERROR(CheckNewDeployment(d));
  }
  SC_RETURN_IF_ERROR(run_commands());
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(Lead());
  SC_RETURN_IF_ERROR(CheckNewDeployment(d));  // again: a concurrent request
  SC_RETURN_IF_ERROR(Submit(d, strategy, /*revert=*/false));
  for (const DeploymentMember& m : d.members()) resp.add_uuid_list(m.uuid());
  for (const TopologyShard& s : ks->shards()) {
    (*resp.mutable_rows_affected_by_shard())[s.name()] = d.members_size();
  }
  return resp;
}

absl::StatusOr<std::vector<std::string>> Controller::PlanDeclarative(
    const TopologyKeyspace& ks, const std::vector<std::string>& sql,
    const std::string& strategy, std::set<std::string>* related) {
  if (ks.shards_size() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("keyspace ", ks.name(), " has no shards"));
  }
  PlanDeclarativeRequest r;
  r.set_keyspace(ks.name());
  for (const std::string& q : sql) r.add_sql(q);
  r.set_ddl_strategy(strategy);
  absl::Mutex plans_mu;
  std::map<std::string, std::vector<std::string>> plans;  // by shard
  SC_RETURN_IF_ERROR(Combine(tablets_.ForEach(
      ks,
      [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
          grpc::ClientContext& ctx) -> absl::Status {
        PlanDeclarativeResponse resp;
        SC_RETURN_IF_ERROR(FromGrpc(stub.PlanDeclarative(&ctx, r, &resp)));
        absl::MutexLock lock(&plans_mu);
        plans[shard.name()] = {resp.ddl().begin(), resp.ddl().end()};
        related->insert(resp.related_tables().begin(),
                        resp.related_tables().end());
        return absl::OkStatus();
      })));
  // Shards whose schemas differ would deploy different changes under one
  // migration UUID each: refused, showing what each would run.
  const std::vector<std::string>& first = plans[ks.shards(0).name()];
  for (const TopologyShard& shard : ks.shards()) {
    if (plans[shard.name()] == first) continue;
    auto show = [](const std::vector<std::string>& ddl) {
      return ddl.empty() ? std::string("nothing") : absl::StrJoin(ddl, "; ");
    };
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment refused before anything ran: the shards' schemas differ, "
        "so the declarative deployment would change them differently: "
        "shard ",
        ks.shards(0).name(), " would run ", show(first), ", shard ",
        shard.name(), " ", show(plans[shard.name()]),
        "; bring the shards to one schema first, or deploy to each shard's "
        "sidecutd"));
  }
  return first;
}

absl::Status Controller::CheckNewDeployment(const ControllerDeployment& d) {
  for (const ControllerDeployment& other : deployments_) {
    if (absl::EqualsIgnoreCase(other.context(), d.context())) {
      return absl::AlreadyExistsError(absl::StrCat(
          "migration context ", d.context(), " is already a deployment"));
    }
  }
  for (const DeploymentMember& m : d.members()) {
    if (FindByMember(m.uuid()) != nullptr) {
      return absl::AlreadyExistsError(
          absl::StrCat("migration ", m.uuid(), " already exists"));
    }
  }
  return CheckRelatedTables(d);
}

absl::Status Controller::CheckRelatedTables(const ControllerDeployment& d) {
  // A declarative deployment's plan is the difference from the schema as
  // it was: what it depends on without changing it (a table a view it
  // creates reads) must stay so until it ends, both ways round. (A failed
  // one holds nothing: it may stay failed for good; its retry is checked
  // here again.)
  auto holds = [](const ControllerDeployment& x) {
    return x.state() == ControllerDeployment::POSTPONED ||
           x.state() == ControllerDeployment::COMPLETING;
  };
  for (const ControllerDeployment& other : deployments_) {
    if (!holds(other) || absl::EqualsIgnoreCase(other.context(), d.context()) ||
        !absl::EqualsIgnoreCase(other.keyspace(), d.keyspace())) {
      continue;
    }
    auto refuse = [](const ControllerDeployment& holder,
                     const std::string& table) {
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", mysql::QuoteIdentifier(table), " is one deployment '",
          holder.context(), "' (",
          absl::AsciiStrToLower(
              ControllerDeployment::State_Name(holder.state())),
          ") depends on (a view it creates or changes reads it, or a "
          "foreign key links it to a table it changes), and its plan is "
          "the difference from the schema as it was; complete or cancel "
          "the deployment first"));
    };
    for (const DeploymentMember& m : d.members()) {
      for (const std::string& name : other.related_tables()) {
        if (absl::EqualsIgnoreCase(name, m.table())) return refuse(other, name);
      }
    }
    // The other way round: `d` planned against a table `other` is still
    // changing (submitted while `d` was being planned).
    for (const DeploymentMember& m : other.members()) {
      if (m.done()) continue;
      for (const std::string& name : d.related_tables()) {
        if (!absl::EqualsIgnoreCase(name, m.table())) continue;
        return absl::FailedPreconditionError(absl::StrCat(
            "deployment '", d.context(), "' depends on table ",
            mysql::QuoteIdentifier(name), ", which deployment '",
            other.context(), "' (",
            absl::AsciiStrToLower(
                ControllerDeployment::State_Name(other.state())),
            ") is still changing, and its plan is the difference from the "
            "schema as it was; wait for that one to end, or cancel it"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Controller::Submit(ControllerDeployment& d,
                                absl::string_view strategy, bool revert) {
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace deployed, DeploymentKeyspace(d));
  const TopologyKeyspace* ks = &deployed;
  // Saved first: a controller that dies while submitting finds the
  // deployment (and cancels or resumes it) when it restarts.
  d.set_submission_pending(true);
  if (absl::Status s = Save(d, /*create=*/true); !s.ok()) {
    // Not saved, not kept: the caller is told it failed, so nothing may
    // submit it later.
    if (!MayHaveLanded(s)) return s;
    // The store may have taken it all the same (its answer was lost): a
    // successor, or this leader reloading, would submit what the caller is
    // told failed. Recorded as cancelled, which a late create cannot
    // overwrite (it is for a new deployment only).
    const std::string why =
        absl::StrCat("not submitted: saving the deployment got no answer (",
                     s.message(), ")");
    ControllerDeployment dropped = d;
    dropped.set_submission_pending(false);
    dropped.set_state(ControllerDeployment::CANCELLED);
    dropped.set_message(why);
    if (absl::Status t = Save(dropped); !t.ok()) {
      return absl::Status(
          s.code(), absl::StrCat(why, ", nor did recording it as cancelled (",
                                 t.message(),
                                 "): it may be saved, and then a leader "
                                 "submits it; cancel deployment ",
                                 d.context(), " if it is listed"));
    }
    deployments_.push_back(dropped);
    return absl::Status(s.code(),
                        absl::StrCat(why, "; it is recorded as cancelled"));
  }
  deployments_.push_back(d);
  int submitted = 0;
  std::vector<std::set<std::string>> taken;
  absl::Status failed =
      SubmitMembers(*ks, d, strategy, revert, &submitted, &taken);
  ControllerDeployment& saved = deployments_.back();
  if (failed.ok()) {
    saved.set_submission_pending(false);
    absl::Status s = Save(saved);
    if (!s.ok()) {
      // Every shard has it: the deployment lives (a successor submitting
      // it again changes nothing).
      std::cerr << "sidecut-ctld: deployment " << saved.context()
                << " submitted, but saving that failed: " << s.message()
                << std::endl;
    }
    return absl::OkStatus();
  }
  if (simulated_death_) {
    simulated_death_ = false;
    return failed;  // the test's simulated death: nothing cleaned up
  }
  return FailSubmission(*ks, saved, failed, &taken);
}

absl::Status Controller::FailSubmission(
    const TopologyKeyspace& ks, ControllerDeployment& saved,
    const absl::Status& failed,
    const std::vector<std::set<std::string>>* taken) {
  const ControllerDeployment& d = saved;
  // Recorded failed first, in a write fenced on the leadership: a leader
  // deposed meanwhile cancels nothing its successor, resubmitting the
  // deployment, now drives, and a deployment the caller is told was not
  // submitted is never submitted again by a successor.
  const ControllerDeployment before = saved;
  saved.set_state(ControllerDeployment::FAILED);
  saved.set_message(absl::StrCat("submission failed: ", failed.message()));
  if (absl::Status s = Save(saved); !s.ok()) {
    // Still pending here too: this leader's next round submits it again.
    saved = before;
    return absl::Status(
        failed.code(),
        absl::StrCat("submission interrupted (", failed.message(),
                     ") and not recorded as failed (", s.message(),
                     "): the leader submits it again; cancel the deployment "
                     "if it is not wanted"));
  }
  // Leave no shard with a part of the request: cancelled where a shard
  // took it, and only there (a shard that refused it may run another
  // migration under that UUID).
  std::vector<std::string> not_cancelled;
  for (int i = 0; i < d.members_size(); ++i) {
    const std::set<std::string>* only = nullptr;  // every shard
    if (taken != nullptr) {
      if (static_cast<size_t>(i) >= taken->size() || (*taken)[i].empty()) {
        continue;
      }
      only = &(*taken)[i];
    }
    std::vector<absl::Status> cancelled =
        CancelOnShards(ks, d.members(i).uuid(), d.context(), only);
    for (int s = 0; s < ks.shards_size(); ++s) {
      // (Not found on a shard that timed out: the request may still land
      // there, so it is reported. Asked everywhere, a shard without it
      // never got it.)
      if (!cancelled[s].ok() && !absl::IsFailedPrecondition(cancelled[s]) &&
          !(taken == nullptr && absl::IsNotFound(cancelled[s]))) {
        not_cancelled.push_back(absl::StrCat(d.members(i).uuid(), " on shard ",
                                             ks.shards(s).name(), ": ",
                                             cancelled[s].message()));
      }
    }
  }
  if (!not_cancelled.empty()) {
    saved.set_message(absl::StrCat(
        saved.message(), "; cancelling what shards took failed (",
        absl::StrJoin(not_cancelled, "; "), "): cancel the deployment"));
    Save(saved).IgnoreError();
  }
  return absl::Status(
      failed.code(),
      absl::StrCat(
          not_cancelled.empty()
              ? "not submitted (cancelled on the shards that took it): "
              : absl::StrCat("not submitted, and cancelling what shards took "
                             "failed (",
                             absl::StrJoin(not_cancelled, "; "),
                             "): cancel the deployment: "),
          failed.message()));
}

absl::Status Controller::Resubmit(ControllerDeployment& d) {
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace deployed, DeploymentKeyspace(d));
  const TopologyKeyspace* ks = &deployed;
  int submitted = 0;
  absl::Status s = SubmitMembers(*ks, d, d.strategy(),
                                 /*revert=*/!d.reverts().empty(), &submitted);
  if (absl::IsAlreadyExists(s) || absl::IsInvalidArgument(s)) {
    // Refused for good (a shard runs another migration under a member's
    // UUID, or refuses a member's statement or strategy, e.g. a versioned
    // comment its server skips): no round would ever submit it. A
    // FailedPrecondition (a pending migration of the table, a singleton
    // still running) clears, and is tried again. Failed, and cancelled where
    // shards have it: every member on every shard (the interrupted
    // submission may have delivered members after the refused one), but
    // only the deployment's own (CancelOnShards reads the context).
    return FailSubmission(*ks, d, s, /*taken=*/nullptr);
  }
  if (!s.ok()) {
    // Tried again next round; a cancel ends it meanwhile.
    SetMessage(d, absl::StrCat("submitting again after an interrupted "
                               "submission: ",
                               s.message()))
        .IgnoreError();
    return s;
  }
  d.set_submission_pending(false);
  d.set_message("submitted again after an interrupted submission");
  return Save(d);
}

absl::Status Controller::SubmitMembers(
    const TopologyKeyspace& ks, const ControllerDeployment& d,
    absl::string_view strategy, bool revert, int* submitted,
    std::vector<std::set<std::string>>* taken) {
  simulated_death_ = false;
  // Read as the tablets read it (any case; "online" is "vitess").
  SC_ASSIGN_OR_RETURN(onlineddl::DdlStrategySetting parsed,
                      onlineddl::DdlStrategySetting::Parse(strategy));
  for (const DeploymentMember& m : d.members()) {
    std::string s(strategy);
    if (revert) {
      s = "vitess --postpone-completion";  // the tablet's gated revert
    } else if (m.cut_over()) {
      // The gate cuts over; every ALTER of the deployment runs its tail
      // alongside the others (their copies still take turns).
      s = WithFlag(WithFlag(s, "--postpone-completion"), "--allow-concurrent");
    } else if (!parsed.IsDirect()) {
      // The gate launches it, on every shard, in the deployment's order
      // (a `mysql` ALTER too: the tablet cannot postpone its completion),
      // and it completes as it runs (a CREATE, DROP or view with its
      // completion postponed would wait for a COMPLETE).
      SC_ASSIGN_OR_RETURN(onlineddl::DdlStrategySetting completes,
                          parsed.Without({"postpone-completion"}));
      s = WithFlag(completes.ToString(), "--postpone-launch");
    }
    vtctldata::ApplySchemaRequest r;
    r.set_keyspace(ks.name());
    r.add_sql(m.sql());
    r.set_ddl_strategy(s);
    r.add_uuid_list(m.uuid());
    r.set_migration_context(d.context());
    std::vector<absl::Status> statuses = tablets_.ForEach(
        ks, [&](const TopologyShard&, OnlineDDL::StubInterface& stub,
                grpc::ClientContext& ctx) {
          vtctldata::ApplySchemaResponse ignored;
          return FromGrpc(stub.ApplySchema(&ctx, r, &ignored));
        });
    if (taken != nullptr) {
      taken->emplace_back();
      for (int i = 0; i < ks.shards_size(); ++i) {
        // A timeout may have reached the shard: cancelled there too.
        if (statuses[i].ok() || absl::IsDeadlineExceeded(statuses[i]) ||
            absl::IsUnavailable(statuses[i])) {
          taken->back().insert(ks.shards(i).name());
        }
      }
    }
    SC_RETURN_IF_ERROR(Combine(statuses));
    ++*submitted;
    if (options_.while_submitting) {
      absl::Status s = options_.while_submitting(*submitted);
      simulated_death_ = !s.ok();
      SC_RETURN_IF_ERROR(s);
    }
  }
  return absl::OkStatus();
}

std::string Controller::CompletedSomewhere(const TopologyKeyspace& ks,
                                           const ControllerDeployment& d) {
  for (const DeploymentMember& m : d.members()) {
    if (m.commit_decided() || m.done()) continue;
    absl::Mutex found_mu;
    std::string found;
    tablets_.ForEach(
        ks,
        [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
            grpc::ClientContext& ctx) -> absl::Status {
          SC_ASSIGN_OR_RETURN(std::optional<vtctldata::SchemaMigration> r,
                              ReadMigrationOn(stub, ctx, ks.name(), m.uuid()));
          if (r.has_value() &&
              r->status() == vtctldata::SchemaMigration::COMPLETE &&
              absl::EqualsIgnoreCase(r->migration_context(), d.context())) {
            absl::MutexLock l(&found_mu);
            found = absl::StrCat("member ", m.uuid(), " (", m.table(),
                                 ") is complete on shard ", shard.name());
          }
          return absl::OkStatus();
        });
    if (!found.empty()) return found;
  }
  return "";
}

std::vector<absl::Status> Controller::CancelOnShards(
    const TopologyKeyspace& ks, const std::string& uuid,
    absl::string_view context, const std::set<std::string>* only,
    std::set<std::string>* complete_on) {
  const int64_t term = ActingTerm();
  absl::Mutex complete_mu;
  vtctldata::CancelSchemaMigrationRequest c;
  c.set_keyspace(ks.name());
  c.set_uuid(uuid);
  return tablets_.ForEach(
      ks,
      [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
          grpc::ClientContext& ctx) -> absl::Status {
        if (only != nullptr && only->count(shard.name()) == 0) {
          return absl::OkStatus();
        }
        // A shard that refused the deployment's member may run another
        // migration under that UUID (submitted to the tablet directly): it
        // is not the deployment's to cancel.
        SC_ASSIGN_OR_RETURN(std::optional<vtctldata::SchemaMigration> found,
                            ReadMigrationOn(stub, ctx, ks.name(), uuid));
        if (!found.has_value()) {
          return absl::NotFoundError(absl::StrCat(
              "migration ", uuid, " not found on shard ", shard.name()));
        }
        if (!absl::EqualsIgnoreCase(found->migration_context(), context)) {
          return absl::OkStatus();
        }
        // Ended there already (a cancel reaching only some shards is tried
        // again: those that have it are done).
        const auto status = found->status();
        if (status == vtctldata::SchemaMigration::CANCELLED ||
            status == vtctldata::SchemaMigration::FAILED) {
          return absl::OkStatus();
        }
        if (status == vtctldata::SchemaMigration::COMPLETE) {
          if (complete_on != nullptr) {
            absl::MutexLock l(&complete_mu);
            complete_on->insert(shard.name());
          }
          return absl::FailedPreconditionError(absl::StrCat(
              "migration ", uuid, " is complete on shard ", shard.name()));
        }
        // A cut-over still prepared there (by an attempt not decided):
        // released first, as the tablet refuses to cancel a prepared one.
        grpc::ClientContext abort;
        abort.set_deadline(ctx.deadline());
        AbortCutOverRequest a;
        a.set_keyspace(ks.name());
        a.set_uuid(uuid);
        a.set_controller_term(term);
        AbortCutOverResponse aborted;
        SC_RETURN_IF_ERROR(FromGrpc(stub.AbortCutOver(&abort, a, &aborted)));
        grpc::ClientContext cancel;  // one context per call
        cancel.set_deadline(ctx.deadline());
        vtctldata::CancelSchemaMigrationResponse ignored;
        return FromGrpc(stub.CancelSchemaMigration(&cancel, c, &ignored));
      });
}

absl::StatusOr<vtctldata::GetSchemaMigrationsResponse>
Controller::GetSchemaMigrations(
    const vtctldata::GetSchemaMigrationsRequest& req) {
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace* ks, Keyspace(req.keyspace()));
  vtctldata::GetSchemaMigrationsRequest r = req;
  r.set_keyspace(ks->name());
  std::vector<vtctldata::GetSchemaMigrationsResponse> per(ks->shards_size());
  int i = 0;
  std::map<std::string, int> index;
  for (const TopologyShard& s : ks->shards()) index[s.name()] = i++;
  SC_RETURN_IF_ERROR(Combine(tablets_.ForEach(
      *ks, [&](const TopologyShard& shard, OnlineDDL::StubInterface& stub,
               grpc::ClientContext& ctx) {
        return FromGrpc(
            stub.GetSchemaMigrations(&ctx, r, &per[index[shard.name()]]));
      })));
  // A deployment's members wait postponed on the tablets for its gate,
  // which completes them together while the deployment goes on unpostponed:
  // shown as not postponed then (nobody needs to complete them; a CLI's
  // --wait waits for them). Not once it is postponed, failed or cancelled
  // (or being cancelled): members left on a shard wait for a DBA.
  std::set<std::string> gated;
  auto collect = [&gated](const ControllerDeployment& d) {
    if (d.state() == ControllerDeployment::POSTPONED ||
        d.state() == ControllerDeployment::FAILED ||
        d.state() == ControllerDeployment::CANCELLED || d.cancel_requested()) {
      return;
    }
    for (const DeploymentMember& m : d.members()) {
      gated.insert(absl::AsciiStrToLower(m.uuid()));
    }
  };
  if (mu_.TryLock()) {
    for (const ControllerDeployment& d : deployments_) collect(d);
    mu_.Unlock();
  } else if (ViewCurrent()) {
    absl::MutexLock lock(&view_mu_);
    for (const auto& [context, d] : view_) collect(d);
  } else {
    absl::MutexLock lock(&mu_);
    for (const ControllerDeployment& d : deployments_) collect(d);
  }
  vtctldata::GetSchemaMigrationsResponse resp;
  for (int s = 0; s < ks->shards_size(); ++s) {
    for (vtctldata::SchemaMigration& m : *per[s].mutable_migrations()) {
      if (m.shard().empty()) m.set_shard(ks->shards(s).name());
      if (gated.count(absl::AsciiStrToLower(m.uuid())) > 0) {
        m.set_postpone_completion(false);
      }
      *resp.add_migrations() = std::move(m);
    }
  }
  return resp;
}

absl::StatusOr<ControllerDeployment> Controller::GetDeployment(
    absl::string_view context) {
  if (!mu_.TryLock()) {
    // A gate round holds the lock (shards preparing can take seconds):
    // what it last saved answers without waiting for it.
    if (ViewCurrent()) {
      absl::MutexLock lock(&view_mu_);
      auto it = view_.find(absl::AsciiStrToLower(context));
      if (it != view_.end()) return it->second;
    }
    mu_.Lock();  // not found: it may be being created
  }
  absl::StatusOr<ControllerDeployment> d = GetDeploymentLocked(context);
  mu_.Unlock();
  return d;
}

absl::StatusOr<ControllerDeployment> Controller::GetDeploymentLocked(
    absl::string_view context) {
  SC_RETURN_IF_ERROR(Lead());
  for (const ControllerDeployment& d : deployments_) {
    if (absl::EqualsIgnoreCase(d.context(), context)) return d;
  }
  return absl::NotFoundError(absl::StrCat("no deployment ", context));
}

absl::Status Controller::CompleteDeployment(absl::string_view context) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(Lead());
  for (ControllerDeployment& d : deployments_) {
    if (!absl::EqualsIgnoreCase(d.context(), context)) continue;
    // (Whatever its state: a COMPLETING one being cancelled ends
    // cancelled, not complete.)
    if (d.cancel_requested()) {
      return absl::FailedPreconditionError(
          absl::StrCat("deployment ", context, " is being cancelled (",
                       d.message(), "); retry it once cancelled"));
    }
    if (d.state() == ControllerDeployment::COMPLETING ||
        d.state() == ControllerDeployment::COMPLETE) {
      return absl::OkStatus();
    }
    if (d.state() != ControllerDeployment::POSTPONED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "deployment ", context, " is ",
          absl::AsciiStrToLower(ControllerDeployment::State_Name(d.state())),
          "; retry it first"));
    }
    d.set_state(ControllerDeployment::COMPLETING);
    if (absl::Status s = Save(d); !s.ok()) {
      // Not recorded, not done: told it failed, the gate must not go on
      // with it.
      d.set_state(ControllerDeployment::POSTPONED);
      return s;
    }
    absl::MutexLock w(&wake_mu_);
    wake_ = true;
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("no deployment ", context));
}

absl::Status Controller::CancelDeployment(absl::string_view context) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(Lead());
  for (ControllerDeployment& d : deployments_) {
    if (!absl::EqualsIgnoreCase(d.context(), context)) continue;
    return CancelLocked(d);
  }
  return absl::NotFoundError(absl::StrCat("no deployment ", context));
}

absl::Status Controller::CancelLocked(ControllerDeployment& d) {
  // (Before all else: while a cancelled deployment is retried, "cancelled
  // already" would be wrong the moment the retry returns.)
  if (retrying_.count(absl::AsciiStrToLower(d.context())) > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment ", d.context(),
        " is being retried (its members requeued on the shards); cancel it "
        "once the retry has returned"));
  }
  if (d.state() == ControllerDeployment::CANCELLED) return absl::OkStatus();
  // A failed deployment's other members still run (postponed) on the
  // shards where they did not fail, holding their tables: a cancel stops
  // them.
  const bool failed = d.state() == ControllerDeployment::FAILED;
  const bool decided = AnyDecided(d);
  if (!Active(d) && !failed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment ", d.context(), " is ",
        absl::AsciiStrToLower(ControllerDeployment::State_Name(d.state())),
        "; nothing to cancel"));
  }
  if (decided && !failed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment ", d.context(),
        " has already swapped (or decided to swap) a change on the "
        "shards; it cannot be cancelled: wait for it and revert it"));
  }
  SC_ASSIGN_OR_RETURN(const TopologyKeyspace deployed, DeploymentKeyspace(d));
  const TopologyKeyspace* ks = &deployed;
  if (!d.cancel_requested() && !failed) {
    // A member completed on a shard directly (a command to the tablet) has
    // swapped there: cancelling the rest would leave the shards different.
    // It only goes forward (the gate finishes it once completing).
    const std::string complete = CompletedSomewhere(*ks, d);
    if (!complete.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "deployment ", d.context(), " cannot be cancelled: its ", complete,
          " (completed there directly), so it only goes forward: complete "
          "the deployment, then revert it"));
    }
  }
  if (!d.cancel_requested()) {
    // Recorded before any shard is told, in a write fenced on the
    // leadership: a deposed leader (its lease expired mid-request) cancels
    // nothing while its successor swaps, and a successor finishes this
    // cancel rather than go on with the deployment.
    d.set_cancel_requested(true);
    // A failed one's reason outlives the cancel's messages (it may say the
    // shards differ).
    const std::string failure = d.failure();
    if (failed) d.set_failure(d.message());
    if (absl::Status saved = Save(d); !saved.ok()) {
      d.set_cancel_requested(false);
      d.set_failure(failure);
      return saved;
    }
  }
  if (options_.while_cancelling) {
    SC_RETURN_IF_ERROR(options_.while_cancelling(d));
  }
  std::vector<absl::Status> all;
  std::vector<std::string> differ;  // members complete on some shard
  // A failed deployment's members found complete on some shard (completed
  // there directly): applied there, so it stays failed, saying where.
  std::vector<std::string> applied_directly;
  for (const DeploymentMember& m : d.members()) {
    // A failed deployment's applied members stay (revert them).
    if (m.commit_decided() || m.done()) continue;
    // CancelOnShards first releases a cut-over still prepared there.
    std::set<std::string> complete_on;
    std::vector<absl::Status> per_shard =
        CancelOnShards(*ks, m.uuid(), d.context(), nullptr, &complete_on);
    if (!complete_on.empty()) {
      (failed ? applied_directly : differ)
          .push_back(absl::StrCat(m.uuid(), " (", m.table(), ") on shard(s) ",
                                  absl::StrJoin(complete_on, ", ")));
    }
    for (size_t i = 0; i < per_shard.size(); ++i) {
      absl::Status& s = per_shard[i];
      // Complete there: reported as the shards differing (or, failed, as
      // applied directly), not as unreached. Any other refusal (its
      // cut-over's outcome being checked, an operation the daemon's
      // restart interrupted) is not done there yet: tried again.
      if (complete_on.count(ks->shards(static_cast<int>(i)).name()) > 0) {
        continue;
      }
      // Never sent there (a submission interrupted before it did).
      if (absl::IsNotFound(s) && d.submission_pending()) continue;
      // Never got there (a submission that failed before it did); ended
      // there already (failed, cancelled) answers OK.
      if (failed && absl::IsNotFound(s)) continue;
      all.push_back(std::move(s));
    }
  }
  if (!differ.empty()) {
    // Completed on a shard directly while the cancel went out: the shards
    // differ. Failed, saying so (a retry takes it forward everywhere; a
    // cancel, again, stops what still runs).
    d.set_cancel_requested(false);
    d.set_state(ControllerDeployment::FAILED);
    const absl::Status unreached = Combine(all);
    d.set_message(absl::StrCat(
        "cancel stopped: the shards differ: completed directly meanwhile: ",
        absl::StrJoin(differ, "; "),
        "; cancelled on the shards the cancel reached",
        unreached.ok()
            ? ""
            : absl::StrCat(" (not on: ", unreached.message(),
                           "; cancel the deployment again to stop what "
                           "still runs there)"),
        ". Retry the deployment to apply it everywhere, or revert those "
        "members where they completed"));
    SC_RETURN_IF_ERROR(Save(d));
    return absl::FailedPreconditionError(d.message());
  }
  absl::Status s = Combine(all);
  if (!s.ok()) {
    // Stays active: cancel again once the shard is back.
    d.set_message(absl::StrCat(
        "cancel incomplete: ", s.message(),
        failed ? absl::StrCat(" (the deployment failed: ", d.failure(), ")")
               : ""));
    Save(d).IgnoreError();
    return s;
  }
  d.set_cancel_requested(false);  // done: nothing of it runs any more
  if (decided || !applied_directly.empty()) {
    // Stays failed: some of it was applied.
    d.set_message(absl::StrCat(
        d.failure().empty() ? d.message() : d.failure(),
        "; its members not applied were cancelled on every shard",
        applied_directly.empty()
            ? ""
            : absl::StrCat(" (completed directly, so the shards differ: ",
                           absl::StrJoin(applied_directly, "; "),
                           "; revert those where they completed)")));
    return Save(d);
  }
  d.set_state(ControllerDeployment::CANCELLED);
  d.set_message("cancelled on every shard");
  return Save(d);
}

absl::StatusOr<std::string> Controller::RevertDeployment(
    absl::string_view context) {
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(Lead());
  ControllerDeployment* found = nullptr;
  for (ControllerDeployment& d : deployments_) {
    if (absl::EqualsIgnoreCase(d.context(), context)) found = &d;
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("no deployment ", context));
  }
  if (found->state() == ControllerDeployment::COMPLETING) {
    SC_RETURN_IF_ERROR(Gate(*found));  // its shards may have completed
  }
  if (found->state() != ControllerDeployment::COMPLETE) {
    return absl::FailedPreconditionError(absl::StrCat(
        "deployment ", context, " is ",
        absl::AsciiStrToLower(ControllerDeployment::State_Name(found->state())),
        "; only a complete deployment can be reverted"));
  }
  ControllerDeployment r;
  r.set_context(absl::StrCat("revert-", onlineddl::CreateMigrationUuid()));
  r.set_keyspace(found->keyspace());
  *r.mutable_shards() = found->shards();
  r.set_reverts(found->context());
  r.set_strategy("vitess");
  r.set_created_micros(absl::ToUnixMicros(clock_->Now()));
  r.set_state(ControllerDeployment::COMPLETING);
  for (int i = found->members_size() - 1; i >= 0; --i) {
    const DeploymentMember& m = found->members(i);
    DeploymentMember* rm = r.add_members();
    rm->set_uuid(onlineddl::CreateMigrationUuid());
    rm->set_sql(absl::StrCat("REVERT VITESS_MIGRATION '", m.uuid(), "'"));
    rm->set_table(m.table());
    rm->set_cut_over(m.cut_over());
  }
  SC_RETURN_IF_ERROR(CheckRelatedTables(r));
  SC_RETURN_IF_ERROR(Submit(r, "vitess", /*revert=*/true));
  absl::MutexLock w(&wake_mu_);
  wake_ = true;
  return r.context();
}

}  // namespace controller
}  // namespace sidecut
