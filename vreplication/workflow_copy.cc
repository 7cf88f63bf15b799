// The copy phase of Workflow.
#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "vreplication/workflow.h"

namespace sidecut {
namespace vreplication {

absl::Status Workflow::Copy() {
  absl::Status s = CopyTables();
  // The replay after the copy runs with checks, as the source ran them.
  if (s.ok()) s = SetForeignKeyChecks(true);
  return s;
}

absl::Status Workflow::CopyTables() {
  while (!stop_) {
    SC_ASSIGN_OR_RETURN(std::vector<CopyStateRow> tables,
                        ReadCopyState(*conn_, id_));
    if (tables.empty()) return absl::OkStatus();
    // (Plans may reload between rounds.)
    SC_RETURN_IF_ERROR(SetForeignKeyChecks(!copy_without_foreign_key_checks_));
    if (!pos_.empty() && !options_.server_side_copy) {
      // Catch up on changes to rows already copied before the next snapshot
      // (the server-side copy catches up before each of its chunks).
      SC_ASSIGN_OR_RETURN(mysql::Position now, ServerPosition());
      SC_RETURN_IF_ERROR(Play(now, /*copy_filter=*/true));
      if (stop_) return absl::OkStatus();
    }
    // An early refusal only, while prepared XA transactions are pending
    // (nothing is read yet): what keeps the copy from missing their rows
    // is the check once its first position is read (CheckNoPreparedXa),
    // which covers the throttle's wait as well.
    if (pos_.empty()) SC_RETURN_IF_ERROR(CheckNoPreparedXa());
    SC_RETURN_IF_ERROR(WaitUntilNotThrottled());
    if (stop_) return absl::OkStatus();
    SC_RETURN_IF_ERROR(options_.server_side_copy
                           ? CopyServerSide(tables.front())
                           : CopyOneSnapshot(tables.front()));
  }
  return absl::OkStatus();
}

void Workflow::ResizeBatch(size_t rows, absl::Duration took) {
  if (took <= absl::ZeroDuration()) return;
  double scaled =
      static_cast<double>(rows) * (options_.copy_batch_target / took);
  // At least a row (LIMIT 0 copies nothing, ever), whatever the bounds.
  const size_t lo = std::max<size_t>(1, options_.copy_batch_min_rows);
  const size_t hi = std::max(lo, options_.copy_batch_max_rows);
  batch_rows_ = static_cast<size_t>(std::clamp<double>(
      scaled, static_cast<double>(lo), static_cast<double>(hi)));
}

absl::StatusOr<std::string> Workflow::CheckThrottle() {
  if (!options_.throttle) return std::string();
  SC_ASSIGN_OR_RETURN(std::string reason, options_.throttle(*conn_));
  if (reason.empty() && options_.throttle_ratio) {
    SC_ASSIGN_OR_RETURN(double ratio, options_.throttle_ratio(*conn_, row_));
    if (ratio > 0 &&
        std::uniform_real_distribution<double>(0, 1)(throttle_draws_) < ratio) {
      reason = absl::StrCat("throttled by request at ratio ", ratio);
    }
  }
  if (reason.empty() && !throttle_recorded_) return reason;
  // Recorded while held (time_throttled kept fresh), cleared when it goes
  // on. Printable ASCII only and short: the column's character set is the
  // server's default, and a value it cannot hold would fail the workflow.
  std::string shown;
  for (char c : reason.substr(0, 500)) {
    shown.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  SC_RETURN_IF_ERROR(
      conn_
          ->Execute(absl::StrCat(
              "UPDATE _vt.vreplication SET ",
              reason.empty() ? "" : "time_throttled = UNIX_TIMESTAMP(), ",
              "component_throttled = ",
              mysql::QuoteString(reason.empty() ? "" : "vcopier"),
              ", reason_throttled = ", mysql::QuoteString(shown),
              " WHERE id = ", id_))
          .status());
  throttle_recorded_ = !reason.empty();
  return reason;
}

absl::Status Workflow::WaitUntilNotThrottled() {
  while (!stop_) {
    SC_ASSIGN_OR_RETURN(std::string reason, CheckThrottle());
    if (reason.empty()) return absl::OkStatus();
    if (!pos_.empty()) {
      // The tail keeps up with the rows already copied meanwhile: a hold
      // can last hours (a replica down), and a position left that far
      // behind could see its binlog purged.
      SC_ASSIGN_OR_RETURN(mysql::Position now, ServerPosition());
      SC_RETURN_IF_ERROR(Play(now, /*copy_filter=*/true));
      if (stop_) return absl::OkStatus();
    }
    clock_->SleepFor(options_.throttle_recheck);
  }
  return absl::OkStatus();
}

absl::StatusOr<const TablePlan*> Workflow::CopyPlan(
    const CopyStateRow& table) const {
  auto it = plans_.find(table.table_name);
  if (it == plans_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "copy_state names table ", table.table_name, " that no rule targets"));
  }
  return &it->second;
}

absl::StatusOr<absl::optional<LastPk>> Workflow::CopyResumeKey(
    const CopyStateRow& table, const RowApplier& applier) const {
  if (!table.has_lastpk) return absl::optional<LastPk>();
  SC_ASSIGN_OR_RETURN(LastPk pk, applier.DecodeLastPk(table.lastpk));
  return absl::optional<LastPk>(std::move(pk));
}

std::string Workflow::CopyProgressSql(const CopyStateRow& table,
                                      const RowApplier& applier,
                                      const LastPk* lastpk, uint64_t rows,
                                      bool done) const {
  const std::string where_table =
      absl::StrCat(" WHERE vrepl_id = ", id_,
                   " AND table_name = ", mysql::QuoteString(table.table_name));
  std::vector<std::string> sql;
  if (done) {
    sql.push_back(absl::StrCat("DELETE FROM _vt.copy_state", where_table));
  } else if (lastpk != nullptr) {
    sql.push_back(absl::StrCat(
        "UPDATE _vt.copy_state SET lastpk = ",
        mysql::QuoteString(applier.EncodeLastPk(*lastpk)), where_table));
  }
  if (rows > 0) {
    sql.push_back(absl::StrCat(
        "UPDATE _vt.vreplication SET rows_copied = rows_copied + ", rows,
        ", time_updated = UNIX_TIMESTAMP() WHERE id = ", id_));
  }
  return absl::StrJoin(sql, ";\n");
}

absl::Status Workflow::CopyOneSnapshot(const CopyStateRow& table) {
  SC_ASSIGN_OR_RETURN(const TablePlan* plan, CopyPlan(table));
  RowApplier applier(plan, &collations_);

  // A consistent snapshot and the exact binlog position it corresponds to.
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> snap,
                      mysql::MysqlConnection::Connect(options_.connect));
  SC_RETURN_IF_ERROR(
      snap->Execute("SET SESSION time_zone = '+00:00'").status());
  // The copy's sql_mode, not the server's: the plan's expressions read as
  // the replay reads them, and a key bound (a CAST of a date only
  // ALLOW_INVALID_DATES stores, or of a zero date) is not NULL.
  SC_ASSIGN_OR_RETURN(std::string mode,
                      mysql::QueryValue(*conn_, "SELECT @@SESSION.sql_mode"));
  SC_RETURN_IF_ERROR(snap->Execute(absl::StrCat("SET SESSION sql_mode = ",
                                                mysql::QuoteString(mode)))
                         .status());
  // Character values as stored, not through utf8mb4 (cp932 0xED40 comes
  // back as 0xFA5C): each field then names its column's collation, and the
  // insert's literals that character set.
  SC_RETURN_IF_ERROR(
      snap->Execute("SET SESSION character_set_results = NULL").status());
  // InnoDB takes the snapshot only under REPEATABLE READ (a server
  // defaulting to READ COMMITTED would read rows newer than the position).
  SC_RETURN_IF_ERROR(
      snap->Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
          .status());
  SC_RETURN_IF_ERROR(
      snap->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT").status());
  SC_ASSIGN_OR_RETURN(
      mysql::Result st,
      snap->Execute("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'"));
  std::string file, offset;
  for (const mysql::Row& r : st.rows) {
    if (r.Get(0) == "Binlog_snapshot_file") file = std::string(r.Get(1));
    if (r.Get(0) == "Binlog_snapshot_position") offset = std::string(r.Get(1));
  }
  SC_ASSIGN_OR_RETURN(
      std::string gtid,
      mysql::QueryValue(*snap,
                        absl::StrCat("SELECT IFNULL(BINLOG_GTID_POS(",
                                     mysql::QuoteString(file), ", ",
                                     offset.empty() ? "0" : offset, "), '')")));
  SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos g,
                      mysql::MariadbGtidPos::Parse(gtid));
  mysql::Position snapshot(g);
  // The first snapshot: one prepared before it is logged before the
  // stream's start and invisible to it (CheckNoPreparedXa). Checked before
  // it as well, this leaves only one prepared between that check and the
  // snapshot and ended between the snapshot and now: the stream, watching
  // from the snapshot on, fails the workflow at its XA COMMIT (xa_watch.h).
  const bool first = pos_.empty();
  if (first) SC_RETURN_IF_ERROR(CheckNoPreparedXa());

  // Bring rows already copied up to the snapshot, then record it.
  if (!first) {
    const int generation = plans_generation_;
    SC_RETURN_IF_ERROR(Play(snapshot, /*copy_filter=*/true));
    // Plans reloaded (a DDL): `plan` is gone and the snapshot may show the
    // table as the DDL left it; the copy loop starts over.
    if (stop_ || plans_generation_ != generation) return absl::OkStatus();
  }
  SC_ASSIGN_OR_RETURN(pos_, pos_.Union(snapshot));
  if (first) xa_watch_.Start();
  SC_RETURN_IF_ERROR(SavePosition(0));

  SC_ASSIGN_OR_RETURN(absl::optional<LastPk> lastpk,
                      CopyResumeKey(table, applier));
  std::vector<mysql::Field> fields;
  std::vector<mysql::Row> batch;
  auto commit = [&](bool done) -> absl::Status {
    SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
    absl::optional<LastPk> copied;
    if (!batch.empty()) {
      SC_RETURN_IF_ERROR(
          conn_->Execute(applier.CopyInsert(fields, batch)).status());
      copied = applier.KeyOfCopiedRow(batch.back());
    }
    std::string progress = CopyProgressSql(
        table, applier, copied ? &*copied : nullptr, batch.size(), done);
    if (!progress.empty()) {
      SC_RETURN_IF_ERROR(conn_->Execute(progress).status());
    }
    SC_RETURN_IF_ERROR(conn_->Execute("COMMIT").status());
    batch.clear();
    return absl::OkStatus();
  };
  const absl::Time deadline = clock_->Now() + options_.copy_phase_duration;
  if (batch_rows_ == 0) {
    batch_rows_ = std::max<size_t>(1, options_.copy_batch_rows);
  }
  bool paused = false;
  absl::Status s = snap->ExecuteStreaming(
      applier.CopyQuery(lastpk.has_value() ? &*lastpk : nullptr),
      [&](const std::vector<mysql::Field>& f) {
        fields = f;
        return absl::OkStatus();
      },
      [&](const mysql::Row& row) -> absl::Status {
        batch.push_back(row);
        if (batch.size() < batch_rows_) return absl::OkStatus();
        const size_t n = batch.size();
        absl::Time t0 = clock_->Now();
        SC_RETURN_IF_ERROR(commit(false));
        ResizeBatch(n, clock_->Now() - t0);
        SC_ASSIGN_OR_RETURN(std::string throttled, CheckThrottle());
        if (stop_ || clock_->Now() >= deadline || !throttled.empty()) {
          paused = true;  // catch up (and wait out the throttle) first
          // The query stops where it is: the client would otherwise read
          // off the rest of the table to end it, at every pause. (The
          // snapshot is not used again; conn_ is outside a transaction. A
          // failed KILL costs only that read.)
          conn_->Execute(absl::StrCat("KILL QUERY ", snap->ConnectionId()))
              .status()
              .IgnoreError();
          return absl::CancelledError("copy paused");
        }
        return absl::OkStatus();
      });
  if (paused) return absl::OkStatus();  // rows committed; catch up next
  SC_RETURN_IF_ERROR(s);
  return commit(/*done=*/true);
}

}  // namespace vreplication
}  // namespace sidecut
