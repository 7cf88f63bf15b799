#include "vreplication/workflow.h"

#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "mysql/server_thread.h"
#include "util/status_macros.h"
#include "vreplication/check_failure.h"
#include "vreplication/copy_throttle.h"
#include "vreplication/prepared_xa.h"
#include "vreplication/sidecar_schema.h"

namespace sidecut {
namespace vreplication {
namespace {

// The sql_mode every workflow session writes under (online DDL adds
// STRICT_ALL_TABLES, and drops ALLOW_INVALID_DATES where it turns other
// values into dates: ConvertsIntoDates).
constexpr absl::string_view kSqlModeDatesChecked =
    "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";
constexpr absl::string_view kSqlMode =
    "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ALLOW_INVALID_DATES";

// Errors an operator must fix; retrying would fail the same way.
bool IsPermanent(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kPermissionDenied:
    // A duplicate key is retried: after a crash, the previous process's
    // last commit may still be running on the server when this one replays
    // it (online DDL fails a migration whose duplicate persists).
    case absl::StatusCode::kOutOfRange:  // value the target cannot hold
      return true;
    default:
      return false;
  }
}

}  // namespace

Workflow::Workflow(int64_t id, WorkflowOptions options, Clock* clock)
    : id_(id), options_(std::move(options)), clock_(clock) {
  if (!options_.throttle) {
    // The default copy throttler: server load.
    options_.throttle = [](mysql::Connection& conn) {
      return ThreadsRunningThrottle(conn, kDefaultMaxThreadsRunning);
    };
  }
}

void Workflow::RequestStop(bool mark_stopped, absl::string_view message) {
  {
    absl::MutexLock lock(&stop_mu_);
    stop_message_ = std::string(message);
  }
  mark_stopped_ = mark_stopped;
  stop_ = true;
}

absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> Workflow::OpenSession()
    const {
  mysql::ConnectParams p = options_.connect;
  p.multi_statements = true;  // every statement is built with quoting helpers
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> conn,
                      mysql::MysqlConnection::Connect(p));
  // Binlog TIMESTAMP values are decoded in UTC; read and write them so.
  // Foreign key checks on, whatever the server's default: the copy turns
  // them off where it may; the replay follows each change's own setting.
  // ALLOW_INVALID_DATES: a date whose day its month lacks ('2020-02-31',
  // stored by a session allowing it) is written as the source holds it,
  // as INSERT ... SELECT copies it (refused in strict mode, stored as
  // '0000-00-00' otherwise).
  SC_RETURN_IF_ERROR(
      conn
          ->Execute(absl::StrCat(
              "SET SESSION time_zone = '+00:00', sql_mode = ",
              mysql::QuoteString(kSqlMode), ", foreign_key_checks = 1"))
          .status());
  return conn;
}

absl::StatusOr<mysql::MysqlConnection*> Workflow::CopyConnection() {
  if (options_.copy_niceness == 0 && !options_.catchup_alongside_chunks) {
    return conn_.get();
  }
  if (copy_conn_ == nullptr) {
    SC_ASSIGN_OR_RETURN(copy_conn_, OpenSession());
    SC_RETURN_IF_ERROR(TakeLock(*copy_conn_, ".copy", /*keep=*/true));
    // The same sql_mode as conn_ (strict for online DDL: a value the new
    // schema cannot hold fails the copy instead of being truncated).
    SC_ASSIGN_OR_RETURN(std::string mode,
                        mysql::QueryValue(*conn_, "SELECT @@SESSION.sql_mode"));
    SC_RETURN_IF_ERROR(
        copy_conn_
            ->Execute(absl::StrCat(
                "SET SESSION sql_mode = ", mysql::QuoteString(mode),
                ", foreign_key_checks = ",
                copy_without_foreign_key_checks_ ? "0" : "1"))
            .status());
    if (options_.copy_niceness != 0) {
      absl::StatusOr<std::unique_ptr<mysql::ServerThreadNiceness>> niced =
          mysql::ServerThreadNiceness::Set(*copy_conn_, options_.copy_niceness);
      if (niced.ok()) {
        copy_niceness_ = *std::move(niced);
      } else {
        std::cerr << "workflow " << id_ << ": copying at normal priority: "
                  << niced.status().message() << "\n";
      }
    }
  }
  return copy_conn_.get();
}

void Workflow::ReleaseCopyConnection() {
  copy_niceness_.reset();  // put back before the thread serves others
  copy_conn_.reset();
}

std::string Workflow::LockName(absl::string_view role) const {
  return absl::StrCat("sidecut.vreplication.", id_, role);
}

absl::Status Workflow::TakeLock(mysql::Connection& conn, absl::string_view role,
                                bool keep) {
  absl::StatusOr<std::string> taken = mysql::QueryValue(
      conn, absl::StrCat("SELECT GET_LOCK(", mysql::QuoteString(LockName(role)),
                         ", ", absl::ToInt64Seconds(options_.lock_wait), ")"));
  if (!taken.ok() && mysql::MysqlErrno(taken.status()) == 1235) {
    // Not supported here (Galera before MDEV-31325): run unguarded.
    std::cerr << "workflow " << id_ << ": no server lock ("
              << taken.status().message() << ")" << std::endl;
    return absl::OkStatus();
  }
  SC_ASSIGN_OR_RETURN(std::string got, std::move(taken));
  if (got != "1") {
    return absl::UnavailableError(absl::StrCat(
        "workflow ", id_, " is still run by another session (lock ",
        LockName(role),
        " held: a process that died with a commit in flight, or another "
        "daemon on this server)"));
  }
  if (keep) return absl::OkStatus();
  return conn
      .Execute(absl::StrCat("DO RELEASE_LOCK(",
                            mysql::QuoteString(LockName(role)), ")"))
      .status();
}

absl::Status Workflow::Connect() {
  ReleaseCopyConnection();
  session_binlog_format_.clear();
  // One writer per workflow: a process killed while its commit still runs
  // on the server would otherwise overwrite this one's position with an
  // older one. The locks end with the sessions holding them.
  conn_.reset();
  SC_ASSIGN_OR_RETURN(conn_, OpenSession());
  foreign_key_checks_ = true;
  SC_RETURN_IF_ERROR(TakeLock(*conn_, "", /*keep=*/true));
  SC_RETURN_IF_ERROR(TakeLock(*conn_, ".copy", /*keep=*/false));
  // MariaDB always makes commits visible in binlog order (commit_ordered);
  // MySQL only with binlog_order_commits.
  SC_ASSIGN_OR_RETURN(
      mysql::Result ordered,
      conn_->Execute("SHOW GLOBAL VARIABLES LIKE 'binlog_order_commits'"));
  ordered_commits_ = ordered.rows.empty() ||
                     absl::EqualsIgnoreCase(ordered.rows[0].Get(1), "ON");
  SC_ASSIGN_OR_RETURN(
      std::string packet,
      mysql::QueryValue(*conn_, "SELECT @@SESSION.max_allowed_packet"));
  int64_t bytes = 0;
  max_packet_ = absl::SimpleAtoi(packet, &bytes) && bytes > 0
                    ? static_cast<size_t>(bytes)
                    : size_t{1} << 20;
  return absl::OkStatus();
}

absl::Status Workflow::LoadPlans() {
  ++plans_generation_;
  plans_.clear();
  indirect_paths_.reset();
  statement_copy_.clear();
  target_of_source_.clear();
  if (row_.source.filter().rules().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("workflow ", id_, " has no filter rules"));
  }
  if (row_.source.on_ddl() == binlogdata::EXEC ||
      row_.source.on_ddl() == binlogdata::EXEC_IGNORE) {
    // Source and target are one database here: the DDL ran there already,
    // and running it again (a TRUNCATE of the source, say) would binlog it
    // once more, for the stream to run again, and again.
    return absl::FailedPreconditionError(absl::StrCat(
        "workflow ", id_,
        ": on_ddl EXEC and EXEC_IGNORE are not supported (the source's DDL "
        "would run again on the database it came from); use STOP or "
        "IGNORE"));
  }
  // Table names compare as the server does: exactly, unless it folds them
  // (lower_case_table_names 1 or 2); `users` and `Users` are two tables.
  SC_ASSIGN_OR_RETURN(
      std::string lower_case,
      mysql::QueryValue(*conn_, "SELECT @@lower_case_table_names"));
  fold_table_case_ = lower_case != "0";
  target_of_source_ =
      decltype(target_of_source_)(TableNameLess{fold_table_case_});
  for (const binlogdata::Rule& rule : row_.source.filter().rules()) {
    SC_ASSIGN_OR_RETURN(TablePlan plan,
                        BuildTablePlan(*conn_, row_.db_name, rule));
    // The server-side copy replays changes it may already have copied.
    plan.idempotent = options_.server_side_copy && ReplayIsIdempotent(plan);
    // Each change goes to one target: a second rule reading the same
    // table would be copied, then never get a change.
    const auto [seen, added] =
        target_of_source_.emplace(plan.source.table, plan.target.table);
    if (!added) {
      return absl::InvalidArgumentError(
          absl::StrCat("rules for ", mysql::QuoteIdentifier(seen->second),
                       " and ", mysql::QuoteIdentifier(plan.target.table),
                       " both read ", mysql::QuoteIdentifier(plan.source.table),
                       ": a table's changes can go to one target only"));
    }
    plans_[plan.target.table] = std::move(plan);
  }
  return MarkForeignKeyOrder();
}

absl::Status Workflow::MarkForeignKeyOrder() {
  // A foreign key between targets (a parent and its child copied
  // together, or a table and itself): their changes apply in the binlog's
  // order. One to a table outside the workflow (a live parent) leaves the
  // order free. One query, naming the children among the targets.
  std::string targets;
  for (const auto& [name, plan] : plans_) {
    absl::StrAppend(&targets, targets.empty() ? "" : ", ",
                    mysql::QuoteString(name));
  }
  SC_ASSIGN_OR_RETURN(mysql::Result keys,
                      conn_->Execute(absl::StrCat(
                          "SELECT TABLE_NAME, REFERENCED_TABLE_NAME, "
                          "DELETE_RULE, UPDATE_RULE FROM "
                          "information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                          "CONSTRAINT_SCHEMA = ",
                          mysql::QuoteString(row_.db_name),
                          " AND UNIQUE_CONSTRAINT_SCHEMA = CONSTRAINT_SCHEMA "
                          "AND TABLE_NAME IN (",
                          targets, ")")));
  auto plan_of = [&](absl::string_view table) -> TablePlan* {
    for (auto& [name, plan] : plans_) {
      if (SameName(name, table)) return &plan;
    }
    return nullptr;
  };
  bool between_targets = false;
  bool cascades = false;
  parents_of_.clear();
  for (const mysql::Row& r : keys.rows) {
    TablePlan* child = plan_of(r.Get(0));
    TablePlan* parent = plan_of(r.Get(1));
    if (child != nullptr && parent != nullptr) {
      child->keep_order = parent->keep_order = true;
      child->copy_unchecked = true;
      between_targets = true;
      parents_of_[child->target.table].insert(parent->target.table);
      for (absl::string_view rule : {r.Get(2), r.Get(3)}) {
        cascades |= rule != "RESTRICT" && rule != "NO ACTION";
      }
    }
  }
  // The copy then writes without checks, as Vitess copies: it takes the
  // tables one after the other, so a child's rows (and the changes
  // replayed to them meanwhile) would refer to parent rows not copied yet.
  // The source checked them; the replay keeps its order. Not where a key
  // between targets cascades or sets NULL: without checks the target's
  // own key would not cascade a replayed parent change (the binlog does
  // not hold the source's cascades).
  copy_without_foreign_key_checks_ = between_targets && !cascades;
  // Which targets take part in a foreign key (child or parent) or have
  // CHECK constraints (Workflow::Play).
  const std::string db = mysql::QuoteString(row_.db_name);
  SC_ASSIGN_OR_RETURN(
      mysql::Result linked,
      conn_->Execute(absl::StrCat(
          "SELECT TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
          "WHERE CONSTRAINT_SCHEMA = ",
          db, " AND TABLE_NAME IN (", targets,
          ") UNION SELECT REFERENCED_TABLE_NAME FROM "
          "information_schema.REFERENTIAL_CONSTRAINTS WHERE "
          "UNIQUE_CONSTRAINT_SCHEMA = ",
          db, " AND REFERENCED_TABLE_NAME IN (", targets, ")")));
  for (const mysql::Row& r : linked.rows) {
    if (TablePlan* plan = plan_of(r.Get(0))) plan->foreign_keys = true;
  }
  SC_ASSIGN_OR_RETURN(
      mysql::Result checked,
      conn_->Execute(absl::StrCat("SELECT DISTINCT TABLE_NAME FROM "
                                  "information_schema.CHECK_CONSTRAINTS "
                                  "WHERE CONSTRAINT_SCHEMA = ",
                                  db, " AND TABLE_NAME IN (", targets, ")")));
  for (const mysql::Row& r : checked.rows) {
    if (TablePlan* plan = plan_of(r.Get(0))) plan->checks = true;
  }
  return absl::OkStatus();
}

absl::Status Workflow::SetForeignKeyChecks(bool on) {
  SC_RETURN_IF_ERROR(conn_
                         ->Execute(absl::StrCat(
                             "SET SESSION foreign_key_checks = ", on ? 1 : 0))
                         .status());
  foreign_key_checks_ = on;
  return absl::OkStatus();
}

bool Workflow::SameName(absl::string_view a, absl::string_view b) const {
  return fold_table_case_ ? absl::EqualsIgnoreCase(a, b) : a == b;
}

absl::StatusOr<mysql::Position> Workflow::ServerPosition() {
  SC_ASSIGN_OR_RETURN(std::string gtid,
                      mysql::QueryValue(*conn_, "SELECT @@gtid_binlog_pos"));
  SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos p,
                      mysql::MariadbGtidPos::Parse(gtid));
  return mysql::Position(std::move(p));
}

absl::Status Workflow::SavePosition(int64_t txn_timestamp,
                                    bool in_transaction) {
  std::string sql = SavePositionSql(id_, pos_.ToString(), txn_timestamp);
  const std::string xa = xa_watch_.SaveSql(id_);
  if (xa.empty() || in_transaction) {
    if (!xa.empty()) absl::StrAppend(&sql, ";\n", xa);
    SC_RETURN_IF_ERROR(conn_->Execute(sql).status());
    if (!in_transaction) xa_watch_.Saved();
    return absl::OkStatus();
  }
  absl::Status s =
      conn_->Execute(absl::StrCat("BEGIN;\n", sql, ";\n", xa, ";\nCOMMIT"))
          .status();
  if (!s.ok()) {
    conn_->Execute("ROLLBACK").IgnoreError();
    return s;
  }
  xa_watch_.Saved();
  return absl::OkStatus();
}

void Workflow::SetCommitted() {
  if (!playing_) return;
  absl::MutexLock lock(&committed_mu_);
  committed_ = pos_;
}

absl::Status Workflow::StartCopyIfNew() {
  // A workflow without a position has copied nothing (the first chunk or
  // snapshot saves one): new, or one whose first run failed before it
  // could start (its state Error, not Init).
  if (!row_.pos.empty()) return absl::OkStatus();
  // Every table starts with no lastpk. Written together so that a crash
  // leaves either nothing or everything.
  SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
  SC_RETURN_IF_ERROR(
      conn_
          ->Execute(
              absl::StrCat("DELETE FROM _vt.copy_state WHERE vrepl_id = ", id_))
          .status());
  // Nor does it watch yet (a position reset by hand leaves a record).
  SC_RETURN_IF_ERROR(conn_->Execute(ForgetXaWatchSql(id_)).status());
  // Copied in this order (copy_state's ids): parents before their
  // children among the targets, so a child's rows find theirs (where the
  // copy keeps its foreign key checks: a key that cascades); by name
  // otherwise, and for a cycle.
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (order.size() < plans_.size()) {
    const size_t before = order.size();
    for (const auto& [target, plan] : plans_) {
      if (placed.count(target) > 0) continue;
      bool ready = true;
      auto parents = parents_of_.find(target);
      if (parents != parents_of_.end()) {
        for (const std::string& parent : parents->second) {
          ready = ready && (parent == target || placed.count(parent) > 0);
        }
      }
      if (!ready) continue;
      order.push_back(target);
      placed.insert(target);
    }
    if (order.size() == before) {  // a cycle: the rest by name
      for (const auto& [target, plan] : plans_) {
        if (placed.insert(target).second) order.push_back(target);
      }
    }
  }
  for (const std::string& target : order) {
    SC_RETURN_IF_ERROR(
        conn_
            ->Execute(absl::StrCat("INSERT INTO _vt.copy_state (vrepl_id, "
                                   "table_name, lastpk) VALUES (",
                                   id_, ", ", mysql::QuoteString(target),
                                   ", NULL)"))
            .status());
  }
  SC_RETURN_IF_ERROR(
      conn_
          ->Execute(absl::StrCat("UPDATE _vt.vreplication SET state = "
                                 "'Copying', message = '' WHERE id = ",
                                 id_))
          .status());
  SC_RETURN_IF_ERROR(conn_->Execute("COMMIT").status());
  xa_watch_ = XaWatch();
  return absl::OkStatus();
}

// A transaction prepared (two-phase XA) before the copy's first position
// is logged before the stream's start, and a snapshot (or an unlocked
// chunk) does not see it until it commits: its rows would be missed.
// (Prepared ones seen in the stream fail the workflow when they touch its
// tables.) Checked before the copy starts, and again once its first
// position is read: in the first chunk's transaction (server-side copy),
// right after the first snapshot (client-side).
absl::Status Workflow::CheckNoPreparedXa() {
  SC_ASSIGN_OR_RETURN(absl::optional<size_t> prepared,
                      options_.prepared_xa_count
                          ? options_.prepared_xa_count(*conn_)
                          : PreparedXaCount(*conn_));
  if (!prepared.has_value()) {
    std::cerr << "workflow " << id_
              << ": cannot check for prepared XA transactions (XA RECOVER "
                 "refused: no privilege); a transaction prepared before the "
                 "copy fails the workflow when it commits (the copy would "
                 "lack its rows)"
              << std::endl;
    return absl::OkStatus();
  }
  if (*prepared == 0) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      *prepared,
      " prepared XA transaction(s) are pending (XA RECOVER lists them): the "
      "copy would miss their rows if they commit later; end them with XA "
      "COMMIT or XA ROLLBACK, then start the workflow again"));
}

absl::Status Workflow::CheckBinlog() {
  absl::StatusOr<mysql::Result> settings = conn_->Execute(
      "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, "
      "@@GLOBAL.binlog_row_image, "
      "@@GLOBAL.binlog_row_metadata");
  if (!settings.ok() && mysql::MysqlErrno(settings.status()) == 1193) {
    return absl::FailedPreconditionError(
        absl::StrCat("the server's binlog cannot be replayed exactly (no "
                     "binlog_row_metadata: MariaDB 10.5 or MySQL 8.0 needed): ",
                     settings.status().message()));
  }
  SC_ASSIGN_OR_RETURN(mysql::Result r, std::move(settings));
  if (r.rows.empty()) return absl::InternalError("no binlog settings");
  const mysql::Row& v = r.rows[0];
  std::vector<std::string> wrong;
  if (v.Get(0) != "1") wrong.push_back("log_bin is OFF (needs ON)");
  auto need = [&](int i, const char* name, const char* value) {
    if (!absl::EqualsIgnoreCase(v.Get(i), value)) {
      wrong.push_back(
          absl::StrCat(name, " is ", v.Get(i), " (needs ", value, ")"));
    }
  };
  need(1, "binlog_format", "ROW");
  need(2, "binlog_row_image", "FULL");
  need(3, "binlog_row_metadata", "FULL");
  if (wrong.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the server's binlog cannot be replayed exactly: ",
      absl::StrJoin(wrong, ", "),
      "; set it with SET GLOBAL and in the server's configuration, have "
      "clients reconnect (sessions keep the value they started with), then "
      "start the workflow again"));
}

absl::Status Workflow::RunOnce() {
  playing_ = false;
  stream_.reset();  // reopened where the saved position says
  SC_RETURN_IF_ERROR(Connect());
  // Every change as full rows with its columns' names and signedness.
  SC_RETURN_IF_ERROR(CheckBinlog());
  SC_RETURN_IF_ERROR(EnsureSidecarSchema(*conn_));
  SC_ASSIGN_OR_RETURN(row_, ReadWorkflow(*conn_, id_));
  // Vitess writes the largest BIGINT for "no limit".
  max_tps_ = row_.max_tps > 0 && row_.max_tps < 1000000000 ? row_.max_tps : 0;
  if (row_.state == kStateStopped) return absl::OkStatus();
  if (row_.workflow_type == kWorkflowTypeOnlineDdl) {
    // A value the new schema cannot hold fails the migration instead of
    // being silently truncated.
    SC_RETURN_IF_ERROR(
        conn_
            ->Execute(absl::StrCat("SET SESSION sql_mode = ",
                                   mysql::QuoteString(absl::StrCat(
                                       "STRICT_ALL_TABLES,", kSqlMode))))
            .status());
  }
  SC_ASSIGN_OR_RETURN(pos_, mysql::Position::Parse(row_.pos));
  // The XA watch recorded with that position (one a killed process left).
  SC_RETURN_IF_ERROR(xa_watch_.Load(*conn_, id_));
  SC_ASSIGN_OR_RETURN(collations_, LoadCollations(*conn_));
  SC_RETURN_IF_ERROR(LoadPlans());
  if (row_.workflow_type == kWorkflowTypeOnlineDdl &&
      std::any_of(plans_.begin(), plans_.end(),
                  [](const auto& p) { return ConvertsIntoDates(p.second); })) {
    // A string naming a day its month lacks ('2020-02-31') fails the
    // migration, as a native ALTER in strict mode refuses it; a date
    // column holding such a day then fails too (its replayed literal
    // refused), where it would otherwise be kept as the source holds it.
    SC_RETURN_IF_ERROR(
        conn_
            ->Execute(
                absl::StrCat("SET SESSION sql_mode = ",
                             mysql::QuoteString(absl::StrCat(
                                 "STRICT_ALL_TABLES,", kSqlModeDatesChecked))))
            .status());
  }
  SC_RETURN_IF_ERROR(StartCopyIfNew());
  SC_RETURN_IF_ERROR(Copy());
  if (stop_) return absl::OkStatus();
  if (pos_.empty()) {
    // Nothing to copy (no table matched): the stream starts from now, not
    // from the oldest binlog.
    SC_ASSIGN_OR_RETURN(pos_, ServerPosition());
    SC_RETURN_IF_ERROR(SavePosition(0));
  }
  SC_RETURN_IF_ERROR(SetState(*conn_, id_, kStateRunning, ""));
  absl::optional<mysql::Position> stop_at;
  if (!row_.stop_pos.empty()) {
    SC_ASSIGN_OR_RETURN(mysql::Position sp,
                        mysql::Position::Parse(row_.stop_pos));
    stop_at = sp;
  }
  playing_ = true;
  SetCommitted();
  SC_RETURN_IF_ERROR(Play(stop_at, /*copy_filter=*/false));
  if (stop_at.has_value() && pos_.AtLeast(*stop_at) && !stop_) {
    SC_RETURN_IF_ERROR(
        SetState(*conn_, id_, kStateStopped,
                 "Reached stopping position, done playing logs"));
  }
  return absl::OkStatus();
}

absl::Status Workflow::Run() {
  absl::Duration backoff = options_.retry_backoff;
  while (true) {
    absl::Status s = RunOnce();
    if (stop_) {
      if (mark_stopped_ && conn_ != nullptr) {
        conn_->Execute("ROLLBACK").IgnoreError();
        std::string message;
        {
          absl::MutexLock lock(&stop_mu_);
          message = stop_message_;
        }
        // One that stopped itself meanwhile keeps why (MarkStopped); one
        // that failed for good says so.
        if (!s.ok() && IsPermanent(s)) message = std::string(s.message());
        MarkStopped(*conn_, id_, message).IgnoreError();
      }
      return absl::OkStatus();
    }
    if (s.ok()) return s;
    // Record the error on a fresh session (the old one may be mid-transaction).
    bool permanent = IsPermanent(s);
    if (Connect().ok()) {
      // A row failing a CHECK constraint (a JSON value that is not JSON):
      // which one, and why.
      if (permanent) s = ExplainCheckFailure(*conn_, std::move(s));
      SetState(*conn_, id_, kStateError,
               permanent ? std::string(s.message())
                         : absl::StrCat(s.message(), " (will retry)"))
          .IgnoreError();
    }
    if (permanent) return s;
    absl::Time until = clock_->Now() + backoff;
    while (!stop_ && clock_->Now() < until) {
      clock_->SleepFor(
          std::min(absl::Milliseconds(100), until - clock_->Now()));
    }
    backoff = std::min(backoff * 2, absl::Seconds(30));
  }
}

}  // namespace vreplication
}  // namespace sidecut
