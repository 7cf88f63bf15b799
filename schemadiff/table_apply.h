// Applying an ALTER TABLE to a CREATE TABLE in memory, as the server would:
// the result is the normalized CREATE TABLE after the ALTER, validated with
// ValidateTable (table_validation.h). Used to validate diffs and to order
// them by applying each step.
//
// Beyond ValidateTable's rules, errors (typed, schema_errors.h) for:
// adding an existing column or key, dropping or changing a missing one,
// dropping a column still used by a CHECK that also uses other columns, a
// generated column or the partitioning, dropping the only index a foreign
// key can use, an implicit foreign key index whose name is taken, and
// partition operations on an unpartitioned table. Clauses without an
// effect on the definition (ALGORITHM, LOCK, FORCE, ...) are ignored.
// Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_TABLE_APPLY_H_
#define SIDECUT_SCHEMADIFF_TABLE_APPLY_H_

#include "absl/status/statusor.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

absl::StatusOr<CreateTable> ApplyAlterTable(const CreateTable& table,
                                            const AlterTable& alter);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_TABLE_APPLY_H_
