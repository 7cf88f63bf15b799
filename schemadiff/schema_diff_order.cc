#include "schemadiff/schema_diff_order.h"

#include <algorithm>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "schemadiff/schema_errors.h"
#include "schemadiff/table_apply.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

absl::Status NotFound(absl::string_view what, absl::string_view name) {
  return SchemaError(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat(what, " ", Quoted(name), " does not exist"));
}

std::vector<Statement> EntityStatements(const Schema& schema) {
  std::vector<Statement> out;
  out.reserve(schema.tables().size() + schema.views().size());
  for (const CreateTable& t : schema.tables()) out.push_back(t);
  for (const CreateView& v : schema.views()) out.push_back(v);
  return out;
}

absl::Status Exists(const Statement& entity) {
  bool table = std::holds_alternative<CreateTable>(entity);
  const std::string& name = table ? std::get<CreateTable>(entity).name.name
                                  : std::get<CreateView>(entity).name.name;
  return SchemaError(SchemaErrorKind::kDuplicateEntity,
                     absl::StrCat(table ? "table " : "view ", Quoted(name),
                                  " already exists"));
}

// Applies `diff` to the CREATE statements `entities` (not validated).
absl::Status ApplyToStatements(const EntityDiff& diff,
                               std::vector<Statement>* entities) {
  for (auto it = entities->begin(); it != entities->end(); ++it) {
    auto* table = std::get_if<CreateTable>(&*it);
    auto* view = std::get_if<CreateView>(&*it);
    const std::string& name = table ? table->name.name : view->name.name;
    if (name != diff.entity) continue;
    const auto* alter = std::get_if<AlterTable>(&diff.statement);
    const auto* new_view = std::get_if<CreateView>(&diff.statement);
    if (table != nullptr && alter != nullptr) {
      SC_ASSIGN_OR_RETURN(*table, ApplyAlterTable(*table, *alter));
    } else if (view != nullptr && new_view != nullptr && new_view->is_alter) {
      *view = *new_view;
      view->is_alter = false;
    } else if ((table && std::holds_alternative<DropTable>(diff.statement)) ||
               (view && std::holds_alternative<DropView>(diff.statement))) {
      entities->erase(it);
    } else {
      return Exists(*it);
    }
    return absl::OkStatus();
  }
  if (diff.kind != EntityDiffKind::kCreateTable &&
      diff.kind != EntityDiffKind::kCreateView) {
    return NotFound("entity", diff.entity);
  }
  entities->push_back(diff.statement);
  return absl::OkStatus();
}

// Heuristic seed order of a class: stable by kind.
void SortHeuristically(const SchemaDiffPlan& plan, std::vector<int>* diffs) {
  std::stable_sort(diffs->begin(), diffs->end(), [&plan](int a, int b) {
    return plan.diffs[a].kind < plan.diffs[b].kind;
  });
}

class ClassOrderer {
 public:
  ClassOrderer(const SchemaDiffPlan& plan, const OrderOptions& options,
               const Schema& start)
      : plan_(plan), options_(options), start_(start) {
    for (const DiffDependency& d : plan.dependencies) {
      if (d.kind == DiffDependencyKind::kSequentialExecution) {
        sequential_.emplace_back(d.diff, d.on);
      }
    }
  }

  // Finds a valid permutation of `diffs`; on success the schema after it.
  absl::StatusOr<Schema> Order(std::vector<int>* diffs) {
    SortHeuristically(plan_, diffs);
    tried_ = 0;
    if (Permute(diffs, 0)) return std::move(*result_);
    if (tried_ >= options_.max_permutations) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "ordering ", diffs->size(), " related diffs: gave up after ", tried_,
          " permutations; apply them in smaller batches"));
    }
    return Impossible(*diffs);
  }

 private:
  bool DependsSequentially(int diff, int on) const {
    return std::find(sequential_.begin(), sequential_.end(),
                     std::make_pair(diff, on)) != sequential_.end();
  }

  // Heap-free recursive permutation (Vitess's permDiff order).
  bool Permute(std::vector<int>* a, size_t i) {
    if (tried_ >= options_.max_permutations) return false;
    if (i >= a->size()) return Try(*a);
    if (Permute(a, i + 1)) return true;
    for (size_t j = i + 1; j < a->size(); ++j) {
      if (DependsSequentially((*a)[j], (*a)[i])) continue;
      std::swap((*a)[i], (*a)[j]);
      if (Permute(a, i + 1)) return true;
      std::swap((*a)[i], (*a)[j]);
    }
    return false;
  }

  bool Try(const std::vector<int>& order) {
    ++tried_;
    std::optional<Schema> schema = start_;
    for (int d : order) {
      absl::StatusOr<Schema> next = ApplyEntityDiff(*schema, plan_.diffs[d]);
      if (!next.ok()) return false;
      schema = std::move(*next);
    }
    result_ = std::move(schema);
    return true;
  }

  absl::Status Impossible(const std::vector<int>& diffs) const {
    std::vector<int> sorted = diffs;
    std::sort(sorted.begin(), sorted.end());
    std::string message =
        absl::StrCat("no valid applicable order for diffs. ", sorted.size(),
                     " diffs found conflicting:");
    for (int d : sorted)
      absl::StrAppend(&message, "\n", plan_.diffs[d].canonical);
    return SchemaError(SchemaErrorKind::kImpossibleDiffOrder, message);
  }

  const SchemaDiffPlan& plan_;
  const OrderOptions& options_;
  const Schema& start_;
  std::vector<std::pair<int, int>> sequential_;
  int tried_ = 0;
  std::optional<Schema> result_;
};

}  // namespace

absl::StatusOr<Schema> ApplyEntityDiff(const Schema& from,
                                       const EntityDiff& diff) {
  std::vector<Statement> statements = EntityStatements(from);
  SC_RETURN_IF_ERROR(ApplyToStatements(diff, &statements));
  return Schema::FromStatements(std::move(statements));
}

namespace {

// Applies the diffs of single-diff classes, which depend on no other diff,
// validating once; when that fails, one by one to report the failing one.
absl::StatusOr<Schema> ApplyIndependent(const Schema& from,
                                        const SchemaDiffPlan& plan,
                                        const std::vector<int>& diffs) {
  if (diffs.empty()) return from;
  std::vector<Statement> statements = EntityStatements(from);
  absl::Status applied;
  for (int d : diffs) {
    applied = ApplyToStatements(plan.diffs[d], &statements);
    if (!applied.ok()) break;
  }
  if (applied.ok()) {
    absl::StatusOr<Schema> s = Schema::FromStatements(std::move(statements));
    if (s.ok()) return s;
  }
  Schema current = from;
  for (int d : diffs) {
    absl::StatusOr<Schema> next = ApplyEntityDiff(current, plan.diffs[d]);
    if (!next.ok()) {
      return SchemaError(
          SchemaErrorKind::kImpossibleDiffOrder,
          absl::StrCat("no valid applicable order for diffs. 1 diffs found "
                       "conflicting:\n",
                       plan.diffs[d].canonical, "\n(", next.status().message(),
                       ")"));
    }
    current = std::move(*next);
  }
  return current;
}

}  // namespace

absl::StatusOr<std::vector<int>> OrderDiffs(const Schema& from,
                                            const SchemaDiffPlan& plan,
                                            const OrderOptions& options) {
  std::vector<int> out;
  Schema current = from;
  std::vector<int> independent;  // applied to `current` before the next class
  for (const std::vector<int>& c : plan.classes) {
    if (c.size() == 1) {
      independent.push_back(c[0]);
      out.push_back(c[0]);
      continue;
    }
    SC_ASSIGN_OR_RETURN(current, ApplyIndependent(current, plan, independent));
    independent.clear();
    std::vector<int> diffs = c;
    ClassOrderer orderer(plan, options, current);
    SC_ASSIGN_OR_RETURN(Schema next, orderer.Order(&diffs));
    current = std::move(next);
    out.insert(out.end(), diffs.begin(), diffs.end());
  }
  SC_RETURN_IF_ERROR(ApplyIndependent(current, plan, independent).status());
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
