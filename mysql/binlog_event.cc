#include "mysql/binlog_event.h"

#include <zlib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "mysql/byte_reader.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

constexpr size_t kServerVersionLength = 50;

// The body of `event` after the post-header of length `post_header`, with
// the post-header itself in `*post`.
absl::StatusOr<RawEvent> Split(absl::string_view event,
                               const FormatDescription& fmt, uint8_t type,
                               const char* what) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, SplitEvent(event, fmt));
  if (raw.header.type != type) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", what, ", got ", EventTypeName(raw.header.type)));
  }
  return raw;
}

}  // namespace

uint32_t BinlogCrc32(absl::string_view data) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uInt>(data.size())));
}

uint8_t FormatDescription::PostHeaderLength(uint8_t type,
                                            uint8_t fallback) const {
  if (type == 0 || type > post_header_lengths.size()) return fallback;
  return static_cast<uint8_t>(post_header_lengths[type - 1]);
}

bool FormatDescription::IsMariadb() const {
  return server_version.find("MariaDB") != std::string::npos;
}

absl::StatusOr<EventHeader> ParseEventHeader(absl::string_view event) {
  ByteReader r(event);
  EventHeader h;
  SC_ASSIGN_OR_RETURN(uint64_t ts, r.Uint(4, "event header"));
  SC_ASSIGN_OR_RETURN(uint64_t type, r.Uint(1, "event header"));
  SC_ASSIGN_OR_RETURN(uint64_t server_id, r.Uint(4, "event header"));
  SC_ASSIGN_OR_RETURN(uint64_t size, r.Uint(4, "event header"));
  SC_ASSIGN_OR_RETURN(uint64_t log_pos, r.Uint(4, "event header"));
  SC_ASSIGN_OR_RETURN(uint64_t flags, r.Uint(2, "event header"));
  h.timestamp = static_cast<uint32_t>(ts);
  h.type = static_cast<uint8_t>(type);
  h.server_id = static_cast<uint32_t>(server_id);
  h.event_size = static_cast<uint32_t>(size);
  h.log_pos = static_cast<uint32_t>(log_pos);
  h.flags = static_cast<uint16_t>(flags);
  return h;
}

absl::StatusOr<RawEvent> SplitEvent(absl::string_view event,
                                    const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(EventHeader h, ParseEventHeader(event));
  if (h.event_size != event.size()) {
    return absl::DataLossError(absl::StrCat(EventTypeName(h.type),
                                            ": header says ", h.event_size,
                                            " bytes, got ", event.size()));
  }
  size_t header_len = std::max<size_t>(fmt.header_length, kEventHeaderLength);
  size_t trailer = fmt.checksum == ChecksumAlg::kCrc32 ? kChecksumLength : 0;
  if (event.size() < header_len + trailer) {
    return absl::DataLossError(absl::StrCat(EventTypeName(h.type),
                                            ": event of ", event.size(),
                                            " bytes is too short"));
  }
  if (trailer > 0) {
    ByteReader cr(event.substr(event.size() - trailer));
    SC_ASSIGN_OR_RETURN(uint64_t want, cr.Uint(4, "checksum"));
    uint32_t got = BinlogCrc32(event.substr(0, event.size() - trailer));
    if (got != want) {
      return absl::DataLossError(absl::StrFormat(
          "%s at log_pos %u: CRC32 mismatch (stored %08x, computed %08x)",
          EventTypeName(h.type), h.log_pos, static_cast<uint32_t>(want), got));
    }
  }
  RawEvent raw;
  raw.header = h;
  raw.body = event.substr(header_len, event.size() - header_len - trailer);
  return raw;
}

absl::StatusOr<FormatDescription> ParseFormatDescription(
    absl::string_view event) {
  SC_ASSIGN_OR_RETURN(EventHeader h, ParseEventHeader(event));
  if (h.type != kFormatDescriptionEvent) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected FORMAT_DESCRIPTION_EVENT, got ", EventTypeName(h.type)));
  }
  if (h.event_size != event.size()) {
    return absl::DataLossError("FORMAT_DESCRIPTION_EVENT: size mismatch");
  }
  FormatDescription fmt;
  ByteReader r(event.substr(kEventHeaderLength));
  SC_ASSIGN_OR_RETURN(uint64_t version, r.Uint(2, "format description"));
  SC_ASSIGN_OR_RETURN(absl::string_view sv,
                      r.Bytes(kServerVersionLength, "format description"));
  SC_ASSIGN_OR_RETURN(uint64_t created, r.Uint(4, "format description"));
  SC_ASSIGN_OR_RETURN(uint64_t header_len, r.Uint(1, "format description"));
  fmt.binlog_version = static_cast<uint16_t>(version);
  fmt.server_version = std::string(sv.substr(0, sv.find('\0')));
  fmt.create_timestamp = static_cast<uint32_t>(created);
  fmt.header_length = static_cast<uint8_t>(header_len);
  if (fmt.header_length < kEventHeaderLength) {
    return absl::DataLossError(absl::StrCat(
        "FORMAT_DESCRIPTION_EVENT: header length ", header_len, " < 19"));
  }
  // Servers since MySQL 5.6.1 / MariaDB 5.3 end the event with the checksum
  // algorithm (1 byte) and a checksum (4 bytes, present even when "off").
  if (r.remaining() < 5) {
    return absl::DataLossError("FORMAT_DESCRIPTION_EVENT: no checksum field");
  }
  absl::string_view rest = r.rest();
  fmt.post_header_lengths = std::string(rest.substr(0, rest.size() - 5));
  uint8_t alg = static_cast<uint8_t>(rest[rest.size() - 5]);
  fmt.checksum = alg == 1   ? ChecksumAlg::kCrc32
                 : alg == 0 ? ChecksumAlg::kOff
                            : ChecksumAlg::kUndefined;
  if (fmt.checksum == ChecksumAlg::kCrc32) {
    SC_RETURN_IF_ERROR(SplitEvent(event, fmt).status());
  }
  return fmt;
}

absl::StatusOr<RotateEvent> ParseRotate(absl::string_view event,
                                        const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw,
                      Split(event, fmt, kRotateEvent, "ROTATE_EVENT"));
  ByteReader r(raw.body);
  RotateEvent rot;
  SC_ASSIGN_OR_RETURN(rot.position, r.Uint(8, "rotate position"));
  rot.next_file = std::string(r.rest());
  return rot;
}

absl::StatusOr<XaPrepareEvent> ParseXaPrepare(absl::string_view event,
                                              const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, Split(event, fmt, kXaPrepareLogEvent,
                                          "XA_PREPARE_LOG_EVENT"));
  ByteReader r(raw.body);
  XaPrepareEvent x;
  SC_ASSIGN_OR_RETURN(uint64_t one_phase, r.Uint(1, "XA one phase"));
  SC_ASSIGN_OR_RETURN(uint64_t format_id, r.Uint(4, "XA format id"));
  SC_ASSIGN_OR_RETURN(uint64_t gtrid_len, r.Uint(4, "XA gtrid length"));
  SC_ASSIGN_OR_RETURN(uint64_t bqual_len, r.Uint(4, "XA bqual length"));
  if (gtrid_len > 64 || bqual_len > 64) {
    return absl::DataLossError(absl::StrCat("XA_PREPARE_LOG_EVENT: xid of ",
                                            gtrid_len, "+", bqual_len,
                                            " bytes (at most 64 each)"));
  }
  SC_ASSIGN_OR_RETURN(absl::string_view gtrid, r.Bytes(gtrid_len, "XA gtrid"));
  SC_ASSIGN_OR_RETURN(absl::string_view bqual, r.Bytes(bqual_len, "XA bqual"));
  x.one_phase = one_phase != 0;
  x.xa_id = XaIdText(format_id, gtrid, bqual);
  return x;
}

std::string XaIdText(uint64_t format_id, absl::string_view gtrid,
                     absl::string_view bqual) {
  return absl::StrCat("X'", absl::BytesToHexString(gtrid), "',X'",
                      absl::BytesToHexString(bqual), "',",
                      format_id & 0xffffffffu);
}

std::string NormalizeXaIdText(absl::string_view logged) {
  std::string id = absl::AsciiStrToLower(absl::StripAsciiWhitespace(logged));
  for (size_t i = 0; i + 1 < id.size(); ++i) {
    if (id[i] == 'x' && id[i + 1] == '\'' && (i == 0 || id[i - 1] == ',')) {
      id[i] = 'X';
    }
  }
  // The statement has the whole format id, the event its low 4 bytes.
  const size_t comma = id.rfind(',');
  uint64_t format_id = 0;
  if (comma != std::string::npos &&
      absl::SimpleAtoi(absl::string_view(id).substr(comma + 1), &format_id)) {
    id = absl::StrCat(id.substr(0, comma + 1), format_id & 0xffffffffu);
  }
  return id;
}

absl::StatusOr<GtidEvent> ParseMariadbGtid(absl::string_view event,
                                           const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(
      RawEvent raw, Split(event, fmt, kMariadbGtidEvent, "MariaDB GTID_EVENT"));
  ByteReader r(raw.body);
  GtidEvent g;
  g.flavor = Flavor::kMariadb;
  SC_ASSIGN_OR_RETURN(g.mariadb.seq, r.Uint(8, "GTID sequence"));
  SC_ASSIGN_OR_RETURN(uint64_t domain, r.Uint(4, "GTID domain"));
  SC_ASSIGN_OR_RETURN(uint64_t flags, r.Uint(1, "GTID flags"));
  g.mariadb.domain = static_cast<uint32_t>(domain);
  g.mariadb.server = raw.header.server_id;
  g.standalone = (flags & 0x01) != 0;
  if ((flags & 0x02) != 0) {
    SC_ASSIGN_OR_RETURN(g.commit_id, r.Uint(8, "GTID commit id"));
  }
  return g;
}

absl::StatusOr<GtidEvent> ParseMysqlGtid(absl::string_view event,
                                         const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw,
                      Split(event, fmt, kGtidLogEvent, "GTID_LOG_EVENT"));
  ByteReader r(raw.body);
  GtidEvent g;
  g.flavor = Flavor::kMysql56;
  SC_ASSIGN_OR_RETURN(uint64_t flags, r.Uint(1, "GTID flags"));
  SC_ASSIGN_OR_RETURN(absl::string_view sid, r.Bytes(16, "GTID sid"));
  SC_ASSIGN_OR_RETURN(uint64_t gno, r.Uint(8, "GTID gno"));
  (void)flags;  // MySQL's flags do not say whether BEGIN follows
  g.mysql_uuid = FormatUuid(sid);
  g.mysql_gno = static_cast<int64_t>(gno);
  if (g.mysql_gno <= 0) {
    return absl::DataLossError(absl::StrCat("GTID_LOG_EVENT: bad gno ", gno));
  }
  return g;
}

absl::StatusOr<MariadbGtidPos> ParseMariadbGtidList(
    absl::string_view event, const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, Split(event, fmt, kMariadbGtidListEvent,
                                          "MariaDB GTID_LIST_EVENT"));
  ByteReader r(raw.body);
  SC_ASSIGN_OR_RETURN(uint64_t count, r.Uint(4, "GTID list count"));
  count &= 0x0fffffff;  // the top bits are flags
  if (count > r.remaining() / 16) {
    return absl::DataLossError(
        absl::StrCat("GTID list of ", count, " entries exceeds the event"));
  }
  MariadbGtidPos pos;
  for (uint64_t i = 0; i < count; ++i) {
    MariadbGtid g;
    SC_ASSIGN_OR_RETURN(uint64_t d, r.Uint(4, "GTID list entry"));
    SC_ASSIGN_OR_RETURN(uint64_t s, r.Uint(4, "GTID list entry"));
    SC_ASSIGN_OR_RETURN(g.seq, r.Uint(8, "GTID list entry"));
    g.domain = static_cast<uint32_t>(d);
    g.server = static_cast<uint32_t>(s);
    // A list may name several servers of one domain; the highest wins.
    if (!pos.ContainsGtid(g)) pos.Update(g);
  }
  return pos;
}

absl::StatusOr<MysqlGtidSet> ParsePreviousGtids(absl::string_view event,
                                                const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, Split(event, fmt, kPreviousGtidsLogEvent,
                                          "PREVIOUS_GTIDS_LOG_EVENT"));
  ByteReader r(raw.body);
  SC_ASSIGN_OR_RETURN(uint64_t n_sids, r.Uint(8, "previous GTIDs count"));
  if (n_sids > r.remaining() / 24) {
    return absl::DataLossError("previous GTIDs count exceeds the event");
  }
  MysqlGtidSet set;
  for (uint64_t i = 0; i < n_sids; ++i) {
    SC_ASSIGN_OR_RETURN(absl::string_view sid,
                        r.Bytes(16, "previous GTIDs sid"));
    SC_ASSIGN_OR_RETURN(uint64_t n_iv, r.Uint(8, "previous GTIDs intervals"));
    if (n_iv > r.remaining() / 16) {
      return absl::DataLossError("previous GTIDs intervals exceed the event");
    }
    std::string uuid = FormatUuid(sid);
    for (uint64_t j = 0; j < n_iv; ++j) {
      SC_ASSIGN_OR_RETURN(uint64_t start, r.Uint(8, "interval start"));
      SC_ASSIGN_OR_RETURN(uint64_t end, r.Uint(8, "interval end"));
      if (start < 1 || end <= start || end > (uint64_t{1} << 63)) {
        return absl::DataLossError(
            absl::StrCat("bad GTID interval [", start, ", ", end, ")"));
      }
      // On the wire the end is exclusive.
      set.AddInterval(
          uuid, {static_cast<int64_t>(start), static_cast<int64_t>(end - 1)});
    }
  }
  return set;
}

absl::StatusOr<QueryEvent> ParseQuery(absl::string_view event,
                                      const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, SplitEvent(event, fmt));
  // An EXECUTE_LOAD_QUERY_EVENT is a query event whose post-header has 13
  // more bytes (the file's id, where its name is in the statement, how
  // duplicates are handled).
  const uint8_t type = raw.header.type;
  if (type != kQueryEvent && type != kExecuteLoadQueryEvent) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected QUERY_EVENT, got ", EventTypeName(type)));
  }
  uint8_t post = fmt.PostHeaderLength(type, type == kQueryEvent ? 13 : 13 + 13);
  ByteReader r(raw.body);
  QueryEvent q;
  SC_ASSIGN_OR_RETURN(uint64_t thread_id, r.Uint(4, "query thread id"));
  SC_ASSIGN_OR_RETURN(uint64_t exec_time, r.Uint(4, "query exec time"));
  SC_ASSIGN_OR_RETURN(uint64_t db_len, r.Uint(1, "query db length"));
  SC_ASSIGN_OR_RETURN(uint64_t error_code, r.Uint(2, "query error code"));
  uint64_t status_len = 0;
  if (post >= 13) {
    SC_ASSIGN_OR_RETURN(status_len, r.Uint(2, "query status length"));
  }
  if (post > 13) SC_RETURN_IF_ERROR(r.Skip(post - 13, "query post-header"));
  SC_RETURN_IF_ERROR(r.Skip(status_len, "query status variables"));
  SC_ASSIGN_OR_RETURN(absl::string_view db, r.Bytes(db_len, "query database"));
  SC_RETURN_IF_ERROR(r.Skip(1, "query database terminator"));
  q.thread_id = static_cast<uint32_t>(thread_id);
  q.exec_time = static_cast<uint32_t>(exec_time);
  q.error_code = static_cast<uint16_t>(error_code);
  q.database = std::string(db);
  q.query = std::string(r.rest());
  return q;
}

absl::StatusOr<uint64_t> ParseXid(absl::string_view event,
                                  const FormatDescription& fmt) {
  SC_ASSIGN_OR_RETURN(RawEvent raw, Split(event, fmt, kXidEvent, "XID_EVENT"));
  ByteReader r(raw.body);
  return r.Uint(8, "xid");
}

const char* EventTypeName(uint8_t type) {
  switch (type) {
    case kQueryEvent:
      return "QUERY_EVENT";
    case kStopEvent:
      return "STOP_EVENT";
    case kBeginLoadQueryEvent:
      return "BEGIN_LOAD_QUERY_EVENT";
    case kExecuteLoadQueryEvent:
      return "EXECUTE_LOAD_QUERY_EVENT";
    case kIncidentEvent:
      return "INCIDENT_EVENT";
    case kRotateEvent:
      return "ROTATE_EVENT";
    case kIntvarEvent:
      return "INTVAR_EVENT";
    case kFormatDescriptionEvent:
      return "FORMAT_DESCRIPTION_EVENT";
    case kXidEvent:
      return "XID_EVENT";
    case kTableMapEvent:
      return "TABLE_MAP_EVENT";
    case kWriteRowsEventV1:
      return "WRITE_ROWS_EVENT_V1";
    case kUpdateRowsEventV1:
      return "UPDATE_ROWS_EVENT_V1";
    case kDeleteRowsEventV1:
      return "DELETE_ROWS_EVENT_V1";
    case kHeartbeatEvent:
      return "HEARTBEAT_EVENT";
    case kWriteRowsEventV2:
      return "WRITE_ROWS_EVENT";
    case kUpdateRowsEventV2:
      return "UPDATE_ROWS_EVENT";
    case kDeleteRowsEventV2:
      return "DELETE_ROWS_EVENT";
    case kGtidLogEvent:
      return "GTID_LOG_EVENT";
    case kAnonymousGtidLogEvent:
      return "ANONYMOUS_GTID_LOG_EVENT";
    case kPreviousGtidsLogEvent:
      return "PREVIOUS_GTIDS_LOG_EVENT";
    case kTransactionPayloadEvent:
      return "TRANSACTION_PAYLOAD_EVENT";
    case kHeartbeatLogEventV2:
      return "HEARTBEAT_LOG_EVENT_V2";
    case kMariadbAnnotateRowsEvent:
      return "ANNOTATE_ROWS_EVENT";
    case kMariadbBinlogCheckpointEvent:
      return "BINLOG_CHECKPOINT_EVENT";
    case kMariadbGtidEvent:
      return "GTID_EVENT";
    case kMariadbGtidListEvent:
      return "GTID_LIST_EVENT";
    case kMariadbStartEncryptionEvent:
      return "START_ENCRYPTION_EVENT";
    case kPartialUpdateRowsEvent:
      return "PARTIAL_UPDATE_ROWS_EVENT";
    case kMariadbQueryCompressedEvent:
      return "QUERY_COMPRESSED_EVENT";
    case kMariadbWriteRowsCompressedV1:
      return "WRITE_ROWS_COMPRESSED_EVENT_V1";
    case kMariadbUpdateRowsCompressedV1:
      return "UPDATE_ROWS_COMPRESSED_EVENT_V1";
    case kMariadbDeleteRowsCompressedV1:
      return "DELETE_ROWS_COMPRESSED_EVENT_V1";
    case kMariadbWriteRowsCompressed:
      return "WRITE_ROWS_COMPRESSED_EVENT";
    case kMariadbUpdateRowsCompressed:
      return "UPDATE_ROWS_COMPRESSED_EVENT";
    case kMariadbDeleteRowsCompressed:
      return "DELETE_ROWS_COMPRESSED_EVENT";
    default:
      return "UNKNOWN_EVENT";
  }
}

}  // namespace mysql
}  // namespace sidecut
