#include "schemadiff/table_apply.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/expr_columns.h"
#include "schemadiff/schema_errors.h"
#include "schemadiff/table_normalize.h"
#include "schemadiff/table_validation.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

using Kind = AlterOption::Kind;

bool Same(absl::string_view a, absl::string_view b) {
  return absl::EqualsIgnoreCase(a, b);
}

// The ALTER in progress: the table being changed and what was dropped.
class Applier {
 public:
  explicit Applier(CreateTable table) : t_(std::move(table)) {}

  absl::Status Apply(const AlterOption& o);
  absl::Status ApplyPartitionSpec(const PartitionSpec& spec);
  absl::Status Finish();
  CreateTable Release() { return std::move(t_); }

 private:
  TableSpec& spec() { return *t_.spec; }
  absl::Status Error(SchemaErrorKind kind, absl::string_view what) {
    return SchemaError(kind,
                       absl::StrCat(what, " in table ", Quoted(t_.name.name)));
  }
  std::vector<ColumnDefinition>::iterator FindColumn(absl::string_view name) {
    return std::find_if(
        spec().columns.begin(), spec().columns.end(),
        [name](const ColumnDefinition& c) { return Same(c.name, name); });
  }
  std::vector<IndexDefinition>::iterator FindKey(absl::string_view name) {
    return std::find_if(spec().indexes.begin(), spec().indexes.end(),
                        [name](const IndexDefinition& i) {
                          return i.kind != IndexKind::kPrimary &&
                                 Same(i.name, name);
                        });
  }
  absl::Status ApplyColumnClause(const AlterOption& o);
  absl::Status ApplyKeyClause(const AlterOption& o);
  absl::Status ApplyOtherClause(const AlterOption& o);
  absl::Status PlaceColumn(ColumnDefinition column, const AlterOption& o,
                           size_t default_index);
  absl::Status AddKey(IndexDefinition index);
  absl::Status DropColumn(const std::string& name);
  absl::Status DropConstraint(const std::string& name, bool foreign_key);

  CreateTable t_;
  std::vector<IndexDefinition> dropped_keys_;
};

absl::Status Applier::AddKey(IndexDefinition index) {
  for (const IndexDefinition& i : spec().indexes) {
    bool both_primary =
        i.kind == IndexKind::kPrimary && index.kind == IndexKind::kPrimary;
    bool same_name = !index.name.empty() && i.kind != IndexKind::kPrimary &&
                     Same(i.name, index.name);
    if (both_primary || same_name) {
      return Error(SchemaErrorKind::kDuplicateKey,
                   absl::StrCat("duplicate key ",
                                Quoted(both_primary ? "PRIMARY" : index.name)));
    }
  }
  // The primary key comes first, as SHOW CREATE TABLE prints it.
  auto at = index.kind == IndexKind::kPrimary ? spec().indexes.begin()
                                              : spec().indexes.end();
  spec().indexes.insert(at, std::move(index));
  return absl::OkStatus();
}

// Inserts `column` at o's FIRST/AFTER position, or at `default_index`.
absl::Status Applier::PlaceColumn(ColumnDefinition column, const AlterOption& o,
                                  size_t default_index) {
  ColumnKeyOption key = column.key_option;
  column.key_option = ColumnKeyOption::kNone;
  size_t at = std::min(default_index, spec().columns.size());
  if (o.position == "first") at = 0;
  if (o.position == "after") {
    auto after = FindColumn(o.after);
    if (after == spec().columns.end()) {
      return Error(
          SchemaErrorKind::kInvalidAlter,
          absl::StrCat("unknown column ", Quoted(o.after), " in AFTER"));
    }
    at = static_cast<size_t>(after - spec().columns.begin()) + 1;
  }
  std::string name = column.name;
  spec().columns.insert(spec().columns.begin() + at, std::move(column));
  if (key == ColumnKeyOption::kNone) return absl::OkStatus();
  IndexDefinition index;
  index.kind =
      key == ColumnKeyOption::kUnique || key == ColumnKeyOption::kUniqueKey
          ? IndexKind::kUnique
          : IndexKind::kPrimary;
  index.parts.resize(1);
  index.parts[0].column = name;
  if (index.kind == IndexKind::kPrimary) {
    for (const IndexDefinition& i : spec().indexes) {
      if (i.kind == IndexKind::kPrimary && i.parts.size() == 1 &&
          !i.parts[0].expr && Same(i.parts[0].column, name)) {
        return absl::OkStatus();  // already the primary key
      }
    }
  }
  return AddKey(std::move(index));
}

absl::Status Applier::DropColumn(const std::string& name) {
  auto it = FindColumn(name);
  if (it == spec().columns.end()) {
    return Error(SchemaErrorKind::kInvalidAlter,
                 absl::StrCat("cannot drop nonexistent column ", Quoted(name)));
  }
  spec().columns.erase(it);
  // Keys lose the column; keys left without parts go.
  std::vector<IndexDefinition> kept;
  for (IndexDefinition& i : spec().indexes) {
    i.parts.erase(std::remove_if(i.parts.begin(), i.parts.end(),
                                 [&name](const IndexPart& p) {
                                   return !p.expr && Same(p.column, name);
                                 }),
                  i.parts.end());
    if (!i.parts.empty()) kept.push_back(std::move(i));
  }
  spec().indexes = std::move(kept);
  // A CHECK on this column alone goes; one also on others is an error
  // (reported by validation).
  std::vector<ConstraintDefinition> constraints;
  for (ConstraintDefinition& c : spec().constraints) {
    if (const auto* check = std::get_if<CheckDefinition>(&c.details)) {
      std::vector<std::string> refs = ReferencedColumns(check->expr);
      bool only_this =
          !refs.empty() &&
          std::all_of(refs.begin(), refs.end(),
                      [&name](const std::string& r) { return Same(r, name); });
      if (only_this) continue;
    }
    constraints.push_back(std::move(c));
  }
  spec().constraints = std::move(constraints);
  return absl::OkStatus();
}

absl::Status Applier::DropConstraint(const std::string& name,
                                     bool foreign_key) {
  auto& cs = spec().constraints;
  auto it =
      std::find_if(cs.begin(), cs.end(), [&](const ConstraintDefinition& c) {
        return Same(c.name.value_or(""), name) &&
               std::holds_alternative<ForeignKeyDefinition>(c.details) ==
                   foreign_key;
      });
  if (it == cs.end()) {
    return Error(
        SchemaErrorKind::kInvalidAlter,
        absl::StrCat("cannot drop nonexistent ",
                     foreign_key ? "foreign key " : "check ", Quoted(name)));
  }
  cs.erase(it);
  return absl::OkStatus();
}

absl::Status Applier::Apply(const AlterOption& o) {
  switch (o.kind) {
    case Kind::kAddColumns:
    case Kind::kModifyColumn:
    case Kind::kChangeColumn:
    case Kind::kRenameColumn:
    case Kind::kDropColumn:
    case Kind::kAlterColumnDefault:
    case Kind::kAlterColumnDropDefault:
    case Kind::kAlterColumnVisibility:
      return ApplyColumnClause(o);
    case Kind::kAddIndex:
    case Kind::kDropIndex:
    case Kind::kDropPrimaryKey:
    case Kind::kRenameIndex:
    case Kind::kAlterIndexVisibility:
      return ApplyKeyClause(o);
    default:
      return ApplyOtherClause(o);
  }
}

absl::Status Applier::ApplyColumnClause(const AlterOption& o) {
  switch (o.kind) {
    case Kind::kAddColumns:
      for (const ColumnDefinition& c : o.columns) {
        if (FindColumn(c.name) != spec().columns.end()) {
          return Error(SchemaErrorKind::kDuplicateColumn,
                       absl::StrCat("duplicate column ", Quoted(c.name)));
        }
        SC_RETURN_IF_ERROR(PlaceColumn(c, o, spec().columns.size()));
      }
      return absl::OkStatus();
    case Kind::kModifyColumn:
    case Kind::kChangeColumn: {
      std::string old =
          o.kind == Kind::kModifyColumn ? o.columns[0].name : o.name;
      auto it = FindColumn(old);
      if (it == spec().columns.end()) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat("unknown column ", Quoted(old)));
      }
      size_t at = static_cast<size_t>(it - spec().columns.begin());
      spec().columns.erase(it);
      if (!Same(old, o.columns[0].name)) {
        for (IndexDefinition& i : spec().indexes) {
          for (IndexPart& p : i.parts) {
            if (!p.expr && Same(p.column, old)) p.column = o.columns[0].name;
          }
        }
      }
      return PlaceColumn(o.columns[0], o, at);
    }
    case Kind::kRenameColumn: {
      auto it = FindColumn(o.name);
      if (it == spec().columns.end()) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat("unknown column ", Quoted(o.name)));
      }
      it->name = o.new_name;
      for (IndexDefinition& i : spec().indexes) {
        for (IndexPart& p : i.parts) {
          if (!p.expr && Same(p.column, o.name)) p.column = o.new_name;
        }
      }
      return absl::OkStatus();
    }
    case Kind::kDropColumn:
      return DropColumn(o.name);
    case Kind::kAlterColumnDefault:
    case Kind::kAlterColumnDropDefault:
    case Kind::kAlterColumnVisibility: {
      auto it = FindColumn(o.name);
      if (it == spec().columns.end()) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat("unknown column ", Quoted(o.name)));
      }
      if (o.kind == Kind::kAlterColumnDefault)
        it->default_value = o.default_value;
      if (o.kind == Kind::kAlterColumnDropDefault) it->default_value.reset();
      if (o.kind == Kind::kAlterColumnVisibility) it->visible = o.flag;
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("unexpected ALTER TABLE clause");
  }
}

absl::Status Applier::ApplyKeyClause(const AlterOption& o) {
  switch (o.kind) {
    case Kind::kAddIndex:
      return AddKey(*o.index);
    case Kind::kDropIndex: {
      auto it = FindKey(o.name);
      if (it == spec().indexes.end()) {
        return Error(
            SchemaErrorKind::kInvalidAlter,
            absl::StrCat("cannot drop nonexistent key ", Quoted(o.name)));
      }
      dropped_keys_.push_back(*it);
      spec().indexes.erase(it);
      return absl::OkStatus();
    }
    case Kind::kDropPrimaryKey: {
      auto& idx = spec().indexes;
      auto it =
          std::find_if(idx.begin(), idx.end(), [](const IndexDefinition& i) {
            return i.kind == IndexKind::kPrimary;
          });
      if (it == idx.end()) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     "cannot drop nonexistent primary key");
      }
      idx.erase(it);
      return absl::OkStatus();
    }
    case Kind::kRenameIndex: {
      auto it = FindKey(o.name);
      if (it == spec().indexes.end()) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat("unknown key ", Quoted(o.name)));
      }
      it->name = o.new_name;
      return absl::OkStatus();
    }
    case Kind::kAlterIndexVisibility: {
      auto it = FindKey(o.name);
      if (it == spec().indexes.end()) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat("unknown key ", Quoted(o.name)));
      }
      auto& opts = it->options;
      opts.erase(std::remove_if(opts.begin(), opts.end(),
                                [](const IndexOption& x) {
                                  return x.name == "invisible" ||
                                         x.name == "visible";
                                }),
                 opts.end());
      if (!o.flag) opts.push_back(IndexOption{"invisible", {}});
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("unexpected ALTER TABLE clause");
  }
}

absl::Status Applier::ApplyOtherClause(const AlterOption& o) {
  switch (o.kind) {
    case Kind::kAddConstraint:
      spec().constraints.push_back(*o.constraint);
      return absl::OkStatus();
    case Kind::kDropForeignKey:
      return DropConstraint(o.name, true);
    case Kind::kDropCheck:
      return DropConstraint(o.name, false);
    case Kind::kAlterCheckEnforced:
      for (ConstraintDefinition& c : spec().constraints) {
        auto* check = std::get_if<CheckDefinition>(&c.details);
        if (check != nullptr && Same(c.name.value_or(""), o.name)) {
          check->enforced = o.flag;
          return absl::OkStatus();
        }
      }
      return Error(SchemaErrorKind::kInvalidAlter,
                   absl::StrCat("unknown check ", Quoted(o.name)));
    case Kind::kTableOptions:
      for (const TableOption& opt : o.options) {
        std::string name = absl::AsciiStrToLower(opt.name);
        if (name == "character set") name = "charset";
        auto& opts = spec().options;
        auto it = std::find_if(
            opts.begin(), opts.end(),
            [&name](const TableOption& x) { return Same(x.name, name); });
        if (it != opts.end()) {
          *it = opt;  // replaced in place, keeping the option order
        } else {
          opts.push_back(opt);
        }
      }
      return absl::OkStatus();
    case Kind::kRenameTable:
      t_.name = o.table;
      return absl::OkStatus();
    case Kind::kAlgorithm:
    case Kind::kLock:
    case Kind::kForce:
    case Kind::kValidation:
    case Kind::kKeys:
    case Kind::kOrderBy:
      return absl::OkStatus();
    default:
      return absl::UnimplementedError(
          absl::StrCat("applying this ALTER TABLE clause to table ",
                       Quoted(t_.name.name), " is not supported yet"));
  }
}

absl::Status Applier::ApplyPartitionSpec(const PartitionSpec& s) {
  if (s.partition_by) {
    spec().partition = *s.partition_by;
    return absl::OkStatus();
  }
  if (s.action == "remove") {
    spec().partition.reset();
    return absl::OkStatus();
  }
  if (!spec().partition) {
    return Error(SchemaErrorKind::kInvalidAlter, "no partitions");
  }
  std::vector<PartitionDefinition>& defs = spec().partition->definitions;
  if (s.action == "add") {
    for (const PartitionDefinition& d : s.definitions) defs.push_back(d);
    return absl::OkStatus();
  }
  if (s.action == "drop") {
    for (const std::string& name : s.names) {
      auto it = std::find_if(
          defs.begin(), defs.end(),
          [&name](const PartitionDefinition& d) { return Same(d.name, name); });
      if (it == defs.end()) {
        return Error(
            SchemaErrorKind::kInvalidAlter,
            absl::StrCat("cannot drop nonexistent partition ", Quoted(name)));
      }
      defs.erase(it);
    }
    return absl::OkStatus();
  }
  return absl::UnimplementedError(
      absl::StrCat("applying PARTITION ", s.action, " to table ",
                   Quoted(t_.name.name), " is not supported yet"));
}

// Foreign keys left without an index: an error if the ALTER dropped their
// index, else the server adds one named after the constraint (or column).
absl::Status Applier::Finish() {
  for (const ConstraintDefinition& c : spec().constraints) {
    const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details);
    if (fk == nullptr) continue;
    bool covered = std::any_of(spec().indexes.begin(), spec().indexes.end(),
                               [fk](const IndexDefinition& i) {
                                 return IndexCoversColumns(i, fk->columns);
                               });
    if (covered) continue;
    for (const IndexDefinition& d : dropped_keys_) {
      if (IndexCoversColumns(d, fk->columns)) {
        return Error(SchemaErrorKind::kInvalidAlter,
                     absl::StrCat("key ", Quoted(d.name),
                                  " needed by a foreign key constraint"));
      }
    }
    if (fk->columns.empty()) continue;
    std::string name = c.name && !c.name->empty() ? *c.name : fk->columns[0];
    if (FindKey(name) != spec().indexes.end()) {
      return Error(SchemaErrorKind::kDuplicateKey,
                   absl::StrCat("duplicate key ", Quoted(name)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CreateTable> ApplyAlterTable(const CreateTable& table,
                                            const AlterTable& alter) {
  if (!table.spec) {
    return absl::InvalidArgumentError(
        absl::StrCat("table ", Quoted(table.name.name),
                     " has no column definitions to alter"));
  }
  CreateTable base = table;
  NormalizeCreateTable(&base);
  SC_RETURN_IF_ERROR(ValidateTable(base));
  Applier applier(std::move(base));
  for (const AlterOption& o : alter.options) {
    SC_RETURN_IF_ERROR(applier.Apply(o));
  }
  if (alter.partition_spec) {
    SC_RETURN_IF_ERROR(applier.ApplyPartitionSpec(*alter.partition_spec));
  }
  SC_RETURN_IF_ERROR(applier.Finish());
  CreateTable result = applier.Release();
  NormalizeCreateTable(&result);
  SC_RETURN_IF_ERROR(ValidateTable(result));
  return result;
}

}  // namespace schemadiff
}  // namespace sidecut
