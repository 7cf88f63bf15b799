#include "schemadiff/schema_diff_plan.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "schemadiff/printer.h"
#include "schemadiff/schema_diff.h"
#include "schemadiff/table_diff.h"
#include "schemadiff/view_diff.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

using Kind = EntityDiffKind;

EntityDiff MakeDiff(Kind kind, std::string entity, Statement statement) {
  std::string canonical = ToCanonicalString(statement);
  return EntityDiff{kind, std::move(entity), std::move(statement),
                    std::move(canonical)};
}

// Tables renamed under TableRenameStrategy::kHeuristicStatement: old name
// to new name.
using Renames = std::map<std::string, std::string>;

Renames PlannedRenames(const Schema& from, const Schema& to,
                       const DiffHints& hints) {
  Renames out;
  if (hints.table_rename != TableRenameStrategy::kHeuristicStatement) {
    return out;
  }
  for (const auto& [a, b] : FindTableRenames(from, to)) {
    out[a->name.name] = b->name.name;
  }
  return out;
}

bool RenamedTo(const Renames& renames, const std::string& name) {
  for (const auto& [old_name, new_name] : renames) {
    if (new_name == name) return true;
  }
  return false;
}

void AddDrops(const Schema& from, const Schema& to, const Renames& renames,
              std::vector<EntityDiff>* out) {
  const std::vector<CreateView>& views = from.views();
  for (auto it = views.rbegin(); it != views.rend(); ++it) {
    if (to.FindView(it->name.name) != nullptr) continue;
    DropView drop;
    drop.views.push_back(it->name);
    out->push_back(MakeDiff(Kind::kDropView, it->name.name, std::move(drop)));
  }
  const std::vector<CreateTable>& tables = from.tables();
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    if (to.FindTable(it->name.name) != nullptr) continue;
    if (renames.count(it->name.name) > 0) continue;
    DropTable drop;
    drop.tables.push_back(it->name);
    out->push_back(MakeDiff(Kind::kDropTable, it->name.name, std::move(drop)));
  }
}

absl::Status AddAltersAndCreates(const Schema& from, const Schema& to,
                                 const DiffHints& hints, const Renames& renames,
                                 std::vector<EntityDiff>* out) {
  std::vector<EntityDiff> creates;
  for (const CreateTable& t : to.tables()) {
    const CreateTable* old = from.FindTable(t.name.name);
    if (old == nullptr) {
      if (!RenamedTo(renames, t.name.name)) {
        creates.push_back(MakeDiff(Kind::kCreateTable, t.name.name, t));
      }
      continue;
    }
    SC_ASSIGN_OR_RETURN(std::vector<AlterTable> alters,
                        DiffNormalizedTables(*old, t, hints));
    for (AlterTable& a : alters) {
      out->push_back(MakeDiff(Kind::kAlterTable, t.name.name, std::move(a)));
    }
  }
  for (const CreateView& v : to.views()) {
    const CreateView* old = from.FindView(v.name.name);
    for (Statement& s : DiffViewEntities(old, &v)) {
      Kind kind = old == nullptr ? Kind::kCreateView : Kind::kAlterView;
      EntityDiff d = MakeDiff(kind, v.name.name, std::move(s));
      (old == nullptr ? creates : *out).push_back(std::move(d));
    }
  }
  for (EntityDiff& d : creates) out->push_back(std::move(d));
  // Renames last, as Vitess lists them.
  for (const CreateTable& t : from.tables()) {
    auto it = renames.find(t.name.name);
    if (it == renames.end()) continue;
    RenameTable rename;
    TableName to_name = t.name;
    to_name.name = it->second;
    rename.pairs.emplace_back(t.name, to_name);
    out->push_back(
        MakeDiff(Kind::kRenameTable, t.name.name, std::move(rename)));
  }
  return absl::OkStatus();
}

// Builds dependencies and the equivalence classes over `diffs`.
class DependencyBuilder {
 public:
  DependencyBuilder(const Schema& from, SchemaDiffPlan* plan)
      : from_(from), plan_(plan), parent_(plan->diffs.size()) {
    std::iota(parent_.begin(), parent_.end(), 0);
    for (size_t i = 0; i < plan->diffs.size(); ++i) {
      by_entity_[plan->diffs[i].entity].push_back(static_cast<int>(i));
      // A rename is a diff of the name it gives too.
      if (const auto* r = std::get_if<RenameTable>(&plan->diffs[i].statement)) {
        for (const auto& [a, b] : r->pairs) {
          by_entity_[b.name].push_back(static_cast<int>(i));
        }
      }
    }
  }

  void Build() {
    for (const auto& [entity, diffs] : by_entity_) {
      for (size_t i = 1; i < diffs.size(); ++i) {
        if (plan_->diffs[diffs[i]].kind != Kind::kAlterTable) continue;
        Add(diffs[i], diffs[0], DiffDependencyKind::kSequentialExecution);
      }
    }
    for (size_t i = 0; i < plan_->diffs.size(); ++i) {
      AddFor(static_cast<int>(i));
    }
    Finish();
  }

 private:
  void Add(int diff, int on, DiffDependencyKind kind) {
    if (diff == on) return;
    DiffDependencyKind& k = deps_[{diff, on}];
    k = std::max(k, kind);
    parent_[Find(diff)] = Find(on);
  }
  int Find(int i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  // Adds kOrderUnknown dependencies of `diff` on every diff of `entity`.
  void OnEntity(int diff, const std::string& entity) {
    auto it = by_entity_.find(entity);
    if (it == by_entity_.end()) return;
    for (int on : it->second) Add(diff, on, DiffDependencyKind::kOrderUnknown);
  }
  void OnView(int diff, const CreateView* view) {
    if (view == nullptr) return;
    for (const TableName& t : view->select.tables) OnEntity(diff, t.name);
  }
  void AddFor(int i);
  void OnForeignKey(int diff, const ForeignKeyDefinition& fk);
  static bool TouchesColumns(const AlterTable& alter,
                             const std::set<std::string>& columns);
  bool AddsNeededIndex(const std::string& parent, const AlterTable& alter,
                       const std::vector<std::string>& columns) const;
  void Finish();

  const Schema& from_;
  SchemaDiffPlan* plan_;
  std::vector<int> parent_;
  std::map<std::string, std::vector<int>> by_entity_;
  std::map<std::pair<int, int>, DiffDependencyKind> deps_;
};

bool DependencyBuilder::TouchesColumns(const AlterTable& alter,
                                       const std::set<std::string>& columns) {
  for (const AlterOption& o : alter.options) {
    switch (o.kind) {
      case AlterOption::Kind::kAddColumns:
      case AlterOption::Kind::kModifyColumn:
      case AlterOption::Kind::kChangeColumn:
        for (const ColumnDefinition& c : o.columns) {
          if (columns.count(absl::AsciiStrToLower(c.name))) return true;
        }
        break;
      case AlterOption::Kind::kDropColumn:
        if (columns.count(absl::AsciiStrToLower(o.name))) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

// True if `index` starts with `columns` (case-insensitive).
bool IndexCovers(const IndexDefinition& index,
                 const std::vector<std::string>& columns) {
  if (index.parts.size() < columns.size()) return false;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!absl::EqualsIgnoreCase(index.parts[i].column, columns[i])) {
      return false;
    }
  }
  return true;
}

// True if `alter` adds an index on `columns` that `parent` lacked before.
bool DependencyBuilder::AddsNeededIndex(
    const std::string& parent, const AlterTable& alter,
    const std::vector<std::string>& columns) const {
  const CreateTable* old = from_.FindTable(parent);
  if (old != nullptr && old->spec) {
    for (const IndexDefinition& i : old->spec->indexes) {
      if (IndexCovers(i, columns)) return false;
    }
  }
  for (const AlterOption& o : alter.options) {
    if (o.kind == AlterOption::Kind::kAddIndex && o.index &&
        IndexCovers(*o.index, columns)) {
      return true;
    }
  }
  return false;
}

void DependencyBuilder::OnForeignKey(int diff, const ForeignKeyDefinition& fk) {
  const std::string& parent = fk.reference.table.name;
  OnEntity(diff, parent);
  auto it = by_entity_.find(parent);
  if (it == by_entity_.end()) return;
  std::set<std::string> columns;
  for (const std::string& c : fk.reference.columns) {
    columns.insert(absl::AsciiStrToLower(c));
  }
  for (int on : it->second) {
    const EntityDiff& p = plan_->diffs[on];
    const auto* alter = std::get_if<AlterTable>(&p.statement);
    if (p.kind == Kind::kCreateTable || p.kind == Kind::kRenameTable ||
        (alter != nullptr &&
         (TouchesColumns(*alter, columns) ||
          AddsNeededIndex(parent, *alter, fk.reference.columns)))) {
      Add(diff, on, DiffDependencyKind::kSequentialExecution);
    }
  }
}

void DependencyBuilder::AddFor(int i) {
  const EntityDiff& d = plan_->diffs[i];
  if (const auto* view = std::get_if<CreateView>(&d.statement)) {
    OnView(i, view);
    if (view->is_alter) OnView(i, from_.FindView(d.entity));
  } else if (std::holds_alternative<DropView>(d.statement)) {
    OnView(i, from_.FindView(d.entity));
  } else if (const auto* t = std::get_if<CreateTable>(&d.statement)) {
    if (!t->spec) return;
    for (const ConstraintDefinition& c : t->spec->constraints) {
      if (const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details)) {
        OnForeignKey(i, *fk);
      }
    }
  } else if (const auto* a = std::get_if<AlterTable>(&d.statement)) {
    const CreateTable* old = from_.FindTable(d.entity);
    for (const AlterOption& o : a->options) {
      if (o.kind == AlterOption::Kind::kAddConstraint && o.constraint) {
        if (const auto* fk =
                std::get_if<ForeignKeyDefinition>(&o.constraint->details)) {
          OnForeignKey(i, *fk);
        }
      }
      if (o.kind != AlterOption::Kind::kDropForeignKey || old == nullptr ||
          !old->spec) {
        continue;
      }
      for (const ConstraintDefinition& c : old->spec->constraints) {
        const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details);
        if (fk != nullptr && c.name &&
            absl::EqualsIgnoreCase(*c.name, o.name)) {
          OnEntity(i, fk->reference.table.name);
        }
      }
    }
  }
}

void DependencyBuilder::Finish() {
  for (const auto& [key, kind] : deps_) {
    plan_->dependencies.push_back({key.first, key.second, kind});
  }
  std::map<int, int> class_of_root;
  for (size_t i = 0; i < plan_->diffs.size(); ++i) {
    int root = Find(static_cast<int>(i));
    auto [it, inserted] = class_of_root.emplace(root, plan_->classes.size());
    if (inserted) plan_->classes.emplace_back();
    plan_->classes[it->second].push_back(static_cast<int>(i));
  }
}

}  // namespace

absl::string_view DiffDependencyKindName(DiffDependencyKind kind) {
  switch (kind) {
    case DiffDependencyKind::kNone:
      return "none";
    case DiffDependencyKind::kOrderUnknown:
      return "order_unknown";
    case DiffDependencyKind::kInOrderCompletion:
      return "in_order_completion";
    case DiffDependencyKind::kSequentialExecution:
      return "sequential_execution";
  }
  return "none";
}

bool SchemaDiffPlan::HasSequentialDependencies() const {
  return std::any_of(
      dependencies.begin(), dependencies.end(), [](const DiffDependency& d) {
        return d.kind == DiffDependencyKind::kSequentialExecution;
      });
}

absl::StatusOr<SchemaDiffPlan> PlanSchemaDiff(const Schema& from,
                                              const Schema& to,
                                              const DiffHints& hints) {
  SchemaDiffPlan plan;
  plan.foreign_key_check = hints.foreign_key_check;
  const Renames renames = PlannedRenames(from, to, hints);
  AddDrops(from, to, renames, &plan.diffs);
  SC_RETURN_IF_ERROR(
      AddAltersAndCreates(from, to, hints, renames, &plan.diffs));
  DependencyBuilder(from, &plan).Build();
  return plan;
}

}  // namespace schemadiff
}  // namespace sidecut
