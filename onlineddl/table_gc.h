// Table GC: retires artifact tables through hold → purge → evac → drop,
// the state and its deadline encoded in the table's name (artifact_name.h):
//   hold:  the table is kept intact until the name's time (can be renamed
//          back by hand);
//   purge: rows are deleted in small batches (no long locks, no big
//          transaction), not written to the binlog where the session may
//          turn that off (as Vitess: replicas get the DROP alone, not a
//          stream of deletes to apply), as the throttler lets it, then
//          the table moves on;
//   evac:  the empty table waits until the name's time so its pages leave
//          the buffer pool;
//   drop:  DROP TABLE.
// Views have no data and are dropped when they enter GC; sequences skip
// the purge (DELETE does not apply to them).
//
// Thread-compatible: one Tick at a time.
#ifndef SIDECUT_ONLINEDDL_TABLE_GC_H_
#define SIDECUT_ONLINEDDL_TABLE_GC_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "mysql/connection.h"
#include "onlineddl/artifact_name.h"
#include "util/clock.h"

namespace sidecut {
namespace onlineddl {

// The rows of one purge DELETE of a table whose rows take `avg_row_bytes`
// (information_schema's AVG_ROW_LENGTH; 0 unknown): about `bytes` of
// them, within [1, `most`]; 100 (at most `most`) while unknown.
int PurgeBatchRows(int64_t avg_row_bytes, int64_t bytes, int most);

struct TableGcOptions {
  GcLifecycle lifecycle;  // default: hold, purge, evac, drop
  // How long a table stays in hold. Default 1 h.
  absl::Duration hold = absl::Hours(1);
  // How long an empty table waits in evac. Default 10 min.
  absl::Duration evac = absl::Minutes(10);
  // Most rows one purge DELETE deletes. Default 5000. Each deletes about
  // purge_batch_bytes of rows (by the table's average row length): wide
  // rows (blobs) get small batches, no long lock, huge transaction or
  // binlog event (Vitess deletes 50 rows at a time). Default 4 MiB.
  int purge_batch_rows = 5000;
  int64_t purge_batch_bytes = int64_t{4} << 20;
  // Longest time one Tick spends purging (the executor's commands wait
  // meanwhile). Default 500 ms.
  absl::Duration purge_budget = absl::Milliseconds(500);
  // Longest wait of one RENAME or DROP for a table a transaction holds
  // (whole seconds, at least 1): the table is tried again next tick, and
  // the executor's commands and cut-overs do not wait behind it (they
  // waited the session's lock_wait_timeout). Default 2 s.
  absl::Duration lock_wait = absl::Seconds(2);
  // Asked before each purge batch (the daemon's copy throttler: replica
  // lag, server load); a non-empty reason ends this tick's purging. None
  // by default.
  std::function<absl::StatusOr<std::string>(mysql::Connection&)> throttle;
};

class TableGc {
 public:
  TableGc(TableGcOptions options, Clock* clock)
      : options_(std::move(options)), clock_(clock) {}

  // Puts `table` (a table or view in `db`), an artifact of migration
  // `uuid`, into GC: renames it to its first GC state after hold (its
  // retention, or a CLEANUP, was its hold: Vitess purges such artifacts at
  // once), named with that UUID as Vitess names it (a view is dropped). A
  // missing table is not an error.
  absl::Status Retire(mysql::Connection& conn, absl::string_view db,
                      absl::string_view table, absl::string_view uuid);

  // Advances every GC table of `db` whose time has come, except hold tables
  // of the migrations in `keep` (UUIDs as in artifact names: 32 hex digits,
  // lowercase), which a pending revert is about to rename back. A table that
  // cannot advance does not stop the others: after all were tried, the
  // error names every one stuck. Returns how many tables changed state.
  absl::StatusOr<int> Tick(mysql::Connection& conn, absl::string_view db,
                           const absl::flat_hash_set<std::string>& keep = {});

 private:
  // Renames `table` to state `hint` with deadline now + `wait`, named with
  // `uuid` (a table keeps its UUID through GC), or drops it for kDrop.
  absl::Status MoveTo(mysql::Connection& conn, absl::string_view db,
                      absl::string_view table, ArtifactHint hint,
                      absl::Duration wait, absl::string_view uuid);
  // Views have no data: they leave GC by being dropped.
  absl::Status DropView(mysql::Connection& conn, absl::string_view db,
                        absl::string_view view);
  // Runs `ddl` waiting at most options_.lock_wait for its metadata locks.
  absl::Status Run(mysql::Connection& conn, absl::string_view ddl) const;
  // Moves `table` (parsed as `p`, of TABLE_TYPE `type` and ENGINE
  // `engine`) to its next state if its time has come; true if it moved.
  // Purging stops at `purge_until` (one budget for the whole Tick).
  absl::StatusOr<bool> Advance(mysql::Connection& conn, absl::string_view db,
                               const std::string& table,
                               const ParsedArtifactName& p,
                               absl::string_view type, absl::string_view engine,
                               absl::Time purge_until);
  // Deletes rows in batches until `until`; true when the table is empty.
  // First drops the table's triggers (a real DROP TABLE fires none), and
  // refuses a table other tables' foreign keys reference (its DELETEs
  // would cascade into them, or set their columns to NULL).
  absl::StatusOr<bool> Purge(mysql::Connection& conn, absl::string_view db,
                             absl::string_view table, absl::Time until);
  // FailedPrecondition if other tables' foreign keys reference `table`
  // (its DELETEs would cascade into them, or set their columns to NULL).
  absl::Status CheckUnreferenced(mysql::Connection& conn, absl::string_view db,
                                 absl::string_view table);
  // How long a table stays in state `hint` (hold, evac; zero otherwise).
  absl::Duration StateDuration(ArtifactHint hint) const;

  TableGcOptions options_;
  Clock* clock_;
  // Purge tables found referenced by no other table's foreign key ("db"
  // NUL "table"; a GC name is never reused): the check reads every
  // database's constraints, too costly to repeat for each tick.
  absl::flat_hash_set<std::string> unreferenced_;
  // Each purging table's batch ("db" NUL "table"), read once.
  absl::flat_hash_map<std::string, int> batch_;
  // The session may not turn sql_log_bin off (no BINLOG ADMIN or SUPER):
  // purges are logged.
  bool log_purges_ = false;
};

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_TABLE_GC_H_
