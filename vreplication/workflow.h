// Workflow: runs one _vt.vreplication row: the copy phase (consistent
// snapshots keyed by GTID, rows in key order after lastpk, each batch
// committed with its lastpk; binlog catch-up between snapshots applied only
// to rows already copied) and then the running phase (binlog transactions
// applied with the position in the same transaction). Everything it needs
// to resume is in the tables, so a killed process picks up where the last
// commit left off.
//
// Run() blocks; RequestStop() may be called from any thread.
#ifndef SIDECUT_VREPLICATION_WORKFLOW_H_
#define SIDECUT_VREPLICATION_WORKFLOW_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "mysql/binlog_streamer.h"
#include "mysql/connection.h"
#include "mysql/gtid.h"
#include "mysql/mariadb_binlog_source.h"
#include "mysql/mysql_connection.h"
#include "mysql/server_thread.h"
#include "util/clock.h"
#include "vreplication/row_applier.h"
#include "vreplication/table_plan.h"
#include "vreplication/vr_store.h"
#include "vreplication/xa_watch.h"

namespace sidecut {
namespace vreplication {

// A database object: (database, name).
using IndirectName = std::pair<std::string, std::string>;
// How a statement naming an object may change a source table.
struct IndirectPath {
  bool routine = false;  // the object is a routine (named when called)
  std::string how;       // "trigger `t` on `d`.`x`, which names `src`"
};

struct WorkflowOptions {
  mysql::ConnectParams connect;
  // How long a (re)started workflow waits for the sessions of a previous
  // run of it to end (a killed process's commit still running on the
  // server) before retrying. Default 30 s.
  absl::Duration lock_wait = absl::Seconds(30);
  // Longest time one snapshot is streamed before catching up again.
  // Default 1 h (Vitess's copy_phase_duration).
  absl::Duration copy_phase_duration = absl::Hours(1);
  // Rows in the first copy batch (one transaction). Default 1000. Later
  // batches adapt so that each takes about copy_batch_target, within
  // [copy_batch_min_rows, copy_batch_max_rows].
  size_t copy_batch_rows = 1000;
  absl::Duration copy_batch_target = absl::Milliseconds(250);
  size_t copy_batch_min_rows = 100;
  size_t copy_batch_max_rows = 20000;
  // Copy throttling: before each snapshot and after each batch, the copy
  // asks `throttle`; a non-empty reason pauses it (the tail keeps running
  // between snapshots) and is recorded in _vt.vreplication
  // (time_throttled, component_throttled='vcopier', reason_throttled).
  // Default: throttle while the server has more than 64 threads running.
  std::function<absl::StatusOr<std::string>(mysql::Connection&)> throttle;
  // How long to wait before asking the throttler again. Default 500 ms.
  absl::Duration throttle_recheck = absl::Milliseconds(500);
  // A ratio the workflow is throttled at by request (Vitess's throttle
  // RATIO), asked with each check that `throttle` lets go: 0 none, 1
  // always held, between: that share of the checks, drawn at random, hold
  // the copy. Default: none.
  std::function<absl::StatusOr<double>(mysql::Connection&, const WorkflowRow&)>
      throttle_ratio;
  // How many prepared XA transactions the server lists, nullopt if it may
  // not be asked. Default: PreparedXaCount (XA RECOVER). A seam for tests
  // (a server that has not listed a transaction yet).
  std::function<absl::StatusOr<absl::optional<size_t>>(mysql::Connection&)>
      prepared_xa_count;
  // Server heartbeat period on the binlog stream. Default 1 s.
  absl::Duration heartbeat_period = absl::Seconds(1);
  // Transactions that touch no planned table advance the saved position at
  // most this often. Default 1 s.
  absl::Duration position_save_interval = absl::Seconds(1);
  // While caught up, applied transactions arriving within this window are
  // committed together (fewer round trips and commits under heavy write
  // load); the last batch before a pause is committed at the next server
  // heartbeat. Default 0: commit every transaction as it arrives.
  absl::Duration apply_batch_window = absl::ZeroDuration();
  // Apply a batch's changes to a table with an integer key and no WHERE
  // filter as their net effect: one DELETE of the touched keys and one
  // multi-row INSERT (net_changes.h) instead of a statement per row event.
  // Default true.
  bool net_batches = true;
  // Copy with INSERT ... SELECT on the server (source and target are in one
  // database of one server) instead of streaming rows from a consistent
  // snapshot through the client. Each chunk is one transaction: the rows
  // (read with shared locks), the catch-up of rows copied before it to the
  // binlog position read under those locks, lastpk and the position.
  // Default true.
  bool server_side_copy = true;
  // When not 0 (-20..19) and the server runs on this machine with a thread
  // per connection, and this process has CAP_SYS_NICE: unlocked server-side
  // copy chunks run on a connection whose server thread has this niceness
  // (put back before the connection closes), and the executor builds
  // deferred indexes on one too. Above 0 the foreground takes the CPU first
  // and the copy uses what it leaves; below 0 the copy goes first (faster
  // under load, at the foreground's expense). Catch-up and tail keep normal
  // priority. 0 (default): same priority as everything else.
  int copy_niceness = 0;
  // Between unlocked server-side copy chunks, how often the copied rows are
  // caught up with the binlog (locked chunks catch up before each), or
  // alongside a chunk (catchup_alongside_chunks). Default 1 s.
  absl::Duration copy_catchup_interval = absl::Seconds(1);
  // Unlocked server-side copy chunks run on a connection of their own while
  // the rows copied before them are caught up on the workflow's connection
  // (up to the server's position when the chunk started), instead of the
  // copy pausing for each catch-up. Default false: on 2 cores under a 50%
  // load it hid the catch-ups' 1-1.5 s but the chunks took as much longer
  // and the foreground kept 85% of its tps instead of 96% (measured); for
  // servers with idle cores.
  bool catchup_alongside_chunks = false;
  // Server-side copy chunks are written to the binlog as their INSERT ...
  // SELECT statement (session binlog_format=STATEMENT) instead of as rows:
  // about a third less work per copied row on the server, and the stream
  // no longer reads every copied row back. Chunks then lock the rows they
  // read and name both ends of their key range, so that a replica running
  // the statement at its place in the binlog reads the same rows (for an
  // idempotent plan only while the statement runs: caught up as unlocked
  // chunks are, every copy_catchup_interval). Only for
  // plans where that is exact: plain column references, no WHERE, and the
  // target's other columns get fixed defaults (no AUTO_INCREMENT, no
  // expression default but CURRENT_TIMESTAMP); not under Galera, and only
  // if the session may set binlog_format. Otherwise the copy writes rows.
  // Replicas must hold the same source rows (as replication keeps them).
  // MariaDB logs note 1592 ("unsafe statement") for targets with an
  // AUTO_INCREMENT key, with its flood control; every row carries its key,
  // so the order of the inserts decides nothing. Default false.
  bool statement_copy = false;
  // First retry pause after a transient error; doubles up to 30 s.
  absl::Duration retry_backoff = absl::Milliseconds(500);
};

class Workflow {
 public:
  Workflow(int64_t id, WorkflowOptions options, Clock* clock);

  // Runs until RequestStop(), the stop position, a DDL with on_ddl=STOP, or a
  // permanent error (recorded in the row as state Error with its message;
  // transient errors are recorded and retried). Returns the final status.
  absl::Status Run();

  // Makes Run() return soon, leaving the row's state as it is (so a restart
  // resumes), unless `mark_stopped` (then state Stopped with `message`).
  void RequestStop(bool mark_stopped,
                   absl::string_view message = kStoppedByRequest);

  // Seconds between now and the commit time of the last applied
  // transaction; 0 when caught up. -1 before the running phase.
  int64_t lag_seconds() const { return lag_seconds_.load(); }

  // The binlog position up to which every change this workflow must apply
  // is committed (ahead of the saved `pos` while idle transactions are not
  // recorded yet). Empty before the running phase. Thread-safe.
  absl::optional<mysql::Position> committed_position() const {
    absl::MutexLock lock(&committed_mu_);
    return committed_;
  }
  int64_t id() const { return id_; }
  // Holds (or releases) the running phase: while held it applies nothing
  // and reads nothing (what it had pending commits first, with its
  // position; its binlog connection closes and reopens there once
  // released), so nothing commits to its targets; lag_seconds() then
  // counts the hold. The copy phase and its catch-ups ignore it.
  // Thread-safe.
  void SetHeld(bool held) { held_ = held; }
  // Set by the thread that ran Run() once it returned.
  void MarkFinished() { finished_ = true; }
  bool finished() const { return finished_.load(); }

 private:
  enum class TableCopy { kNotStarted, kCopying };
  struct CopyFilter {
    TableCopy state;
    LastPk lastpk;
  };

  absl::Status RunOnce();
  // FailedPrecondition unless the server logs every change as full rows
  // with full metadata (log_bin, binlog_format, binlog_row_image,
  // binlog_row_metadata), saying which setting is wrong.
  absl::Status CheckBinlog();
  absl::Status CheckNoPreparedXa();
  // A connection with the workflow's session settings.
  absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> OpenSession() const;
  absl::Status Connect();
  // The server lock ("sidecut.vreplication.<id><role>") that makes one
  // session the workflow's writer (role "") or copier (".copy"); taken on
  // `conn`, then kept or released at once (waiting for a holder to end).
  std::string LockName(absl::string_view role) const;
  absl::Status TakeLock(mysql::Connection& conn, absl::string_view role,
                        bool keep);
  // The connection unlocked copy chunks run on: one of their own (its
  // server thread with copy_niceness), or conn_ when neither
  // copy_niceness nor catchup_alongside_chunks asks for one.
  absl::StatusOr<mysql::MysqlConnection*> CopyConnection();
  // Puts back the copy connection's priority and closes it.
  void ReleaseCopyConnection();
  absl::Status LoadPlans();
  // Marks the plans whose targets a foreign key links (TablePlan::
  // keep_order).
  absl::Status MarkForeignKeyOrder();
  absl::Status StartCopyIfNew();
  absl::Status Copy();
  absl::Status CopyTables();  // Copy's rounds
  absl::Status CopyOneSnapshot(const CopyStateRow& table);
  // The plan of the table a copy_state row names.
  absl::StatusOr<const TablePlan*> CopyPlan(const CopyStateRow& table) const;
  // Where the copy of `table` resumes (nullopt: from its first row).
  absl::StatusOr<absl::optional<LastPk>> CopyResumeKey(
      const CopyStateRow& table, const RowApplier& applier) const;
  // The statements (';'-separated, maybe none) recording a copied batch of
  // `rows` rows of `table` in the batch's transaction: its last key (unless
  // `done`, when the table's copy_state row goes), and rows_copied.
  std::string CopyProgressSql(const CopyStateRow& table,
                              const RowApplier& applier, const LastPk* lastpk,
                              uint64_t rows, bool done) const;
  // The server-side copy (workflow_copy_server.cc): chunks until the table
  // is copied, the copy phase ends, the throttler or a stop says so.
  absl::Status CopyServerSide(const CopyStateRow& table);
  absl::Status CopyServerSideChunks(const CopyStateRow& table);
  // One chunk after `*lastpk`; advances it, or sets `*done`.
  // `took`: the time of its reads and its INSERT ... SELECT.
  // With `statement` (UseStatementCopy) the chunk is logged as its
  // statement, bounded by the key of its last row read first. With
  // `catch_up` the rows copied before it are caught up to the position
  // read under its locks, saved in its commit; without (idempotent plans,
  // pos_ set) the position stays and later catch-ups replay from it.
  // With `catch_up_first` (and `catch_up`) the chunk's rows are locked by
  // reading its last key, the rows before it caught up, and only then
  // inserted: a unique value moved from a copied row to one of the chunk's
  // since pos_ is then no false duplicate.
  absl::Status CopyChunk(const CopyStateRow& table, RowApplier& applier,
                         bool statement, bool catch_up, bool catch_up_first,
                         absl::optional<LastPk>* lastpk, bool* done,
                         absl::Duration* took);
  // Whether `plan`'s chunks may be logged as statements (statement_copy;
  // workflow_statement_copy.cc); logs why not, once per table.
  absl::StatusOr<bool> UseStatementCopy(const TablePlan& plan);
  // Why no copy of this session can be logged as statements ("" if it
  // can).
  absl::StatusOr<std::string> StatementCopyServerBlocker();
  // Why statements could not replay changes to the plan's target alike
  // ("" if they can).
  absl::StatusOr<std::string> StatementCopyBlocker(const TablePlan& plan);
  // The unlocked variant (idempotent plans): INSERT ... SELECT of the next
  // batch_rows_ rows under READ COMMITTED (a non-locking read of the rows
  // as of its start), the last key read back from the target, lastpk and
  // rows_copied in the same commit. The position stays where the catch-up
  // before it left it: every change after it is replayed idempotently,
  // including those the chunk already saw.
  absl::Status CopyChunkUnlocked(const CopyStateRow& table, RowApplier& applier,
                                 absl::optional<LastPk>* lastpk, bool* done,
                                 absl::Duration* took);
  // Whether the next chunk of `plan` may copy without locks: the plan
  // replays idempotently, the server commits in binlog order, and every
  // transaction up to pos_ is visible to a read starting now (the stream
  // knows where the last one it read ends in the binlog, and the server's
  // last fully committed position is at or past it).
  absl::StatusOr<bool> CanCopyUnlocked(const TablePlan& plan);
  // Whether every transaction ending at or before `end` is visible to a
  // read starting now (false if it does not become so within moments, or
  // the server does not say).
  absl::StatusOr<bool> VisibleUpTo(const mysql::BinlogCoordinates& end);
  // An unlocked chunk (CopyChunkUnlocked, on the copy's connection, in a
  // thread of its own) with a catch-up alongside on conn_ to the server's
  // position when the chunk started: the chunk starts once every
  // transaction up to that position is visible, so the rows it copies
  // (past lastpk, which the catch-up skips) reflect all of them. A DDL the
  // catch-up meets ends it early (kAborted inside; the next catch-up, alone,
  // handles it). *caught_up: how long the catch-up took (zero if none ran).
  // *chunk_only: an error returned is the chunk's, the catch-up reached
  // its position (any other error leaves pos_ ahead of what committed:
  // the run must end).
  absl::Status CopyChunkAlongsideCatchUp(const CopyStateRow& table,
                                         RowApplier& applier,
                                         absl::optional<LastPk>* lastpk,
                                         bool* done, absl::Duration* took,
                                         absl::Duration* caught_up,
                                         bool* chunk_only);
  absl::StatusOr<mysql::Position> ServerPosition();
  // Where the server's binlog ends now (SHOW MASTER STATUS).
  absl::StatusOr<mysql::BinlogCoordinates> ServerBinlogEnd();
  // Sizes the next copy batch so that one like the last (`rows` taking
  // `took`) takes about copy_batch_target, within the configured bounds.
  void ResizeBatch(size_t rows, absl::Duration took);
  // Applies binlog transactions from pos_ until `stop_at` (or forever /
  // stop request). With `copy_filter`, changes to tables not copied yet are
  // skipped and changes to the table being copied apply only up to lastpk.
  absl::Status Play(const absl::optional<mysql::Position>& stop_at,
                    bool copy_filter);
  absl::StatusOr<std::map<std::string, CopyFilter>> LoadCopyFilters();
  // Records pos_ (and the XA watch with it, in one transaction); inside
  // the caller's transaction if `in_transaction` (the caller then calls
  // xa_watch_.Saved() once it commits).
  absl::Status SavePosition(int64_t txn_timestamp, bool in_transaction = false);
  // Publishes pos_ as committed_position() (running phase only).
  void SetCommitted();
  // The error a catch-up inside or alongside a copy chunk ends with at a
  // DDL (the copy catches up and reloads its plans first); not any other
  // Aborted error (a deadlock).
  static absl::Status DdlAbort();
  static bool IsDdlAbort(const absl::Status& s);
  // Whether DDL `statement` may change a table a plan reads or writes (or
  // drops the database): one that cannot changes nothing inside a chunk.
  bool DdlMayChangePlans(const std::string& statement,
                         const std::string& session_db) const;
  absl::Status HandleDdl(const std::string& statement,
                         const std::string& session_db, bool* stop);
  // Stops the workflow at pos_ (saved with the state, in one commit),
  // saying `message`.
  absl::Status StopSaying(const std::string& message);
  // A statement-logged change naming no source table: an error if it may
  // still change one, through a trigger, view or stored routine that names
  // it (workflow_indirect.cc).
  absl::Status CheckIndirectStatement(absl::string_view statement,
                                      absl::string_view session_db);
  absl::Status LoadIndirectPaths();
  // Whether a DDL statement may create, change or drop such objects.
  static bool MayRedefineObjects(absl::string_view statement);
  // Asks the throttler; records and returns its reason ("" = go on).
  absl::StatusOr<std::string> CheckThrottle();
  // Waits (recording the throttle, the tail catching up meanwhile) until
  // the throttler lets the copy go.
  absl::Status WaitUntilNotThrottled();
  // Applies the workflow's max_tps between applied transactions.
  void PaceTransactions();
  // Records that the workflow is alive (time_heartbeat; at most once a
  // second by its callers).
  absl::Status RecordHeartbeat();
  // Waits while held (SetHeld) or until stopped, counting the hold in
  // lag_seconds_ and recording time_heartbeat every second.
  absl::Status WaitWhileHeld();

  const int64_t id_;
  WorkflowOptions options_;
  Clock* clock_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> mark_stopped_{false};
  absl::Mutex stop_mu_;
  std::string stop_message_ ABSL_GUARDED_BY(stop_mu_);
  std::atomic<bool> finished_{false};
  std::atomic<int64_t> lag_seconds_{-1};
  std::atomic<bool> held_{false};
  bool playing_ = false;  // in the running phase (not catch-up)
  // Play applies inside the open transaction of a copy chunk: no commits,
  // no position saves, and a DDL aborts it (kAborted).
  bool in_chunk_txn_ = false;
  // Play runs alongside a copy chunk (CopyChunkAlongsideCatchUp), which
  // uses the plans: a DDL ends it (kAborted) before plans reload.
  bool alongside_chunk_ = false;
  mutable absl::Mutex committed_mu_;
  absl::optional<mysql::Position> committed_ ABSL_GUARDED_BY(committed_mu_);

  // The binlog stream Play reads, kept open between calls while it stands
  // where pos_ does: starting a stream makes the server scan the binlog
  // file for the start GTID, which a copy (itself writing the file) would
  // otherwise pay at every chunk.
  struct Stream {
    std::unique_ptr<mysql::MariadbBinlogSourceFactory> factory;
    std::unique_ptr<mysql::BinlogStreamer> streamer;
    std::unique_ptr<mysql::MysqlConnection> schema_conn;
    mysql::Position at;  // after the last transaction consumed
    bool valid = false;  // `at` is known (the last Play returned normally)
  };
  // Two-phase XA transactions the stream saw prepared since the copy's
  // first position (xa_watch.h), recorded with every position saved.
  XaWatch xa_watch_;
  // Returns the stream, (re)opened at pos_ unless it stands there.
  absl::StatusOr<Stream*> StreamAtPosition();
  std::unique_ptr<Stream> stream_;

  // Where a table's server-side copy spends its time (since this process
  // took it up), logged when it ends: for tuning and for DBAs.
  struct CopyStats {
    std::string table;
    absl::Time started;
    absl::Duration chunks, catchups;
    // Of the chunks' time: their INSERT ... SELECT statements, and their
    // commits (writing the chunk's binlog).
    absl::Duration inserts, commits;
    int chunk_count = 0, catchup_count = 0;
    int alongside_count = 0;  // catch-ups that ran alongside a chunk
    int ddl_aborts = 0;       // chunks rolled back for a DDL in their catch-up
    // Play's counters when the copy started.
    absl::Duration stream0, apply0;
    uint64_t bytes0 = 0;
  };
  std::string CopySummary() const;
  CopyStats copy_stats_;
  // Play's time waiting for the stream and applying, and the bytes it read
  // (all calls).
  absl::Duration play_stream_time_, play_apply_time_;
  uint64_t play_stream_bytes_ = 0;

  std::unique_ptr<mysql::MysqlConnection> conn_;
  std::unique_ptr<mysql::MysqlConnection> copy_conn_;  // see CopyConnection
  // copy_conn_'s thread's niceness; declared after it, so put back before
  // it closes.
  std::unique_ptr<mysql::ServerThreadNiceness> copy_niceness_;
  WorkflowRow row_;
  mysql::Position pos_;
  CollationMap collations_;
  std::map<std::string, TablePlan> plans_;  // by target table
  // A foreign key links two targets, none cascading: the copy (conn_ and
  // copy_conn_, while copying) writes without foreign key checks
  // (MarkForeignKeyOrder).
  bool copy_without_foreign_key_checks_ = false;
  // Per target, the targets its foreign keys reference (copied first).
  std::map<std::string, std::set<std::string>> parents_of_;
  // foreign_key_checks of conn_'s session (foreign_key_checks_).
  absl::Status SetForeignKeyChecks(bool on);
  bool foreign_key_checks_ = true;
  int plans_generation_ = 0;  // LoadPlans calls (plans_ pointers go stale)
  // Source -> target, a look-up per row event.
  std::map<std::string, std::string, TableNameLess> target_of_source_;
  // Whether the server folds table names to lower case
  // (lower_case_table_names); target_of_source_ orders its keys so.
  bool fold_table_case_ = false;
  // Whether two tables' (or databases') names are one to the server.
  bool SameName(absl::string_view a, absl::string_view b) const;
  // Objects through which a statement can change a source table without
  // naming it (lower-case name -> what it is); loaded when first needed,
  // forgotten at any DDL and when the plans reload.
  absl::optional<std::map<IndirectName, IndirectPath>> indirect_paths_;
  size_t batch_rows_ = 0;
  // Whether _vt.vreplication may show a throttle reason (an earlier run's
  // too, until the first check clears it).
  bool throttle_recorded_ = true;
  std::mt19937 throttle_draws_{std::random_device{}()};
  bool ordered_commits_ = false;         // @@binlog_order_commits
  size_t max_packet_ = size_t{1} << 20;  // conn_'s @@max_allowed_packet
  // Sends `statements` (joined) in as few round trips as conn_'s
  // max_allowed_packet allows; an error naming it if one alone exceeds it.
  absl::Status ExecuteInPackets(const std::vector<std::string>& statements);
  // The session's binlog_format, restored after statement-logged chunks;
  // "" until checked, "-" where the session may not change it.
  std::string session_binlog_format_;
  std::map<std::string, bool> statement_copy_;  // decided, by target table
  mysql::Position visible_;  // a position every transaction up to is visible
  int64_t max_tps_ = 0;      // 0 = unlimited
  absl::Time last_txn_ = absl::InfinitePast();
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_WORKFLOW_H_
