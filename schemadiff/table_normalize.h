// Normalization of a parsed CREATE TABLE to the canonical form schemadiff
// compares and prints (the conventions of Vitess's schemadiff, which the
// corpus follows; MySQL 8.0 defaults):
//
//   - column PRIMARY KEY / UNIQUE attributes become table-level keys;
//   - type aliases resolved (integer -> int, real -> double, bool ->
//     tinyint(1), float(p) -> float/double), integer display widths dropped
//     (except tinyint(1)), text(n)/blob(n) mapped to tiny/medium/long forms;
//   - explicit NULL dropped (kept, or added, for timestamp), DEFAULT NULL on
//     nullable columns dropped, VISIBLE dropped;
//   - column charset/collate dropped where equal to the table's, utf8 ->
//     utf8mb3, names lower-cased;
//   - unnamed column-level CHECKs stay on the column (MariaDB's form);
//   - unnamed keys named after their first column (`i`, `i_2`), unnamed
//     checks and foreign keys named `<table>_chk_N` / `<table>_ibfk_N`,
//     USING BTREE and VISIBLE dropped from keys, a key added for a foreign
//     key no index covers;
//   - table option names lower-cased, charset/collate/engine/row_format
//     values in canonical case.
//
// Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_TABLE_NORMALIZE_H_
#define SIDECUT_SCHEMADIFF_TABLE_NORMALIZE_H_

#include <string>
#include <vector>

#include "schemadiff/ast.h"
#include "schemadiff/column_normalize.h"

namespace sidecut {
namespace schemadiff {

// Normalizes `table` in place. A table without a spec (CREATE TABLE ...
// LIKE, or a partial parse) is left unchanged.
void NormalizeCreateTable(CreateTable* table);

// Returns the charset and collation columns of a table with these
// (normalized) options inherit.
TableCharsetDefaults CharsetDefaultsOf(const std::vector<TableOption>& options);

// Returns true if the index's leading columns are exactly `columns` (in
// order, case-insensitive, no functional parts): an index usable by a
// foreign key on `columns`.
bool IndexCoversColumns(const IndexDefinition& index,
                        const std::vector<std::string>& columns);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_TABLE_NORMALIZE_H_
