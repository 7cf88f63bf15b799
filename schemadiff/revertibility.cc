#include "schemadiff/revertibility.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "schemadiff/column_expansion.h"
#include "schemadiff/key_analysis.h"
#include "schemadiff/table_lookup.h"
#include "schemadiff/table_normalize.h"

namespace sidecut {
namespace schemadiff {
namespace {}  // namespace

RevertibilityAnalysis AnalyzeRevertibility(const CreateTable& from_table,
                                           const CreateTable& to_table) {
  RevertibilityAnalysis r;
  if (!from_table.spec || !to_table.spec) return r;
  CreateTable from = from_table, to = to_table;
  NormalizeCreateTable(&from);
  NormalizeCreateTable(&to);
  for (const IndexDefinition& k : from.spec->indexes) {
    if (!IsUniqueKey(k)) continue;
    bool kept = false;
    for (const IndexDefinition& t : to.spec->indexes) {
      if (KeyAtLeastConstrainedAs(t, k)) kept = true;
    }
    if (!kept) {
      r.removed_unique_key_names.push_back(
          k.kind == IndexKind::kPrimary ? "PRIMARY" : k.name);
    }
  }
  for (const ColumnDefinition& c : from.spec->columns) {
    const ColumnDefinition* now = FindColumn(to, c.name);
    if (now == nullptr) {
      if (!c.nullable.value_or(true) && !c.default_value) {
        r.dropped_no_default_column_names.push_back(c.name);
      }
      continue;
    }
    if (ColumnChangeExpandsDataRange(c, *now).expands) {
      r.expanded_column_names.push_back(c.name);
    }
  }
  return r;
}

}  // namespace schemadiff
}  // namespace sidecut
