#include "onlineddl/cut_over.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "util/wait.h"
#include "vreplication/filter.h"

namespace sidecut {
namespace onlineddl {
namespace {

using mysql::QuoteQualified;
using mysql::QuoteString;

int64_t WholeSeconds(absl::Duration d) {
  return std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(d))));
}

}  // namespace

// A statement that may wait long (B's RENAME, a lock bounded below the
// session's timeout) issued on its own thread.
class PreparedCutOver::PendingStatement {
 public:
  PendingStatement(mysql::Connection* conn, std::string sql,
                   absl::Duration send_delay)
      : conn_(conn), thread_([this, sql, send_delay] {
          absl::SleepFor(send_delay);
          absl::Status s = conn_->Execute(sql).status();
          absl::MutexLock lock(&mu_);
          status_ = s;
          done_ = true;
        }) {}
  ~PendingStatement() {
    if (thread_.joinable()) thread_.join();
  }
  bool done() {
    absl::MutexLock lock(&mu_);
    return done_;
  }
  // Whether the RENAME ended within `timeout`.
  bool WaitDone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
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

PreparedCutOver::PreparedCutOver(mysql::ConnectionFactory& factory,
                                 CutOverRequest request, CutOverOptions options,
                                 Clock* clock)
    : factory_(factory),
      request_(std::move(request)),
      options_(options),
      clock_(clock) {}

PreparedCutOver::~PreparedCutOver() { Abort(); }

std::string PreparedCutOver::Table(const std::string& name) const {
  return QuoteQualified(request_.db, name);
}

absl::StatusOr<mysql::Position> BinlogEnd(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(std::string gtid,
                      mysql::QueryValue(conn, "SELECT @@gtid_binlog_pos"));
  SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos p,
                      mysql::MariadbGtidPos::Parse(gtid));
  return mysql::Position(std::move(p));
}

absl::StatusOr<std::unique_ptr<PreparedCutOver>> PreparedCutOver::Prepare(
    mysql::ConnectionFactory& factory, CutOverRequest request,
    CutOverOptions options, Clock* clock, bool* stream_stopped,
    absl::Time group_deadline) {
  std::unique_ptr<PreparedCutOver> p(
      new PreparedCutOver(factory, std::move(request), options, clock));
  absl::Status s = p->Open();
  if (s.ok()) s = p->CatchUp();
  if (s.ok()) {
    bool gave_up = false;
    GroupLock group;
    group.deadline = group_deadline;
    group.floor = std::min(options.threshold, absl::Seconds(1));
    group.bounds_settle = false;
    s = p->LockTables(options.holding_others, &gave_up, group);
  }
  if (s.ok()) s = p->Settle();
  if (stream_stopped != nullptr) *stream_stopped = p->stream_stopped_;
  if (!s.ok()) {
    p->Abort();
    return s;
  }
  return p;
}

absl::Status PreparedCutOver::CatchUpOnly(mysql::ConnectionFactory& factory,
                                          CutOverRequest request,
                                          CutOverOptions options,
                                          Clock* clock) {
  PreparedCutOver p(factory, std::move(request), options, clock);
  p.finished_ = true;  // nothing to undo
  SC_ASSIGN_OR_RETURN(p.a_, factory.Connect());
  return p.CatchUp();
}

absl::StatusOr<std::vector<std::unique_ptr<PreparedCutOver>>> PrepareTogether(
    mysql::ConnectionFactory& factory,
    const std::vector<CutOverRequest>& requests,
    std::vector<CutOverOptions> options, Clock* clock,
    std::vector<bool>* stream_stopped) {
  const size_t n = requests.size();
  if (stream_stopped != nullptr) stream_stopped->assign(n, false);
  if (options.size() != n) {
    return absl::InvalidArgumentError(
        "cut-over: one set of options per table prepared together");
  }
  std::vector<std::unique_ptr<PreparedCutOver>> group;
  auto fail = [&](const absl::Status& s) {
    for (size_t i = 0; i < group.size(); ++i) {
      group[i]->Abort();
      if (stream_stopped != nullptr) {
        (*stream_stopped)[i] = group[i]->stream_stopped_;
      }
    }
    return s;
  };
  for (size_t i = 0; i < n; ++i) {
    group.emplace_back(
        new PreparedCutOver(factory, requests[i], options[i], clock));
    absl::Status s = group[i]->Open();
    if (s.ok()) s = group[i]->CatchUp();
    if (!s.ok()) return fail(s);
  }
  // Each stream fell behind during the others' catch-ups: one more round,
  // in which a stream that kept up just now is accepted at once.
  for (size_t i = 0; n > 1 && i < n; ++i) {
    group[i]->options_.relaxed_at_once = true;
    const absl::Status s = group[i]->CatchUp();
    if (!s.ok()) return fail(s);
  }
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return requests[x].table < requests[y].table;
  });
  absl::Status locked;
  bool gave_up = false;
  for (size_t pass = 0; pass < std::max<size_t>(n, 2); ++pass) {
    locked = absl::OkStatus();
    size_t k = 0;
    for (; k < n && locked.ok(); ++k) {
      // Writes to the first table wait from its lock on: every lock and
      // the whole stall fit in its threshold.
      PreparedCutOver::GroupLock first;
      if (k > 0) first.deadline = group[order[0]]->deadline_;
      locked =
          group[order[k]]->LockTables(/*others_locked=*/k > 0, &gave_up, first);
    }
    if (locked.ok()) break;
    for (auto& p : group) p->Unlock();
    if (!gave_up) break;
    // The next pass begins with the table whose holder waited for us.
    std::rotate(order.begin(), order.begin() + (k - 1), order.begin() + k);
  }
  if (!locked.ok()) {
    return fail(gave_up ? absl::Status(locked.code(),
                                       absl::StrCat(locked.message(),
                                                    " (in every order tried)"))
                        : locked);
  }
  for (size_t i = 0; i < n; ++i) {
    const absl::Status s = group[i]->Settle();
    if (!s.ok()) return fail(s);
  }
  return group;
}

// A prepared cut-over's sessions wait idle for its commit (as long as its
// hold, at most 5 minutes): a server that closes idle sessions sooner
// (wait_timeout, MariaDB's idle_*_timeout) would end A's locks unseen,
// writes running while the controller takes the table for locked. Not
// much longer either: a session whose client is gone unseen (a host lost,
// a TCP session left half-open) holds A's locks, writes stalled, until
// the server ends it (its sentry keeps B's RENAME from running then).
static absl::Status KeepIdleSession(mysql::Connection& c) {
  SC_RETURN_IF_ERROR(c.Execute("SET SESSION wait_timeout = 900").status());
  // Not on MySQL: it has no such variables.
  c.Execute(
       "SET SESSION idle_transaction_timeout = 0, "
       "idle_readonly_transaction_timeout = 0, "
       "idle_write_transaction_timeout = 0")
      .IgnoreError();
  return absl::OkStatus();
}

absl::Status PreparedCutOver::Open() {
  SC_ASSIGN_OR_RETURN(a_, factory_.Connect());
  const int64_t secs = WholeSeconds(options_.threshold);
  SC_RETURN_IF_ERROR(
      a_->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ", secs))
          .status());
  SC_RETURN_IF_ERROR(KeepIdleSession(*a_));
  SC_ASSIGN_OR_RETURN(b_, factory_.Connect());
  SC_RETURN_IF_ERROR(
      b_->Execute(absl::StrCat("SET SESSION lock_wait_timeout = ", 2 * secs))
          .status());
  SC_RETURN_IF_ERROR(KeepIdleSession(*b_));
  // Sees, without waiting, whether B holds a table's exclusive lock.
  SC_ASSIGN_OR_RETURN(probe_, factory_.Connect());
  SC_RETURN_IF_ERROR(
      probe_->Execute("SET SESSION lock_wait_timeout = 0").status());
  SC_RETURN_IF_ERROR(KeepIdleSession(*probe_));
  // One left behind would fail every attempt.
  SC_RETURN_IF_ERROR(
      DropSentry(*a_, request_.db, request_.sentry, {b_->ConnectionId()}));
  return a_
      ->Execute(absl::StrCat("CREATE TABLE ", Table(request_.sentry),
                             " (id INT PRIMARY KEY) ENGINE=InnoDB"))
      .status();
}

absl::Status DropSentry(mysql::Connection& conn, absl::string_view db,
                        absl::string_view sentry,
                        const std::vector<uint64_t>& spared) {
  // Whether or not the sentry is there: a RENAME of a cut-over whose
  // session still holds its table (a host lost, its TCP session not yet
  // ended by the server) runs as soon as that lock ends if the sentry is
  // gone; ended here, it never does.
  std::string ids = absl::StrCat(conn.ConnectionId());
  for (uint64_t id : spared) absl::StrAppend(&ids, ", ", id);
  // As the query names it: quoted, a backtick doubled.
  const std::string quoted = mysql::QuoteIdentifier(sentry);
  const std::string naming = absl::StrCat(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE ID NOT IN (", ids,
      ") AND COMMAND = 'Query' AND (LOCATE(", QuoteString(sentry),
      ", INFO) > 0 OR LOCATE(",
      QuoteString(absl::string_view(quoted).substr(1, quoted.size() - 2)),
      ", INFO) > 0)");
  // Dropped only once they have ended: a RENAME waiting on the table (it
  // takes the table's lock before the sentry's) would run right after.
  std::string left;  // a connection still running one
  const absl::Status ended = WaitFor(
      Clock::Real(), "the queries naming the sentry to end",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(mysql::Result stale, conn.Execute(naming));
        for (const mysql::Row& row : stale.rows) {
          left = std::string(row.Get(0));
          conn.Execute(absl::StrCat("KILL QUERY ", left)).IgnoreError();
        }
        return stale.rows.empty();
      },
      WaitOptions{.timeout = absl::Seconds(2)});
  if (!ended.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the sentry ", mysql::QuoteQualified(db, sentry),
                     " is left: a query naming it (connection ", left,
                     ") did not end when killed: ", ended.message()));
  }
  return conn
      .Execute(absl::StrCat("DROP TABLE IF EXISTS ",
                            mysql::QuoteQualified(db, sentry)))
      .status();
}

// Catches up without the lock first, until one round takes less than
// `converged`: then the stream keeps up with the writes and the catch-up
// under the lock (the write stall) covers only the last moment's
// transactions. A stream that cannot keep up within the threshold fails
// the attempt before any lock is taken.
absl::Status PreparedCutOver::CatchUp() {
  const absl::Time began = clock_->Now();
  const absl::Time deadline = began + options_.threshold;
  // A stream steadily slower than `converged` (a loaded server) never gets
  // a round that short: later, a round of a tenth of the threshold does.
  const absl::Time relax_at =
      options_.relaxed_at_once ? began : began + options_.threshold / 2;
  const absl::Duration relaxed =
      std::max(options_.converged, options_.threshold / 10);
  while (true) {
    SC_ASSIGN_OR_RETURN(mysql::Position end, BinlogEnd(*a_));
    const absl::Time start = clock_->Now();
    absl::Status s = request_.wait_applied(end, deadline);
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "cut-over postponed: the stream does not keep up with the "
          "writes (",
          s.message(), ")"));
    }
    const absl::Time now = clock_->Now();
    if (now - start <= options_.converged) return absl::OkStatus();
    if (now >= relax_at && now - start <= relaxed) return absl::OkStatus();
  }
}

absl::Status PreparedCutOver::LockTables(bool others_locked, bool* gave_up,
                                         const GroupLock& group) {
  *gave_up = false;
  if (options_.force) {
    // Right before the lock: blockers that began during the catch-up go
    // too. Sidecut's own sessions (B among them) are spared.
    SC_RETURN_IF_ERROR(
        KillTableBlockers(*a_, request_.db, {request_.table, request_.shadow},
                          factory_.OwnSessionIds(), options_.use_lock_info)
            .status());
  }
  // Writes wait from the moment the lock is requested (a pending write
  // lock queues them): the stall, and the threshold bounding it, count
  // from here, across the lock wait, the catch-up and the RENAME.
  locked_at_ = clock_->Now();
  deadline_ = locked_at_ + options_.threshold;
  absl::Time lock_deadline = std::min(deadline_, group.deadline);
  lock_deadline =
      std::max(lock_deadline, std::min(deadline_, locked_at_ + group.floor));
  if (group.bounds_settle) deadline_ = lock_deadline;
  const std::string lock =
      absl::StrCat("LOCK TABLES ", Table(request_.table), " WRITE, ",
                   Table(request_.sentry), " WRITE");
  if (!others_locked) {
    SC_RETURN_IF_ERROR(a_->Execute(lock).status());
    locked_ = true;
    return absl::OkStatus();
  }
  // Sent from its own thread, watched for a deadlock, and then killed. A
  // KILL that reaches A before the LOCK does is lost (the next statement
  // starts afresh): killed again until the LOCK ends.
  // The others' writes wait since the first table's lock was requested:
  // this lock waits only for what is left of that table's threshold (the
  // session's lock timeout would give each table the whole threshold).
  PendingStatement pending(a_.get(), lock, absl::ZeroDuration());
  const absl::Time start = absl::Now();
  const absl::Time real_deadline = start + (lock_deadline - locked_at_);
  bool timed_out = false;
  if (!pending.WaitDone(
          std::min(options_.lock_wait_holding_others, real_deadline - start))) {
    while (!pending.WaitDone(absl::Milliseconds(20))) {
      if (absl::Now() >= real_deadline) {
        timed_out = true;
        break;
      }
      if (absl::Now() - start >= options_.lock_wait_holding_others &&
          HolderWaits()) {
        *gave_up = true;
        break;
      }
    }
  }
  while (*gave_up || timed_out) {
    probe_->Execute(absl::StrCat("KILL QUERY ", a_->ConnectionId()))
        .IgnoreError();
    if (pending.WaitDone(absl::Milliseconds(20))) break;
  }
  const absl::Status s = pending.Join();
  if (s.ok()) {  // granted, if only as it was killed
    *gave_up = false;
    locked_ = true;
    return absl::OkStatus();
  }
  if (timed_out) {
    return absl::DeadlineExceededError(absl::StrCat(
        "cut-over: could not lock ", Table(request_.table),
        " within the threshold",
        group.deadline < absl::InfiniteFuture()
            ? ", counted from the first lock of the cut-over's tables"
            : "",
        " (", s.message(), ")"));
  }
  if (!*gave_up) return s;
  return absl::UnavailableError(absl::StrCat(
      "cut-over: gave up locking ", Table(request_.table),
      " while other tables of the cut-over were locked: a transaction "
      "holding it waits for a metadata lock, most likely one of theirs (a "
      "deadlock the server cannot see); this table is not locked"));
}

bool PreparedCutOver::HolderWaits() {
  const std::string waits =
      absl::StrCat("p.ID <> ", a_->ConnectionId(),
                   " AND p.STATE LIKE '%table metadata lock%'");
  if (options_.use_lock_info) {
    absl::StatusOr<std::string> n = mysql::QueryValue(
        *probe_,
        absl::StrCat(
            "SELECT COUNT(*) FROM information_schema.METADATA_LOCK_INFO "
            "m JOIN information_schema.PROCESSLIST p ON p.ID = "
            "m.THREAD_ID WHERE m.TABLE_SCHEMA = ",
            QuoteString(request_.db), " AND m.TABLE_NAME = ",
            QuoteString(request_.table), " AND ", waits));
    if (n.ok()) return *n != "0";
  }
  // Without the plugin: some session that has written in its open
  // transaction waits for a metadata lock (it may hold the table).
  std::string spared;
  for (uint64_t id : factory_.OwnSessionIds()) {
    absl::StrAppend(&spared, ", ", id);
  }
  absl::StatusOr<std::string> n = mysql::QueryValue(
      *probe_,
      absl::StrCat("SELECT COUNT(*) FROM information_schema.PROCESSLIST p "
                   "WHERE ",
                   waits, " AND p.ID NOT IN (0", spared,
                   ") AND p.ID IN (SELECT trx_mysql_thread_id FROM "
                   "information_schema.INNODB_TRX)"));
  return n.ok() && *n != "0";
}

void PreparedCutOver::Unlock() {
  if (!locked_) return;
  locked_ = false;
  a_->Execute("UNLOCK TABLES").IgnoreError();
}

absl::Status PreparedCutOver::Settle() {
  // What must hold for the swap, checked now that nothing can change it
  // (a trigger created before the lock; one created from now on waits,
  // then lands on the new table).
  if (request_.check_locked) SC_RETURN_IF_ERROR(request_.check_locked());
  const absl::Time deadline = deadline_;
  // Everything written before the lock reaches the new table, and the
  // stream stops before B's RENAME takes the shadow's metadata lock.
  SC_ASSIGN_OR_RETURN(result_.locked_position, BinlogEnd(*a_));
  SC_RETURN_IF_ERROR(request_.wait_applied(result_.locked_position, deadline));
  if (request_.stop_stream) {
    stream_stopped_ = true;
    SC_RETURN_IF_ERROR(request_.stop_stream());
  }
  return absl::OkStatus();
}

absl::StatusOr<CutOverResult> PreparedCutOver::Swap() {
  SC_ASSIGN_OR_RETURN(std::vector<CutOverResult> r, SwapTogether({this}));
  return r[0];
}

// The RENAME must wait in the table's lock queue before A unlocks, or
// writers queued meanwhile would run first against the old table. B shows
// "Waiting for table metadata lock" already while it takes the locks of
// names sorting before the table (RENAME locks names in sorted order), so
// that alone is not enough:
//   - with the metadata_lock_info plugin: B holds the exclusive lock of
//     `predecessor`, the name its RENAME locks just before the table, and
//     waits, so it waits on the table;
//   - without the plugin: the probe session (lock_wait_timeout 0) cannot
//     open `predecessor` for SHOW CREATE TABLE (a high-priority shared
//     lock, which only a granted exclusive lock refuses, not one waited
//     for): B holds it. While B still waits for it (another session holds
//     it: a long transaction that read the shadow), A keeps the lock;
//   - when the table is the first name B locks: B has been seen waiting
//     for rename_settle (measured: without this margin 40-70 writes
//     slipped in ~1 of 10 swaps).
static absl::Status WaitRenameQueuedOn(
    mysql::Connection& watcher, mysql::Connection* probe, uint64_t b_id,
    const std::function<bool()>& rename_done, const std::string& db,
    const absl::optional<std::string>& predecessor,
    const CutOverOptions& options, Clock* clock, absl::Time deadline) {
  const std::string waiting = absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ", b_id,
      " AND STATE LIKE '%table metadata lock%'");
  bool lock_info = options.use_lock_info && predecessor.has_value();
  const std::string holds_predecessor =
      lock_info
          ? absl::StrCat(
                "SELECT COUNT(*) FROM information_schema.METADATA_LOCK_INFO "
                "WHERE THREAD_ID = ",
                b_id, " AND TABLE_SCHEMA = ", QuoteString(db),
                " AND TABLE_NAME = ", QuoteString(*predecessor),
                " AND LOCK_MODE = 'MDL_EXCLUSIVE'")
          : "";
  while (true) {
    if (rename_done()) {
      return absl::AbortedError("cut-over RENAME ended before the swap");
    }
    SC_ASSIGN_OR_RETURN(std::string n, mysql::QueryValue(watcher, waiting));
    if (n != "0") {
      if (lock_info) {
        absl::StatusOr<std::string> held =
            mysql::QueryValue(watcher, holds_predecessor);
        if (held.ok() && *held != "0") return absl::OkStatus();
        if (!held.ok()) lock_info = false;  // no plugin: use the margin
      }
      bool probed = false;
      if (!lock_info && predecessor.has_value() && probe != nullptr) {
        absl::Status opened =
            probe
                ->Execute(absl::StrCat("SHOW CREATE TABLE ",
                                       QuoteQualified(db, *predecessor)))
                .status();
        if (mysql::MysqlErrno(opened) == 1205) return absl::OkStatus();
        // Not held by B yet: wait on. Also when the name is no table (the
        // sentry of a table before it in a group swap, dropped as that
        // table was released): B would hold its name all the same
        // (1205, measured), and taken for "no probe" B's wait there might
        // be the earlier table's, and this table released too soon.
        probed = opened.ok() || mysql::MysqlErrno(opened) == 1146;
      }
      if (!lock_info && !probed) {
        clock->SleepFor(options.rename_settle);
        SC_ASSIGN_OR_RETURN(n, mysql::QueryValue(watcher, waiting));
        if (n != "0") return absl::OkStatus();
      }
    }
    if (clock->Now() >= deadline) {
      return absl::DeadlineExceededError(
          "cut-over: the RENAME did not queue within the threshold");
    }
    clock->SleepFor(options.poll);
  }
}

// Waits until nobody holds `shadow`'s metadata lock: the probe session
// (lock_wait_timeout 0) locks it and lets go at once, until `deadline`.
static absl::Status WaitShadowFree(mysql::Connection& probe,
                                   const std::string& db,
                                   const std::string& shadow,
                                   const std::string& table,
                                   const CutOverOptions& options, Clock* clock,
                                   absl::Time deadline) {
  const std::string lock =
      absl::StrCat("LOCK TABLES ", QuoteQualified(db, shadow), " WRITE");
  while (true) {
    const absl::Status s = probe.Execute(lock).status();
    if (s.ok()) return probe.Execute("UNLOCK TABLES").status();
    if (mysql::MysqlErrno(s) != 1205) return s;
    if (clock->Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "cut-over: another session holds the shadow ",
          QuoteQualified(db, shadow),
          " (a transaction that read it?); the RENAME would wait for it "
          "holding ",
          QuoteQualified(db, table), ", writes stalled; nothing was renamed"));
    }
    clock->SleepFor(std::max(options.poll, absl::Milliseconds(5)));
  }
}

// Whether a statement surely did not run: the server answered with an
// error. A lost session (the client's own errors, 2000-2999) may have run
// it all the same.
static bool SurelyFailed(const absl::Status& s) {
  if (s.ok()) return false;
  const int errnum = mysql::MysqlErrno(s);
  return errnum != 0 && (errnum < 2000 || errnum > 2999);
}

// The name sorting just before `name` among `names` (RENAME's lock order:
// byte order within a schema), if any.
static absl::optional<std::string> Predecessor(std::vector<std::string> names,
                                               const std::string& name) {
  std::sort(names.begin(), names.end());
  absl::optional<std::string> before;
  for (const std::string& n : names) {
    if (n >= name) break;
    before = n;
  }
  return before;
}

void PreparedCutOver::Abort() {
  if (finished_) return;
  finished_ = true;
  if (rename_ != nullptr) {
    // A KILL QUERY that reaches B before its RENAME does is lost (the
    // next statement starts afresh), and the RENAME would then wait for
    // A's locks, writes stalled, until B's lock_wait_timeout: killed
    // again until it ends.
    // Sent from the probe session, else A's: either may have been lost
    // (A's, in a group whose B waits on another cut-over's table).
    const std::string kill = absl::StrCat("KILL QUERY ", b_->ConnectionId());
    while (a_ != nullptr && !rename_->done()) {
      if (probe_ == nullptr || !probe_->Execute(kill).ok()) {
        a_->Execute(kill).IgnoreError();
      }
      if (rename_->WaitDone(absl::Milliseconds(20))) break;
    }
    rename_uncertain_ = !SurelyFailed(rename_->Join());
    if (rename_uncertain_ && EndLostRename()) rename_uncertain_ = false;
    rename_.reset();
    rename_group_.clear();
  }
  if (a_ == nullptr) return;
  if (locked_ && !a_->Execute("UNLOCK TABLES").ok()) {
    // A's session lost to us may live on in the server (a TCP session
    // left half-open), its locks stalling writes: ended from another.
    const std::string kill =
        absl::StrCat("KILL CONNECTION ", a_->ConnectionId());
    if (probe_ == nullptr || !probe_->Execute(kill).ok()) {
      absl::StatusOr<std::unique_ptr<mysql::Connection>> c = factory_.Connect();
      if (c.ok()) (*c)->Execute(kill).IgnoreError();
    }
  }
  // A RENAME whose end is unknown may still be queued: it fails for sure
  // while the sentry exists. The next attempt, or the migration's end,
  // drops it (DropSentry).
  if (rename_uncertain_) return;
  a_->Execute(absl::StrCat("DROP TABLE IF EXISTS ", Table(request_.sentry)))
      .IgnoreError();
}

// B's client lost its session while the RENAME waited, but B's server
// thread may live on, its RENAME still queued: once the locks go, it would
// run (granted before it notices a kill). While a table it renames is
// still locked by its session A, the RENAME cannot have run: B is killed
// by connection and, once its thread is gone from the server, surely did
// nothing. False when that cannot be made sure of (no table locked, A's
// session lost too, B's thread lingering).
bool PreparedCutOver::EndLostRename() {
  PreparedCutOver* holder = nullptr;
  for (PreparedCutOver* p : rename_group_) {
    if (p->locked_ && p->a_ != nullptr) {
      holder = p;
      break;
    }
  }
  if (holder == nullptr) return false;
  const uint64_t b = b_->ConnectionId();
  // A's lock stalls writes meanwhile: a kill wakes a lock wait at once,
  // so B's thread ends within moments.
  const absl::Time give_up =
      std::max(deadline_, clock_->Now() + absl::Seconds(1));
  while (true) {
    holder->a_->Execute(absl::StrCat("KILL CONNECTION ", b)).IgnoreError();
    // Answered on A's session: it (and its lock) is still there.
    absl::StatusOr<std::string> n = mysql::QueryValue(
        *holder->a_,
        absl::StrCat(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ",
            b));
    if (!n.ok()) return false;
    if (*n == "0") return true;
    if (clock_->Now() >= give_up) return false;
    clock_->SleepFor(absl::Milliseconds(5));
  }
}

namespace {
constexpr char kSwapOutcomeUnknownUrl[] = "sidecut.dev/swap_outcome_unknown";
}  // namespace

absl::Status SwapOutcomeUnknownError(absl::string_view message) {
  absl::Status s = absl::UnknownError(message);
  s.SetPayload(kSwapOutcomeUnknownUrl, absl::Cord("1"));
  return s;
}

bool IsSwapOutcomeUnknown(const absl::Status& s) {
  return absl::IsUnknown(s) && s.GetPayload(kSwapOutcomeUnknownUrl).has_value();
}

absl::StatusOr<std::vector<CutOverResult>> SwapTogether(
    const std::vector<PreparedCutOver*>& group) {
  if (group.empty()) return std::vector<CutOverResult>();
  for (PreparedCutOver* p : group) {
    if (p->finished_ || !p->locked_) {
      return absl::FailedPreconditionError(
          "cut-over: not prepared (aborted or already swapped)");
    }
    if (p->request_.db != group[0]->request_.db) {
      return absl::InvalidArgumentError(
          "cut-over: tables swapped together must share a schema");
    }
  }
  PreparedCutOver& first = *group[0];
  Clock* clock = first.clock_;
  const std::string what =
      group.size() > 1 ? absl::StrCat("cut-over of ", group.size(), " tables: ")
                       : "";
  auto abort_all = [&] {
    first.Abort();
    // Its RENAME's end unknown: every sentry still there is kept, and the
    // RENAME (of them all or none) fails for sure.
    for (PreparedCutOver* p : group) {
      if (p == &first) continue;
      p->rename_uncertain_ |= first.rename_uncertain_;
      p->Abort();
    }
  };
  // One atomic RENAME of every table, from the first cut-over's session B.
  std::vector<std::string> names;
  std::string sql = "RENAME TABLE ";
  absl::Duration threshold = absl::InfiniteDuration();
  for (size_t i = 0; i < group.size(); ++i) {
    const CutOverRequest& r = group[i]->request_;
    absl::StrAppend(&sql, i == 0 ? "" : ", ", first.Table(r.table), " TO ",
                    first.Table(r.sentry), ", ", first.Table(r.shadow), " TO ",
                    first.Table(r.table), ", ", first.Table(r.sentry), " TO ",
                    first.Table(r.shadow));
    names.insert(names.end(), {r.table, r.shadow, r.sentry});
    threshold = std::min(threshold, group[i]->options_.threshold);
  }
  // Each table's lock is released only once B waits on that very table
  // (ahead of its queued writers), in B's lock order; a lock released
  // earlier would let writers queued on a later table run against the old
  // one while B still waits on an earlier table.
  std::vector<PreparedCutOver*> order = group;
  std::sort(order.begin(), order.end(),
            [](const PreparedCutOver* a, const PreparedCutOver* b) {
              return a->request_.table < b->request_.table;
            });
  // What is left of the earliest threshold, and at least a moment (a
  // controller may have held a prepared cut-over past it on purpose).
  absl::Time deadline = absl::InfiniteFuture();
  for (PreparedCutOver* p : group) deadline = std::min(deadline, p->deadline_);
  deadline =
      std::max(deadline, clock->Now() + std::min(threshold, absl::Seconds(1)));
  // B waits on the first table (the first name it locks that A holds) and,
  // once the locks go, takes the names sorting after it while holding it:
  // a shadow named so (`T` or `1t` sorts before `_vt_`) held by someone
  // would keep B, and the writes queued behind it, waiting for as long as
  // B's lock timeout (twice the threshold). So it must be free before the
  // RENAME is sent.
  for (PreparedCutOver* p : group) {
    if (p->request_.shadow < order[0]->request_.table) continue;
    const absl::Status s =
        WaitShadowFree(*p->probe_, p->request_.db, p->request_.shadow,
                       p->request_.table, first.options_, clock, deadline);
    if (!s.ok()) {
      abort_all();
      return absl::Status(s.code(), absl::StrCat(what, s.message()));
    }
  }
  first.rename_ = std::make_unique<PreparedCutOver::PendingStatement>(
      first.b_.get(), sql, first.options_.rename_send_delay);
  first.rename_group_ = group;
  PreparedCutOver::PendingStatement* rename = first.rename_.get();
  for (PreparedCutOver* p : order) {
    absl::Status s = WaitRenameQueuedOn(
        *p->a_, p->probe_.get(), first.b_->ConnectionId(),
        [rename] { return rename->done(); }, first.request_.db,
        Predecessor(names, p->request_.table), first.options_, clock, deadline);
    if (s.ok() && rename->done()) {
      // B's client lost its session (or the RENAME failed) just now: with
      // the table still locked, Abort can make sure it does not run.
      s = absl::AbortedError("cut-over RENAME ended before the swap");
    }
    if (s.ok()) {
      s = p->a_
              ->Execute(
                  absl::StrCat("DROP TABLE ", p->Table(p->request_.sentry)))
              .status();
    }
    if (s.ok()) s = p->a_->Execute("UNLOCK TABLES").status();
    if (!s.ok()) {
      if (absl::IsAborted(s)) {
        s = absl::AbortedError(
            absl::StrCat(s.message(), ": ", rename->Join().message()));
      }
      // B's RENAME is killed by the first cut-over's Abort: nothing was
      // renamed; the tables already released serve as before.
      abort_all();
      if (first.rename_uncertain_) {
        return SwapOutcomeUnknownError(absl::StrCat(
            what, s.message(),
            "; the RENAME may have run all the same (it did not fail "
            "outright): whether the tables were swapped is for the binlog "
            "to tell"));
      }
      return absl::Status(s.code(), absl::StrCat(what, s.message()));
    }
    p->locked_ = false;
  }
  // Every lock is released and every sentry dropped: the RENAME runs at
  // once, unless another session holds a name it renames (a shadow opened
  // since the check above), for which it would wait holding the tables it
  // has, writes queued behind it, up to its lock timeout. Past the
  // deadline it is killed: an atomic RENAME killed before it ran renamed
  // nothing, and its session, still there, says which.
  bool killed_late = false;
  if (!rename->WaitDone(
          std::max(absl::ZeroDuration(), deadline - clock->Now()))) {
    killed_late = true;
    while (!rename->done()) {
      first.probe_
          ->Execute(absl::StrCat("KILL QUERY ", first.b_->ConnectionId()))
          .IgnoreError();
      if (rename->WaitDone(absl::Milliseconds(20))) break;
    }
  }
  absl::Status renamed = rename->Join();
  first.rename_.reset();
  const absl::Time now = clock->Now();
  for (PreparedCutOver* p : group) {
    p->finished_ = true;
    p->result_.stall = now - p->locked_at_;
  }
  if (!renamed.ok() && !SurelyFailed(renamed)) {
    return SwapOutcomeUnknownError(absl::StrCat(
        what, "the RENAME's session was lost (", renamed.message(),
        "): whether the tables were swapped is for the binlog to tell"));
  }
  if (!renamed.ok()) {
    // Every lock was released and every sentry dropped: nothing to undo.
    return absl::AbortedError(absl::StrCat(
        what,
        killed_late ? "the RENAME still waited at the threshold after the "
                      "locks were released (another session holds a name "
                      "it renames) and was killed (nothing was renamed): "
                    : "the RENAME failed after the locks were released "
                      "(nothing was renamed): ",
        renamed.message()));
  }
  // The RENAME was session B's last transaction.
  absl::StatusOr<std::string> last =
      mysql::QueryValue(*first.b_, "SELECT @@last_gtid");
  absl::StatusOr<mysql::MariadbGtidPos> gtid =
      last.ok() ? mysql::MariadbGtidPos::Parse(*last)
                : absl::StatusOr<mysql::MariadbGtidPos>(last.status());
  if (!gtid.ok()) {
    // Swapped: the stream, stopping at the RENAME, gives its position.
    return SwapOutcomeUnknownError(absl::StrCat(
        what,
        "the tables were swapped, but the RENAME's position could not "
        "be read: ",
        gtid.status().message()));
  }
  const mysql::Position at_rename(*std::move(gtid));
  std::vector<CutOverResult> results;
  for (PreparedCutOver* p : group) {
    SC_ASSIGN_OR_RETURN(p->result_.rename_position,
                        p->result_.locked_position.Union(at_rename));
    results.push_back(p->result_);
  }
  return results;
}

absl::StatusOr<CutOverResult> CutOver(mysql::ConnectionFactory& factory,
                                      const CutOverRequest& request,
                                      const CutOverOptions& options,
                                      Clock* clock) {
  SC_ASSIGN_OR_RETURN(
      std::unique_ptr<PreparedCutOver> p,
      PreparedCutOver::Prepare(factory, request, options, clock));
  return p->Swap();
}

std::string SentryName(absl::string_view table, absl::string_view unique) {
  // "<table><separator><8 hex>", at most 64 characters (identifiers count
  // characters, not bytes). A name that is a prefix sorts first; past 55
  // characters the table's name is cut at a character boundary and the
  // separator must sort after the character it replaces: '~' after ASCII
  // letters, digits and '_', U+FFEE after any other character a table name
  // has (names are utf8mb3; metadata locks compare their UTF-8 bytes).
  std::string tag;
  for (char c : unique) {
    if (absl::ascii_isxdigit(static_cast<unsigned char>(c))) tag += c;
    if (tag.size() == 8) break;
  }
  size_t cut = 0;
  for (int chars = 0; cut < table.size() && chars < 55; ++chars) {
    const unsigned char lead = static_cast<unsigned char>(table[cut]);
    cut += lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  }
  cut = std::min(cut, table.size());
  absl::string_view separator = "~";
  if (cut < table.size() && static_cast<unsigned char>(table[cut]) >= '~') {
    separator = "\xEF\xBF\xAE";  // U+FFEE
  }
  return absl::StrCat(table.substr(0, cut), separator, tag);
}

namespace {

// Whether running statement `info` (session default database `session_db`)
// names one of `tables` of `db`.
bool NamesOneOf(absl::string_view info, absl::string_view session_db,
                absl::string_view db, const std::vector<std::string>& tables) {
  if (!vreplication::StatementTouchesDatabase(info, session_db, db)) {
    return false;
  }
  for (const std::string& t : tables) {
    if (vreplication::StatementMentionsTable(info, t)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<int> KillTableBlockers(mysql::Connection& conn,
                                      absl::string_view db,
                                      const std::vector<std::string>& tables,
                                      const std::vector<uint64_t>& spare,
                                      bool use_lock_info) {
  std::string spared;
  for (uint64_t id : spare) absl::StrAppend(&spared, ", ", id);
  std::string names;
  for (const std::string& t : tables) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", QuoteString(t));
  }
  // Never replication's threads (a replica's applier holds tables too) nor
  // the server's own.
  const std::string others = absl::StrCat(
      "p.ID NOT IN (CONNECTION_ID()", spared,
      ") AND p.COMMAND NOT IN ('Binlog Dump', 'Daemon', 'Slave_IO', "
      "'Slave_SQL', 'Slave_worker')");
  std::vector<std::string> victims;
  absl::StatusOr<mysql::Result> holders =
      use_lock_info
          ? conn.Execute(absl::StrCat(
                "SELECT DISTINCT m.THREAD_ID FROM "
                "information_schema.METADATA_LOCK_INFO m JOIN "
                "information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID WHERE "
                "BINARY m.TABLE_SCHEMA = ",
                QuoteString(db), " AND BINARY m.TABLE_NAME IN (", names,
                ") AND ", others))
          : absl::StatusOr<mysql::Result>(
                absl::UnavailableError("lock info not used"));
  // Only a server without the plugin (no such table: errno 1109) is
  // handled by the broad rule below; another error (a lost session, a
  // timeout) kills nothing.
  if (use_lock_info && !holders.ok() &&
      mysql::MysqlErrno(holders.status()) != 1109) {
    return holders.status();
  }
  if (holders.ok()) {
    // Exactly the sessions holding a table's metadata lock: open
    // transactions that used it, LOCK TABLES, running statements...
    for (const mysql::Row& row : holders->rows) {
      victims.emplace_back(row.Get(0));
    }
    // ...and DDL (or LOCK TABLES) queued for it: granted ahead of the
    // cut-over's lock, it would run first (a long ALTER). Queued reads
    // and single-table writes are granted and done in a moment.
    SC_ASSIGN_OR_RETURN(
        mysql::Result waiting,
        conn.Execute(absl::StrCat(
            "SELECT p.ID, p.DB, p.INFO FROM information_schema.PROCESSLIST p "
            "WHERE p.COMMAND IN ('Query', 'Execute') AND p.STATE LIKE "
            "'%metadata lock%' "
            "AND p.INFO IS NOT NULL AND ",
            others)));
    for (const mysql::Row& row : waiting.rows) {
      const absl::string_view info = row.Get(2);
      const absl::string_view verb = absl::StripLeadingAsciiWhitespace(info);
      if (vreplication::SingleTableWritten(info, "").has_value() ||
          absl::StartsWithIgnoreCase(verb, "select") ||
          !NamesOneOf(info, row.IsNull(1) ? "" : row.Get(1), db, tables)) {
        continue;
      }
      victims.emplace_back(row.Get(0));
    }
  } else {
    // Without the metadata_lock_info plugin: running statements (plain or
    // prepared) that name a table in its database, and sessions of that
    // database (or of none) sleeping inside a transaction: any of them may
    // hold a table's metadata lock. Other databases' sessions are spared.
    std::cerr << "force cut-over of " << QuoteString(db)
              << ": the metadata_lock_info plugin is not loaded (INSTALL "
                 "SONAME 'metadata_lock_info'); killing the statements "
                 "naming the table and the database's idle transactions"
              << std::endl;
    SC_ASSIGN_OR_RETURN(
        mysql::Result r,
        conn.Execute(absl::StrCat(
            "SELECT p.ID, p.COMMAND, p.DB, p.INFO FROM "
            "information_schema.PROCESSLIST p WHERE ",
            others,
            " AND (p.COMMAND IN ('Query', 'Execute') OR (p.COMMAND = 'Sleep' "
            "AND (p.DB IS NULL OR BINARY p.DB = ",
            QuoteString(db),
            ") AND p.ID IN (SELECT trx_mysql_thread_id FROM "
            "information_schema.INNODB_TRX)))")));
    for (const mysql::Row& row : r.rows) {
      if (row.Get(1) == "Sleep") {
        victims.emplace_back(row.Get(0));
        continue;
      }
      if (row.IsNull(3)) continue;
      if (NamesOneOf(row.Get(3), row.IsNull(2) ? "" : row.Get(2), db, tables)) {
        victims.emplace_back(row.Get(0));
      }
    }
  }
  std::sort(victims.begin(), victims.end());
  victims.erase(std::unique(victims.begin(), victims.end()), victims.end());
  int killed = 0;
  for (const std::string& id : victims) {
    absl::Status s =
        conn.Execute(absl::StrCat("KILL CONNECTION ", id)).status();
    if (s.ok()) ++killed;  // it may have ended meanwhile
  }
  return killed;
}

}  // namespace onlineddl
}  // namespace sidecut
