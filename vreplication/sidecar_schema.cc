#include "vreplication/sidecar_schema.h"

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mysql/connection.h"
#include "util/status_macros.h"
#include "vreplication/target_writes.h"
#include "vreplication/xa_watch.h"

namespace sidecut {
namespace vreplication {
namespace {

// Vitess's column names and types (go/vt/sidecardb/schema/vreplication).
constexpr char kVreplication[] = R"sql(
CREATE TABLE IF NOT EXISTS _vt.vreplication (
  id INT AUTO_INCREMENT,
  workflow VARBINARY(1000),
  source MEDIUMBLOB NOT NULL,
  pos VARBINARY(10000) NOT NULL,
  stop_pos VARBINARY(10000) DEFAULT NULL,
  max_tps BIGINT NOT NULL,
  max_replication_lag BIGINT NOT NULL,
  cell VARBINARY(1000) DEFAULT NULL,
  tablet_types VARBINARY(100) DEFAULT NULL,
  time_updated BIGINT NOT NULL,
  transaction_timestamp BIGINT NOT NULL,
  state VARBINARY(100) NOT NULL,
  message VARBINARY(1000) DEFAULT NULL,
  db_name VARBINARY(255) NOT NULL,
  rows_copied BIGINT NOT NULL DEFAULT 0,
  tags VARBINARY(1024) NOT NULL DEFAULT '',
  time_heartbeat BIGINT NOT NULL DEFAULT 0,
  workflow_type INT NOT NULL DEFAULT 0,
  time_throttled BIGINT NOT NULL DEFAULT 0,
  component_throttled VARCHAR(255) NOT NULL DEFAULT '',
  reason_throttled VARCHAR(512) NOT NULL DEFAULT '',
  workflow_sub_type INT NOT NULL DEFAULT 0,
  defer_secondary_keys TINYINT(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY workflow_idx (workflow(64))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
)sql";

constexpr char kCopyState[] = R"sql(
CREATE TABLE IF NOT EXISTS _vt.copy_state (
  id BIGINT NOT NULL AUTO_INCREMENT,
  vrepl_id INT NOT NULL,
  table_name VARBINARY(128) NOT NULL,
  lastpk VARBINARY(20000) DEFAULT NULL,
  PRIMARY KEY (id),
  KEY vrepl_id (vrepl_id, table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
)sql";

constexpr int64_t kLastPkWidth = 20000;

// Columns added after the first schema; each is a no-op when present.
constexpr const char* kUpgrades[] = {
    "ALTER TABLE _vt.vreplication ADD COLUMN IF NOT EXISTS options JSON "
    "NOT NULL DEFAULT '{}'",
};

}  // namespace

absl::Status EnsureSidecarSchema(mysql::Connection& conn) {
  SC_RETURN_IF_ERROR(
      conn.Execute("CREATE DATABASE IF NOT EXISTS _vt CHARACTER SET utf8mb4")
          .status());
  SC_RETURN_IF_ERROR(conn.Execute(kVreplication).status());
  SC_RETURN_IF_ERROR(conn.Execute(kCopyState).status());
  SC_RETURN_IF_ERROR(conn.Execute(kXaWatchTable).status());
  SC_RETURN_IF_ERROR(conn.Execute(kTargetWritesTable).status());
  for (const char* sql : kUpgrades) {
    SC_RETURN_IF_ERROR(conn.Execute(sql).status());
  }
  // lastpk was VARBINARY(2000), as in Vitess: a key of a few hundred
  // non-ASCII characters, written as escaped text, did not fit (the copy
  // failed, or a non-strict session cut it). 20000 holds any InnoDB key.
  SC_ASSIGN_OR_RETURN(
      std::string width,
      mysql::QueryValue(conn,
                        "SELECT CHARACTER_MAXIMUM_LENGTH FROM "
                        "information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                        "'_vt' AND TABLE_NAME = 'copy_state' AND COLUMN_NAME "
                        "= 'lastpk'"));
  int64_t n = 0;
  if (absl::SimpleAtoi(width, &n) && n < kLastPkWidth) {
    SC_RETURN_IF_ERROR(
        conn.Execute(absl::StrCat("ALTER TABLE _vt.copy_state MODIFY lastpk "
                                  "VARBINARY(",
                                  kLastPkWidth, ") DEFAULT NULL"))
            .status());
  }
  return absl::OkStatus();
}

}  // namespace vreplication
}  // namespace sidecut
