#include "schemadiff/table_lookup.h"

#include "absl/strings/match.h"

namespace sidecut {
namespace schemadiff {

const ColumnDefinition* FindColumn(const CreateTable& table,
                                   absl::string_view name) {
  if (!table.spec) return nullptr;
  for (const ColumnDefinition& c : table.spec->columns) {
    if (absl::EqualsIgnoreCase(c.name, name)) return &c;
  }
  return nullptr;
}

bool InPrimaryKey(const TableSpec& spec, absl::string_view column) {
  for (const IndexDefinition& index : spec.indexes) {
    if (index.kind != IndexKind::kPrimary) continue;
    for (const IndexPart& part : index.parts) {
      if (!part.expr && absl::EqualsIgnoreCase(part.column, column)) {
        return true;
      }
    }
  }
  for (const ColumnDefinition& c : spec.columns) {
    if (c.key_option == ColumnKeyOption::kPrimary &&
        absl::EqualsIgnoreCase(c.name, column)) {
      return true;
    }
  }
  return false;
}

bool IsUniqueKey(const IndexDefinition& key) {
  return key.kind == IndexKind::kPrimary || key.kind == IndexKind::kUnique;
}

}  // namespace schemadiff
}  // namespace sidecut
