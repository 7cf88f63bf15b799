// The binlog player of Workflow (catch-up during copy, and the running
// phase).
#include <algorithm>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mysql/binlog_streamer.h"
#include "mysql/column_types.h"
#include "mysql/mariadb_binlog_source.h"
#include "mysql/quoting.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"
#include "vreplication/filter.h"
#include "vreplication/net_changes.h"
#include "vreplication/target_writes.h"
#include "vreplication/workflow.h"

namespace sidecut {
namespace vreplication {
namespace {

// Whether a change of `rows` holds an ENUM's invalid value (index 0,
// stored under a non-strict sql_mode), which reads as '' where '' is no
// member (where it is one, '' is that member: the decoder refuses index 0
// there). The copy's INSERT ... SELECT keeps it; no literal stores it
// under a strict sql_mode.
bool HoldsInvalidEnum(const mysql::TableMap& table,
                      const mysql::RowsEvent& rows) {
  for (size_t c = 0; c < table.columns.size(); ++c) {
    const mysql::ColumnDef& def = table.columns[c];
    if (def.type != mysql::kTypeEnum || def.enum_values.empty() ||
        std::find(def.enum_values.begin(), def.enum_values.end(), "") !=
            def.enum_values.end()) {
      continue;
    }
    for (const mysql::RowChange& change : rows.rows) {
      for (const absl::optional<mysql::Row>* image :
           {&change.before, &change.after}) {
        if (image->has_value() && c < (*image)->size() &&
            !(*image)->IsNull(c) && (*image)->Get(c).empty()) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::map<std::string, Workflow::CopyFilter>>
Workflow::LoadCopyFilters() {
  std::map<std::string, CopyFilter> filters;
  SC_ASSIGN_OR_RETURN(std::vector<CopyStateRow> rows,
                      ReadCopyState(*conn_, id_));
  for (const CopyStateRow& r : rows) {
    auto it = plans_.find(r.table_name);
    if (it == plans_.end()) continue;
    CopyFilter f;
    if (!r.has_lastpk) {
      f.state = TableCopy::kNotStarted;
    } else {
      RowApplier applier(&it->second, &collations_);
      SC_ASSIGN_OR_RETURN(f.lastpk, applier.DecodeLastPk(r.lastpk));
      f.state = TableCopy::kCopying;
    }
    filters[r.table_name] = std::move(f);
  }
  return filters;
}

void Workflow::PaceTransactions() {
  if (max_tps_ <= 0) return;
  absl::Time next = last_txn_ + absl::Seconds(1) / max_tps_;
  absl::Time now = clock_->Now();
  if (next > now) clock_->SleepUntil(next);
  last_txn_ = std::max(next, now);
}

absl::Status Workflow::RecordHeartbeat() {
  return conn_
      ->Execute(absl::StrCat(
          "UPDATE _vt.vreplication SET time_heartbeat = UNIX_TIMESTAMP() "
          "WHERE id = ",
          id_))
      .status();
}

absl::Status Workflow::WaitWhileHeld() {
  const absl::Time since = clock_->Now();
  absl::Time beat = since;
  while (held_ && !stop_) {
    clock_->SleepFor(absl::Milliseconds(20));
    const absl::Time now = clock_->Now();
    // Behind at least by the hold: its changes wait in the binlog.
    const int64_t held_for = absl::ToInt64Seconds(now - since) + 1;
    lag_seconds_ = std::max(lag_seconds_.load(), held_for);
    if (now - beat >= absl::Seconds(1)) {
      SC_RETURN_IF_ERROR(RecordHeartbeat());
      beat = now;
    }
  }
  return absl::OkStatus();
}

namespace {
constexpr char kDdlAbortPayload[] = "sidecut.dev/ddl-abort";
}  // namespace

absl::Status Workflow::ExecuteInPackets(
    const std::vector<std::string>& statements) {
  // Room for the packet's header and the separators' rounding.
  const size_t limit = max_packet_ > 4096 ? max_packet_ - 1024 : max_packet_;
  for (const std::string& sql : statements) {  // before any is sent
    if (sql.size() > limit) {
      // Not permanent: raising the server's max_allowed_packet lets the
      // retry (on a new session, which reads it anew) through.
      return absl::ResourceExhaustedError(absl::StrCat(
          "a replayed change needs a statement of ", sql.size(),
          " bytes, more than the server's max_allowed_packet (", max_packet_,
          "): raise it (SET GLOBAL max_allowed_packet = ...; up to 1G) for "
          "the workflow to go on: ",
          absl::string_view(sql).substr(0, 100)));
    }
  }
  std::string packet;
  for (const std::string& sql : statements) {
    if (!packet.empty() && packet.size() + 2 + sql.size() > limit) {
      SC_RETURN_IF_ERROR(conn_->Execute(packet).status());
      packet.clear();
    }
    if (!packet.empty()) packet += ";\n";
    packet += sql;
  }
  if (packet.empty()) return absl::OkStatus();
  return conn_->Execute(packet).status();
}

absl::Status Workflow::DdlAbort() {
  absl::Status s = absl::AbortedError("DDL during a copy chunk's catch-up");
  s.SetPayload(kDdlAbortPayload, absl::Cord("1"));
  return s;
}

bool Workflow::IsDdlAbort(const absl::Status& s) {
  return absl::IsAborted(s) && s.GetPayload(kDdlAbortPayload).has_value();
}

bool Workflow::DdlMayChangePlans(const std::string& statement,
                                 const std::string& session_db) const {
  // Another database's drop changes nothing here (scratch databases).
  if (DdlDropsDatabase(statement, row_.db_name)) return true;
  for (const auto& [target, plan] : plans_) {
    if (DdlChangesTable(statement, session_db, row_.db_name,
                        plan.source.table) ||
        DdlChangesTable(statement, session_db, row_.db_name,
                        plan.target.table)) {
      return true;
    }
  }
  return false;
}

absl::Status Workflow::HandleDdl(const std::string& statement,
                                 const std::string& session_db, bool* stop) {
  *stop = false;
  switch (row_.source.on_ddl()) {
    case binlogdata::IGNORE:
      // Columns may have changed (not by DDL on other tables: reloading
      // for each starts a copy over, and a stream of them stalled it).
      if (!DdlMayChangePlans(statement, session_db)) return absl::OkStatus();
      return LoadPlans();
    case binlogdata::STOP: {
      // Only DDL on a table this workflow reads stops it.
      bool relevant = false;
      std::string renamed;
      const bool target_too = absl::StrContains(row_.tags, kTagStopOnTargetDdl);
      for (const auto& [target, plan] : plans_) {
        relevant |= DdlChangesTable(statement, session_db, row_.db_name,
                                    plan.source.table);
        relevant |=
            target_too && DdlChangesTable(statement, session_db, row_.db_name,
                                          plan.target.table);
        absl::optional<std::string> to =
            RenamedTo(statement, session_db, row_.db_name, plan.source.table);
        if (to.has_value() && renamed.empty()) {
          renamed = absl::StrCat(
              "RENAME TABLE ",
              mysql::QuoteQualified(row_.db_name, plan.source.table), " TO ",
              *to);
        }
      }
      if (!relevant) {
        SetCommitted();
        return absl::OkStatus();
      }
      std::string message = absl::StrCat("Stopped at DDL ", statement);
      // Too long to keep whole (the column holds 1000 bytes): the clause
      // saying where the source table went (a cut-over recognizes its own).
      if (message.size() > 1000 && !renamed.empty()) {
        message = absl::StrCat("Stopped at DDL ", renamed, " (and more)");
      }
      // One commit: a crash between the two would resume past the DDL.
      SC_RETURN_IF_ERROR(StopSaying(message));
      *stop = true;
      return absl::OkStatus();
    }
    case binlogdata::EXEC:
    case binlogdata::EXEC_IGNORE:
      return LoadPlans();  // refuses them (source and target are one)
    default:
      return absl::OkStatus();
  }
}

absl::Status Workflow::StopSaying(const std::string& message) {
  SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
  absl::Status s = SavePosition(0, /*in_transaction=*/true);
  if (s.ok()) s = SetState(*conn_, id_, kStateStopped, message);
  if (s.ok()) s = conn_->Execute("COMMIT").status();
  if (!s.ok()) {
    conn_->Execute("ROLLBACK").IgnoreError();
    return s;
  }
  xa_watch_.Saved();
  return absl::OkStatus();
}

namespace {

// Whether `txn` records a workflow's position (writes _vt.vreplication, as
// every transaction a workflow applies does), logged as rows or as a
// statement.
bool RecordsAPosition(const mysql::Transaction& txn) {
  for (const mysql::DecodedEvent& ev : txn.events) {
    if (ev.kind == mysql::DecodedEvent::Kind::kRows && ev.table != nullptr &&
        ev.table->database == "_vt" && ev.table->table == "vreplication") {
      return true;
    }
    if (ev.kind == mysql::DecodedEvent::Kind::kQuery) {
      const absl::optional<WrittenTable> w =
          SingleTableWritten(ev.query.query, ev.query.database);
      if (w.has_value() && absl::EqualsIgnoreCase(w->database, "_vt") &&
          absl::EqualsIgnoreCase(w->table, "vreplication")) {
        return true;
      }
    }
  }
  return false;
}

std::string GtidText(const mysql::GtidEvent& gtid) {
  return gtid.flavor == mysql::Flavor::kMysql56
             ? absl::StrCat(gtid.mysql_uuid, ":", gtid.mysql_gno)
             : gtid.mariadb.ToString();
}

}  // namespace

absl::StatusOr<Workflow::Stream*> Workflow::StreamAtPosition() {
  if (stream_ != nullptr && stream_->valid && stream_->at == pos_) {
    return stream_.get();
  }
  stream_.reset();
  auto s = std::make_unique<Stream>();
  mysql::MariadbBinlogSourceOptions so;
  so.connect = options_.connect;
  so.heartbeat_period = options_.heartbeat_period;
  s->factory = std::make_unique<mysql::MariadbBinlogSourceFactory>(so);
  mysql::BinlogStreamerOptions stream_options;
  stream_options.cancelled = [this] { return stop_.load(); };
  s->streamer = std::make_unique<mysql::BinlogStreamer>(s->factory.get(), pos_,
                                                        clock_, stream_options);
  SC_ASSIGN_OR_RETURN(s->schema_conn,
                      mysql::MysqlConnection::Connect(options_.connect));
  // Which columns are UUID/INET6/INET4 (the binlog shows their bytes). A
  // lookup that fails is an error, never "no such columns": that would
  // decode those values as raw bytes and match no row with them.
  Stream* raw = s.get();
  const mysql::ConnectParams connect = options_.connect;
  s->streamer->SetSchemaResolver(
      [raw, connect](const std::string& db, const std::string& table)
          -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
        absl::flat_hash_map<std::string, std::string> types;
        absl::StatusOr<TableSchema> ts =
            LoadTableSchema(*raw->schema_conn, db, table);
        if (!ts.ok() && ts.status().code() == absl::StatusCode::kUnavailable) {
          // The session sat idle past wait_timeout, or the server went
          // away: once more on a new one.
          SC_ASSIGN_OR_RETURN(raw->schema_conn,
                              mysql::MysqlConnection::Connect(connect));
          ts = LoadTableSchema(*raw->schema_conn, db, table);
        }
        if (!ts.ok()) {
          if (ts.status().code() == absl::StatusCode::kNotFound) {
            return types;  // dropped since: nothing special
          }
          return ts.status();
        }
        for (const ColumnInfo& c : ts->columns) types[c.name] = c.data_type;
        return types;
      });
  // Rows of other tables (the copy's own inserts, above all) are not
  // decoded.
  s->streamer->SetTableFilter(
      [this](const std::string& db, const std::string& table) {
        return SameName(db, row_.db_name) && target_of_source_.count(table) > 0;
      });
  s->at = pos_;
  s->valid = true;
  stream_ = std::move(s);
  return stream_.get();
}

absl::Status Workflow::Play(const absl::optional<mysql::Position>& stop_at,
                            bool copy_filter) {
  std::map<std::string, CopyFilter> filters;
  if (copy_filter) {
    SC_ASSIGN_OR_RETURN(filters, LoadCopyFilters());
  }
  SC_ASSIGN_OR_RETURN(Stream * stream, StreamAtPosition());
  mysql::BinlogStreamer* streamer = stream->streamer.get();
  // Until this call returns normally the stream may stand past pos_ (an
  // error, or a chunk rolled back): then it is reopened next time.
  stream->valid = false;
  // Applied transactions are grouped into one target transaction while the
  // stream is behind (their commit times are older than a second), and
  // sent in one round trip (as few as max_allowed_packet allows; one
  // transaction on the target either way), with the position recorded in
  // the same commit.
  constexpr size_t kMaxBatchBytes = 4 << 20;
  constexpr int kMaxBatchTxns = 200;
  std::vector<std::string> pending;  // statements, in order
  size_t pending_bytes = 0;
  // Changes to tables whose batches apply as their net effect (two
  // statements per table per batch; see net_changes.h).
  struct Net {
    std::unique_ptr<RowApplier> applier;
    std::unique_ptr<NetChanges> changes;
  };
  std::map<std::string, Net> net;
  std::string lenient_sql_mode;  // "sql_mode = '...'", once needed
  size_t net_rows = 0;
  size_t net_bytes = 0;
  auto has_pending = [&] { return !pending.empty() || net_rows > 0; };
  int pending_txns = 0;
  bool dirty = false;  // position advanced but not saved
  absl::Time last_save = clock_->Now();
  absl::Time last_heartbeat = absl::InfinitePast();
  absl::Time pending_since = absl::InfinitePast();
  int64_t last_ts = 0;
  // Applies what is pending, with the position, in one transaction; inside
  // a copy chunk's transaction only the statements (its commit saves the
  // position).
  auto flush = [&]() -> absl::Status {
    if (!has_pending() && !dirty) return absl::OkStatus();
    if (has_pending()) {
      std::vector<std::string> body = std::move(pending);
      for (auto& [table, n] : net) n.changes->Render(&body);
      // With foreign key checks, as the source ran them: a replayed child
      // row whose parent was deleted since fails and is retried (reading
      // on, the stream finds the row's own delete), and a row the binlog
      // never says was deleted (a cascade) fails the migration instead of
      // surviving in the new table.
      if (!in_chunk_txn_) {
        body.insert(body.begin(), "BEGIN");
        body.push_back(SavePositionSql(id_, pos_.ToString(), last_ts));
        std::string xa = xa_watch_.SaveSql(id_);
        if (!xa.empty()) body.push_back(std::move(xa));
        body.push_back("COMMIT");
      }
      const absl::Time t0 = clock_->Now();
      absl::Status s = ExecuteInPackets(body);
      play_apply_time_ += clock_->Now() - t0;
      if (!s.ok()) {
        if (!in_chunk_txn_) conn_->Execute("ROLLBACK").IgnoreError();
        return s;
      }
      if (!in_chunk_txn_) xa_watch_.Saved();
    } else if (!in_chunk_txn_) {  // only the position moved
      SC_RETURN_IF_ERROR(SavePosition(last_ts));
    }
    net.clear();  // plans may be reloaded after a flush
    net_rows = 0;
    net_bytes = 0;
    pending.clear();
    pending_bytes = 0;
    pending_txns = 0;
    dirty = false;
    if (!in_chunk_txn_) {
      last_save = clock_->Now();
      SetCommitted();
    }
    return absl::OkStatus();
  };
  std::vector<std::string> stmts;
  // A reverse stream records someone else's write to its target (the table
  // a revert would swap back in; see target_writes.h).
  const bool watch_targets = absl::StrContains(row_.tags, kTagStopOnTargetDdl);
  bool foreign_write_logged = false;
  while (!stop_ && !(stop_at.has_value() && pos_.AtLeast(*stop_at))) {
    if (held_ && !copy_filter && !in_chunk_txn_ && !alongside_chunk_) {
      // Nothing commits to the targets while held (what is pending, and
      // the position, first). Nothing is read either: the binlog
      // connection closes (the server drops one left unread past its
      // net_write_timeout) and reopens at pos_ once released.
      SC_RETURN_IF_ERROR(flush());
      stream_.reset();
      SC_RETURN_IF_ERROR(WaitWhileHeld());
      if (stop_) return absl::OkStatus();  // flushed; reopened next time
      SC_ASSIGN_OR_RETURN(stream, StreamAtPosition());
      stream->valid = false;
      streamer = stream->streamer.get();
      continue;
    }
    const absl::Time t0 = clock_->Now();
    const uint64_t bytes0 = streamer->bytes_read();
    absl::StatusOr<mysql::StreamItem> next = streamer->Next();
    play_stream_time_ += clock_->Now() - t0;
    play_stream_bytes_ += streamer->bytes_read() - bytes0;
    if (!next.ok()) {
      stream_.reset();
      return next.status();
    }
    mysql::StreamItem item = *std::move(next);
    absl::Time now = clock_->Now();
    if (item.kind == mysql::StreamItem::Kind::kHeartbeat) {
      if (!copy_filter) lag_seconds_ = 0;
      // Idle: nothing more is coming now. Commit what is pending; record a
      // position advanced only by others' transactions at most every
      // position_save_interval (each save is itself a binlog event).
      if (has_pending() ||
          (dirty && now - last_save >= options_.position_save_interval)) {
        SC_RETURN_IF_ERROR(flush());
      } else {
        SetCommitted();
      }
      if (now - last_heartbeat >= absl::Seconds(1)) {
        SC_RETURN_IF_ERROR(RecordHeartbeat());
        last_heartbeat = now;
      }
      continue;
    }
    const mysql::Transaction& txn = item.transaction;
    if (absl::Status xa = xa_watch_.See(txn); !xa.ok()) {
      stream_.reset();
      return xa;
    }
    stmts.clear();
    // Whether this transaction writes a target without recording a
    // workflow's position (asked once, at its first write to one).
    absl::optional<bool> foreign;
    auto foreign_write = [&] {
      if (!foreign.has_value()) foreign = !RecordsAPosition(txn);
      return *foreign;
    };
    // Recorded with the position past the transaction (once).
    bool noted = false;
    auto note_foreign_write = [&](const std::string& target) {
      if (noted) return;
      noted = true;
      const std::string gtid = GtidText(txn.gtid);
      if (!foreign_write_logged) {  // once per run: a bulk job writes many
        foreign_write_logged = true;
        std::cerr << "workflow " << id_ << ": "
                  << mysql::QuoteQualified(row_.db_name, target)
                  << " was written by another session (GTID " << gtid
                  << "): recorded, a revert checks it again\n";
      }
      stmts.push_back(RecordTargetWriteSql(id_, target, gtid));
    };
    bool netted = false;  // this transaction added to `net`
    bool ddl_stop = false;
    for (const mysql::DecodedEvent& ev : txn.events) {
      if (ev.kind == mysql::DecodedEvent::Kind::kQuery) {
        if (txn.standalone && MayRedefineObjects(ev.query.query)) {
          indirect_paths_.reset();
        }
        if (txn.standalone &&
            StatementTouchesDatabase(ev.query.query, ev.query.database,
                                     row_.db_name)) {
          if ((in_chunk_txn_ || alongside_chunk_) &&
              DdlMayChangePlans(ev.query.query, ev.query.database)) {
            // Before anything of it applies: the stream is reopened at pos_
            // and reads the DDL again. (Alongside a chunk, what came before
            // it commits with its position first.)
            if (alongside_chunk_) SC_RETURN_IF_ERROR(flush());
            return DdlAbort();
          }
          // Any other DDL changes nothing for the plans in use (after the
          // chunk too; a stream of them, scratch tables created and
          // dropped, used to roll back every locked chunk).
          if (in_chunk_txn_ || alongside_chunk_) continue;
          if (!txn.out_of_order.empty()) {
            return absl::FailedPreconditionError(txn.out_of_order);
          }
          SC_RETURN_IF_ERROR(flush());
          pos_ = txn.position;
          const int generation = plans_generation_;
          SC_RETURN_IF_ERROR(
              HandleDdl(ev.query.query, ev.query.database, &ddl_stop));
          if (ddl_stop) {
            stop_ = true;
            return absl::OkStatus();
          }
          // Plans reloaded (on_ddl IGNORE): the copy filters' last keys
          // are decoded again for them (kept, they were read against the
          // old key's columns, past their end if the key grew).
          if (copy_filter && plans_generation_ != generation) {
            SC_ASSIGN_OR_RETURN(filters, LoadCopyFilters());
          }
        } else if (!txn.standalone) {
          // A change logged as a statement (a session with binlog_format
          // STATEMENT or MIXED): its rows are not in the binlog.
          const std::string& query = ev.query.query;
          // A single-table write changes that table only, whatever its
          // columns or the tables it reads are named (like a source
          // table: `pos` of our own chunk's bookkeeping in _vt, a column
          // `user` in another workflow's statement-logged chunk).
          const absl::optional<WrittenTable> written =
              SingleTableWritten(query, ev.query.database);
          auto written_is = [&](absl::string_view db, absl::string_view t) {
            return written.has_value() &&
                   absl::EqualsIgnoreCase(written->database, db) &&
                   absl::EqualsIgnoreCase(written->table, t);
          };
          // Ours: a statement-logged copy chunk of ours writes its target,
          // and records its progress in _vt.
          bool ours = written.has_value() &&
                      absl::EqualsIgnoreCase(written->database, "_vt");
          for (const auto& [source, target] : target_of_source_) {
            // Or a statement that may write it (a multi-table UPDATE
            // naming it, say), taken for one.
            if (watch_targets &&
                (written_is(row_.db_name, target) ||
                 (!written.has_value() &&
                  StatementTouchesDatabase(query, ev.query.database,
                                           row_.db_name) &&
                  StatementMentionsTable(query, target))) &&
                foreign_write()) {
              note_foreign_write(target);
            }
            ours |= written_is(row_.db_name, target);
          }
          if (!ours) {
            SC_RETURN_IF_ERROR(
                CheckIndirectStatement(query, ev.query.database));
          }
          // Any other form: whatever names a source table in the database
          // may change it (StatementMentionsTable says yes to every table
          // for a statement that does not parse).
          const bool touches =
              !written.has_value() &&
              StatementTouchesDatabase(query, ev.query.database, row_.db_name);
          for (const auto& [source, target] : target_of_source_) {
            if (ours || !(written_is(row_.db_name, source) ||
                          (touches && StatementMentionsTable(query, source)))) {
              continue;
            }
            return absl::FailedPreconditionError(absl::StrCat(
                "a change to ", mysql::QuoteQualified(row_.db_name, source),
                " was logged as a statement, not as rows (a session with "
                "binlog_format STATEMENT or MIXED): it cannot be replayed "
                "exactly; every client must log rows (SET GLOBAL "
                "binlog_format = ROW, then reconnect them), then the "
                "migration retried: ",
                ev.query.query.substr(0, 200)));
          }
        }
        continue;
      }
      // Database names fold as table names do (lower_case_table_names 1:
      // the binlog names `shop` for a workflow's `Shop`).
      if (ev.kind != mysql::DecodedEvent::Kind::kRows ||
          !SameName(ev.table->database, row_.db_name)) {
        continue;
      }
      if (watch_targets && plans_.count(ev.table->table) > 0 &&
          foreign_write()) {
        note_foreign_write(ev.table->table);
      }
      auto src = target_of_source_.find(ev.table->table);
      if (src == target_of_source_.end()) continue;
      if (!txn.out_of_order.empty()) {
        return absl::FailedPreconditionError(txn.out_of_order);
      }
      if (txn.xa_prepared) {
        // Committed or rolled back later, by a group that carries no rows:
        // applying now could keep rows the source rolls back, and waiting
        // would lose them on a restart (the position moved on).
        return absl::FailedPreconditionError(absl::StrCat(
            "a two-phase XA transaction (XA PREPARE) changed ",
            mysql::QuoteQualified(row_.db_name, ev.table->table),
            ": its outcome comes later without its rows, so it cannot be "
            "replayed safely; while the table is migrated, end XA "
            "transactions on it with XA COMMIT .. ONE PHASE, then retry "
            "the migration"));
      }
      // A session logging partial images (binlog_row_image MINIMAL or
      // NOBLOB, e.g. one opened before the global setting was fixed): the
      // missing columns would apply as NULL. Stop rather than diverge.
      for (const std::vector<bool>* present :
           {&ev.rows.columns_before, &ev.rows.columns_after}) {
        if (std::find(present->begin(), present->end(), false) !=
            present->end()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "a change to ",
              mysql::QuoteQualified(row_.db_name, ev.table->table),
              " in the binlog lacks columns (a session with "
              "binlog_row_image other than FULL): it cannot be replayed "
              "exactly; every client must log full rows (SET GLOBAL "
              "binlog_row_image = FULL, then reconnect them), then the "
              "migration retried"));
        }
      }
      // Without the full metadata (binlog_row_metadata changed since the
      // start) ENUM/SET values come as indexes and signedness is unknown.
      if (!ev.table->columns.empty() && ev.table->columns[0].name.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "a change to ",
            mysql::QuoteQualified(row_.db_name, ev.table->table),
            " in the binlog lacks the column metadata (binlog_row_metadata "
            "is no longer FULL): it cannot be replayed exactly; SET GLOBAL "
            "binlog_row_metadata = FULL, then retry the migration"));
      }
      const TablePlan& plan = plans_.at(src->second);
      SC_RETURN_IF_ERROR(
          RowApplier(&plan, &collations_).CheckColumns(*ev.table));
      const LastPk* lastpk = nullptr;
      auto f = filters.find(plan.target.table);
      if (f != filters.end()) {
        if (f->second.state == TableCopy::kNotStarted) continue;
        lastpk = &f->second.lastpk;
      }
      // A change the source made with foreign_key_checks = 0 applies
      // without them too, as a replica applies it (and Vitess's vplayer):
      // with them, an orphan row it inserted fails here, and a parent row
      // it deleted cascades on the targets where it did not on the source.
      // The same for check_constraint_checks = 0 (MariaDB): a row failing
      // a CHECK stopped the workflow. Row by row, after what is netted for
      // its table so far; only where the target has such keys or checks
      // (bulk loads run without them: their changes keep netting).
      std::string unchecked_vars;
      if (foreign_key_checks_ && plan.foreign_keys &&
          (ev.rows.flags & mysql::kRowsNoForeignKeyChecks) != 0) {
        unchecked_vars = "foreign_key_checks = 0";
      }
      if (plan.checks &&
          (ev.rows.flags & mysql::kRowsNoCheckConstraintChecks) != 0) {
        absl::StrAppend(&unchecked_vars, unchecked_vars.empty() ? "" : ", ",
                        "check_constraint_checks = 0");
      }
      if (HoldsInvalidEnum(*ev.table, ev.rows)) {
        // Written as '' under the session's sql_mode less its strictness,
        // the server stores index 0 again (strict, it refused it and the
        // migration failed).
        if (lenient_sql_mode.empty()) {
          SC_ASSIGN_OR_RETURN(
              std::string mode,
              mysql::QueryValue(*conn_, "SELECT @@SESSION.sql_mode"));
          std::vector<absl::string_view> kept;
          for (absl::string_view m : absl::StrSplit(mode, ',')) {
            if (!absl::StartsWith(m, "STRICT_")) kept.push_back(m);
          }
          lenient_sql_mode = absl::StrCat(
              "sql_mode = ", mysql::QuoteString(absl::StrJoin(kept, ",")));
        }
        absl::StrAppend(&unchecked_vars, unchecked_vars.empty() ? "" : ", ",
                        lenient_sql_mode);
      }
      const bool unchecked = !unchecked_vars.empty();
      if (unchecked) {
        auto n = net.find(plan.target.table);
        if (n != net.end() && n->second.changes != nullptr) {
          n->second.changes->Render(&stmts);
          n->second.changes->Clear();
        }
      }
      // Netted also during the copy where replay is idempotent: the copy
      // filter then decides locally (integer keys) which changes apply.
      if (options_.net_batches && NetChanges::Eligible(plan) && !unchecked &&
          (lastpk == nullptr || plan.idempotent)) {
        Net& n = net[plan.target.table];
        if (n.changes == nullptr) {
          n.applier = std::make_unique<RowApplier>(&plan, &collations_);
          n.changes = std::make_unique<NetChanges>(&plan, n.applier.get());
          // Well within max_allowed_packet (ExecuteInPackets).
          n.changes->set_max_statement_bytes(
              std::min(size_t{1} << 20, max_packet_ / 2));
        }
        for (const mysql::RowChange& change : ev.rows.rows) {
          // Undecidable here whether the row is copied: the row-by-row
          // statements carry the lastpk condition for the server to decide.
          bool undecided = false;
          if (lastpk != nullptr) {
            // Not copied yet: skipped (the copy reads it later). The before
            // and after keys of a netted change are the same.
            const mysql::Row& image =
                change.after.has_value() ? *change.after : *change.before;
            const absl::optional<bool> below =
                n.applier->KeyAtOrBelow(image, *lastpk);
            undecided = !below.has_value();
            if (below == absl::optional<bool>(false)) {
              bool key_update =
                  change.before.has_value() && change.after.has_value() &&
                  n.applier->KeyLiterals(*ev.table, *change.before) !=
                      n.applier->KeyLiterals(*ev.table, *change.after);
              if (!key_update) continue;
            }
          }
          if (!undecided) {
            SC_ASSIGN_OR_RETURN(bool added, n.changes->Add(*ev.table, change));
            if (added) continue;
          }
          // Row by row (a key update, or undecided): what is netted so far
          // goes first, in order.
          n.changes->Render(&stmts);
          n.changes->Clear();
          SC_RETURN_IF_ERROR(
              n.applier->Statements(*ev.table, change, lastpk, &stmts));
        }
        netted |= !ev.rows.rows.empty();
        continue;
      }
      RowApplier applier(&plan, &collations_);
      const size_t first = stmts.size();
      for (const mysql::RowChange& change : ev.rows.rows) {
        SC_RETURN_IF_ERROR(
            applier.Statements(*ev.table, change, lastpk, &stmts));
      }
      for (size_t i = first; unchecked && i < stmts.size(); ++i) {
        stmts[i] =
            absl::StrCat("SET STATEMENT ", unchecked_vars, " FOR ", stmts[i]);
      }
    }
    pos_ = txn.position;
    last_ts = txn.timestamp;
    dirty = true;
    net_rows = 0;
    net_bytes = 0;
    for (const auto& [table, n] : net) {
      net_rows += n.changes->rows();
      net_bytes += n.changes->bytes();
    }
    const bool applied = !stmts.empty() || netted;
    // Not while a locked chunk waits for its catch-up: the chunk's row
    // locks would be held (and the foreground's writes to them wait) for
    // as long as the pacing sleeps.
    if (applied && !in_chunk_txn_) PaceTransactions();
    const int64_t behind =
        std::max<int64_t>(0, absl::ToUnixSeconds(now) - txn.timestamp);
    if (!copy_filter) lag_seconds_ = behind;
    if (applied) {
      if (pending_txns == 0) pending_since = now;
      for (std::string& sql : stmts) {
        pending_bytes += sql.size() + 2;
        pending.push_back(std::move(sql));
      }
      ++pending_txns;
    }
    // Caught up: commit soon, but group what arrives within the batch
    // window (an idle stream flushes at the next heartbeat).
    bool caught_up = behind < 1 && !copy_filter &&
                     now - pending_since >= options_.apply_batch_window;
    bool full = pending_bytes + net_bytes >= kMaxBatchBytes ||
                pending_txns >= kMaxBatchTxns;
    bool reached = stop_at.has_value() && pos_.AtLeast(*stop_at);
    bool save_due =
        !has_pending() && now - last_save >= options_.position_save_interval;
    if ((has_pending() && (caught_up || full || reached)) || save_due) {
      SC_RETURN_IF_ERROR(flush());
    } else if (!has_pending()) {
      SetCommitted();  // nothing of ours is uncommitted up to pos_
    }
  }
  SC_RETURN_IF_ERROR(flush());
  stream->at = pos_;
  stream->valid = true;
  return absl::OkStatus();
}

}  // namespace vreplication
}  // namespace sidecut
