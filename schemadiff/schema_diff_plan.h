// SchemaDiffPlan: the diffs between two schemas as entity diffs, with the
// dependencies between them and their equivalence classes, after Vitess's
// SchemaDiff:
//
//   SC_ASSIGN_OR_RETURN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, hints));
//   SC_ASSIGN_OR_RETURN(std::vector<int> order, OrderDiffs(from, plan));
//
// Diffs, in "unordered" order: DROPs (views, then tables, each in reverse
// entity order), ALTER TABLE / ALTER VIEW (in `to` entity order; several
// ALTERs of one table, e.g. distinct FULLTEXT keys, are separate diffs),
// CREATEs (tables, then views, in `to` order). A table that became a view
// (or the reverse) is dropped and created; TableRenameStrategy is not
// applied here (a renamed table is a DROP and a CREATE).
//
// Dependencies ("`diff` depends on `on`"):
//   - a view diff on every diff of an entity its SELECT reads (before and
//     after): kOrderUnknown;
//   - a table diff adding a foreign key (CREATE TABLE or ALTER ... ADD
//     FOREIGN KEY) on diffs of the parent table: kOrderUnknown, raised to
//     kSequentialExecution when the parent is created, or when the
//     parent's ALTER adds, drops or changes a referenced column, or adds
//     the first index on the referenced columns;
//   - an ALTER dropping a foreign key on diffs of its old parent:
//     kOrderUnknown;
//   - the 2nd, 3rd ... ALTER of one table on its first: kSequentialExecution.
// One dependency per (diff, on) pair, of the strongest kind found. Classes
// are the connected components of the dependencies, ordered by their first
// diff. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_DIFF_PLAN_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_DIFF_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"
#include "schemadiff/diff_hints.h"
#include "schemadiff/schema.h"

namespace sidecut {
namespace schemadiff {

// Ordered by how much they restrict the order: a stronger kind is greater.
enum class DiffDependencyKind {
  kNone,
  kOrderUnknown,         // related; any order the schema allows
  kInOrderCompletion,    // may run concurrently, complete in order
  kSequentialExecution,  // `on` must complete before `diff` starts
};

// "none", "order_unknown", "in_order_completion", "sequential_execution".
absl::string_view DiffDependencyKindName(DiffDependencyKind kind);

// The kind of an entity diff; also the order of Vitess's ordering
// heuristic (drops first, creates last).
enum class EntityDiffKind {
  kDropView,
  kDropTable,
  kAlterTable,
  kRenameTable,
  kAlterView,
  kCreateTable,
  kCreateView,
};

struct EntityDiff {
  EntityDiffKind kind;
  std::string entity;  // the table or view (old name for RENAME)
  Statement statement;
  std::string canonical;  // ToCanonicalString(statement)
};

struct DiffDependency {
  int diff;  // index into SchemaDiffPlan::diffs
  int on;    // the diff it depends on
  DiffDependencyKind kind;
};

struct SchemaDiffPlan {
  std::vector<EntityDiff> diffs;
  std::vector<DiffDependency> dependencies;  // by (diff, on)
  std::vector<std::vector<int>> classes;     // diff indexes, ascending
  // From DiffHints; OrderDiffs orders by it.
  ForeignKeyCheckStrategy foreign_key_check = ForeignKeyCheckStrategy::kStrict;

  // True if some dependency is kSequentialExecution.
  bool HasSequentialDependencies() const;
};

absl::StatusOr<SchemaDiffPlan> PlanSchemaDiff(const Schema& from,
                                              const Schema& to,
                                              const DiffHints& hints);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_DIFF_PLAN_H_
