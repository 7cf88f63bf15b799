// _vt.schema_migrations: one row per online DDL migration, with Vitess's
// columns (go/vt/sidecardb/schema/onlineddl/schema_migrations.sql) plus the
// newer cut-over and throttling columns. The row is the migration's whole
// state: a restarted tablet resumes every migration from it.
//
// Thread-compatible (functions over a caller-owned Connection).
#ifndef SIDECUT_ONLINEDDL_SCHEMA_MIGRATIONS_H_
#define SIDECUT_ONLINEDDL_SCHEMA_MIGRATIONS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// Vitess's status names.
inline constexpr char kStatusRequested[] = "requested";
inline constexpr char kStatusCancelled[] = "cancelled";
inline constexpr char kStatusQueued[] = "queued";
inline constexpr char kStatusReady[] = "ready";
inline constexpr char kStatusRunning[] = "running";
inline constexpr char kStatusComplete[] = "complete";
inline constexpr char kStatusFailed[] = "failed";

// True for complete, failed and cancelled.
bool IsTerminalStatus(absl::string_view status);

struct Migration;
// The migration's newest artifact (artifacts are listed newest first): the
// shadow table while it runs, the old table after an ALTER's cut-over.
std::string FirstArtifact(const Migration& m);
// A migration that copies a table through a shadow (reverts need no copy).
bool IsVreplAlter(const Migration& m);
// A requested revert `uuid` of `m` on `tablet`: the inverse action on m's
// table, riding on m's old table for an ALTER of a table.
Migration RevertOf(const Migration& m, std::string uuid, std::string tablet);

struct Migration {
  int64_t id = 0;
  std::string uuid;
  std::string keyspace;
  std::string shard;
  std::string schema;  // mysql_schema
  std::string table;   // mysql_table
  std::string statement;
  std::string strategy;  // "vitess", "mysql", ...
  std::string options;   // the strategy's flags as given
  std::string status;
  std::string artifacts;  // comma-separated table names
  int64_t retries = 0;
  std::string tablet;
  double progress = 0;
  std::string migration_context;
  std::string ddl_action;  // create, alter, drop
  std::string message;
  int64_t eta_seconds = -1;
  int64_t rows_copied = 0;
  int64_t table_rows = 0;
  int64_t added_unique_keys = 0;
  int64_t removed_unique_keys = 0;
  std::string removed_unique_key_names;
  std::string dropped_no_default_column_names;
  std::string expanded_column_names;
  std::string revertible_notes;
  bool postpone_completion = false;
  bool postpone_launch = false;
  bool allow_concurrent = false;
  std::string reverted_uuid;
  bool is_view = false;
  bool ready_to_complete = false;
  double user_throttle_ratio = 0;
  std::string special_plan;
  std::string component_throttled;
  std::string reason_throttled;
  std::string stage;
  int64_t cutover_attempts = 0;
  bool is_immediate_operation = false;
  bool force_cutover = false;
  int64_t cutover_threshold_seconds = 0;
  int64_t retain_artifacts_seconds = 0;
  int64_t vreplication_lag_seconds = 0;
  // Timestamps as the server prints them ("" = NULL).
  std::string added_timestamp;
  std::string requested_timestamp;
  std::string ready_timestamp;
  std::string started_timestamp;
  std::string liveness_timestamp;
  std::string completed_timestamp;
  std::string cleanup_timestamp;
  std::string cancelled_timestamp;
  std::string ready_to_complete_timestamp;
  std::string last_cutover_attempt_timestamp;
  // Seconds since these, computed by the server (-1 = NULL).
  int64_t seconds_since_ready_to_complete = -1;
  int64_t seconds_since_completed = -1;
  int64_t seconds_since_last_cutover_attempt = -1;
};

// Creates _vt (if needed) and _vt.schema_migrations, adding columns an
// older version lacks. Idempotent.
absl::Status EnsureSchemaMigrations(mysql::Connection& conn);

// Inserts `m` (id is assigned by the server and ignored here).
absl::Status InsertMigration(mysql::Connection& conn, const Migration& m);

// kNotFound (naming the UUID) when there is no such migration.
absl::StatusOr<Migration> ReadMigration(mysql::Connection& conn,
                                        absl::string_view uuid);

// Migrations matching `where` (SQL over the table's columns, built with
// the quoting helpers; "" = all), in id order.
absl::StatusOr<std::vector<Migration>> ListMigrations(mysql::Connection& conn,
                                                      absl::string_view where);

// Column assignments for UpdateMigration, each value escaped here.
class Assignments {
 public:
  Assignments& Set(absl::string_view column, absl::string_view value);
  Assignments& Set(absl::string_view column, const char* value) {
    return Set(column, absl::string_view(value));
  }
  Assignments& Set(absl::string_view column, int64_t value);
  Assignments& Set(absl::string_view column, double value);
  Assignments& Set(absl::string_view column, bool value) {
    return Set(column, static_cast<int64_t>(value ? 1 : 0));
  }
  // `sql` is a trusted expression such as NOW() or NULL.
  Assignments& SetExpr(absl::string_view column, absl::string_view sql);
  bool empty() const { return parts_.empty(); }
  std::string ToSql() const;

 private:
  std::vector<std::string> parts_;
};

// UPDATE … SET `a` WHERE migration_uuid = uuid.
absl::Status UpdateMigration(mysql::Connection& conn, absl::string_view uuid,
                             const Assignments& a);

// The SHOW VITESS_MIGRATIONS column order (every column of the table).
absl::StatusOr<mysql::Result> ShowMigrations(mysql::Connection& conn,
                                             absl::string_view where);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_SCHEMA_MIGRATIONS_H_
