#include "schemadiff/table_validation.h"

#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
#include "schemadiff/expr_columns.h"
#include "schemadiff/schema_errors.h"

namespace sidecut {
namespace schemadiff {
namespace {

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

absl::Status InvalidReference(absl::string_view column, absl::string_view by,
                              absl::string_view table) {
  return SchemaError(
      SchemaErrorKind::kInvalidColumnReference,
      absl::StrCat("invalid column ", Quoted(column), " referenced by ", by,
                   " in table ", Quoted(table)));
}

absl::Status ValidateColumns(const CreateTable& t,
                             std::set<std::string>* names) {
  for (const ColumnDefinition& c : t.spec->columns) {
    if (!names->insert(Lower(c.name)).second) {
      return SchemaError(SchemaErrorKind::kDuplicateColumn,
                         absl::StrCat("duplicate column ", Quoted(c.name),
                                      " in table ", Quoted(t.name.name)));
    }
    const std::string& charset = c.type.charset;
    const std::string& collate = c.type.collate.text;
    if (!charset.empty() && !collate.empty() &&
        CharsetOfCollation(collate) != charset) {
      return SchemaError(
          SchemaErrorKind::kCharsetCollationMismatch,
          absl::StrCat("charset \"", charset, "\" and collation \"", collate,
                       "\" do not match for column ", Quoted(c.name)));
    }
  }
  for (const ColumnDefinition& c : t.spec->columns) {
    if (!c.generated) continue;
    for (const std::string& ref : ReferencedColumns(*c.generated)) {
      if (names->count(Lower(ref)) == 0) {
        return InvalidReference(
            ref, absl::StrCat("generated column ", Quoted(c.name)),
            t.name.name);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateConstraints(const CreateTable& t,
                                 const std::set<std::string>& names) {
  for (const ConstraintDefinition& c : t.spec->constraints) {
    std::string name = Quoted(c.name.value_or(""));
    if (const auto* fk = std::get_if<ForeignKeyDefinition>(&c.details)) {
      for (const std::string& col : fk->columns) {
        if (names.count(Lower(col)) > 0) continue;
        return SchemaError(
            SchemaErrorKind::kInvalidForeignKeyColumn,
            absl::StrCat("invalid column ", Quoted(col),
                         " covered by foreign key constraint ", name,
                         " in table ", Quoted(t.name.name)));
      }
      if (fk->reference.columns.size() != fk->columns.size()) {
        return SchemaError(
            SchemaErrorKind::kForeignKeyColumnCount,
            absl::StrCat(
                "mismatching column count ", fk->reference.columns.size(),
                " referenced by foreign key constraint ", name, " in table ",
                Quoted(t.name.name), ". Expected ", fk->columns.size()));
      }
      continue;
    }
    const auto& check = std::get<CheckDefinition>(c.details);
    for (const std::string& ref : ReferencedColumns(check.expr)) {
      if (names.count(Lower(ref)) == 0) {
        return InvalidReference(ref, absl::StrCat("check constraint ", name),
                                t.name.name);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateKeys(const CreateTable& t,
                          const std::set<std::string>& names) {
  std::set<std::string> key_names;
  for (const IndexDefinition& i : t.spec->indexes) {
    std::string key = i.kind == IndexKind::kPrimary ? "PRIMARY" : i.name;
    if (!key_names.insert(Lower(key)).second) {
      return SchemaError(SchemaErrorKind::kDuplicateKey,
                         absl::StrCat("duplicate key ", Quoted(key),
                                      " in table ", Quoted(t.name.name)));
    }
    for (const IndexPart& p : i.parts) {
      std::vector<std::string> refs = p.expr
                                          ? ReferencedColumns(*p.expr)
                                          : std::vector<std::string>{p.column};
      for (const std::string& ref : refs) {
        if (names.count(Lower(ref)) > 0) continue;
        return SchemaError(
            SchemaErrorKind::kInvalidKeyColumn,
            absl::StrCat("invalid column ", Quoted(ref), " referenced by key ",
                         Quoted(key), " in table ", Quoted(t.name.name)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePartitions(const CreateTable& t,
                                const std::set<std::string>& names) {
  if (!t.spec->partition) return absl::OkStatus();
  const PartitionOption& p = *t.spec->partition;
  std::vector<std::string> columns = p.method.column_list;
  if (p.method.expr) {
    for (std::string& c : ReferencedColumns(*p.method.expr)) {
      columns.push_back(std::move(c));
    }
  }
  for (const std::string& c : columns) {
    if (names.count(Lower(c)) == 0) {
      return InvalidReference(c, "partition", t.name.name);
    }
  }
  std::set<std::string> partition_names;
  for (const PartitionDefinition& d : p.definitions) {
    if (!partition_names.insert(Lower(d.name)).second) {
      return SchemaError(SchemaErrorKind::kDuplicatePartition,
                         absl::StrCat("duplicate partition ", Quoted(d.name),
                                      " in table ", Quoted(t.name.name)));
    }
  }
  // Every unique key must include every partitioning column.
  for (const IndexDefinition& i : t.spec->indexes) {
    if (i.kind != IndexKind::kPrimary && i.kind != IndexKind::kUnique) {
      continue;
    }
    std::set<std::string> key_columns;
    for (const IndexPart& part : i.parts)
      key_columns.insert(Lower(part.column));
    for (const std::string& c : columns) {
      if (key_columns.count(Lower(c)) > 0) continue;
      return InvalidReference(c,
                              i.kind == IndexKind::kPrimary
                                  ? std::string("primary key")
                                  : absl::StrCat("unique key ", Quoted(i.name)),
                              t.name.name);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTable(const CreateTable& table) {
  if (!table.spec) return absl::OkStatus();
  std::set<std::string> names;
  absl::Status s = ValidateColumns(table, &names);
  if (s.ok()) s = ValidateConstraints(table, names);
  if (s.ok()) s = ValidateKeys(table, names);
  if (s.ok()) s = ValidatePartitions(table, names);
  return s;
}

}  // namespace schemadiff
}  // namespace sidecut
