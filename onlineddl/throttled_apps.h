// Throttle rules of ALTER VITESS_MIGRATION ... THROTTLE [ALL] [EXPIRE d]
// [RATIO r], kept as Vitess's throttler keeps its throttled apps: one rule
// per app of a database (a migration's UUID, or kAllMigrationsApp for
// every migration of the database, those submitted later included), each
// with a ratio and an expiry. Kept
// in _vt.sidecut_throttled_apps so that they outlive a restart of the
// daemon. A migration's column user_throttle_ratio shows what applies to
// it (ThrottleRatioOf); the executor keeps the two in step.
#ifndef SIDECUT_ONLINEDDL_THROTTLED_APPS_H_
#define SIDECUT_ONLINEDDL_THROTTLED_APPS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// Vitess's app name for all online DDL migrations.
inline constexpr char kAllMigrationsApp[] = "online-ddl";

absl::Status EnsureThrottledAppsTable(mysql::Connection& conn);

// Throttles `app` of database `db` at `ratio` (0 < ratio <= 1: that share of
// the copy's throttle checks holds it; 1 stops its stream) until `expires`
// (absl::InfiniteFuture(): until unthrottled). Ratio 0 removes the rule.
absl::Status ThrottleApp(mysql::Connection& conn, absl::string_view db,
                         absl::string_view app, double ratio,
                         absl::Time expires);

// The ratio that applies to migration `uuid` of database `db` at `now`:
// the larger of its own rule's and the rule for all of the database's
// migrations', expired rules ignored; 0 when none applies.
absl::StatusOr<double> ThrottleRatioOf(mysql::Connection& conn,
                                       absl::string_view db,
                                       absl::string_view uuid, absl::Time now);

// The ratio recorded (user_throttle_ratio) for the running migration whose
// stream is the workflow named `workflow`: the migration of that UUID, or
// the revert riding on its reverse stream. 0 when none runs.
absl::StatusOr<double> RecordedThrottleRatio(mysql::Connection& conn,
                                             absl::string_view workflow);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_THROTTLED_APPS_H_
