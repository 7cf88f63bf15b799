// What reverting a table change would lose or fail on, after Vitess's
// schemadiff revertibility analysis (TestRevertible): unique keys the new
// table no longer enforces (rows written since may violate them), columns
// dropped that had no default (a revert cannot fill them), and columns whose
// data range grew (column_expansion.h; rows written since may not fit).
//
//   RevertibilityAnalysis r = AnalyzeRevertibility(old_table, new_table);
//
// Tables are compared normalized; columns are matched by name (case
// insensitive). A unique key of `from` is kept when some unique key of `to`
// is at least as constraining: its columns all among the old key's, each
// with a prefix no longer than the old one's. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_REVERTIBILITY_H_
#define SIDECUT_SCHEMADIFF_REVERTIBILITY_H_

#include <string>
#include <vector>

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

struct RevertibilityAnalysis {
  // Each in `from`'s order.
  std::vector<std::string> removed_unique_key_names;
  std::vector<std::string> dropped_no_default_column_names;
  std::vector<std::string> expanded_column_names;
};

RevertibilityAnalysis AnalyzeRevertibility(const CreateTable& from,
                                           const CreateTable& to);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_REVERTIBILITY_H_
