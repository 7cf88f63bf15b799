// Executor: runs the online DDL migrations of one tablet (one mysqld, one
// database). Submitted statements become rows of _vt.schema_migrations; a
// background thread reviews, schedules and runs them:
//   requested → queued → ready → running → complete | failed | cancelled
// ALTER TABLE (strategy vitess) runs through a shadow table filled by a
// VReplication workflow, then cuts over (cut_over.h); CREATE, DROP and views
// are immediate; strategy mysql runs the ALTER itself, managed. Everything
// lives in the tables, so a restarted executor resumes every migration.
//
// Thread-safe: commands may come from any thread (e.g. gRPC handlers).
#ifndef SIDECUT_ONLINEDDL_EXECUTOR_H_
#define SIDECUT_ONLINEDDL_EXECUTOR_H_

#include <atomic>
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
#include "mysql/connection.h"
#include "mysql/gtid.h"
#include "mysql/result.h"
#include "onlineddl/background_task.h"
#include "onlineddl/cut_over.h"
#include "onlineddl/ddl_statement.h"
#include "onlineddl/ddl_strategy.h"
#include "onlineddl/deployment_store.h"
#include "onlineddl/disk_check.h"
#include "onlineddl/schema_migrations.h"
#include "onlineddl/table_gc.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "vreplication/copy_verify.h"
#include "vreplication/engine.h"

namespace sidecut {
namespace onlineddl {

// The message of a parked reverse stream (ExecutorOptions::
// live_reverse_streams).
inline constexpr char kReverseStreamParked[] = "parked: a revert restarts it";

// Whether a reverse stream in `state` with `message` may have lost
// changes: stopped (not parked), or failed for good. One failing for now
// ("... (will retry)": a table's definition read while a trigger was being
// dropped, say) resumes where it was: the revert's cut-over catches up.
bool ReverseStreamLost(absl::string_view state, absl::string_view message);

struct ExecutorOptions {
  mysql::ConnectParams connect;  // `database` is ignored; `db` is used
  std::string db;                // the tablet's database (mysql_schema)
  std::string keyspace;          // default: db
  std::string shard = "0";
  std::string tablet;  // alias, e.g. "zone1-0000000100"
  // Longest the executor's own session waits for a metadata lock (its DDL
  // on a table another session holds fails then). Default 60 s.
  absl::Duration lock_wait = absl::Seconds(60);
  // One executor runs a database's migrations on a server: its session
  // holds a named lock (GET_LOCK) for it. Start waits this long for one
  // that is stopping to let go, then fails naming the holder. Default 10 s.
  absl::Duration daemon_lock_wait = absl::Seconds(10);
  // Called (from the executor's thread) once another daemon took that lock
  // while this one reconnected: this executor has stopped its streams and
  // work and refuses commands (sidecutd shuts down). None by default.
  std::function<void()> on_deposed;
  // A DROP's RENAME, an INSTANT ALTER or a view change waits at most this
  // long for the table's metadata lock, three times, then fails the
  // migration saying a transaction holds the table: while it waits, every
  // new query on the table queues behind it. Default 2 s.
  absl::Duration live_ddl_lock_wait = absl::Seconds(2);
  // How often the scheduler looks at migrations without being woken.
  // Default 1 s.
  absl::Duration tick = absl::Seconds(1);
  // How many ALTERs may copy rows at once (their tails always run side by
  // side under --allow-concurrent). Default 1: copies take turns.
  int concurrent_copies = 1;
  // Build a shadow's plain secondary indexes after its copy, in one sorted
  // pass (deferred_indexes.h): about a third less copy time, for one burst
  // of index-build I/O near the end. Default true.
  bool defer_secondary_indexes = true;
  // A running migration is ready to complete when its stream lags at most
  // this much. Default 10 s (Vitess).
  absl::Duration ready_lag = absl::Seconds(10);
  // First pause after a failed cut-over; doubles up to max. Default 1 s..30 s.
  absl::Duration cut_over_backoff = absl::Seconds(1);
  absl::Duration cut_over_backoff_max = absl::Seconds(30);
  // The revert window: after a migration ends its artifacts (and the
  // reverse stream keeping the old table in sync) are kept this long unless
  // its strategy says --retain-artifacts; then they go to table GC.
  // Default 30 min.
  absl::Duration retain_artifacts = absl::Minutes(30);
  // How many completed ALTERs keep their reverse stream running; the
  // streams of older ones are parked (stopped at their position) and a
  // revert restarts its stream and catches up before it swaps (the binlog
  // since must still be there). Each running stream reads every binlog
  // event of the server (bench/reverse_streams.sh). Negative: no limit.
  // Default 4.
  int live_reverse_streams = 4;
  // A stream error that is retried but persists this long fails the
  // migration (e.g. a duplicate key from an added UNIQUE key). Default 5 s.
  absl::Duration error_grace = absl::Seconds(5);
  // Tests only: adjusts every cut-over's options (timings that widen a
  // window a test needs).
  std::function<void(CutOverOptions&)> tune_cut_over;
  // Tests only: runs after a cut-over's checks, before it locks the table
  // (something changing in between, as a trigger created there).
  std::function<void()> after_cut_over_checks;
  // Tests only: runs inside the transaction that records a swapped
  // migration complete and starts its reverse stream, before it commits;
  // an error rolls it back (as a crash there would).
  std::function<absl::Status(const Migration&)> before_completion_commit;
  // Tests only: runs once an immediate operation (CREATE, DROP, a view, an
  // INSTANT ALTER) applied, before it is recorded complete; an error is
  // taken as a failure to record it there would be.
  std::function<absl::Status(const Migration&)> before_immediate_finish;
  // Before an online ALTER may cut over, compare its shadow with the table
  // (vreplication/copy_verify.h): every row there, with the same values in
  // the columns kept alike. The snapshot is taken while the table takes no
  // writes and the stream has applied all of them: writes wait about as
  // long as at a cut-over (at most 1 s for the lock, 1 s for the
  // catch-up, retried with backoff past that). A copy that does not match
  // fails the migration before anything is swapped. A revert's old table
  // is compared so too (once its reverse stream has caught up), and a
  // revert whose old table does not match fails. Default true.
  bool verify_copy = true;
  size_t verify_chunk_rows = 10000;
  // How long one snapshot serves a verification: a longer one takes a new
  // one between chunks (another brief hold of the writes), so that the
  // server does not keep undo for one read view throughout. Default 30 s.
  absl::Duration verify_snapshot_life = absl::Seconds(30);
  // With verify_copy: the old table a completed ALTER's reverse stream
  // keeps is checked in the background, while no migration runs, so that
  // a revert finds it verified and swaps at once (checked only when the
  // revert asks otherwise: a table of a billion rows takes most of an
  // hour). Default true.
  bool verify_old_tables_ahead = true;
  // With verify_copy: a copy is verified while its secondary indexes are
  // built (reading the shadow once the build's ALTER is past its exclusive
  // start), its snapshot giving way whenever the ALTER waits for the shadow's
  // metadata lock (to finish; a retried one to start), rather than after
  // the build. Default true.
  bool verify_beside_index_build = true;
  // With verify_copy: a copy is verified before its secondary indexes are
  // built instead (the build waits for it to pass, or to fail once), the
  // stream applying meanwhile into a shadow without those indexes; then
  // the stream is held only for the build (hold_stream_during_index_build)
  // and has less to catch up after it. Takes precedence over
  // verify_beside_index_build. Default false.
  bool verify_before_index_build = false;
  // The shadow's stream applies nothing while its deferred indexes are
  // built (Engine::Hold), and catches up after. MariaDB's online index
  // build appends the changes committed to its table meanwhile to a log
  // it applies near its end, and every commit on the server waits while
  // it does (the committing transaction holds the binlog's commit order):
  // measured 160-400 ms beside a stream applying a 50% sysbench load. A
  // verification beside the build (verify_beside_index_build) then takes
  // its snapshot before the build starts (it needs the stream caught up)
  // and reads the shadow once the build's ALTER is past its start.
  // Default true.
  bool hold_stream_during_index_build = true;
  // Tests only: runs right before a copy's verification starts.
  std::function<void(const Migration&)> before_verify;
  // The filesystem seam for the disk check before a copy (disk_check.h).
  // Default: LocalFsSpace where the server is on this host (a unix socket
  // or a loopback address), no check otherwise.
  FsSpaceFn fs_space;
  TableGcOptions gc;
  // "" to start the build of a shadow's deferred indexes now, or why it
  // waits. Default: what holds copies back (gc.throttle: replica lag,
  // server load). Once started the build is one statement, and each
  // replica runs it as long again: it starts only while they keep up.
  std::function<absl::StatusOr<std::string>(mysql::Connection&)>
      index_build_throttle;
  // `connect` is filled from above. Online DDL streams default to a 50 ms
  // server heartbeat and a 10 ms apply batch window (see Executor()).
  vreplication::WorkflowOptions workflow;
};

// The named lock (GET_LOCK) the executor of database `db` holds: one
// daemon per database.
std::string DaemonLockName(absl::string_view db);

class Executor {
 public:
  // Creates the sidecar tables, opens the VReplication engine (resuming its
  // workflows) and starts the scheduler thread.
  static absl::StatusOr<std::unique_ptr<Executor>> Start(
      ExecutorOptions options, Clock* clock);
  ~Executor();  // stops the thread and the engine; state stays in tables

  // Submits `sql` (one or more DDL statements) with `strategy`. The direct
  // strategy runs the statements now and returns no UUIDs. Otherwise each
  // statement becomes a migration (status requested); returns their UUIDs.
  // `uuid` (optional, one statement only) fixes the migration's UUID, as
  // when a controller fans one UUID out to every shard. A request whose
  // `deadline` (its RPC's) passed while it waited for the executor submits
  // nothing (DeadlineExceeded): its controller gave up on it and would not
  // know of a migration it left.
  absl::StatusOr<std::vector<std::string>> Submit(
      absl::string_view sql, absl::string_view strategy,
      absl::string_view migration_context, absl::string_view uuid = "",
      absl::Time deadline = absl::InfiniteFuture());

  // One statement (or several) of a request, with the UUID it fixes (or
  // empty).
  struct SubmitEntry {
    std::string sql;
    std::string uuid;
  };
  // Submits every entry of one request as Submit would, or none: each
  // entry is checked as if the ones before it were submitted (they count
  // as pending for --singleton and for a table's pending migration), and
  // all are recorded in one transaction. A refused entry's error says
  // which ("statement 2 of 3: ... (nothing was submitted)"). Migrations only:
  // InvalidArgument for a direct or declarative `strategy`.
  absl::StatusOr<std::vector<std::string>> SubmitAll(
      const std::vector<SubmitEntry>& entries, absl::string_view strategy,
      absl::string_view migration_context,
      absl::Time deadline = absl::InfiniteFuture());

  // The DDL that submitting `sql` with `strategy` (--declarative) would
  // run here, in the order it would apply: the statements of schemadiff's
  // plan from the live schema to the desired one, refused as Submit would
  // refuse them; empty when the schema is as desired. Nothing is
  // submitted. A controller plans each shard so and deploys the plan.
  // Refused too while a migration is still changing a table the plan
  // changes or depends on. `related` (if set) receives the tables and
  // views the plan depends on without changing them (a view it creates
  // reads them, a foreign key links them to a table it changes): the
  // deployment must keep them as they are until it ends.
  absl::StatusOr<std::vector<std::string>> PlanDeclarative(
      absl::string_view sql, absl::string_view strategy,
      std::vector<std::string>* related = nullptr);

  // The database whose migrations this executor runs.
  const std::string& db() const { return options_.db; }

  // Runs an ALTER VITESS_MIGRATION / REVERT VITESS_MIGRATION / SHOW
  // VITESS_MIGRATIONS statement: the SHOW result, REVERT's new UUID, or
  // the number of migrations changed (affected_rows).
  // `uuid` (optional) fixes the UUID of a migration the statement creates
  // (REVERT), as when a controller fans one UUID out to every shard.
  // `ddl_strategy` (optional): the request's strategy; a REVERT takes its
  // --retain-artifacts. `deadline` as for the commands below: checked
  // before the first migration it changes (one changed, the others follow).
  absl::StatusOr<mysql::Result> ExecuteCommand(
      absl::string_view sql, absl::string_view migration_context = "",
      absl::string_view uuid = "", absl::string_view ddl_strategy = "",
      absl::Time deadline = absl::InfiniteFuture());

  // Submits a revert of the completed migration `uuid`; returns the new
  // migration's UUID. Refused (kFailedPrecondition, with the reason) unless
  // `uuid` is the last completed migration on its table and revertible.
  // `new_uuid` (optional) fixes the revert migration's UUID. `gated`: a
  // table revert waits with postponed completion, others with postponed
  // launch (a controller then cuts over or launches every shard together).
  // `deadline` as for Submit. The revert keeps its artifacts
  // `retain_artifacts_seconds` (a request's --retain-artifacts), or when 0
  // as long as the reverted migration was told to.
  absl::StatusOr<std::string> Revert(
      absl::string_view uuid, absl::string_view migration_context,
      absl::string_view new_uuid = "", bool gated = false,
      absl::Time deadline = absl::InfiniteFuture(),
      int64_t retain_artifacts_seconds = 0);

  // Commands with Vitess semantics; `uuid` may be "all" where Vitess allows.
  // Each returns the number of migrations it changed.
  // A command whose `deadline` (its RPC's, wall clock) passed while it
  // waited for the executor does nothing (DeadlineExceeded): its caller
  // gave up on it and was told the outcome is unknown.
  absl::StatusOr<int> Complete(absl::string_view uuid,
                               absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> PostponeComplete(
      absl::string_view uuid, absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> Cancel(absl::string_view uuid,
                             absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> Retry(absl::string_view uuid,
                            absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> Launch(absl::string_view uuid,
                             absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> Cleanup(absl::string_view uuid,
                              absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> ForceCutOver(
      absl::string_view uuid, absl::Time deadline = absl::InfiniteFuture());
  absl::StatusOr<int> SetCutOverThreshold(
      absl::string_view uuid, absl::Duration threshold,
      absl::Time deadline = absl::InfiniteFuture());
  // Throttles `uuid` ("all": every migration, those submitted later too)
  // at `ratio` for `expire` from now, as Vitess: ratio 1 stops its stream, a
  // ratio between 0 and 1 holds that share of its copy's throttle checks,
  // 0 removes the throttle (unthrottle). A migration throttled both on
  // its own and with all is held at the larger ratio.
  absl::StatusOr<int> Throttle(absl::string_view uuid, double ratio,
                               absl::Duration expire = absl::InfiniteDuration(),
                               absl::Time deadline = absl::InfiniteFuture());

  // Deployments (executor_deploy.cc): the migrations of one declarative
  // request, completed as a unit in schemadiff's valid order once every
  // long ALTER is ready. Each returns what it changed or refuses with the
  // reason.
  absl::StatusOr<Deployment> GetDeployment(absl::string_view context);
  // `deadline` as for the commands above.
  absl::Status CompleteDeployment(absl::string_view context,
                                  absl::Time deadline = absl::InfiniteFuture());
  absl::Status CancelDeployment(absl::string_view context,
                                absl::Time deadline = absl::InfiniteFuture());
  // Reverts every member in reverse order as a new deployment; returns its
  // context.
  absl::StatusOr<std::string> RevertDeployment(
      absl::string_view context, absl::Time deadline = absl::InfiniteFuture());

  // Two-phase cut-over, for a controller that swaps every shard together
  // (executor_prepare.cc). PrepareCutOver waits until the ready, running
  // migration `uuid` (postponed, so the scheduler leaves its cut-over
  // alone) has caught up, locks its table (writes wait from then on) and
  // stops its stream; the lock is held until CommitCutOver swaps or
  // AbortCutOver releases it, or until `hold` has passed: then the
  // scheduler aborts it, so a vanished controller never leaves writes
  // waiting longer. Abort leaves the migration running and ready.
  // With `catch_up_only` it returns once the stream keeps up, locking
  // nothing (a controller brings every shard there first). A request whose
  // `deadline` (its RPC's, wall clock) passed while it waited for the
  // executor does nothing (DeadlineExceeded): its controller gave up on it,
  // and its abort may have come first.
  // `controller_term` is the leadership term of the controller asking (0
  // without leader election): a prepare, commit or abort from a term older
  // than the newest seen is refused (Aborted) and does nothing,
  // so a deposed controller cannot commit or abort its successor's
  // prepares.
  absl::Status PrepareCutOver(absl::string_view uuid, absl::Duration hold,
                              bool catch_up_only = false,
                              absl::Time deadline = absl::InfiniteFuture(),
                              int64_t controller_term = 0);
  absl::StatusOr<CutOverResult> CommitCutOver(absl::string_view uuid);
  // Several prepared migrations swapped in one atomic RENAME (SwapTogether);
  // on error none is swapped and every one is released. Results in order.
  absl::StatusOr<std::vector<CutOverResult>> CommitCutOvers(
      const std::vector<std::string>& uuids, int64_t controller_term = 0);
  absl::Status AbortCutOver(absl::string_view uuid,
                            int64_t controller_term = 0);

  absl::StatusOr<Migration> Get(absl::string_view uuid);
  // `where`: trusted SQL over the table's columns ("" = all).
  absl::StatusOr<std::vector<Migration>> List(absl::string_view where);
  // The members of this database's deployments that their gate completes
  // by itself (the deployment going on, not postponed): postponed on the
  // table only for the gate, nobody needs to complete them.
  absl::StatusOr<std::set<std::string>> SelfCompletingMembers();

  // Runs one scheduling round now (tests; the thread also does this).
  absl::Status Tick();
  // Wakes the scheduler thread.
  void Wake();

 private:
  // Submitting (executor_submit.cc).
  struct ParsedEntry {
    std::vector<DdlStatement> stmts;
    std::string uuid;
  };
  // `s` said of entry `i` of `n`, refused before anything was recorded
  // (as is when n is 1).
  static absl::Status EntryError(size_t i, size_t n, const absl::Status& s);
  // Runs `stmts` now, as the client's own statements (direct strategy).
  absl::StatusOr<std::vector<std::string>> SubmitDirect(
      const std::vector<DdlStatement>& stmts, absl::Time deadline);
  // Checks every entry, then records their migrations in one transaction.
  absl::StatusOr<std::vector<std::string>> SubmitLocked(
      const std::vector<ParsedEntry>& entries, const DdlStrategySetting& st,
      absl::string_view migration_context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks entry `e` against the migrations `pending` (and those before
  // it in its request, `ours`, not recorded yet): true when it is a request
  // already submitted (a no-op), else false with its migrations appended to
  // `out`.
  absl::StatusOr<bool> CheckEntry(const ParsedEntry& e,
                                  const DdlStrategySetting& st,
                                  absl::string_view migration_context,
                                  const std::vector<Migration>& pending,
                                  const std::set<std::string>& ours,
                                  std::vector<Migration>* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // InvalidArgument for a statement on a table named as artifacts are
  // (_vt_<kind>_<uuid>_<time>_): one created would be dropped by table GC,
  // one changed by a migration may be a revert's old table.
  static absl::Status CheckNotAnArtifact(const DdlStatement& d,
                                         const DdlStrategySetting& st);
  // DeadlineExceeded once `deadline` has passed: nothing was done.
  static absl::Status CheckDeadline(absl::Time deadline);
  // Before a command changes anything: CheckDeadline, then Unavailable on
  // a read_only server (a demoted primary: its writes, a cancel's DDL
  // among them, would be errant transactions on a replica).
  absl::Status CheckMayAct(absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Unavailable once this executor was deposed (deposed_).
  absl::Status CheckNotDeposed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The read_only part of CheckMayAct, asked on `c`.
  static absl::Status CheckWritable(mysql::Connection& c);
  struct Progress {
    absl::Time at;
    int64_t rows = 0;
  };
  Executor(ExecutorOptions options, Clock* clock);
  absl::Status Init();
  // Takes the database's named lock on conn_ (waiting up to `wait`), or
  // fails naming the session that holds it.
  absl::Status TakeDaemonLock(absl::Duration wait)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `run` (statements on conn_) with the session in the server's time
  // zone, then back in UTC.
  absl::Status InServerTimeZone(const std::function<absl::Status()>& run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `ddl` on a live table (conn_), waiting options_.live_ddl_lock_wait
  // at most for its metadata lock, up to three times; then fails saying a
  // transaction holds `table`.
  absl::Status RunLiveDdl(absl::string_view ddl, absl::string_view table)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tags the reverse streams made before they were tagged
  // (vreplication::kTagStopOnTargetDdl), before the engine starts them.
  absl::Status TagReverseStreams() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Loop();
  absl::StatusOr<std::unique_ptr<mysql::Connection>> Connect();
  // Connect() for the executor's own session (conn_).
  absl::StatusOr<std::unique_ptr<mysql::Connection>> ConnectOwn();
  // Runs `read` on the session kept for reads (Get, List), so that they do
  // not wait for a scheduling round (a cut-over, a long statement).
  template <typename T>
  absl::StatusOr<T> Read(
      const std::function<absl::StatusOr<T>(mysql::Connection&)>& read);

  // Scheduling (executor_schedule.cc).
  absl::Status TickLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the server is read_only (demoted to a replica): then every
  // stream stops and prepared cut-overs are released, until it is writable
  // again; true while so paused.
  absl::StatusOr<bool> PausedAsReplica() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether @@GLOBAL.read_only is set on `c`'s server (a replica, or a
  // demoted primary).
  static absl::StatusOr<bool> ServerIsReadOnly(mysql::Connection& c);
  absl::Status ReviewRequested() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps the reverse streams of the newest live_reverse_streams completed
  // ALTERs running and parks the others (except those a pending revert
  // uses, and those of old tables in a foreign key, which always run).
  absl::Status ParkReverseStreams() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Restarts the reverse stream `id` of migration `uuid` if it was parked,
  // and takes the parked note off its stage.
  absl::Status UnparkReverseStream(absl::string_view uuid, int64_t id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets m's stage, unless it shows that already.
  absl::Status ShowStage(const Migration& m, const std::string& stage)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ScheduleQueued() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MonitorRunning() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanRun(const Migration& m, const std::vector<Migration>& running) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartMigration(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartSteps(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forgets what the executor keeps in memory about a migration that ended
  // (progress, cut-over retries and checks, a catch-up for a prepare).
  void ForgetEnded(const std::string& uuid) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the sentry a cut-over of `m` left behind (its session died while
  // it held the lock, or its RENAME's end was unknown), once `m` ended:
  // no later attempt of its own would.
  void DropLeftoverSentry(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Kills the build of the shadow's deferred indexes an earlier daemon left
  // running (the migration is cancelled or failed; its own build is killed
  // with its workflow).
  void KillIndexBuildsLeftRunning(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Fail(const Migration& m, absl::string_view message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<DdlStatement> ParseMigration(const Migration& m);
  // This tablet's migrations (mysql_schema = db) matching `where`.
  absl::StatusOr<std::vector<Migration>> ListMine(absl::string_view where)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The migrations submitted before m and still pending, whose completion
  // --in-order-completion waits for.
  absl::StatusOr<std::vector<Migration>> PendingBefore(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether m completes in order (--in-order-completion).
  static bool InOrderCompletion(const Migration& m);
  // Whether `newer`, pending, waits for m to complete first.
  static bool WaitsInOrderFor(const Migration& newer, const Migration& m);
  // The condition selecting this tablet's migrations matching `where`
  // (trusted SQL; "" = all).
  std::string MineWhere(absl::string_view where) const;

  // Deployments (executor_deploy.cc).
  // The statements of a declarative request, in order; `related` (if
  // set) receives the names of what they change or depend on
  // (schemadiff::PlanNeighborhood).
  absl::StatusOr<std::vector<std::string>> DeclarativeDdl(
      absl::string_view sql, const DdlStrategySetting& st,
      std::set<std::string>* related = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A declarative request's plan from the schema as it is now: its DDL,
  // the statements it parses to, and the names it depends on without
  // changing them; refused while a migration is still changing any of
  // them.
  struct IdlePlan {
    std::vector<std::string> ddl;
    std::vector<DdlStatement> statements;
    std::vector<std::string> related;
  };
  absl::StatusOr<IdlePlan> PlanFromIdleSchema(absl::string_view sql,
                                              const DdlStrategySetting& st)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<std::string>> SubmitDeclarative(
      absl::string_view sql, const DdlStrategySetting& st,
      absl::string_view migration_context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status GateDeployments() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status GateDeployment(Deployment d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<mysql::Result> DeploymentCommand(absl::string_view verb,
                                                  absl::string_view context,
                                                  absl::Time deadline);

  // Immediate operations (executor_immediate.cc).
  absl::Status RunImmediate(const Migration& m, const DdlStatement& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The revertible_notes of a CREATE TABLE IF NOT EXISTS that found the
  // table: it changed nothing, and its revert is refused.
  static constexpr char kNothingCreatedNote[] =
      "nothing to revert: the table existed already and was left as it was";
  // Intents (in the stage while an immediate statement runs: "applying: "
  // and the intent), each with its test of whether the statement applied:
  static constexpr char kApplying[] = "applying: ";
  // the table or view exists;
  static constexpr char kIntentCreate[] = "create";
  // the artifact exists and the table does not;
  static constexpr char kIntentRenameAway[] = "rename away";
  // the table exists and the reverted migration's artifact does not;
  static constexpr char kIntentRestore[] = "restore";
  // the view's definition no longer has the MD5 that follows.
  static constexpr char kIntentViewChange[] = "view change from ";
  // The stage of a deployment's immediate member waiting to apply again.
  static constexpr char kWaitingToApply[] = "waiting to apply";
  // Sets m's next attempt (cut-over, or a deployment member's apply) a
  // pause from now: cut_over_backoff doubled for each failed attempt
  // (m.cutover_attempts), at most cut_over_backoff_max. Returns the pause.
  absl::Duration BackOff(const Migration& m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `uuid`'s next attempt is not due yet (BackOff).
  bool BackingOff(const std::string& uuid) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // the table's definition no longer has the digest that follows (an
  // ALGORITHM=INSTANT ALTER).
  static constexpr char kIntentInstant[] = "instant from ";
  // OK, remembering `term`, unless it is older than the newest controller
  // term seen: then Aborted naming `what`.
  absl::Status AdmitControllerTerm(int64_t term, absl::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Before an immediate operation's statement runs: records how to tell
  // afterwards whether it applied and the artifact it will leave.
  absl::Status MarkApplying(const Migration& m, absl::string_view intent,
                            absl::string_view artifact)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An immediate operation whose statement failed with `s` (its artifact
  // already cleared): failed, except a deployment member whose object a
  // transaction holds (lock wait, errno 1205) while the gate applies it:
  // the members before it applied, so it waits its turn again, backing
  // off, cancellable meanwhile.
  absl::Status FailOrWaitTurn(const Migration& m, const absl::Status& s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Completes an immediate operation that applied, leaving `artifact`.
  absl::Status FinishImmediate(const Migration& m, absl::string_view artifact)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An immediate operation a restart interrupted before it applied:
  // failed (`why`), or queued again if its deployment's gate was applying
  // it.
  absl::Status NotAppliedAfterRestart(const Migration& m, absl::string_view why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An immediate operation a restart interrupted: completed if its
  // statement applied, NotAppliedAfterRestart otherwise.
  absl::Status RecoverImmediate(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "v2:" and the MD5 of view db.name's definition: its SELECT, DEFINER,
  // SQL SECURITY, CHECK OPTION and ALGORITHM (a change of any of them alone
  // is a change); `legacy`: the MD5 of its SELECT alone, as recorded by
  // earlier versions. "" when there is no such view.
  absl::StatusOr<std::string> ViewDigest(absl::string_view db,
                                         absl::string_view name,
                                         bool legacy = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // MD5 of table db.name's SHOW CREATE TABLE, leaving out AUTO_INCREMENT=N
  // (which inserts move).
  absl::StatusOr<std::string> TableDigest(absl::string_view db,
                                          absl::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> TableExists(absl::string_view db, absl::string_view name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Completes a migration whose ALGORITHM=INSTANT ALTER applied.
  absl::Status FinishInstant(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> TryInstant(const Migration& m, const DdlStatement& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartMysqlAlter(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MonitorMysqlAlter(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A `mysql` ALTER without a task (the daemon restarted): stops its server
  // thread if it runs on, then completes or fails it by whether the table's
  // definition changed.
  absl::Status RecoverMysqlAlter(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the `mysql` ALTER of `m`, which no session runs any more,
  // applied: a changed definition says so, an unchanged one says not,
  // unless the ALTER's effect does not show there (FORCE, a partition's
  // rows): then the binlog tells. *how: the words recorded with it.
  enum class MysqlAlterOutcome { kApplied, kNotApplied, kUnknown };
  absl::StatusOr<MysqlAlterOutcome> JudgeMysqlAlter(const Migration& m,
                                                    std::string* how)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Before a cancel of `m`: stops its `mysql` ALTER, if it runs, and waits
  // for it. FailedPrecondition if it had applied (recorded complete: the
  // table has the change), had failed by itself (recorded failed, with its
  // error), if whether it applied is unknown (recorded failed), or if a
  // restart left it running (the next check settles it).
  absl::Status StopMysqlAlter(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records the `mysql` ALTER complete, with `stage`.
  absl::Status CompleteMysqlAlter(const Migration& m, absl::string_view stage)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // When the server started (Unix seconds, from its uptime).
  absl::StatusOr<int64_t> ServerStarted() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // VReplication ALTERs (executor_vrepl.cc).
  absl::Status StartVrepl(const Migration& m, const DdlStatement& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the foreign keys of the shadows among `artifacts` whose names
  // `which` accepts (all: an earlier attempt's, whose names would collide
  // with the ones an ALTER adds).
  absl::Status DropShadowForeignKeys(
      const std::string& db, const std::string& artifacts,
      const std::function<bool(const std::string& name)>& which)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gives `shadow` the foreign keys of m's table under new names and
  // points the DROP FOREIGN KEY clauses of `*alter_clauses` at them
  // (onlineddl/foreign_keys.h). FailedPrecondition for a key referencing
  // its own table.
  absl::Status KeepForeignKeys(const Migration& m, const std::string& shadow,
                               std::string* alter_clauses)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the foreign keys KeepForeignKeys gave m's shadows (a failed or
  // cancelled migration's shadow would otherwise fail the parent's deletes
  // of rows it still holds until table GC drops it). Keys of any other
  // name stay: after a swap the shadow's name is the old table's.
  absl::Status DropKeptForeignKeys(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether `m` is a member of a running or completing deployment, whose
  // gate launches and completes it.
  absl::StatusOr<bool> GatedByDeployment(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `ms` without the members of active deployments (skipped for "all",
  // refused when named: only the gate `verb`s them).
  absl::StatusOr<std::vector<Migration>> NotGated(absl::string_view uuid,
                                                  std::vector<Migration> ms,
                                                  absl::string_view verb)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MonitorVrepl(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Once the copy is done: builds the indexes deferred for `m` in the
  // background. Returns the stage to show while some are still missing
  // (the migration is not ready), "" once all are there; a build that kept
  // failing returns kFailedPrecondition (the migration fails).
  // The stream (workflow `workflow_id`) is held meanwhile where
  // hold_stream_during_index_build.
  // `asked`: what this tick already found (kAsk: nothing; kNone: no
  // index deferred; kMayStart: some, and nothing holds the build back).
  enum class DeferredAsked { kAsk, kNone, kMayStart };
  absl::StatusOr<std::string> BuildDeferredIndexes(
      const Migration& m, int64_t workflow_id,
      DeferredAsked asked = DeferredAsked::kAsk)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Why the build of `m`'s deferred indexes may not start now, as the
  // stage to show ("" if it may): the build an earlier daemon left running
  // still runs (the stream, workflow `workflow_id`, held meanwhile as
  // during a build of its own), or the replicas lag (index_build_throttle).
  absl::StatusOr<std::string> IndexBuildHeldBack(const Migration& m,
                                                 int64_t workflow_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Once the indexes are there and the stream has caught up: verifies the
  // shadow (a revert's: the old table) against the table in the background
  // (executor_verify.cc). Returns the stage to show
  // meanwhile (not ready), "" once verified (or verification is off or
  // impossible); kFailedPrecondition if the copy does not match (the
  // migration fails). `*eta_seconds`: how long it has left at its pace so
  // far, or -1 if that cannot be told yet. `ahead`: `m` is a completed
  // ALTER whose old table is checked before any revert asks (a revert then
  // finds it verified); a mismatch then fails nothing (the revert checks
  // again).
  // `index_building`: the shadow's secondary indexes are being built
  // (verify_beside_index_build).
  absl::StatusOr<std::string> VerifyShadow(const Migration& m,
                                           int64_t workflow_id,
                                           int64_t* eta_seconds,
                                           bool ahead = false,
                                           bool index_building = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The state (information_schema.PROCESSLIST) of the session building
  // `uuid`'s deferred indexes, "" if none is building them.
  absl::StatusOr<std::string> IndexBuildState(const std::string& uuid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The key of `m`'s verification in verify_states_ and verifies_: its
  // UUID, or for a revert the reverted migration's old table's
  // (ReverseVerifyKey), shared with the check made ahead of it.
  static std::string VerifyKey(const Migration& m);
  static std::string ReverseVerifyKey(absl::string_view uuid);
  // Once a second: checks the old tables of completed ALTERs, kept by
  // their reverse streams, ahead of any revert (one at a time, while no
  // migration runs; one under way pauses, keeping its place, when one
  // starts), so that a revert need not wait for it.
  absl::Status VerifyOldTablesAhead() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends `key`'s verification's task, keeping its state (where it stood):
  // a later attempt goes on from there.
  void PauseVerify(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a session waits for the metadata lock of one of `tables`, as
  // the statement it runs names it.
  absl::StatusOr<bool> MetadataLockAwaited(
      const std::vector<std::string>& tables)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends and forgets `key`'s verification.
  void StopVerify(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  using Tasks = std::map<std::string, std::unique_ptr<BackgroundTask>>;
  // Starts migration `uuid`'s stream `workflow_id`, held while a build of
  // its shadow's indexes runs (hold_stream_during_index_build).
  absl::Status StartStream(const std::string& uuid, int64_t workflow_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // FailedPrecondition if a running deployment depends on one of `tables`
  // without changing it (its related tables): a change to it, a revert
  // included, waits until that deployment ends.
  absl::Status CheckNoDeploymentDependsOn(
      const std::vector<std::string>& tables)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ends and forgets the task of `uuid` in `tasks`, if any: kills its
  // session through conn_ (or a new one if conn_ fails), so that this does
  // not wait for the server.
  void StopTask(Tasks& tasks, const std::string& uuid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Kills the session of `task` (of `uuid`) as StopTask does; the task
  // ends soon after.
  void KillTask(BackgroundTask& task, const std::string& uuid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Cuts over a ready ALTER, or several ready ALTERs of one deployment
  // (adjacent in its order) in one atomic RENAME (executor_group.cc).
  absl::Status CutOverVrepl(const std::vector<Migration>& ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<CutOverOptions> CutOverOptionsFor(const Migration& m);
  // Lambdas capture by value: a prepared cut-over outlives the call.
  CutOverRequest CutOverRequestFor(const Migration& m, int64_t workflow_id);
  // After a cut-over that failed (nothing swapped): restarts the stream if
  // it was stopped and, with `backoff`, schedules the next attempt.
  absl::Status CutOverFailed(const Migration& m, int64_t workflow_id,
                             bool stream_stopped, const absl::Status& error,
                             bool backoff) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Puts `ratio` in force for pending migration m: its stream stopped at
  // 1, running below; its row's user_throttle_ratio and throttle columns.
  absl::Status ApplyThrottle(const Migration& m, double ratio)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True if m's cut-over RENAME ran but was not recorded yet (its stream
  // stopped at that RENAME): the next tick completes it.
  absl::StatusOr<bool> SwappedUnrecorded(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True if m's stage says a cut-over was under way that this process is
  // not running (the daemon stopped during it): whether it swapped the
  // tables is unknown until its restarted stream reaches the RENAME or
  // passes the binlog's end without one (MonitorVrepl). Meanwhile cancel
  // and throttle are refused.
  bool CutOverInterrupted(const Migration& m) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Refuses `what` (a command) on a migration whose cut-over outcome is
  // being checked.
  static absl::Status RefuseWhileChecking(const Migration& m,
                                          absl::string_view what);
  static constexpr char kCheckingInterruptedCutOver[] =
      "cut-over interrupted; checking whether it swapped";
  // A migration failed because that check could not be made.
  static constexpr char kSwapOutcomeUnknownStage[] =
      "failed: whether the cut-over swapped is unknown";
  // Whether `row` (the cut-over's stream) stopped at this migration's own
  // cut-over RENAME: the swap happened.
  static bool IsOwnCutOver(const Migration& m,
                           const vreplication::WorkflowRow& row);
  // After a swap: starts the reverse stream and completes the migration.
  absl::Status CutOverDone(const Migration& m, int64_t workflow_id,
                           const CutOverResult& r)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records the schemas of m's table and shadow before a cut-over attempt
  // (swap_check.h); a failure is logged and leaves no record.
  void RecordSchemas(const Migration& m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Before a cut-over attempt: FailedPrecondition ("cut-over refused: ...")
  // while m's table has triggers, or (unless m allows foreign keys) takes
  // part in a foreign key (swap_check.h; for a revert,
  // ForeignKeysKeepFromRevert).
  absl::Status CheckSwapAllowed(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records m complete (`stage`, `message`), with what that moves: a
  // revert takes over the reverted migration's artifact.
  absl::Status RecordComplete(const Migration& m, const std::string& stage,
                              const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The stream that was to tell whether an interrupted cut-over of `m`
  // swapped cannot (`stream`: "failed: ...", "stopped: ..."): the schemas
  // recorded before it settle it (complete unrevertible, or failed), or
  // it fails saying the outcome is unknown.
  absl::Status SettleFromSchemas(const Migration& m, int64_t id,
                                 absl::string_view stream)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records m complete after a swap whose RENAME position is unknown (so
  // no reverse stream can start): not revertible, saying `why`.
  absl::Status CompleteUnrevertible(const Migration& m, int64_t workflow_id,
                                    absl::string_view why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Aborts prepared cut-overs whose hold has passed.
  absl::Status ExpirePrepared() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The workflow a migration's cut-over waits on (a revert's is the
  // reverse stream of the migration it reverts).
  absl::StatusOr<int64_t> CutOverWorkflowId(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int64_t> WorkflowId(absl::string_view uuid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stops and removes the migration's workflows, if any.
  absl::Status DropWorkflow(absl::string_view uuid)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status DeleteWorkflow(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Its rows only (the engine must have stopped it): its copy state,
  // verification passes and the stream itself, on conn_ (inside a
  // transaction of the caller's, if any).
  absl::Status DeleteWorkflowRows(int64_t id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Cancels m, recording `why` as its message.
  absl::Status CancelLocked(const Migration& m,
                            absl::string_view why = "cancelled by request")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Reverts (executor_revert.cc).
  absl::StatusOr<std::string> RevertLocked(absl::string_view uuid,
                                           absl::string_view migration_context,
                                           bool gated,
                                           absl::string_view new_uuid = "",
                                           int64_t retain_artifacts_seconds = 0)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Why `m` can no longer be reverted because of a later migration on its
  // table (other than `except_uuid`; of those after `revert_id`, the revert
  // launching now, only running or complete ones count; one undone by a
  // complete revert, or by a revert of the deployment `context` before
  // this one, does not), or "" if none.
  absl::StatusOr<std::string> LaterMigrationOn(const Migration& m,
                                               absl::string_view except_uuid,
                                               int64_t revert_id,
                                               absl::string_view context)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartRevert(const Migration& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "" if a revert of `m` (the migration reverted) may move m's table out
  // of use as far as foreign keys go, else why not: a key created since
  // links it with a table in use (for a CREATE's revert, which renames the
  // table away: a key referencing it), and would follow it to the
  // artifact. Keys with artifacts, and a chain that ran with
  // --unsafe-allow-foreign-keys (its keys follow its swaps), are left.
  // `requesting`: asked as the revert is requested, when a table whose
  // CREATE a revert still pending renames away first counts as gone (a
  // deployment's reverts, requested together); not as it applies.
  absl::StatusOr<std::string> ForeignKeysKeepFromRevert(const Migration& m,
                                                        bool requesting)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The reverse stream (table → artifact) of `m`, whose table and artifact
  // were swapped over stream `row`: keeps the old table in sync for a
  // revert. Reads the two tables' schemas; writes nothing.
  absl::StatusOr<binlogdata::BinlogSource> ReverseStreamSource(
      const Migration& m, const vreplication::WorkflowRow& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Commands (executor_commands.cc).
  absl::StatusOr<std::vector<Migration>> Select(absl::string_view uuid,
                                                absl::string_view statuses)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ExecutorOptions options_;
  Clock* clock_;
  std::unique_ptr<vreplication::Engine> engine_;
  std::unique_ptr<TableGc> gc_;
  // Logs an error a tick meets and goes past (table GC, an artifact's
  // retirement, a deployment's gate), the same message at most once a
  // minute: one that persists (a dropped foreign-key parent) is not logged
  // every tick.
  void LogRepeatedError(absl::string_view message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // When each message was last logged (those of the last minute).
  std::map<std::string, absl::Time> logged_at_ ABSL_GUARDED_BY(mu_);

  absl::Mutex mu_;
  std::unique_ptr<mysql::Connection> conn_ ABSL_GUARDED_BY(mu_);
  // Whether conn_ holds the database's lock (TakeDaemonLock): a new
  // session (a reconnect) takes it again before the next tick works.
  bool holds_daemon_lock_ ABSL_GUARDED_BY(mu_) = false;
  // The server was found read_only: streams stopped (PausedAsReplica).
  bool paused_as_replica_ ABSL_GUARDED_BY(mu_) = false;
  // Another daemon took the database's lock while this one reconnected:
  // everything stopped for good (StopWork), commands refused. (A session
  // of its own the server has not noticed is dead, a half-open
  // connection, is taken for another daemon: with sidecutd beside its
  // server the session ends with its socket.)
  bool deposed_ ABSL_GUARDED_BY(mu_) = false;
  // Stops the streams and the work on the server's sessions (prepared
  // cut-overs let go, background statements killed), as stopping the
  // daemon does.
  void StopWork() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Mutex read_mu_;
  std::unique_ptr<mysql::Connection> read_conn_ ABSL_GUARDED_BY(read_mu_);
  std::map<std::string, Progress> progress_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> next_cut_over_ ABSL_GUARDED_BY(mu_);
  // Set while a deployment's gate applies an immediate member: one that
  // cannot get its object's lock waits for the next attempt, not failed.
  bool gate_applying_ ABSL_GUARDED_BY(mu_) = false;
  // The newest controller leadership term a prepare, commit or abort came
  // with (AdmitControllerTerm).
  int64_t controller_term_ ABSL_GUARDED_BY(mu_) = 0;
  // Per interrupted cut-over being checked: the binlog's end once its
  // stream ran again (any RENAME of that cut-over is before it).
  std::map<std::string, mysql::Position> checking_until_ ABSL_GUARDED_BY(mu_);
  // When a migration's stream was first seen in a retried error.
  std::map<std::string, absl::Time> first_error_ ABSL_GUARDED_BY(mu_);
  // Strategy-mysql ALTERs and deferred index builds running, by UUID.
  Tasks mysql_alters_ ABSL_GUARDED_BY(mu_);
  Tasks index_builds_ ABSL_GUARDED_BY(mu_);
  // The server session of each of index_builds_.
  std::map<std::string, uint64_t> index_build_sessions_ ABSL_GUARDED_BY(mu_);
  // Migrations whose stream is held while a build an earlier daemon left
  // running runs (IndexBuildHeldBack).
  std::set<std::string> held_for_builds_left_ ABSL_GUARDED_BY(mu_);
  struct IndexBuildRetry {
    int failures = 0;
    absl::Time next;
    std::string error;
  };
  // Copy verifications running, and their state, by UUID.
  Tasks verifies_ ABSL_GUARDED_BY(mu_);
  // What a verification's task shares with the executor.
  struct Verification {
    absl::Mutex mu;
    int64_t rows ABSL_GUARDED_BY(mu) = 0;  // compared so far
    // Rows an earlier attempt compared that this one took over.
    int64_t resumed_after ABSL_GUARDED_BY(mu) = 0;
    int snapshots ABSL_GUARDED_BY(mu) = 0;
    absl::optional<vreplication::CopyVerifyResult> result ABSL_GUARDED_BY(mu);
    std::atomic<bool> cancelled{false};
    // The second session's (the target's checksums), killed with the
    // task's own when it is stopped.
    uint64_t second_connection_id = 0;
    // Set by the executor while the shadow's secondary indexes are built:
    // the verification runs beside the build only where it can renew its
    // snapshot (it waits for the build otherwise), and renews it at its
    // next chunk when asked (`give_way`: the build's ALTER waits for the
    // shadow's metadata lock, which the snapshot holds).
    std::atomic<bool> index_building{false};
    // Where the stream is held during the build (the snapshot is taken
    // before it): set by the task once its first snapshot is taken (or it
    // will wait for the build instead: it cannot give way), so that the
    // build may start; `may_read` is set by the executor once the build's
    // ALTER is past its exclusive start (or none is to come): the shadow is
    // not read before (its metadata lock would hold that start up).
    // `stream_held`: the snapshot is renewed only to give way.
    std::atomic<bool> snapshot_taken{false};
    std::atomic<bool> may_read{true};
    std::atomic<bool> stream_held{false};
    std::atomic<bool> give_way{false};
  };
  struct VerifyState {
    bool passed = false;
    bool looked_up = false;   // for a pass recorded before a restart
    std::string summary;      // for the stage once ready
    int failures = 0;         // in a row (retried with backoff)
    int64_t rows_before = 0;  // the cursor's rows when the attempt began
    // Made ahead of a revert: found the old table differing (why), or
    // verified it and noted so in the migration's stage.
    std::string ahead_mismatch;
    bool ahead_noted = false;
    bool attempt_ahead = false;  // the last attempt was started ahead
    absl::Time next = absl::InfinitePast();
    std::string error;
    std::shared_ptr<Verification> progress;
    // Where the last attempt stood: the next one goes on from there. Used
    // by one attempt's task at a time.
    std::shared_ptr<vreplication::CopyVerifyCursor> cursor =
        std::make_shared<vreplication::CopyVerifyCursor>();
    int snapshots = 0;  // taken by the attempts before the running one
  };
  std::map<std::string, VerifyState> verify_states_ ABSL_GUARDED_BY(mu_);
  // Deferred index builds that failed and wait to be retried, by UUID.
  std::map<std::string, IndexBuildRetry> index_build_retries_
      ABSL_GUARDED_BY(mu_);
  struct Prepared {
    std::unique_ptr<mysql::ConnectionFactory> factory;
    std::unique_ptr<PreparedCutOver> cut_over;
    std::string schema;
    int64_t workflow_id = 0;
    absl::Time expires;
  };
  // Prepared cut-overs by migration UUID; the scheduler leaves these
  // migrations alone.
  std::map<std::string, Prepared> prepared_ ABSL_GUARDED_BY(mu_);
  // When each migration's stream last kept up in a catch-up-only prepare
  // (the controller's first phase): its next prepare relaxes at once.
  std::map<std::string, absl::Time> caught_up_at_ ABSL_GUARDED_BY(mu_);
  // When the scheduler next balances the running reverse streams.
  absl::Time next_park_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Unlocks and forgets the prepared cut-over at `it`; the stream goes on
  // and the migration records `why`.
  absl::Status ReleasePrepared(std::map<std::string, Prepared>::iterator it,
                               const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

template <typename T>
absl::StatusOr<T> Executor::Read(
    const std::function<absl::StatusOr<T>(mysql::Connection&)>& read) {
  absl::MutexLock lock(&read_mu_);
  // Once more on a new session when the old one is gone (the server
  // restarted, an idle timeout).
  for (int attempt = 0;; ++attempt) {
    if (read_conn_ == nullptr) {
      SC_ASSIGN_OR_RETURN(read_conn_, Connect());
    }
    absl::StatusOr<T> r = read(*read_conn_);
    if (r.ok() || attempt > 0 || !absl::IsUnavailable(r.status())) {
      return r;
    }
    read_conn_.reset();
  }
}

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_EXECUTOR_H_
