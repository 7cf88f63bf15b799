#include "onlineddl/throttled_apps.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

using mysql::QuoteString;

absl::Status EnsureThrottledAppsTable(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(
      std::string had,
      mysql::QueryValue(conn,
                        "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                        "TABLE_SCHEMA = '_vt' AND TABLE_NAME = "
                        "'sidecut_throttled_apps'"));
  // Per database (one sidecutd each may share the server): ALL is that
  // database's migrations. expires_at: microseconds since the epoch, NULL
  // = never.
  SC_RETURN_IF_ERROR(
      conn.Execute("CREATE TABLE IF NOT EXISTS _vt.sidecut_throttled_apps ("
                   "mysql_schema VARCHAR(64) NOT NULL, "
                   "app_name VARCHAR(64) NOT NULL, "
                   "ratio DOUBLE NOT NULL, "
                   "expires_at BIGINT NULL, "
                   "PRIMARY KEY (mysql_schema, app_name)) ENGINE=InnoDB "
                   "DEFAULT CHARSET=utf8mb4")
          .status());
  if (had != "0") return absl::OkStatus();
  // Made by a release that kept throttles in the migrations' rows only:
  // those still pending stay throttled.
  return conn
      .Execute(
          "INSERT IGNORE INTO _vt.sidecut_throttled_apps (mysql_schema, "
          "app_name, ratio, expires_at) SELECT mysql_schema, migration_uuid, "
          "user_throttle_ratio, NULL FROM _vt.schema_migrations WHERE "
          "user_throttle_ratio > 0 AND migration_status IN ('requested', "
          "'queued', 'ready', 'running')")
      .status();
}

absl::Status ThrottleApp(mysql::Connection& conn, absl::string_view db,
                         absl::string_view app, double ratio,
                         absl::Time expires) {
  if (!(ratio >= 0 && ratio <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("throttle ratio ", ratio,
                     ": give a number from 0 (not throttled) to 1 (fully "
                     "throttled)"));
  }
  if (ratio == 0) {
    return conn
        .Execute(absl::StrCat(
            "DELETE FROM _vt.sidecut_throttled_apps WHERE mysql_schema = ",
            QuoteString(db), " AND app_name = ", QuoteString(app)))
        .status();
  }
  const std::string until = expires == absl::InfiniteFuture()
                                ? std::string("NULL")
                                : absl::StrCat(absl::ToUnixMicros(expires));
  return conn
      .Execute(absl::StrCat(
          "REPLACE INTO _vt.sidecut_throttled_apps (mysql_schema, app_name, "
          "ratio, expires_at) VALUES (",
          QuoteString(db), ", ", QuoteString(app), ", ",
          absl::StrFormat("%.17g", ratio), ", ", until, ")"))
      .status();
}

absl::StatusOr<double> ThrottleRatioOf(mysql::Connection& conn,
                                       absl::string_view db,
                                       absl::string_view uuid, absl::Time now) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT ratio FROM _vt.sidecut_throttled_apps WHERE mysql_schema = ",
          QuoteString(db), " AND app_name IN (", QuoteString(uuid), ", ",
          QuoteString(kAllMigrationsApp),
          ") AND (expires_at IS NULL OR expires_at > ", absl::ToUnixMicros(now),
          ")")));
  double ratio = 0;
  for (const mysql::Row& row : r.rows) {
    double v = 0;
    if (row.IsNull(0) || !absl::SimpleAtod(row.Get(0), &v)) {
      return absl::InternalError(absl::StrCat(
          "_vt.sidecut_throttled_apps holds a ratio that is not a number for ",
          uuid));
    }
    ratio = std::max(ratio, v);
  }
  return ratio;
}

absl::StatusOr<double> RecordedThrottleRatio(mysql::Connection& conn,
                                             absl::string_view workflow) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT IFNULL(MAX(user_throttle_ratio), 0) FROM "
          "_vt.schema_migrations WHERE migration_status = 'running' AND "
          "(migration_uuid = ",
          QuoteString(workflow), " OR reverted_uuid = ", QuoteString(workflow),
          ")")));
  double v = 0;
  if (r.rows.empty() || r.rows[0].IsNull(0) ||
      !absl::SimpleAtod(r.rows[0].Get(0), &v)) {
    return absl::InternalError(absl::StrCat(
        "cannot read the throttle ratio recorded for workflow ", workflow));
  }
  return v;
}

}  // namespace onlineddl
}  // namespace sidecut
