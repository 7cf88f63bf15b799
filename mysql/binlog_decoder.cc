#include "mysql/binlog_decoder.h"

#include "absl/strings/str_cat.h"
#include "mysql/compressed_event.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {

absl::Status BinlogDecoder::Annotate(TableMap* map) {
  if (!resolver_) return absl::OkStatus();
  std::string key =
      absl::StrCat(map->database, std::string(1, '\0'), map->table);
  auto it = schema_cache_.find(key);
  if (it == schema_cache_.end()) {
    SC_ASSIGN_OR_RETURN(auto types, resolver_(map->database, map->table));
    it = schema_cache_.emplace(key, std::move(types)).first;
  }
  for (ColumnDef& c : map->columns) {
    auto t = it->second.find(c.name);
    if (t == it->second.end()) continue;
    if (t->second == "uuid") c.special = ColumnDef::Special::kUuid;
    if (t->second == "inet6") c.special = ColumnDef::Special::kInet6;
    if (t->second == "inet4") c.special = ColumnDef::Special::kInet4;
  }
  return absl::OkStatus();
}

absl::StatusOr<DecodedEvent> BinlogDecoder::Decode(absl::string_view event) {
  DecodedEvent ev;
  SC_ASSIGN_OR_RETURN(ev.header, ParseEventHeader(event));
  using Kind = DecodedEvent::Kind;
  switch (ev.header.type) {
    case kFormatDescriptionEvent: {
      SC_ASSIGN_OR_RETURN(format_, ParseFormatDescription(event));
      have_format_ = true;
      // A new binlog file starts: table ids are reassigned.
      tables_.clear();
      unwanted_.clear();
      ev.kind = Kind::kFormatDescription;
      return ev;
    }
    case kRotateEvent: {
      // The artificial ROTATE that opens a dump may precede the format
      // description; it carries a checksum only if the stream does: before
      // the format is known, one that verifies is taken as such.
      if (!have_format_) {
        FormatDescription crc = format_;
        crc.checksum = ChecksumAlg::kCrc32;
        absl::StatusOr<RotateEvent> with_crc = ParseRotate(event, crc);
        if (with_crc.ok()) {
          ev.rotate = *std::move(with_crc);
          ev.kind = Kind::kRotate;
          return ev;
        }
      }
      SC_ASSIGN_OR_RETURN(ev.rotate, ParseRotate(event, format_));
      ev.kind = Kind::kRotate;
      return ev;
    }
    default:
      break;
  }
  if (!have_format_) {
    return absl::DataLossError(
        absl::StrCat(EventTypeName(ev.header.type),
                     " before any FORMAT_DESCRIPTION_EVENT: cannot decode"));
  }
  switch (ev.header.type) {
    case kMariadbGtidEvent: {
      SC_ASSIGN_OR_RETURN(ev.gtid, ParseMariadbGtid(event, format_));
      ev.kind = Kind::kGtid;
      return ev;
    }
    case kGtidLogEvent: {
      SC_ASSIGN_OR_RETURN(ev.gtid, ParseMysqlGtid(event, format_));
      ev.kind = Kind::kGtid;
      return ev;
    }
    case kMariadbGtidListEvent: {
      SC_ASSIGN_OR_RETURN(ev.gtid_list, ParseMariadbGtidList(event, format_));
      ev.kind = Kind::kGtidList;
      return ev;
    }
    case kPreviousGtidsLogEvent: {
      SC_ASSIGN_OR_RETURN(ev.previous_gtids,
                          ParsePreviousGtids(event, format_));
      ev.kind = Kind::kPreviousGtids;
      return ev;
    }
    case kIncidentEvent:
      // A replica stops here too: what the server failed to log is gone.
      return absl::DataLossError(
          "the binlog holds an INCIDENT_EVENT (the server lost events it "
          "should have logged): changes after the workflow's position may "
          "be missing; the workflow cannot go on from here");
    case kQueryEvent:
    case kExecuteLoadQueryEvent: {
      // (A LOAD DATA logged as a statement is a query too: its rows are
      // not in the binlog, and a workflow must see that it ran.)
      SC_ASSIGN_OR_RETURN(ev.query, ParseQuery(event, format_));
      if (ev.query.query != "BEGIN" && ev.query.query != "COMMIT") {
        schema_cache_.clear();  // DDL may have changed column types
      }
      ev.kind = Kind::kQuery;
      return ev;
    }
    case kXidEvent: {
      SC_ASSIGN_OR_RETURN(ev.xid, ParseXid(event, format_));
      ev.kind = Kind::kXid;
      return ev;
    }
    case kXaPrepareLogEvent: {
      // MySQL ends a one-phase XA COMMIT with this event too: its first
      // byte says one phase (committed) or a prepared half.
      SC_ASSIGN_OR_RETURN(XaPrepareEvent xa, ParseXaPrepare(event, format_));
      ev.kind = xa.one_phase ? Kind::kXid : Kind::kXaPrepare;
      ev.xa_id = std::move(xa.xa_id);
      return ev;
    }
    case kTableMapEvent: {
      SC_ASSIGN_OR_RETURN(TableMap map, ParseTableMap(event, format_));
      if (filter_ && !filter_(map.database, map.table)) {
        unwanted_.insert(map.table_id);
      } else {
        unwanted_.erase(map.table_id);
        SC_RETURN_IF_ERROR(Annotate(&map));
      }
      auto shared = std::make_shared<const TableMap>(std::move(map));
      tables_[shared->table_id] = shared;
      ev.table = std::move(shared);
      ev.kind = Kind::kTableMap;
      return ev;
    }
    case kHeartbeatEvent:
    case kHeartbeatLogEventV2:
      ev.kind = Kind::kHeartbeat;
      return ev;
    case kPartialUpdateRowsEvent:
      // Skipped as unknown, every UPDATE of such a session would be lost.
      return absl::UnimplementedError(
          "partial JSON updates (binlog_row_value_options=PARTIAL_JSON) are "
          "not supported: their rows events carry JSON changes, not whole "
          "values; set binlog_row_value_options to '' on the source");
    case kTransactionPayloadEvent:
      return absl::UnimplementedError(
          "compressed transactions (binlog_transaction_compression=ON) are "
          "not supported; turn compression off on the source");
    default:
      break;
  }
  if (IsCompressedEvent(ev.header.type)) {
    // log_bin_compress: decoded as the plain event it stands for (a
    // compressed rows event was once skipped as unknown, its rows lost).
    SC_ASSIGN_OR_RETURN(std::string plain, UncompressEvent(event, format_));
    return Decode(plain);
  }
  if (IsRowsEvent(ev.header.type)) {
    SC_ASSIGN_OR_RETURN(uint64_t id, RowsEventTableId(event, format_));
    auto it = tables_.find(id);
    if (it == tables_.end()) {
      return absl::DataLossError(
          absl::StrCat(EventTypeName(ev.header.type), " for table id ", id,
                       " without a preceding TABLE_MAP_EVENT"));
    }
    ev.table = it->second;
    ev.kind = Kind::kRows;
    if (unwanted_.contains(id)) return ev;
    SC_ASSIGN_OR_RETURN(ev.rows, ParseRowsEvent(event, format_, *it->second));
    return ev;
  }
  // Everything else is checked for integrity and skipped.
  SC_RETURN_IF_ERROR(SplitEvent(event, format_).status());
  ev.kind = Kind::kOther;
  return ev;
}

}  // namespace mysql
}  // namespace sidecut
