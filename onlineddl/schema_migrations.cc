#include "onlineddl/schema_migrations.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "onlineddl/deferred_indexes.h"
#include "onlineddl/swap_check.h"
#include "onlineddl/throttled_apps.h"
#include "onlineddl/verified_copies.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

// Vitess's columns and types, in Vitess's order.
constexpr char kCreateTable[] = R"sql(
CREATE TABLE IF NOT EXISTS _vt.schema_migrations (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `migration_uuid` varchar(64) NOT NULL,
  `keyspace` varchar(256) NOT NULL,
  `shard` varchar(255) NOT NULL,
  `mysql_schema` varchar(128) NOT NULL,
  `mysql_table` varchar(128) NOT NULL,
  `migration_statement` text NOT NULL,
  `strategy` varchar(128) NOT NULL,
  `options` varchar(8192) NOT NULL,
  `added_timestamp` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `requested_timestamp` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `ready_timestamp` timestamp NULL DEFAULT NULL,
  `started_timestamp` timestamp NULL DEFAULT NULL,
  `liveness_timestamp` timestamp NULL DEFAULT NULL,
  `completed_timestamp` timestamp(6) NULL DEFAULT NULL,
  `cleanup_timestamp` timestamp NULL DEFAULT NULL,
  `migration_status` varchar(128) NOT NULL,
  `log_path` varchar(1024) NOT NULL DEFAULT '',
  `artifacts` text NOT NULL,
  `retries` int unsigned NOT NULL DEFAULT '0',
  `tablet` varchar(128) NOT NULL DEFAULT '',
  `tablet_failure` tinyint unsigned NOT NULL DEFAULT '0',
  `progress` float NOT NULL DEFAULT '0',
  `migration_context` varchar(1024) NOT NULL DEFAULT '',
  `ddl_action` varchar(16) NOT NULL DEFAULT '',
  `message` text NOT NULL,
  `eta_seconds` bigint NOT NULL DEFAULT '-1',
  `rows_copied` bigint unsigned NOT NULL DEFAULT '0',
  `table_rows` bigint NOT NULL DEFAULT '0',
  `added_unique_keys` int unsigned NOT NULL DEFAULT '0',
  `removed_unique_keys` int unsigned NOT NULL DEFAULT '0',
  `log_file` varchar(1024) NOT NULL DEFAULT '',
  `retain_artifacts_seconds` bigint NOT NULL DEFAULT '0',
  `postpone_completion` tinyint unsigned NOT NULL DEFAULT '0',
  `removed_unique_key_names` text NOT NULL,
  `dropped_no_default_column_names` text NOT NULL,
  `expanded_column_names` text NOT NULL,
  `revertible_notes` text NOT NULL,
  `allow_concurrent` tinyint unsigned NOT NULL DEFAULT '0',
  `reverted_uuid` varchar(64) NOT NULL DEFAULT '',
  `is_view` tinyint unsigned NOT NULL DEFAULT '0',
  `ready_to_complete` tinyint unsigned NOT NULL DEFAULT '0',
  `vitess_liveness_indicator` bigint NOT NULL DEFAULT '0',
  `user_throttle_ratio` float NOT NULL DEFAULT '0',
  `special_plan` text NOT NULL,
  `last_throttled_timestamp` timestamp NULL DEFAULT NULL,
  `component_throttled` tinytext NOT NULL,
  `cancelled_timestamp` timestamp NULL DEFAULT NULL,
  `postpone_launch` tinyint unsigned NOT NULL DEFAULT '0',
  `stage` text NOT NULL,
  `cutover_attempts` int unsigned NOT NULL DEFAULT '0',
  `is_immediate_operation` tinyint unsigned NOT NULL DEFAULT '0',
  `reviewed_timestamp` timestamp NULL DEFAULT NULL,
  `ready_to_complete_timestamp` timestamp NULL DEFAULT NULL,
  `removed_foreign_key_names` text NOT NULL,
  `last_cutover_attempt_timestamp` timestamp NULL DEFAULT NULL,
  `force_cutover` tinyint unsigned NOT NULL DEFAULT '0',
  `cutover_threshold_seconds` int unsigned NOT NULL DEFAULT '0',
  `reason_throttled` text NOT NULL,
  `vreplication_lag_seconds` bigint NOT NULL DEFAULT '0',
  PRIMARY KEY (`id`),
  UNIQUE KEY `uuid_idx` (`migration_uuid`),
  KEY `keyspace_shard_idx` (`keyspace`(64), `shard`(64)),
  KEY `status_idx` (`migration_status`, `liveness_timestamp`),
  KEY `cleanup_status_idx` (`cleanup_timestamp`, `migration_status`),
  KEY `tablet_failure_idx` (`tablet_failure`, `migration_status`, `retries`),
  KEY `table_complete_idx` (`migration_status`, `keyspace`(64),
                            `mysql_table`(64), `completed_timestamp`),
  KEY `migration_context_idx` (`migration_context`(64)),
  KEY `reverted_uuid_idx` (`reverted_uuid`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
)sql";

// Columns newer than the first published table: added if missing.
constexpr const char* kAddedColumns[] = {
    "`cutover_threshold_seconds` int unsigned NOT NULL DEFAULT '0'",
    "`reason_throttled` text NOT NULL",
    "`vreplication_lag_seconds` bigint NOT NULL DEFAULT '0'",
};

constexpr char kSelectColumns[] =
    "id, migration_uuid, keyspace, shard, mysql_schema, mysql_table, "
    "migration_statement, strategy, options, migration_status, artifacts, "
    "retries, tablet, progress, migration_context, ddl_action, message, "
    "eta_seconds, rows_copied, table_rows, added_unique_keys, "
    "removed_unique_keys, removed_unique_key_names, "
    "dropped_no_default_column_names, expanded_column_names, "
    "revertible_notes, postpone_completion, postpone_launch, "
    "allow_concurrent, reverted_uuid, is_view, ready_to_complete, "
    "user_throttle_ratio, special_plan, component_throttled, "
    "reason_throttled, stage, cutover_attempts, is_immediate_operation, "
    "force_cutover, cutover_threshold_seconds, retain_artifacts_seconds, "
    "vreplication_lag_seconds, added_timestamp, requested_timestamp, "
    "ready_timestamp, started_timestamp, liveness_timestamp, "
    "completed_timestamp, cleanup_timestamp, cancelled_timestamp, "
    "ready_to_complete_timestamp, last_cutover_attempt_timestamp, "
    "IFNULL(TIMESTAMPDIFF(SECOND, ready_to_complete_timestamp, NOW()), -1), "
    "IFNULL(TIMESTAMPDIFF(SECOND, completed_timestamp, NOW()), -1), "
    "IFNULL(TIMESTAMPDIFF(SECOND, last_cutover_attempt_timestamp, NOW()), -1)";

absl::StatusOr<Migration> FromRow(const mysql::Row& r) {
  Migration m;
  int i = 0;
  auto str = [&](std::string* out) { *out = std::string(r.Get(i++)); };
  auto i64 = [&](int64_t* out) -> absl::Status {
    if (r.IsNull(i)) {
      *out = 0;
      ++i;
      return absl::OkStatus();
    }
    SC_ASSIGN_OR_RETURN(*out, r.GetInt64(i++));
    return absl::OkStatus();
  };
  auto flag = [&](bool* out) -> absl::Status {
    int64_t v = 0;
    SC_RETURN_IF_ERROR(i64(&v));
    *out = v != 0;
    return absl::OkStatus();
  };
  auto dbl = [&](double* out) -> absl::Status {
    SC_ASSIGN_OR_RETURN(*out, r.GetDouble(i++));
    return absl::OkStatus();
  };
  SC_RETURN_IF_ERROR(i64(&m.id));
  str(&m.uuid);
  str(&m.keyspace);
  str(&m.shard);
  str(&m.schema);
  str(&m.table);
  str(&m.statement);
  str(&m.strategy);
  str(&m.options);
  str(&m.status);
  str(&m.artifacts);
  SC_RETURN_IF_ERROR(i64(&m.retries));
  str(&m.tablet);
  SC_RETURN_IF_ERROR(dbl(&m.progress));
  str(&m.migration_context);
  str(&m.ddl_action);
  str(&m.message);
  SC_RETURN_IF_ERROR(i64(&m.eta_seconds));
  SC_RETURN_IF_ERROR(i64(&m.rows_copied));
  SC_RETURN_IF_ERROR(i64(&m.table_rows));
  SC_RETURN_IF_ERROR(i64(&m.added_unique_keys));
  SC_RETURN_IF_ERROR(i64(&m.removed_unique_keys));
  str(&m.removed_unique_key_names);
  str(&m.dropped_no_default_column_names);
  str(&m.expanded_column_names);
  str(&m.revertible_notes);
  SC_RETURN_IF_ERROR(flag(&m.postpone_completion));
  SC_RETURN_IF_ERROR(flag(&m.postpone_launch));
  SC_RETURN_IF_ERROR(flag(&m.allow_concurrent));
  str(&m.reverted_uuid);
  SC_RETURN_IF_ERROR(flag(&m.is_view));
  SC_RETURN_IF_ERROR(flag(&m.ready_to_complete));
  SC_RETURN_IF_ERROR(dbl(&m.user_throttle_ratio));
  str(&m.special_plan);
  str(&m.component_throttled);
  str(&m.reason_throttled);
  str(&m.stage);
  SC_RETURN_IF_ERROR(i64(&m.cutover_attempts));
  SC_RETURN_IF_ERROR(flag(&m.is_immediate_operation));
  SC_RETURN_IF_ERROR(flag(&m.force_cutover));
  SC_RETURN_IF_ERROR(i64(&m.cutover_threshold_seconds));
  SC_RETURN_IF_ERROR(i64(&m.retain_artifacts_seconds));
  SC_RETURN_IF_ERROR(i64(&m.vreplication_lag_seconds));
  str(&m.added_timestamp);
  str(&m.requested_timestamp);
  str(&m.ready_timestamp);
  str(&m.started_timestamp);
  str(&m.liveness_timestamp);
  str(&m.completed_timestamp);
  str(&m.cleanup_timestamp);
  str(&m.cancelled_timestamp);
  str(&m.ready_to_complete_timestamp);
  str(&m.last_cutover_attempt_timestamp);
  SC_RETURN_IF_ERROR(i64(&m.seconds_since_ready_to_complete));
  SC_RETURN_IF_ERROR(i64(&m.seconds_since_completed));
  SC_RETURN_IF_ERROR(i64(&m.seconds_since_last_cutover_attempt));
  return m;
}

}  // namespace

bool IsTerminalStatus(absl::string_view status) {
  return status == kStatusComplete || status == kStatusFailed ||
         status == kStatusCancelled;
}

bool IsVreplAlter(const Migration& m) {
  return m.strategy == "vitess" && m.ddl_action == "alter" && !m.is_view &&
         m.reverted_uuid.empty();
}

std::string FirstArtifact(const Migration& m) {
  return m.artifacts.substr(0, m.artifacts.find(','));
}

Migration RevertOf(const Migration& m, std::string uuid, std::string tablet) {
  Migration r;
  r.uuid = std::move(uuid);
  r.keyspace = m.keyspace;
  r.shard = m.shard;
  r.schema = m.schema;
  r.table = m.table;
  r.statement =
      absl::StrCat("revert vitess_migration ", mysql::QuoteString(m.uuid));
  r.strategy = m.strategy;
  r.status = kStatusRequested;
  r.tablet = std::move(tablet);
  r.ddl_action = m.ddl_action == "create" ? "drop"
                 : m.ddl_action == "drop" ? "create"
                                          : "alter";
  r.is_view = m.is_view;
  r.reverted_uuid = m.uuid;
  r.allow_concurrent = true;
  // Its artifacts (the table it displaces, a DROP's hold) kept as long as
  // the reverted migration's were asked to be.
  r.retain_artifacts_seconds = std::max<int64_t>(m.retain_artifacts_seconds, 0);
  if (m.ddl_action == "alter" && !m.is_view) r.artifacts = FirstArtifact(m);
  return r;
}

absl::Status EnsureSchemaMigrations(mysql::Connection& conn) {
  SC_RETURN_IF_ERROR(
      conn.Execute("CREATE DATABASE IF NOT EXISTS _vt CHARACTER SET utf8mb4")
          .status());
  SC_RETURN_IF_ERROR(conn.Execute(kCreateTable).status());
  SC_RETURN_IF_ERROR(EnsureDeferredIndexTable(conn));
  SC_RETURN_IF_ERROR(EnsureSwapSchemaTable(conn));
  SC_RETURN_IF_ERROR(EnsureVerifiedCopiesTable(conn));
  SC_RETURN_IF_ERROR(EnsureThrottledAppsTable(conn));
  for (const char* col : kAddedColumns) {
    SC_RETURN_IF_ERROR(
        conn.Execute(absl::StrCat("ALTER TABLE _vt.schema_migrations ADD "
                                  "COLUMN IF NOT EXISTS ",
                                  col))
            .status());
  }
  return absl::OkStatus();
}

absl::Status InsertMigration(mysql::Connection& conn, const Migration& m) {
  using mysql::QuoteString;
  std::string sql = absl::StrCat(
      "INSERT INTO _vt.schema_migrations (migration_uuid, keyspace, shard, "
      "mysql_schema, mysql_table, migration_statement, strategy, options, "
      "migration_status, artifacts, tablet, migration_context, ddl_action, "
      "message, removed_unique_key_names, dropped_no_default_column_names, "
      "expanded_column_names, revertible_notes, postpone_completion, "
      "postpone_launch, allow_concurrent, reverted_uuid, is_view, "
      "special_plan, component_throttled, reason_throttled, stage, "
      "removed_foreign_key_names, is_immediate_operation, "
      "cutover_threshold_seconds, retain_artifacts_seconds) VALUES (",
      absl::StrJoin({QuoteString(m.uuid),
                     QuoteString(m.keyspace),
                     QuoteString(m.shard),
                     QuoteString(m.schema),
                     QuoteString(m.table),
                     QuoteString(m.statement),
                     QuoteString(m.strategy),
                     QuoteString(m.options),
                     QuoteString(m.status),
                     QuoteString(m.artifacts),
                     QuoteString(m.tablet),
                     QuoteString(m.migration_context),
                     QuoteString(m.ddl_action),
                     QuoteString(m.message),
                     QuoteString(""),
                     QuoteString(""),
                     QuoteString(""),
                     QuoteString(m.revertible_notes),
                     absl::StrCat(m.postpone_completion ? 1 : 0),
                     absl::StrCat(m.postpone_launch ? 1 : 0),
                     absl::StrCat(m.allow_concurrent ? 1 : 0),
                     QuoteString(m.reverted_uuid),
                     absl::StrCat(m.is_view ? 1 : 0),
                     QuoteString(m.special_plan),
                     QuoteString(""),
                     QuoteString(""),
                     QuoteString(m.stage),
                     QuoteString(""),
                     absl::StrCat(m.is_immediate_operation ? 1 : 0),
                     absl::StrCat(m.cutover_threshold_seconds),
                     absl::StrCat(m.retain_artifacts_seconds)},
                    ", "),
      ")");
  return conn.Execute(sql).status();
}

absl::StatusOr<std::vector<Migration>> ListMigrations(mysql::Connection& conn,
                                                      absl::string_view where) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(
          absl::StrCat("SELECT ", kSelectColumns, " FROM _vt.schema_migrations",
                       where.empty() ? "" : " WHERE ", where, " ORDER BY id")));
  std::vector<Migration> out;
  for (const mysql::Row& row : r.rows) {
    SC_ASSIGN_OR_RETURN(Migration m, FromRow(row));
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<Migration> ReadMigration(mysql::Connection& conn,
                                        absl::string_view uuid) {
  SC_ASSIGN_OR_RETURN(
      std::vector<Migration> ms,
      ListMigrations(
          conn, absl::StrCat("migration_uuid = ", mysql::QuoteString(uuid))));
  if (ms.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no migration with UUID '", uuid, "'"));
  }
  return std::move(ms[0]);
}

Assignments& Assignments::Set(absl::string_view column,
                              absl::string_view value) {
  parts_.push_back(absl::StrCat(mysql::QuoteIdentifier(column), " = ",
                                mysql::QuoteString(value)));
  return *this;
}

Assignments& Assignments::Set(absl::string_view column, int64_t value) {
  parts_.push_back(absl::StrCat(mysql::QuoteIdentifier(column), " = ", value));
  return *this;
}

Assignments& Assignments::Set(absl::string_view column, double value) {
  parts_.push_back(absl::StrCat(mysql::QuoteIdentifier(column), " = ", value));
  return *this;
}

Assignments& Assignments::SetExpr(absl::string_view column,
                                  absl::string_view sql) {
  parts_.push_back(absl::StrCat(mysql::QuoteIdentifier(column), " = ", sql));
  return *this;
}

std::string Assignments::ToSql() const { return absl::StrJoin(parts_, ", "); }

absl::Status UpdateMigration(mysql::Connection& conn, absl::string_view uuid,
                             const Assignments& a) {
  if (a.empty()) return absl::OkStatus();
  return conn
      .Execute(
          absl::StrCat("UPDATE _vt.schema_migrations SET ", a.ToSql(),
                       " WHERE migration_uuid = ", mysql::QuoteString(uuid)))
      .status();
}

absl::StatusOr<mysql::Result> ShowMigrations(mysql::Connection& conn,
                                             absl::string_view where) {
  return conn.Execute(absl::StrCat("SELECT * FROM _vt.schema_migrations",
                                   where.empty() ? "" : " WHERE ", where,
                                   " ORDER BY id"));
}

}  // namespace onlineddl
}  // namespace sidecut
