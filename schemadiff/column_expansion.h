// Whether a column change widens the range of values the column can hold,
// after Vitess's ColumnChangeExpandsDataRange: reverting such a change
// (copying the rows back into the old definition) may fail or truncate
// values written since. Online DDL lists these columns in a migration's
// revertible notes.
//
//   ColumnExpansion e = ColumnChangeExpandsDataRange(old_column, new_column);
//   if (e.expands) ...  // e.reason: "increased length", ...
//
// Rules, first match wins: NOT NULL to NULL-able; a longer length (or
// precision, or fractional seconds); more integer or fractional decimal
// digits; an ENUM/SET whose members are not a prefix of the old ones, or
// that becomes another type; a textual type from a non-textual one;
// unsigned to signed; a larger integer, or signed to an unsigned type whose
// maximum exceeds the old one's; floating point from a narrower float or a
// non-float; DECIMAL from a non-decimal; a larger BLOB/TEXT; TIME/DATE to
// DATETIME/TIMESTAMP, TIMESTAMP to DATETIME. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_COLUMN_EXPANSION_H_
#define SIDECUT_SCHEMADIFF_COLUMN_EXPANSION_H_

#include <string>

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

struct ColumnExpansion {
  bool expands = false;
  std::string reason;  // empty when it does not
};

ColumnExpansion ColumnChangeExpandsDataRange(const ColumnDefinition& source,
                                             const ColumnDefinition& target);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_COLUMN_EXPANSION_H_
