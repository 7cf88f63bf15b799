// Analysis of an ALTER TABLE run through a shadow table: which columns the
// original and the altered (shadow) table share (renames included), which
// were dropped or added, which unique key both tables have so the copy can
// iterate on it and the binlog player can find rows, and the VReplication
// filter rule that moves rows from the original into the shadow.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_ONLINEDDL_ALTER_ANALYSIS_H_
#define SIDECUT_ONLINEDDL_ALTER_ANALYSIS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/binlogdata.pb.h"
#include "schemadiff/ast.h"
#include "vreplication/table_schema.h"

namespace sidecut {
namespace onlineddl {

// Column renames (old name → new name) written in the ALTER: CHANGE old new
// and RENAME COLUMN old TO new.
std::vector<std::pair<std::string, std::string>> ColumnRenames(
    const schemadiff::AlterTable& alter);

// Columns the ALTER drops (DROP COLUMN). One added back under the same name
// (DROP c, ADD c), or another renamed to it (DROP b, CHANGE a b), is a new
// column: its values are not the dropped one's.
std::vector<std::string> DroppedColumns(const schemadiff::AlterTable& alter);

struct AlterAnalysis {
  // Source column → target column, in source order (generated target
  // columns excluded: the server computes them).
  std::vector<std::pair<std::string, std::string>> shared_columns;
  std::vector<std::string> dropped_columns;  // in the source only
  std::vector<std::string> added_columns;    // in the target only
  // Shared columns whose type changed.
  std::vector<std::string> changed_type_columns;
  // The iteration key, present in both tables.
  std::string source_key_name;
  std::vector<std::string> source_key_columns;
  std::string target_key_name;
  std::vector<std::string> target_key_columns;
  int added_unique_keys = 0;    // unique keys in the target only
  int removed_unique_keys = 0;  // unique keys in the source only
  std::vector<std::string> removed_unique_key_names;
  // Warnings for a future revert ("column x dropped", ...), one per line.
  std::vector<std::string> revertible_notes;
  // The rule for the workflow: match = shadow, filter = select … from t.
  binlogdata::Rule rule;
};

// Analyzes copying `source` into `shadow` (already altered). Errors
// (kFailedPrecondition) when no unique key is shared: the message contains
// "found no possible unique key".
// Source columns named in `dropped` (DroppedColumns) and not renamed are
// dropped, whatever the shadow has under their name.
absl::StatusOr<AlterAnalysis> AnalyzeAlter(
    const vreplication::TableSchema& source,
    const vreplication::TableSchema& shadow,
    const std::vector<std::pair<std::string, std::string>>& renames,
    const std::vector<std::string>& dropped = {});

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_ALTER_ANALYSIS_H_
