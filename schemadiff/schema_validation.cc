#include "schemadiff/schema_validation.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schemadiff/charsets.h"
#include "schemadiff/column_normalize.h"
#include "schemadiff/schema_errors.h"
#include "schemadiff/table_lookup.h"
#include "schemadiff/table_normalize.h"
#include "schemadiff/table_validation.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

// Table and view names are case-sensitive (lower_case_table_names=0, the
// Linux default); column and constraint names are not.
std::string Entity(absl::string_view s) { return std::string(s); }

// The type as foreign keys compare it: textual types by effective charset
// and collation (lengths and char/varchar may differ), others exactly.
std::string ForeignKeyType(const ColumnDefinition& c, const CreateTable& t) {
  if (!IsTextualType(c.type.name)) {
    return absl::StrCat(c.type.name, "(", c.type.length, ")",
                        c.type.is_unsigned ? " unsigned" : "");
  }
  TableCharsetDefaults table = CharsetDefaultsOf(t.spec->options);
  std::string charset = c.type.charset;
  std::string collate = c.type.collate.text;
  if (charset.empty()) {
    charset = collate.empty() ? table.charset : CharsetOfCollation(collate);
  }
  if (collate.empty()) {
    collate =
        charset == table.charset ? table.collation : DefaultCollation(charset);
  }
  bool is_char = c.type.name == "char" || c.type.name == "varchar";
  return absl::StrCat(is_char ? "char" : c.type.name, " ", charset, " ",
                      collate);
}

absl::Status ValidateForeignKey(
    const CreateTable& child, const std::string& name,
    const ForeignKeyDefinition& fk,
    const std::map<std::string, const CreateTable*>& tables,
    const std::set<std::string>& views) {
  auto where = [&]() {
    return absl::StrCat(" foreign key constraint ", Quoted(name), " in table ",
                        Quoted(child.name.name));
  };
  const std::string& parent_name = fk.reference.table.name;
  if (fk.reference.columns.size() != fk.columns.size()) {
    return SchemaError(
        SchemaErrorKind::kForeignKeyColumnCount,
        absl::StrCat("mismatching column count ", fk.reference.columns.size(),
                     " referenced by", where(), ". Expected ",
                     fk.columns.size()));
  }
  auto it = tables.find(Entity(parent_name));
  if (it == tables.end()) {
    bool is_view = views.count(Entity(parent_name)) > 0;
    return SchemaError(is_view ? SchemaErrorKind::kForeignKeyReferencesView
                               : SchemaErrorKind::kForeignKeyNonexistentTable,
                       absl::StrCat("table ", Quoted(child.name.name),
                                    " foreign key references ",
                                    is_view ? "view " : "nonexistent table ",
                                    Quoted(parent_name)));
  }
  const CreateTable& parent = *it->second;
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    const ColumnDefinition* pc = FindColumn(parent, fk.reference.columns[i]);
    if (pc == nullptr) {
      return SchemaError(
          SchemaErrorKind::kInvalidReferencedColumn,
          absl::StrCat("invalid column ", Quoted(parent.name.name), ".",
                       Quoted(fk.reference.columns[i]), " referenced by",
                       where()));
    }
  }
  bool indexed = false;
  for (const IndexDefinition& i : parent.spec->indexes) {
    if (IndexCoversColumns(i, fk.reference.columns)) indexed = true;
  }
  if (!indexed) {
    return SchemaError(SchemaErrorKind::kMissingForeignKeyIndex,
                       absl::StrCat("missing index in referenced table ",
                                    Quoted(parent.name.name), " for", where()));
  }
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    const ColumnDefinition* cc = FindColumn(child, fk.columns[i]);
    const ColumnDefinition* pc = FindColumn(parent, fk.reference.columns[i]);
    if (ForeignKeyType(*cc, child) != ForeignKeyType(*pc, parent)) {
      return SchemaError(
          SchemaErrorKind::kForeignKeyColumnTypeMismatch,
          absl::StrCat("mismatching column type ", Quoted(parent.name.name),
                       ".", Quoted(pc->name), " and ", Quoted(child.name.name),
                       ".", Quoted(cc->name), " referenced by", where()));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> ForeignKeyParents(const CreateTable& t) {
  std::vector<std::string> parents;
  for (const ConstraintDefinition& c : t.spec->constraints) {
    if (const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details)) {
      parents.push_back(Entity(fk->reference.table.name));
    }
  }
  return parents;
}

}  // namespace

absl::Status ValidateEntityNames(const std::vector<CreateTable>& tables,
                                 const std::vector<CreateView>& views) {
  std::set<std::string> names;
  std::vector<std::string> all;
  for (const CreateTable& t : tables) all.push_back(t.name.name);
  for (const CreateView& v : views) all.push_back(v.name.name);
  for (const std::string& n : all) {
    if (!names.insert(Entity(n)).second) {
      return SchemaError(SchemaErrorKind::kDuplicateEntity,
                         absl::StrCat("duplicate entity ", Quoted(n)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTables(const std::vector<CreateTable>& tables,
                            const std::vector<CreateView>& views,
                            bool allow_missing_parents) {
  std::map<std::string, const CreateTable*> by_name;
  for (const CreateTable& t : tables) by_name[Entity(t.name.name)] = &t;
  std::set<std::string> view_names;
  for (const CreateView& v : views) view_names.insert(Entity(v.name.name));
  // CHECK names are unique in a schema in MySQL, in a table in MariaDB
  // (every table's first unnamed CHECK is CONSTRAINT_1).
  const bool per_table =
      CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb;
  std::set<std::string> check_names;
  for (const CreateTable& t : tables) {
    if (!t.spec) continue;
    absl::Status s = ValidateTable(t);
    if (!s.ok()) return s;
    if (per_table) check_names.clear();
    for (const ConstraintDefinition& c : t.spec->constraints) {
      const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details);
      if (fk == nullptr) {
        if (!check_names.insert(Lower(c.name.value_or(""))).second) {
          return SchemaError(SchemaErrorKind::kDuplicateConstraintName,
                             absl::StrCat("duplicate check constraint name ",
                                          Quoted(c.name.value_or("")),
                                          " in table ", Quoted(t.name.name)));
        }
        continue;
      }
      if (allow_missing_parents &&
          by_name.count(Entity(fk->reference.table.name)) == 0 &&
          view_names.count(Entity(fk->reference.table.name)) == 0) {
        continue;
      }
      s = ValidateForeignKey(t, c.name.value_or(""), *fk, by_name, view_names);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status OrderViews(const std::vector<CreateTable>& tables,
                        std::vector<CreateView>* views) {
  std::set<std::string> resolved = {"dual"};
  for (const CreateTable& t : tables) resolved.insert(Entity(t.name.name));
  std::vector<CreateView> pending = std::move(*views);
  views->clear();
  auto by_name = [](const CreateView& a, const CreateView& b) {
    return Entity(a.name.name) < Entity(b.name.name);
  };
  std::sort(pending.begin(), pending.end(), by_name);
  while (!pending.empty()) {
    std::vector<CreateView> round, rest;
    for (CreateView& v : pending) {
      bool ready = true;
      for (const TableName& t : v.select.tables) {
        if (resolved.count(Entity(t.name)) == 0) ready = false;
      }
      (ready ? round : rest).push_back(std::move(v));
    }
    if (round.empty()) {
      const CreateView& v = rest.front();
      std::vector<std::string> missing;
      for (const TableName& t : v.select.tables) {
        if (resolved.count(Entity(t.name)) == 0)
          missing.push_back(Quoted(t.name));
      }
      return SchemaError(SchemaErrorKind::kViewDependencyUnresolved,
                         absl::StrCat("view ", Quoted(v.name.name),
                                      " has unresolved/loop dependencies: ",
                                      absl::StrJoin(missing, ", ")));
    }
    for (CreateView& v : round) {
      resolved.insert(Entity(v.name.name));
      views->push_back(std::move(v));
    }
    pending = std::move(rest);
  }
  return absl::OkStatus();
}

void OrderTables(std::vector<CreateTable>* tables) {
  // Works on indexes: the tables themselves move once, into their place.
  const size_t n = tables->size();
  std::vector<size_t> pending(n);
  for (size_t i = 0; i < n; ++i) pending[i] = i;
  std::sort(pending.begin(), pending.end(), [tables](size_t a, size_t b) {
    return (*tables)[a].name.name < (*tables)[b].name.name;
  });
  std::vector<std::vector<std::string>> parents(n);
  for (size_t i = 0; i < n; ++i) {
    const CreateTable& t = (*tables)[i];
    if (!t.spec) continue;
    for (std::string& p : ForeignKeyParents(t)) {
      if (p != t.name.name) parents[i].push_back(std::move(p));
    }
  }
  std::set<absl::string_view> placed;
  std::vector<size_t> order;
  order.reserve(n);
  while (!pending.empty()) {
    std::vector<size_t> round, rest;
    for (size_t i : pending) {
      bool ready = true;
      for (const std::string& p : parents[i]) {
        if (placed.count(p) == 0) ready = false;
      }
      (ready ? round : rest).push_back(i);
    }
    if (round.empty()) {  // a cycle: take the first remaining by name
      round.push_back(rest.front());
      rest.erase(rest.begin());
    }
    for (size_t i : round) {
      placed.insert((*tables)[i].name.name);
      order.push_back(i);
    }
    pending = std::move(rest);
  }
  std::vector<CreateTable> sorted;
  sorted.reserve(n);
  for (size_t i : order) sorted.push_back(std::move((*tables)[i]));
  *tables = std::move(sorted);
}

}  // namespace schemadiff
}  // namespace sidecut
