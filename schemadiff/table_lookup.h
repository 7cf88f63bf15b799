// Lookups in a parsed CREATE TABLE shared by validation, diffing and the
// analyses: columns by name (case-insensitive, as MySQL compares them),
// primary-key membership, unique keys. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_TABLE_LOOKUP_H_
#define SIDECUT_SCHEMADIFF_TABLE_LOOKUP_H_

#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

// The column `name` of `table`, or nullptr (also for a table without
// column definitions).
const ColumnDefinition* FindColumn(const CreateTable& table,
                                   absl::string_view name);

// Whether `column` is part of the primary key: a PRIMARY KEY (...) part or
// a column-level PRIMARY KEY attribute.
bool InPrimaryKey(const TableSpec& spec, absl::string_view column);

// PRIMARY or UNIQUE.
bool IsUniqueKey(const IndexDefinition& key);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_TABLE_LOOKUP_H_
