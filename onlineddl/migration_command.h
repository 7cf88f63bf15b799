// The SQL commands that control online DDL migrations, with Vitess's
// grammar (go/vt/sqlparser: AlterMigration, RevertMigration,
// ShowMigrations, ShowMigrationLogs):
//
//   ALTER VITESS_MIGRATION '<uuid>' RETRY | CLEANUP | CANCEL | UNTHROTTLE
//       | LAUNCH [VITESS_SHARDS '<shard>,...']
//       | COMPLETE [VITESS_SHARDS '<shard>,...']
//       | POSTPONE COMPLETE | FORCE_CUTOVER
//       | THROTTLE [EXPIRE '<duration>'] [RATIO <0..1>]
//       | CUTOVER_THRESHOLD '<duration>'
//   ALTER VITESS_MIGRATION <verb> ALL | <verb> CONTEXT '<context>'
//       where <verb> is LAUNCH, COMPLETE, POSTPONE COMPLETE, CANCEL,
//       CLEANUP, FORCE_CUTOVER, UNTHROTTLE or THROTTLE [EXPIRE ..] [RATIO ..]
//   REVERT [/*vt+ ... */] VITESS_MIGRATION '<uuid>'
//   SHOW VITESS_MIGRATIONS [FROM <keyspace>] [LIKE '<pattern>' | WHERE <expr>]
//   SHOW VITESS_MIGRATION '<uuid>' LOGS
//
// Keywords are case-insensitive; literals may use either quote and escapes;
// comments and one or more trailing ';' are allowed. Beyond the grammar the
// parser checks values: UUIDs must be migration UUIDs, durations Go
// durations (0 or more), a cut-over threshold 0 or in [5s, 30s], a ratio in
// [0, 1].
//
// Thread-safe (pure functions).
#ifndef SIDECUT_ONLINEDDL_MIGRATION_COMMAND_H_
#define SIDECUT_ONLINEDDL_MIGRATION_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace onlineddl {

enum class MigrationCommandKind {
  kRetry,
  kCleanup,
  kLaunch,
  kComplete,
  kPostponeComplete,
  kCancel,
  kThrottle,
  kUnthrottle,
  kForceCutOver,
  kCutOverThreshold,
  kRevert,
  kShowMigrations,
  kShowMigrationLogs,
};

// "retry", "cleanup", ..., "postpone complete", "force_cutover",
// "cutover_threshold", "revert", "show migrations", "show migration logs".
absl::string_view MigrationCommandKindName(MigrationCommandKind kind);

struct MigrationCommand {
  MigrationCommandKind kind = MigrationCommandKind::kShowMigrations;
  // The migration addressed; empty for ALL, CONTEXT and SHOW VITESS_MIGRATIONS.
  std::string uuid;
  bool all = false;     // ... ALL
  std::string context;  // ... CONTEXT '<context>'
  // VITESS_SHARDS of LAUNCH / COMPLETE, split at commas; empty = all shards.
  std::vector<std::string> shards;
  absl::optional<absl::Duration> expire;     // THROTTLE ... EXPIRE
  absl::optional<double> ratio;              // THROTTLE ... RATIO
  absl::optional<absl::Duration> threshold;  // CUTOVER_THRESHOLD (0 = default)
  std::string keyspace;              // SHOW VITESS_MIGRATIONS FROM <keyspace>
  absl::optional<std::string> like;  // SHOW VITESS_MIGRATIONS LIKE '<pattern>'
  std::string where;     // SHOW VITESS_MIGRATIONS WHERE <expr>, as written
  std::string comments;  // REVERT's comments, as written ("/*vt+ ... */")
};

bool operator==(const MigrationCommand& a, const MigrationCommand& b);
inline bool operator!=(const MigrationCommand& a, const MigrationCommand& b) {
  return !(a == b);
}

// Parses one command. Errors (InvalidArgument) give the position and what
// was expected there, e.g. "syntax error at line 1, column 52 (offset 51)
// near 'FINISH': expected RETRY, CLEANUP, ... after the migration UUID".
absl::StatusOr<MigrationCommand> ParseMigrationCommand(absl::string_view sql);

// True if `sql` starts (after blanks and comments) like a migration command:
// ALTER VITESS_MIGRATION, REVERT VITESS_MIGRATION, SHOW VITESS_MIGRATIONS
// or SHOW VITESS_MIGRATION. Cheap; does not validate the rest, so a caller
// routes such statements to ParseMigrationCommand and reports its errors.
bool LooksLikeMigrationCommand(absl::string_view sql);

// The command in canonical lower-case SQL, e.g.
// "alter vitess_migration '<uuid>' throttle expire '1h' ratio 0.5".
// ParseMigrationCommand(MigrationCommandToSql(c)) == c.
std::string MigrationCommandToSql(const MigrationCommand& command);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_MIGRATION_COMMAND_H_
