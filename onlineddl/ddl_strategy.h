// The DDL strategy of an online schema change, as given in @@ddl_strategy or
// `vtctldclient ApplySchema --ddl-strategy`: a strategy name followed by
// shell-style flags, e.g. "vitess --postpone-completion
// --cut-over-threshold=15s". Compatible with Vitess's
// go/vt/schema/ddl_strategy.go:
//   - strategies: "vitess" (alias "online"), "mysql", "direct"; an empty
//     string means "direct"; names are matched case-insensitively;
//   - flags are written -name or --name, valued flags -name=value, and the
//     option text is split like a POSIX shell (quotes, backslashes);
//   - any flag Vitess does not know is an error (Vitess >= v18 lints the
//     flags of its own strategies the same way).
// Durations use Go syntax ("500ms", "10s", "1h30m").
//
// Thread-safe (value type; pure functions).
#ifndef SIDECUT_ONLINEDDL_DDL_STRATEGY_H_
#define SIDECUT_ONLINEDDL_DDL_STRATEGY_H_

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace onlineddl {

enum class Strategy {
  kVitess,  // VReplication-based online migration ("vitess", "online")
  kMysql,   // managed (queued, tracked) but runs a plain ALTER TABLE
  kDirect,  // unmanaged: the statement runs synchronously, as is
};

// "vitess", "mysql" or "direct": the value of the `strategy` column.
absl::string_view StrategyName(Strategy strategy);

// Parses a strategy name ("" means direct). Errors name the accepted values.
absl::StatusOr<Strategy> ParseStrategyName(absl::string_view name);

// Parses a Go duration ("300ms", "1.5h", "2h45m", "0"). Units: ns, us (or
// µs), ms, s, m, h. A unit is required except for "0". Errors say what a
// valid duration looks like.
absl::StatusOr<absl::Duration> ParseGoDuration(absl::string_view text);

// Cut-over threshold: the longest vreplication lag at which a cut-over is
// attempted, and the timeout of its table locks.
inline constexpr absl::Duration kDefaultCutOverThreshold = absl::Seconds(10);
inline constexpr absl::Duration kMinCutOverThreshold = absl::Seconds(5);
inline constexpr absl::Duration kMaxCutOverThreshold = absl::Seconds(30);

// Returns the threshold to use for a requested one: zero means the default
// (10s); otherwise the value must lie in [5s, 30s] (InvalidArgument if
// not). Used for --cut-over-threshold and ALTER VITESS_MIGRATION ...
// CUTOVER_THRESHOLD.
absl::StatusOr<absl::Duration> ValidateCutOverThreshold(absl::Duration d);

struct DdlStrategySetting {
  Strategy strategy = Strategy::kDirect;
  // The flags as written after the strategy name (the `options` column).
  std::string options;

  // Parses and validates a whole strategy string. Rejects unknown
  // strategies and flags, malformed or negative durations, a cut-over
  // threshold outside [5s, 30s], unbalanced quotes, and flags the mysql
  // strategy cannot honour (--postpone-completion, --allow-zero-in-date).
  static absl::StatusOr<DdlStrategySetting> Parse(absl::string_view text);

  // Rebuilds a setting from the `strategy` and `options` columns, with the
  // same validation as Parse().
  static absl::StatusOr<DdlStrategySetting> FromColumns(
      absl::string_view strategy, absl::string_view options);

  // Validates `options` for `strategy` (what Parse() checks).
  absl::Status Validate() const;

  // The strategy string: "vitess --postpone-completion", or just the name
  // when there are no options. Parse(ToString()) yields an equal setting.
  std::string ToString() const;

  // The same setting without the flags named in `flags` ("declarative"),
  // validated.
  absl::StatusOr<DdlStrategySetting> Without(
      std::initializer_list<absl::string_view> flags) const;

  // True for the direct (unmanaged) strategy.
  bool IsDirect() const { return strategy == Strategy::kDirect; }

  // Boolean flags. Each is false when absent (or when `options` does not
  // validate; Parse() never returns such a setting).
  bool IsDeclarative() const;  // --declarative
  // --whole-schema (Sidecut; needs --declarative): the desired statements
  // are the whole schema, so tables and views absent from them are dropped.
  bool IsWholeSchema() const;
  bool IsSingleton() const;           // --singleton
  bool IsSingletonContext() const;    // --singleton-context
  bool IsSingletonTable() const;      // --singleton-table
  bool IsAllowZeroInDate() const;     // --allow-zero-in-date
  bool IsPostponeLaunch() const;      // --postpone-launch
  bool IsPostponeCompletion() const;  // --postpone-completion
  bool IsInOrderCompletion() const;   // --in-order-completion
  bool IsAllowConcurrent() const;     // --allow-concurrent
  bool IsPreferInstantDdl() const;    // --prefer-instant-ddl
  bool IsFastRangeRotation() const;   // --fast-range-rotation
  bool IsAnalyzeTable() const;        // --analyze-table
  bool IsAllowForeignKeys() const;    // --unsafe-allow-foreign-keys

  // --cut-over-threshold=DUR. Default 10s (also for an explicit 0 or an
  // empty value); otherwise in [5s, 30s].
  absl::Duration CutOverThreshold() const;
  // --force-cut-over-after=DUR: once this long has passed since the
  // migration became ready to complete, cut-overs kill blocking queries and
  // transactions. nullopt when absent or zero (never force).
  absl::optional<absl::Duration> ForceCutOverAfter() const;
  // --retain-artifacts=DUR: how long to keep the migration's artifact
  // tables. nullopt when absent or zero (use the tablet's default).
  absl::optional<absl::Duration> RetainArtifacts() const;
  // The same as the `retain_artifacts_seconds` column holds it: rounded up
  // (a part of a second is not 0), 0 for the tablet's default.
  int64_t RetainArtifactsSeconds() const;
};

bool operator==(const DdlStrategySetting& a, const DdlStrategySetting& b);
inline bool operator!=(const DdlStrategySetting& a,
                       const DdlStrategySetting& b) {
  return !(a == b);
}

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_DDL_STRATEGY_H_
