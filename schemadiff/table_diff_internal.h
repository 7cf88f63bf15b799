// Internal: the parts of DiffCreateTables, shared by table_diff*.cc. Use
// table_diff.h instead. Every function takes normalized tables.
#ifndef SIDECUT_SCHEMADIFF_TABLE_DIFF_INTERNAL_H_
#define SIDECUT_SCHEMADIFF_TABLE_DIFF_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "schemadiff/ast.h"
#include "schemadiff/column_normalize.h"
#include "schemadiff/diff_hints.h"

namespace sidecut {
namespace schemadiff {
namespace internal {

// Both tables of a diff, normalized, with their charset defaults.
struct TablePair {
  std::string name;  // the `from` table's name, for errors and naming
  const TableSpec* from;
  const TableSpec* to;
  TableCharsetDefaults from_defaults;
  TableCharsetDefaults to_defaults;
};

// table_diff_columns.cc: DROP/MODIFY/RENAME/ADD COLUMN clauses.
absl::Status DiffColumns(const TablePair& t, const DiffHints& hints,
                         std::vector<AlterOption>* out);

// table_diff_keys.cc: key clauses; `subsequent` receives the ADD FULLTEXT
// KEY clauses that need a statement of their own.
void DiffKeys(const TablePair& t, const DiffHints& hints,
              std::vector<AlterOption>* out,
              std::vector<AlterOption>* subsequent);

// table_diff_keys.cc: CHECK and FOREIGN KEY clauses.
void DiffConstraints(const TablePair& t, const DiffHints& hints,
                     std::vector<AlterOption>* out);

// table_diff_options.cc: table options (one kTableOptions clause, if any).
absl::Status DiffTableOptions(const TablePair& t, const DiffHints& hints,
                              std::vector<AlterOption>* out);

// table_diff_options.cc: partitioning. Sets `alter->partition_spec` for a
// full re-partitioning or removal, or fills `statements` with DROP/ADD
// PARTITION specs for a RANGE rotation under kDistinctStatements.
void DiffPartitions(const TablePair& t, const DiffHints& hints,
                    AlterTable* alter, std::vector<PartitionSpec>* statements);

// Returns the index of clause kind `kind` in the statement order.
int ClauseRank(const AlterOption& option);

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_TABLE_DIFF_INTERNAL_H_
