#include "onlineddl/cut_over.h"

#include <cmath>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using mysql::QuoteQualified;
using mysql::QuoteString;

int64_t WholeSeconds(absl::Duration d) {
  return std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d))));
}

// The RENAME issued from session B on its own thread.
class PendingRename {
 public:
  PendingRename(mysql::Connection* conn, std::string sql)
      : conn_(conn), thread_([this, sql] {
          absl::Status s = conn_->Execute(sql).status();
          absl::MutexLock lock(&mu_);
          status_ = s;
          done_ = true;
        }) {}
  ~PendingRename() {
    if (thread_.joinable()) thread_.join();
  }
  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }
  // Waits for the RENAME to end; may be called more than once.
  absl::Status Join() {
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  mysql::Connection* conn_;
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class CutOverRun {
 public:
  CutOverRun(mysql::ConnectionFactory& factory, const CutOverRequest& r,
             const CutOverOptions& o, Clock* clock)
      : factory_(factory), r_(r), o_(o), clock_(clock) {}

  absl::StatusOr<CutOverResult> Run() {
    SC_RETURN_IF_ERROR(Prepare());
    if (absl::Status s = CatchUp(); !s.ok()) {
      Abort();
      return s;
    }
    absl::Status s = LockAndSwap();
    if (!s.ok()) {
      Abort();
      return s;
    }
    return result_;
  }

 private:
  std::string Table(const std::string& name) {
    return QuoteQualified(r_.db, name);
  }

  absl::Status Prepare() {
    SC_ASSIGN_OR_RETURN(a_, factory_.Connect());
    SC_ASSIGN_OR_RETURN(b_, factory_.Connect());
    const int64_t secs = WholeSeconds(o_.threshold);
    SC_RETURN_IF_ERROR(
        a_->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ", secs))
            .status());
    SC_RETURN_IF_ERROR(
        b_->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ", 2 * secs))
            .status());
    if (o_.force) {
      SC_RETURN_IF_ERROR(KillTableBlockers(*a_, r_.db, r_.table).status());
    }
    return a_
        ->Execute(absl::StrCat("CREATE TABLE ", Table(r_.sentry),
                               " (id INT PRIMARY KEY) ENGINE=InnoDB"))
        .status();
  }

  // Catches up without the lock first, until one round takes less than
  // `converged`: then the stream keeps up with the writes and the catch-up
  // under the lock (the write stall) covers only the last moment's
  // transactions. A stream that cannot keep up within the threshold fails
  // the attempt before any lock is taken.
  absl::Status CatchUp() {
    const absl::Time deadline = clock_->Now() + o_.threshold;
    while (true) {
      SC_ASSIGN_OR_RETURN(std::string gtid,
                          mysql::QueryValue(*a_, "SELECT @@gtid_binlog_pos"));
      SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos p,
                          mysql::MariadbGtidPos::Parse(gtid));
      const absl::Time start = clock_->Now();
      absl::Status s = r_.wait_applied(mysql::Position(std::move(p)), deadline);
      if (!s.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "cut-over postponed: the stream does not keep up with the "
            "writes (",
            s.message(), ")"));
      }
      if (clock_->Now() - start <= o_.converged) return absl::OkStatus();
    }
  }

  absl::Status LockAndSwap() {
    SC_RETURN_IF_ERROR(
        a_->Execute(absl::StrCat("LOCK TABLES ", Table(r_.table), " WRITE, ",
                                 Table(r_.sentry), " WRITE"))
            .status());
    locked_ = true;
    const absl::Time locked_at = clock_->Now();
    const absl::Time deadline = locked_at + o_.threshold;
    // Everything written before the lock reaches the new table, and the
    // stream stops before B's RENAME takes the shadow's metadata lock.
    SC_ASSIGN_OR_RETURN(std::string gtid,
                        mysql::QueryValue(*a_, "SELECT @@gtid_binlog_pos"));
    SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos p,
                        mysql::MariadbGtidPos::Parse(gtid));
    result_.locked_position = mysql::Position(std::move(p));
    SC_RETURN_IF_ERROR(r_.wait_applied(result_.locked_position, deadline));
    if (r_.stop_stream) SC_RETURN_IF_ERROR(r_.stop_stream());
    // B takes the shadow's lock, then queues on the table's, ahead of the
    // writers; the sentry sorts after the table, so B does not wait on it.
    rename_ = std::make_unique<PendingRename>(
        b_.get(),
        absl::StrCat("RENAME TABLE ", Table(r_.table), " TO ", Table(r_.sentry),
                     ", ", Table(r_.shadow), " TO ", Table(r_.table), ", ",
                     Table(r_.sentry), " TO ", Table(r_.shadow)));
    SC_RETURN_IF_ERROR(WaitRenameQueued(deadline));
    SC_RETURN_IF_ERROR(
        a_->Execute(absl::StrCat("DROP TABLE ", Table(r_.sentry))).status());
    SC_RETURN_IF_ERROR(a_->Execute("UNLOCK TABLES").status());
    locked_ = false;
    absl::Status renamed = rename_->Join();
    rename_.reset();
    result_.stall = clock_->Now() - locked_at;
    if (!renamed.ok()) {
      return absl::AbortedError(
          absl::StrCat("cut-over RENAME failed after the lock was released: ",
                       renamed.message()));
    }
    // The RENAME was session B's last transaction.
    SC_ASSIGN_OR_RETURN(std::string last,
                        mysql::QueryValue(*b_, "SELECT @@last_gtid"));
    SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos rename,
                        mysql::MariadbGtidPos::Parse(last));
    SC_ASSIGN_OR_RETURN(
        result_.rename_position,
        result_.locked_position.Union(mysql::Position(std::move(rename))));
    return absl::OkStatus();
  }

  // The RENAME must wait in the table's lock queue before A unlocks, or
  // writers queued meanwhile would run first against the old table. B shows
  // "Waiting for table metadata lock" already while it takes the shadow's
  // lock (names lock in sorted order), so that alone is not enough:
  //   - with the metadata_lock_info plugin: B holds the shadow's exclusive
  //     lock and waits, so it waits on the table (the sentry comes after
  //     the table, which A holds);
  //   - without it: B has been seen waiting for rename_settle (measured:
  //     without this margin 40-70 writes slipped in ~1 of 10 swaps).
  absl::Status WaitRenameQueued(absl::Time deadline) {
    const std::string waiting = absl::StrCat(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ",
        b_->ConnectionId(), " AND STATE LIKE '%metadata lock%'");
    const std::string holds_shadow = absl::StrCat(
        "SELECT COUNT(*) FROM information_schema.METADATA_LOCK_INFO WHERE "
        "THREAD_ID = ",
        b_->ConnectionId(), " AND TABLE_SCHEMA = ", QuoteString(r_.db),
        " AND TABLE_NAME = ", QuoteString(r_.shadow),
        " AND LOCK_MODE = 'MDL_EXCLUSIVE'");
    bool lock_info = o_.use_lock_info;
    while (true) {
      if (rename_->done()) {
        return absl::AbortedError(
            absl::StrCat("cut-over RENAME ended before the swap: ",
                         rename_->Join().message()));
      }
      SC_ASSIGN_OR_RETURN(std::string n, mysql::QueryValue(*a_, waiting));
      if (n != "0") {
        if (lock_info) {
          absl::StatusOr<std::string> held =
              mysql::QueryValue(*a_, holds_shadow);
          if (held.ok() && *held != "0") return absl::OkStatus();
          if (!held.ok()) lock_info = false;  // no plugin: use the margin
        }
        if (!lock_info) {
          clock_->SleepFor(o_.rename_settle);
          SC_ASSIGN_OR_RETURN(n, mysql::QueryValue(*a_, waiting));
          if (n != "0") return absl::OkStatus();
        }
      }
      if (clock_->Now() >= deadline) {
        return absl::DeadlineExceededError(
            "cut-over: the RENAME did not queue within the threshold");
      }
      clock_->SleepFor(o_.poll);
    }
  }

  void Abort() {
    if (rename_ != nullptr) {
      if (a_ != nullptr) {
        a_->Execute(absl::StrCat("KILL QUERY ", b_->ConnectionId()))
            .IgnoreError();
      }
      rename_->Join().IgnoreError();
      rename_.reset();
    }
    if (a_ == nullptr) return;
    if (locked_) a_->Execute("UNLOCK TABLES").IgnoreError();
    a_->Execute(absl::StrCat("DROP TABLE IF EXISTS ", Table(r_.sentry)))
        .IgnoreError();
  }

  mysql::ConnectionFactory& factory_;
  const CutOverRequest& r_;
  const CutOverOptions& o_;
  Clock* clock_;
  std::unique_ptr<mysql::Connection> a_;
  std::unique_ptr<mysql::Connection> b_;
  std::unique_ptr<PendingRename> rename_;
  bool locked_ = false;
  CutOverResult result_;
};

}  // namespace

std::string SentryName(absl::string_view table, absl::string_view unique) {
  // "<table>~<8 hex>", at most 64 characters; a shorter prefix sorts
  // first, and '~' after letters, digits and '_'.
  std::string tag;
  for (char c : unique) {
    if (absl::ascii_isxdigit(static_cast<unsigned char>(c))) tag += c;
    if (tag.size() == 8) break;
  }
  std::string name(table.substr(0, std::min<size_t>(table.size(), 55)));
  return absl::StrCat(name, "~", tag);
}

absl::StatusOr<CutOverResult> CutOver(mysql::ConnectionFactory& factory,
                                      const CutOverRequest& request,
                                      const CutOverOptions& options,
                                      Clock* clock) {
  CutOverRun run(factory, request, options, clock);
  return run.Run();
}

absl::StatusOr<int> KillTableBlockers(mysql::Connection& conn,
                                      absl::string_view db,
                                      absl::string_view table) {
  // Statements naming the table, and sessions sleeping inside a
  // transaction (they may hold the table's metadata lock).
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT p.ID FROM information_schema.PROCESSLIST p WHERE p.ID <> "
          "CONNECTION_ID() AND p.COMMAND NOT IN ('Binlog Dump', 'Daemon') AND "
          "((p.DB = ",
          QuoteString(db), " AND p.INFO LIKE CONCAT('%', ", QuoteString(table),
          ", '%') AND p.COMMAND = 'Query') OR (p.COMMAND = 'Sleep' AND "
          "p.ID IN (SELECT trx_mysql_thread_id FROM "
          "information_schema.INNODB_TRX)))")));
  int killed = 0;
  for (const mysql::Row& row : r.rows) {
    absl::Status s =
        conn.Execute(absl::StrCat("KILL CONNECTION ", row.Get(0))).status();
    if (s.ok()) ++killed;  // it may have ended meanwhile
  }
  return killed;
}

}  // namespace onlineddl
}  // namespace sidecut
