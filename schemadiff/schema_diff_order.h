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
// (InvalidArgument, SchemaErrorKind::kImpossibleDiffOrder).
//
// Each step is validated on the class's neighborhood rather than on the
// whole schema: the entities its diffs change, the views reading them
// (transitively), the tables with foreign keys to them, and everything
// those refer to (transitively). The entities left out neither change nor
// refer to anything that does, so every check that could fail is run; the
// one schema-wide rule (CHECK names unique across tables) is checked on the
// final schema. Should a neighborhood not validate on its own, or the final
// check fail, the whole-schema algorithm decides (whole_schema below): there
// consecutive single-diff classes are applied together and validated once.
// This keeps ordering two 1,000-table schemas to milliseconds. At most
// `max_permutations` permutations are tried per class (default 100000); a
// larger search fails with ResourceExhausted. Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_DIFF_ORDER_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_DIFF_ORDER_H_

#include <functional>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "schemadiff/schema.h"
#include "schemadiff/schema_diff_plan.h"

namespace sidecut {
namespace schemadiff {

struct OrderOptions {
  // Permutations tried per equivalence class before giving up. Range >= 1.
  int max_permutations = 100000;
  // Validates every step on the whole schema: the reference algorithm,
  // quadratic on large schemas; for tests. By default each class is ordered
  // on its neighborhood (below).
  bool whole_schema = false;
  // If set, receives whether the neighborhood ordering deferred to the
  // whole-schema one (for tests).
  bool* used_whole_schema = nullptr;
};

// Returns indexes into plan.diffs, in a valid order.
absl::StatusOr<std::vector<int>> OrderDiffs(const Schema& from,
                                            const SchemaDiffPlan& plan,
                                            const OrderOptions& options = {});

// Calls `visit` with each permutation of `diffs` (indexes into plan.diffs)
// that the ordering search considers, `diffs` as given first, in Vitess's
// permDiff order. Pairs keep their relative order when both are CREATE /
// DROP VIEW, when one is and the other a table diff (views are dropped
// before and created after the tables: the heuristic seed order already
// places them), or when the later depends on the earlier with
// kSequentialExecution. Stops as soon as `visit` returns true and then
// returns true (`diffs` holding that permutation); otherwise returns false
// with `diffs` as given.
bool PermuteDiffs(const SchemaDiffPlan& plan, std::vector<int>* diffs,
                  const std::function<bool(const std::vector<int>&)>& visit);

// `order` (valid, from OrderDiffs) with the ALTER TABLEs of different
// classes brought together, for a deployment that cuts them over in one
// RENAME: classes share no dependency, so each one's diffs before its
// first run of ALTER TABLEs go first, then every class's run, then the
// rest, each class keeping its own order. Every step is validated on the
// whole schema; `order` is returned unchanged if one does not validate.
//
//   a, b altered, view va reading a changed after it: [a, va, b] gives
//   [a, b, va].
std::vector<int> GatherTableAlters(const Schema& from,
                                   const SchemaDiffPlan& plan,
                                   const std::vector<int>& order);

// The names of the entities `plan` changes or depends on: each diff's
// entity (a renamed table's two names), what its statement references
// (tables a view reads, foreign key parents), the views of `from` reading a
// changed entity and the tables referencing one, transitively: what
// another change made meanwhile could invalidate the plan on.
std::set<std::string> PlanNeighborhood(const Schema& from,
                                       const SchemaDiffPlan& plan);

// Applies one diff to `from` and validates the result.
absl::StatusOr<Schema> ApplyEntityDiff(const Schema& from,
                                       const EntityDiff& diff);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_DIFF_ORDER_H_
