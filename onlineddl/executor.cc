#include "onlineddl/executor.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/deferred_indexes.h"
#include "onlineddl/swap_check.h"
#include "onlineddl/throttled_apps.h"
#include "util/status_macros.h"
#include "vreplication/copy_throttle.h"
#include "vreplication/sidecar_schema.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace onlineddl {

using mysql::QuoteString;

Executor::Executor(ExecutorOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {
  if (options_.keyspace.empty()) options_.keyspace = options_.db;
  options_.connect.database = options_.db;
  options_.workflow.connect = options_.connect;
  // Short heartbeats bound how long a last batch waits to be committed
  // (the cut-over waits on it under the lock); batching keeps the stream
  // ahead of heavy write loads.
  if (options_.workflow.heartbeat_period > absl::Milliseconds(10)) {
    options_.workflow.heartbeat_period = absl::Milliseconds(10);
  }
  if (options_.workflow.apply_batch_window == absl::ZeroDuration()) {
    options_.workflow.apply_batch_window = absl::Milliseconds(10);
  }
  options_.workflow.connect.database = "";
  if (!options_.workflow.throttle_ratio) {
    // A migration throttled at a ratio below 1 (at 1 its stream stops)
    // copies that much less often.
    options_.workflow.throttle_ratio = [](mysql::Connection& conn,
                                          const vreplication::WorkflowRow& w) {
      return RecordedThrottleRatio(conn, w.workflow);
    };
  }
  if (!options_.gc.throttle) {
    // Table GC's purge yields to what holds back copies (replica lag,
    // server load).
    options_.gc.throttle =
        options_.workflow.throttle
            ? options_.workflow.throttle
            : [](mysql::Connection& conn) {
                return vreplication::ThreadsRunningThrottle(
                    conn, vreplication::kDefaultMaxThreadsRunning);
              };
  }
  if (!options_.index_build_throttle) {
    options_.index_build_throttle = options_.gc.throttle;
  }
  const std::string& host = options_.connect.host;
  if (!options_.fs_space &&
      (!options_.connect.socket.empty() || host == "localhost" ||
       host == "::1" || absl::StartsWith(host, "127."))) {
    options_.fs_space = LocalFsSpace;  // a sidecar's server: its paths
  }
}

absl::StatusOr<std::unique_ptr<Executor>> Executor::Start(
    ExecutorOptions options, Clock* clock) {
  std::unique_ptr<Executor> e(new Executor(std::move(options), clock));
  SC_RETURN_IF_ERROR(e->Init());
  e->thread_ = std::thread([p = e.get()] { p->Loop(); });
  return e;
}

absl::StatusOr<std::unique_ptr<mysql::Connection>> Executor::Connect() {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c,
                      mysql::MysqlConnection::Connect(options_.connect));
  // Timestamps in the migrations table are read and written in UTC.
  SC_RETURN_IF_ERROR(c->Execute("SET SESSION time_zone = '+00:00'").status());
  return std::unique_ptr<mysql::Connection>(std::move(c));
}

absl::StatusOr<std::unique_ptr<mysql::Connection>> Executor::ConnectOwn() {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> c, Connect());
  // The executor's own session runs DDL while it holds its mutex: a
  // metadata lock held elsewhere (a long transaction, a prepared
  // cut-over's LOCK TABLES) must not freeze every command and tick for
  // the server's default of a day. The DDL fails with a clear error.
  SC_RETURN_IF_ERROR(
      c->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ",
                              std::max<int64_t>(
                                  1, absl::ToInt64Seconds(options_.lock_wait))))
          .status());
  return c;
}

// Its name cut to whole characters, and a hash of its bytes (FNV-1a, the
// same in every build). Lock names hold at most 64 characters, and MySQL
// compares them case-insensitively (MariaDB 10.11 did not, here): `Shop`
// and `shop` (two databases where names are case-sensitive) differ by the
// hash.
std::string DaemonLockName(absl::string_view db) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : db) {
    h ^= c;
    h *= 1099511628211ull;
  }
  size_t keep = std::min<size_t>(db.size(), 28);
  while (keep > 0 && keep < db.size() &&
         (static_cast<unsigned char>(db[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  return absl::StrCat("sidecut.executor.", db.substr(0, keep), ".",
                      absl::Hex(h, absl::kZeroPad16));
}

absl::Status Executor::TakeDaemonLock(absl::Duration wait) {
  const std::string name = DaemonLockName(options_.db);
  absl::StatusOr<std::string> got = mysql::QueryValue(
      *conn_, absl::StrCat("SELECT IFNULL(GET_LOCK(", mysql::QuoteString(name),
                           ", ", absl::ToDoubleSeconds(wait), "), 0)"));
  if (!got.ok() && mysql::MysqlErrno(got.status()) == 1235) {
    // Galera (wsrep_on) refuses GET_LOCK: run unguarded, as before.
    std::cerr << "executor: this server refuses GET_LOCK (Galera?): nothing "
                 "keeps a second sidecutd from running the migrations of "
              << mysql::QuoteIdentifier(options_.db) << std::endl;
    holds_daemon_lock_ = true;
    return absl::OkStatus();
  }
  SC_RETURN_IF_ERROR(got.status());
  if (*got == "1") {
    holds_daemon_lock_ = true;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> holder = mysql::QueryValue(
      *conn_, absl::StrCat("SELECT IFNULL(IS_USED_LOCK(",
                           mysql::QuoteString(name), "), '')"));
  return absl::FailedPreconditionError(absl::StrCat(
      "another sidecutd runs the migrations of database ",
      mysql::QuoteIdentifier(options_.db), " on this server (its session",
      holder.ok() && !holder->empty() ? absl::StrCat(", connection ", *holder)
                                      : "",
      ", holds the lock ", mysql::QuoteString(name),
      "): one daemon per database; stop that one first"));
}

absl::Status Executor::Init() {
  absl::MutexLock lock(&mu_);
  SC_ASSIGN_OR_RETURN(conn_, ConnectOwn());
  // Beside a primary only: on a replica (a user with SUPER passes
  // read_only) migrations and table GC would change a copy of the data
  // its primary knows nothing of, and break replication.
  SC_ASSIGN_OR_RETURN(bool read_only, ServerIsReadOnly(*conn_));
  if (read_only) {
    return absl::FailedPreconditionError(
        "the server is read_only (a replica?): sidecutd runs migrations "
        "beside a primary; start it beside the primary, or SET GLOBAL "
        "read_only = 0 if this server is the primary");
  }
  SC_RETURN_IF_ERROR(TakeDaemonLock(options_.daemon_lock_wait));
  SC_RETURN_IF_ERROR(EnsureSchemaMigrations(*conn_));
  SC_RETURN_IF_ERROR(EnsureDeployments(*conn_));
  SC_RETURN_IF_ERROR(vreplication::EnsureSidecarSchema(*conn_));
  SC_RETURN_IF_ERROR(TagReverseStreams());
  engine_ = std::make_unique<vreplication::Engine>(options_.workflow, clock_);
  SC_RETURN_IF_ERROR(engine_->Open(options_.db));
  gc_ = std::make_unique<TableGc>(options_.gc, clock_);
  return absl::OkStatus();
}

absl::Status Executor::TagReverseStreams() {
  // Made before reverse streams were tagged (kTagStopOnTargetDdl): every
  // workflow of a completed migration is one (the forward stream's rows go
  // in the completion's transaction, which creates it).
  return conn_
      ->Execute(absl::StrCat(
          "UPDATE _vt.vreplication v JOIN _vt.schema_migrations m ON "
          "v.workflow = m.migration_uuid SET v.tags = ",
          mysql::QuoteString(vreplication::kTagStopOnTargetDdl),
          " WHERE v.tags = '' AND m.migration_status = 'complete' AND "
          "m.mysql_schema = ",
          mysql::QuoteString(options_.db)))
      .status();
}

Executor::~Executor() {
  {
    absl::MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  StopWork();
}

void Executor::StopWork() {
  // A restarted daemon fails an interrupted strategy-mysql ALTER and
  // builds deferred indexes again: do not wait for the server here.
  // Not waited for in their catch-up waits either.
  for (auto& [uuid, v] : verify_states_) {
    if (v.progress != nullptr) v.progress->cancelled = true;
  }
  for (Tasks* tasks : {&mysql_alters_, &index_builds_, &verifies_}) {
    while (!tasks->empty()) {
      StopTask(*tasks, std::string(tasks->begin()->first));
    }
  }
  for (auto& [uuid, p] : prepared_) p.cut_over->Abort();  // unlocks
  prepared_.clear();
  if (engine_ != nullptr) engine_->Close();
}

void Executor::Wake() {
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
}

void Executor::Loop() {
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
    // Errors are retried next tick; the daemon's log shows them.
    absl::Status s = Tick();
    if (!s.ok()) std::cerr << "executor: " << s.message() << std::endl;
  }
}

absl::Status Executor::Tick() {
  absl::MutexLock lock(&mu_);
  // A new session (a reconnect) takes the database's lock first: another
  // daemon may have started meanwhile, and runs the migrations then.
  if (deposed_) return absl::OkStatus();
  absl::Status s =
      holds_daemon_lock_ ? absl::OkStatus() : TakeDaemonLock(absl::Seconds(2));
  if (absl::IsFailedPrecondition(s)) {
    // Another daemon runs the migrations now (it started while this one
    // reconnected): its streams and this one's would apply the same
    // binlog into the same shadows, out of order. This one stops for good.
    StopWork();
    deposed_ = true;
    std::cerr << "executor: " << s.message()
              << ": this daemon lost the lock to it and stops its migrations"
              << std::endl;
    if (options_.on_deposed) options_.on_deposed();
    return s;
  }
  if (s.ok()) s = TickLocked();
  // The session may be broken (a server restart): reconnect for the next
  // tick. A session that still answers is kept, with its lock.
  if (!s.ok() && !conn_->Execute("SELECT 1").ok()) {
    absl::StatusOr<std::unique_ptr<mysql::Connection>> c = ConnectOwn();
    if (c.ok()) {
      conn_ = std::move(*c);  // the old one's lock ends with it
      holds_daemon_lock_ = false;
    }
  }
  return s;
}

absl::Status Executor::CheckNotAnArtifact(const DdlStatement& d,
                                          const DdlStrategySetting& st) {
  // In any letter case: a server with lower_case_table_names stores the
  // name lower-cased, an artifact's name that table GC then takes.
  if (!IsInternalTableName(d.table) &&
      !IsInternalTableName(absl::AsciiStrToLower(d.table))) {
    return absl::OkStatus();
  }
  if (d.action == DdlStatement::Action::kCreate) {
    return absl::InvalidArgumentError(absl::StrCat(
        mysql::QuoteIdentifier(d.table),
        " is named as Sidecut and Vitess name their artifact tables "
        "(_vt_<kind>_<uuid>_<time>_): table GC would drop it; choose "
        "another name"));
  }
  if (st.IsDirect()) return absl::OkStatus();  // by hand, knowingly
  return absl::InvalidArgumentError(absl::StrCat(
      mysql::QuoteIdentifier(d.table),
      " is an artifact of an online DDL migration (a shadow, an old table "
      "a revert needs, or one in table GC): not changed by a migration; use "
      "the direct strategy if you must"));
}

absl::Status Executor::CheckNoDeploymentDependsOn(
    const std::vector<std::string>& tables) {
  // A running deployment's plan is the difference from the schema as it
  // was: a table it depends on without changing it (a view it creates
  // reads it) must stay so until it ends.
  for (const char* status : {kDeployRunning, kDeployCompleting}) {
    SC_ASSIGN_OR_RETURN(std::vector<Deployment> deployments,
                        ListDeployments(*conn_, options_.db, status));
    for (const Deployment& dep : deployments) {
      for (const std::string& name : dep.related) {
        auto same = [&](const std::string& t) {
          return absl::EqualsIgnoreCase(name, t);
        };
        auto it = std::find_if(tables.begin(), tables.end(), same);
        if (it == tables.end()) continue;
        const std::string& table = *it;
        return absl::FailedPreconditionError(absl::StrCat(
            "table ", mysql::QuoteIdentifier(table), " is one deployment '",
            dep.context, "' (", dep.status,
            ") depends on (a view it creates or changes reads it, or a "
            "foreign key links it to a table it changes), and its plan is "
            "the difference from the schema as it was; complete or cancel "
            "the deployment first"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::CheckDeadline(absl::Time deadline) {
  if (absl::Now() < deadline) return absl::OkStatus();
  return absl::DeadlineExceededError(
      "the request's deadline passed before it could run (it waited for the "
      "executor): nothing was done");
}

absl::Status Executor::CheckMayAct(absl::Time deadline) {
  SC_RETURN_IF_ERROR(CheckDeadline(deadline));
  SC_RETURN_IF_ERROR(CheckNotDeposed());
  return CheckWritable(*conn_);
}

absl::Status Executor::CheckNotDeposed() {
  if (!deposed_) return absl::OkStatus();
  return absl::UnavailableError(
      "another sidecutd took this database's migrations while this one "
      "reconnected: this one has stopped; send commands to that one");
}

absl::Status Executor::CheckWritable(mysql::Connection& c) {
  SC_ASSIGN_OR_RETURN(bool read_only, ServerIsReadOnly(c));
  if (!read_only) return absl::OkStatus();
  return absl::UnavailableError(
      "the server is read_only (a replica, or a demoted primary): nothing was "
      "done; send commands to the primary's sidecutd");
}

absl::StatusOr<Migration> Executor::Get(absl::string_view uuid) {
  return Read<Migration>(
      [&](mysql::Connection& c) { return ReadMigration(c, uuid); });
}

absl::StatusOr<std::vector<Migration>> Executor::List(absl::string_view where) {
  return Read<std::vector<Migration>>([&](mysql::Connection& c) {
    return ListMigrations(c, MineWhere(where));
  });
}

absl::StatusOr<std::set<std::string>> Executor::SelfCompletingMembers() {
  return Read<std::set<std::string>>(
      [&](mysql::Connection& c) -> absl::StatusOr<std::set<std::string>> {
        SC_ASSIGN_OR_RETURN(std::vector<Deployment> ds,
                            ListDeployments(c, options_.db, ""));
        std::set<std::string> out;
        for (const Deployment& d : ds) {
          const bool going_on =
              d.status == kDeployCompleting ||
              (d.status == kDeployRunning && !d.postpone_completion);
          if (going_on) out.insert(d.members.begin(), d.members.end());
        }
        return out;
      });
}

std::string Executor::MineWhere(absl::string_view where) const {
  return absl::StrCat("mysql_schema = ", QuoteString(options_.db),
                      where.empty() ? "" : " AND (", where,
                      where.empty() ? "" : ")");
}

absl::StatusOr<std::vector<Migration>> Executor::ListMine(
    absl::string_view where) {
  return ListMigrations(*conn_, MineWhere(where));
}

absl::StatusOr<DdlStatement> Executor::ParseMigration(const Migration& m) {
  SC_ASSIGN_OR_RETURN(std::vector<DdlStatement> stmts,
                      ParseDdl(m.statement, m.schema));
  if (stmts.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("migration ", m.uuid, " holds ", stmts.size(),
                     " statements; expected one"));
  }
  return std::move(stmts[0]);
}

void Executor::ForgetEnded(const std::string& uuid) {
  progress_.erase(uuid);
  next_cut_over_.erase(uuid);
  checking_until_.erase(uuid);
  caught_up_at_.erase(uuid);
  first_error_.erase(uuid);  // a retry reuses the UUID
  index_build_retries_.erase(uuid);
  StopVerify(uuid);
}

void Executor::DropLeftoverSentry(const Migration& m) {
  if (m.table.empty()) return;
  const absl::Status s =
      DropSentry(*conn_, m.schema, SentryName(m.table, m.uuid));
  if (!s.ok()) {
    std::cerr << "executor: migration " << m.uuid
              << " ended, but its cut-over's sentry could not be dropped: " << s
              << std::endl;
  }
}

void Executor::KillIndexBuildsLeftRunning(const Migration& m) {
  const std::string shadow = FirstArtifact(m);
  if (shadow.empty()) return;
  absl::StatusOr<std::vector<int64_t>> running =
      IndexBuildsRunning(*conn_, m.schema, shadow);
  absl::Status s = running.status();
  for (int64_t id : running.value_or(std::vector<int64_t>())) {
    absl::Status killed =
        conn_->Execute(absl::StrCat("KILL QUERY ", id)).status();
    // Already ended: nothing to kill.
    if (!killed.ok() && mysql::MysqlErrno(killed) != 1094) s = killed;
  }
  if (!s.ok()) {
    std::cerr << "executor: migration " << m.uuid
              << " ended, but the index build an earlier daemon left "
                 "running on its shadow could not be ended: "
              << s << std::endl;
  }
}

absl::Status Executor::Fail(const Migration& m, absl::string_view message) {
  DropWorkflow(m.uuid).IgnoreError();
  // A failed migration's shadow goes to table GC: a build left on it would
  // run on to its end for nothing, and hold GC's rename up meanwhile.
  if (IsVreplAlter(m)) KillIndexBuildsLeftRunning(m);
  DropKeptForeignKeys(m).IgnoreError();
  DropLeftoverSentry(m);
  ForgetEnded(m.uuid);
  return UpdateMigration(*conn_, m.uuid,
                         Assignments()
                             .Set("migration_status", kStatusFailed)
                             .Set("message", message)
                             .Set("stage", "failed")
                             .Set("ready_to_complete", false)
                             .SetExpr("completed_timestamp", "NOW(6)")
                             .SetExpr("liveness_timestamp", "NOW()"));
}

}  // namespace onlineddl
}  // namespace sidecut
