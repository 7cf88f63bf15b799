// Ordering the diffs of a SchemaDiffPlan (schema_diff_plan.h): a sequence
// in which every step, applied in memory to the schema before it, leaves a
// valid Schema (schema.h) — as Vitess's SchemaDiff.OrderedDiffs.
//
// Classes are ordered independently, in plan order. Within a class, diffs
// start in the heuristic order (drop views, drop tables, alter tables,
// alter views, create tables, create views; stable), and permutations are
// tried in a fixed order, never moving a diff before one it depends on with
// kSequentialExecution; the first permutation whose every step validates
// wins. When none does, the error is
//
//   no valid applicable order for diffs. N diffs found conflicting:
//   <each conflicting diff's canonical statement, one a line>
//
// (InvalidArgument, SchemaErrorKind::kImpossibleDiffOrder). Classes of a
// single diff depend on no other diff: consecutive ones are applied together
// and validated once (each on its own only if that fails), which keeps
// ordering 1,000-table schemas fast. At most
// `max_permutations` permutations are tried per class (default 100000); a
// larger search fails with ResourceExhausted. Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_DIFF_ORDER_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_DIFF_ORDER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "schemadiff/schema.h"
#include "schemadiff/schema_diff_plan.h"

namespace sidecut {
namespace schemadiff {

struct OrderOptions {
  // Permutations tried per equivalence class before giving up. Range >= 1.
  int max_permutations = 100000;
};

// Returns indexes into plan.diffs, in a valid order.
absl::StatusOr<std::vector<int>> OrderDiffs(const Schema& from,
                                            const SchemaDiffPlan& plan,
                                            const OrderOptions& options = {});

// Applies one diff to `from` and validates the result.
absl::StatusOr<Schema> ApplyEntityDiff(const Schema& from,
                                       const EntityDiff& diff);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_DIFF_ORDER_H_
