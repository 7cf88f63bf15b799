// Validation rules of a Schema (schema.h), as free functions over the
// normalized tables and the views. Each returns the first violation as a
// typed error (schema_errors.h). Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_VALIDATION_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_VALIDATION_H_

#include <vector>

#include "absl/status/status.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

// Duplicate table/view names (kDuplicateEntity).
absl::Status ValidateEntityNames(const std::vector<CreateTable>& tables,
                                 const std::vector<CreateView>& views);

// Each table (ValidateTable of table_validation.h); across tables: CHECK
// constraint names, and each foreign key's parent: exists, is a table, has the
// columns, an index on them, and column types matching the child's.
// With `allow_missing_parents`, a foreign key to a table that does not
// exist is not an error (one to a view still is).
absl::Status ValidateTables(const std::vector<CreateTable>& tables,
                            const std::vector<CreateView>& views,
                            bool allow_missing_parents = false);

// Orders `views` so that each comes after the views it reads (rounds of
// resolvable views, each round sorted by name). Fails with
// kViewDependencyUnresolved naming the first unresolvable view (by name)
// and the entities it reads that are neither tables nor resolvable views.
absl::Status OrderViews(const std::vector<CreateTable>& tables,
                        std::vector<CreateView>* views);

// Orders `tables` so that foreign-key parents come first (rounds sorted by
// name; a cycle is broken by taking the first remaining name).
void OrderTables(std::vector<CreateTable>* tables);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_VALIDATION_H_
