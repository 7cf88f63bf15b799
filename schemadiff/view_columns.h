// Column analysis of a view's SELECT: validates every column it reads and
// computes the view's column names (for views reading views).
//
// Works on the SELECT's token sequence: the select list, FROM sources
// (tables, views, derived tables with aliases, joins with ON), WHERE, GROUP
// BY, HAVING and ORDER BY (the last three may name select-list aliases).
// Errors (typed, schema_errors.h, kViewColumnReference):
//   view `v` references unqualified but non-existent column `c`
//   view `v` references unqualified but non unique column `c`
//   view `v` references non-existent column `t`.`c`
//   view `v` has invalid star expression            (SELECT * without FROM)
// References into nested subqueries of expressions, through sources whose
// columns are unknown, and unquoted keyword-like words that name no source
// column are not checked. Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_VIEW_COLUMNS_H_
#define SIDECUT_SCHEMADIFF_VIEW_COLUMNS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

// Returns the columns of the table or view `name`, or nullptr if unknown.
using ColumnsLookup =
    std::function<const std::vector<std::string>*(const std::string& name)>;

// Validates `view`'s column references and returns its column names (its
// explicit column list if it has one). `*complete` (if given) says whether
// those are all its columns: not where a star expands over a source whose
// columns are unknown (a common table expression), or the SELECT cannot be
// analyzed.
absl::StatusOr<std::vector<std::string>> AnalyzeViewColumns(
    const CreateView& view, const ColumnsLookup& lookup,
    bool* complete = nullptr);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_VIEW_COLUMNS_H_
