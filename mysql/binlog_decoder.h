// BinlogDecoder: turns a stream of raw events into decoded events, keeping
// the state decoding needs across events: the current format description
// (checksum algorithm, post-header lengths) and the table maps by id.
//
// Thread-compatible: one stream per decoder.
#ifndef SIDECUT_MYSQL_BINLOG_DECODER_H_
#define SIDECUT_MYSQL_BINLOG_DECODER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/binlog_event.h"
#include "mysql/gtid.h"
#include "mysql/row_event.h"

namespace sidecut {
namespace mysql {

struct DecodedEvent {
  enum class Kind {
    kFormatDescription,
    kRotate,
    kGtid,      // start of a transaction
    kGtidList,  // MariaDB: binlog state at the start of a file
    kPreviousGtids,
    kQuery,      // BEGIN, COMMIT (non-transactional), DDL, ...
    kXid,        // COMMIT of a transactional transaction
    kXaPrepare,  // XA PREPARE: ends the first half of a two-phase XA
    kTableMap,
    kRows,
    kHeartbeat,
    kOther,  // skipped kinds (annotate rows, checkpoints, intvar, ...)
  };
  Kind kind = Kind::kOther;
  EventHeader header;
  GtidEvent gtid;
  MariadbGtidPos gtid_list;
  MysqlGtidSet previous_gtids;
  QueryEvent query;
  uint64_t xid = 0;
  std::string xa_id;  // kXaPrepare: the XA transaction's id (XaIdText)
  RotateEvent rotate;
  std::shared_ptr<const TableMap> table;  // kTableMap, kRows
  RowsEvent rows;
};

// Returns the column data types (information_schema.COLUMNS.DATA_TYPE,
// lower case) of db.table by column name; used for what the binlog cannot
// tell (MariaDB UUID/INET6/INET4).
using SchemaResolver =
    std::function<absl::StatusOr<absl::flat_hash_map<std::string, std::string>>(
        const std::string& db, const std::string& table)>;

// Whether the rows of db.table are wanted.
using TableFilter =
    std::function<bool(const std::string& db, const std::string& table)>;

class BinlogDecoder {
 public:
  BinlogDecoder() = default;

  // Optional. Consulted once per table (again after any DDL statement).
  void SetSchemaResolver(SchemaResolver resolver) {
    resolver_ = std::move(resolver);
  }
  // Optional. Rows events of tables it rejects (asked at each TABLE_MAP)
  // come back as kRows with their table and no rows, undecoded (neither
  // parsed nor checksummed).
  void SetTableFilter(TableFilter filter) { filter_ = std::move(filter); }

  // Decodes one event. The first event of a stream (after an artificial
  // ROTATE) must be the FORMAT_DESCRIPTION_EVENT; until then events are
  // checked as checksum-less. A rows event whose table map was not seen is
  // kDataLoss.
  absl::StatusOr<DecodedEvent> Decode(absl::string_view event);

  const FormatDescription& format() const { return format_; }

 private:
  FormatDescription format_;
  bool have_format_ = false;
  absl::Status Annotate(TableMap* map);

  absl::flat_hash_map<uint64_t, std::shared_ptr<const TableMap>> tables_;
  absl::flat_hash_set<uint64_t> unwanted_;  // table ids the filter rejected
  SchemaResolver resolver_;
  TableFilter filter_;
  // db + '\0' + table -> column name -> data type.
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<std::string, std::string>>
      schema_cache_;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_BINLOG_DECODER_H_
