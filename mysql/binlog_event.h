// Binlog events as pure functions over bytes: header and checksum, format
// description, rotate, GTID (MariaDB and MySQL), GTID list / previous GTIDs,
// query, XID and heartbeat. Row events and table maps are in row_event.h.
//
// Every parser takes the full event bytes (header included, checksum
// included when the format says CRC32) and returns a value or a kDataLoss
// error; no input makes them read out of bounds.
//
// Thread-safe (pure functions).
#ifndef SIDECUT_MYSQL_BINLOG_EVENT_H_
#define SIDECUT_MYSQL_BINLOG_EVENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/gtid.h"

namespace sidecut {
namespace mysql {

enum EventType : uint8_t {
  kUnknownEvent = 0,
  kQueryEvent = 2,
  kStopEvent = 3,
  kRotateEvent = 4,
  kIntvarEvent = 5,
  kRandEvent = 13,
  kUserVarEvent = 14,
  kFormatDescriptionEvent = 15,
  kXidEvent = 16,
  // LOAD DATA logged as a statement: the file's data, then the statement.
  kBeginLoadQueryEvent = 17,
  kExecuteLoadQueryEvent = 18,
  kTableMapEvent = 19,
  kWriteRowsEventV1 = 23,
  kUpdateRowsEventV1 = 24,
  kDeleteRowsEventV1 = 25,
  // The server lost events it should have logged (LOST_EVENTS).
  kIncidentEvent = 26,
  kHeartbeatEvent = 27,
  kRowsQueryEvent = 29,
  kWriteRowsEventV2 = 30,
  kUpdateRowsEventV2 = 31,
  kDeleteRowsEventV2 = 32,
  kGtidLogEvent = 33,
  kAnonymousGtidLogEvent = 34,
  kPreviousGtidsLogEvent = 35,
  kXaPrepareLogEvent = 38,
  // MySQL: an UPDATE logged with binlog_row_value_options=PARTIAL_JSON.
  kPartialUpdateRowsEvent = 39,
  kTransactionPayloadEvent = 40,
  kHeartbeatLogEventV2 = 41,
  kMariadbAnnotateRowsEvent = 160,
  kMariadbBinlogCheckpointEvent = 161,
  kMariadbGtidEvent = 162,
  kMariadbGtidListEvent = 163,
  kMariadbStartEncryptionEvent = 164,
  kMariadbQueryCompressedEvent = 165,
  // log_bin_compress: the server writes v1 rows events, compressed as
  // these first three.
  kMariadbWriteRowsCompressedV1 = 166,
  kMariadbUpdateRowsCompressedV1 = 167,
  kMariadbDeleteRowsCompressedV1 = 168,
  kMariadbWriteRowsCompressed = 169,
  kMariadbUpdateRowsCompressed = 170,
  kMariadbDeleteRowsCompressed = 171,
};

inline constexpr size_t kEventHeaderLength = 19;
inline constexpr size_t kChecksumLength = 4;

enum class ChecksumAlg : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

struct EventHeader {
  uint32_t timestamp = 0;
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t event_size = 0;
  uint32_t log_pos = 0;  // end position of this event in its binlog file
  uint16_t flags = 0;
};

struct FormatDescription {
  uint16_t binlog_version = 4;
  std::string server_version;
  uint32_t create_timestamp = 0;
  uint8_t header_length = kEventHeaderLength;
  // post_header_lengths[t - 1] is the post-header length of event type t.
  std::string post_header_lengths;
  ChecksumAlg checksum = ChecksumAlg::kOff;

  // Post-header length for `type`, or `fallback` when unknown.
  uint8_t PostHeaderLength(uint8_t type, uint8_t fallback) const;
  bool IsMariadb() const;
};

// An event split into header and body; `body` excludes the header and the
// checksum.
struct RawEvent {
  EventHeader header;
  absl::string_view body;
};

// Parses the common header only (no checksum check).
absl::StatusOr<EventHeader> ParseEventHeader(absl::string_view event);

// Splits `event`, verifying its CRC32 when `fmt.checksum` is kCrc32
// (mismatch -> kDataLoss) and that the header's size matches.
absl::StatusOr<RawEvent> SplitEvent(absl::string_view event,
                                    const FormatDescription& fmt);

// Parses a FORMAT_DESCRIPTION_EVENT (verifying its own checksum if it
// declares one).
absl::StatusOr<FormatDescription> ParseFormatDescription(
    absl::string_view event);

struct RotateEvent {
  uint64_t position = 0;
  std::string next_file;
};
absl::StatusOr<RotateEvent> ParseRotate(absl::string_view event,
                                        const FormatDescription& fmt);

// A transaction's GTID, MariaDB (GTID_EVENT) or MySQL (GTID_LOG_EVENT).
struct GtidEvent {
  Flavor flavor = Flavor::kNone;
  MariadbGtid mariadb;      // flavor kMariadb
  bool standalone = false;  // MariaDB: no BEGIN follows (DDL)
  uint64_t commit_id = 0;   // MariaDB group commit id, 0 if none
  std::string mysql_uuid;   // flavor kMysql56
  int64_t mysql_gno = 0;
};

// XA_PREPARE_LOG_EVENT (both flavors): the end of an XA transaction's
// first half, or (MySQL) of a one-phase XA COMMIT.
struct XaPrepareEvent {
  bool one_phase = false;
  std::string xa_id;  // as XaIdText
};
absl::StatusOr<XaPrepareEvent> ParseXaPrepare(absl::string_view event,
                                              const FormatDescription& fmt);
// An XA transaction's id in the form the servers log it in XA COMMIT and
// XA ROLLBACK statements: X'<gtrid hex>',X'<bqual hex>',<format id>, the
// hex digits in lower case and the format id cut to its low 4 bytes (all
// an XA_PREPARE_LOG_EVENT keeps).
std::string XaIdText(uint64_t format_id, absl::string_view gtrid,
                     absl::string_view bqual);
// The same form of an id as logged after XA COMMIT or XA ROLLBACK.
std::string NormalizeXaIdText(absl::string_view logged);

absl::StatusOr<GtidEvent> ParseMariadbGtid(absl::string_view event,
                                           const FormatDescription& fmt);
absl::StatusOr<GtidEvent> ParseMysqlGtid(absl::string_view event,
                                         const FormatDescription& fmt);

// MariaDB GTID_LIST_EVENT: the binlog state at the start of a file.
absl::StatusOr<MariadbGtidPos> ParseMariadbGtidList(
    absl::string_view event, const FormatDescription& fmt);
// MySQL PREVIOUS_GTIDS_LOG_EVENT.
absl::StatusOr<MysqlGtidSet> ParsePreviousGtids(absl::string_view event,
                                                const FormatDescription& fmt);

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string database;
  std::string query;
};
absl::StatusOr<QueryEvent> ParseQuery(absl::string_view event,
                                      const FormatDescription& fmt);

// XID_EVENT: the commit of a transactional transaction.
absl::StatusOr<uint64_t> ParseXid(absl::string_view event,
                                  const FormatDescription& fmt);

// CRC32 (zlib polynomial) as binlog checksums use it.
uint32_t BinlogCrc32(absl::string_view data);

// A name for logs and errors ("TABLE_MAP_EVENT").
const char* EventTypeName(uint8_t type);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_BINLOG_EVENT_H_
