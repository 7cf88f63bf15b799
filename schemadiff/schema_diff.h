// Schema diff: the statements turning one Schema into another, in an order
// that is valid to apply one by one:
//
//   1. DROP VIEW for views only in `from` (reverse dependency order);
//   2. DROP TABLE for tables only in `from` (children before parents);
//   3. ALTER TABLE for tables in both (table_diff.h; in `to` order);
//   4. ALTER VIEW for views in both;
//   5. CREATE VIEW for views only in `to` (dependency order);
//   6. CREATE TABLE for tables only in `to`;
//   7. RENAME TABLE for dropped/created table pairs of identical definition,
//      under TableRenameStrategy::kHeuristicStatement (they are then neither
//      dropped nor created).
//
// Entities are matched by exact name; a table that becomes a view (or the
// reverse) is dropped and created. Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_DIFF_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_DIFF_H_

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "schemadiff/ast.h"
#include "schemadiff/diff_hints.h"
#include "schemadiff/schema.h"

namespace sidecut {
namespace schemadiff {

// TableRenameStrategy::kHeuristicStatement's renames: each table only in
// `to` (in `to` order) paired with the first table only in `from` (in
// `from` order) of an identical definition but for the name; (old, new).
std::vector<std::pair<const CreateTable*, const CreateTable*>> FindTableRenames(
    const Schema& from, const Schema& to);

absl::StatusOr<std::vector<Statement>> DiffSchemas(const Schema& from,
                                                   const Schema& to,
                                                   const DiffHints& hints);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_DIFF_H_
