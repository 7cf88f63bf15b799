// View normalization and diff, after Vitess's schemadiff:
//
//   NormalizeCreateView: ALGORITHM = UNDEFINED dropped (the default), a
//   SELECT without FROM reads `dual`, DUAL spelled `dual`.
//   DiffCreateViews: nothing when the normalized definitions are equal
//   (the names are ignored), else ALTER VIEW `from` with `to`'s definition.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_VIEW_DIFF_H_
#define SIDECUT_SCHEMADIFF_VIEW_DIFF_H_

#include <optional>
#include <vector>

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

void NormalizeCreateView(CreateView* view);

// Returns the ALTER VIEW turning `from` into `to`, or nullopt if none.
std::optional<CreateView> DiffCreateViews(const CreateView& from,
                                          const CreateView& to);

// The diff of a view entity that may not exist on one side (nullptr):
// nothing, the normalized CREATE VIEW of `to`, DROP VIEW of `from`, or the
// ALTER VIEW of DiffCreateViews.
std::vector<Statement> DiffViewEntities(const CreateView* from,
                                        const CreateView* to);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_VIEW_DIFF_H_
