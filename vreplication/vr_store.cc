#include "vreplication/vr_store.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "vreplication/target_writes.h"
#include "vreplication/xa_watch.h"

namespace sidecut {
namespace vreplication {

using mysql::QuoteString;

std::string SourceToText(const binlogdata::BinlogSource& source) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(source, &text);
  return text;
}

absl::StatusOr<binlogdata::BinlogSource> SourceFromText(
    absl::string_view text) {
  binlogdata::BinlogSource s;
  if (!google::protobuf::TextFormat::ParseFromString(std::string(text), &s)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unreadable BinlogSource: ", text));
  }
  return s;
}

absl::StatusOr<int64_t> CreateWorkflow(mysql::Connection& conn,
                                       absl::string_view name,
                                       const binlogdata::BinlogSource& source,
                                       absl::string_view db, int workflow_type,
                                       absl::string_view start_pos) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "INSERT INTO _vt.vreplication (workflow, source, pos, max_tps, "
          "max_replication_lag, time_updated, transaction_timestamp, state, "
          "db_name, workflow_type) VALUES (",
          QuoteString(name), ", ", QuoteString(SourceToText(source)), ", ",
          QuoteString(start_pos),
          ", 9223372036854775807, 9223372036854775807, UNIX_TIMESTAMP(), "
          "0, ",
          QuoteString(start_pos.empty() ? kStateInit : kStateRunning), ", ",
          QuoteString(db), ", ", workflow_type, ")")));
  const int64_t id = static_cast<int64_t>(r.insert_id);
  SC_RETURN_IF_ERROR(conn.Execute(ForgetXaWatchSql(id)).status());
  SC_RETURN_IF_ERROR(conn.Execute(ForgetTargetWritesSql(id)).status());
  return id;
}

absl::StatusOr<WorkflowRow> ReadWorkflow(mysql::Connection& conn, int64_t id) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT id, workflow, source, pos, IFNULL(stop_pos, ''), state, "
          "IFNULL(message, ''), db_name, rows_copied, time_updated, "
          "transaction_timestamp, time_heartbeat, max_tps, time_throttled, "
          "reason_throttled, workflow_type, tags FROM _vt.vreplication "
          "WHERE id = ",
          id)));
  if (r.rows.empty()) {
    return absl::NotFoundError(absl::StrCat("no vreplication workflow ", id));
  }
  const mysql::Row& row = r.rows[0];
  WorkflowRow w;
  w.id = id;
  w.workflow = std::string(row.Get(1));
  SC_ASSIGN_OR_RETURN(w.source, SourceFromText(row.Get(2)));
  w.pos = std::string(row.Get(3));
  w.stop_pos = std::string(row.Get(4));
  w.state = std::string(row.Get(5));
  w.message = std::string(row.Get(6));
  w.db_name = std::string(row.Get(7));
  SC_ASSIGN_OR_RETURN(w.rows_copied, row.GetInt64(8));
  SC_ASSIGN_OR_RETURN(w.time_updated, row.GetInt64(9));
  SC_ASSIGN_OR_RETURN(w.transaction_timestamp, row.GetInt64(10));
  SC_ASSIGN_OR_RETURN(w.time_heartbeat, row.GetInt64(11));
  SC_ASSIGN_OR_RETURN(w.max_tps, row.GetInt64(12));
  SC_ASSIGN_OR_RETURN(w.time_throttled, row.GetInt64(13));
  w.reason_throttled = std::string(row.Get(14));
  SC_ASSIGN_OR_RETURN(w.workflow_type, row.GetInt64(15));
  w.tags = std::string(row.Get(16));
  return w;
}

absl::StatusOr<std::vector<int64_t>> ListWorkflowIds(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute("SELECT id FROM _vt.vreplication ORDER BY id"));
  std::vector<int64_t> ids;
  for (const mysql::Row& row : r.rows) {
    SC_ASSIGN_OR_RETURN(int64_t id, row.GetInt64(0));
    ids.push_back(id);
  }
  return ids;
}

absl::Status SetState(mysql::Connection& conn, int64_t id,
                      absl::string_view state, absl::string_view message) {
  std::string msg(message.substr(0, 1000));
  return conn
      .Execute(absl::StrCat(
          "UPDATE _vt.vreplication SET state = ", QuoteString(state),
          ", message = ", QuoteString(msg),
          ", time_updated = UNIX_TIMESTAMP() WHERE id = ", id))
      .status();
}

absl::Status MarkStopped(mysql::Connection& conn, int64_t id,
                         absl::string_view message) {
  std::string msg(message.substr(0, 1000));
  return conn
      .Execute(absl::StrCat(
          "UPDATE _vt.vreplication SET state = ", QuoteString(kStateStopped),
          ", message = ", QuoteString(msg),
          ", time_updated = UNIX_TIMESTAMP() WHERE id = ", id, " AND state <> ",
          QuoteString(kStateStopped)))
      .status();
}

std::string SavePositionSql(int64_t id, absl::string_view pos,
                            int64_t transaction_timestamp) {
  return absl::StrCat(
      "UPDATE _vt.vreplication SET pos = ", QuoteString(pos),
      ", time_updated = UNIX_TIMESTAMP(), transaction_timestamp = ",
      transaction_timestamp, " WHERE id = ", id);
}

absl::StatusOr<std::vector<CopyStateRow>> ReadCopyState(mysql::Connection& conn,
                                                        int64_t id) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat("SELECT table_name, lastpk FROM _vt.copy_state "
                                "WHERE vrepl_id = ",
                                id, " ORDER BY id")));
  std::vector<CopyStateRow> rows;
  for (const mysql::Row& row : r.rows) {
    CopyStateRow c;
    c.table_name = std::string(row.Get(0));
    c.has_lastpk = !row.IsNull(1);
    c.lastpk = std::string(row.Get(1));
    rows.push_back(std::move(c));
  }
  return rows;
}

}  // namespace vreplication
}  // namespace sidecut
