#include "onlineddl/executor.h"

#include <algorithm>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/deferred_indexes.h"
#include "onlineddl/migration_uuid.h"
#include "onlineddl/swap_check.h"
#include "onlineddl/throttled_apps.h"
#include "schemadiff/lexer.h"
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

namespace {

// The named lock of `db`'s executor: its name (cut to whole characters)
// and a hash of its bytes (FNV-1a, the same in every build). Lock names
// hold at most 64 characters, and MySQL compares them case-insensitively
// (MariaDB 10.11 did not, here): `Shop` and `shop` (two databases where
// names are case-sensitive) differ by the hash.
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

}  // namespace

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
  SC_ASSIGN_OR_RETURN(bool read_only, ServerIsReadOnly());
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
  {
    absl::MutexLock lock(&mu_);
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
  }
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
  absl::Status s =
      holds_daemon_lock_ ? absl::OkStatus() : TakeDaemonLock(absl::Seconds(2));
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

namespace {

// The server skips some versioned comments (above its version, /*!110500
// ... */ on 10.11, or MySQL's /*!50700 to /*!99999) where the analysis
// reads every one: a clause in one (a DROP COLUMN) would be acted on by
// the copy and not by the shadow's ALTER. Refused, saying so.
absl::Status CheckVersionedComments(mysql::Connection& conn,
                                    absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::VersionedComment> comments,
                      schemadiff::VersionedComments(sql));
  if (comments.empty()) return absl::OkStatus();
  SC_ASSIGN_OR_RETURN(std::string text,
                      mysql::QueryValue(conn, "SELECT @@version"));
  std::vector<std::string> parts = absl::StrSplit(
      text.substr(0, text.find_first_not_of("0123456789.")), '.');
  int64_t server = 0;
  for (size_t i = 0; i < 3; ++i) {
    int64_t n = 0;
    if (i < parts.size()) (void)absl::SimpleAtoi(parts[i], &n);
    server = server * 100 + n;
  }
  for (const schemadiff::VersionedComment& c : comments) {
    if (schemadiff::MariaDBIgnores(c, server)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the statement has a versioned comment for version ", c.version,
          ", which this server (", text,
          ") skips: remove the comment, or its text, to say what to run"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> Executor::Submit(
    absl::string_view sql, absl::string_view strategy,
    absl::string_view migration_context, absl::string_view uuid,
    absl::Time deadline) {
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::Parse(strategy));
  SC_ASSIGN_OR_RETURN(std::vector<DdlStatement> stmts,
                      ParseDdl(sql, options_.db));
  for (const DdlStatement& d : stmts) {
    SC_RETURN_IF_ERROR(CheckNotAnArtifact(d, st));
  }
  if (st.IsDirect()) {
    // Run as the client's own statement, on a session of its own and
    // without the executor's lock: a long ALTER must not hold up ticks,
    // cut-overs and other commands. A metadata lock held elsewhere still
    // fails it after lock_wait rather than a day later.
    // In the server's time zone, as the client's session would run it (a
    // TIMESTAMP made DATETIME holds local times).
    SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> c, ConnectOwn());
    SC_RETURN_IF_ERROR(
        c->Execute("SET SESSION time_zone = @@GLOBAL.time_zone").status());
    SC_RETURN_IF_ERROR(CheckDeadline(deadline));
    for (size_t i = 0; i < stmts.size(); ++i) {
      absl::Status s = c->Execute(stmts[i].sql).status();
      if (s.ok()) continue;
      if (i == 0) return s;
      // The ones before it stay applied: said, so that the request is not
      // simply sent again.
      std::string applied;
      for (size_t k = 0; k < i; ++k) {
        absl::StrAppend(&applied, k == 0 ? "" : "; ", stmts[k].sql);
      }
      return absl::Status(
          s.code(),
          absl::StrCat(stmts[i].sql, " failed: ", s.message(),
                       " (already applied, directly: ", applied, ")"));
    }
    return std::vector<std::string>();
  }
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckDeadline(deadline));
  if (st.strategy != Strategy::kMysql) {  // the server alone reads those
    SC_RETURN_IF_ERROR(CheckVersionedComments(*conn_, sql));
  }
  if (st.IsDeclarative()) {
    if (!uuid.empty()) {
      return absl::InvalidArgumentError(
          "a declarative deployment assigns its own migration UUIDs");
    }
    return SubmitDeclarative(sql, st, migration_context);
  }
  // A DROP of a foreign key parent or child would be refused as it applies
  // (executor_immediate.cc): refused now, before a deployment applies
  // anything ordered before it.
  if (!st.IsAllowForeignKeys()) {
    for (const DdlStatement& d : stmts) {
      if (d.action != DdlStatement::Action::kDrop || d.is_view) continue;
      SC_RETURN_IF_ERROR(CheckDropAllowed(*conn_, options_.db, d.table));
    }
  }
  if (!uuid.empty() && stmts.size() != 1) {
    return absl::InvalidArgumentError(
        "a fixed migration UUID applies to exactly one statement");
  }
  if (!uuid.empty() && !IsValidMigrationUuid(uuid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", uuid, "' is not a valid migration UUID"));
  }
  if (!uuid.empty()) {
    // Submitted again (a controller resuming an interrupted submission):
    // the same request is a no-op, whatever the migration's state since.
    absl::StatusOr<Migration> existing = ReadMigration(*conn_, uuid);
    if (existing.ok()) {
      if (existing->schema == options_.db &&
          existing->statement == stmts[0].sql &&
          existing->migration_context == migration_context &&
          existing->strategy == StrategyName(st.strategy) &&
          existing->options == st.options) {
        return std::vector<std::string>{std::string(uuid)};
      }
      return absl::AlreadyExistsError(absl::StrCat(
          "migration ", uuid,
          " already exists with another statement, database or context"));
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
  }
  SC_ASSIGN_OR_RETURN(std::vector<Migration> pending,
                      ListMine("migration_status IN ('requested', "
                               "'queued', 'ready', 'running')"));
  if (st.IsSingleton() && stmts.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "singleton migration rejected: ", stmts.size(),
        " statements would be as many pending migrations; submit them with "
        "--singleton-context"));
  }
  if (st.IsSingleton() && !pending.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("singleton migration rejected: migration ",
                     pending[0].uuid, " is still ", pending[0].status));
  }
  if (st.IsSingletonContext()) {
    for (const Migration& p : pending) {
      if (p.migration_context != migration_context) {
        return absl::FailedPreconditionError(
            absl::StrCat("singleton-context migration rejected: migration ",
                         p.uuid, " of another context (", p.migration_context,
                         ") is still ", p.status));
      }
    }
  }
  if (!st.IsAllowConcurrent()) {
    for (const DdlStatement& d : stmts) {
      for (const Migration& p : pending) {
        if (p.table != d.table) continue;
        return absl::FailedPreconditionError(absl::StrCat(
            "table ", mysql::QuoteIdentifier(d.table),
            " already has a pending migration ", p.uuid, " (", p.status,
            "); wait for it or cancel it, or submit with --allow-concurrent "
            "to queue this one behind it"));
      }
    }
  }
  std::vector<std::string> changed;
  for (const DdlStatement& d : stmts) changed.push_back(d.table);
  SC_RETURN_IF_ERROR(CheckNoDeploymentDependsOn(changed));
  for (const DdlStatement& d : stmts) {
    // A running deployment's member waits (postponed) for its gate: one
    // queued "behind" it would run ahead of it, and the member then fail
    // as the gate applies it (a CREATE finding the table there).
    for (const Migration& p : pending) {
      if (p.table != d.table) continue;
      SC_ASSIGN_OR_RETURN(bool gated, GatedByDeployment(p));
      if (!gated) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", mysql::QuoteIdentifier(d.table),
          " is changed by deployment '", p.migration_context, "' (migration ",
          p.uuid,
          "), which applies its changes together and in order; complete or "
          "cancel the deployment first"));
    }
  }
  std::vector<std::string> uuids;
  for (const DdlStatement& d : stmts) {
    Migration m;
    m.uuid = uuid.empty() ? CreateMigrationUuid() : std::string(uuid);
    m.keyspace = options_.keyspace;
    m.shard = options_.shard;
    m.schema = options_.db;
    m.table = d.table;
    m.statement = d.sql;
    m.strategy = std::string(StrategyName(st.strategy));
    m.options = st.options;
    m.status = kStatusRequested;
    m.tablet = options_.tablet;
    m.migration_context = std::string(migration_context);
    m.ddl_action = std::string(ActionName(d.action));
    m.is_view = d.is_view;
    m.postpone_completion = st.IsPostponeCompletion();
    m.postpone_launch = st.IsPostponeLaunch();
    m.allow_concurrent = st.IsAllowConcurrent();
    m.cutover_threshold_seconds = absl::ToInt64Seconds(st.CutOverThreshold());
    m.retain_artifacts_seconds = st.RetainArtifactsSeconds();
    SC_RETURN_IF_ERROR(InsertMigration(*conn_, m));
    uuids.push_back(m.uuid);
  }
  Wake();
  return uuids;
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
