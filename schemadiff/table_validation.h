// Validation of one table definition (a normalized CreateTable), the rules
// MySQL enforces on CREATE/ALTER TABLE that do not involve other tables:
// duplicate columns, keys and partitions; one primary key; keys, foreign
// keys, CHECK constraints, generated columns and partitioning referring
// only to existing columns; foreign key column counts; unique keys covering
// the partitioning columns; column charset and collation matching.
// Errors are typed (schema_errors.h). Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_TABLE_VALIDATION_H_
#define SIDECUT_SCHEMADIFF_TABLE_VALIDATION_H_

#include "absl/status/status.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

absl::Status ValidateTable(const CreateTable& table);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_TABLE_VALIDATION_H_
