// TABLE_MAP_EVENT and row events (WRITE/UPDATE/DELETE, v1 and v2) as pure
// functions over bytes. Row values come out as the text the server's SELECT
// returns for the same value (integers in decimal, DECIMAL exact, temporal
// types formatted, TIMESTAMP in UTC, ENUM/SET by name, strings and BLOBs as
// raw bytes), so decoded rows compare directly with query results and map
// onto Vitess query.Row. Character strings stay in the column's character
// set (ColumnDef::collation says which); a utf8mb4 session sees them
// converted, so appliers must write them with their charset (an introducer
// such as _latin1 X'..'), as Vitess does from query.Field.charset.
//
// Thread-safe (pure functions).
#ifndef SIDECUT_MYSQL_ROW_EVENT_H_
#define SIDECUT_MYSQL_ROW_EVENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "mysql/binlog_event.h"
#include "mysql/result.h"

namespace sidecut {
namespace mysql {

struct ColumnDef {
  // Binlog type; for CHAR/BINARY/ENUM/SET columns the real type
  // (kTypeString, kTypeEnum, kTypeSet) decoded from the metadata.
  uint8_t type = 0;
  // Type metadata, decoded: FLOAT/DOUBLE: byte size; VARCHAR: max bytes;
  // STRING: max bytes; ENUM/SET: storage bytes; BLOB/GEOMETRY/JSON: length
  // bytes; NEWDECIMAL: precision << 8 | scale; BIT: bits; *2 temporal: fsp.
  uint32_t meta = 0;
  bool nullable = true;
  // From the optional metadata (binlog_row_metadata=FULL); empty if absent.
  std::string name;
  bool is_unsigned = false;
  uint32_t collation = 0;                // 0 = unknown
  std::vector<std::string> enum_values;  // ENUM and SET
  uint32_t geometry_type = 0;
  // MariaDB's UUID, INET6 and INET4 are plain fixed-length binary strings in
  // the binlog; only the schema tells them apart. Set from the schema (see
  // BinlogDecoder::SetSchemaResolver) to render them as SELECT does.
  enum class Special { kNone, kUuid, kInet6, kInet4 };
  Special special = Special::kNone;
};

struct TableMap {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string database;
  std::string table;
  std::vector<ColumnDef> columns;
  std::vector<uint32_t> primary_key;  // column indexes, if the map names them
};

absl::StatusOr<TableMap> ParseTableMap(absl::string_view event,
                                       const FormatDescription& fmt);

enum class RowsKind { kInsert, kUpdate, kDelete };

struct RowChange {
  absl::optional<Row> before;  // UPDATE, DELETE
  absl::optional<Row> after;   // INSERT, UPDATE
};

// RowsEvent::flags (Rows_log_event): the statement's last event; the
// session ran with foreign_key_checks = 0; with unique_checks = 0; (MariaDB)
// with check_constraint_checks = 0.
constexpr uint16_t kRowsStatementEnd = 1 << 0;
constexpr uint16_t kRowsNoForeignKeyChecks = 1 << 1;
constexpr uint16_t kRowsRelaxedUniqueChecks = 1 << 2;
constexpr uint16_t kRowsNoCheckConstraintChecks = 1 << 7;

struct RowsEvent {
  RowsKind kind = RowsKind::kInsert;
  uint64_t table_id = 0;
  uint16_t flags = 0;  // kRows* bits
  // Which columns each image carries; absent columns decode as NULL.
  std::vector<bool> columns_before;
  std::vector<bool> columns_after;
  std::vector<RowChange> rows;
};

bool IsRowsEvent(uint8_t type);

// Returns the table id a rows event refers to (to find its TableMap).
absl::StatusOr<uint64_t> RowsEventTableId(absl::string_view event,
                                          const FormatDescription& fmt);

// Decodes a rows event against the table map it refers to.
absl::StatusOr<RowsEvent> ParseRowsEvent(absl::string_view event,
                                         const FormatDescription& fmt,
                                         const TableMap& map);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_ROW_EVENT_H_
