// Cut-over on MariaDB: swaps the original table and the caught-up shadow
// with a brief write stall in which writes wait and never fail.
//
// MariaDB cannot RENAME inside LOCK TABLES, so (notes/mariadb.md):
//   0. the stream catches up with the current position, without locks,
//      until it keeps up (a round takes <= `converged`, or, after half the
//      threshold, <= a tenth of it);
//   1. session A creates a sentry table (named to sort after t) and holds
//      LOCK TABLES t WRITE, sentry WRITE; writes to t start to queue;
//   2. A reads the binlog position and waits until the stream applied it,
//      then the stream is stopped (nothing it does can follow the swap);
//   3. session B issues RENAME TABLE t TO sentry, shadow TO t, sentry TO
//      shadow: RENAME locks names in sorted order, so B takes the shadow
//      and queues on t itself, ahead of the queued writes (exclusive
//      requests go first);
//   4. A drops the sentry and unlocks: the RENAME runs first, then the
//      queued writes land in the new t.
// If anything fails before step 4, B's RENAME is killed and A unlocks: t was
// never renamed and serves as before (a B whose client lost its session is
// killed by connection, and A unlocks only once B's thread is gone from the
// server). If A's session dies, B's RENAME fails because the sentry still
// exists, so a half-done swap is impossible.
//
// Thread-compatible: one cut-over at a time per table.
#ifndef SIDECUT_ONLINEDDL_CUT_OVER_H_
#define SIDECUT_ONLINEDDL_CUT_OVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mysql/connection.h"
#include "mysql/gtid.h"
#include "util/clock.h"

namespace sidecut {
namespace onlineddl {

struct CutOverOptions {
  // Longest the write stall may last (lock wait, catch-up, rename
  // queueing, all together; the RENAME gets at least min(threshold, 1 s)).
  // Vitess's default 10 s; the strategy flag allows 5 s–30 s.
  absl::Duration threshold = absl::Seconds(10);
  // Kill the sessions holding the table's metadata lock before locking
  // (--force-cut-over-after, FORCE_CUTOVER; see KillTableBlockers).
  bool force = false;
  // The lock is taken only after a catch-up round (without locks) took at
  // most this long. Default 100 ms. A stream that keeps up at a steady
  // latency above it (a loaded server) is accepted after half the
  // threshold with a round of at most a tenth of the threshold: the stall
  // stays well within the threshold, and the cut-over does not fail
  // forever.
  absl::Duration converged = absl::Milliseconds(100);
  // The stream has just kept up in a catch-up without locks (CatchUpOnly,
  // the first phase of a gated cut-over): the round of at most a tenth of
  // the threshold is accepted at once, not after half the threshold.
  bool relaxed_at_once = false;
  // Whether to confirm from information_schema.METADATA_LOCK_INFO (the
  // metadata_lock_info plugin) that the RENAME waits in the table's queue.
  // Without the plugin (or when false), B must have been seen waiting for
  // rename_settle (default 50 ms) before A unlocks.
  bool use_lock_info = true;
  absl::Duration rename_settle = absl::Milliseconds(50);
  // Polling interval while waiting for the RENAME to queue and the stream to
  // catch up. Default 1 ms.
  absl::Duration poll = absl::Milliseconds(1);
  // Tests only: B sends its RENAME this much later (one not yet at the
  // server when an abort kills it).
  absl::Duration rename_send_delay = absl::ZeroDuration();
  // While other tables of the same cut-over are locked (PrepareTogether,
  // or `holding_others`), a transaction holding this table may wait for
  // one of them: a deadlock the server cannot see (the locks are held by
  // several sessions), which lasted until the lock timeout (the
  // threshold), writes to every locked table waiting with it. Once the
  // lock has been waited for this long, a session holding the table's
  // metadata lock while it waits for a metadata lock itself (without the
  // metadata_lock_info plugin: any session inside a transaction waiting
  // for one) ends the wait: the attempt gives up, this table unlocked. A
  // holder that is merely slow is waited for up to the threshold.
  // Default 300 ms.
  absl::Duration lock_wait_holding_others = absl::Milliseconds(300);
  // Other tables are already locked for this cut-over (a controller
  // prepares a group one table at a time): Prepare's lock gives up on a
  // deadlock as above.
  bool holding_others = false;
};

struct CutOverRequest {
  std::string db;
  std::string table;   // the original, serving table
  std::string shadow;  // the caught-up new table
  std::string sentry;  // a free name for the sentry table
  // Blocks until the stream has applied everything up to `pos` (OK), or
  // returns an error at `deadline`.
  std::function<absl::Status(const mysql::Position& pos, absl::Time deadline)>
      wait_applied;
  // Called once the table is locked, before anything else: an error
  // aborts the cut-over (nothing renamed). Optional.
  std::function<absl::Status()> check_locked;
  // Called under the lock once the stream applied everything: stops it so
  // that nothing it does can follow the swap. Optional.
  std::function<absl::Status()> stop_stream;
};

// The error of a cut-over whose RENAME may have run (its session was lost,
// or it ended during an abort without failing): whether the tables were
// swapped is for the binlog to tell. Only these count: other errors of
// code kUnknown (MySQL errors without a code of their own) are failures.
absl::Status SwapOutcomeUnknownError(absl::string_view message);
bool IsSwapOutcomeUnknown(const absl::Status& s);

struct CutOverResult {
  // From requesting the lock until the RENAME finished: how long writes
  // waited at most.
  absl::Duration stall;
  // The binlog position read under the lock (everything before the swap).
  mysql::Position locked_position;
  // The position of the RENAME itself: a stream from the new table starts
  // here and misses no write to it.
  mysql::Position rename_position;
};

// A sentry name for `table` that sorts after it. RENAME takes its metadata
// locks in name order, so with this name session B queues on `table`
// itself, ahead of the writers (exclusive requests go first) — with a name
// sorting first (say `_vt_...`), B would wait on the sentry, and writers
// queued on the table would slip in between the unlock and the RENAME and
// land in the old table. `unique` (e.g. the migration UUID) avoids
// collisions. Past 55 characters the name is cut at a character boundary
// (names whose 56th character is U+FFEE or beyond cannot be ordered: the
// result then does not sort after `table`, and a migration is refused).
std::string SentryName(absl::string_view table, absl::string_view unique);

// Drops sentry `db`.`sentry` if it is there (left by a cut-over whose
// session died while it held the lock, or kept because its RENAME's end
// is unknown). A RENAME of that cut-over still queued fails while the
// sentry exists, and would run once it is gone: every query naming it,
// other than on `conn` and the sessions `spared`, is ended first, whether
// or not the sentry is there.
absl::Status DropSentry(mysql::Connection& conn, absl::string_view db,
                        absl::string_view sentry,
                        const std::vector<uint64_t>& spared = {});

// The end of the server's binlog (@@gtid_binlog_pos) as a position.
absl::StatusOr<mysql::Position> BinlogEnd(mysql::Connection& conn);

// A cut-over split in two phases, so that a controller can swap several
// shards (or tables) only once all of them are ready to:
//   Prepare: steps 0-2 (catch up, lock, wait applied, stop the stream);
//            writes to the table wait from here on;
//   Swap:    steps 3-4 (RENAME queued behind the lock, unlock);
//   Abort:   unlock and drop the sentry; nothing was renamed (a RENAME
//            sent whose end is unknown: the sentry stays, failing it).
// Destroying a prepared, unswapped cut-over aborts it. If the process dies
// while prepared, the server ends the lock with the session and the table
// serves as before.
class PreparedCutOver {
 public:
  // On error nothing is locked or renamed (the stream may have been
  // stopped: see stream_stopped()). With `options.holding_others` (tables
  // of its group prepared before it are locked), `group_deadline` is the
  // earliest of their deadline()s: their writes wait already, so the lock
  // waits only for what is left of it, and at least a moment (the lesser
  // of the threshold and 1 s from the lock request: a controller may hold
  // them past it on purpose). The last catch-up, under the lock, still
  // has this cut-over's own threshold.
  static absl::StatusOr<std::unique_ptr<PreparedCutOver>> Prepare(
      mysql::ConnectionFactory& factory, CutOverRequest request,
      CutOverOptions options, Clock* clock, bool* stream_stopped = nullptr,
      absl::Time group_deadline = absl::InfiniteFuture());
  // Only step 0: returns once the stream keeps up with the writes (a round
  // takes <= `converged`), without locking anything.
  static absl::Status CatchUpOnly(mysql::ConnectionFactory& factory,
                                  CutOverRequest request,
                                  CutOverOptions options, Clock* clock);
  ~PreparedCutOver();
  PreparedCutOver(const PreparedCutOver&) = delete;
  PreparedCutOver& operator=(const PreparedCutOver&) = delete;

  // Swaps; afterwards `table` is the new table and `shadow` names the old
  // one. On error the table is unlocked and nothing was renamed, except
  // with kUnknown: the RENAME may have run (its session was lost, or it
  // ended after its locks went with a lost session): only the binlog can
  // tell. Once.
  absl::StatusOr<CutOverResult> Swap();
  // Releases the lock; nothing was renamed, unless a RENAME was already
  // sent (then see Swap's kUnknown). Idempotent.
  void Abort();

  bool stream_stopped() const { return stream_stopped_; }
  // Once prepared: when its threshold, counted from its lock request,
  // ends.
  absl::Time deadline() const { return deadline_; }

 private:
  friend absl::StatusOr<std::vector<CutOverResult>> SwapTogether(
      const std::vector<PreparedCutOver*>& group);
  friend absl::StatusOr<std::vector<std::unique_ptr<PreparedCutOver>>>
  PrepareTogether(mysql::ConnectionFactory& factory,
                  const std::vector<CutOverRequest>& requests,
                  std::vector<CutOverOptions> options, Clock* clock,
                  std::vector<bool>* stream_stopped);
  PreparedCutOver(mysql::ConnectionFactory& factory, CutOverRequest request,
                  CutOverOptions options, Clock* clock);
  absl::Status Open();
  absl::Status CatchUp();
  // Locks the table (and the sentry), waiting up to the threshold (the
  // session's lock timeout), or, with `others_locked`, giving up on a
  // deadlock (lock_wait_holding_others): `gave_up` then says so (this
  // table is not locked).
  // With `others_locked`, also gives up at `group.deadline` (the first
  // table's), but not before `group.floor` passed since the lock request;
  // with `group.bounds_settle` that bounds this cut-over's deadline too.
  struct GroupLock {
    absl::Time deadline = absl::InfiniteFuture();
    absl::Duration floor = absl::ZeroDuration();
    bool bounds_settle = true;
  };
  absl::Status LockTables(bool others_locked, bool* gave_up,
                          const GroupLock& group);
  // Whether a session holding the table's metadata lock waits for one.
  bool HolderWaits();
  // Under the lock: the checks, the last catch-up, the stream stopped.
  absl::Status Settle();
  void Unlock();
  // Abort: ends a lost session B's RENAME while a table it renames is
  // still locked; whether it surely did not run.
  bool EndLostRename();
  std::string Table(const std::string& name) const;

  mysql::ConnectionFactory& factory_;
  CutOverRequest request_;
  CutOverOptions options_;
  Clock* clock_;
  std::unique_ptr<mysql::Connection> a_;
  std::unique_ptr<mysql::Connection> b_;
  std::unique_ptr<mysql::Connection> probe_;
  class PendingStatement;
  std::unique_ptr<PendingStatement> rename_;
  // The cut-overs whose tables rename_ renames (this one among them).
  std::vector<PreparedCutOver*> rename_group_;
  bool locked_ = false;
  // Abort met a RENAME that did not surely fail (it ran, or its session
  // was lost).
  bool rename_uncertain_ = false;
  bool stream_stopped_ = false;
  bool finished_ = false;
  absl::Time locked_at_;  // when the lock was requested
  absl::Time deadline_;   // locked_at_ + threshold
  CutOverResult result_;
};

// Several cut-overs of one schema prepared to swap together: every stream
// catches up without locks (twice: the second round finds each keeping
// up after the others' first), then the tables are locked one right after
// the other, first in name order, and only then does each stream apply
// what was written before its lock and stop. A table whose lock waits on
// a deadlock (lock_wait_holding_others: a transaction holding it waits
// for a table already locked) releases every lock, and the tables are
// locked again with that one first; at most as many passes as tables.
// Transactions that all write the tables in one order cannot block the
// pass that begins with the table they write first: any transaction
// holding another table holds that one too. On error nothing is locked or
// renamed; `stream_stopped` (optional) says which streams were stopped.
// Results in `requests` order.
absl::StatusOr<std::vector<std::unique_ptr<PreparedCutOver>>> PrepareTogether(
    mysql::ConnectionFactory& factory,
    const std::vector<CutOverRequest>& requests,
    std::vector<CutOverOptions> options, Clock* clock,
    std::vector<bool>* stream_stopped = nullptr);

// Several prepared cut-overs of one schema swapped in ONE atomic RENAME
// (every table changes at the same instant): session B of the first issues
// the RENAME of every table; each table's lock is released only once B
// waits on that very table, in B's lock order (sorted names), so writers
// queued on any table still land in the new one. On error nothing was
// renamed and every table is unlocked (each cut-over is finished either
// way), except with kUnknown (as Swap). Results in `group` order.
absl::StatusOr<std::vector<CutOverResult>> SwapTogether(
    const std::vector<PreparedCutOver*>& group);

// Prepare and Swap in one go; afterwards `table` is the new table and
// `shadow` names the old one. On error nothing was renamed and `table` is
// unlocked.
absl::StatusOr<CutOverResult> CutOver(mysql::ConnectionFactory& factory,
                                      const CutOverRequest& request,
                                      const CutOverOptions& options,
                                      Clock* clock);

// Kills what could block a metadata lock on `tables` of `db` (a cut-over's
// table and shadow). With the metadata_lock_info plugin (and
// `use_lock_info`): exactly the sessions holding a table's metadata lock
// (an open transaction that used it, LOCK TABLES, a running statement),
// whatever their default database, and DDL or LOCK TABLES queued for it
// (granted ahead of the cut-over's lock, it would run first). Without it,
// more broadly: running statements that name a table (as an identifier, in
// its database) and every session idle inside an open transaction, on any
// table. Replication's threads are never killed, nor `conn`'s own session
// and the sessions in `spare` (Sidecut's own: streams, copies, other
// cut-overs). Returns how many were killed.
absl::StatusOr<int> KillTableBlockers(mysql::Connection& conn,
                                      absl::string_view db,
                                      const std::vector<std::string>& tables,
                                      const std::vector<uint64_t>& spare = {},
                                      bool use_lock_info = true);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_CUT_OVER_H_
