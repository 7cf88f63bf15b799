// Reading and writing workflow rows in _vt.vreplication and _vt.copy_state.
#ifndef SIDECUT_VREPLICATION_VR_STORE_H_
#define SIDECUT_VREPLICATION_VR_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mysql/connection.h"
#include "proto/binlogdata.pb.h"

namespace sidecut {
namespace vreplication {

// Vitess's state names.
inline constexpr char kStateInit[] = "Init";
inline constexpr char kStateCopying[] = "Copying";
inline constexpr char kStateRunning[] = "Running";
inline constexpr char kStateStopped[] = "Stopped";
// The message of a workflow stopped by Engine::Stop (not at a DDL or a
// stop position).
inline constexpr char kStoppedByRequest[] = "stopped by request";
inline constexpr char kStateError[] = "Error";

// binlogdata.VReplicationWorkflowType values used here.
inline constexpr int kWorkflowTypeOnlineDdl = 5;

struct WorkflowRow {
  int64_t id = 0;
  std::string workflow;
  binlogdata::BinlogSource source;
  std::string pos;       // "MariaDB/..." or ""
  std::string stop_pos;  // "" = none
  std::string state;
  std::string message;
  std::string db_name;
  int64_t rows_copied = 0;
  int64_t max_tps = 0;
  int64_t time_throttled = 0;
  std::string reason_throttled;
  int64_t time_updated = 0;
  int64_t transaction_timestamp = 0;
  int64_t time_heartbeat = 0;
  int64_t workflow_type = 0;
  std::string tags;
};

// The tag of a workflow that keeps a table swapped out in sync with the
// one now serving (a revert's reverse stream): with on_ddl STOP it also
// stops at DDL that changes its target, the table a revert would swap
// back in (a TRUNCATE or ALTER of it by hand must refuse the revert).
inline constexpr char kTagStopOnTargetDdl[] = "sidecut:stop-on-target-ddl";

struct CopyStateRow {
  std::string table_name;  // the target table (rule match)
  bool has_lastpk = false;
  std::string lastpk;
};

// Inserts a workflow and returns its id: state Init with an empty position
// (it copies first), or, given `start_pos`, state Running at that position
// with no copy (the target already equals the source there).
absl::StatusOr<int64_t> CreateWorkflow(mysql::Connection& conn,
                                       absl::string_view name,
                                       const binlogdata::BinlogSource& source,
                                       absl::string_view db, int workflow_type,
                                       absl::string_view start_pos = "");

absl::StatusOr<WorkflowRow> ReadWorkflow(mysql::Connection& conn, int64_t id);
absl::StatusOr<std::vector<int64_t>> ListWorkflowIds(mysql::Connection& conn);

absl::Status SetState(mysql::Connection& conn, int64_t id,
                      absl::string_view state, absl::string_view message);
// Marks workflow `id` Stopped with `message` unless it is Stopped already
// (one that stopped itself, at a DDL or its stop position, keeps why).
absl::Status MarkStopped(mysql::Connection& conn, int64_t id,
                         absl::string_view message);

// UPDATE recording the position reached (run inside the applying
// transaction).
std::string SavePositionSql(int64_t id, absl::string_view pos,
                            int64_t transaction_timestamp);

absl::StatusOr<std::vector<CopyStateRow>> ReadCopyState(mysql::Connection& conn,
                                                        int64_t id);

std::string SourceToText(const binlogdata::BinlogSource& source);
absl::StatusOr<binlogdata::BinlogSource> SourceFromText(absl::string_view text);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_VR_STORE_H_
