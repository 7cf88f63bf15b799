// The column names an expression (Expr token sequence) refers to: quoted
// identifiers and words that are neither functions (followed by '('),
// expression keywords, type names nor qualifiers (followed by '.').
// Approximate by design (expressions are token sequences, not trees), but
// exact for the generated-column, CHECK, partition and functional-key
// expressions DDL uses. Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_EXPR_COLUMNS_H_
#define SIDECUT_SCHEMADIFF_EXPR_COLUMNS_H_

#include <string>
#include <vector>

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

// Returns the referenced column names as written, in order, with
// duplicates.
std::vector<std::string> ReferencedColumns(const Expr& expr);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_EXPR_COLUMNS_H_
