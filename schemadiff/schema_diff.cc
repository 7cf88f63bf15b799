#include "schemadiff/schema_diff.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "schemadiff/printer.h"
#include "schemadiff/table_diff.h"
#include "schemadiff/view_diff.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

// The definition without the name, to detect renamed tables.
std::string Anonymous(CreateTable table) {
  table.name = TableName{};
  return ToCanonicalString(table);
}

// Pairs created and dropped tables of identical definitions (in `to`
// order, each with the first unpaired match in `from` order).
std::vector<std::pair<const CreateTable*, const CreateTable*>> FindRenames(
    std::vector<const CreateTable*>* dropped,
    std::vector<const CreateTable*>* created) {
  std::vector<std::pair<const CreateTable*, const CreateTable*>> renames;
  std::vector<const CreateTable*> still_created;
  for (const CreateTable* c : *created) {
    auto it = std::find_if(
        dropped->begin(), dropped->end(),
        [c](const CreateTable* d) { return Anonymous(*d) == Anonymous(*c); });
    if (it == dropped->end()) {
      still_created.push_back(c);
      continue;
    }
    renames.emplace_back(*it, c);
    dropped->erase(it);
  }
  *created = std::move(still_created);
  return renames;
}

}  // namespace

std::vector<std::pair<const CreateTable*, const CreateTable*>> FindTableRenames(
    const Schema& from, const Schema& to) {
  std::vector<const CreateTable*> dropped, created;
  for (const CreateTable& t : from.tables()) {
    if (to.FindTable(t.name.name) == nullptr) dropped.push_back(&t);
  }
  for (const CreateTable& t : to.tables()) {
    if (from.FindTable(t.name.name) == nullptr) created.push_back(&t);
  }
  return FindRenames(&dropped, &created);
}

absl::StatusOr<std::vector<Statement>> DiffSchemas(const Schema& from,
                                                   const Schema& to,
                                                   const DiffHints& hints) {
  std::vector<Statement> out;
  const std::vector<CreateView>& v1 = from.views();
  for (auto it = v1.rbegin(); it != v1.rend(); ++it) {
    if (to.FindView(it->name.name) != nullptr) continue;
    DropView drop;
    drop.views.push_back(it->name);
    out.push_back(std::move(drop));
  }
  std::vector<const CreateTable*> dropped, created;
  const std::vector<CreateTable>& t1 = from.tables();
  for (auto it = t1.rbegin(); it != t1.rend(); ++it) {
    if (to.FindTable(it->name.name) == nullptr) dropped.push_back(&*it);
  }
  for (const CreateTable& t : to.tables()) {
    if (from.FindTable(t.name.name) == nullptr) created.push_back(&t);
  }
  std::vector<std::pair<const CreateTable*, const CreateTable*>> renames;
  if (hints.table_rename == TableRenameStrategy::kHeuristicStatement) {
    renames = FindTableRenames(from, to);
    auto renamed_from = [&renames](const CreateTable* t) {
      for (const auto& r : renames) {
        if (r.first == t) return true;
      }
      return false;
    };
    auto renamed_to = [&renames](const CreateTable* t) {
      for (const auto& r : renames) {
        if (r.second == t) return true;
      }
      return false;
    };
    dropped.erase(std::remove_if(dropped.begin(), dropped.end(), renamed_from),
                  dropped.end());
    created.erase(std::remove_if(created.begin(), created.end(), renamed_to),
                  created.end());
  }
  for (const CreateTable* t : dropped) {
    DropTable drop;
    drop.tables.push_back(t->name);
    out.push_back(std::move(drop));
  }
  for (const CreateTable& t : to.tables()) {
    const CreateTable* old = from.FindTable(t.name.name);
    if (old == nullptr) continue;
    SC_ASSIGN_OR_RETURN(std::vector<AlterTable> alters,
                        DiffNormalizedTables(*old, t, hints));
    for (AlterTable& a : alters) out.push_back(std::move(a));
  }
  for (const CreateView& v : to.views()) {
    const CreateView* old = from.FindView(v.name.name);
    if (old == nullptr) continue;
    for (Statement& s : DiffViewEntities(old, &v)) out.push_back(std::move(s));
  }
  for (const CreateView& v : to.views()) {
    if (from.FindView(v.name.name) != nullptr) continue;
    for (Statement& s : DiffViewEntities(nullptr, &v)) {
      out.push_back(std::move(s));
    }
  }
  for (const CreateTable* t : created) out.push_back(*t);
  for (const auto& [a, b] : renames) {
    RenameTable rename;
    rename.pairs.emplace_back(a->name, b->name);
    out.push_back(std::move(rename));
  }
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
