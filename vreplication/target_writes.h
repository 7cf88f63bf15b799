// Writes to a reverse stream's target by someone else. A reverse stream
// (tagged kTagStopOnTargetDdl) keeps a swapped-out table in sync; a
// transaction that writes that table without recording a workflow's
// position (a DBA's UPDATE of the old table, say) makes it differ from
// what the stream keeps, behind the stream's back. The stream records the
// last such write here, in the transaction that saves its position past
// it, so the record survives a restart; a revert's check of the old table
// (onlineddl) then knows that a pass recorded before the write no longer
// holds, and checks again.
#ifndef SIDECUT_VREPLICATION_TARGET_WRITES_H_
#define SIDECUT_VREPLICATION_TARGET_WRITES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"

namespace sidecut {
namespace vreplication {

// CREATE TABLE IF NOT EXISTS _vt.sidecut_target_writes.
extern const char kTargetWritesTable[];

// Records a write to `target` of stream `id` by the transaction `gtid`.
std::string RecordTargetWriteSql(int64_t id, absl::string_view target,
                                 absl::string_view gtid);

// Deletes the record of stream `id`.
std::string ForgetTargetWritesSql(int64_t id);

// "`target` (GTID gtid)" of the last write recorded for stream `id`, if
// any.
absl::StatusOr<absl::optional<std::string>> RecordedTargetWrite(
    mysql::Connection& conn, int64_t id);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_TARGET_WRITES_H_
