// The server-side copy of Workflow: INSERT ... SELECT chunks.
//
// Why a chunk's position is exact: the INSERT ... SELECT reads the source
// rows with shared locks, so it sees every transaction that changed them
// and committed before (waiting for any still holding them), and none that
// changes them can commit until the chunk does. With binlog_order_commits
// (MariaDB's default) a transaction is in the binlog before its locks are
// released, so the binlog position read after the read covers every change
// the chunk copied and none it did not. Rows copied by earlier chunks are
// brought to that same position inside the chunk's transaction (the
// catch-up skips the chunk's own rows: they are past the old lastpk), and
// lastpk and the position are saved in the same commit. A crash anywhere
// rolls the whole chunk back.
//
// The shared locks make writers to a chunk's rows wait for it. Where the
// plan replays idempotently (ReplayIsIdempotent: the key is the target's
// only unique index, defined as in the source) chunks copy without locks
// instead (CopyChunkUnlocked): a non-locking READ COMMITTED read of a key
// range, started after the catch-up reached pos_ and once every
// transaction up to pos_ is visible. The rows it copies reflect pos_ and
// maybe some later transactions; the position stays pos_, and the
// catch-up replays every change after it to the rows copied so far as
// upserts and deletes: a change the chunk already saw is applied again to
// the same effect, so each row ends as the last change to it leaves it.
//
// Statement-logged chunks (statement_copy) always read with locks: a
// replica replaying the statement must read what it read. For idempotent
// plans they too commit at once, leaving the position where it was
// (CopyChunk without `catch_up`): their locking read sees every
// transaction up to pos_ (one still committing holds its row locks, and
// the read waits for them), and the catch-ups every copy_catchup_interval
// replay the rest as for unlocked chunks. Their locks then last only the
// statement, not also a catch-up before it and one inside it.

#include <algorithm>
#include <iostream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "vreplication/vr_store.h"
#include "vreplication/workflow.h"

namespace sidecut {
namespace vreplication {

absl::Status Workflow::CopyServerSide(const CopyStateRow& table) {
  absl::Status s = CopyServerSideChunks(table);
  // Not kept between copy phases: an idle session may be closed by the
  // server (wait_timeout), which caches its thread with its niceness.
  ReleaseCopyConnection();
  return s;
}

absl::Status Workflow::CopyServerSideChunks(const CopyStateRow& table) {
  SC_ASSIGN_OR_RETURN(const TablePlan* plan, CopyPlan(table));
  RowApplier applier(plan, &collations_);
  SC_ASSIGN_OR_RETURN(absl::optional<LastPk> lastpk,
                      CopyResumeKey(table, applier));
  const absl::Time deadline = clock_->Now() + options_.copy_phase_duration;
  if (batch_rows_ == 0) {
    batch_rows_ = std::max<size_t>(1, options_.copy_batch_rows);
  }
  // Statement-logged chunks lock what they read (a replica must read the
  // same rows), so they never take the unlocked path; with an idempotent
  // plan they are caught up as seldom.
  SC_ASSIGN_OR_RETURN(const bool statement, UseStatementCopy(*plan));
  absl::Time caught_up = absl::InfinitePast();
  if (copy_stats_.table != table.table_name) {
    copy_stats_ = CopyStats();
    copy_stats_.table = table.table_name;
    copy_stats_.started = clock_->Now();
    copy_stats_.stream0 = play_stream_time_;
    copy_stats_.apply0 = play_apply_time_;
    copy_stats_.bytes0 = play_stream_bytes_;
  }
  while (!stop_) {
    // Bring the rows copied so far up to now outside any chunk (committed
    // as the tail does): right before a locked chunk, so that its own
    // catch-up, made while its rows are locked, covers only the moment it
    // takes; between unlocked chunks only every copy_catchup_interval (they
    // replay from an older position to the same effect, and fewer, larger
    // catch-ups net more changes together).
    bool unlocked = false;  // a row chunk read without locks
    if (!statement) {
      SC_ASSIGN_OR_RETURN(unlocked, CanCopyUnlocked(*plan));
    }
    // Statement chunks of an idempotent plan are caught up as seldom
    // (pos_ stays where the last catch-up left it).
    const bool statement_seldom =
        statement && plan->idempotent && !pos_.empty();
    // Or alongside the chunk (then plans may not reload meanwhile), as
    // often: fewer, larger catch-ups net more changes together.
    const bool catchup_due =
        clock_->Now() - caught_up >= options_.copy_catchup_interval;
    const bool alongside =
        unlocked && options_.catchup_alongside_chunks && catchup_due;
    if (!pos_.empty() && !alongside &&
        (!(unlocked || statement_seldom) || catchup_due)) {
      SC_ASSIGN_OR_RETURN(mysql::Position now, ServerPosition());
      const int generation = plans_generation_;
      const absl::Time t0 = clock_->Now();
      SC_RETURN_IF_ERROR(Play(now, /*copy_filter=*/true));
      // Plans reloaded (a DDL): `plan` is gone; the copy loop starts over.
      if (stop_ || plans_generation_ != generation) return absl::OkStatus();
      caught_up = clock_->Now();
      copy_stats_.catchups += caught_up - t0;
      ++copy_stats_.catchup_count;
      if (!statement) {
        SC_ASSIGN_OR_RETURN(unlocked, CanCopyUnlocked(*plan));
      }
    }
    const size_t n = batch_rows_;
    bool done = false;
    absl::Duration took;
    const absl::Time t0 = clock_->Now();
    absl::Duration alongside_catchup;
    bool chunk_only = true;  // an error is the chunk's (not a catch-up's)
    absl::Status s =
        alongside
            ? CopyChunkAlongsideCatchUp(table, applier, &lastpk, &done, &took,
                                        &alongside_catchup, &chunk_only)
        : unlocked ? CopyChunkUnlocked(table, applier, &lastpk, &done, &took)
                   : CopyChunk(table, applier, statement,
                               /*catch_up=*/!statement_seldom,
                               /*catch_up_first=*/false, &lastpk, &done, &took);
    if (!pos_.empty() && chunk_only &&
        (mysql::MysqlErrno(s) == mysql::kErDupEntry ||
         mysql::MysqlErrno(s) == mysql::kErNoReferencedRow)) {
      // The rows copied before may hold a unique value one of the chunk's
      // took since their last catch-up (the target has a unique key the
      // source lacks), or lack a parent row inserted since (a foreign key
      // between targets, checked; unlocked and seldom caught-up chunks
      // meet it too): copied again, locked, with those rows caught up
      // first. A duplicate then is one the source holds. Not after a
      // catch-up alongside the chunk failed: pos_ passed what it
      // committed, and the run must resume from the saved position.
      s = CopyChunk(table, applier, statement, /*catch_up=*/true,
                    /*catch_up_first=*/true, &lastpk, &done, &took);
    }
    copy_stats_.chunks += clock_->Now() - t0;
    copy_stats_.inserts += took;
    ++copy_stats_.chunk_count;
    if (alongside_catchup > absl::ZeroDuration()) {
      caught_up = clock_->Now();
      copy_stats_.catchups += alongside_catchup;
      ++copy_stats_.catchup_count;
      ++copy_stats_.alongside_count;
    }
    // A DDL (catch up first), or a deadlock that rolled the chunk back.
    if (IsDdlAbort(s)) ++copy_stats_.ddl_aborts;
    if (absl::IsAborted(s)) return absl::OkStatus();
    if (absl::IsNotFound(s) && !pos_.empty()) {
      // The chunk read with plans from before a DDL the stream has yet to
      // reach (a column dropped or renamed since): caught up first, the
      // stream meets it and does as on_ddl says (stops, or reloads the
      // plans and the copy goes on). Without one, the error stands.
      SC_ASSIGN_OR_RETURN(mysql::Position now, ServerPosition());
      const int generation = plans_generation_;
      SC_RETURN_IF_ERROR(Play(now, /*copy_filter=*/true));
      if (stop_ || plans_generation_ != generation) {
        ++copy_stats_.ddl_aborts;
        return absl::OkStatus();
      }
    }
    SC_RETURN_IF_ERROR(s);
    if (done) {
      std::cerr << CopySummary() << std::endl;
      return absl::OkStatus();
    }
    // Size the next chunk so that its INSERT ... SELECT takes about
    // copy_batch_target (its rows stay locked that long).
    ResizeBatch(n, took);
    SC_ASSIGN_OR_RETURN(std::string throttled, CheckThrottle());
    if (!throttled.empty() || clock_->Now() >= deadline) {
      return absl::OkStatus();  // catch up (and wait out the throttle)
    }
  }
  return absl::OkStatus();
}

std::string Workflow::CopySummary() const {
  const CopyStats& c = copy_stats_;
  return absl::StrCat(
      "workflow ", id_, ": copied ", c.table, " in ",
      absl::FormatDuration(clock_->Now() - c.started), ": ", c.chunk_count,
      " chunks ", absl::FormatDuration(c.chunks), " (INSERT ... SELECT ",
      absl::FormatDuration(c.inserts), ", commits ",
      absl::FormatDuration(c.commits), "), ", c.catchup_count, " catch-ups ",
      absl::FormatDuration(c.catchups), ", ", c.alongside_count,
      " of them alongside chunks (binlog ",
      (play_stream_bytes_ - c.bytes0) / 1000000, " MB read in ",
      absl::FormatDuration(play_stream_time_ - c.stream0), ", applied in ",
      absl::FormatDuration(play_apply_time_ - c.apply0), "), ", c.ddl_aborts,
      " chunks rolled back for a DDL");
}

absl::StatusOr<bool> Workflow::CanCopyUnlocked(const TablePlan& plan) {
  // (Its chunk's last row is read from the target in key order.)
  if (!plan.idempotent || !TargetIndexInKeyOrder(plan) || !ordered_commits_ ||
      pos_.empty() || stream_ == nullptr || !stream_->valid ||
      !(stream_->at == pos_)) {
    return false;
  }
  if (visible_ == pos_) return true;  // checked since pos_ last moved
  const mysql::BinlogCoordinates& end = stream_->streamer->last_end();
  if (end.file.empty()) return false;  // nothing read since it opened
  SC_ASSIGN_OR_RETURN(const bool visible, VisibleUpTo(end));
  if (visible) visible_ = pos_;
  return visible;  // if not, the locking chunk does not need it
}

absl::StatusOr<bool> Workflow::VisibleUpTo(
    const mysql::BinlogCoordinates& end) {
  // A consistent snapshot's Binlog_snapshot_* is the binlog position its
  // state corresponds to: every transaction before it is in the snapshot,
  // so committed and visible to any read starting later. At or past `end`:
  // every transaction up to it is. Trailing transactions finish their
  // commit within moments.
  for (int attempt = 0; attempt < 100; ++attempt) {
    SC_RETURN_IF_ERROR(
        conn_->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT").status());
    absl::StatusOr<mysql::Result> status =
        conn_->Execute("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'");
    SC_RETURN_IF_ERROR(conn_->Execute("COMMIT").status());
    SC_ASSIGN_OR_RETURN(mysql::Result r, std::move(status));
    if (r.rows.empty()) return false;  // not MariaDB
    mysql::BinlogCoordinates visible;
    for (const mysql::Row& row : r.rows) {
      if (absl::EqualsIgnoreCase(row.Get(0), "Binlog_snapshot_file")) {
        visible.file = std::string(row.Get(1));
      } else if (absl::EqualsIgnoreCase(row.Get(0),
                                        "Binlog_snapshot_position")) {
        SC_ASSIGN_OR_RETURN(int64_t offset, row.GetInt64(1));
        visible.offset = static_cast<uint64_t>(offset);
      }
    }
    if (visible.AtLeast(end)) return true;
    clock_->SleepFor(absl::Milliseconds(1));
  }
  return false;
}

absl::StatusOr<mysql::BinlogCoordinates> Workflow::ServerBinlogEnd() {
  SC_ASSIGN_OR_RETURN(mysql::Result r, conn_->Execute("SHOW MASTER STATUS"));
  if (r.rows.empty()) {
    return absl::FailedPreconditionError("the server's binlog is off");
  }
  mysql::BinlogCoordinates end;
  end.file = std::string(r.rows[0].Get(0));
  SC_ASSIGN_OR_RETURN(int64_t offset, r.rows[0].GetInt64(1));
  end.offset = static_cast<uint64_t>(offset);
  return end;
}

absl::Status Workflow::CopyChunkAlongsideCatchUp(
    const CopyStateRow& table, RowApplier& applier,
    absl::optional<LastPk>* lastpk, bool* done, absl::Duration* took,
    absl::Duration* caught_up, bool* chunk_only) {
  *caught_up = absl::ZeroDuration();
  *chunk_only = true;
  // Made here, with conn_, before the chunk's thread uses it.
  SC_ASSIGN_OR_RETURN(mysql::MysqlConnection * copy, CopyConnection());
  // The catch-up's target, then where the binlog ends (read after it, so
  // at or past every transaction in it).
  SC_ASSIGN_OR_RETURN(mysql::Position target, ServerPosition());
  SC_ASSIGN_OR_RETURN(mysql::BinlogCoordinates end, ServerBinlogEnd());
  SC_ASSIGN_OR_RETURN(const bool visible, VisibleUpTo(end));
  if (copy == conn_.get() || !visible || pos_.AtLeast(target)) {
    // Alone: pos_ itself is visible (CanCopyUnlocked).
    return CopyChunkUnlocked(table, applier, lastpk, done, took);
  }
  absl::Status chunk;
  std::thread worker(
      [&] { chunk = CopyChunkUnlocked(table, applier, lastpk, done, took); });
  const absl::Time t0 = clock_->Now();
  alongside_chunk_ = true;
  absl::Status played = Play(target, /*copy_filter=*/true);
  alongside_chunk_ = false;
  *caught_up = clock_->Now() - t0;
  worker.join();
  // Visible before the chunk started.
  if (played.ok() && pos_ == target) visible_ = pos_;
  // A DDL ended the catch-up early: the chunk stands (its rows are past
  // pos_, replayed from there); the next catch-up runs alone. A chunk that
  // failed meanwhile may have read with the plan from before that DDL
  // (a dropped column): aborted too, retried once the DDL applied.
  // Any other error (a deadlock rolling back a batch whose position was
  // counted) ends the run: it resumes from the saved position.
  *chunk_only = played.ok();
  if (IsDdlAbort(played)) return chunk.ok() ? chunk : played;
  if (absl::IsAborted(played)) {
    // Not one the copy loop may take for a DDL and go on from pos_.
    return absl::UnavailableError(
        absl::StrCat("catch-up alongside a chunk: ", played.message()));
  }
  return played.ok() ? chunk : played;
}

absl::Status Workflow::CopyChunkUnlocked(const CopyStateRow& table,
                                         RowApplier& applier,
                                         absl::optional<LastPk>* lastpk,
                                         bool* done, absl::Duration* took) {
  SC_ASSIGN_OR_RETURN(mysql::MysqlConnection * conn, CopyConnection());
  auto fail = [&](absl::Status s) {
    conn->Execute("ROLLBACK").IgnoreError();
    return s;
  };
  const LastPk* from = lastpk->has_value() ? &**lastpk : nullptr;
  SC_RETURN_IF_ERROR(
      conn->Execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").status());
  SC_RETURN_IF_ERROR(conn->Execute("BEGIN").status());
  const absl::Time t0 = clock_->Now();
  absl::StatusOr<mysql::Result> inserted = conn->Execute(
      applier.ServerCopyInsert(from, batch_rows_, /*locking=*/false));
  if (!inserted.ok()) return fail(inserted.status());
  *took = clock_->Now() - t0;
  const uint64_t rows = inserted->affected_rows;
  *done = rows < batch_rows_;
  LastPk next;
  if (!*done) {
    // The chunk's last row: the target holds no key past lastpk but the
    // ones this transaction just copied.
    absl::StatusOr<mysql::Result> key =
        conn->Execute(applier.TargetLastKeyQuery(from));
    if (!key.ok()) return fail(key.status());
    if (key->rows.size() != 1) {
      return fail(absl::InternalError("copy chunk: no copied row found"));
    }
    next = applier.KeyOfKeyRow(key->rows[0]);
  }
  std::string progress =
      CopyProgressSql(table, applier, *done ? nullptr : &next, rows, *done);
  const absl::Time c0 = clock_->Now();
  absl::Status committed =
      conn->Execute(
              absl::StrCat(progress, progress.empty() ? "" : ";\n", "COMMIT"))
          .status();
  if (!committed.ok()) return fail(committed);
  copy_stats_.commits += clock_->Now() - c0;
  if (!*done) *lastpk = std::move(next);
  return absl::OkStatus();
}

absl::Status Workflow::CopyChunk(const CopyStateRow& table, RowApplier& applier,
                                 bool statement, bool catch_up,
                                 bool catch_up_first,
                                 absl::optional<LastPk>* lastpk, bool* done,
                                 absl::Duration* took) {
  catch_up_first = catch_up_first && catch_up;
  const mysql::Position before = pos_;
  // Back to the session's own format (rows) after a statement-logged chunk.
  auto restore_format = [&]() -> absl::Status {
    if (!statement) return absl::OkStatus();
    return conn_
        ->Execute(absl::StrCat("SET SESSION binlog_format = ",
                               mysql::QuoteString(session_binlog_format_)))
        .status();
  };
  auto fail = [&](absl::Status s) {
    conn_->Execute("ROLLBACK").IgnoreError();
    // Rolled back: the table is not done, whatever the chunk's read said
    // (a stop during its catch-up returns OK here).
    *done = false;
    pos_ = before;
    xa_watch_.Rewind();
    // A session left logging statements must not go on (the caller may
    // keep it after an abort or a stop): its error replaces it.
    absl::Status restored = restore_format();
    return restored.ok() ? s : restored;
  };
  const LastPk* from = lastpk->has_value() ? &**lastpk : nullptr;
  // Gap locks too (REPEATABLE READ, whatever the server's default): a key
  // inserted into the chunk's range must wait for its commit.
  SC_RETURN_IF_ERROR(
      conn_->Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
          .status());
  if (statement) {
    // The default database is the chunk's: binlog and replication filters
    // judge a statement by it.
    SC_RETURN_IF_ERROR(conn_
                           ->Execute(absl::StrCat(
                               "USE ", mysql::QuoteIdentifier(row_.db_name)))
                           .status());
    SC_RETURN_IF_ERROR(
        conn_->Execute("SET SESSION binlog_format = 'STATEMENT'").status());
  }
  absl::Status begun = conn_->Execute("BEGIN").status();
  if (!begun.ok()) return fail(begun);
  std::string position;  // the statement saving it, with its catch-up
  // Brings the rows copied before the chunk to the position read now,
  // under the chunk's locks (caught_up_short: a stop or a DDL ended it
  // early; the chunk is rolled back).
  bool caught_up_short = false;
  auto catch_up_locked = [&]() -> absl::Status {
    SC_ASSIGN_OR_RETURN(mysql::Position at, ServerPosition());
    if (!pos_.empty()) {
      in_chunk_txn_ = true;
      absl::Status played = Play(at, /*copy_filter=*/true);
      in_chunk_txn_ = false;
      SC_RETURN_IF_ERROR(played);
      if (stop_ || !pos_.AtLeast(at)) {
        caught_up_short = true;
        return absl::OkStatus();
      }
    }
    if (before.empty()) {
      // The copy's first position: a transaction prepared (two-phase XA)
      // before it and still pending is logged before the stream's start,
      // and unlocked chunks would read its rows as they were before it.
      // Checked in the chunk's transaction: the copy starts only once none
      // is pending after the position (this chunk's locking read waited
      // for any holding its own rows; one committed since is visible to
      // every later chunk).
      SC_RETURN_IF_ERROR(CheckNoPreparedXa());
    }
    SC_ASSIGN_OR_RETURN(pos_, pos_.Union(at));
    if (before.empty()) xa_watch_.Start();
    position = absl::StrCat(SavePositionSql(id_, pos_.ToString(), 0), ";\n");
    std::string xa = xa_watch_.SaveSql(id_);
    if (!xa.empty()) absl::StrAppend(&position, xa, ";\n");
    return absl::OkStatus();
  };
  const absl::Time t0 = clock_->Now();
  uint64_t rows = 0;
  LastPk next;
  if (statement || catch_up_first) {
    // The chunk's last key first (a locking read of the chunk's rows), then
    // the copy of exactly that range: a statement a replica replays alike.
    absl::StatusOr<mysql::Result> key = conn_->Execute(
        applier.ServerCopyKeyQuery(from, std::max<size_t>(batch_rows_, 1) - 1));
    if (!key.ok()) return fail(key.status());
    *done = key->rows.empty();  // fewer rows than a batch remain
    if (!*done) next = applier.KeyOfKeyRow(key->rows[0]);
    if (catch_up_first) {
      // (When fewer than a batch remain, the read locked them all, and the
      // gap after them: the range insert copies exactly those.)
      *took = clock_->Now() - t0;
      absl::Status s = catch_up_locked();
      if (!s.ok() || caught_up_short) return fail(s);
    }
    const absl::Time i0 = clock_->Now();
    absl::StatusOr<mysql::Result> inserted = conn_->Execute(
        applier.ServerCopyRangeInsert(from, *done ? nullptr : &next));
    if (!inserted.ok()) return fail(inserted.status());
    rows = inserted->affected_rows;
    if (catch_up_first) *took += clock_->Now() - i0;
  } else {
    absl::StatusOr<mysql::Result> inserted =
        conn_->Execute(applier.ServerCopyInsert(from, batch_rows_, true));
    if (!inserted.ok()) return fail(inserted.status());
    rows = inserted->affected_rows;
    *done = rows < batch_rows_;
    if (!*done) {
      absl::StatusOr<mysql::Result> key =
          conn_->Execute(applier.ServerCopyKeyQuery(from, rows - 1));
      if (!key.ok()) return fail(key.status());
      if (key->rows.size() != 1) {
        return fail(absl::InternalError("copy chunk: its last key vanished"));
      }
      next = applier.KeyOfKeyRow(key->rows[0]);
    }
  }
  if (!catch_up_first) *took = clock_->Now() - t0;
  if (catch_up && !catch_up_first) {
    absl::Status s = catch_up_locked();
    if (!s.ok() || caught_up_short) return fail(s);
  }
  std::string progress =
      CopyProgressSql(table, applier, *done ? nullptr : &next, rows, *done);
  const absl::Time c0 = clock_->Now();
  absl::Status committed =
      conn_
          ->Execute(absl::StrCat(progress, progress.empty() ? "" : ";\n",
                                 position, "COMMIT"))
          .status();
  if (!committed.ok()) return fail(committed);
  if (!position.empty()) xa_watch_.Saved();
  copy_stats_.commits += clock_->Now() - c0;
  if (!*done) *lastpk = std::move(next);
  return restore_format();
}

}  // namespace vreplication
}  // namespace sidecut
