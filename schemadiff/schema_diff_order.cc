#include "schemadiff/schema_diff_order.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
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

const std::string& EntityName(const Statement& entity) {
  if (const auto* t = std::get_if<CreateTable>(&entity)) return t->name.name;
  return std::get<CreateView>(entity).name.name;
}

absl::Status Exists(const Statement& entity) {
  bool table = std::holds_alternative<CreateTable>(entity);
  return SchemaError(
      SchemaErrorKind::kDuplicateEntity,
      absl::StrCat(table ? "table " : "view ", Quoted(EntityName(entity)),
                   " already exists"));
}

// Applies `diff` to `entity`, the CREATE statement of diff.entity or nullopt
// when there is none (not validated).
absl::Status ApplyToEntity(const EntityDiff& diff,
                           std::optional<Statement>* entity) {
  if (!entity->has_value()) {
    if (diff.kind != EntityDiffKind::kCreateTable &&
        diff.kind != EntityDiffKind::kCreateView) {
      return NotFound("entity", diff.entity);
    }
    *entity = diff.statement;
    return absl::OkStatus();
  }
  auto* table = std::get_if<CreateTable>(&**entity);
  auto* view = std::get_if<CreateView>(&**entity);
  const auto* alter = std::get_if<AlterTable>(&diff.statement);
  const auto* new_view = std::get_if<CreateView>(&diff.statement);
  if (table != nullptr && alter != nullptr) {
    SC_ASSIGN_OR_RETURN(*table, ApplyAlterTable(*table, *alter));
  } else if (view != nullptr && new_view != nullptr && new_view->is_alter) {
    *view = *new_view;
    view->is_alter = false;
  } else if ((table && std::holds_alternative<DropTable>(diff.statement)) ||
             (view && std::holds_alternative<DropView>(diff.statement))) {
    entity->reset();
  } else {
    return Exists(**entity);
  }
  return absl::OkStatus();
}

// The new name a RENAME TABLE diff gives, or nullptr.
const std::string* NewNameOf(const EntityDiff& diff) {
  const auto* r = std::get_if<RenameTable>(&diff.statement);
  return r == nullptr || r->pairs.empty() ? nullptr
                                          : &r->pairs.front().second.name;
}

// Points `table`'s foreign keys at `to` instead of `from`, as RENAME TABLE
// does to the tables referencing the renamed one.
void RetargetForeignKeys(const std::string& from, const std::string& to,
                         Statement* table) {
  auto* t = std::get_if<CreateTable>(table);
  if (t == nullptr || !t->spec) return;
  for (ConstraintDefinition& c : t->spec->constraints) {
    auto* fk = std::get_if<ForeignKeyDefinition>(&c.details);
    if (fk != nullptr && fk->reference.table.name == from) {
      fk->reference.table.name = to;
    }
  }
}

// Applies a RENAME TABLE diff to `entities` (not validated).
absl::Status ApplyRename(const EntityDiff& diff, const std::string& new_name,
                         std::vector<Statement>* entities) {
  Statement* renamed = nullptr;
  for (Statement& e : *entities) {
    if (EntityName(e) == new_name) return Exists(e);
    if (EntityName(e) == diff.entity) renamed = &e;
  }
  auto* table = renamed ? std::get_if<CreateTable>(renamed) : nullptr;
  if (table == nullptr) return NotFound("table", diff.entity);
  table->name.name = new_name;
  for (Statement& e : *entities) {
    RetargetForeignKeys(diff.entity, new_name, &e);
  }
  return absl::OkStatus();
}

// Applies `diff` to the CREATE statements `entities` (not validated).
absl::Status ApplyToStatements(const EntityDiff& diff,
                               std::vector<Statement>* entities) {
  if (const std::string* new_name = NewNameOf(diff)) {
    return ApplyRename(diff, *new_name, entities);
  }
  for (auto it = entities->begin(); it != entities->end(); ++it) {
    if (EntityName(*it) != diff.entity) continue;
    std::optional<Statement> slot = std::move(*it);
    absl::Status s = ApplyToEntity(diff, &slot);
    if (!s.ok()) {
      *it = std::move(*slot);
      return s;
    }
    if (slot.has_value()) {
      *it = std::move(*slot);
    } else {
      entities->erase(it);
    }
    return absl::OkStatus();
  }
  std::optional<Statement> slot;
  SC_RETURN_IF_ERROR(ApplyToEntity(diff, &slot));
  entities->push_back(std::move(*slot));
  return absl::OkStatus();
}

// Applies one diff and validates, optionally accepting foreign keys to
// missing parent tables.
// Whether `diff` is an ALTER VIEW whose SELECT takes `*` or `t.*` from
// table `table`. The server expands the star when the view is altered: the
// view gets the table's columns as they are then.
bool AltersStarViewOf(const EntityDiff& diff, const std::string& table) {
  if (diff.kind != EntityDiffKind::kAlterView) return false;
  const auto* view = std::get_if<CreateView>(&diff.statement);
  if (view == nullptr) return false;
  bool reads = false;
  for (const TableName& t : view->select.tables) {
    reads |= absl::EqualsIgnoreCase(t.name, table);
  }
  if (!reads) return false;
  // A bare `*` in any query block (the server expands the stars of every
  // block, derived tables and subqueries too), or `q.*` where q is the
  // table or an alias of it (`t AS q`, `t q`).
  const std::vector<Token>& t = view->select.tokens.tokens;
  std::vector<std::string> names = {table};
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (!absl::EqualsIgnoreCase(t[i].text, table) || !t[i].IsIdentLike()) {
      continue;
    }
    size_t a = i + 1;
    if (t[a].IsWord("as") && a + 1 < t.size()) ++a;
    if (t[a].IsIdentLike()) names.push_back(t[a].text);
  }
  for (size_t i = 1; i < t.size(); ++i) {
    if (!t[i].IsOp("*")) continue;
    const Token& before = t[i - 1];
    if (before.IsOp(",") ||
        (before.kind == TokenKind::kWord &&
         (before.IsWord("select") || before.IsWord("distinct") ||
          before.IsWord("all") || before.IsWord("distinctrow") ||
          before.IsWord("sql_calc_found_rows") ||
          before.IsWord("high_priority") || before.IsWord("straight_join") ||
          before.IsWord("sql_no_cache") || before.IsWord("sql_cache") ||
          before.IsWord("sql_small_result") ||
          before.IsWord("sql_big_result") ||
          before.IsWord("sql_buffer_result")))) {
      return true;
    }
    if (before.IsOp(".") && i >= 2) {
      for (const std::string& n : names) {
        if (absl::EqualsIgnoreCase(t[i - 2].text, n)) return true;
      }
    }
  }
  return false;
}

absl::StatusOr<Schema> ApplyAndValidate(const Schema& from,
                                        const EntityDiff& diff,
                                        bool allow_missing_parents) {
  std::vector<Statement> statements = EntityStatements(from);
  SC_RETURN_IF_ERROR(ApplyToStatements(diff, &statements));
  if (allow_missing_parents) {
    return Schema::FromStatementsAllowingMissingParents(std::move(statements));
  }
  return Schema::FromStatements(std::move(statements));
}

// The strategies a plan's order is searched with, strictest first, up to
// the plan's own (Vitess tries them in this order).
std::vector<ForeignKeyCheckStrategy> StrategiesUpTo(
    ForeignKeyCheckStrategy last) {
  std::vector<ForeignKeyCheckStrategy> out;
  for (ForeignKeyCheckStrategy s : {ForeignKeyCheckStrategy::kStrict,
                                    ForeignKeyCheckStrategy::kCreateTableFirst,
                                    ForeignKeyCheckStrategy::kIgnore}) {
    out.push_back(s);
    if (s == last) break;
  }
  return out;
}

// Whether a class's step `k` may name missing parent tables.
bool RelaxedStep(ForeignKeyCheckStrategy strategy, size_t k,
                 const EntityDiff& diff) {
  return strategy == ForeignKeyCheckStrategy::kIgnore ||
         (strategy == ForeignKeyCheckStrategy::kCreateTableFirst && k == 0 &&
          diff.kind == EntityDiffKind::kCreateTable);
}

// "no valid applicable order for diffs. N diffs found conflicting:", each
// diff's canonical statement on a line, then `why` (when given).
absl::Status Conflict(const SchemaDiffPlan& plan, std::vector<int> diffs,
                      const absl::Status& why = absl::OkStatus()) {
  std::sort(diffs.begin(), diffs.end());
  std::string message = absl::StrCat("no valid applicable order for diffs. ",
                                     diffs.size(), " diffs found conflicting:");
  for (int d : diffs) absl::StrAppend(&message, "\n", plan.diffs[d].canonical);
  if (!why.ok()) absl::StrAppend(&message, "\n(", why.message(), ")");
  return SchemaError(SchemaErrorKind::kImpossibleDiffOrder, message);
}

// Under a relaxed strategy the schema after the last step must still be
// valid strictly; when it is not, no order of the plan is.
absl::Status CheckFinalSchema(const SchemaDiffPlan& plan,
                              std::vector<Statement> final_statements) {
  if (plan.foreign_key_check == ForeignKeyCheckStrategy::kStrict) {
    return absl::OkStatus();
  }
  absl::Status valid =
      Schema::FromStatements(std::move(final_statements)).status();
  if (valid.ok()) return valid;
  std::vector<int> all(plan.diffs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  return Conflict(plan, std::move(all), valid);
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
      : plan_(plan), options_(options), start_(start) {}

  // Finds a valid permutation of `diffs`, trying the foreign key check
  // strategies strictest first up to the plan's; on success the schema
  // after it.
  absl::StatusOr<Schema> Order(std::vector<int>* diffs) {
    SortHeuristically(plan_, diffs);
    for (ForeignKeyCheckStrategy s : StrategiesUpTo(plan_.foreign_key_check)) {
      strategy_ = s;
      tried_ = 0;
      found_ = false;
      if (Search(diffs)) return std::move(*result_);
      if (tried_ >= options_.max_permutations) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "ordering ", diffs->size(), " related diffs: gave up after ",
            tried_, " permutations; apply them in smaller batches"));
      }
    }
    // A lone diff's failure is worth showing; a class's is one of many.
    return Conflict(plan_, *diffs,
                    diffs->size() == 1 ? last_failure_ : absl::OkStatus());
  }

 private:
  // Tries permutations of `diffs` until one validates (left in `diffs`).
  bool Search(std::vector<int>* diffs) {
    PermuteDiffs(plan_, diffs, [this](const std::vector<int>& order) {
      if (tried_ >= options_.max_permutations) return true;  // give up
      found_ = Try(order);
      return found_;
    });
    return found_;
  }

  bool Try(const std::vector<int>& order) {
    ++tried_;
    std::optional<Schema> schema = start_;
    for (size_t k = 0; k < order.size(); ++k) {
      const EntityDiff& diff = plan_.diffs[order[k]];
      // A star view altered before the table it reads would keep the
      // table's old columns (a dropped one then breaks it): the view goes
      // after the table.
      for (size_t j = 0; diff.kind == EntityDiffKind::kAlterTable && j < k;
           ++j) {
        if (AltersStarViewOf(plan_.diffs[order[j]], diff.entity)) {
          last_failure_ = absl::FailedPreconditionError(absl::StrCat(
              plan_.diffs[order[j]].canonical, " takes * from table ",
              Quoted(diff.entity), ": it must follow the ALTER of that table"));
          return false;
        }
      }
      absl::StatusOr<Schema> next =
          ApplyAndValidate(*schema, diff, RelaxedStep(strategy_, k, diff));
      if (!next.ok()) {
        last_failure_ = next.status();
        return false;
      }
      schema = std::move(*next);
    }
    result_ = std::move(schema);
    return true;
  }

  const SchemaDiffPlan& plan_;
  const OrderOptions& options_;
  const Schema& start_;
  ForeignKeyCheckStrategy strategy_ = ForeignKeyCheckStrategy::kStrict;
  bool found_ = false;
  int tried_ = 0;
  std::optional<Schema> result_;
  absl::Status last_failure_;
};

bool IsViewCreateOrDrop(EntityDiffKind k) {
  return k == EntityDiffKind::kCreateView || k == EntityDiffKind::kDropView;
}
bool IsTableDiff(EntityDiffKind k) {
  return k == EntityDiffKind::kCreateTable ||
         k == EntityDiffKind::kAlterTable || k == EntityDiffKind::kDropTable;
}

class Permuter {
 public:
  Permuter(const SchemaDiffPlan& plan,
           const std::function<bool(const std::vector<int>&)>& visit)
      : plan_(plan), visit_(visit) {
    for (const DiffDependency& d : plan.dependencies) {
      if (d.kind >= DiffDependencyKind::kSequentialExecution) {
        sequential_.emplace(d.diff, d.on);
      }
    }
  }

  // Heap-free recursive permutation of a[i..] (Vitess's permDiff).
  bool Run(std::vector<int>* a, size_t i) {
    if (i >= a->size()) return visit_(*a);
    if (Run(a, i + 1)) return true;
    for (size_t j = i + 1; j < a->size(); ++j) {
      if (Fixed((*a)[i], (*a)[j])) continue;
      std::swap((*a)[i], (*a)[j]);
      if (Run(a, i + 1)) return true;
      std::swap((*a)[i], (*a)[j]);
    }
    return false;
  }

 private:
  // Whether diffs `first` and `later` keep their relative order.
  bool Fixed(int first, int later) const {
    EntityDiffKind a = plan_.diffs[first].kind, b = plan_.diffs[later].kind;
    if (IsViewCreateOrDrop(a) && (IsViewCreateOrDrop(b) || IsTableDiff(b))) {
      return true;
    }
    if (IsTableDiff(a) && IsViewCreateOrDrop(b)) return true;
    return sequential_.count({later, first}) > 0;
  }

  const SchemaDiffPlan& plan_;
  const std::function<bool(const std::vector<int>&)>& visit_;
  std::set<std::pair<int, int>> sequential_;
};

}  // namespace

bool PermuteDiffs(const SchemaDiffPlan& plan, std::vector<int>* diffs,
                  const std::function<bool(const std::vector<int>&)>& visit) {
  if (diffs->empty()) return false;
  return Permuter(plan, visit).Run(diffs, 0);
}

absl::StatusOr<Schema> ApplyEntityDiff(const Schema& from,
                                       const EntityDiff& diff) {
  return ApplyAndValidate(from, diff, /*allow_missing_parents=*/false);
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
    if (!next.ok()) return Conflict(plan, {d}, next.status());
    current = std::move(*next);
  }
  return current;
}

// The schema being ordered, by entity name, with who refers to whom
// (foreign keys to their parent, views to what they read). Entities borrow
// `from`'s statements until a diff changes them.
class EntityIndex {
 public:
  explicit EntityIndex(const Schema& from) {
    for (const CreateTable& t : from.tables()) Add(t.name.name, {&t, nullptr});
    for (const CreateView& v : from.views()) Add(v.name.name, {nullptr, &v});
  }

  // The statements of the entities `diffs` change, of every view reading
  // one of them (transitively: a view's columns follow its tables), of
  // every table with a foreign key to one of them, and of everything those
  // refer to (transitively). Validating this subset runs every check the
  // diffs can affect but one: the entities left out neither change nor
  // refer to anything that does. The exception, CHECK constraint names
  // being unique across tables, is checked on the final schema
  // (CheckNamesUnique).
  std::vector<Statement> Neighborhood(const SchemaDiffPlan& plan,
                                      const std::vector<int>& diffs) const {
    std::vector<Statement> statements;
    for (const std::string& name : NeighborhoodNames(plan, diffs)) {
      auto it = entities_.find(name);
      if (it != entities_.end()) statements.push_back(it->second.Copy());
    }
    return statements;
  }

  // The names of Neighborhood's entities, and of those the diffs create.
  std::set<std::string> NeighborhoodNames(const SchemaDiffPlan& plan,
                                          const std::vector<int>& diffs) const {
    std::set<std::string> in;
    std::vector<std::string> changed;  // whose referrers are needed
    std::vector<std::string> todo;     // whose references are needed
    auto add = [&](const std::string& name, bool columns_may_change) {
      if (!in.insert(name).second) return;
      todo.push_back(name);
      if (columns_may_change) changed.push_back(name);
    };
    std::set<std::string> refs;
    for (int d : diffs) {
      add(plan.diffs[d].entity, true);
      if (const std::string* new_name = NewNameOf(plan.diffs[d])) {
        add(*new_name, true);
      }
      AddReferences(plan.diffs[d].statement, &refs);
    }
    while (!changed.empty()) {
      std::string name = std::move(changed.back());
      changed.pop_back();
      auto it = referrers_.find(name);
      if (it == referrers_.end()) continue;
      for (const std::string& r : it->second) {
        auto e = entities_.find(r);
        add(r, e != entities_.end() && e->second.IsView());
      }
    }
    for (const std::string& r : refs) add(r, false);
    while (!todo.empty()) {
      std::string name = std::move(todo.back());
      todo.pop_back();
      auto it = entities_.find(name);
      if (it == entities_.end()) continue;
      std::set<std::string> out;
      it->second.AddReferences(&out);
      for (const std::string& r : out) add(r, false);
    }
    return in;
  }

  // Applies `diff` (not validated).
  absl::Status Apply(const EntityDiff& diff) {
    if (const std::string* new_name = NewNameOf(diff)) {
      return Rename(diff.entity, *new_name);
    }
    std::optional<Statement> slot;
    auto it = entities_.find(diff.entity);
    if (it != entities_.end()) {
      Link(diff.entity, it->second, false);
      slot = it->second.Take();
      entities_.erase(it);
    }
    absl::Status s = ApplyToEntity(diff, &slot);
    if (slot.has_value()) Add(diff.entity, Entry{std::move(*slot)});
    return s;
  }

  // RENAME TABLE `from` TO `to`, retargeting the foreign keys to it.
  absl::Status Rename(const std::string& from, const std::string& to) {
    auto existing = entities_.find(to);
    if (existing != entities_.end()) return Exists(existing->second.Copy());
    auto it = entities_.find(from);
    if (it == entities_.end() || it->second.IsView()) {
      return NotFound("table", from);
    }
    Link(from, it->second, false);
    Statement renamed = it->second.Take();
    entities_.erase(it);
    std::get<CreateTable>(renamed).name.name = to;
    Add(to, Entry(std::move(renamed)));
    std::set<std::string> referrers;
    if (auto r = referrers_.find(from); r != referrers_.end()) {
      referrers = r->second;
    }
    for (const std::string& name : referrers) {
      auto e = entities_.find(name);
      if (e == entities_.end() || e->second.IsView()) continue;
      Link(name, e->second, false);
      Statement child = e->second.Take();
      RetargetForeignKeys(from, to, &child);
      e->second = Entry(std::move(child));
      Link(name, e->second, true);
    }
    return absl::OkStatus();
  }

  // Every entity's statement.
  std::vector<Statement> All() const {
    std::vector<Statement> out;
    out.reserve(entities_.size());
    for (const auto& [name, e] : entities_) out.push_back(e.Copy());
    return out;
  }

  // The schema-wide check Neighborhood leaves out: CHECK constraint names
  // are unique across tables (in MySQL; in MariaDB within each table), as
  // ValidateTables checks.
  bool CheckNamesUnique() const {
    const bool per_table =
        CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb;
    std::set<std::string> names;
    for (const auto& [name, e] : entities_) {
      const CreateTable* t = e.Table();
      if (t == nullptr || !t->spec) continue;
      if (per_table) names.clear();
      for (const ConstraintDefinition& c : t->spec->constraints) {
        if (std::holds_alternative<ForeignKeyDefinition>(c.details)) continue;
        if (!names.insert(absl::AsciiStrToLower(c.name.value_or(""))).second) {
          return false;
        }
      }
    }
    return true;
  }

 private:
  // A table or view: borrowed from the schema, or owned once changed.
  class Entry {
   public:
    Entry(const CreateTable* table, const CreateView* view)
        : table_(table), view_(view) {}
    explicit Entry(Statement own) : own_(std::move(own)) {}

    const CreateTable* Table() const {
      return own_ ? std::get_if<CreateTable>(&*own_) : table_;
    }
    bool IsView() const {
      return own_ ? std::holds_alternative<CreateView>(*own_)
                  : view_ != nullptr;
    }
    Statement Copy() const {
      if (own_) return *own_;
      if (table_) return *table_;
      return *view_;
    }
    Statement Take() { return own_ ? std::move(*own_) : Copy(); }
    void AddReferences(std::set<std::string>* out) const {
      if (own_) {
        EntityIndex::AddReferences(*own_, out);
      } else if (table_) {
        AddTableReferences(*table_, out);
      } else {
        AddViewReferences(*view_, out);
      }
    }

   private:
    const CreateTable* table_ = nullptr;
    const CreateView* view_ = nullptr;
    std::optional<Statement> own_;
  };

  static void AddForeignKey(const ConstraintDefinition& c,
                            std::set<std::string>* out) {
    if (const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details)) {
      out->insert(fk->reference.table.name);
    }
  }
  static void AddTableReferences(const CreateTable& t,
                                 std::set<std::string>* out) {
    if (!t.spec) return;
    for (const ConstraintDefinition& c : t.spec->constraints) {
      AddForeignKey(c, out);
    }
  }
  static void AddViewReferences(const CreateView& v,
                                std::set<std::string>* out) {
    for (const TableName& t : v.select.tables) out->insert(t.name);
  }
  // The entities `entity` refers to: a table's foreign-key parents, what a
  // view reads; for an ALTER TABLE, the parents of the foreign keys it adds.
  static void AddReferences(const Statement& entity,
                            std::set<std::string>* out) {
    if (const auto* t = std::get_if<CreateTable>(&entity)) {
      AddTableReferences(*t, out);
    } else if (const auto* v = std::get_if<CreateView>(&entity)) {
      AddViewReferences(*v, out);
    } else if (const auto* a = std::get_if<AlterTable>(&entity)) {
      for (const AlterOption& o : a->options) {
        if (o.kind == AlterOption::Kind::kAddConstraint && o.constraint) {
          AddForeignKey(*o.constraint, out);
        }
      }
    }
  }

  void Add(const std::string& name, Entry entry) {
    Link(name, entry, true);
    entities_.emplace(name, std::move(entry));
  }

  void Link(const std::string& name, const Entry& entry, bool link) {
    std::set<std::string> refs;
    entry.AddReferences(&refs);
    for (const std::string& r : refs) {
      if (link) {
        referrers_[r].insert(name);
      } else {
        referrers_[r].erase(name);
      }
    }
  }

  std::map<std::string, Entry> entities_;
  std::map<std::string, std::set<std::string>> referrers_;
};

// Orders each class on the neighborhood of its diffs (EntityIndex) instead
// of the whole schema. Returns nullopt when a neighborhood does not
// validate (a check reaching beyond the references the index follows) or
// the final schema repeats a CHECK name: the caller then orders on the
// whole schema, which decides.
absl::StatusOr<std::optional<std::vector<int>>> OrderOnNeighborhoods(
    const Schema& from, const SchemaDiffPlan& plan,
    const OrderOptions& options) {
  EntityIndex index(from);
  std::vector<int> out;
  for (const std::vector<int>& c : plan.classes) {
    std::vector<Statement> neighborhood = index.Neighborhood(plan, c);
    absl::StatusOr<Schema> start =
        plan.foreign_key_check == ForeignKeyCheckStrategy::kStrict
            ? Schema::FromStatements(std::move(neighborhood))
            : Schema::FromStatementsAllowingMissingParents(
                  std::move(neighborhood));
    if (!start.ok()) return std::nullopt;
    std::vector<int> diffs = c;
    ClassOrderer orderer(plan, options, *start);
    SC_RETURN_IF_ERROR(orderer.Order(&diffs).status());
    for (int d : diffs) {
      if (!index.Apply(plan.diffs[d]).ok()) return std::nullopt;
    }
    out.insert(out.end(), diffs.begin(), diffs.end());
  }
  if (!index.CheckNamesUnique()) return std::nullopt;
  SC_RETURN_IF_ERROR(CheckFinalSchema(plan, index.All()));
  return out;
}

// The reference algorithm: every step validates the whole schema.
absl::StatusOr<std::vector<int>> OrderOnWholeSchema(
    const Schema& from, const SchemaDiffPlan& plan,
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
  SC_ASSIGN_OR_RETURN(current, ApplyIndependent(current, plan, independent));
  SC_RETURN_IF_ERROR(CheckFinalSchema(plan, EntityStatements(current)));
  return out;
}

}  // namespace

absl::StatusOr<std::vector<int>> OrderDiffs(const Schema& from,
                                            const SchemaDiffPlan& plan,
                                            const OrderOptions& options) {
  if (!options.whole_schema) {
    SC_ASSIGN_OR_RETURN(std::optional<std::vector<int>> order,
                        OrderOnNeighborhoods(from, plan, options));
    if (options.used_whole_schema) {
      *options.used_whole_schema = !order.has_value();
    }
    if (order.has_value()) return std::move(*order);
  }
  return OrderOnWholeSchema(from, plan, options);
}

std::vector<int> GatherTableAlters(const Schema& from,
                                   const SchemaDiffPlan& plan,
                                   const std::vector<int>& order) {
  std::vector<int> class_of(plan.diffs.size(), -1);
  for (size_t c = 0; c < plan.classes.size(); ++c) {
    for (int d : plan.classes[c]) {
      if (d < 0 || d >= static_cast<int>(class_of.size())) return order;
      class_of[d] = static_cast<int>(c);
    }
  }
  // Each class's diffs in `order`, the classes as they first appear.
  std::vector<std::vector<int>> of_class(plan.classes.size());
  std::vector<int> classes;
  for (int d : order) {
    if (d < 0 || d >= static_cast<int>(class_of.size()) || class_of[d] < 0) {
      return order;
    }
    std::vector<int>& seq = of_class[class_of[d]];
    if (seq.empty()) classes.push_back(class_of[d]);
    seq.push_back(d);
  }
  auto is_alter = [&](int d) {
    return plan.diffs[d].kind == EntityDiffKind::kAlterTable;
  };
  std::vector<int> before, run, after;
  for (int c : classes) {
    const std::vector<int>& seq = of_class[c];
    size_t first = 0;
    while (first < seq.size() && !is_alter(seq[first])) ++first;
    size_t end = first;
    while (end < seq.size() && is_alter(seq[end])) ++end;
    before.insert(before.end(), seq.begin(), seq.begin() + first);
    run.insert(run.end(), seq.begin() + first, seq.begin() + end);
    after.insert(after.end(), seq.begin() + end, seq.end());
  }
  std::vector<int> gathered = std::move(before);
  gathered.insert(gathered.end(), run.begin(), run.end());
  gathered.insert(gathered.end(), after.begin(), after.end());
  if (gathered == order) return order;
  Schema at = from;
  for (int d : gathered) {
    absl::StatusOr<Schema> next = ApplyEntityDiff(at, plan.diffs[d]);
    if (!next.ok()) return order;
    at = *std::move(next);
  }
  return gathered;
}

std::set<std::string> PlanNeighborhood(const Schema& from,
                                       const SchemaDiffPlan& plan) {
  std::vector<int> all;
  for (size_t i = 0; i < plan.diffs.size(); ++i) {
    all.push_back(static_cast<int>(i));
  }
  return EntityIndex(from).NeighborhoodNames(plan, all);
}

}  // namespace schemadiff
}  // namespace sidecut
