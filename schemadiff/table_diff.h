// Table diff: the ALTER TABLE statements that turn one CREATE TABLE into
// another, after normalizing both (table_normalize.h), following Vitess's
// schemadiff and its DiffHints (diff_hints.h).
//
//   SC_ASSIGN_OR_RETURN(std::vector<AlterTable> alters,
//                       DiffCreateTables(from, to, hints));
//
// The result is empty when the tables are equivalent, and usually one
// statement; more than one when the hints ask for distinct statements
// (several FULLTEXT keys, RANGE partition rotation). Each statement names
// the `from` table; `to`'s name is ignored. Within a statement, clauses are
// ordered: drop foreign keys, drop keys/checks, drop columns, modify
// columns, rename columns, add columns, rename/alter keys, add keys, add
// constraints, table options, partitioning, ALGORITHM.
//
// Errors (InvalidArgument): a CREATE TABLE without a body, a default using
// a non-deterministic function, an ENUM/SET reorder under
// EnumReorderStrategy::kReject, several statements under
// SubsequentDiffStrategy::kReject. Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_TABLE_DIFF_H_
#define SIDECUT_SCHEMADIFF_TABLE_DIFF_H_

#include <vector>

#include "absl/status/statusor.h"
#include "schemadiff/ast.h"
#include "schemadiff/diff_hints.h"

namespace sidecut {
namespace schemadiff {

absl::StatusOr<std::vector<AlterTable>> DiffCreateTables(
    const CreateTable& from, const CreateTable& to, const DiffHints& hints);

// DiffCreateTables for tables already normalized (NormalizeCreateTable),
// such as a Schema's: skips copying and normalizing them again.
absl::StatusOr<std::vector<AlterTable>> DiffNormalizedTables(
    const CreateTable& from, const CreateTable& to, const DiffHints& hints);

// The diff of a table entity that may not exist on one side (nullptr):
// nothing, the normalized CREATE TABLE of `to`, DROP TABLE of `from`, or
// the ALTER TABLE statements of DiffCreateTables.
absl::StatusOr<std::vector<Statement>> DiffTableEntities(
    const CreateTable* from, const CreateTable* to, const DiffHints& hints);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_TABLE_DIFF_H_
