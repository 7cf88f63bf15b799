// Controller: sidecut-ctld's core. It drives online DDL across every shard
// of a keyspace through the shards' sidecutd:
//   - ApplySchema fans each statement out to every shard's primary with one
//     migration UUID (as Vitess does) and records the request as a
//     deployment (one migration context);
//   - a deployment's ALTERs run on every shard with postponed completion
//     and its immediate changes with postponed launch; the gate (Tick)
//     takes the members in order: an immediate change is launched on every
//     shard; an ALTER waits until it is ready on every shard, then cuts over
//     in two phases: every shard prepares (stalls writes, catches up); only
//     when all have prepared does the controller record its decision and
//     tell them all to swap; if any shard fails or times out, all abort,
//     production stays as it was, and the gate retries with backoff;
//   - cancel, retry and revert work on the deployment as a unit, across
//     shards;
//   - deployments are saved in a state directory, so a restarted
//     controller resumes them (a decided swap is finished, never undone).
//
// Thread-safe.
#ifndef SIDECUT_CONTROLLER_CONTROLLER_H_
#define SIDECUT_CONTROLLER_CONTROLLER_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/deployment_store.h"
#include "controller/tablets.h"
#include "proto/sidecut_controller.pb.h"
#include "proto/sidecut_tablet.pb.h"
#include "proto/vtctldata.pb.h"
#include "util/clock.h"

namespace sidecut {
namespace controller {

struct ControllerOptions {
  Topology topology;
  // Where deployments are saved, unless `store` is given.
  std::string state_dir;
  StubFactory stubs = GrpcStubFactory();
  // Deadline of an ordinary call to a tablet. Default 10 s.
  absl::Duration rpc_timeout = absl::Seconds(10);
  // Deadline of a prepare (catch-up and lock wait). Default 40 s.
  absl::Duration prepare_timeout = absl::Seconds(40);
  // How long a prepared tablet waits for the decision before it aborts by
  // itself. Default 5 s.
  absl::Duration prepare_hold = absl::Seconds(5);
  // Pause after a failed two-phase attempt; doubles up to max.
  absl::Duration backoff = absl::Seconds(1);
  absl::Duration backoff_max = absl::Seconds(30);
  // How often the gate runs. Default 500 ms.
  absl::Duration tick = absl::Milliseconds(500);
  // Where deployments are kept; default: files in state_dir.
  std::shared_ptr<StateStore> store;
  // Leader election (sidecut-ctld --etcd): when set, the controller acts
  // (gate rounds, commands) only while leader_term() is non-zero and
  // reloads its deployments from the store whenever the term changes (it
  // changes each time leadership is gained); leader() names the current
  // leader (the address requests are forwarded to).
  std::function<int64_t()> leader_term;
  std::function<std::string()> leader;
  // Fault injection for tests: called once a swap is decided, before any
  // shard is told; an error stops the gate there, as if the controller
  // died at that moment.
  std::function<absl::Status(const ControllerDeployment&)> after_decision;
  // Fault injection for tests: called after each member reached every
  // shard while submitting; an error stops the submission there, as if the
  // controller died at that moment.
  std::function<absl::Status(int members_submitted)> while_submitting;
  // For tests: called (without the controller's lock) once a deployment's
  // retry requeued its members on the shards, before the deployment is
  // made active again.
  std::function<void(const std::string& context)> while_retrying;
  // Fault injection for tests: called once a cancel is recorded, before
  // any shard is told; an error stops the cancel there, as if the
  // controller died at that moment.
  std::function<absl::Status(const ControllerDeployment&)> while_cancelling;
};

// Whether a member of `d` has swapped, or was decided to swap, somewhere
// (then the deployment cannot be cancelled, only reverted once done).
bool AnyDecided(const ControllerDeployment& d);

// `refused` (a verb some shards refused), naming `shards`, where it took
// effect all the same, and `unanswered`, those whose answer did not come
// in time (it may have taken effect there too).
absl::Status TookEffectOn(const absl::Status& refused, absl::string_view verb,
                          const std::set<std::string>& shards,
                          const std::set<std::string>& unanswered = {});

class Controller {
 public:
  // Loads the saved deployments and starts the gate thread.
  static absl::StatusOr<std::unique_ptr<Controller>> Start(
      ControllerOptions options, Clock* clock);
  ~Controller();  // stops the thread; the deployments stay saved

  // The OnlineDDL service for a keyspace (controller_service.h maps it to
  // gRPC).
  absl::StatusOr<vtctldata::ApplySchemaResponse> ApplySchema(
      const vtctldata::ApplySchemaRequest& req);
  // Every shard's migrations, each with its shard.
  absl::StatusOr<vtctldata::GetSchemaMigrationsResponse> GetSchemaMigrations(
      const vtctldata::GetSchemaMigrationsRequest& req);
  // complete | cancel | retry | launch | cleanup | force-cutover of a
  // migration UUID (or "all"): a deployment's member acts on its whole
  // deployment (complete, cancel, retry; launch is refused: its gate
  // launches it); others go to every shard.
  // Returns the count per shard.
  absl::StatusOr<std::map<std::string, uint64_t>> Command(
      absl::string_view verb, absl::string_view keyspace,
      absl::string_view uuid);
  absl::StatusOr<MigrationCommandResponse> ExecuteMigrationCommand(
      const MigrationCommandRequest& req);
  // Throttles (or unthrottles) a migration UUID or "all" on every shard
  // of req.keyspace() (with its ratio and expiry). Returns the count per
  // shard.
  absl::StatusOr<std::map<std::string, uint64_t>> Throttle(
      const ThrottleRequest& req, bool unthrottle);

  absl::StatusOr<ControllerDeployment> GetDeployment(absl::string_view context);
  absl::Status CompleteDeployment(absl::string_view context);
  // Before any swap was decided: cancels every member on every shard.
  absl::Status CancelDeployment(absl::string_view context);
  // Within the revert window: reverts every member, in reverse order, as a
  // new gated deployment; returns its context.
  absl::StatusOr<std::string> RevertDeployment(absl::string_view context);

  // Reverts one completed member as a new gated deployment of its own;
  // returns the revert's UUID (`new_uuid` if given).
  absl::StatusOr<std::string> RevertMigration(absl::string_view uuid,
                                              absl::string_view new_uuid);

  // True when this controller may act; otherwise `leader` gets the
  // leader's name ("" if none is elected yet).
  bool Leading(std::string* leader);

  // One gate round now (tests; the thread also does this).
  absl::Status Tick();

 private:
  Controller(ControllerOptions options, Clock* clock,
             std::shared_ptr<StateStore> store);
  void Loop();
  // OK when this controller leads (loading the saved deployments when it
  // has just become the leader); UNAVAILABLE naming the leader otherwise.
  absl::Status Lead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckLeader();

  absl::StatusOr<const TopologyKeyspace*> Keyspace(absl::string_view name);
  // `d`'s keyspace with the shards `d` runs on (ControllerDeployment.shards);
  // FailedPrecondition naming a shard the topology no longer has.
  absl::StatusOr<TopologyKeyspace> DeploymentKeyspace(
      const ControllerDeployment& d);
  // The deployment holding member `uuid`, if any.
  ControllerDeployment* FindByMember(absl::string_view uuid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Saves `d` to the store, then to the view; as a new deployment (the
  // store's Create) if `create`.
  absl::Status Save(const ControllerDeployment& d, bool create = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The view becomes deployments_, as loaded for leadership `term`.
  void PublishLoaded(int64_t term) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True when this controller leads in the term the view was loaded for.
  bool ViewCurrent() ABSL_LOCKS_EXCLUDED(view_mu_);
  absl::StatusOr<ControllerDeployment> GetDeploymentLocked(
      absl::string_view context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // AlreadyExists if `d`'s context or a member's UUID is taken.
  // The DDL a declarative deployment of `sql` (`strategy` has
  // --declarative) comes to on every shard of `ks`: each shard plans it
  // against its own schema, and they must agree (else a clear error naming
  // the shards that differ). Empty when every shard is as desired.
  // `related` receives the tables and views the plan depends on without
  // changing them, as the shards named them.
  absl::StatusOr<std::vector<std::string>> PlanDeclarative(
      const TopologyKeyspace& ks, const std::vector<std::string>& sql,
      const std::string& strategy, std::set<std::string>* related);
  // Cancels `d` on every shard (CancelDeployment), recording the request
  // first.
  absl::Status CancelLocked(ControllerDeployment& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Also FailedPrecondition as CheckRelatedTables says.
  absl::Status CheckNewDeployment(const ControllerDeployment& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // FailedPrecondition if a member of `d` changes a table another
  // deployment that has not ended (or failed, and may be retried) depends
  // on (its related tables), or if `d` depends on a table such a
  // deployment's unfinished member changes.
  absl::Status CheckRelatedTables(const ControllerDeployment& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Submits `d`'s members to every shard; on a failure cancels what was
  // submitted and fails the deployment.
  absl::Status Submit(ControllerDeployment& d, absl::string_view strategy,
                      bool revert) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records `saved`'s submission as failed with `failed`, then cancels each
  // member on the shards that took it (`taken`, per member, as
  // SubmitMembers gives it; null: on every shard that has it); what the
  // caller is told.
  absl::Status FailSubmission(const TopologyKeyspace& ks,
                              ControllerDeployment& saved,
                              const absl::Status& failed,
                              const std::vector<std::set<std::string>>* taken)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends every member of `d` to every shard, counting in `*submitted` the
  // members that reached all of them; `*taken` (optional) gets, per
  // member, the shards that took it (not those that refused it, e.g. as a
  // UUID already in use by another migration).
  absl::Status SubmitMembers(
      const TopologyKeyspace& ks, const ControllerDeployment& d,
      absl::string_view strategy, bool revert, int* submitted,
      std::vector<std::set<std::string>>* taken = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "launch all", "complete all", "cancel all" (`verb`) of the migrations
  // outside deployments (their gates move their members): each one on each
  // shard whose launch (launch) or completion (complete) is postponed, or
  // that is pending (cancel).
  absl::StatusOr<std::map<std::string, uint64_t>> AllOutsideDeployments(
      const TopologyKeyspace& ks, absl::string_view verb);
  // Submits again a deployment whose submission was interrupted.
  absl::Status Resubmit(ControllerDeployment& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Cancels `uuid`, deployment `context`'s member, on every shard of `ks`
  // (or only on the shards named in `only`); the statuses in shard order
  // (OK for a shard left out, where `uuid` is another context's, or where
  // it ended already: cancelled or failed). A shard where it is complete
  // answers FailedPrecondition and is added to `complete_on`, if given.
  std::vector<absl::Status> CancelOnShards(
      const TopologyKeyspace& ks, const std::string& uuid,
      absl::string_view context, const std::set<std::string>* only = nullptr,
      std::set<std::string>* complete_on = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "member <uuid> (<table>) is complete on shard <s>" for the first member
  // of `d` not known to be applied that is complete on a shard (completed
  // there directly), or "" if none is on the shards that answer.
  std::string CompletedSomewhere(const TopologyKeyspace& ks,
                                 const ControllerDeployment& d);

  // The gate (controller_gate.cc).
  absl::Status Gate(ControllerDeployment& d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One member's state on every shard, in shard order. With `unanswered`,
  // a shard that does not answer (or lacks it) is no failure: its state is
  // left empty (neither ready nor complete) and its error, naming the
  // shard, set there (in shard order; OK where it answered).
  absl::StatusOr<std::vector<vtctldata::SchemaMigration>> MemberOnShards(
      const TopologyKeyspace& ks, const DeploymentMember& m,
      std::vector<absl::Status>* unanswered = nullptr);
  // Cuts `group` (adjacent ALTERs, ready on every shard) over in two
  // phases; on each shard the group swaps in one atomic RENAME.
  absl::Status TwoPhaseCutOver(const TopologyKeyspace& ks,
                               ControllerDeployment& d,
                               const std::vector<DeploymentMember*>& group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After the swap of d's member k (and the ALTERs decided with it) was
  // decided: swaps the shards that have not yet, each in one RENAME.
  absl::Status FinishDecided(const TopologyKeyspace& ks,
                             ControllerDeployment& d, int k)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordSwap(DeploymentMember& m, const CommitCutOverResponse& r);
  // If `m` failed or was cancelled on a shard: fails `d` with the reason,
  // saves it and returns true.
  // Counts a failed attempt of `m`, keeps `failure` and sets the next
  // attempt after the backoff (doubling per attempt, at most `cap` and
  // backoff_max); saves `d`.
  absl::Status RetryLater(ControllerDeployment& d, DeploymentMember& m,
                          const std::string& failure,
                          absl::Duration cap = absl::InfiniteDuration());
  absl::StatusOr<bool> FailIfEnded(
      const TopologyKeyspace& ks, ControllerDeployment& d,
      const DeploymentMember& m,
      const std::vector<vtctldata::SchemaMigration>& shards)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets `d`'s message, saving only when it changed.
  absl::Status SetMessage(ControllerDeployment& d, const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  PrepareCutOverRequest PrepareRequest(const TopologyKeyspace& ks,
                                       const DeploymentMember& m,
                                       bool catch_up_only, int64_t term) const;
  // The leadership term this controller acts in (0 without election),
  // sent with every prepare, commit and abort: a tablet refuses them from
  // a term older than the newest it has seen, so a deposed leader cannot
  // commit or abort its successor's prepares.
  int64_t ActingTerm() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return loaded_term_ < 0 ? 0 : loaded_term_;
  }

  ControllerOptions options_;
  Clock* clock_;
  std::shared_ptr<StateStore> store_;
  Tablets tablets_;

  // Serializes the gate and the commands (a gate round may hold it while
  // shards prepare).
  absl::Mutex mu_;
  std::vector<ControllerDeployment> deployments_ ABSL_GUARDED_BY(mu_);
  // The leadership term deployments_ was loaded in (-1: never loaded; 0:
  // without an election).
  int64_t loaded_term_ ABSL_GUARDED_BY(mu_) = -1;
  // What was last saved of each deployment (by lower-case context), for
  // reads that need not wait for a gate round; taken after mu_, never
  // before it.
  absl::Mutex view_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::map<std::string, ControllerDeployment> view_ ABSL_GUARDED_BY(view_mu_);
  int64_t view_term_ ABSL_GUARDED_BY(view_mu_) = -1;
  // Deployments (lower-case contexts) a retry is requeueing on the shards:
  // a cancel meanwhile is refused.
  std::set<std::string> retrying_ ABSL_GUARDED_BY(mu_);
  // Set when while_submitting failed a submission (tests only).
  bool simulated_death_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex wake_mu_;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_CONTROLLER_H_
