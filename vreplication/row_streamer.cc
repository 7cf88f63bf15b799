#include "vreplication/row_streamer.h"

#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "mysql/column_types.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "mysql/value_codec.h"
#include "mysql/vitess_rows.h"
#include "util/status_macros.h"
#include "vreplication/filter.h"
#include "vreplication/key_range.h"
#include "vreplication/prepared_xa.h"
#include "vreplication/table_plan.h"
#include "vreplication/table_schema.h"

namespace sidecut {
namespace vreplication {

query::Field VitessFieldOf(const mysql::Field& f) {
  constexpr uint32_t kUnsignedFlag = 32, kEnumFlag = 256, kSetFlag = 2048;
  mysql::ColumnDef def;
  def.type = static_cast<uint8_t>(f.type);
  if (def.type == mysql::kTypeString && (f.flags & kEnumFlag))
    def.type = mysql::kTypeEnum;
  if (def.type == mysql::kTypeString && (f.flags & kSetFlag))
    def.type = mysql::kTypeSet;
  def.is_unsigned = (f.flags & kUnsignedFlag) != 0;
  def.collation = f.charsetnr;
  query::Field q;
  q.set_name(f.name);
  q.set_type(mysql::VitessType(def));
  q.set_table(f.table);
  q.set_org_table(f.org_table);
  q.set_database(f.database);
  q.set_org_name(f.org_name);
  q.set_column_length(f.length);
  q.set_charset(f.charsetnr);
  q.set_decimals(f.decimals);
  q.set_flags(f.flags);
  return q;
}

absl::Status StreamRows(
    const mysql::ConnectParams& params, const std::string& db,
    const binlogdata::VStreamRowsRequest& request, size_t batch_rows,
    const std::function<absl::Status(const binlogdata::VStreamRowsResponse&)>&
        send) {
  SC_ASSIGN_OR_RETURN(FilterSpec spec, ParseFilter("", request.query()));
  SC_ASSIGN_OR_RETURN(auto conn, mysql::MysqlConnection::Connect(params));
  SC_ASSIGN_OR_RETURN(TableSchema schema,
                      LoadTableSchema(*conn, db, spec.source_table));
  SC_RETURN_IF_ERROR(RequireKey(schema));
  std::vector<std::string> select;
  for (const SelectItem& item : spec.items) {
    if (item.star) {
      for (const ColumnInfo& c : schema.columns)
        select.push_back(mysql::QuoteIdentifier(c.name));
    } else if (!item.column.empty() && schema.ColumnIndex(item.column) >= 0) {
      select.push_back(mysql::QuoteIdentifier(item.column));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("VStreamRows: '", item.expr, "' is not a column of ",
                       spec.source_table));
    }
  }
  const size_t n_select = select.size();
  // A FLOAT reaches the client as text of 6 digits (1234567 as 1234570):
  // read again as a DOUBLE after the key, and sent as the binlog's values
  // are (the shortest text that reads back as the float).
  std::vector<size_t> floats;
  for (size_t i = 0; i < n_select; ++i) {
    const int c = schema.ColumnIndex(
        absl::StripPrefix(absl::StripSuffix(select[i], "`"), "`"));
    if (c >= 0 && schema.columns[c].data_type == "float") floats.push_back(i);
  }
  std::vector<std::string> keys, lits;
  const auto& lastpk = request.lastpk();
  if (request.has_lastpk() && lastpk.rows_size() != 1) {
    return absl::InvalidArgumentError("VStreamRows: lastpk must hold one row");
  }
  mysql::Row last = request.has_lastpk() ? mysql::FromVitessRow(lastpk.rows(0))
                                         : mysql::Row();
  if (request.has_lastpk() && last.size() != schema.key_columns.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "VStreamRows: lastpk has ", last.size(), " values, key ",
        schema.key_name, " has ", schema.key_columns.size(), " columns"));
  }
  // Character keys go out (pkfields, lastpk) as their bytes in the
  // column's own set, flagged binary (KeyKeptAsBytes); a lastpk coming back
  // without that flag is read as utf8mb4.
  for (size_t i = 0; i < schema.key_columns.size(); ++i) {
    const ColumnInfo& c = schema.columns[schema.key_columns[i]];
    keys.push_back(mysql::QuoteIdentifier(c.name));
    select.push_back(
        absl::StrCat(KeyBytesExpr(c, keys.back()), " AS ", keys.back()));
    if (request.has_lastpk()) {
      const bool bytes = KeyKeptAsBytes(c) &&
                         static_cast<int>(i) < lastpk.fields_size() &&
                         lastpk.fields(static_cast<int>(i)).charset() ==
                             mysql::kBinaryCollation;
      lits.push_back(KeyLiteral(
          last.value(i), LiteralTypeForColumn(c, bytes ? c.charset : "utf8mb4"),
          c));
    }
  }
  const size_t n_keys = keys.size();
  for (size_t i : floats) {
    select.push_back(absl::StrCat("CAST(", select[i], " AS DOUBLE)"));
  }
  std::string sql =
      absl::StrCat("SELECT ", absl::StrJoin(select, ", "), " FROM ",
                   mysql::QuoteQualified(db, spec.source_table));
  if (request.has_lastpk()) {
    absl::StrAppend(&sql, " WHERE ", KeyAfterCondition(keys, lits));
  }
  absl::StrAppend(&sql, " ORDER BY ", absl::StrJoin(keys, ", "));

  SC_RETURN_IF_ERROR(
      conn->Execute("SET SESSION time_zone = '+00:00'").status());
  // Character values as stored, each field naming its column's collation
  // (through utf8mb4, cp932 0xED40 would come back as 0xFA5C).
  SC_RETURN_IF_ERROR(
      conn->Execute("SET SESSION character_set_results = NULL").status());
  // InnoDB takes the snapshot only under REPEATABLE READ (a server
  // defaulting to READ COMMITTED would read rows newer than the position).
  SC_RETURN_IF_ERROR(
      conn->Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
          .status());
  SC_RETURN_IF_ERROR(
      conn->Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT").status());
  SC_ASSIGN_OR_RETURN(
      mysql::Result st,
      conn->Execute("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'"));
  std::string file, offset = "0";
  for (const mysql::Row& r : st.rows) {
    if (r.Get(0) == "Binlog_snapshot_file") file = std::string(r.Get(1));
    if (r.Get(0) == "Binlog_snapshot_position") offset = std::string(r.Get(1));
  }
  SC_ASSIGN_OR_RETURN(
      std::string gtid,
      mysql::QueryValue(*conn, absl::StrCat("SELECT IFNULL(BINLOG_GTID_POS(",
                                            mysql::QuoteString(file), ", ",
                                            offset, "), '')")));
  // A transaction prepared (two-phase XA) before the snapshot and pending
  // is logged before its GTID and invisible to it: a client going on from
  // there would never get its rows (the races left: prepared_xa.h). Any
  // on the server counts, as XA RECOVER does not say what they changed.
  SC_ASSIGN_OR_RETURN(absl::optional<size_t> prepared, PreparedXaCount(*conn));
  if (!prepared.has_value()) {
    std::cerr << "VStreamRows: cannot check for prepared XA transactions (XA "
                 "RECOVER refused: no privilege); one prepared before the "
                 "snapshot and committed later would be missed"
              << std::endl;
  } else if (*prepared > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        *prepared,
        " prepared XA transaction(s) are pending (XA RECOVER lists them): a "
        "client going on from this snapshot's GTID would miss their rows if "
        "they commit later; end them with XA COMMIT or XA ROLLBACK, then "
        "ask again"));
  }
  binlogdata::VStreamRowsResponse batch;
  auto flush = [&]() -> absl::Status {
    if (batch.rows_size() == 0) return absl::OkStatus();
    absl::Status s = send(batch);
    batch.Clear();
    return s;
  };
  SC_RETURN_IF_ERROR(conn->ExecuteStreaming(
      sql,
      [&](const std::vector<mysql::Field>& fields) -> absl::Status {
        binlogdata::VStreamRowsResponse head;
        for (size_t i = 0; i < n_select + n_keys && i < fields.size(); ++i) {
          *(i < n_select ? head.add_fields() : head.add_pkfields()) =
              VitessFieldOf(fields[i]);
        }
        head.set_gtid(absl::StrCat("MariaDB/", gtid));
        return send(head);
      },
      [&](const mysql::Row& row) -> absl::Status {
        std::vector<absl::optional<std::string>> values(
            row.values().begin(), row.values().begin() + n_select);
        std::vector<absl::optional<std::string>> pk(
            row.values().begin() + n_select,
            row.values().begin() + n_select + n_keys);
        for (size_t k = 0; k < floats.size(); ++k) {
          const absl::optional<std::string>& exact =
              row.value(n_select + n_keys + k);
          double d = 0;
          if (exact.has_value() && absl::SimpleAtod(*exact, &d)) {
            values[floats[k]] = mysql::FormatFloat(static_cast<float>(d));
          }
        }
        *batch.add_rows() = mysql::ToVitessRow(mysql::Row(std::move(values)));
        *batch.mutable_lastpk() = mysql::ToVitessRow(mysql::Row(std::move(pk)));
        if (static_cast<size_t>(batch.rows_size()) >= batch_rows)
          return flush();
        return absl::OkStatus();
      }));
  return flush();
}

}  // namespace vreplication
}  // namespace sidecut
